"""Indexer benchmark: backfill throughput, the pipeline's upper bound, head-to-API latency.

    make bench-indexer        (= python bench/indexer_backfill.py)

Self-contained: starts its own anvil (npm binary, free port), deploys AzoraToken + Ledger
by raw JSON-RPC, mines ``--transfers`` AZR transfers (default 100k, ``--per-block`` 100
per block, from 8 senders to a pool of ``--recipients`` 10k addresses), then measures,
each run in a fresh database it creates and drops (the server of ``DATABASE_URL``, else an
embedded pgserver):

* **backfill**: ``run_indexer(from_block=0, follow=False)`` in this process on a migrated
  empty database, median of ``--runs`` (3): events/s and blocks/s; again with the event
  bus when ``REDIS_URL`` is set (stream under a unique prefix, deleted afterwards);
* **upper bound** of the same pipeline: the same logs fetched with the indexer's
  `RpcClient`, `AdaptiveRange` settings and concurrency (``eth_getLogs`` only, in-order
  pipelining like `Syncer._fetch`), raw rows built in the fetch threads, and (a) nothing
  else -- the node + JSON ceiling -- or (b) ``COPY`` into a bare table (the raw_logs
  columns, no key, no index, no projection) in one transaction per range;
* **head-to-API latency** (`head_latency.py`): indexer (follow mode) and API as
  subprocesses, 100 blocks, p50 / p95 / max; when p95 misses 250 ms, again with a
  tighter ``INDEXER_POLL_INTERVAL``.

Prints Markdown tables and writes ``bench/results/indexer.json``. The whole run is bounded
by ``--budget`` seconds (default 540): past it, it stops with an error and cleans up.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import redis
from _anvil import BenchAnvil, Deployment, Flood, JsonRpc, deploy_token_and_ledger, flood_transfers
from _db import DatabaseServer
from head_latency import TARGET_P95_MS, LatencyResult, latency_table, measure_head_latency
from sqlalchemy import text

from azora.settings import PROJECT_ROOT
from indexer.db import create_db_engine, upgrade
from indexer.handlers import Db
from indexer.ranges import AdaptiveRange
from indexer.rpc import RetryPolicy, RpcClient
from indexer.runner import run_indexer
from indexer.settings import IndexerSettings
from indexer.sync import RAW_LOG_COLUMNS

RESULTS = Path(__file__).parent / "results"
TARGET_EVENTS_PER_SECOND = 20_000
# The raw_logs columns and types, without key or index: the COPY-only upper bound.
BARE_TABLE = "bench_raw_logs"
BARE_TABLE_DDL = f"""
CREATE TABLE {BARE_TABLE} (
    chain_id bigint, block_number bigint, log_index integer, block_hash varchar(66),
    tx_hash varchar(66), tx_index integer, address varchar(42) COLLATE "C",
    topic0 varchar(66), topic1 varchar(66), topic2 varchar(66), topic3 varchar(66),
    data text, block_timestamp bigint
)"""

T = TypeVar("T")


# --- measurements --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One timed pass over the chain."""

    seconds: float
    events: int
    logs: int
    blocks: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "events": self.events,
            "logs": self.logs,
            "blocks": self.blocks,
        }


@dataclass
class Series:
    """Repeated runs of one measurement; rates are those of the median run time."""

    key: str
    label: str
    runs: list[Run] = field(default_factory=list)
    load_before: float = 0.0

    @property
    def median_seconds(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def events(self) -> int:
        return self.runs[0].events

    @property
    def logs(self) -> int:
        return self.runs[0].logs

    @property
    def blocks(self) -> int:
        return self.runs[0].blocks

    @property
    def events_per_second(self) -> float:
        return self.events / self.median_seconds

    @property
    def logs_per_second(self) -> float:
        return self.logs / self.median_seconds

    @property
    def blocks_per_second(self) -> float:
        return self.blocks / self.median_seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "median_seconds": round(self.median_seconds, 3),
            "events_per_second": round(self.events_per_second),
            "logs_per_second": round(self.logs_per_second),
            "blocks_per_second": round(self.blocks_per_second, 1),
            "load_1min_before": self.load_before,
            "runs": [r.as_dict() for r in self.runs],
        }


