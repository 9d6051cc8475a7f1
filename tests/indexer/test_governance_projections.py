"""AzoraGovernor + AzoraTimelock projections against real anvil + PostgreSQL: at every phase of a
proposal lifecycle the database (and the state derived from it at the indexed block) equals the
contracts' own views at that block, whatever the batch size; after a reorg it equals a fresh
re-index; the governance events are on the bus unchanged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from eth_abi import encode as abi_encode
from eth_utils import keccak
from sqlalchemy import select, text

from indexer.db import create_db_engine
from indexer.decoders import Event
from indexer.decoders.governor import (
    SETTING_EVENTS,
    SETTINGS,
    STATES,
    lenient_plan,
    storable_text,
    text_hash,
    timelock_operation_id,
)
from indexer.handlers.governor import action_rows, setting_rows, state_expression, veto_rows
from indexer.models import GovernanceProposal
from indexer.runner import run_indexer
from indexer.settings import IndexerSettings
from indexer.sync import SyncResult
from tests.indexer.conftest import ChainDriver, snapshot
from tests.indexer.governance_chain import (
    ABSTAIN,
    AGAINST,
    ALICE,
    CAROL,
    DAVE,
    ERIN,
    FLAG,
    FOR,
    GRACE_AFTER,
    GRACE_PERIOD,
    TIMELOCK_DELAY,
    GovernanceStack,
    cast_votes,
    close_voting,
    create_proposals,
    deploy_governance,
    hex32,
    queue_and_execute,
    reason_hash,
    setup_voters,
)

GOVERNANCE_TABLES = {
    "governance_proposals": "proposal_id",
    "governance_proposal_actions": "proposal_id, action_index",
    "governance_votes": "block_number, log_index",
    "governance_reviews": "block_number, log_index",
    "governance_setting_changes": "block_number, log_index",
}


@pytest.fixture
def stack(project: Any, chain: Any, accounts: Any, tmp_path: Path, driver: ChainDriver) -> GovernanceStack:
    return deploy_governance(project, chain, accounts, tmp_path, driver)


@pytest.fixture
def gov_index(stack: GovernanceStack, rpc_url: str) -> Callable[..., SyncResult]:
    """Index `database_url` for the stack's manifest until caught up."""

    def _index(database_url: str, **overrides: Any) -> SyncResult:
        values: dict[str, Any] = {
            "database_url": database_url,
            "rpc_url": rpc_url,
            "redis_url": None,
            "manifest_path": stack.manifest_path,
            "poll_interval": 0.05,
            "reorg_window": 64,
            "backoff_base": 0.01,
            "backoff_max": 0.2,
            **overrides,
        }
        return run_indexer(IndexerSettings(**values), follow=False)

    return _index


