"""RPC fault injection: with a third of the calls failing, stalling or garbled, and large
eth_getLogs ranges refused, the indexer still converges to the chain state."""

from __future__ import annotations

import random
import threading

from indexer.db import upgrade
from indexer.runner import run_indexer
from tests.indexer.conftest import assert_matches_chain, random_activity, snapshot, wait_for_head
from tests.indexer.faulty_proxy import FaultyProxy


def test_faulty_rpc__backfill__converges_to_the_same_rows(deployment, make_db, index, rpc_url):
    random_activity(deployment, random.Random(11), transactions=200, per_block=2)
    faulty, clean = make_db(), make_db()
    with FaultyProxy(rpc_url, failure_rate=0.35, stall=0.6, max_span=4, seed=11) as proxy:
        result = index(
            faulty,
            rpc_url=proxy.url,
            rpc_timeout=0.4,
            rpc_retries=30,
            initial_range=64,
            max_range=16,
            concurrency=3,
            header_batch=4,
        )

    assert result.last_block == deployment.driver.block_number()
    assert proxy.faults["too_many_results"] > 0
    assert sum(n for fault, n in proxy.faults.items() if fault not in ("ok", "too_many_results")) >= 8
    index(clean)
    assert snapshot(faulty, deployment.chain_id) == snapshot(clean, deployment.chain_id)
    assert_matches_chain(faulty, deployment)


def test_faulty_rpc__following_the_head_with_reorgs__converges(deployment, db, make_settings, rpc_url):
    upgrade(db)
    stop = threading.Event()
    with FaultyProxy(rpc_url, failure_rate=0.25, stall=0.5, max_span=16, seed=12) as proxy:
        settings = make_settings(db, rpc_url=proxy.url, rpc_timeout=0.3, rpc_retries=30)
        worker = threading.Thread(
            target=run_indexer, args=(settings,), kwargs={"stop_event": stop}, daemon=True
        )
        worker.start()
        try:
            rng = random.Random(12)
            for round_ in range(4):
                random_activity(deployment, rng, transactions=10)
                if round_ % 2:
                    deployment.driver.rpc("anvil_reorg", 3, [])
                wait_for_head(db, deployment)
        finally:
            stop.set()
            worker.join(timeout=30)
    assert not worker.is_alive()
    assert_matches_chain(db, deployment)