def _settings(database_url: str, rpc_url: str, deployment: Deployment, **overrides: Any) -> IndexerSettings:
    """The indexer's settings for a benchmark run: its defaults (and INDEXER_* from the environment)."""
    return IndexerSettings(
        database_url=database_url, rpc_url=rpc_url, manifest_path=deployment.manifest_path, **overrides
    )


def backfill_run(
    server: DatabaseServer, rpc_url: str, deployment: Deployment, flood: Flood, *, redis_url: str | None
) -> Run:
    """One backfill from block 0 by `run_indexer` on a fresh, migrated database."""
    prefix = f"azora-bench:{secrets.token_hex(4)}:"
    with server.fresh_database("backfill") as url:
        upgrade(url)  # schema creation is not part of a backfill
        settings = _settings(url, rpc_url, deployment, redis_url=redis_url, bus_prefix=prefix)
        try:
            started = time.perf_counter()
            result = run_indexer(settings, from_block=0, follow=False)
            seconds = time.perf_counter() - started
        finally:
            if redis_url:
                client = redis.Redis.from_url(redis_url)
                client.delete(f"{prefix}{settings.bus_stream}")
                client.close()
        _check_indexed(url, flood, deployment)
    return Run(seconds, result.events, result.logs, result.last_block + 1)


