"""The event bus: committed events on a Redis stream, readable with consumer groups, reorgs announced."""

from __future__ import annotations

import json
import random
import threading
from typing import Any

import redis
from sqlalchemy import text

from azora.services import free_port
from indexer.db import create_db_engine, upgrade
from indexer.runner import run_indexer
from tests.indexer.conftest import AZR, USERS, cursor_block, random_activity, snapshot, wait_for_head

EVENT_FIELDS = {
    "type",
    "id",
    "chain_id",
    "contract",
    "address",
    "event",
    "block_number",
    "block_hash",
    "block_timestamp",
    "log_index",
    "tx_hash",
    "args",
}


def test_bus__backfill__every_event_once_in_chain_order_with_documented_fields(
    deployment, db, index, redis_url, redis_prefix
):
    random_activity(deployment, random.Random(21), transactions=40)
    deployment.transfer(USERS[1], USERS[2], 123 * AZR)
    client: Any = redis.Redis.from_url(redis_url, decode_responses=True)
    stream = f"{redis_prefix}azora:events"
    client.xgroup_create(stream, "oracle", id="0", mkstream=True)

    index(db, redis_url=redis_url, bus_prefix=redis_prefix, initial_range=3, max_range=3)

    reply = client.xreadgroup("oracle", "worker-1", {stream: ">"}, count=10_000)
    messages = [fields for _, fields in reply[0][1]]
    raw = snapshot(db, deployment.chain_id)["raw_logs"]
    assert [m["id"] for m in messages] == [f"{deployment.chain_id}:{r[3]}:{r[2]}" for r in raw]
    assert all(set(m) == EVENT_FIELDS and m["type"] == "event" for m in messages)
    last = [m for m in messages if m["event"] == "Transfer"][-1]  # then DelegateVotesChanged events
    assert (last["contract"], last["event"], last["address"]) == ("AzoraToken", "Transfer", deployment.token)
    assert json.loads(last["args"]) == {"sender": USERS[1], "receiver": USERS[2], "value": str(123 * AZR)}
    assert int(last["block_number"]) == deployment.driver.block_number()
    assert {m["event"] for m in messages} >= {
        "Transfer",
        "DelegateChanged",
        "DelegateVotesChanged",
        "Recorded",
    }

    # Consumer-group bookkeeping works as usual: everything delivered is pending until acked.
    ids = [message_id for message_id, _ in reply[0][1]]
    assert client.xpending(stream, "oracle")["pending"] == len(ids)
    assert client.xack(stream, "oracle", *ids) == len(ids)
    client.close()


def test_bus__reorg_while_following__reorg_message_then_replacement_events(
    deployment, db, make_settings, redis_url, redis_prefix
):
    upgrade(db)
    client: Any = redis.Redis.from_url(redis_url, decode_responses=True)
    stream = f"{redis_prefix}azora:events"
    stop = threading.Event()
    settings = make_settings(db, redis_url=redis_url, bus_prefix=redis_prefix)
    worker = threading.Thread(target=run_indexer, args=(settings,), kwargs={"stop_event": stop}, daemon=True)
    worker.start()
    try:
        for _ in range(4):
            deployment.transfer(USERS[1], USERS[3], AZR)
        wait_for_head(db, deployment)
        fork = deployment.driver.block_number() - 2
        replacement = {"from": USERS[2], "to": deployment.token, "gas": hex(200_000)}
        replacement["data"] = "0xa9059cbb" + USERS[4][2:].rjust(64, "0") + hex(5 * AZR)[2:].rjust(64, "0")
        deployment.driver.rpc("anvil_reorg", 2, [[replacement, 1]])
        wait_for_head(db, deployment)
    finally:
        stop.set()
        worker.join(timeout=15)

    messages = [fields for _, fields in client.xrange(stream)]
    client.close()
    kinds = [m["type"] for m in messages]
    assert kinds.count("reorg") == 1
    at = kinds.index("reorg")
    notice = messages[at]
    assert int(notice["fork_block"]) == fork and int(notice["depth"]) == 2 and notice["chain_id"] == "31337"
    before = [m for m in messages[:at] if m["event"] == "Transfer"]
    after = messages[at + 1 :]
    assert [json.loads(m["args"])["receiver"] for m in before[-4:]] == [USERS[3]] * 4
    assert [(m["event"], json.loads(m["args"])["receiver"]) for m in after] == [("Transfer", USERS[4])]
    assert int(after[0]["block_number"]) == fork + 2


def test_bus__redis_down__indexing_goes_on_and_the_gap_is_republished_later(
    deployment, db, index, redis_url, redis_prefix
):
    random_activity(deployment, random.Random(22), transactions=20)
    dead = f"redis://127.0.0.1:{free_port()}/0"

    result = index(db, redis_url=dead, bus_prefix=redis_prefix)

    assert result.last_block == deployment.driver.block_number() == cursor_block(db, deployment.chain_id)
    engine = create_db_engine(db)
    with engine.connect() as conn:
        published = conn.execute(text("SELECT published_block FROM sync_cursors")).scalar()
    assert published is not None and published < result.last_block

    index(db, redis_url=redis_url, bus_prefix=redis_prefix)  # Redis is back: the gap is published

    with engine.connect() as conn:
        published = conn.execute(text("SELECT published_block FROM sync_cursors")).scalar()
    engine.dispose()
    assert published == result.last_block
    client: Any = redis.Redis.from_url(redis_url, decode_responses=True)
    ids = [fields["id"] for _, fields in client.xrange(f"{redis_prefix}azora:events")]
    client.close()
    raw = snapshot(db, deployment.chain_id)["raw_logs"]
    assert ids == [f"{deployment.chain_id}:{r[3]}:{r[2]}" for r in raw]
