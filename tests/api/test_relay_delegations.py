"""`POST /v1/delegations`: a signed delegateBySig relayed by the API relayer (anvil + Redis).

Every rejection also checks that nothing was sent: the relayer's nonce on chain is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_problem
from tests.api.relay_fixtures import *  # noqa: F403 - the fixtures of relay_fixtures.__all__
from tests.api.relay_fixtures import AZR, RelayStack, fresh_accounts, wait_receipt

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
ZERO_ADDRESS = "0x" + "00" * 20


def relayer_nonce(web3: Any, relayer_address: str) -> int:
    return int(web3.eth.get_transaction_count(relayer_address, "pending"))


@pytest.mark.parametrize("form", ["vrs", "signature"])
def test_delegation__valid_signature__relayed_and_mined_from_relayer(
    relay_client: TestClient,
    relay_stack: RelayStack,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
    form: str,
) -> None:
    token = relay_stack.token
    alice, carol = accounts[1], accounts[5]
    before = relayer_nonce(web3, relayer_address)

    response = relay_client.post("/v1/delegations", json=delegation(alice, carol, form=form))

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["delegator"] == alice.address
    assert body["delegatee"] == carol.address
    assert body["relayer"] == relayer_address
    assert body["chain_id"] == relay_stack.manifest.chain_id
    receipt = wait_receipt(web3, body["tx_hash"])
    assert receipt["status"] == 1
    sent = web3.eth.get_transaction(body["tx_hash"])
    assert sent["from"] == relayer_address
    assert sent["to"] == token.address
    assert sent["type"] == 2
    assert sent["nonce"] == before
    assert token.delegates(alice) == carol.address
    assert token.getVotes(carol) == token.balanceOf(alice)
    assert token.nonces(alice) == 1


def test_delegation__delegator_given_and_signed_by_another_key__422_invalid_signature(
    relay_client: TestClient,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    alice, bob, carol = accounts[1], accounts[2], accounts[5]
    before = relayer_nonce(web3, relayer_address)
    body = {**delegation(bob, carol), "delegator": alice.address.lower()}

    response = relay_client.post("/v1/delegations", json=body)

    problem = assert_problem(response, 422, type_suffix="invalid-signature")
    assert bob.address in problem["detail"] and alice.address in problem["detail"]
    assert relayer_nonce(web3, relayer_address) == before


def test_delegation__signed_values_tampered__recovers_a_stranger_and_422(
    relay_client: TestClient,
    relay_stack: RelayStack,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    alice, bob, carol = accounts[1], accounts[2], accounts[5]
    before = relayer_nonce(web3, relayer_address)
    body = {**delegation(alice, carol), "delegatee": bob.address}  # signed for carol, sent for bob

    response = relay_client.post("/v1/delegations", json=body)

    assert_problem(response, 422, type_suffix="nothing-to-relay")
    assert relayer_nonce(web3, relayer_address) == before
    assert relay_stack.token.delegates(alice) == ZERO_ADDRESS


def test_delegation__signed_for_other_chain__422_without_sending(
    relay_client: TestClient,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    before = relayer_nonce(web3, relayer_address)
    body = {**delegation(accounts[1], accounts[5], chain_id=1), "delegator": accounts[1].address}

    response = relay_client.post("/v1/delegations", json=body)

    assert_problem(response, 422, type_suffix="invalid-signature")
    assert relayer_nonce(web3, relayer_address) == before


def test_delegation__stale_nonce__422_naming_current_nonce(
    relay_client: TestClient,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    before = relayer_nonce(web3, relayer_address)

    response = relay_client.post("/v1/delegations", json=delegation(accounts[1], accounts[5], nonce=1))

    problem = assert_problem(response, 422, type_suffix="stale-nonce")
    assert problem["current_nonce"] == "0"
    assert "nonce 1" in problem["detail"]
    assert relayer_nonce(web3, relayer_address) == before


def test_delegation__expired__422_signature_expired(
    relay_client: TestClient,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    before = relayer_nonce(web3, relayer_address)
    expiry = int(web3.eth.get_block("latest")["timestamp"]) - 1

    response = relay_client.post("/v1/delegations", json=delegation(accounts[1], accounts[5], expiry=expiry))

    assert_problem(response, 422, type_suffix="signature-expired")
    assert relayer_nonce(web3, relayer_address) == before


def test_delegation__high_s_twin__422_invalid_signature(
    relay_client: TestClient,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    body = delegation(accounts[1], accounts[5])
    high_s = SECP256K1_N - int(body["s"], 16)
    body.update(v=55 - body["v"], s="0x" + high_s.to_bytes(32, "big").hex())

    response = relay_client.post("/v1/delegations", json=body)

    problem = assert_problem(response, 422, type_suffix="invalid-signature")
    assert "upper half" in problem["detail"]


def test_delegation__unrecoverable_signature__422_invalid_signature(
    relay_client: TestClient, delegation: Callable[..., dict[str, Any]], accounts: Any
) -> None:
    body = {**delegation(accounts[1], accounts[5]), "r": "0x" + "00" * 32}

    response = relay_client.post("/v1/delegations", json=body)

    assert_problem(response, 422, type_suffix="invalid-signature")


def test_delegation__already_delegated_to_that_delegatee__409(
    relay_client: TestClient,
    relay_stack: RelayStack,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    alice, carol = accounts[1], accounts[5]
    relay_stack.token.invoke_transaction("delegate", carol, sender=alice)
    before = relayer_nonce(web3, relayer_address)

    response = relay_client.post("/v1/delegations", json=delegation(alice, carol))

    assert_problem(response, 409, type_suffix="already-done")
    assert relayer_nonce(web3, relayer_address) == before


@pytest.mark.parametrize(
    "change",
    [
        {"signature": "0x" + "11" * 65},  # both forms
        {"v": None},  # incomplete v, r, s
        {"nonce": "-1"},
        {"delegatee": "0x1234"},
        {"unexpected": 1},
    ],
)
def test_delegation__malformed_body__422_invalid_request(
    relay_client: TestClient, delegation: Callable[..., dict[str, Any]], accounts: Any, change: dict[str, Any]
) -> None:
    body = {k: v for k, v in {**delegation(accounts[1], accounts[5]), **change}.items() if v is not None}

    response = relay_client.post("/v1/delegations", json=body)

    assert_problem(response, 422, type_suffix="invalid-request")


def test_delegation__over_per_address_limit__429_with_retry_after_other_address_admitted(
    make_relay_client: Callable[..., TestClient],
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
) -> None:
    client = make_relay_client(relay_rate_limit_per_address=1, relay_rate_limit_window_seconds=600)
    alice, bob, carol = accounts[1], accounts[2], accounts[5]
    first = client.post("/v1/delegations", json=delegation(alice, carol))
    assert first.status_code == 202, first.text
    wait_receipt(web3, first.json()["tx_hash"])

    second = client.post("/v1/delegations", json=delegation(alice, bob))
    other = client.post("/v1/delegations", json=delegation(bob, carol))

    problem = assert_problem(second, 429, type_suffix="rate-limited")
    assert 1 <= int(second.headers["Retry-After"]) <= 600
    assert problem["address"] == alice.address
    assert other.status_code == 202, other.text


def test_delegation__concurrent_requests__distinct_relayer_nonces_all_mined(
    relay_client: TestClient,
    relay_stack: RelayStack,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    chain: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    token = relay_stack.token
    holders = fresh_accounts(8)
    for n, holder in enumerate(holders):
        token.transfer(holder.address, (n + 1) * AZR, sender=accounts[1])
    delegatee = accounts[5]
    bodies = [delegation(holder, delegatee) for holder in holders]
    start = relayer_nonce(web3, relayer_address)

    chain.provider.auto_mine = False  # keep every transaction pending: nonces must not collide
    try:
        with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
            responses = list(pool.map(lambda body: relay_client.post("/v1/delegations", json=body), bodies))
        assert [r.status_code for r in responses] == [202] * len(bodies), [r.text for r in responses]
        hashes = [r.json()["tx_hash"] for r in responses]
        nonces = sorted(int(web3.eth.get_transaction(h)["nonce"]) for h in hashes)
        assert nonces == list(range(start, start + len(bodies)))
        chain.mine(1)
    finally:
        chain.provider.auto_mine = True

    receipts = [wait_receipt(web3, h) for h in hashes]
    assert all(receipt["status"] == 1 for receipt in receipts)
    assert all(token.delegates(holder.address) == delegatee.address for holder in holders)
    assert token.getVotes(delegatee) == sum(range(1, len(holders) + 1)) * AZR


def test_delegation__two_api_processes_sharing_redis__distinct_nonces_all_mined(
    make_relay_client: Callable[..., TestClient],
    relay_stack: RelayStack,
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    chain: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    # Two apps (two event loops, two process locks) stand for two API replicas of one relayer key.
    replicas = [make_relay_client(), make_relay_client()]
    token = relay_stack.token
    holders = fresh_accounts(8)
    for holder in holders:
        token.transfer(holder.address, AZR, sender=accounts[2])
    jobs = [(replicas[n % 2], delegation(holder, accounts[5])) for n, holder in enumerate(holders)]
    start = relayer_nonce(web3, relayer_address)

    chain.provider.auto_mine = False
    try:
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            responses = list(pool.map(lambda job: job[0].post("/v1/delegations", json=job[1]), jobs))
        assert [r.status_code for r in responses] == [202] * len(jobs), [r.text for r in responses]
        hashes = [r.json()["tx_hash"] for r in responses]
        nonces = sorted(int(web3.eth.get_transaction(h)["nonce"]) for h in hashes)
        assert nonces == list(range(start, start + len(jobs)))
        chain.mine(1)
    finally:
        chain.provider.auto_mine = True

    assert all(wait_receipt(web3, h)["status"] == 1 for h in hashes)
    assert all(token.delegates(holder.address) == accounts[5].address for holder in holders)


def test_delegation__no_relayer_keystore__503_and_nothing_sent(
    make_relay_client: Callable[..., TestClient],
    delegation: Callable[..., dict[str, Any]],
    accounts: Any,
    tmp_path: Any,
) -> None:
    client = make_relay_client(home=tmp_path)

    response = client.post("/v1/delegations", json=delegation(accounts[1], accounts[5]))

    problem = assert_problem(response, 503, type_suffix="relay-unavailable")
    assert "no relayer keystore" in problem["detail"]


def test_relays__no_rpc_node__503_but_bad_body_still_422(
    make_relay_client: Callable[..., TestClient], delegation: Callable[..., dict[str, Any]], accounts: Any
) -> None:
    client = make_relay_client(rpc_url=None)

    assert_problem(client.post("/v1/delegations", json=delegation(accounts[1], accounts[5])), 503)
    assert_problem(client.post("/v1/delegations", json={"delegatee": "nope"}), 422)
