"""Crash safety: SIGKILL the indexer process at random points of a backfill, restart it, and
nothing is missing or duplicated -- in the database or on the event bus."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import redis

from indexer.db import sqlalchemy_url
from tests.indexer.conftest import Deployment, assert_matches_chain, random_activity, snapshot

KILLS = 4


def _conninfo(url: str) -> str:
    return sqlalchemy_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def _spawn(
    dep: Deployment, rpc_url: str, db: str, redis_url: str, prefix: str, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "INDEXER_DATABASE_URL": db,
        "INDEXER_RPC_URL": rpc_url,
        "INDEXER_REDIS_URL": redis_url,
        "INDEXER_BUS_PREFIX": prefix,
        "INDEXER_MANIFEST_PATH": str(dep.manifest_path),
        # One block per range: hundreds of commits, so a kill lands mid-backfill.
        "INDEXER_INITIAL_RANGE": "1",
        "INDEXER_MAX_RANGE": "1",
        "INDEXER_CONCURRENCY": "2",
        "INDEXER_REORG_WINDOW": "16",
        "AZORA_LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "indexer", "--no-follow"], env=env, stdout=handle, stderr=subprocess.STDOUT
        )


def _cursor(conninfo: str, chain_id: int) -> int:
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            row = conn.execute(
                "SELECT last_block FROM sync_cursors WHERE chain_id = %s", (chain_id,)
            ).fetchone()
    except psycopg.errors.UndefinedTable:
        return -1
    return -1 if row is None else int(row[0])


def test_sigkill_during_backfill__restart_resumes_without_loss_or_duplicates(
    deployment, rpc_url, make_db, index, redis_url, redis_prefix, tmp_path
):
    rng = random.Random(2024)
    random_activity(deployment, rng, transactions=300, per_block=4)
    head = deployment.driver.block_number()
    start = deployment.manifest.start_block
    db = make_db()
    conninfo = _conninfo(db)
    log = tmp_path / "indexer.log"

    # First a kill at a random moment of start-up (maybe mid-migration), then at random cursor positions.
    early = _spawn(deployment, rpc_url, db, redis_url, redis_prefix, log)
    deadline = time.monotonic() + rng.uniform(0.3, 2.5)
    while time.monotonic() < deadline and _cursor(conninfo, deployment.chain_id) < start + 2:
        time.sleep(0.002)
    early.send_signal(signal.SIGKILL)
    early.wait(timeout=30)

    thresholds = sorted(rng.sample(range(start + 5, head - 5), KILLS))
    killed_at: list[int] = []
    for threshold in thresholds:
        process = _spawn(deployment, rpc_url, db, redis_url, redis_prefix, log)
        deadline = time.monotonic() + 60
        while process.poll() is None and _cursor(conninfo, deployment.chain_id) < threshold:
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.002)
        time.sleep(rng.random() * 0.03)  # somewhere inside the next range's fetch / commit / publish
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed_at.append(_cursor(conninfo, deployment.chain_id))
        process.wait(timeout=30)

    final = _spawn(deployment, rpc_url, db, redis_url, redis_prefix, log)
    assert final.wait(timeout=120) == 0, log.read_text()[-3000:]

    # Killed mid-backfill, more than once.
    assert len([b for b in killed_at if start <= b < head]) >= KILLS // 2, killed_at
    assert _cursor(conninfo, deployment.chain_id) == head

    # The database equals the chain and a never-interrupted index.
    assert_matches_chain(db, deployment)
    fresh = make_db()
    index(fresh)
    crashed, clean = snapshot(db, deployment.chain_id), snapshot(fresh, deployment.chain_id)
    assert crashed == clean
    on_chain = deployment.driver.rpc(
        "eth_getLogs",
        {
            "fromBlock": hex(start),
            "toBlock": hex(head),
            "address": [c.address for c in deployment.manifest.contracts.values()],  # every indexed one
        },
    )
    assert len(crashed["raw_logs"]) == len(on_chain)

    # Every event reached the bus at least once, first deliveries in chain order.
    client: Any = redis.Redis.from_url(redis_url, decode_responses=True)
    messages = client.xrange(f"{redis_prefix}azora:events")
    client.close()
    ids = [fields["id"] for _, fields in messages if fields["type"] == "event"]
    expected = [f"{deployment.chain_id}:{r[3]}:{r[2]}" for r in clean["raw_logs"]]
    assert set(ids) == set(expected)
    first_seen = list(dict.fromkeys(ids))
    assert first_seen == expected
