"""OracleHub, ProofOfKnowledge and Credentials projections against real anvil + PostgreSQL:
the database equals the contracts' own view, whatever the batch size, and after a reorg it
equals a fresh re-index of the new chain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak
from sqlalchemy import text

from indexer.db import create_db_engine
from indexer.decoders import Event, plan_event
from indexer.decoders.oracle_hub import domain_name, reason_name, schema_name
from indexer.decoders.proof_of_knowledge import DAY
from indexer.handlers.oracle_hub import signer_set_rows
from indexer.handlers.proof_of_knowledge import Parameters, parameter_rows
from indexer.sync import SyncResult
from tests.contracts.oracle_signing import COURSE_COMPLETED, CREDENTIAL_REVOKED, EDUCATION
from tests.indexer.conftest import ChainDriver, snapshot
from tests.indexer.oracle_chain import (
    AZR,
    LEARNERS,
    Activity,
    OracleStack,
    completions_and_rejections,
    deploy_stack,
    hex32,
    revocations_rotation_and_budget,
)

TREASURY_GENESIS = 40_000_000 * AZR  # dev profile: the Treasury stand-in's genesis allocation


@pytest.fixture
def stack(project: Any, chain: Any, accounts: Any, tmp_path: Path, driver: ChainDriver) -> OracleStack:
    return deploy_stack(project, chain, accounts, tmp_path, driver)


@pytest.fixture
def oracle_index(stack: OracleStack, rpc_url: str) -> Callable[..., SyncResult]:
    """Index `database_url` for the stack's manifest until caught up."""
    from indexer.runner import run_indexer
    from indexer.settings import IndexerSettings

    def _index(database_url: str, **overrides: Any) -> SyncResult:
        values: dict[str, Any] = {
            "database_url": database_url,
            "rpc_url": rpc_url,
            "redis_url": None,
            "manifest_path": stack.manifest_path,
            "poll_interval": 0.05,
            "reorg_window": 32,
            "backoff_base": 0.01,
            "backoff_max": 0.2,
            **overrides,
        }
        return run_indexer(IndexerSettings(**values), follow=False)

    return _index


def _rows(database_url: str, sql: str, chain_id: int) -> list[Any]:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), {"c": chain_id}).all())
    finally:
        engine.dispose()


