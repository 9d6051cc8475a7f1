"""End-to-end oracle throughput: intake -> M-of-N signatures -> Celery submitter -> confirmed.

    python bench/oracle_throughput.py [--completions 300]

Starts the whole system with `azora up` on embedded defaults in a temporary directory
(its own anvil, PostgreSQL, Redis, indexer, API, 3 EDUCATION signers, the worker), posts
N course completions for N distinct learners through the authenticated intake
(`POST /v1/oracles/education/completions`, HMAC) from 8 concurrent clients, then polls
until every one is `confirmed` on chain. Reports attestations/s from the first post to
the last confirmation, the intake rate and the status counts; writes
bench/results/oracle_throughput.json.
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
CLIENTS = 8  # concurrent intake clients


def _start_stack(home: Path, secret: str) -> tuple[subprocess.Popen[str], str]:
    api_port = free_port()
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
        str(free_port()),
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
                return proc, api
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the stack did not become ready")


def run(completions: int) -> dict[str, Any]:
    secret = secrets.token_hex(32)
    with tempfile.TemporaryDirectory(prefix="azora-bench-") as tmp:
        proc, api = _start_stack(Path(tmp), secret)
        try:
            return _measure(api, secret, completions)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=120)


def _measure(api: str, secret: str, completions: int) -> dict[str, Any]:
    bodies = [
        json.dumps(
            {
                "completion_id": f"bench-{i}",
                "learner": Account.create().address,
                "course_id": 1000 + i,
                "score": 85,
                "difficulty": 2,
            }
        ).encode()
        for i in range(completions)
    ]
    with httpx.Client(base_url=api, timeout=30, limits=httpx.Limits(max_connections=CLIENTS)) as client:

        def post(body: bytes) -> str:
            headers = {
                "Content-Type": "application/json",
                "X-Azora-Platform": PLATFORM,
                "X-Azora-Signature": sign_body(secret, body),
            }
            response = client.post("/v1/oracles/education/completions", content=body, headers=headers)
            response.raise_for_status()
            uid: str = response.json()["id"]
            return uid

        start = time.monotonic()
        with ThreadPoolExecutor(CLIENTS) as pool:
            ids = list(pool.map(post, bodies))
        posted = time.monotonic()
        # The submitter works in intake order: wait on the oldest unfinished completion only
        # (polling all of them every round would measure the poller, not the pipeline).
        pending = list(ids)
        statuses: dict[str, str] = {}
        deadline = posted + 600
        while pending and time.monotonic() < deadline:
            response = client.get(f"/v1/oracles/education/completions/{pending[0]}")
            response.raise_for_status()
            statuses[pending[0]] = response.json()["status"]
            if statuses[pending[0]] in ("confirmed", "failed"):
                pending.pop(0)
            else:
                time.sleep(0.05)
        done = time.monotonic()
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    confirmed = counts.get("confirmed", 0)
    return {
        "completions": completions,
        "intake_per_second": round(completions / (posted - start), 1),
        "end_to_end_seconds": round(done - start, 2),
        "confirmed_per_second": round(confirmed / (done - start), 1),
        "statuses": counts,
        "load_average": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--completions", type=int, default=300)
    args = parser.parse_args()
    result = run(args.completions)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "oracle_throughput.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))  # noqa: T201 - benchmark report


if __name__ == "__main__":
    main()