def _check_indexed(url: str, flood: Flood, deployment: Deployment) -> None:
    """Fail unless every transfer (and each genesis mint) is in token_transfers."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM token_transfers")).scalar_one()
    finally:
        engine.dispose()
    expected = flood.transfers + len(deployment.senders)
    if count != expected:
        raise RuntimeError(f"token_transfers holds {count} rows, the chain {expected} transfers")


def raw_rows(logs: Sequence[dict[str, Any]], chain_id: int) -> list[tuple[Any, ...]]:
    """raw_logs rows of `logs`, built like `Syncer._decode` builds them (without decoding events)."""
    rows: list[tuple[Any, ...]] = []
    append = rows.append
    for entry in logs:
        topics = entry["topics"]
        count = len(topics)
        append(
            (
                chain_id,
                int(entry["blockNumber"], 16),
                int(entry["logIndex"], 16),
                entry["blockHash"],
                entry["transactionHash"],
                int(entry["transactionIndex"], 16),
                entry["address"].lower(),
                topics[0] if count > 0 else None,
                topics[1] if count > 1 else None,
                topics[2] if count > 2 else None,
                topics[3] if count > 3 else None,
                entry["data"],
                int(entry["blockTimestamp"], 16),
            )
        )
    return rows


def _in_order(
    pool: ThreadPoolExecutor,
    ranges: AdaptiveRange,
    start: int,
    stop: int,
    concurrency: int,
    fetch: Callable[[int, int], T],
) -> Iterator[T]:
    """`fetch(lo, hi)` over [start, stop] in ranges planned by `ranges`, `concurrency` in flight,
    results in chain order (the scheduling of `Syncer._fetch` for final ranges)."""
    pending: deque[Future[T]] = deque()
    next_block = start
    try:
        while True:
            while len(pending) < concurrency and next_block <= stop:
                lo, hi = ranges.plan(next_block, stop)
                pending.append(pool.submit(fetch, lo, hi))
                next_block = hi + 1
            if not pending:
                return
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()


def limit_run(server: DatabaseServer, rpc_url: str, deployment: Deployment, head: int, *, copy: bool) -> Run:
    """The pipeline without the indexer: eth_getLogs (+ COPY into a bare table when `copy`)."""
    with server.fresh_database("limit") as url:
        settings = _settings(url, rpc_url, deployment)
        engine = create_db_engine(url, pool_size=1)
        rpc = RpcClient(
            rpc_url,
            timeout=settings.rpc_timeout,
            policy=RetryPolicy(settings.rpc_retries, settings.backoff_base, settings.backoff_max),
            max_connections=settings.concurrency + 2,
        )
        ranges = AdaptiveRange(
            size=settings.initial_range,
            min_size=settings.min_range,
            max_size=settings.max_range,
            target_logs=settings.target_logs,
        )
        addresses = [deployment.token, deployment.ledger]
        chain_id = rpc.chain_id()

        def fetch(lo: int, hi: int) -> list[tuple[Any, ...]]:
            logs = rpc.get_logs(lo, hi, addresses)
            ranges.on_success(hi - lo + 1, len(logs))
            return raw_rows(logs, chain_id)

        try:
            with engine.begin() as conn:
                conn.execute(text(BARE_TABLE_DDL))
            logs = 0
            with ThreadPoolExecutor(settings.concurrency, thread_name_prefix="limit") as pool:
                started = time.perf_counter()
                for rows in _in_order(pool, ranges, 0, head, settings.concurrency, fetch):
                    if copy:
                        with engine.begin() as conn:
                            Db(conn, chain_id).copy(BARE_TABLE, RAW_LOG_COLUMNS, rows)
                    logs += len(rows)
                seconds = time.perf_counter() - started
        finally:
            rpc.close()
            engine.dispose()
    return Run(seconds, logs, logs, head + 1)


# --- load, budget, report ------------------------------------------------------------------------------


class LoadMonitor:
    """Samples the 1-minute load average every few seconds while the benchmark runs."""

    def __init__(self, period: float = 2.0) -> None:
        self.samples: list[float] = []
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="load-monitor", daemon=True)

    def __enter__(self) -> LoadMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self._stop.wait(self._period)

    def summary(self) -> dict[str, float]:
        return {
            "min": round(min(self.samples), 2),
            "mean": round(statistics.fmean(self.samples), 2),
            "max": round(max(self.samples), 2),
        }


def _over_budget(signum: int, _frame: FrameType | None) -> None:
    raise TimeoutError("the benchmark exceeded its --budget; stopping (cleanup runs)")


def throughput_table(series: Sequence[Series], limit: Series | None) -> str:
    """The Markdown table of the backfill and upper-bound measurements."""
    lines = [
        "| measurement (median of runs) | events | blocks | seconds | events/s | blocks/s | vs limit |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in series:
        ratio = f"{s.logs_per_second / limit.logs_per_second:.0%}" if limit is not None else "—"
        lines.append(
            f"| {s.label} | {s.events:,} | {s.blocks:,} | {s.median_seconds:.2f} | "
            f"{s.events_per_second:,.0f} | {s.blocks_per_second:,.0f} | {ratio} |"
        )
    return "\n".join(lines)


def _loads() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _code_revision() -> str:
    """The git commit measured, with ``+modified`` when indexer/ or api/ differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "indexer", "api"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+modified" if status.strip() else head


# --- main ----------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Indexer backfill / upper bound / head-to-API latency benchmark."
    )
    parser.add_argument("--transfers", type=int, default=100_000, help="AZR transfers to mine (default 100k)")
    parser.add_argument("--per-block", type=int, default=100, help="transfers per block (default 100)")
    parser.add_argument(
        "--recipients",
        type=int,
        default=10_000,
        help="recipient pool (default 10k); 0 = a new address per transfer (slow to mine: anvil rebuilds "
        "its whole state trie every block, so generation grows with blocks x accounts)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per throughput measurement (default 3)")
    parser.add_argument("--samples", type=int, default=100, help="blocks timed for the latency (default 100)")
    parser.add_argument(
        "--poll-interval", type=float, default=0.05, help="INDEXER_POLL_INTERVAL (default 0.05)"
    )
    parser.add_argument(
        "--tight-poll-interval",
        type=float,
        default=0.01,
        help="used too when p95 misses 250 ms (default 0.01)",
    )
    parser.add_argument(
        "--no-bus", action="store_true", help="skip the runs with Redis even if REDIS_URL is set"
    )
    parser.add_argument("--no-latency", action="store_true", help="skip the head-to-API latency")
    parser.add_argument(
        "--budget", type=int, default=540, help="seconds before the run is aborted (default 540)"
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "indexer.json", help="JSON results file")
    return parser.parse_args(argv)


