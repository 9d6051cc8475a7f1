"""Proposals, votes and governance settings: every route over a seeded index (states at the
indexed block, pagination round trips, filters, reviews with verified or refused reasons, bad
input as problem+json), then end to end: AzoraGovernor on anvil -> the indexer -> the API,
compared with the contracts' views as blocks pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.routes.proposals import title_of
from azora.reviews import canonical_reasons
from indexer.db import create_db_engine, upgrade
from indexer.models import (
    Block,
    EthicsReview,
    GovernanceProposal,
    GovernanceProposalAction,
    GovernanceReview,
    GovernanceSettingChange,
    GovernanceVote,
    SyncCursor,
    TokenSupply,
)
from indexer.runner import run_indexer
from indexer.settings import IndexerSettings
from tests.api.conftest import (
    ALICE,
    BOB,
    CAROL,
    CHAIN_ID,
    DAVE,
    INDEXED_BLOCK,
    NOBODY,
    assert_problem,
    checksum,
    page_through,
    tx_hash,
)

AZR = 10**18
NOW = 1_800_000_000  # timestamp of the indexed block
GRACE = 14 * 86_400
SUPPLY = 80_000_000 * AZR
QUORUM = SUPPLY * 4 // 100
GOVERNOR = "0x" + "9a" * 20
TIMELOCK = "0x" + "7b" * 20
TARGET = "0x" + "5c" * 20
APPROVE, FLAG = 1, 2


def reason_hash_of(proposal_id: int, verdict: int, reasons: list[dict[str, str]]) -> str:
    """The reason hash as the ethics oracle computes it (azora.reviews, shared with the API)."""
    from azora.reviews import reason_hash

    return "0x" + reason_hash(proposal_id, verdict, reasons, "1", "rules").hex()


REASONS = [
    {"rule": "signer-set-change", "principle": "P3", "severity": "flag", "message": "Changes oracle signers"},
    {
        "rule": "description",
        "principle": "P1",
        "severity": "info",
        "message": "Ubuntu \u2014 umuntu ngabantu",
    },
]


@dataclass
class GovSeed:
    """Proposals built to be in a given state at INDEXED_BLOCK / NOW, with votes and reviews."""

    proposals: list[dict[str, Any]] = field(default_factory=list)
    expected: dict[int, str] = field(default_factory=dict)  # proposal id -> state
    votes: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    ethics: list[dict[str, Any]] = field(default_factory=list)
    settings: list[dict[str, Any]] = field(default_factory=list)

    def newest_first(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(rows, key=lambda r: (r["created_block"], r["created_log_index"]), reverse=True)

    def by_label(self, label: str) -> dict[str, Any]:
        return next(p for p in self.proposals if p["description"].startswith(label))


def _id(n: int) -> int:
    return int.from_bytes(keccak(text=f"proposal{n}"), "big")


def build_gov_seed() -> GovSeed:
    seed = GovSeed()
    # (label, state, proposer, snapshot, deadline, (against, for, abstain), verdict, eta, executed, canceled)
    closed_votes = (10 * AZR, 30 * AZR + QUORUM, 0)
    plans: list[tuple[str, str, str, int, int, tuple[int, int, int], int | None, int | None, bool, bool]] = [
        ("Pending", "pending", ALICE, 125, 145, (0, 0, 0), None, None, False, False),
        ("Pending at the indexed block", "pending", BOB, 120, 140, (0, 0, 0), None, None, False, False),
        ("Active", "active", ALICE, 110, 130, (AZR, 2 * AZR, 0), APPROVE, None, False, False),
        (
            "Active until the indexed block",
            "active",
            BOB,
            100,
            120,
            (0, 5 * AZR, 0),
            None,
            None,
            False,
            False,
        ),
        ("Succeeded", "succeeded", ALICE, 50, 70, closed_votes, APPROVE, None, False, False),
        (
            "Defeated by votes",
            "defeated",
            BOB,
            50,
            70,
            (QUORUM, QUORUM - 1, 5 * AZR),
            None,
            None,
            False,
            False,
        ),
        (
            "Below quorum",
            "defeated",
            ALICE,
            51,
            71,
            (0, QUORUM // 2, QUORUM // 2 - 1),
            None,
            None,
            False,
            False,
        ),
        ("Quorum by abstain", "succeeded", CAROL, 51, 71, (0, 1, QUORUM - 1), None, None, False, False),
        ("Flagged 62%", "defeated", ALICE, 52, 72, (38 * QUORUM, 62 * QUORUM, 0), FLAG, None, False, False),
        ("Flagged exactly 2/3", "succeeded", BOB, 52, 72, (QUORUM, 2 * QUORUM, 0), FLAG, None, False, False),
        ("Queued", "queued", CAROL, 40, 60, closed_votes, None, NOW + 60, False, False),
        ("Queued, last second", "queued", ALICE, 40, 60, closed_votes, None, NOW - GRACE + 1, False, False),
        ("Expired", "expired", BOB, 40, 60, closed_votes, None, NOW - GRACE, False, False),
        ("Executed", "executed", ALICE, 30, 50, closed_votes, APPROVE, NOW - 3_600, True, False),
        ("Canceled", "canceled", DAVE, 90, 110, (0, 0, 0), None, None, False, True),
    ]
    for n, (
        label,
        state,
        proposer,
        snapshot,
        deadline,
        (against, for_, abstain),
        verdict,
        eta,
        done,
        gone,
    ) in enumerate(plans):
        proposal_id = _id(n)
        created = snapshot - 1
        row: dict[str, Any] = {
            "proposal_id": proposal_id,
            "proposer": proposer,
            "description": f"{label}\n\nBody of proposal {n}.",
            "description_hash": "0x" + keccak(text=f"{label}\n\nBody of proposal {n}.").hex(),
            "snapshot": snapshot,
            "deadline": deadline,
            "action_count": 1 + n % 2,
            "created_block": created,
            "created_log_index": n,
            "created_tx_hash": tx_hash(7000 + n),
            "created_timestamp": NOW - (INDEXED_BLOCK - created) * 12,
            "against_votes": against,
            "for_votes": for_,
            "abstain_votes": abstain,
            "voters": 0,
            # quorum(snapshot), filled once the snapshot block is indexed (the numerator is 5 from 118).
            "quorum": None if snapshot > INDEXED_BLOCK else SUPPLY * (5 if snapshot >= 118 else 4) // 100,
            "quorum_numerator": None if snapshot > INDEXED_BLOCK else (5 if snapshot >= 118 else 4),
            "review_verdict": verdict,
            "review_reason_hash": None,
            "review_uid": None,
            "review_block": None,
            "review_log_index": None,
            "eta": eta,
            "queued_block": deadline + 2 if eta is not None else None,
            "queued_tx_hash": tx_hash(7100 + n) if eta is not None else None,
            "queued_timestamp": (eta - 60) if eta is not None else None,
            "executed_block": deadline + 9 if done else None,
            "executed_tx_hash": tx_hash(7200 + n) if done else None,
            "executed_timestamp": (eta or 0) + 10 if done else None,
            "canceled_block": snapshot - 1 if gone else None,
            "canceled_tx_hash": tx_hash(7300 + n) if gone else None,
            "canceled_timestamp": NOW - 1_000 if gone else None,
        }
        if verdict is not None:
            reasons = REASONS if n != 0 else REASONS[:1]
            row["review_reason_hash"] = reason_hash_of(proposal_id, verdict, reasons)
            row["review_uid"] = "0x" + keccak(text=f"uid{n}").hex()
            row["review_block"] = snapshot
            row["review_log_index"] = 1
        seed.proposals.append(row)
        seed.expected[proposal_id] = state
    # Reviews: "Active" was flagged, then approved (two in its history); its reasons are stored and
    # verify. "Succeeded"'s stored reasons were edited after the fact: they no longer match.
    # "Executed" has no stored reasons at all.
    active, succeeded = seed.by_label("Active\n"), seed.by_label("Succeeded")
    for n, row in enumerate(p for p in seed.proposals if p["review_verdict"] is not None):
        if row is active:
            seed.reviews.append(_review(row, FLAG, "0x" + "ee" * 32, row["snapshot"] - 1, 100 + n))
        seed.reviews.append(
            _review(row, row["review_verdict"], row["review_reason_hash"], row["review_block"], 200 + n)
        )
    seed.ethics.append(_ethics(active, REASONS))
    tampered = [dict(REASONS[0], message="Nothing to see here"), REASONS[1]]
    seed.ethics.append(_ethics(succeeded, tampered, reason_hash=succeeded["review_reason_hash"]))
    # Votes: 30 on "Active" (alternating support, two per block), and the accounts' own across proposals.
    voters = [f"0x{n:040x}" for n in range(1, 31)]
    for n, voter in enumerate(voters):
        seed.votes.append(_vote(active, voter, n % 3, AZR * (n + 1), 111 + n // 2, n % 2, f"reason {n}"))
    others = [
        p
        for p in seed.proposals
        if p["snapshot"] < INDEXED_BLOCK and p is not active and p["canceled_block"] is None
    ]
    for n, row in enumerate(others):
        seed.votes.append(_vote(row, ALICE, n % 3, 9 * AZR, row["snapshot"] + 1, 10 + 2 * n, ""))
        if n % 2:
            seed.votes.append(_vote(row, BOB, 0, 10 * AZR, row["snapshot"] + 2, 11 + 2 * n, "no \ufffd"))
    for row in seed.proposals:
        row["voters"] = sum(v["proposal_id"] == row["proposal_id"] for v in seed.votes)
    # Settings: the constructor's events at block 1; the quorum numerator changed twice since.
    for log, (setting, old, new) in enumerate(
        [
            ("voting_delay", 0, 1),
            ("voting_period", 0, 20),
            ("proposal_threshold", 0, 100_000 * AZR),
            ("grace_period", 0, GRACE),
            ("quorum_numerator", 0, 4),
        ]
    ):
        seed.settings.append(_setting(1, log, GOVERNOR, setting, old, new))
    seed.settings.append(_setting(1, 9, TIMELOCK, "timelock_min_delay", 0, 60))
    seed.settings.append(_setting(115, 0, GOVERNOR, "quorum_numerator", 4, 6))
    seed.settings.append(_setting(118, 3, GOVERNOR, "quorum_numerator", 6, 5))
    seed.settings.append(_setting(130, 0, GOVERNOR, "quorum_numerator", 5, 9))  # above the indexed block
    return seed


def _review(row: dict[str, Any], verdict: int, reason_hash: str, block: int, log: int) -> dict[str, Any]:
    return {
        "block_number": block,
        "log_index": log,
        "tx_hash": tx_hash(8000 + log),
        "proposal_id": row["proposal_id"],
        "verdict": verdict,
        "reason_hash": reason_hash,
        "uid": "0x" + keccak(text=f"review{log}").hex(),
        "block_timestamp": NOW - 500,
    }


def _ethics(
    row: dict[str, Any], reasons: list[dict[str, str]], reason_hash: str | None = None
) -> dict[str, Any]:
    return {
        "proposal_id": row["proposal_id"],
        "reason_hash": reason_hash or reason_hash_of(row["proposal_id"], row["review_verdict"], reasons),
        "verdict": row["review_verdict"],
        "reasons": reasons,
        "constitution_version": "1",
        "evaluator": "rules",
        "uid": row["review_uid"],
    }


def _vote(
    row: dict[str, Any], voter: str, support: int, weight: int, block: int, log: int, reason: str
) -> dict[str, Any]:
    return {
        "block_number": block,
        "log_index": log,
        "tx_hash": tx_hash(9000 + block * 10 + log),
        "proposal_id": row["proposal_id"],
        "voter": voter,
        "support": support,
        "weight": weight,
        "reason": reason,
        "block_timestamp": NOW - (INDEXED_BLOCK - block) * 12,
    }


def _setting(block: int, log: int, contract: str, setting: str, old: int, new: int) -> dict[str, Any]:
    return {
        "block_number": block,
        "log_index": log,
        "tx_hash": tx_hash(9900 + block + log),
        "contract": contract,
        "setting": setting,
        "old_value": old,
        "new_value": new,
        "block_timestamp": NOW - (INDEXED_BLOCK - block) * 12,
    }


SEED = build_gov_seed()


def seed_gov_database(session: Session, seed: GovSeed) -> None:
    session.add(
        SyncCursor(
            chain_id=CHAIN_ID,
            start_block=1,
            last_block=INDEXED_BLOCK,
            last_block_hash=None,
            head_block=INDEXED_BLOCK,
            final_block=0,
            published_block=INDEXED_BLOCK,
            addresses=f"AzoraGovernor={GOVERNOR},AzoraTimelock={TIMELOCK},AzoraToken={'0x' + '11' * 20}",
        )
    )
    session.add(
        Block(
            chain_id=CHAIN_ID,
            number=INDEXED_BLOCK,
            hash="0x" + "33" * 32,
            parent_hash="0x" + "44" * 32,
            timestamp=NOW,
        )
    )
    session.add(TokenSupply(chain_id=CHAIN_ID, block_number=1, total_supply=SUPPLY, minted=SUPPLY, burned=0))
    session.add(
        TokenSupply(chain_id=CHAIN_ID, block_number=125, total_supply=SUPPLY * 2, minted=SUPPLY, burned=0)
    )  # above the indexed block: not yet "now"
    for row in seed.proposals:
        session.add(GovernanceProposal(chain_id=CHAIN_ID, **row))
        for index in range(row["action_count"]):
            session.add(
                GovernanceProposalAction(
                    chain_id=CHAIN_ID,
                    proposal_id=row["proposal_id"],
                    action_index=index,
                    target=TARGET,
                    value=index * 10**17,
                    signature="",
                    calldata="0x095ea7b3" + f"{index:064x}",
                    block_number=row["created_block"],
                )
            )
    for row in seed.votes:
        session.add(GovernanceVote(chain_id=CHAIN_ID, **row))
    for row in seed.reviews:
        session.add(GovernanceReview(chain_id=CHAIN_ID, **row))
    for row in seed.ethics:
        session.add(EthicsReview(chain_id=CHAIN_ID, **row))
    for row in seed.settings:
        session.add(GovernanceSettingChange(chain_id=CHAIN_ID, **row))


@pytest.fixture(scope="session")
def gov_database_url(make_database: Callable[[], str]) -> str:
    url = make_database()
    upgrade(url)
    engine = create_db_engine(url)
    with Session(engine) as session, session.begin():
        seed_gov_database(session, SEED)
    engine.dispose()
    return url


@pytest.fixture
def api(make_client: Callable[..., TestClient], gov_database_url: str) -> TestClient:
    return make_client(gov_database_url)


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    counted = row["for_votes"] + row["abstain_votes"]
    verdict = {1: "approve", 2: "flag", None: None}[row["review_verdict"]]
    return {
        "proposal_id": str(row["proposal_id"]),
        "proposer": checksum(row["proposer"]),
        "title": row["description"].split("\n")[0],
        "description_hash": row["description_hash"],
        "state": SEED.expected[row["proposal_id"]],
        "vote_start": row["snapshot"],
        "vote_end": row["deadline"],
        "votes": {
            "against": str(row["against_votes"]),
            "for": str(row["for_votes"]),
            "abstain": str(row["abstain_votes"]),
            "voters": row["voters"],
        },
        "quorum": None if row["quorum"] is None else str(row["quorum"]),
        "quorum_reached": None if row["quorum"] is None else counted >= row["quorum"],
        "review_verdict": verdict,
        "eta": row["eta"],
        "created_block": row["created_block"],
        "created_tx_hash": row["created_tx_hash"],
        "created_timestamp": row["created_timestamp"],
        "links": {
            "self": f"/v1/proposals/{row['proposal_id']}",
            "votes": f"/v1/proposals/{row['proposal_id']}/votes",
        },
    }


def _vote_json(v: dict[str, Any]) -> dict[str, Any]:
    return {
        "proposal_id": str(v["proposal_id"]),
        "voter": checksum(v["voter"]),
        "support": v["support"],
        "support_name": ("against", "for", "abstain")[v["support"]],
        "weight": str(v["weight"]),
        "reason": v["reason"],
        "block_number": v["block_number"],
        "log_index": v["log_index"],
        "tx_hash": v["tx_hash"],
        "timestamp": v["block_timestamp"],
    }


def _newest_votes(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda v: (v["block_number"], v["log_index"]), reverse=True)


# --- /v1/proposals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 4, 15, 500])
def test_read_proposals__pagination_round_trip__newest_first_with_states(api: TestClient, limit: int) -> None:
    rows, pages = page_through(api, "/v1/proposals", limit)

    assert rows == [_summary(p) for p in SEED.newest_first(SEED.proposals)]
    assert pages == max(1, -(-len(SEED.proposals) // limit))


@pytest.mark.parametrize(
    "state", ["pending", "active", "canceled", "defeated", "succeeded", "queued", "expired", "executed"]
)
def test_read_proposals__state_filter__exactly_the_proposals_in_that_state(
    api: TestClient, state: str
) -> None:
    rows, _ = page_through(api, "/v1/proposals", 2, state=state.upper() if state == "active" else state)

    expected = [p for p in SEED.newest_first(SEED.proposals) if SEED.expected[p["proposal_id"]] == state]
    assert [r["proposal_id"] for r in rows] == [str(p["proposal_id"]) for p in expected] and expected
    assert {r["state"] for r in rows} == {state}


def test_read_proposals__proposer_any_case_and_state__both_apply(api: TestClient) -> None:
    rows, _ = page_through(
        api, "/v1/proposals", 1, proposer=ALICE.upper().replace("0X", "0x"), state="defeated"
    )

    expected = [
        p
        for p in SEED.newest_first(SEED.proposals)
        if p["proposer"] == ALICE and SEED.expected[p["proposal_id"]] == "defeated"
    ]
    assert [r["proposal_id"] for r in rows] == [str(p["proposal_id"]) for p in expected] and len(
        expected
    ) == 2


@pytest.mark.parametrize("form", ["decimal", "hex", "hex-upper"])
def test_read_proposal__decimal_or_hex_id__detail_with_actions_quorum_review_and_events(
    api: TestClient, form: str
) -> None:
    row = SEED.by_label("Executed")
    pid = row["proposal_id"]
    path = {"decimal": str(pid), "hex": hex(pid), "hex-upper": "0x" + f"{pid:064X}"}[form]

    body = api.get(f"/v1/proposals/{path}").json()

    assert (body["chain_id"], body["indexed_block"]) == (CHAIN_ID, INDEXED_BLOCK)
    detail = body["data"]
    assert {k: detail[k] for k in _summary(row)} == _summary(row)
    assert detail["description"] == row["description"]
    assert detail["actions"] == [
        {
            "index": index,
            "target": checksum(TARGET),
            "value": str(index * 10**17),
            "signature": "",
            "calldata": "0x095ea7b3" + f"{index:064x}",
        }
        for index in range(row["action_count"])
    ]
    assert row["action_count"] == 2
    assert detail["quorum_numerator"] == "4"
    assert detail["queued"] == {
        "block_number": row["queued_block"],
        "tx_hash": row["queued_tx_hash"],
        "timestamp": row["queued_timestamp"],
    }
    assert detail["executed"] == {
        "block_number": row["executed_block"],
        "tx_hash": row["executed_tx_hash"],
        "timestamp": row["executed_timestamp"],
    }
    assert row["queued_block"] < row["executed_block"]
    assert detail["canceled"] is None
    assert detail["expires_at"] == row["eta"] + GRACE
    # Reviewed, but the ethics oracle's reasons are not in the database: none shown.
    assert detail["review"] == {
        "verdict": 1,
        "verdict_name": "approve",
        "reason_hash": row["review_reason_hash"],
        "uid": row["review_uid"],
        "block_number": row["review_block"],
        "reasons_verified": False,
        "reasons": None,
        "constitution_version": None,
        "evaluator": None,
        "history": 1,
    }


def test_read_proposal__stored_reasons_hash_to_the_onchain_hash__served(api: TestClient) -> None:
    row = SEED.by_label("Active\n")

    review = api.get(f"/v1/proposals/{row['proposal_id']}").json()["data"]["review"]

    assert review["reasons_verified"] is True
    assert review["reasons"] == REASONS
    assert (review["constitution_version"], review["evaluator"], review["history"]) == ("1", "rules", 2)
    assert (
        review["reason_hash"]
        == "0x" + keccak(canonical_reasons(row["proposal_id"], 1, REASONS, "1", "rules")).hex()
    )


def test_read_proposal__stored_reasons_edited_after_the_fact__not_served(api: TestClient) -> None:
    row = SEED.by_label("Succeeded")

    review = api.get(f"/v1/proposals/{row['proposal_id']}").json()["data"]["review"]

    assert (review["reasons_verified"], review["reasons"], review["evaluator"]) == (False, None, None)
    assert review["reason_hash"] == row["review_reason_hash"]


def test_read_proposal__never_reviewed_canceled__review_null_canceled_event(api: TestClient) -> None:
    row = SEED.by_label("Canceled")

    detail = api.get(f"/v1/proposals/{row['proposal_id']}").json()["data"]

    assert detail["review"] is None and detail["state"] == "canceled" and detail["expires_at"] is None
    assert detail["canceled"] == {
        "block_number": 89,
        "tx_hash": row["canceled_tx_hash"],
        "timestamp": NOW - 1_000,
    }
    assert len(detail["actions"]) == row["action_count"] == 1 + SEED.proposals.index(row) % 2


def test_read_proposal__unknown__404_problem(api: TestClient) -> None:
    assert_problem(api.get(f"/v1/proposals/{_id(999)}"), 404, type_suffix="not-found")
    assert_problem(api.get(f"/v1/proposals/{_id(999)}/votes"), 404, type_suffix="not-found")


@pytest.mark.parametrize("pid", ["12abc", str(2**256), "-1", "0x", "0x" + "f" * 65, "1.5"])
def test_read_proposal__not_a_proposal_id__422_problem(api: TestClient, pid: str) -> None:
    body = assert_problem(api.get(f"/v1/proposals/{pid}"), 422, type_suffix="invalid-request")

    assert "proposal id" in body["detail"]
    assert_problem(api.get(f"/v1/proposals/{pid}/votes"), 422, type_suffix="invalid-request")


# --- votes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 7, 500])
def test_read_proposal_votes__pagination_round_trip__newest_first(api: TestClient, limit: int) -> None:
    row = SEED.by_label("Active\n")

    rows, pages = page_through(api, f"/v1/proposals/{row['proposal_id']}/votes", limit)

    mine = _newest_votes([v for v in SEED.votes if v["proposal_id"] == row["proposal_id"]])
    assert rows == [_vote_json(v) for v in mine] and len(mine) == 30
    assert pages == max(1, -(-30 // limit))


@pytest.mark.parametrize(("support", "code"), [("for", 1), ("AGAINST", 0), ("2", 2), ("abstain", 2)])
def test_read_proposal_votes__support_filter(api: TestClient, support: str, code: int) -> None:
    row = SEED.by_label("Active\n")

    rows, _ = page_through(api, f"/v1/proposals/{hex(row['proposal_id'])}/votes", 4, support=support)

    assert [r["voter"] for r in rows] == [
        checksum(v["voter"])
        for v in _newest_votes(SEED.votes)
        if v["proposal_id"] == row["proposal_id"] and v["support"] == code
    ]
    assert {r["support"] for r in rows} == {code}


@pytest.mark.parametrize("voter", [ALICE, BOB, NOBODY])
def test_read_account_votes__pagination_round_trip__every_proposal(api: TestClient, voter: str) -> None:
    rows, _ = page_through(api, f"/v1/accounts/{voter.upper().replace('0X', '0x')}/votes", 2)

    assert rows == [_vote_json(v) for v in _newest_votes([v for v in SEED.votes if v["voter"] == voter])]


def test_read_account_votes__support_filter(api: TestClient) -> None:
    rows, _ = page_through(api, f"/v1/accounts/{BOB}/votes", 1, support="against")

    assert len(rows) == len([v for v in SEED.votes if v["voter"] == BOB and v["support"] == 0]) > 1


# --- /v1/governance ----------------------------------------------------------------------------------------


def test_read_governance__settings_quorum_now_and_counts(api: TestClient) -> None:
    body = api.get("/v1/governance").json()

    assert (body["chain_id"], body["indexed_block"]) == (CHAIN_ID, INDEXED_BLOCK)
    data = body["data"]
    assert (data["governor"], data["timelock"], data["as_of"]) == (
        checksum(GOVERNOR),
        checksum(TIMELOCK),
        NOW,
    )
    assert data["settings"] == {
        "voting_delay": {"value": "1", "updated_block": 1},
        "voting_period": {"value": "20", "updated_block": 1},
        "proposal_threshold": {"value": str(100_000 * AZR), "updated_block": 1},
        "quorum_numerator": {"value": "5", "updated_block": 118},  # the change at 130 is not indexed yet
        "grace_period": {"value": str(GRACE), "updated_block": 1},
        "timelock_min_delay": {"value": "60", "updated_block": 1},
    }
    assert (data["total_supply"], data["quorum_now"], data["quorum_denominator"]) == (
        str(SUPPLY),
        str(SUPPLY * 5 // 100),
        100,
    )
    counts: dict[str, int] = {}
    for state in SEED.expected.values():
        counts[state] = counts.get(state, 0) + 1
    assert data["proposals"] == counts


def test_read_governance__empty_index__nulls_and_zero(
    make_client: Callable[..., TestClient], migrated_database_url: str, db_session: Session
) -> None:
    db_session.add(
        SyncCursor(
            chain_id=CHAIN_ID,
            start_block=1,
            last_block=0,
            last_block_hash=None,
            head_block=0,
            final_block=0,
            published_block=0,
            addresses="",
        )
    )
    db_session.commit()

    data = make_client(migrated_database_url).get("/v1/governance").json()["data"]

    assert (data["governor"], data["quorum_now"], data["total_supply"], data["proposals"]) == (
        None,
        None,
        "0",
        {},
    )
    assert set(data["settings"].values()) == {None}
    assert make_client(migrated_database_url).get("/v1/proposals").json()["data"] == []


# --- bad input --------------------------------------------------------------------------------------------

ACTIVE_VOTES = f"/v1/proposals/{SEED.by_label('Active' + chr(10))['proposal_id']}/votes"
LISTS = ["/v1/proposals", ACTIVE_VOTES, f"/v1/accounts/{BOB}/votes"]


@pytest.mark.parametrize("url", LISTS)
def test_lists__cursor_of_another_list__400_problem(api: TestClient, url: str) -> None:
    other = LISTS[(LISTS.index(url) + 1) % len(LISTS)]
    cursor = api.get(other, params={"limit": 1}).json()["next_cursor"]
    assert cursor

    assert_problem(api.get(url, params={"cursor": cursor}), 400, type_suffix="invalid-cursor")


@pytest.mark.parametrize("url", LISTS)
def test_lists__limit_out_of_range__422_problem(api: TestClient, url: str) -> None:
    assert_problem(api.get(url, params={"limit": 501}), 422, type_suffix="invalid-request")


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/v1/proposals", {"state": "running"}),
        ("/v1/proposals", {"state": ""}),
        ("/v1/proposals", {"proposer": "0x1234"}),
        (ACTIVE_VOTES, {"support": "maybe"}),
        (ACTIVE_VOTES, {"support": "3"}),
        ("/v1/accounts/0xnotanaddress/votes", {}),
        (f"/v1/accounts/{BOB}/votes", {"support": "yes"}),
    ],
)
def test_bad_parameter__422_problem_naming_it(api: TestClient, url: str, params: dict[str, str]) -> None:
    body = assert_problem(api.get(url, params=params), 422, type_suffix="invalid-request")

    assert body["errors"] and body["errors"][0]["location"].split(".")[0] in ("query", "path")


def test_title_of__markdown_heading_and_blank_lines__first_text_line() -> None:
    assert title_of("\n\n## Fund the library  \nbody") == "Fund the library"
    assert title_of("") == ""


# --- end to end -------------------------------------------------------------------------------------------


@pytest.fixture
def stack(project: Any, chain: Any, accounts: Any, tmp_path: Path) -> Iterator[Any]:
    from tests.indexer.conftest import USERS, ChainDriver
    from tests.indexer.governance_chain import deploy_governance

    driver = ChainDriver(chain.provider.uri)
    driver.rpc("anvil_autoImpersonateAccount", True)
    for user in USERS:
        driver.rpc("anvil_setBalance", user, hex(10**24))
    yield deploy_governance(project, chain, accounts, tmp_path, driver)
    driver.rpc("anvil_autoImpersonateAccount", False)
    driver.close()


def test_e2e__governance_lifecycle__served_states_votes_reviews_and_settings_match_the_contracts(
    stack: Any, migrated_database_url: str, make_client: Callable[..., TestClient], db_session: Session
) -> None:
    from tests.indexer.governance_chain import (
        ALICE as VOTER,
    )
    from tests.indexer.governance_chain import (
        FLAG as FLAGGED,
    )
    from tests.indexer.governance_chain import (
        FOR,
        GovernanceStack,
        cast_votes,
        close_voting,
        create_proposals,
        setup_voters,
    )

    gov: GovernanceStack = stack
    setup_voters(gov)
    create_proposals(gov)
    # The ethics oracle's reasons for a review posted on chain with their hash.
    flagged = gov.proposals["flag60"]
    reasons = [{"rule": "r1", "principle": "p1", "severity": "flag", "message": "Needs a supermajority"}]
    onchain_hash = reason_hash_of(flagged.id, FLAGGED, reasons)
    gov.review(flagged, FLAGGED, bytes.fromhex(onchain_hash[2:]))
    db_session.add(
        EthicsReview(
            chain_id=gov.chain_id,
            **_ethics({"proposal_id": flagged.id, "review_verdict": FLAGGED, "review_uid": "0x"}, reasons),
        )
    )
    db_session.commit()
    cast_votes(gov)
    api = make_client(migrated_database_url)

    def index_and_compare() -> dict[str, str]:
        run_indexer(
            IndexerSettings(
                database_url=migrated_database_url,
                rpc_url=gov.driver.url,
                redis_url=None,
                manifest_path=gov.manifest_path,
            ),
            follow=False,
        )
        head = gov.head()
        rows, _ = page_through(api, "/v1/proposals", 2, envelope=(gov.chain_id, head))
        states = {int(r["proposal_id"]): r["state"] for r in rows}
        assert set(states) == {p.id for p in gov.proposals.values()}
        for label, proposal in gov.proposals.items():
            assert states[proposal.id] == gov.state(proposal.id, head), label
            detail = api.get(f"/v1/proposals/{proposal.id}").json()["data"]
            against, for_, abstain = gov.proposal_votes(proposal.id, head)
            assert (detail["votes"]["against"], detail["votes"]["for"], detail["votes"]["abstain"]) == (
                str(against),
                str(for_),
                str(abstain),
            )
            verdict, review_hash, uid = gov.proposal_review(proposal.id, head)
            if verdict:
                assert (
                    detail["review"]["verdict"],
                    detail["review"]["reason_hash"],
                    detail["review"]["uid"],
                ) == (
                    verdict,
                    review_hash,
                    uid,
                )
            else:
                assert detail["review"] is None
            votes, _ = page_through(
                api, f"/v1/proposals/{proposal.id}/votes", 3, envelope=(gov.chain_id, head)
            )
            assert sum(int(v["weight"]) for v in votes) == against + for_ + abstain
        return {label: states[p.id] for label, p in gov.proposals.items()}

    # While voting: proposals are Active; once the deadline passes, the same rows read Succeeded or
    # Defeated at the new indexed block, with no governance event in between.
    assert index_and_compare()["flag70"] == "active"
    close_voting(gov)
    states = index_and_compare()
    assert (states["flag70"], states["flag60"], states["pass"]) == ("succeeded", "defeated", "succeeded")

    review = api.get(f"/v1/proposals/{flagged.id}").json()["data"]["review"]
    assert (review["reasons_verified"], review["reasons"], review["history"]) == (True, reasons, 2)
    mine, _ = page_through(api, f"/v1/accounts/{VOTER}/votes", 2, envelope=(gov.chain_id, gov.head()))
    assert len(mine) == 4 and {v["proposal_id"] for v in mine} == {
        str(gov.proposals[k].id) for k in ("pass", "defeat", "flag60", "flag70")
    }
    for_votes, _ = page_through(
        api,
        f"/v1/proposals/{gov.proposals['pass'].id}/votes",
        5,
        envelope=(gov.chain_id, gov.head()),
        support="for",
    )
    assert len(for_votes) == 2 and all(v["support"] == FOR for v in for_votes)

    settings = api.get("/v1/governance").json()["data"]
    for name, value in settings["settings"].items():
        assert int(value["value"]) == gov.setting(name, gov.head()), name
    assert (settings["governor"].lower(), settings["timelock"].lower()) == (gov.governor, gov.timelock)
    supply = int(gov.call(gov.token, "totalSupply()", [], [], ["uint256"]))
    assert (int(settings["total_supply"]), int(settings["quorum_now"])) == (supply, supply * 4 // 100)
    assert sum(settings["proposals"].values()) == len(gov.proposals)

    # A security-council veto of a queued proposal on the Timelock: Canceled as on chain, listed
    # under state=canceled with the proposer's cancel, the veto transaction as its canceled event.
    vetoed = gov.proposals["flag70"]
    gov.queue(vetoed)
    assert index_and_compare()["flag70"] == "queued"
    veto_tx = gov.veto(vetoed)
    veto_block = gov.head()
    states = index_and_compare()
    assert (states["flag70"], states["pass"]) == ("canceled", "succeeded")
    canceled, _ = page_through(api, "/v1/proposals", 1, envelope=(gov.chain_id, gov.head()), state="canceled")
    assert {r["proposal_id"] for r in canceled} == {str(gov.proposals[k].id) for k in ("cancel", "flag70")}
    queued, _ = page_through(api, "/v1/proposals", 1, envelope=(gov.chain_id, gov.head()), state="queued")
    assert queued == []
    detail = api.get(f"/v1/proposals/{vetoed.id}").json()["data"]
    assert detail["state"] == "canceled"
    assert detail["canceled"] == {
        "block_number": veto_block,
        "tx_hash": veto_tx,
        "timestamp": gov.timestamp(veto_block),
    }
    assert detail["queued"] is not None and detail["executed"] is None