def assert_oracles_match_chain(database_url: str, stack: OracleStack, activity: Activity) -> None:
    """Every OracleHub / ProofOfKnowledge / Credentials projection equals the contracts' state."""
    c = stack.chain_id
    attestations = {
        r.uid: r for r in _rows(database_url, "SELECT * FROM oracle_attestations WHERE chain_id = :c", c)
    }
    rejections = _rows(database_url, "SELECT uid, reason FROM oracle_rejections WHERE chain_id = :c", c)

    # Attestations: exactly the consumed uids, with the hub's schema and revocation flag.
    consumed = {hex32(uid) for uid in activity.uids if int(stack.schema_of(uid), 16)}
    assert set(attestations) == consumed
    by_uid = {hex32(a.uid): a for a in activity.applied}
    for uid, row in attestations.items():
        assert row.schema == stack.schema_of(bytes.fromhex(uid[2:]))
        assert row.revoked == stack.is_revoked(bytes.fromhex(uid[2:]))
        assert (row.revoked_block is not None) == row.revoked
        att = by_uid[uid]
        assert (row.subject, row.data_hash, row.relayer) == (
            att.subject,
            hex32(keccak(att.data)),
            stack.relayer,
        )
    # Rejections: each refused item once, with its reason; its uid stays unused.
    assert sorted((r.uid, r.reason) for r in rejections) == sorted(
        (hex32(a.uid), reason) for a, reason in activity.rejected
    )
    assert all(not int(stack.schema_of(a.uid), 16) for a, _ in activity.rejected)

    # Schema routes and the current signer set.
    schemas = {
        r.schema: r for r in _rows(database_url, "SELECT * FROM oracle_schemas WHERE chain_id = :c", c)
    }
    for schema in (COURSE_COMPLETED, CREDENTIAL_REVOKED):
        row = schemas[hex32(schema)]
        assert (row.domain, row.consumer, row.revocable) == stack.schema_route(schema)
    (current,) = _rows(database_url, "SELECT * FROM oracle_signer_sets WHERE chain_id = :c", c)
    assert current.domain == hex32(EDUCATION)
    assert (current.signers, current.threshold, current.epoch) == (
        stack.hub_signers(),
        stack.threshold(),
        stack.epoch(),
    )
    history = _rows(
        database_url,
        "SELECT epoch FROM oracle_signer_set_changes WHERE chain_id = :c ORDER BY block_number, log_index",
        c,
    )
    assert [r.epoch for r in history] == list(range(1, stack.epoch() + 1))

    # Rewards: the learners hold nothing but their rewards; the Treasury's extra is the Ubuntu shares.
    rewards = _rows(database_url, "SELECT * FROM pok_rewards WHERE chain_id = :c", c)
    for learner in LEARNERS:
        assert sum(r.reward for r in rewards if r.learner == learner) == stack.balance_of(learner)
    treasury = str(stack.pok_view("treasury", "address")).lower()
    assert sum(r.ubuntu_share for r in rewards) == stack.balance_of(treasury) - TREASURY_GENESIS
    now = stack.timestamp()
    if now // DAY == (now + 60) // DAY:  # not at a UTC day boundary
        for learner in LEARNERS:
            today = sum(
                r.reward for r in rewards if r.learner == learner and r.block_timestamp // DAY == now // DAY
            )
            assert today == stack.earned_today(learner)
    epochs = {r.epoch: r for r in _rows(database_url, "SELECT * FROM pok_epochs WHERE chain_id = :c", c)}
    assert len(epochs) == 2
    assert epochs[int(stack.pok_view("current_epoch"))].minted == int(stack.pok_view("epoch_minted"))
    assert sum(e.minted for e in epochs.values()) == sum(r.reward + r.ubuntu_share for r in rewards)
    assert sum(e.completions for e in epochs.values()) == len(rewards)
    (parameters,) = _rows(
        database_url,
        "SELECT * FROM pok_parameter_changes WHERE chain_id = :c ORDER BY block_number DESC, log_index DESC"
        " LIMIT 1",
        c,
    )
    assert (parameters.treasury, parameters.daily_cap, parameters.epoch_budget) == (
        treasury,
        int(stack.pok_view("daily_cap")),
        int(stack.pok_view("epoch_budget")),
    )

    # Credentials: one per completion, live exactly when the contract still has it.
    credentials = {
        int(r.token_id): r for r in _rows(database_url, "SELECT * FROM credentials WHERE chain_id = :c", c)
    }
    completed = [
        a for a in activity.applied if a.schema == COURSE_COMPLETED and int(stack.schema_of(a.uid), 16)
    ]
    assert set(credentials) == {int.from_bytes(a.uid, "big") for a in completed}
    for token_id, row in credentials.items():
        assert row.revoked == (not stack.credential_exists(token_id))
        if not row.revoked:
            assert stack.credential(token_id) == (
                row.learner,
                row.course_id,
                row.score,
                row.difficulty,
                row.issued_block,
            )
    assert sum(not r.revoked for r in credentials.values()) == int(
        stack.call(stack.credentials, "totalSupply()", [], [], ["uint256"])
    )


# --- against the chain -------------------------------------------------------------------------------


def test_index__oracle_activity__projections_equal_the_contracts_in_any_range_size(
    stack, make_db, oracle_index
):
    activity = completions_and_rejections(stack)
    activity = activity.merge(revocations_rotation_and_budget(stack, activity))
    big, small = make_db(), make_db()

    oracle_index(big)
    oracle_index(small, initial_range=1, max_range=2, concurrency=2)

    assert_oracles_match_chain(big, stack, activity)
    revoked = _rows(
        big, "SELECT uid FROM oracle_attestations WHERE chain_id = :c AND revoked", stack.chain_id
    )
    assert len(revoked) == 1  # hub.revoke; the CredentialRevoked schema burns a credential instead
    assert snapshot(small, stack.chain_id) == snapshot(big, stack.chain_id)


