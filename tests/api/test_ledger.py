"""`/v1/ledger/entries` and `/v1/ledger/verify`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_utils import keccak
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from indexer.models import LedgerEntry, LedgerStatus
from tests.api.conftest import (
    ALICE,
    CHAIN_ID,
    SEED,
    ZERO_HASH,
    assert_problem,
    checksum,
    page_through,
    seed_cursor,
)


def _entry_json(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "index": entry["entry_index"],
        "kind": entry["kind"],
        "kind_name": entry["kind_name"],
        "account": checksum(entry["account"]),
        "amount": str(entry["amount"]),
        "ref": entry["ref"],
        "head": entry["head"],
        "block_number": entry["block_number"],
        "log_index": entry["log_index"],
        "tx_hash": entry["tx_hash"],
        "timestamp": entry["block_timestamp"],
    }


@pytest.mark.parametrize("limit", [1, 5, 12, 500])
def test_read_ledger_entries__pagination_round_trip__journal_order(client: TestClient, limit: int) -> None:
    rows, pages = page_through(client, "/v1/ledger/entries", limit)

    assert rows == [_entry_json(e) for e in SEED.ledger]
    assert pages == -(-len(SEED.ledger) // limit)


def test_read_ledger_entries__order_desc__newest_first(client: TestClient) -> None:
    rows, _ = page_through(client, "/v1/ledger/entries", 5, order="desc")

    assert [r["index"] for r in rows] == list(range(len(SEED.ledger), 0, -1))


def test_read_ledger_entries__cursor_of_other_order__400_problem(client: TestClient) -> None:
    cursor = client.get("/v1/ledger/entries", params={"limit": 2}).json()["next_cursor"]

    response = client.get("/v1/ledger/entries", params={"cursor": cursor, "order": "desc"})

    assert_problem(response, 400, type_suffix="invalid-cursor")


def test_read_ledger_entries__account_filter_any_case__that_account_only(client: TestClient) -> None:
    rows, _ = page_through(
        client, "/v1/ledger/entries", 2, account=checksum(ALICE).upper().replace("0X", "0x")
    )

    assert rows == [_entry_json(e) for e in SEED.ledger if e["account"] == ALICE]


FEE_HASH = "0x" + keccak(text="FEE").hex()


@pytest.mark.parametrize("kind", ["fee", "FEE", FEE_HASH, FEE_HASH.upper().replace("0X", "0x")])
def test_read_ledger_entries__kind_filter_by_name_or_hash(client: TestClient, kind: str) -> None:
    rows, _ = page_through(client, "/v1/ledger/entries", 50, kind=kind)

    assert rows == [_entry_json(e) for e in SEED.ledger if e["kind_name"] == "FEE"]


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"kind": "not a kind!"}, "query.kind"),
        ({"kind": "0x1234"}, "query.kind"),
        ({"account": "0xnope"}, "query.account"),
        ({"order": "sideways"}, "query.order"),
        ({"limit": 0}, "query.limit"),
    ],
)
def test_read_ledger_entries__bad_filter__422_problem(
    client: TestClient, params: dict[str, Any], location: str
) -> None:
    body = assert_problem(client.get("/v1/ledger/entries", params=params), 422)

    assert [e["location"] for e in body["errors"]] == [location]


def test_read_ledger_verify__verified_chain__ok_with_head(client: TestClient) -> None:
    body = client.get("/v1/ledger/verify").json()

    head = SEED.ledger[-1]["head"]
    assert body["chain_id"] == CHAIN_ID
    data = body["data"]
    assert data["ok"] is True
    assert data["count"] == data["verified_count"] == len(SEED.ledger)
    assert data["head"] == data["verified_head"] == head
    assert data["first_mismatch"] is None


def test_read_ledger_verify__nothing_recorded__ok_and_empty(
    make_client: Callable[..., TestClient], migrated_database_url: str, db_session: Session
) -> None:
    seed_cursor(db_session, last_block=7)
    db_session.commit()

    data = make_client(migrated_database_url).get("/v1/ledger/verify").json()["data"]

    assert data == {
        "ok": True,
        "count": 0,
        "verified_count": 0,
        "head": ZERO_HASH,
        "verified_head": ZERO_HASH,
        "first_mismatch": None,
        "checked_block": 7,
        "recomputed": None,
    }


def test_read_ledger_verify__broken_chain__reports_first_mismatch(
    make_client: Callable[..., TestClient], migrated_database_url: str, db_session: Session
) -> None:
    seed_cursor(db_session)
    db_session.add(
        LedgerStatus(
            chain_id=CHAIN_ID,
            entry_count=9,
            verified_count=4,
            ok=False,
            verified_head="0x" + "11" * 32,
            latest_head="0x" + "22" * 32,
            first_mismatch=5,
            checked_block=100,
        )
    )
    db_session.commit()

    data = make_client(migrated_database_url).get("/v1/ledger/verify").json()["data"]

    assert data["ok"] is False
    assert (data["count"], data["verified_count"], data["first_mismatch"]) == (9, 4, 5)
    assert data["verified_head"] == "0x" + "11" * 32 and data["head"] == "0x" + "22" * 32


def test_read_ledger_verify__recompute__api_walks_the_stored_chain(client: TestClient) -> None:
    data = client.get("/v1/ledger/verify", params={"recompute": "true"}).json()["data"]

    assert data["recomputed"] == {
        "ok": True,
        "count": len(SEED.ledger),
        "head": SEED.ledger[-1]["head"],
        "first_mismatch": None,
    }


def test_read_ledger_verify__recompute_after_tampering__first_mismatch(
    make_client: Callable[..., TestClient], migrated_database_url: str, db_session: Session
) -> None:
    seed_cursor(db_session)
    for entry in SEED.ledger[:6]:
        db_session.add(LedgerEntry(chain_id=CHAIN_ID, **entry))
    db_session.commit()
    db_session.execute(
        update(LedgerEntry).where(LedgerEntry.entry_index == 4).values(amount=SEED.ledger[3]["amount"] + 1)
    )
    db_session.commit()

    data = make_client(migrated_database_url).get("/v1/ledger/verify?recompute=1").json()["data"]

    assert data["recomputed"] == {
        "ok": False,
        "count": 3,
        "head": SEED.ledger[2]["head"],
        "first_mismatch": 4,
    }


def test_read_ledger_verify__recompute_beyond_cap__400_problem(
    make_client: Callable[..., TestClient], seeded_database_url: str
) -> None:
    client = make_client(seeded_database_url, ledger_recompute_max_entries=5)

    body = assert_problem(
        client.get("/v1/ledger/verify?recompute=true"), 400, type_suffix="invalid-parameter"
    )

    assert "API_LEDGER_RECOMPUTE_MAX_ENTRIES" in body["detail"]
