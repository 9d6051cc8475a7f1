"""Head-to-API latency: a block is mined -> its transfer is visible in ``GET /v1/accounts/{address}``.

    python bench/head_latency.py                      # standalone (own anvil, own database)
    python bench/indexer_backfill.py                  # runs it too (`make bench-indexer`)

Runs the real services as subprocesses -- the indexer in follow mode (``python -m indexer``
with ``INDEXER_POLL_INTERVAL``) and the API (``uvicorn api.main:create_app --factory``) --
on a fresh database, waits until the indexer has caught up with the chain, then, per sample:

1. sleeps a random fraction of the poll interval (so samples do not lock onto the
   indexer's polling phase);
2. sends an AZR transfer to a never-seen address (anvil automines it) and waits until
   ``eth_blockNumber`` shows the new block: that instant is t0, "block mined" as any
   client of the node can first observe it;
3. polls the API every few milliseconds until the address's balance shows; the latency is
   the arrival of that response - t0.

Reported: p50 / p95 / max (nearest-rank percentiles) over the samples. The client poll
period (5 ms) bounds the measurement's resolution; the time from sending the transaction
to its block being visible (``send_to_block_median_ms``, anvil's sealing) is not counted.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis
from _anvil import (
    TRANSFER_GAS,
    BenchAnvil,
    Deployment,
    JsonRpc,
    deploy_token_and_ledger,
    flood_transfers,
    transfer_calldata,
)
from _db import DatabaseServer

from azora.services import ManagedProcess, free_port, spawn, wait_until
from indexer.db import upgrade

TARGET_P95_MS = 250.0
# Seconds between two API polls of one sample (the measurement's resolution).
CLIENT_POLL_SECONDS = 0.005
# Longest wait for one sample before the run is declared broken.
SAMPLE_TIMEOUT_SECONDS = 15.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `q` % of the values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class LatencyResult:
    """One latency measurement (one indexer poll interval, bus on or off)."""

    poll_interval: float
    redis: bool
    samples_ms: tuple[float, ...]
    # Per sample: eth_sendTransaction sent -> its block visible on the node (t0).
    seal_ms: tuple[float, ...]
    client_poll_ms: float
    # Services start + the indexer's catch-up with the existing chain (not part of the latency).
    startup_seconds: float

    @property
    def label(self) -> str:
        services = "Redis (event bus + API rate limiter)" if self.redis else "no Redis"
        return f"poll {self.poll_interval * 1000:g} ms, {services}"

    @property
    def p50(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)

    @property
    def max(self) -> float:
        return max(self.samples_ms)

    @property
    def meets_target(self) -> bool:
        return self.p95 < TARGET_P95_MS

    def as_dict(self) -> dict[str, Any]:
        return {
            "poll_interval_s": self.poll_interval,
            "redis": self.redis,
            "samples": len(self.samples_ms),
            "p50_ms": round(self.p50, 1),
            "p95_ms": round(self.p95, 1),
            "max_ms": round(self.max, 1),
            "mean_ms": round(statistics.fmean(self.samples_ms), 1),
            "send_to_block_median_ms": round(statistics.median(self.seal_ms), 1),
            "client_poll_ms": self.client_poll_ms,
            "startup_seconds": round(self.startup_seconds, 1),
            "target_p95_ms": TARGET_P95_MS,
            "meets_target": self.meets_target,
            "samples_ms": [round(s, 1) for s in self.samples_ms],
        }


@contextmanager
def running_services(
    *,
    database_url: str,
    rpc_url: str,
    manifest: Path,
    poll_interval: float,
    redis_url: str | None,
    logs: Path,
) -> Iterator[str]:
    """The indexer (follow mode) and the API as subprocesses; yields the API's base URL.

    Both get every setting through their prefixed variables (which win over the unprefixed
    ``DATABASE_URL`` / ``REDIS_URL`` / ``RPC_URL`` the benchmark itself may have).
    Redis keys go under a unique prefix, deleted on exit.
    """
    prefix = f"azora-bench:{secrets.token_hex(4)}:"
    redis_value = redis_url or ""  # empty: no bus, no rate limiter
    indexer_env = {
        "INDEXER_DATABASE_URL": database_url,
        "INDEXER_RPC_URL": rpc_url,
        "INDEXER_REDIS_URL": redis_value,
        "INDEXER_BUS_PREFIX": prefix,
        "INDEXER_POLL_INTERVAL": str(poll_interval),
        "INDEXER_MANIFEST_PATH": str(manifest),
    }
    port = free_port()
    api_env = {
        "API_DATABASE_URL": database_url,
        "API_RPC_URL": rpc_url,
        "API_REDIS_URL": redis_value,
        # The benchmark polls far above the default 600 requests/minute of one IP.
        "API_RATE_LIMIT_PER_MINUTE": "100000000",
        "API_RATE_LIMIT_PREFIX": f"{prefix}ratelimit:",
    }
    api_argv = [
        sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    processes: list[ManagedProcess] = []
    try:
        processes.append(
            spawn("indexer", [sys.executable, "-m", "indexer"], logs / "indexer.log", indexer_env)
        )
        processes.append(spawn("api", api_argv, logs / "api.log", api_env))
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: _healthy(base), 60.0, f"the API did not start; see {logs / 'api.log'}")
        yield base
    finally:
        for process in reversed(processes):
            process.stop()
        if redis_url:
            client = redis.Redis.from_url(redis_url)
            try:
                keys = list(client.scan_iter(match=f"{prefix}*"))
                if keys:
                    client.delete(*keys)
            finally:
                client.close()


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def _indexed_block(http: httpx.Client, base: str, address: str) -> int | None:
    """The API's ``indexed_block`` (None while the indexer has no cursor yet)."""
    response = http.get(f"{base}/v1/accounts/{address}")
    if response.status_code != 200:
        return None
    block: int = response.json()["indexed_block"]
    return block


