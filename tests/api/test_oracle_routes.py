"""Attestations, credentials, rewards and oracle signer sets: every route over a seeded index
(pagination round trips, filters, formats, bad input as problem+json), then end to end:
the Step-3 contracts on anvil -> the indexer -> the API, compared with the contracts' view."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from indexer.db import create_db_engine, upgrade
from indexer.decoders.oracle_hub import DOMAINS, SCHEMAS
from indexer.decoders.proof_of_knowledge import DAY, EPOCH_DURATION
from indexer.models import (
    Block,
    Credential,
    OracleAttestation,
    OracleRejection,
    OracleSchema,
    OracleSchemaChange,
    OracleSignerSet,
    OracleSignerSetChange,
    PokEpoch,
    PokParameterChange,
    PokReward,
)
from indexer.runner import run_indexer
from indexer.settings import IndexerSettings
from tests.api.conftest import (
    ALICE,
    BOB,
    CAROL,
    CHAIN_ID,
    INDEXED_BLOCK,
    NOBODY,
    ZERO,
    assert_problem,
    checksum,
    page_through,
    seed_cursor,
    tx_hash,
)

AZR = 10**18
TREASURY_GENESIS = 40_000_000 * AZR  # dev profile: the Treasury stand-in's genesis allocation
DOMAIN = {name: domain for domain, name in DOMAINS.items()}
SCHEMA = {definition.split("(", 1)[0].rsplit(".", 1)[-1]: schema for schema, definition in SCHEMAS.items()}
CC, CR = SCHEMA["CourseCompleted"], SCHEMA["CredentialRevoked"]
UNKNOWN_SCHEMA = "0x" + keccak(text="azora.test.Unknown()").hex()
POK = "0x" + "50" * 20
SIGNERS = ["0x" + f"{n:02x}" * 20 for n in (0xA1, 0xB2, 0xC3, 0xD4, 0xE5)]
EPOCH = 656  # the indexed block's budget epoch
NOW = EPOCH * EPOCH_DURATION + 10 * DAY + 3_600  # timestamp of the indexed block
TODAY = NOW // DAY
FIRST_BLOCK_TIME = NOW - 40 * DAY  # the seed's first block, in the previous epoch


def uid(n: int) -> str:
    return "0x" + keccak(text=f"uid{n}").hex()


def stamp(block: int) -> int:
    """Block timestamps: block 1 forty days before NOW, block INDEXED_BLOCK at NOW."""
    return FIRST_BLOCK_TIME + (block - 1) * (NOW - FIRST_BLOCK_TIME) // (INDEXED_BLOCK - 1)


@dataclass
class OracleSeed:
    attestations: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    rewards: list[dict[str, Any]] = field(default_factory=list)
    credentials: list[dict[str, Any]] = field(default_factory=list)
    signer_sets: list[dict[str, Any]] = field(default_factory=list)
    schemas: list[dict[str, Any]] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)

    def newest_first(self, rows: list[dict[str, Any]], block: str = "block_number") -> list[dict[str, Any]]:
        log = "issued_log_index" if block == "issued_block" else "log_index"
        return sorted(rows, key=lambda r: (r[block], r[log]), reverse=True)

    def epochs(self) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {}
        for r in self.rewards:
            e = out.setdefault(
                r["epoch"], {"completions": 0, "rewards": 0, "shares": 0, "first": 10**9, "last": 0}
            )
            e["completions"] += 1
            e["rewards"] += r["reward"]
            e["shares"] += r["ubuntu_share"]
            e["first"], e["last"] = min(e["first"], r["block_number"]), max(e["last"], r["block_number"])
        return out


def build_oracle_seed() -> OracleSeed:
    seed = OracleSeed()
    # Signer sets: EDUCATION rotated once (epoch 2), PRICE 1-of-1.
    for block, domain, epoch, threshold, signers in (
        (2, "EDUCATION", 1, 2, SIGNERS[:3]),
        (3, "PRICE", 1, 1, SIGNERS[4:]),
        (50, "EDUCATION", 2, 2, [SIGNERS[0], SIGNERS[1], SIGNERS[3]]),
    ):
        seed.signer_sets.append(
            {
                "block_number": block,
                "log_index": 0,
                "tx_hash": tx_hash(5000 + block),
                "domain": DOMAIN[domain],
                "epoch": epoch,
                "threshold": threshold,
                "signers": signers,
                "block_timestamp": stamp(block),
            }
        )
    # Schema routes: both EDUCATION schemas; an unknown ETHICS schema registered, then unregistered.
    for block, log, schema, domain, consumer, revocable in (
        (1, 1, CC, "EDUCATION", POK, True),
        (1, 2, CR, "EDUCATION", POK, False),
        (4, 0, UNKNOWN_SCHEMA, "ETHICS", POK, True),
        (5, 0, UNKNOWN_SCHEMA, "ETHICS", ZERO, True),
    ):
        seed.schemas.append(
            {
                "block_number": block,
                "log_index": log,
                "schema": schema,
                "domain": DOMAIN[domain],
                "consumer": consumer,
                "revocable": revocable,
            }
        )
    # 24 attestations, two per block: CourseCompleted for alice / bob / carol, every 6th a
    # CredentialRevoked; the 4th and 9th revoked later.
    for n in range(24):
        block = 10 + n // 2 * 4
        revoked = n in (4, 9)
        seed.attestations.append(
            {
                "uid": uid(n),
                "schema": CR if n % 6 == 5 else CC,
                "subject": (ALICE, BOB, CAROL)[n % 3],
                "data_hash": "0x" + keccak(text=f"data{n}").hex(),
                "relayer": SIGNERS[4],
                "block_number": block,
                "log_index": n % 2,
                "tx_hash": tx_hash(2000 + n),
                "block_timestamp": stamp(block),
                "revoked": revoked,
                "revoked_block": 100 + n if revoked else None,
                "revoked_log_index": 0 if revoked else None,
                "revoked_tx_hash": tx_hash(3000 + n) if revoked else None,
                "revoked_timestamp": stamp(100 + n) if revoked else None,
            }
        )
    # Rejections: uid(0) was refused before it was applied; the others were never applied.
    for n, (block, rejected, reason) in enumerate(
        [(9, uid(0), 4), (60, uid(100), 11), (60, uid(101), 10), (61, uid(102), 1), (70, uid(100), 2)]
    ):
        seed.rejections.append(
            {
                "block_number": block,
                "log_index": n,
                "tx_hash": tx_hash(4000 + n),
                "schema": CC,
                "uid": rejected,
                "reason": reason,
                "block_timestamp": stamp(block),
            }
        )
    # Rewards and credentials of the CourseCompleted attestations; two of alice's rewards today.
    completed = [a for a in seed.attestations if a["schema"] == CC]
    for n, a in enumerate(completed):
        block = a["block_number"]
        when = a["block_timestamp"] if n < len(completed) - 2 else NOW - 60 + n
        reward = (10 + 5 * (n % 4)) * AZR + (2 * 10**20 + 5 * 10**19 if n == 3 else 0)  # one 2.5E+20
        seed.rewards.append(
            {
                "block_number": block,
                "log_index": 10 + a["log_index"],
                "tx_hash": a["tx_hash"],
                "learner": a["subject"],
                "course_id": 100 + n,
                "uid": a["uid"],
                "reward": reward,
                "ubuntu_share": reward // 10,
                "epoch": when // EPOCH_DURATION,
                "block_timestamp": when,
            }
        )
        revoked = a["revoked"]
        seed.credentials.append(
            {
                "token_id": int(a["uid"], 16),
                "learner": a["subject"],
                "course_id": 100 + n,
                "score": 70 + n,
                "difficulty": 1 + n % 4,
                "issued_block": block,
                "issued_log_index": 5 + a["log_index"],
                "issued_tx_hash": a["tx_hash"],
                "issued_timestamp": a["block_timestamp"],
                "revoked": revoked,
                "revoked_block": a["revoked_block"],
                "revoked_log_index": 1 if revoked else None,
                "revoked_tx_hash": a["revoked_tx_hash"],
                "revoked_timestamp": a["revoked_timestamp"],
            }
        )
    # Parameters: the constructor's three events, then a lower budget.
    treasury = "0x" + "7e" * 20
    for block, log, parameter, cap, budget in (
        (1, 3, "treasury", None, None),
        (1, 4, "daily_cap", 1_000 * AZR, None),
        (1, 5, "epoch_budget", 1_000 * AZR, 1_000_000 * AZR),
        (110, 0, "epoch_budget", 1_000 * AZR, 250 * AZR),  # in the current epoch
    ):
        seed.parameters.append(
            {
                "block_number": block,
                "log_index": log,
                "tx_hash": tx_hash(6000 + block + log),
                "parameter": parameter,
                "treasury": treasury,
                "daily_cap": cap,
                "epoch_budget": budget,
                "block_timestamp": stamp(block),
            }
        )
    return seed


SEED = build_oracle_seed()


def seed_oracle_database(session: Session, seed: OracleSeed) -> None:
    """Write `seed` as the indexer's oracle projections would hold it."""
    seed_cursor(session)
    session.add(
        Block(
            chain_id=CHAIN_ID,
            number=INDEXED_BLOCK,
            hash="0x" + "11" * 32,
            parent_hash="0x" + "22" * 32,
            timestamp=NOW,
        )
    )
    for row in seed.signer_sets:
        session.add(OracleSignerSetChange(chain_id=CHAIN_ID, **row))
    latest_sets = {row["domain"]: row for row in seed.signer_sets}
    for row in latest_sets.values():
        session.add(OracleSignerSet(chain_id=CHAIN_ID, **row))
    for row in seed.schemas:
        session.add(OracleSchemaChange(chain_id=CHAIN_ID, tx_hash=tx_hash(7000), block_timestamp=0, **row))
    for row in {row["schema"]: row for row in seed.schemas}.values():
        session.add(OracleSchema(chain_id=CHAIN_ID, **row))
    for row in seed.attestations:
        session.add(OracleAttestation(chain_id=CHAIN_ID, **row))
    for row in seed.rejections:
        session.add(OracleRejection(chain_id=CHAIN_ID, **row))
    for row in seed.rewards:
        session.add(PokReward(chain_id=CHAIN_ID, **row))
    for epoch, e in seed.epochs().items():
        session.add(
            PokEpoch(
                chain_id=CHAIN_ID,
                epoch=epoch,
                completions=e["completions"],
                rewards=e["rewards"],
                ubuntu_shares=e["shares"],
                minted=e["rewards"] + e["shares"],
                first_block=e["first"],
                last_block=e["last"],
            )
        )
    for row in seed.parameters:
        session.add(PokParameterChange(chain_id=CHAIN_ID, **row))
    for row in seed.credentials:
        session.add(Credential(chain_id=CHAIN_ID, **row))


