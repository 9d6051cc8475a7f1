"""`/v1/token` and `/v1/delegates`."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    CAROL,
    CHAIN_ID,
    DAVE,
    INDEXED_BLOCK,
    SEED,
    assert_problem,
    checksum,
    page_through,
)

CAP = 1_000_000_000 * 10**18


def test_read_token__seeded__supply_cap_mintable_holders_votes(client: TestClient) -> None:
    body = client.get("/v1/token").json()

    assert body["chain_id"] == CHAIN_ID and body["indexed_block"] == INDEXED_BLOCK
    holders = sum(1 for balance in SEED.balances().values() if balance > 0)
    assert body["data"] == {
        "symbol": "AZR",
        "decimals": 18,
        "total_supply": str(SEED.supply()),
        "cap": str(CAP),
        "mintable": str(CAP - SEED.supply()),
        "holders": holders,
        "delegated_votes": str(sum(SEED.votes().values())),
    }


def _expected_delegates() -> list[dict[str, object]]:
    delegators = {d: sum(1 for v in SEED.delegations.values() if v == d) for d in SEED.votes()}
    ranked = sorted(SEED.votes().items(), key=lambda item: (-item[1], item[0]))
    return [
        {"address": checksum(address), "votes": str(votes), "delegators": delegators[address]}
        for address, votes in ranked
        if votes > 0
    ]


@pytest.mark.parametrize("limit", [1, 2, 50])
def test_read_delegates__pagination_round_trip__by_votes_desc_then_address(
    client: TestClient, limit: int
) -> None:
    rows, _ = page_through(client, "/v1/delegates", limit)

    assert rows == _expected_delegates()


def test_read_delegates__votes_tie__ordered_by_address_across_pages(client: TestClient) -> None:
    assert SEED.votes()[CAROL] == SEED.votes()[DAVE]  # the seed builds the tie on purpose

    rows, _ = page_through(client, "/v1/delegates", 1)

    tied = [r["address"] for r in rows if r["address"] in (checksum(CAROL), checksum(DAVE))]
    assert tied == sorted([checksum(CAROL), checksum(DAVE)], key=str.lower)


def test_read_delegates__zero_votes__not_listed(client: TestClient) -> None:
    rows, _ = page_through(client, "/v1/delegates", 50)

    assert all(r["votes"] != "0" for r in rows)


@pytest.mark.parametrize(
    "cursor",
    [
        "eyJyIjoiZGVsZWdhdGVzIiwiayI6WzEsIjB4MTIzIl19",  # {"r":"delegates","k":[1,"0x123"]}: bad address
        "eyJyIjoiZGVsZWdhdGVzIiwiayI6WyIxIiwiMHgwMCJdfQ",  # votes as a string
        "eyJyIjoidHJhbnNmZXJzIiwiayI6WzEsMl19",  # a transfers cursor
    ],
)
def test_read_delegates__bad_cursor__400_problem(client: TestClient, cursor: str) -> None:
    assert_problem(client.get("/v1/delegates", params={"cursor": cursor}), 400, type_suffix="invalid-cursor")