def _balance(http: httpx.Client, base: str, address: str) -> int:
    response = http.get(f"{base}/v1/accounts/{address}")
    response.raise_for_status()
    return int(response.json()["data"]["balance"])


def measure_head_latency(
    server: DatabaseServer,
    rpc: JsonRpc,
    deployment: Deployment,
    workdir: Path,
    *,
    samples: int,
    poll_interval: float,
    redis_url: str | None,
    client_poll: float = CLIENT_POLL_SECONDS,
) -> LatencyResult:
    """Start indexer + API on a fresh database, let the indexer catch up, then time `samples` blocks."""
    sender = deployment.senders[0]
    rng = random.Random(7)
    latencies: list[float] = []
    seals: list[float] = []
    started = time.perf_counter()
    with server.fresh_database("latency") as database_url:
        upgrade(database_url)  # the API answers 503 (not 500) until the indexer's first commit
        with (
            running_services(
                database_url=database_url,
                rpc_url=rpc.url,
                manifest=deployment.manifest_path,
                poll_interval=poll_interval,
                redis_url=redis_url,
                logs=workdir,
            ) as base,
            httpx.Client(timeout=5.0) as http,
        ):
            head = rpc.block_number()
            deadline = time.monotonic() + 180.0
            while (_indexed_block(http, base, sender) or -1) < head:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the indexer did not catch up with block {head}; see {workdir}")
                time.sleep(0.05)
            startup = time.perf_counter() - started
            for i in range(samples):
                recipient = "0x" + secrets.token_hex(20)
                amount = 10**18 + i
                time.sleep(rng.uniform(0.0, poll_interval))
                tx = {
                    "from": sender,
                    "to": deployment.token,
                    "gas": hex(TRANSFER_GAS),
                    "data": transfer_calldata(recipient, amount),
                }
                sent = time.perf_counter()
                rpc.call("eth_sendTransaction", tx)  # automine: anvil seals a block with it
                head += 1
                rpc.wait_for_block(head)
                mined = time.perf_counter()
                seals.append((mined - sent) * 1000)
                while _balance(http, base, recipient) != amount:
                    if time.perf_counter() - mined > SAMPLE_TIMEOUT_SECONDS:
                        raise TimeoutError(
                            f"block {head} not visible in the API after {SAMPLE_TIMEOUT_SECONDS} s"
                        )
                    time.sleep(client_poll)
                latencies.append((time.perf_counter() - mined) * 1000)
    return LatencyResult(
        poll_interval=poll_interval,
        redis=bool(redis_url),
        samples_ms=tuple(latencies),
        seal_ms=tuple(seals),
        client_poll_ms=client_poll * 1000,
        startup_seconds=startup,
    )


def latency_table(results: Sequence[LatencyResult]) -> str:
    """The Markdown table of `results`."""
    lines = [
        "| head → API (`/v1/accounts/{addr}`) | blocks | p50 ms | p95 ms | max ms | p95 < 250 ms |",
        "|---|---:|---:|---:|---:|:---:|",
    ]
    for r in results:
        mark = "yes" if r.meets_target else "**no**"
        lines.append(
            f"| {r.label} | {len(r.samples_ms)} | {r.p50:.0f} | {r.p95:.0f} | {r.max:.0f} | {mark} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=100, help="blocks to time (default 100)")
    parser.add_argument(
        "--poll-interval",
        type=float,
        action="append",
        help="INDEXER_POLL_INTERVAL, repeatable (default 0.05)",
    )
    parser.add_argument("--transfers", type=int, default=10_000, help="history mined before (default 10k)")
    parser.add_argument("--recipients", type=int, default=10_000, help="recipient pool of that history")
    parser.add_argument("--no-redis", action="store_true", help="ignore REDIS_URL")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    redis_url = None if args.no_redis else os.environ.get("REDIS_URL") or None
    results: list[LatencyResult] = []
    with tempfile.TemporaryDirectory(prefix="azora-bench-") as tmp:
        workdir = Path(tmp)
        with (
            DatabaseServer(os.environ.get("DATABASE_URL"), workdir) as server,
            BenchAnvil(workdir / "anvil.log") as anvil,
        ):
            rpc = JsonRpc(anvil.url)
            try:
                deployment = deploy_token_and_ledger(rpc, workdir)
                flood_transfers(
                    rpc, deployment, transfers=args.transfers, per_block=100, recipients=args.recipients
                )
                for interval in args.poll_interval or [0.05]:
                    results.append(
                        measure_head_latency(
                            server,
                            rpc,
                            deployment,
                            workdir,
                            samples=args.samples,
                            poll_interval=interval,
                            redis_url=redis_url,
                        )
                    )
            finally:
                rpc.close()
    print(latency_table(results))  # noqa: T201 - benchmark report
    print(json.dumps([r.as_dict() for r in results], indent=2))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
