"""A relayed transaction left unmined is replaced (same nonce and call, fees +12.5%) by the API's
keeper, and `GET /v1/relay/transactions/{hash}` follows it by any of its hashes to the one mined
(anvil with automine off + Redis)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.relay.relayer import Fees, SentRecord, bumped_fees
from tests.api.conftest import assert_problem
from tests.api.relay_fixtures import *  # noqa: F403 - the fixtures of relay_fixtures.__all__
from tests.api.relay_fixtures import RelayStack, wait_receipt

GWEI = 10**9
CAP = 500 * GWEI


@pytest.fixture
def manual_mining(web3: Any) -> Iterator[None]:
    """Automine off for the test (pending transactions wait); on again, with a block, after."""
    web3.provider.make_request("evm_setAutomine", [False])
    try:
        yield
    finally:
        web3.provider.make_request("evm_setAutomine", [True])
        web3.provider.make_request("evm_mine", [])


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_relay_keeper__stuck_delegation__replaced_mined_once_and_followed_by_either_hash(
    make_relay_client: Callable[..., TestClient],
    relay_stack: RelayStack,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
    manual_mining: None,
) -> None:
    client = make_relay_client(relay_replace_after_seconds=2.0, relay_replace_check_seconds=0.2)
    alice, carol = accounts[1], accounts[5]
    nonce = int(web3.eth.get_transaction_count(relayer_address, "latest"))
    response = client.post("/v1/delegations", json=delegation(alice, carol))
    assert response.status_code == 202, response.text
    first = response.json()["tx_hash"]
    original = web3.eth.get_transaction(first)  # in the pool, not mined (automine off)
    path = f"/v1/relay/transactions/{first}"
    pending = client.get(path).json()
    assert (pending["status"], pending["hashes"], pending["nonce"]) == ("pending", [first], nonce)

    wait_until(lambda: len(client.get(path).json()["hashes"]) >= 2, 15, "the keeper's replacement")
    replaced = client.get(path).json()
    assert replaced["status"] == "pending" and replaced["hashes"][0] == first
    replacement = replaced["hashes"][1]
    bumped = web3.eth.get_transaction(replacement)
    assert (bumped["nonce"], bumped["to"], bumped["input"], bumped["gas"]) == (
        original["nonce"],
        original["to"],
        original["input"],
        original["gas"],
    )
    assert bumped["maxFeePerGas"] >= -(-original["maxFeePerGas"] * 9 // 8)
    assert bumped["maxPriorityFeePerGas"] >= -(-original["maxPriorityFeePerGas"] * 9 // 8)

    web3.provider.make_request("evm_mine", [])
    final = client.get(path).json()  # (a later replacement may have come meanwhile: the last one)
    assert final["status"] == "mined" and final["hashes"][:2] == [first, replacement]
    receipt = wait_receipt(web3, final["mined_tx_hash"])
    assert receipt["status"] == 1 and final["mined_tx_hash"] == final["hashes"][-1]
    for asked in (first, replacement):
        mined = client.get(f"/v1/relay/transactions/{asked}").json()
        assert (mined["status"], mined["tx_hash"], mined["receipt_status"]) == ("mined", asked, 1)
        assert mined["mined_tx_hash"] == final["mined_tx_hash"]
        assert mined["block_number"] == receipt["blockNumber"]
    assert int(web3.eth.get_transaction_count(relayer_address, "latest")) == nonce + 1  # one nonce used
    assert relay_stack.token.delegates(alice) == carol.address


def test_relayed_transaction__unknown_or_malformed_hash__404_and_422(
    relay_client: TestClient,
) -> None:
    body = assert_problem(relay_client.get("/v1/relay/transactions/0x" + "ab" * 32), 404)
    assert "sent no transaction" in body["detail"]
    assert_problem(relay_client.get("/v1/relay/transactions/0x1234"), 422)


def record(max_fee: int, tip: int) -> SentRecord:
    return SentRecord(
        nonce=0,
        to="0x" + "11" * 20,
        data="0x",
        gas=50_000,
        max_fee_per_gas=max_fee,
        max_priority_fee_per_gas=tip,
        hashes=["0x" + "22" * 32],
        sent_at=0.0,
    )


@pytest.mark.parametrize(
    ("max_fee", "tip", "suggested", "cap", "expected"),
    [
        # +12.5%; rounded up; at least what the market asks now
        (8 * GWEI, 8 * GWEI, None, CAP, Fees(9 * GWEI, 9 * GWEI)),
        (7, 3, None, CAP, Fees(8, 4)),
        (8 * GWEI, 1 * GWEI, Fees(40 * GWEI, 2 * GWEI), CAP, Fees(40 * GWEI, 2 * GWEI)),
        # the cap leaves less than the 10% nodes require; capped but still +10%
        (100 * GWEI, 2 * GWEI, None, 105 * GWEI, None),
        (100 * GWEI, 2 * GWEI, None, 110 * GWEI, Fees(110 * GWEI, 2_250_000_000)),
    ],
)
def test_bumped_fees__raise_floor_and_cap(
    max_fee: int, tip: int, suggested: Fees | None, cap: int, expected: Fees | None
) -> None:
    assert bumped_fees(record(max_fee, tip), suggested, cap) == expected
