"""End-to-end oracle throughput: intake -> M-of-N signatures -> Celery submitter -> confirmed.

    python bench/oracle_throughput.py [--completions 300] [--batch 50] [--clients 8]

Starts the whole system with `azora up` on embedded defaults in a temporary directory
(its own anvil, PostgreSQL, Redis, indexer, API, 3 EDUCATION signers, the worker), posts
N course completions for N distinct learners through the authenticated intake from
`--clients` concurrent clients, one per request (`POST /v1/oracles/education/completions`,
HMAC) or `--batch` per request (`POST /v1/oracles/education/completions:batch`), then polls
until every one is `confirmed` on chain. Before the clock starts, one warm-up completion is
posted and waited for: `/ready` only covers the API, and the worker and signers take a few
more seconds to start. Reports attestations/s from the first post to the last confirmation
(the latest `updated_at` of the confirmed completions, written by the transaction that
confirms each: the pollers' pace is not measured), the intake rate, when the pollers had
seen every completion final, and the status counts; writes
bench/results/oracle_throughput.json (bench/results/oracle_throughput_batch.json with --batch).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from azora.services import free_port  # noqa: E402
from oracles.education.intake import sign_body  # noqa: E402

RESULTS = Path(__file__).parent / "results"
PLATFORM = "bench-academy"
CLIENTS = 8  # concurrent intake clients (default)


def _start_stack(home: Path, secret: str) -> tuple[subprocess.Popen[str], str, str]:
    """`azora up` in `home`; returns the process, the API URL and the anvil URL."""
    api_port = free_port()
    anvil_port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "RPC_URL"}}
    env |= {
        "AZORA_HOME": str(home / "home"),
        "AZORA_DEPLOYMENTS_DIR": str(home / "deployments"),
        "AZORA_REDIS_PORT": str(free_port()),
        "ORACLE_EDUCATION_PLATFORMS": json.dumps({PLATFORM: secret}),
        "ORACLE_POLL_INTERVAL_SECONDS": "0.2",
        # One client makes every request here: the per-IP limit (600/min) would throttle the bench itself.
        "API_RATE_LIMIT_PER_MINUTE": "10000000",
    }
    argv = [
        sys.executable,
        "-m",
        "azora.cli",
        "up",
        "--anvil-port",
        str(anvil_port),
        "--api-port",
        str(api_port),
    ]
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    api = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"azora up exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(f"{api}/ready", timeout=2).status_code == 200:
                return proc, api, f"http://127.0.0.1:{anvil_port}"
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the stack did not become ready")


def run(completions: int, batch: int = 0, clients: int = CLIENTS) -> dict[str, Any]:
    secret = secrets.token_hex(32)
    with tempfile.TemporaryDirectory(prefix="azora-bench-") as tmp:
        proc, api, rpc_url = _start_stack(Path(tmp), secret)
        try:
            _warm_up(api, secret)
            result, ids = _measure(api, secret, completions, batch, clients)
            result.update(_attested(rpc_url, Path(tmp) / "deployments" / "local.json", ids))
            return result
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=120)


def _warm_up(api: str, secret: str) -> None:
    """One completion through the whole pipeline: every process is up and serving."""
    body = json.dumps(
        {
            "completion_id": "warm-up",
            "learner": Account.create().address,
            "course_id": 1,
            "score": 85,
            "difficulty": 2,
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Azora-Platform": PLATFORM,
        "X-Azora-Signature": sign_body(secret, body),
    }
    with httpx.Client(base_url=api, timeout=30) as client:
        response = client.post("/v1/oracles/education/completions", content=body, headers=headers)
        response.raise_for_status()
        url = f"/v1/oracles/education/completions/{response.json()['id']}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if client.get(url).json()["status"] == "confirmed":
                return
            time.sleep(0.1)
    raise RuntimeError("the warm-up completion was not confirmed within 120 s")


def _attested(rpc_url: str, manifest: Path, ids: list[str]) -> dict[str, Any]:
    """How many `Attested` events the hub logged for the measured completions: one each."""
    from oracles.chain import HubClient

    hub = HubClient(rpc_url, manifest)
    counts: dict[str, int] = {}
    for log in hub.contract.events.Attested().get_logs(from_block=hub.from_block):
        uid = "0x" + bytes(log["args"]["uid"]).hex()
        counts[uid] = counts.get(uid, 0) + 1
    return {
        "attested_events": sum(counts.get(uid, 0) for uid in ids),
        "each_attested_once": all(counts.get(uid) == 1 for uid in ids),
    }


def _measure(
    api: str, secret: str, completions: int, batch: int, clients: int
) -> tuple[dict[str, Any], list[str]]:
    items = [
        {
            "completion_id": f"bench-{i}",
            "learner": Account.create().address,
            "course_id": 1000 + i,
            "score": 85,
            "difficulty": 2,
        }
        for i in range(completions)
    ]
    if batch:
        path = "/v1/oracles/education/completions:batch"
        bodies = [json.dumps(items[i : i + batch]).encode() for i in range(0, completions, batch)]
    else:
        path = "/v1/oracles/education/completions"
        bodies = [json.dumps(item).encode() for item in items]
    with httpx.Client(base_url=api, timeout=60, limits=httpx.Limits(max_connections=clients)) as client:

        def post(body: bytes) -> list[str]:
            headers = {
                "Content-Type": "application/json",
                "X-Azora-Platform": PLATFORM,
                "X-Azora-Signature": sign_body(secret, body),
            }
            response = client.post(path, content=body, headers=headers)
            response.raise_for_status()
            answer = response.json()
            if not batch:
                return [answer["id"]]
            if answer["accepted"] != len(answer["results"]):
                raise RuntimeError(f"batch not fully accepted: {answer}")
            return [result["id"] for result in answer["results"]]

        start_wall = time.time()
        start = time.monotonic()
        with ThreadPoolExecutor(clients) as pool:
            ids = [uid for answer in pool.map(post, bodies) for uid in answer]
        posted = time.monotonic()

        # Each client follows a share of the completions in intake order (the order the
        # submitter works in) until it is final. The moment a completion was confirmed is its
        # `updated_at` (written in the transaction that confirms it), so the polling pace does
        # not enter the measurement; `observed_seconds` is when the pollers had seen them all.
        deadline = posted + 600

        def follow(uid: str) -> dict[str, Any]:
            while True:
                response = client.get(f"/v1/oracles/education/completions/{uid}")
                response.raise_for_status()
                body: dict[str, Any] = response.json()
                if body["status"] in ("confirmed", "failed") or time.monotonic() > deadline:
                    return body
                time.sleep(0.2)

        with ThreadPoolExecutor(clients) as pool:
            finals = list(pool.map(follow, ids))
        observed = time.monotonic()
    counts: dict[str, int] = {}
    for body in finals:
        counts[body["status"]] = counts.get(body["status"], 0) + 1
    confirmed = counts.get("confirmed", 0)
    last = max(datetime.fromisoformat(body["updated_at"]).timestamp() for body in finals)
    seconds = last - start_wall
    result = {
        "completions": completions,
        "batch": batch,
        "clients": clients,
        "intake_per_second": round(completions / (posted - start), 1),
        "end_to_end_seconds": round(seconds, 2),
        "confirmed_per_second": round(confirmed / seconds, 1),
        "observed_seconds": round(observed - start, 2),
        "statuses": counts,
        "load_average": os.getloadavg()[0],
    }
    return result, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--completions", type=int, default=300)
    parser.add_argument(
        "--batch", type=int, default=0, help="Completions per POST to the batch intake (0: one per POST)."
    )
    parser.add_argument("--clients", type=int, default=CLIENTS, help="Concurrent intake clients.")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    result = run(args.completions, args.batch, args.clients)
    result["load_average_at_start"] = load_before
    RESULTS.mkdir(exist_ok=True)
    name = "oracle_throughput_batch.json" if args.batch else "oracle_throughput.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))  # noqa: T201 - benchmark report


if __name__ == "__main__":
    main()
