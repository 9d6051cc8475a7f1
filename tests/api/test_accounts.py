"""`/v1/accounts/{address}` and `/v1/accounts/{address}/transfers`."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    ALICE,
    BOB,
    CAROL,
    CHAIN_ID,
    ERIN,
    INDEXED_BLOCK,
    NOBODY,
    SEED,
    ZERO,
    assert_problem,
    checksum,
    page_through,
)

DIGITS = set("0123456789")


def test_read_account__holder__balance_votes_delegate_as_checksummed_digit_strings(
    client: TestClient,
) -> None:
    response = client.get(f"/v1/accounts/{ALICE}")

    assert response.status_code == 200
    body = response.json()
    assert body["chain_id"] == CHAIN_ID
    assert body["indexed_block"] == INDEXED_BLOCK
    account = body["data"]
    assert account["address"] == checksum(ALICE)
    assert account["balance"] == str(SEED.balances()[ALICE])
    assert account["votes"] == str(SEED.votes()[ALICE])
    assert account["delegate"] == checksum(ALICE)
    assert set(account["balance"]) <= DIGITS and set(account["votes"]) <= DIGITS
    assert account["links"] == {
        "transfers": f"/v1/accounts/{checksum(ALICE)}/transfers",
        "ledger_entries": f"/v1/ledger/entries?account={checksum(ALICE)}",
        "credentials": f"/v1/accounts/{checksum(ALICE)}/credentials",
        "rewards": f"/v1/accounts/{checksum(ALICE)}/rewards",
    }
    for name, link in account["links"].items():
        followed = client.get(link)
        assert followed.status_code == 200, link
        if name in ("transfers", "ledger_entries"):  # the seed holds no credentials or rewards
            assert followed.json()["data"], link


def test_read_account__delegator__has_delegate_and_no_votes(client: TestClient) -> None:
    account = client.get(f"/v1/accounts/{BOB}").json()["data"]

    assert account["delegate"] == checksum(ALICE)
    assert account["votes"] == "0"
    assert account["balance"] == str(SEED.balances()[BOB])


@pytest.mark.parametrize(
    "address", [CAROL, "0x" + CAROL[2:].upper(), checksum(CAROL)], ids=["lower", "upper", "checksummed"]
)
def test_read_account__any_letter_case__same_answer(client: TestClient, address: str) -> None:
    account = client.get(f"/v1/accounts/{address}").json()["data"]

    assert account["address"] == checksum(CAROL)
    assert account["balance"] == str(SEED.balances()[CAROL])


def test_read_account__withdrawn_delegation__delegate_is_null(client: TestClient) -> None:
    account = client.get(f"/v1/accounts/{ERIN}").json()["data"]

    assert account["delegate"] is None
    assert account["votes"] == "0"


def test_read_account__never_seen__zeros(client: TestClient) -> None:
    account = client.get(f"/v1/accounts/{NOBODY}").json()["data"]

    assert account == {
        "address": checksum(NOBODY),
        "balance": "0",
        "votes": "0",
        "delegate": None,
        "links": {
            "transfers": f"/v1/accounts/{checksum(NOBODY)}/transfers",
            "ledger_entries": f"/v1/ledger/entries?account={checksum(NOBODY)}",
            "credentials": f"/v1/accounts/{checksum(NOBODY)}/credentials",
            "rewards": f"/v1/accounts/{checksum(NOBODY)}/rewards",
        },
    }


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("f39fd6e51aad88f6f4ce6ab8827279cfffb92266", "does not start with 0x"),
        ("0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226", "39 hex digits"),
        ("0xf39fd6e51aad88f6f4ce6ab8827279cfffb922666", "41 hex digits"),
        ("0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266", "non-hex"),
        ("alice.eth", "does not start with 0x"),
    ],
)
def test_read_account__bad_address__422_problem_saying_why(
    client: TestClient, address: str, reason: str
) -> None:
    body = assert_problem(client.get(f"/v1/accounts/{address}"), 422, type_suffix="invalid-request")

    assert reason in body["detail"]
    assert body["errors"][0]["location"] == "path.address"
    assert reason in body["errors"][0]["message"]


def _transfer_json(account: str, transfer: tuple[int, int, str, str, int]) -> dict[str, Any]:
    block, log, sender, recipient, amount = transfer
    direction = "self" if sender == recipient else "out" if sender == account else "in"
    return {
        "block_number": block,
        "log_index": log,
        "from": checksum(sender),
        "to": checksum(recipient),
        "amount": str(amount),
        "direction": direction,
        "timestamp": 1_700_000_000 + block,
    }


@pytest.mark.parametrize("limit", [1, 5, 7, 100])
def test_read_account_transfers__pagination_round_trip__every_transfer_once_newest_first(
    client: TestClient, limit: int
) -> None:
    expected = [_transfer_json(ALICE, t) for t in SEED.transfers_of(ALICE)]

    rows, pages = page_through(client, f"/v1/accounts/{ALICE}/transfers", limit)

    assert [{k: r[k] for k in expected[0]} for r in rows] == expected
    assert pages == max(1, -(-len(expected) // limit))
    assert all(r["tx_hash"].startswith("0x") and len(r["tx_hash"]) == 66 for r in rows)


def test_read_account_transfers__amount_2_55e20__digits_only(client: TestClient) -> None:
    rows = client.get(f"/v1/accounts/{ERIN}/transfers").json()["data"]

    assert rows and {r["amount"] for r in rows} == {"255000000000000000000"}


@pytest.mark.parametrize("direction", ["in", "out"])
def test_read_account_transfers__direction_filter__only_that_side(client: TestClient, direction: str) -> None:
    rows, _ = page_through(client, f"/v1/accounts/{BOB}/transfers", 4, direction=direction)

    expected = [
        _transfer_json(BOB, t)
        for t in SEED.transfers_of(BOB)
        if (t[2] == BOB if direction == "out" else t[3] == BOB)
    ]
    assert [{k: r[k] for k in expected[0]} for r in rows] == expected
    assert rows[-1]["from"] == (checksum(ZERO) if direction == "in" else checksum(BOB))


def test_read_account_transfers__self_transfer__listed_once(client: TestClient) -> None:
    rows, _ = page_through(client, f"/v1/accounts/{ALICE}/transfers", 50)

    assert [r["direction"] for r in rows].count("self") == 1


def test_read_account_transfers__no_history__empty_last_page(client: TestClient) -> None:
    body = client.get(f"/v1/accounts/{NOBODY}/transfers").json()

    assert body["data"] == [] and body["next_cursor"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        "eyJyIjoiZGVsZWdhdGVzIiwiayI6WzEsMl19",  # {"r":"delegates","k":[1,2]}: another list's cursor
        "eyJyIjoidHJhbnNmZXJzIiwiayI6Wy0xLDJdfQ",  # {"r":"transfers","k":[-1,2]}: negative block
        "eyJyIjoidHJhbnNmZXJzIiwiayI6W3RydWUsMl19",  # {"r":"transfers","k":[true,2]}
        "eyJyIjoidHJhbnNmZXJzIiwiayI6WzFdfQ",  # {"r":"transfers","k":[1]}: wrong arity
        "eyJyIjoidHJhbnNmZXJzIiwiayI6Wzk5OTk5OTk5OTk5OTk5OTk5OTk5LDBdfQ",  # beyond BIGINT
        "W10",  # []
        "éé",
    ],
)
def test_read_account_transfers__bad_cursor__400_problem(client: TestClient, cursor: str) -> None:
    response = client.get(f"/v1/accounts/{ALICE}/transfers", params={"cursor": cursor})

    body = assert_problem(response, 400, type_suffix="invalid-cursor")
    assert "cursor" in body["detail"]


def test_read_account_transfers__overlong_cursor__422_problem(client: TestClient) -> None:
    response = client.get(f"/v1/accounts/{ALICE}/transfers", params={"cursor": "A" * 600})

    assert_problem(response, 422)


@pytest.mark.parametrize("limit", ["0", "-1", "501", "ten", "1.5"])
def test_read_account_transfers__bad_limit__422_problem_naming_limit(client: TestClient, limit: str) -> None:
    body = assert_problem(client.get(f"/v1/accounts/{ALICE}/transfers?limit={limit}"), 422)

    assert body["errors"][0]["location"] == "query.limit"


def test_read_account_transfers__bad_direction__422_problem(client: TestClient) -> None:
    body = assert_problem(client.get(f"/v1/accounts/{ALICE}/transfers?direction=sideways"), 422)

    assert body["errors"][0]["location"] == "query.direction"


def test_read_account_transfers__bad_address__422_problem(client: TestClient) -> None:
    assert_problem(client.get("/v1/accounts/0x1234/transfers"), 422)