@pytest.fixture(scope="session")
def oracle_database_url(make_database: Callable[[], str]) -> str:
    """One migrated database holding the oracle `SEED`, shared by the read-only tests."""
    url = make_database()
    upgrade(url)
    engine = create_db_engine(url)
    with Session(engine) as session, session.begin():
        seed_oracle_database(session, SEED)
    engine.dispose()
    return url


@pytest.fixture
def api(make_client: Callable[..., TestClient], oracle_database_url: str) -> TestClient:
    return make_client(oracle_database_url)


def _attestation_json(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "uid": a["uid"],
        "schema": a["schema"],
        "schema_name": SCHEMAS.get(a["schema"]),
        "subject": checksum(a["subject"]),
        "data_hash": a["data_hash"],
        "relayer": checksum(a["relayer"]),
        "block_number": a["block_number"],
        "log_index": a["log_index"],
        "tx_hash": a["tx_hash"],
        "timestamp": a["block_timestamp"],
        "revoked": a["revoked"],
        "revoked_block": a["revoked_block"],
        "revoked_tx_hash": a["revoked_tx_hash"],
        "revoked_timestamp": a["revoked_timestamp"],
    }


def _credential_json(c: dict[str, Any]) -> dict[str, Any]:
    uid_hex = "0x" + c["token_id"].to_bytes(32, "big").hex()
    return {
        "token_id": str(c["token_id"]),
        "uid": uid_hex,
        "learner": checksum(c["learner"]),
        "course_id": str(c["course_id"]),
        "score": c["score"],
        "difficulty": c["difficulty"],
        "issued_block": c["issued_block"],
        "issued_tx_hash": c["issued_tx_hash"],
        "issued_timestamp": c["issued_timestamp"],
        "revoked": c["revoked"],
        "revoked_block": c["revoked_block"],
        "revoked_tx_hash": c["revoked_tx_hash"],
        "revoked_timestamp": c["revoked_timestamp"],
        "attestation": f"/v1/attestations/{uid_hex}",
    }


