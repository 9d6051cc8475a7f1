"""The indexer against real anvil + real PostgreSQL: the database mirrors the contracts."""

from __future__ import annotations

import random
import threading

import pytest
from sqlalchemy import text

from indexer.db import create_db_engine, upgrade
from indexer.exceptions import GapError, ManifestChangedError
from indexer.runner import run_indexer
from indexer.sync import Progress
from tests.indexer.conftest import (
    AZR,
    USERS,
    assert_matches_chain,
    cursor_block,
    random_activity,
    snapshot,
    wait_for_head,
)


def test_index__after_random_activity__database_equals_chain_state(deployment, db, index):
    rng = random.Random(1)
    random_activity(deployment, rng, transactions=120)

    result = index(db)

    assert result.last_block == deployment.driver.block_number()
    assert result.events > 120
    assert_matches_chain(db, deployment)


def test_index__in_small_ranges__same_rows_as_one_big_range(deployment, make_db, index):
    random_activity(deployment, random.Random(2), transactions=60)
    big, small = make_db(), make_db()

    index(big, initial_range=100_000)
    index(small, initial_range=1, max_range=3, concurrency=3)

    assert snapshot(small, deployment.chain_id) == snapshot(big, deployment.chain_id)


def test_follow__new_blocks__indexed_as_they_arrive(deployment, db, make_settings):
    upgrade(db)
    stop = threading.Event()
    settings = make_settings(db)
    worker = threading.Thread(target=run_indexer, args=(settings,), kwargs={"stop_event": stop}, daemon=True)
    worker.start()
    try:
        rng = random.Random(3)
        for _ in range(5):
            random_activity(deployment, rng, transactions=8)
            wait_for_head(db, deployment)
            assert_matches_chain(db, deployment)
    finally:
        stop.set()
        worker.join(timeout=15)
    assert not worker.is_alive()


def test_backfill__to_block__stops_there_and_reports_progress(deployment, db, make_settings):
    random_activity(deployment, random.Random(4), transactions=40, per_block=1)
    start = deployment.manifest.start_block
    middle = (start + deployment.driver.block_number()) // 2
    seen: list[Progress] = []

    result = run_indexer(
        make_settings(db, initial_range=5, max_range=5), to_block=middle, on_progress=seen.append
    )

    assert result.last_block == middle == cursor_block(db, deployment.chain_id)
    assert seen and seen[-1].block == middle and seen[-1].fraction == 1.0
    assert [p.block for p in seen] == sorted(p.block for p in seen)
    assert all(p.target_block == middle for p in seen)

    # Resuming continues from the cursor, to the head.
    index_all = run_indexer(make_settings(db), follow=False)
    assert index_all.last_block == deployment.driver.block_number()
    assert_matches_chain(db, deployment)


def test_backfill__from_block_after_the_cursor__refused(deployment, db, make_settings, index):
    deployment.transfer(USERS[1], USERS[2], AZR)
    index(
        db,
    )
    last = cursor_block(db, deployment.chain_id)
    deployment.driver.mine(5)

    with pytest.raises(GapError):
        run_indexer(make_settings(db), from_block=last + 3, follow=False)


def test_reindex__rebuilds_the_same_rows(deployment, db, make_settings, index):
    random_activity(deployment, random.Random(5), transactions=30)
    index(db)
    before = snapshot(db, deployment.chain_id)

    result = run_indexer(make_settings(db), reindex=True, follow=False)

    assert result.logs == len(before["raw_logs"])
    assert snapshot(db, deployment.chain_id) == before


def test_index__manifest_of_other_contracts__refused_until_reindex(
    deployment, db, make_settings, index, project, chain, accounts, tmp_path
):
    from azora.deploy import deploy
    from azora.profiles import dev_profile

    index(db)
    other = tmp_path / "other" / "local.json"
    deploy(
        project=project,
        provider=chain.provider,
        deployer=accounts[0],
        profile=dev_profile(),
        network="local",
        manifest_path=other,
        force=True,
    )

    with pytest.raises(ManifestChangedError):
        run_indexer(make_settings(db, manifest_path=other), follow=False)
    run_indexer(make_settings(db, manifest_path=other), reindex=True, follow=False)

    engine = create_db_engine(db)
    with engine.connect() as conn:
        addresses = conn.execute(text("SELECT addresses FROM sync_cursors")).scalar()
    engine.dispose()
    assert addresses is not None and deployment.token not in addresses


def test_confirmations__stays_that_many_blocks_behind_the_head(deployment, db, index):
    random_activity(deployment, random.Random(6), transactions=10, per_block=1)

    result = index(db, confirmations=3)

    assert result.last_block == deployment.driver.block_number() - 3


def test_head_tag__finalized__indexes_up_to_the_finalized_block(deployment, db, index):
    deployment.driver.mine(80)  # anvil finalizes blocks some epochs behind the head
    finalized = int(deployment.driver.rpc("eth_getBlockByNumber", "finalized", False)["number"], 16)
    assert finalized >= deployment.manifest.start_block

    result = index(db, head_tag="finalized", finality_tag="finalized")

    assert result.last_block == finalized


def test_follow__database_connections_killed__recovers_and_converges(deployment, db, make_settings):
    import psycopg
    from sqlalchemy.engine import make_url

    from indexer.db import sqlalchemy_url

    upgrade(db)
    name = make_url(db).database
    conninfo = sqlalchemy_url(db).replace("postgresql+psycopg://", "postgresql://", 1)
    stop = threading.Event()
    settings = make_settings(db, initial_range=1, max_range=1)
    worker = threading.Thread(target=run_indexer, args=(settings,), kwargs={"stop_event": stop}, daemon=True)
    worker.start()
    try:
        # Kill only once the indexer follows: a connection lost during start-up (lock, cursor row)
        # is not retried (`run_indexer` raises), so a kill right after `start()` would race with it.
        wait_for_head(db, deployment)
        rng = random.Random(8)
        for _ in range(3):
            random_activity(deployment, rng, transactions=12)
            with psycopg.connect(conninfo, autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                ).fetchone()
            assert killed is not None
            wait_for_head(db, deployment)
    finally:
        stop.set()
        worker.join(timeout=15)
    assert not worker.is_alive()
    assert_matches_chain(db, deployment)