def governance_snapshot(database_url: str, chain_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every compared table (the indexer's usual ones and the governance ones), ordered."""
    out = snapshot(database_url, chain_id)
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            for table, order in GOVERNANCE_TABLES.items():
                rows = conn.execute(
                    text(f"SELECT * FROM {table} WHERE chain_id = :c ORDER BY {order}"), {"c": chain_id}
                ).all()
                out[table] = [tuple(r) for r in rows]
    finally:
        engine.dispose()
    return out


def indexed_states(database_url: str, chain_id: int) -> tuple[int, dict[int, str]]:
    """(indexed block, state of every proposal there) as the API derives them from the tables."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            block = int(
                conn.execute(
                    text("SELECT last_block FROM sync_cursors WHERE chain_id = :c"), {"c": chain_id}
                ).scalar_one()
            )
            stamp = conn.execute(
                text("SELECT timestamp FROM blocks WHERE chain_id = :c AND number = :n"),
                {"c": chain_id, "n": block},
            ).scalar_one()
            grace = conn.execute(
                text(
                    "SELECT new_value FROM governance_setting_changes WHERE chain_id = :c"
                    " AND setting = 'grace_period' AND block_number <= :n"
                    " ORDER BY block_number DESC, log_index DESC LIMIT 1"
                ),
                {"c": chain_id, "n": block},
            ).scalar_one()
            rows = conn.execute(
                select(GovernanceProposal.proposal_id, state_expression(block, int(stamp), int(grace))).where(
                    GovernanceProposal.chain_id == chain_id
                )
            ).all()
    finally:
        engine.dispose()
    return block, {int(proposal_id): STATES[code] for proposal_id, code in rows}


def _rows(database_url: str, sql: str, chain_id: int) -> list[Any]:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(sql), {"c": chain_id}).all())
    finally:
        engine.dispose()


def assert_governance_matches_chain(database_url: str, stack: GovernanceStack) -> dict[str, str]:
    """Every governance projection equals the contracts' views at the indexed block (the head);
    returns each proposal's state by label."""
    c = stack.chain_id
    block, states = indexed_states(database_url, c)
    assert block == stack.head()
    proposals = {
        int(r.proposal_id): r
        for r in _rows(database_url, "SELECT * FROM governance_proposals WHERE chain_id = :c", c)
    }
    assert set(proposals) == {p.id for p in stack.proposals.values()}
    actions = _rows(
        database_url,
        "SELECT * FROM governance_proposal_actions WHERE chain_id = :c ORDER BY proposal_id, action_index",
        c,
    )
    votes = _rows(
        database_url, "SELECT * FROM governance_votes WHERE chain_id = :c ORDER BY block_number, log_index", c
    )
    reviews = _rows(database_url, "SELECT * FROM governance_reviews WHERE chain_id = :c", c)
    by_label: dict[str, str] = {}
    for label, proposal in stack.proposals.items():
        row = proposals[proposal.id]
        gov = stack.gov
        # The state derived at the indexed block is state(id) in a call at that block.
        assert states[proposal.id] == stack.state(proposal.id, block), label
        by_label[label] = states[proposal.id]
        assert (
            row.proposer
            == proposal.proposer
            == str(gov("proposalProposer", ["uint256"], [proposal.id], "address", block)).lower()
        )
        assert row.snapshot == gov("proposalSnapshot", ["uint256"], [proposal.id], "uint256", block)
        assert row.deadline == gov("proposalDeadline", ["uint256"], [proposal.id], "uint256", block)
        assert (row.eta or 0) == gov("proposalEta", ["uint256"], [proposal.id], "uint256", block)
        # The Timelock operation id computed from the actions is the one the Governor stored.
        operation = bytes(gov("proposalTimelockId", ["uint256"], [proposal.id], "bytes32", block))
        assert row.timelock_id == (None if operation == bytes(32) else hex32(operation)), label
        assert (row.against_votes, row.for_votes, row.abstain_votes) == stack.proposal_votes(
            proposal.id, block
        )
        # The description's hash is the one the id commits to (raw bytes, even invalid UTF-8).
        assert row.description_hash == hex32(proposal.description_hash)
        assert row.description == proposal.description.decode("utf-8", "replace").replace("\x00", "\ufffd")
        assert (
            int(
                gov(
                    "hashProposal",
                    ["address[]", "uint256[]", "bytes[]", "bytes32"],
                    proposal.call_args(),
                    "uint256",
                    block,
                )
            )
            == proposal.id
        )
        mine = [(a.target, a.value, a.calldata) for a in actions if int(a.proposal_id) == proposal.id]
        assert mine == [
            (t, v, hex32(d))
            for t, v, d in zip(proposal.targets, proposal.values, proposal.calldatas, strict=True)
        ]
        assert row.action_count == len(proposal.targets)
        verdict, review_hash, uid = stack.proposal_review(proposal.id, block)
        if verdict:
            assert (row.review_verdict, row.review_reason_hash, row.review_uid) == (verdict, review_hash, uid)
        else:
            assert row.review_verdict is row.review_reason_hash is row.review_uid is None
        assert sum(int(r.proposal_id) == proposal.id for r in reviews) >= (1 if verdict else 0)
        # The quorum is known once the snapshot block is indexed; the view answers for past blocks.
        if row.snapshot < block:
            assert row.quorum == gov("quorum", ["uint256"], [row.snapshot], "uint256", block)
            assert row.quorum_numerator == gov(
                "quorumNumerator", ["uint256"], [row.snapshot], "uint256", block
            )
        else:
            assert (row.quorum is None) == (row.snapshot > block)
        mine_votes = [v for v in votes if int(v.proposal_id) == proposal.id]
        assert row.voters == len(mine_votes) == len({v.voter for v in mine_votes})
        for v in mine_votes:
            assert gov("hasVoted", ["uint256", "address"], [proposal.id, v.voter], "bool", block)
            assert v.weight == gov(
                "getVotes", ["address", "uint256"], [v.voter, row.snapshot], "uint256", block
            )
        for support, total in (
            (AGAINST, row.against_votes),
            (FOR, row.for_votes),
            (ABSTAIN, row.abstain_votes),
        ):
            assert total == sum(v.weight for v in mine_votes if v.support == support)
        stamps = {
            "queued": row.queued_block is not None and row.eta is not None,
            "executed": row.executed_block is not None,
            "canceled": row.canceled_block is not None,
        }
        assert stamps["executed"] == (states[proposal.id] == "executed")
        assert stamps["canceled"] == (states[proposal.id] == "canceled")
        # Queued ones end Queued, Expired, Executed or -- vetoed on the Timelock -- Canceled.
        assert stamps["queued"] == (row.timelock_id is not None)
        if stamps["queued"]:
            assert states[proposal.id] in ("queued", "expired", "executed", "canceled")
            vetoed = (
                int(
                    stack.call(
                        stack.timelock, "get_timestamp(bytes32)", ["bytes32"], [operation], ["uint256"], block
                    )
                )
                == 0
            )
            assert vetoed == stamps["canceled"], label

    # Settings: the latest change of each is the contracts' value; the numerator history answers
    # quorumNumerator(t) at every block where it changed and just before.
    changes = _rows(
        database_url,
        "SELECT setting, block_number, new_value FROM governance_setting_changes WHERE chain_id = :c"
        " ORDER BY block_number, log_index",
        c,
    )
    for name in SETTINGS:
        values = [int(v) for s, _, v in changes if s == name]
        assert values, name
        assert values[-1] == stack.setting(name, block), name
    for _, at, _ in [r for r in changes if r.setting == "quorum_numerator"]:
        for t in (at - 1, at):
            values = [int(v) for s, b, v in changes if s == "quorum_numerator" and b <= t]
            assert (values[-1] if values else 0) == stack.gov(
                "quorumNumerator", ["uint256"], [t], "uint256", block
            )
    return by_label


# --- against the chain -------------------------------------------------------------------------------


def test_index__governance_lifecycle__db_equals_the_contracts_at_every_phase(stack, make_db, gov_index):
    database = make_db()
    setup_voters(stack)
    seen: list[dict[str, str]] = []

    create_proposals(stack)
    gov_index(database)
    seen.append(assert_governance_matches_chain(database, stack))
    cast_votes(stack)
    gov_index(database)
    seen.append(assert_governance_matches_chain(database, stack))
    close_voting(stack)
    gov_index(database)
    seen.append(assert_governance_matches_chain(database, stack))
    queue_and_execute(stack)
    gov_index(database)
    seen.append(assert_governance_matches_chain(database, stack))
    stack.warp(GRACE_AFTER)  # past flag70's eta + the grace period the executed proposal set
    stack.vote(CAROL, stack.proposals["later"], FOR)
    gov_index(database)
    seen.append(assert_governance_matches_chain(database, stack))
    close_voting(stack)
    gov_index(database)
    seen.append(assert_governance_matches_chain(database, stack))

    assert seen[0] == {
        "pass": "active",
        "defeat": "active",
        "cancel": "canceled",
        "flag60": "active",
        "flag70": "active",
        "noquorum": "pending",
    }
    assert seen[2] == {
        "pass": "succeeded",
        "defeat": "defeated",
        "cancel": "canceled",
        "flag60": "defeated",  # flagged: 62% for is short of two thirds
        "flag70": "succeeded",  # flagged, 73% for
        "noquorum": "defeated",  # 1M for, below 4% of 80M
    }
    assert {k: seen[3][k] for k in ("pass", "flag70", "later")} == {
        "pass": "executed",
        "flag70": "queued",
        "later": "pending",
    }
    assert {k: seen[4][k] for k in ("flag70", "later")} == {"flag70": "expired", "later": "active"}
    assert seen[5]["later"] == "succeeded"  # 10M for: above the new 5% quorum (4M)
    # The executed proposal changed three settings through the Timelock.
    latest = {
        r.setting: int(r.new_value)
        for r in _rows(
            database,
            "SELECT DISTINCT ON (setting) setting, new_value FROM governance_setting_changes"
            " WHERE chain_id = :c ORDER BY setting, block_number DESC, log_index DESC",
            stack.chain_id,
        )
    }
    assert (latest["quorum_numerator"], latest["timelock_min_delay"], latest["grace_period"]) == (
        5,
        120,
        GRACE_AFTER,
    )
    # The proposal created after the change has the new quorum; the earlier ones kept theirs.
    quorums = {
        int(r.proposal_id): (r.quorum_numerator, r.quorum)
        for r in _rows(database, "SELECT * FROM governance_proposals WHERE chain_id = :c", stack.chain_id)
    }
    assert quorums[stack.proposals["later"].id] == (5, 80_000_000 * 10**18 * 5 // 100)
    assert quorums[stack.proposals["pass"].id] == (4, 80_000_000 * 10**18 * 4 // 100)

    # Any batch size gives the same tables.
    small = make_db()
    gov_index(small, initial_range=1, max_range=3, concurrency=2)
    assert governance_snapshot(small, stack.chain_id) == governance_snapshot(database, stack.chain_id)


def test_reorg__votes_reviews_queue_and_execution_above_the_fork__rolled_back_like_a_fresh_index(
    stack, make_db, gov_index
):
    setup_voters(stack)
    create_proposals(stack)
    fork = stack.driver.rpc("evm_snapshot")
    cast_votes(stack)
    close_voting(stack)
    queue_and_execute(stack)
    database = make_db()
    gov_index(database)
    assert_governance_matches_chain(database, stack)
    before = governance_snapshot(database, stack.chain_id)

    # The other branch: fewer votes (flag70 now fails), another review, nothing executed.
    assert stack.driver.rpc("evm_revert", fork)
    stack.proposals.pop("later")
    p = stack.proposals
    stack.vote(ALICE, p["pass"], FOR)
    stack.vote(DAVE, p["flag70"], FOR)
    stack.vote(ALICE, p["flag70"], AGAINST)
    stack.review(p["noquorum"], FLAG, reason_hash("noquorum"))
    stack.vote(ERIN, p["noquorum"], AGAINST, "no")
    close_voting(stack)
    stack.queue(p["pass"])
    result = gov_index(database)

    assert result.reorgs == 1
    after = governance_snapshot(database, stack.chain_id)
    assert after != before
    states = assert_governance_matches_chain(database, stack)
    assert (states["pass"], states["flag70"], states["flag60"]) == ("queued", "defeated", "defeated")
    fresh = make_db()
    gov_index(fresh)
    assert after == governance_snapshot(fresh, stack.chain_id)


def _canceled_stamp(database_url: str, stack: GovernanceStack, label: str) -> tuple[Any, ...]:
    rows = _rows(
        database_url,
        "SELECT proposal_id, canceled_block, canceled_tx_hash FROM governance_proposals WHERE chain_id = :c",
        stack.chain_id,
    )
    proposal_id = stack.proposals[label].id
    return next((r.canceled_block, r.canceled_tx_hash) for r in rows if int(r.proposal_id) == proposal_id)


def test_index__council_veto_on_the_timelock__proposal_canceled_like_the_chain(stack, make_db, gov_index):
    database = make_db()
    setup_voters(stack)
    create_proposals(stack)
    cast_votes(stack)
    close_voting(stack)
    p = stack.proposals
    stack.queue(p["pass"])
    stack.queue(p["flag70"])
    gov_index(database)
    assert assert_governance_matches_chain(database, stack)["flag70"] == "queued"

    tx_hash = stack.veto(p["flag70"])
    veto_block = stack.head()
    gov_index(database)

    states = assert_governance_matches_chain(database, stack)
    assert (states["pass"], states["flag70"]) == ("queued", "canceled")
    assert _canceled_stamp(database, stack, "flag70") == (veto_block, tx_hash)
    # A veto is final: past the ETA and the grace period it stays Canceled (on chain and here).
    stack.warp(GRACE_PERIOD + TIMELOCK_DELAY + 1)
    stack.mine()
    gov_index(database)
    states = assert_governance_matches_chain(database, stack)
    assert (states["pass"], states["flag70"]) == ("expired", "canceled")
    # Queue and veto in one batch (the Governor's handler stores the id first) or in many.
    for overrides in ({}, {"initial_range": 1, "max_range": 3, "concurrency": 2}):
        fresh = make_db()
        gov_index(fresh, **overrides)
        assert governance_snapshot(fresh, stack.chain_id) == governance_snapshot(database, stack.chain_id)


def test_reorg__council_veto_above_the_fork__rolled_back_like_a_fresh_index(stack, make_db, gov_index):
    setup_voters(stack)
    create_proposals(stack)
    cast_votes(stack)
    close_voting(stack)
    p = stack.proposals
    stack.queue(p["pass"])
    fork = stack.driver.rpc("evm_snapshot")
    stack.queue(p["flag70"])
    stack.veto(p["flag70"])
    database = make_db()
    gov_index(database)
    assert assert_governance_matches_chain(database, stack)["flag70"] == "canceled"
    before = governance_snapshot(database, stack.chain_id)

    # The other branch: flag70 never queued; the council vetoes "pass" instead, a block later.
    assert stack.driver.rpc("evm_revert", fork)
    stack.mine()
    tx_hash = stack.veto(p["pass"])
    veto_block = stack.head()
    stack.mine()
    result = gov_index(database)

    assert result.reorgs == 1
    after = governance_snapshot(database, stack.chain_id)
    assert after != before
    states = assert_governance_matches_chain(database, stack)
    assert (states["pass"], states["flag70"]) == ("canceled", "succeeded")
    assert _canceled_stamp(database, stack, "flag70") == (None, None)
    assert _canceled_stamp(database, stack, "pass") == (veto_block, tx_hash)
    fresh = make_db()
    gov_index(fresh)
    assert after == governance_snapshot(fresh, stack.chain_id)


def test_bus__governance_events__published_unchanged_for_the_ethics_oracle(
    stack, make_db, gov_index, redis_url, redis_prefix
):
    setup_voters(stack)
    create_proposals(stack)
    cast_votes(stack)
    client: Any = redis.Redis.from_url(redis_url, decode_responses=True)
    stream = f"{redis_prefix}azora:events"

    gov_index(make_db(), redis_url=redis_url, bus_prefix=redis_prefix)

    messages = [fields for _, fields in client.xrange(stream)]
    client.close()
    created = [m for m in messages if (m["contract"], m["event"]) == ("AzoraGovernor", "ProposalCreated")]
    assert len(created) == len(stack.proposals)
    by_id = {int(json.loads(m["args"])["proposalId"]): json.loads(m["args"]) for m in created}
    passing = stack.proposals["pass"]
    args = by_id[passing.id]
    assert args == {
        "proposalId": str(passing.id),
        "proposer": passing.proposer,
        "targets": list(passing.targets),
        "values": [str(v) for v in passing.values],
        "signatures": [""] * len(passing.targets),
        "calldatas": [hex32(d) for d in passing.calldatas],
        "voteStart": args["voteStart"],
        "voteEnd": str(int(args["voteStart"]) + 20),
        "description": passing.description.decode(),
    }
    # Invalid UTF-8 travels losslessly (surrogate escapes): its bytes still hash to the id's.
    odd = stack.proposals["noquorum"]
    assert text_hash(by_id[odd.id]["description"]) == hex32(odd.description_hash)
    events = {(m["contract"], m["event"]) for m in messages}
    assert {
        ("AzoraGovernor", "VoteCast"),
        ("AzoraGovernor", "ProposalReviewed"),
        ("AzoraGovernor", "ProposalCanceled"),
        ("AzoraGovernor", "QuorumNumeratorUpdated"),
        ("AzoraTimelock", "MinimumDelayChange"),
    } <= events
    review = next(json.loads(m["args"]) for m in messages if m["event"] == "ProposalReviewed")
    assert set(review) == {"proposalId", "verdict", "reasonHash", "uid"}


# --- pure parts ----------------------------------------------------------------------------------------

VOTE_CAST_ABI = {
    "type": "event",
    "name": "VoteCast",
    "inputs": [
        {"name": "voter", "type": "address", "indexed": True},
        {"name": "proposalId", "type": "uint256", "indexed": False},
        {"name": "support", "type": "uint8", "indexed": False},
        {"name": "weight", "type": "uint256", "indexed": False},
        {"name": "reason", "type": "string", "indexed": False},
    ],
}


def test_lenient_plan__invalid_utf8_reason__decoded_losslessly_and_stored_with_replacements():
    plan = lenient_plan(VOTE_CAST_ABI)
    raw = b"ok \xff\xfe \x00 \xe2\x82"
    data = "0x" + abi_encode(["uint256", "uint8", "uint256", "bytes"], [7, 1, 10**24, raw]).hex()
    voter = "0x" + "00" * 12 + "ab" * 20

    args = plan.decode([plan.topic0, voter], data)

    assert plan.signature == "VoteCast(address,uint256,uint8,uint256,string)"
    assert args["voter"] == "0x" + "ab" * 20 and args["proposalId"] == 7 and args["weight"] == 10**24
    assert args["reason"].encode("utf-8", "surrogateescape") == raw
    assert storable_text(args["reason"]) == "ok \ufffd\ufffd \ufffd \ufffd"


def test_setting_rows__each_settings_event__named_with_old_and_new():
    events = [
        Event(
            "AzoraGovernor",
            "VotingDelaySet",
            3,
            0,
            "0x",
            "0x" + "11" * 32,
            "0xgov",
            1,
            {"oldVotingDelay": 0, "newVotingDelay": 1},
        ),
        Event("AzoraGovernor", "VoteCast", 3, 1, "0x", "0x" + "11" * 32, "0xgov", 1, {}),
        Event(
            "AzoraGovernor",
            "QuorumNumeratorUpdated",
            4,
            0,
            "0x",
            "0x" + "22" * 32,
            "0xgov",
            2,
            {"oldQuorumNumerator": 4, "newQuorumNumerator": 5},
        ),
    ]

    rows = setting_rows(1, events, SETTING_EVENTS)

    assert [(r[4], r[5], r[6], r[7]) for r in rows] == [
        ("0xgov", "voting_delay", 0, 1),
        ("0xgov", "quorum_numerator", 4, 5),
    ]


def test_action_rows__no_signatures_field__empty_signatures():
    event = Event(
        "AzoraGovernor",
        "ProposalCreated",
        9,
        2,
        "0x",
        "0x" + "33" * 32,
        "0xgov",
        1,
        {"proposalId": 5, "targets": ["0xa", "0xb"], "values": [0, 3], "calldatas": ["0x", "0x01"]},
    )

    rows = action_rows(1, [event])

    assert rows == [(1, 5, 0, "0xa", 0, "", "0x", 9), (1, 5, 1, "0xb", 3, "", "0x01", 9)]


def test_timelock_operation_id__known_batch__is_snekmate_hash_with_the_governor_salt():
    governor = "0x" + "ab" * 20
    description_hash = "0x" + "cd" * 32
    salt = bytes.fromhex("ab" * 20 + "00" * 12)
    salt = bytes(x ^ y for x, y in zip(salt, bytes.fromhex("cd" * 32), strict=True))
    expected = keccak(
        abi_encode(
            ["address[]", "uint256[]", "bytes[]", "bytes32", "bytes32"],
            [["0x" + "01" * 20], [5], [b"\x12\x34"], bytes(32), salt],
        )
    )

    operation = timelock_operation_id(governor, ["0x" + "01" * 20], [5], ["0x1234"], description_hash)

    assert operation == "0x" + expected.hex()


def test_veto_rows__cancelled_events_only__lowercased_ids():
    events = [
        Event(
            "AzoraTimelock", "Cancelled", 7, 1, "0x", "0x" + "44" * 32, "0xtl", 9, {"id": "0x" + "AB" * 32}
        ),
        Event("AzoraTimelock", "MinimumDelayChange", 7, 2, "0x", "0x" + "44" * 32, "0xtl", 9, {}),
    ]

    assert veto_rows(events) == [("0x" + "ab" * 32, 7, "0x" + "44" * 32, 9)]


def test_storable_text__nul_and_valid_unicode__nul_replaced_rest_kept():
    assert storable_text("Ubuntu \u2014 umuntu \x00") == "Ubuntu \u2014 umuntu \ufffd"