# --- /v1/attestations ----------------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 5, 24, 500])
def test_read_attestations__pagination_round_trip__newest_first(api: TestClient, limit: int) -> None:
    rows, pages = page_through(api, "/v1/attestations", limit)

    assert rows == [_attestation_json(a) for a in SEED.newest_first(SEED.attestations)]
    assert pages == max(1, -(-len(SEED.attestations) // limit))


@pytest.mark.parametrize(
    "schema",
    [
        CC,
        CC.upper().replace("0X", "0x"),
        "azora.education.CourseCompleted",
        "AZORA.EDUCATION.COURSECOMPLETED",
        SCHEMAS[CC],
    ],
    ids=["hash", "hash-upper", "name", "name-any-case", "definition"],
)
def test_read_attestations__schema_filter__hash_or_name(api: TestClient, schema: str) -> None:
    rows, _ = page_through(api, "/v1/attestations", 4, schema=schema)

    assert [r["uid"] for r in rows] == [
        a["uid"] for a in SEED.newest_first(SEED.attestations) if a["schema"] == CC
    ]
    assert {r["schema_name"] for r in rows} == {SCHEMAS[CC]}


def test_read_attestations__subject_any_case_and_schema__both_apply(api: TestClient) -> None:
    rows, _ = page_through(api, "/v1/attestations", 2, subject=CAROL.upper().replace("0X", "0x"), schema=CR)

    expected = [
        a for a in SEED.newest_first(SEED.attestations) if a["subject"] == CAROL and a["schema"] == CR
    ]
    assert [r["uid"] for r in rows] == [a["uid"] for a in expected] and expected
    assert {r["subject"] for r in rows} == {checksum(CAROL)}


@pytest.mark.parametrize("revoked", [True, False])
def test_read_attestations__revoked_filter(api: TestClient, revoked: bool) -> None:
    rows, _ = page_through(api, "/v1/attestations", 10, revoked=str(revoked).lower())

    assert [r["uid"] for r in rows] == [
        a["uid"] for a in SEED.newest_first(SEED.attestations) if a["revoked"] is revoked
    ]


def test_read_attestation__uid_any_case__detail_with_domain_rejections_and_links(api: TestClient) -> None:
    first = SEED.attestations[0]

    response = api.get(f"/v1/attestations/{first['uid'].upper().replace('0X', '0x')}")

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["chain_id"], body["indexed_block"]) == (CHAIN_ID, INDEXED_BLOCK)
    detail = body["data"]
    assert {k: detail[k] for k in _attestation_json(first)} == _attestation_json(first)
    assert (detail["domain"], detail["domain_name"]) == (DOMAIN["EDUCATION"], "EDUCATION")
    assert [(r["uid"], r["reason"], r["reason_name"]) for r in detail["rejections"]] == [
        (first["uid"], 4, "STALE_EPOCH")
    ]
    assert detail["links"] == {
        "credential": f"/v1/credentials/{first['uid']}",
        "rewards": f"/v1/accounts/{checksum(first['subject'])}/rewards",
    }
    credential = api.get(detail["links"]["credential"]).json()["data"]
    assert credential["uid"] == first["uid"] and credential["learner"] == checksum(first["subject"])
    assert api.get(detail["links"]["rewards"]).status_code == 200


def test_read_attestation__credential_revoked_schema__no_links(api: TestClient) -> None:
    revocation = next(a for a in SEED.attestations if a["schema"] == CR)

    detail = api.get(f"/v1/attestations/{revocation['uid']}").json()["data"]

    assert detail["links"] == {"credential": None, "rewards": None}
    assert detail["schema_name"] == SCHEMAS[CR]


def test_read_attestation__unknown_uid__404_problem(api: TestClient) -> None:
    assert_problem(api.get(f"/v1/attestations/{uid(100)}"), 404, type_suffix="not-found")


@pytest.mark.parametrize("limit", [1, 2, 500])
def test_read_rejections__pagination_round_trip__reasons_named(api: TestClient, limit: int) -> None:
    rows, _ = page_through(api, "/v1/attestations/rejections", limit)

    assert [(r["uid"], r["block_number"], r["log_index"], r["reason"]) for r in rows] == [
        (r["uid"], r["block_number"], r["log_index"], r["reason"]) for r in SEED.newest_first(SEED.rejections)
    ]
    assert [r["reason_name"] for r in rows] == [
        "UID_USED",
        "EXPIRED",
        "BELOW_THRESHOLD",
        "CONSUMER_REJECTED",
        "STALE_EPOCH",
    ]


def test_read_rejections__uid_filter__that_uid_only(api: TestClient) -> None:
    rows, _ = page_through(api, "/v1/attestations/rejections", 1, uid=uid(100).upper().replace("0X", "0x"))

    assert [(r["uid"], r["reason"]) for r in rows] == [(uid(100), 2), (uid(100), 11)]


# --- /v1/credentials and /v1/accounts/{a}/credentials ----------------------------------------------------


@pytest.mark.parametrize("form", ["decimal", "hex", "hex-upper"])
def test_read_credential__decimal_or_uid__same_credential(api: TestClient, form: str) -> None:
    credential = SEED.credentials[2]
    token = {
        "decimal": str(credential["token_id"]),
        "hex": hex(credential["token_id"]),
        "hex-upper": "0x" + credential["token_id"].to_bytes(32, "big").hex().upper(),
    }[form]

    body = api.get(f"/v1/credentials/{token}").json()

    assert (body["chain_id"], body["indexed_block"]) == (CHAIN_ID, INDEXED_BLOCK)
    assert body["data"] == _credential_json(credential)


def test_read_credential__revoked__kept_and_flagged(api: TestClient) -> None:
    revoked = next(c for c in SEED.credentials if c["revoked"])

    data = api.get(f"/v1/credentials/{revoked['token_id']}").json()["data"]

    assert data["revoked"] is True and data["revoked_block"] == revoked["revoked_block"]


def test_read_credential__unknown__404_problem(api: TestClient) -> None:
    assert_problem(api.get("/v1/credentials/12345"), 404, type_suffix="not-found")


@pytest.mark.parametrize("token", ["12abc", "0x" + "f" * 65, str(2**256), "-1", "0xg1"])
def test_read_credential__not_a_token_id__422_problem(api: TestClient, token: str) -> None:
    body = assert_problem(api.get(f"/v1/credentials/{token}"), 422, type_suffix="invalid-request")

    assert "token id" in body["detail"] or "uint256" in body["detail"]


@pytest.mark.parametrize("limit", [1, 3, 500])
def test_read_account_credentials__pagination_round_trip__newest_first(api: TestClient, limit: int) -> None:
    rows, _ = page_through(api, f"/v1/accounts/{checksum(ALICE)}/credentials", limit)

    mine = [c for c in SEED.newest_first(SEED.credentials, "issued_block") if c["learner"] == ALICE]
    assert rows == [_credential_json(c) for c in mine] and len(mine) > 3


@pytest.mark.parametrize("revoked", [True, False])
def test_read_account_credentials__revoked_filter(api: TestClient, revoked: bool) -> None:
    learner = next(c["learner"] for c in SEED.credentials if c["revoked"])

    rows, _ = page_through(api, f"/v1/accounts/{learner}/credentials", 2, revoked=str(revoked).lower())

    assert [r["token_id"] for r in rows] == [
        str(c["token_id"])
        for c in SEED.newest_first(SEED.credentials, "issued_block")
        if c["learner"] == learner and c["revoked"] is revoked
    ]


def test_read_account_credentials__never_seen__empty(api: TestClient) -> None:
    body = api.get(f"/v1/accounts/{NOBODY}/credentials").json()

    assert (body["data"], body["next_cursor"]) == ([], None)


# --- rewards ---------------------------------------------------------------------------------------------


def _epoch_json(epoch: int, budget: int | None) -> dict[str, Any]:
    e = SEED.epochs().get(epoch, {"completions": 0, "rewards": 0, "shares": 0})
    used = e["rewards"] + e["shares"]
    return {
        "epoch": epoch,
        "starts_at": epoch * EPOCH_DURATION,
        "ends_at": (epoch + 1) * EPOCH_DURATION,
        "completions": e["completions"],
        "rewards": str(e["rewards"]),
        "ubuntu_shares": str(e["shares"]),
        "used": str(used),
        "budget": None if budget is None else str(budget),
        "left": None if budget is None else str(max(0, budget - used)),
    }


@pytest.mark.parametrize("learner", [ALICE, BOB, NOBODY])
def test_read_account_rewards__rows_totals_today_and_epoch_budget(api: TestClient, learner: str) -> None:
    rows, _ = page_through(api, f"/v1/accounts/{checksum(learner)}/rewards", 2)
    summary = api.get(f"/v1/accounts/{learner}/rewards").json()["summary"]

    mine = [r for r in SEED.newest_first(SEED.rewards) if r["learner"] == learner]
    assert [(r["uid"], r["course_id"], r["reward"], r["epoch"], r["timestamp"]) for r in rows] == [
        (r["uid"], str(r["course_id"]), str(r["reward"]), r["epoch"], r["block_timestamp"]) for r in mine
    ]
    today = sum(r["reward"] for r in mine if r["block_timestamp"] // DAY == TODAY)
    cap = 1_000 * AZR
    assert summary == {
        "learner": checksum(learner),
        "as_of": NOW,
        "totals": {
            "completions": len(mine),
            "reward": str(sum(r["reward"] for r in mine)),
            "ubuntu_share": str(sum(r["ubuntu_share"] for r in mine)),
        },
        "today": {"day": TODAY, "earned": str(today), "daily_cap": str(cap), "left": str(cap - today)},
        "epoch": _epoch_json(EPOCH, 250 * AZR),
    }
    assert all(
        set(value) <= set("0123456789") for value in summary["totals"].values() if isinstance(value, str)
    )


def test_read_account_rewards__today__some_earned(api: TestClient) -> None:
    learners = {r["learner"] for r in SEED.rewards if r["block_timestamp"] // DAY == TODAY}
    learner = sorted(learners)[0]

    today = api.get(f"/v1/accounts/{learner}/rewards").json()["summary"]["today"]

    assert int(today["earned"]) > 0


def test_read_rewards__parameters_and_current_epoch(api: TestClient) -> None:
    body = api.get("/v1/rewards").json()

    assert (body["chain_id"], body["indexed_block"]) == (CHAIN_ID, INDEXED_BLOCK)
    data = body["data"]
    assert data["as_of"] == NOW
    assert data["parameters"] == {
        "treasury": checksum("0x" + "7e" * 20),
        "daily_cap": str(1_000 * AZR),
        "epoch_budget": str(250 * AZR),
        "updated_block": 110,
    }
    assert data["epoch"] == _epoch_json(EPOCH, 250 * AZR)
    assert int(data["epoch"]["used"]) > 0


def test_read_reward_epochs__pagination_round_trip__newest_first(api: TestClient) -> None:
    rows, pages = page_through(api, "/v1/rewards/epochs", 1)

    # Each epoch with the budget in force at its end: the budget was lowered in the current one.
    assert rows == [_epoch_json(EPOCH, 250 * AZR), _epoch_json(EPOCH - 1, 1_000_000 * AZR)]
    assert pages == 2 == len(SEED.epochs())


# --- /v1/oracles ------------------------------------------------------------------------------------------


def test_read_oracles__domains_with_current_sets_and_schemas(api: TestClient) -> None:
    body = api.get("/v1/oracles").json()

    assert (body["chain_id"], body["indexed_block"]) == (CHAIN_ID, INDEXED_BLOCK)
    education, ethics, price = body["data"]
    assert [d["name"] for d in body["data"]] == ["EDUCATION", "ETHICS", "PRICE"]
    assert (education["domain"], education["epoch"], education["threshold"]) == (DOMAIN["EDUCATION"], 2, 2)
    assert education["signers"] == [checksum(s) for s in (SIGNERS[0], SIGNERS[1], SIGNERS[3])]
    assert education["updated_block"] == 50
    assert [(s["schema"], s["name"], s["consumer"], s["revocable"]) for s in education["schemas"]] == [
        (CC, SCHEMAS[CC], checksum(POK), True),
        (CR, SCHEMAS[CR], checksum(POK), False),
    ]
    assert (ethics["epoch"], ethics["threshold"], ethics["signers"], ethics["updated_block"]) == (
        0,
        0,
        [],
        None,
    )
    assert [(s["name"], s["consumer"]) for s in ethics["schemas"]] == [(None, None)]  # unregistered
    assert (price["threshold"], price["signers"], price["schemas"]) == (1, [checksum(SIGNERS[4])], [])


@pytest.mark.parametrize("domain", [None, "education", "EDUCATION", DOMAIN["EDUCATION"], "price"])
def test_read_signer_sets__history_newest_first__domain_filter(api: TestClient, domain: str | None) -> None:
    filters: dict[str, Any] = {} if domain is None else {"domain": domain}
    rows, _ = page_through(api, "/v1/oracles/signer-sets", 1, **filters)

    wanted = None if domain is None else (DOMAIN.get(domain.upper()) or domain)
    expected = [s for s in SEED.newest_first(SEED.signer_sets) if wanted in (None, s["domain"])]
    assert [(r["domain"], r["epoch"], r["threshold"], r["signers"]) for r in rows] == [
        (s["domain"], s["epoch"], s["threshold"], [checksum(a) for a in s["signers"]]) for s in expected
    ]
    assert all(r["name"] in DOMAIN for r in rows)


# --- bad input --------------------------------------------------------------------------------------------


LISTS = [
    "/v1/attestations",
    "/v1/attestations/rejections",
    f"/v1/accounts/{ALICE}/credentials",
    f"/v1/accounts/{ALICE}/rewards",
    "/v1/rewards/epochs",
    "/v1/oracles/signer-sets",
]


@pytest.mark.parametrize("url", LISTS)
def test_lists__cursor_of_another_list__400_problem(api: TestClient, url: str) -> None:
    other = LISTS[(LISTS.index(url) + 1) % len(LISTS)]
    cursor = api.get(other, params={"limit": 1}).json()["next_cursor"]
    assert cursor

    assert_problem(api.get(url, params={"cursor": cursor}), 400, type_suffix="invalid-cursor")


@pytest.mark.parametrize("url", LISTS)
def test_lists__limit_out_of_range__422_problem(api: TestClient, url: str) -> None:
    assert_problem(api.get(url, params={"limit": 0}), 422, type_suffix="invalid-request")


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/v1/attestations", {"schema": "azora.education.Nope"}),
        ("/v1/attestations", {"schema": "0x1234"}),
        ("/v1/attestations", {"subject": "0x1234"}),
        ("/v1/attestations", {"revoked": "maybe"}),
        ("/v1/attestations/rejections", {"uid": "0x" + "z" * 64}),
        ("/v1/attestations/0x1234", {}),
        ("/v1/oracles/signer-sets", {"domain": "WEATHER"}),
        ("/v1/accounts/0xnotanaddress/credentials", {}),
        ("/v1/accounts/0xnotanaddress/rewards", {}),
        (f"/v1/accounts/{ALICE}/credentials", {"revoked": "sometimes"}),
    ],
)
def test_bad_parameter__422_problem_naming_it(api: TestClient, url: str, params: dict[str, str]) -> None:
    body = assert_problem(api.get(url, params=params), 422, type_suffix="invalid-request")

    assert body["errors"]


# --- end to end -------------------------------------------------------------------------------------------


@pytest.fixture
def stack(project: Any, chain: Any, accounts: Any, tmp_path: Path) -> Iterator[Any]:
    from tests.indexer.conftest import USERS, ChainDriver
    from tests.indexer.oracle_chain import deploy_stack

    driver = ChainDriver(chain.provider.uri)
    driver.rpc("anvil_autoImpersonateAccount", True)
    for user in USERS:
        driver.rpc("anvil_setBalance", user, hex(10**24))
    yield deploy_stack(project, chain, accounts, tmp_path, driver)
    driver.rpc("anvil_autoImpersonateAccount", False)
    driver.close()


def test_e2e__oracle_activity__served_values_match_the_contracts(
    stack: Any, migrated_database_url: str, make_client: Callable[..., TestClient]
) -> None:
    from tests.indexer.oracle_chain import (
        LEARNERS,
        completions_and_rejections,
        hex32,
        revocations_rotation_and_budget,
    )

    activity = completions_and_rejections(stack)
    activity = activity.merge(revocations_rotation_and_budget(stack, activity))
    result = run_indexer(
        IndexerSettings(
            database_url=migrated_database_url,
            rpc_url=stack.driver.url,
            redis_url=None,
            manifest_path=stack.manifest_path,
        ),
        follow=False,
    )
    head = stack.driver.block_number()
    assert result.last_block == head
    api = make_client(migrated_database_url)
    envelope = (stack.chain_id, head)

    # Signer sets: the hub's current EDUCATION set, and one history row per epoch.
    body = api.get("/v1/oracles").json()
    assert (body["chain_id"], body["indexed_block"]) == envelope
    domains = {d["name"]: d for d in body["data"]}
    assert set(domains) == {"EDUCATION", "ETHICS"}  # ETHICS: the Governor's review schema
    education = domains["EDUCATION"]
    assert [s.lower() for s in education["signers"]] == stack.hub_signers()
    assert (education["epoch"], education["threshold"]) == (stack.epoch(), stack.threshold())
    assert {s["name"] for s in education["schemas"]} == set(SCHEMAS.values())
    history, _ = page_through(api, "/v1/oracles/signer-sets", 1, envelope=envelope, domain="education")
    assert [h["epoch"] for h in history] == list(range(stack.epoch(), 0, -1))

    # Attestations: every consumed uid, with the hub's revocation flag; rejections with their reasons.
    attestations, _ = page_through(api, "/v1/attestations", 3, envelope=envelope)
    consumed = [hex32(a.uid) for a in activity.applied if int(stack.schema_of(a.uid), 16)]
    assert sorted(a["uid"] for a in attestations) == sorted(consumed)
    for a in attestations:
        assert a["revoked"] == stack.is_revoked(bytes.fromhex(a["uid"][2:]))
        assert a["relayer"].lower() == stack.relayer
    assert sum(a["revoked"] for a in attestations) == 1
    rejections, _ = page_through(api, "/v1/attestations/rejections", 2, envelope=envelope)
    assert sorted((r["uid"], r["reason"]) for r in rejections) == sorted(
        (hex32(a.uid), reason) for a, reason in activity.rejected
    )

    # Credentials and rewards per learner, against the contracts.
    for learner in LEARNERS:
        credentials, _ = page_through(api, f"/v1/accounts/{learner}/credentials", 2, envelope=envelope)
        for c in credentials:
            assert c["revoked"] == (not stack.credential_exists(int(c["token_id"])))
            detail = api.get(c["attestation"]).json()["data"]
            assert detail["links"]["credential"] == f"/v1/credentials/{c['uid']}"
        live, _ = page_through(
            api, f"/v1/accounts/{learner}/credentials", 5, envelope=envelope, revoked="false"
        )
        for c in live:
            owner, course, score, difficulty, issued = stack.credential(int(c["token_id"]))
            assert (
                c["learner"].lower(),
                int(c["course_id"]),
                c["score"],
                c["difficulty"],
                c["issued_block"],
            ) == (
                owner,
                course,
                score,
                difficulty,
                issued,
            )
        body = api.get(f"/v1/accounts/{learner}/rewards").json()
        summary = body["summary"]
        assert int(summary["totals"]["reward"]) == stack.balance_of(learner)
        assert summary["totals"]["completions"] == len(body["data"])
        if summary["today"]["day"] == stack.timestamp() // DAY:
            assert int(summary["today"]["earned"]) == stack.earned_today(learner)
        assert int(summary["today"]["daily_cap"]) == int(stack.pok_view("daily_cap"))

    # The epoch budget: used and left as the contract counts them.
    rewards = api.get("/v1/rewards").json()["data"]
    used, budget = int(stack.pok_view("epoch_minted")), int(stack.pok_view("epoch_budget"))
    assert rewards["epoch"]["epoch"] == int(stack.pok_view("current_epoch"))
    assert (int(rewards["epoch"]["used"]), int(rewards["epoch"]["budget"])) == (used, budget)
    assert int(rewards["epoch"]["left"]) == budget - used
    assert rewards["parameters"]["treasury"].lower() == str(stack.pok_view("treasury", "address")).lower()
    # Every epoch's use: the learners' AZR (nothing but rewards) plus the Treasury's Ubuntu shares.
    epochs, _ = page_through(api, "/v1/rewards/epochs", 1, envelope=envelope)
    assert len(epochs) == 2
    treasury = rewards["parameters"]["treasury"].lower()
    minted = (
        sum(stack.balance_of(learner) for learner in LEARNERS) + stack.balance_of(treasury) - TREASURY_GENESIS
    )
    assert sum(int(e["used"]) for e in epochs) == minted