@dataclass
class Measurements:
    """Everything one benchmark run measured."""

    flood: Flood
    backfill: list[Series] = field(default_factory=list)
    limits: list[Series] = field(default_factory=list)
    latencies: list[LatencyResult] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)


class Clock:
    """Progress lines stamped with the elapsed time and the current 1-minute load."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, message: str) -> None:
        print(f"[{self.elapsed:6.1f}s load {os.getloadavg()[0]:.2f}] {message}", flush=True)  # noqa: T201


def measure_all(args: argparse.Namespace, workdir: Path, clock: Clock, redis_url: str | None) -> Measurements:
    """Start anvil and PostgreSQL, mine the workload and run every measurement."""
    with (
        DatabaseServer(os.environ.get("DATABASE_URL") or None, workdir) as server,
        BenchAnvil(workdir / "anvil.log") as anvil,
    ):
        rpc = JsonRpc(anvil.url)
        try:
            deployment = deploy_token_and_ledger(rpc, workdir)
            clock.say(f"mining {args.transfers:,} transfers, {args.per_block} per block")
            flood = flood_transfers(
                rpc,
                deployment,
                transfers=args.transfers,
                per_block=args.per_block,
                recipients=args.recipients,
            )
            clock.say(f"mined {flood.transfers:,} transfers in {flood.blocks} blocks ({flood.seconds:.1f} s)")
            out = Measurements(flood)

            def repeat(key: str, label: str, once: Callable[[], Run]) -> Series:
                series = Series(key, label, load_before=round(os.getloadavg()[0], 2))
                for i in range(args.runs):
                    run = once()
                    series.runs.append(run)
                    clock.say(
                        f"{label}, run {i + 1}: {run.seconds:.2f} s, {run.events / run.seconds:,.0f} events/s"
                    )
                return series

            url = anvil.url
            out.backfill.append(
                repeat(
                    "backfill",
                    "indexer backfill (no event bus)",
                    lambda: backfill_run(server, url, deployment, flood, redis_url=None),
                )
            )
            if redis_url:
                out.backfill.append(
                    repeat(
                        "backfill_bus",
                        "indexer backfill + event bus (Redis)",
                        lambda: backfill_run(server, url, deployment, flood, redis_url=redis_url),
                    )
                )
            out.limits.append(
                repeat(
                    "limit_copy",
                    "limit: eth_getLogs + COPY, bare table",
                    lambda: limit_run(server, url, deployment, flood.head, copy=True),
                )
            )
            out.limits.append(
                repeat(
                    "limit_fetch",
                    "limit: eth_getLogs only (node + JSON)",
                    lambda: limit_run(server, url, deployment, flood.head, copy=False),
                )
            )
            if not args.no_latency:
                plans = [
                    (args.poll_interval, None),
                    *([(args.poll_interval, redis_url)] if redis_url else []),
                ]
                for interval, mode in plans:
                    clock.say(
                        f"head-to-API latency, poll {interval * 1000:g} ms, Redis {'on' if mode else 'off'}"
                    )
                    out.latencies.append(
                        measure_head_latency(
                            server,
                            rpc,
                            deployment,
                            workdir,
                            samples=args.samples,
                            poll_interval=interval,
                            redis_url=mode,
                        )
                    )
                if not all(r.meets_target for r in out.latencies):
                    tight = args.tight_poll_interval
                    clock.say(f"p95 >= {TARGET_P95_MS:g} ms: again with poll {tight * 1000:g} ms, Redis off")
                    out.latencies.append(
                        measure_head_latency(
                            server,
                            rpc,
                            deployment,
                            workdir,
                            samples=args.samples,
                            poll_interval=tight,
                            redis_url=None,
                        )
                    )
            settings = _settings("", url, deployment)
            out.environment = {
                "anvil": anvil.version(),
                "postgresql": f"{server.server_version()} ({server.description})",
                "settings": settings.model_dump(
                    include={
                        "initial_range",
                        "max_range",
                        "target_logs",
                        "concurrency",
                        "reorg_window",
                        "header_batch",
                    }
                ),
            }
            return out
        finally:
            rpc.close()


def build_report(
    args: argparse.Namespace, m: Measurements, load: dict[str, Any], elapsed: float
) -> dict[str, Any]:
    """The content of bench/results/indexer.json."""
    limit = m.limits[0]
    backfill = m.backfill[0]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": _code_revision(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "anvil": m.environment["anvil"],
            "postgresql": m.environment["postgresql"],
        },
        "load_average": load,
        "workload": {
            "transfers": m.flood.transfers,
            "per_block": args.per_block,
            "senders": 8,
            "recipients": args.recipients or "a new address per transfer",
            "blocks": m.flood.head + 1,
            "generation_seconds": round(m.flood.seconds, 1),
        },
        "indexer_settings": m.environment["settings"],
        "backfill": {s.key: s.as_dict() for s in m.backfill},
        "limit": {s.key: s.as_dict() for s in m.limits},
        "ratio_indexer_to_limit": round(backfill.logs_per_second / limit.logs_per_second, 3),
        "head_to_api": [r.as_dict() for r in m.latencies],
        "targets": {
            "backfill_events_per_second": TARGET_EVENTS_PER_SECOND,
            "backfill_met": backfill.events_per_second >= TARGET_EVENTS_PER_SECOND,
            "head_to_api_p95_ms": TARGET_P95_MS,
            "head_to_api_met": bool(m.latencies) and any(r.meets_target for r in m.latencies),
        },
        "elapsed_seconds": round(elapsed, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGALRM, _over_budget)
    signal.alarm(args.budget)
    clock = Clock()
    redis_url = None if args.no_bus else os.environ.get("REDIS_URL") or None
    loads_before = _loads()
    workdir = Path(tempfile.mkdtemp(prefix="azora-bench-"))
    try:
        with LoadMonitor() as monitor:
            measured = measure_all(args, workdir, clock, redis_url)
        signal.alarm(0)
    except BaseException:
        print(f"benchmark failed; logs kept in {workdir}", file=sys.stderr)  # noqa: T201
        raise
    shutil.rmtree(workdir, ignore_errors=True)
    load = {"before": loads_before, "during_1min": monitor.summary(), "after": _loads()}
    report = build_report(args, measured, load, clock.elapsed)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")

    flood, machine = measured.flood, report["machine"]
    recipients = f"{args.recipients:,} recipients" if args.recipients else "a new recipient per transfer"
    print(  # noqa: T201
        f"\n{flood.transfers:,} transfers in {flood.head + 1:,} blocks "
        f"({args.per_block}/block, {recipients}); "
        f"{machine['cpus']} CPUs; load average before {loads_before}, during (1-min) {load['during_1min']}, "
        f"after {load['after']}; PostgreSQL {machine['postgresql']}; {machine['anvil']}\n"
    )
    print(throughput_table([*measured.backfill, *measured.limits], measured.limits[0]))  # noqa: T201
    if measured.latencies:
        print("\n" + latency_table(measured.latencies))  # noqa: T201
    print(f"\nwritten to {args.output} in {report['elapsed_seconds']} s")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