def test_reorg__revocations_rotation_and_rewards_above_the_fork__rolled_back_like_a_fresh_index(
    stack, make_db, oracle_index
):
    first = completions_and_rejections(stack)
    signers = list(stack.signers)
    snap = stack.driver.rpc("evm_snapshot")
    second = revocations_rotation_and_budget(stack, first)
    database = make_db()
    oracle_index(database)
    assert_oracles_match_chain(database, stack, first.merge(second))
    before = snapshot(database, stack.chain_id)

    # The other branch: no revocation, re-registration or rotation; another completion and budget.
    assert stack.driver.rpc("evm_revert", snap)
    stack.signers = signers
    other = Activity(applied=[stack.complete(LEARNERS[1], 110, 88, 2)])
    stack.set_epoch_budget(1_000 * AZR)
    result = oracle_index(database)

    assert result.reorgs == 1
    after = snapshot(database, stack.chain_id)
    assert after != before
    assert_oracles_match_chain(database, stack, first.merge(other))
    fresh = make_db()
    oracle_index(fresh)
    assert after == snapshot(fresh, stack.chain_id)


# --- pure parts ----------------------------------------------------------------------------------------


SIGNERS_CHANGED_ABI = {
    "type": "event",
    "name": "SignersChanged",
    "inputs": [
        {"name": "domain", "type": "bytes32", "indexed": True},
        {"name": "epoch", "type": "uint64", "indexed": False},
        {"name": "signers", "type": "address[]", "indexed": False},
        {"name": "threshold", "type": "uint256", "indexed": False},
    ],
}


def _event(name: str, block: int, log: int, **args: Any) -> Event:
    return Event("X", name, block, log, "0x", "0x" + "11" * 32, "0x", 1_700_000_000 + block, args)


def test_decoder__address_array__lowercase_like_sliced_addresses():
    plan = plan_event(SIGNERS_CHANGED_ABI)
    signers = ["0xAbCdEf0000000000000000000000000000000001", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]
    data = "0x" + abi_encode(["uint64", "address[]", "uint256"], [3, signers, 2]).hex()

    args = plan.decode([plan.topic0, hex32(EDUCATION)], data)

    assert args == {
        "domain": hex32(EDUCATION),
        "epoch": 3,
        "signers": [s.lower() for s in signers],
        "threshold": 2,
    }


def test_signer_set_rows__signers_in_set_order__lowercase():
    event = _event(
        "SignersChanged", 5, 0, domain=hex32(EDUCATION), epoch=2, signers=["0xB", "0xa"], threshold=1
    )

    (row,) = signer_set_rows(31337, [event, _event("Attested", 5, 1)])

    assert row[5:8] == (2, 1, ["0xb", "0xa"])


def test_parameter_rows__each_change__carries_the_other_parameters_forward():
    events = [
        _event("TreasuryChanged", 1, 0, previous="0x" + "00" * 20, current="0x" + "aa" * 20),
        _event("DailyCapChanged", 1, 1, previous=0, current=1_000),
        _event("RewardPaid", 2, 0),
        _event("EpochBudgetChanged", 3, 0, previous=0, current=9_000),
    ]

    rows = parameter_rows(1, Parameters(), events[:2]) + parameter_rows(
        1, Parameters("0x" + "aa" * 20, 1_000), events[2:]
    )

    assert [(r[4], r[5], r[6], r[7]) for r in rows] == [
        ("treasury", "0x" + "aa" * 20, None, None),
        ("daily_cap", "0x" + "aa" * 20, 1_000, None),
        ("epoch_budget", "0x" + "aa" * 20, 1_000, 9_000),
    ]


def test_names__deployment_hashes__named_and_unknown_none():
    assert domain_name(hex32(EDUCATION).upper().replace("0X", "0x")) == "EDUCATION"
    assert schema_name(hex32(COURSE_COMPLETED)) == (
        "azora.education.CourseCompleted(uint256 courseId,uint8 score,uint8 difficulty)"
    )
    assert schema_name("0x" + "00" * 32) is None
    assert (reason_name(4), reason_name(11), reason_name(99)) == ("STALE_EPOCH", "CONSUMER_REJECTED", None)
