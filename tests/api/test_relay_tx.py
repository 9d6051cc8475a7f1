"""`POST /v1/tx`: a user-signed raw transaction broadcast only to Azora contracts (anvil + Redis).

The sender pays gas: the API relayer never signs anything here (its nonce stays put).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import rlp
from eth_account import Account
from fastapi.testclient import TestClient

from tests.api.conftest import assert_problem
from tests.api.relay_fixtures import *  # noqa: F403 - the fixtures of relay_fixtures.__all__
from tests.api.relay_fixtures import AZR, RelayStack, wait_receipt

MAX_GAS = 1_000_000  # the default API_RELAY_MAX_GAS


def transfer_data(token: Any, to: str, amount: int) -> bytes:
    return bytes(token.transfer.encode_input(to, amount))


@pytest.mark.parametrize("legacy", [False, True], ids=["eip1559", "legacy"])
def test_tx__token_transfer_signed_by_user__broadcast_and_mined(
    relay_client: TestClient,
    relay_stack: RelayStack,
    signed_tx: Callable[..., str],
    accounts: Any,
    web3: Any,
    relayer_address: str,
    legacy: bool,
) -> None:
    token = relay_stack.token
    sender, recipient = accounts[1], accounts[5]
    relayer_before = web3.eth.get_transaction_count(relayer_address)
    raw = signed_tx(sender, token.address, transfer_data(token, recipient.address, 7 * AZR), legacy=legacy)

    response = relay_client.post("/v1/tx", json={"raw_transaction": raw})

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["from"] == sender.address
    assert body["to"] == token.address
    assert body["contract"] == "AzoraToken"
    receipt = wait_receipt(web3, body["tx_hash"])
    assert receipt["status"] == 1
    assert receipt["from"] == sender.address
    assert token.balanceOf(recipient) == 7 * AZR
    assert web3.eth.get_transaction_count(relayer_address) == relayer_before


def test_tx__cast_vote_with_reason__broadcast_and_counted(
    relay_client: TestClient,
    governor: Any,
    make_proposal: Callable[..., int],
    signed_tx: Callable[..., str],
    accounts: Any,
    web3: Any,
) -> None:
    voter = accounts[2]
    proposal_id = make_proposal(voter)
    data = bytes(governor.castVoteWithReason.encode_input(proposal_id, 1, "relayed with a reason"))

    response = relay_client.post("/v1/tx", json={"raw_transaction": signed_tx(voter, governor.address, data)})

    assert response.status_code == 202, response.text
    assert wait_receipt(web3, response.json()["tx_hash"])["status"] == 1
    assert governor.hasVoted(proposal_id, voter)


def test_tx__signed_for_other_chain__422_wrong_chain(
    relay_client: TestClient, relay_stack: RelayStack, signed_tx: Callable[..., str], accounts: Any
) -> None:
    token = relay_stack.token
    raw = signed_tx(accounts[1], token.address, transfer_data(token, accounts[5].address, AZR), chain_id=1)

    response = relay_client.post("/v1/tx", json={"raw_transaction": raw})

    problem = assert_problem(response, 422, type_suffix="wrong-chain")
    assert problem["expected_chain_id"] == relay_stack.manifest.chain_id


def test_tx__pre_eip155_legacy__422_wrong_chain(
    relay_client: TestClient, relay_stack: RelayStack, signed_tx: Callable[..., str], accounts: Any
) -> None:
    token = relay_stack.token
    raw = signed_tx(
        accounts[1], token.address, transfer_data(token, accounts[5].address, AZR), chain_id=-1, legacy=True
    )

    response = relay_client.post("/v1/tx", json={"raw_transaction": raw})

    assert "no chain id" in assert_problem(response, 422, type_suffix="wrong-chain")["detail"]


def test_tx__target_not_an_azora_contract__403(
    relay_client: TestClient, signed_tx: Callable[..., str], accounts: Any, web3: Any
) -> None:
    sender = accounts[1]
    nonce = web3.eth.get_transaction_count(sender.address)
    raw = signed_tx(sender, accounts[5].address, value=10**18)

    response = relay_client.post("/v1/tx", json={"raw_transaction": raw})

    assert_problem(response, 403, type_suffix="target-not-allowed")
    assert web3.eth.get_transaction_count(sender.address, "pending") == nonce


def test_tx__contract_creation__403(
    relay_client: TestClient, signed_tx: Callable[..., str], accounts: Any
) -> None:
    raw = signed_tx(accounts[1], None, bytes.fromhex("6080604052"))

    response = relay_client.post("/v1/tx", json={"raw_transaction": raw})

    assert "deploys a contract" in assert_problem(response, 403, type_suffix="target-not-allowed")["detail"]


def test_tx__gas_limit_over_cap__422_gas_cap_exceeded(
    relay_client: TestClient, relay_stack: RelayStack, signed_tx: Callable[..., str], accounts: Any
) -> None:
    token = relay_stack.token
    raw = signed_tx(
        accounts[1], token.address, transfer_data(token, accounts[5].address, AZR), gas=MAX_GAS + 1
    )

    response = relay_client.post("/v1/tx", json={"raw_transaction": raw})

    problem = assert_problem(response, 422, type_suffix="gas-cap-exceeded")
    assert problem["max_gas"] == MAX_GAS and problem["gas"] == MAX_GAS + 1


def test_tx__call_reverts__422_with_revert_reason_and_not_broadcast(
    relay_client: TestClient, relay_stack: RelayStack, signed_tx: Callable[..., str], accounts: Any, web3: Any
) -> None:
    token, poor = relay_stack.token, accounts[5]
    web3.eth.send_transaction({"from": accounts[0].address, "to": poor.address, "value": 10**18})
    nonce = web3.eth.get_transaction_count(poor.address)
    raw = signed_tx(poor, token.address, transfer_data(token, accounts[1].address, AZR))  # poor holds no AZR

    response = relay_client.post("/v1/tx", json={"raw_transaction": raw})

    problem = assert_problem(response, 422, type_suffix="simulation-reverted")
    assert problem["revert_reason"]
    assert problem["revert_reason"] in problem["detail"]
    assert web3.eth.get_transaction_count(poor.address, "pending") == nonce


def test_tx__nonce_already_used__422_node_refused(
    relay_client: TestClient, relay_stack: RelayStack, signed_tx: Callable[..., str], accounts: Any
) -> None:
    token, sender = relay_stack.token, accounts[1]
    token.transfer(accounts[5], AZR, sender=sender)  # uses a nonce
    raw = signed_tx(sender, token.address, transfer_data(token, accounts[5].address, AZR), nonce=0)

    response = relay_client.post("/v1/tx", json={"raw_transaction": raw})

    assert "nonce" in assert_problem(response, 422, type_suffix="node-refused")["detail"].lower()


@pytest.mark.parametrize(
    "raw",
    [
        "0x" + "c0",  # an empty RLP list
        "0x02" + "c3010203",  # a typed envelope with too few fields
        "0x03" + "c0",  # blob transaction
        "0x04" + "c0",  # set-code transaction
        "0x7f" + "00",  # unknown type
    ],
)
def test_tx__undecodable_or_unsupported__422_invalid_transaction(relay_client: TestClient, raw: str) -> None:
    response = relay_client.post("/v1/tx", json={"raw_transaction": raw})

    assert_problem(response, 422, type_suffix="invalid-transaction")


def test_tx__signature_does_not_recover__422_invalid_transaction(
    relay_client: TestClient, relay_stack: RelayStack, signed_tx: Callable[..., str], accounts: Any
) -> None:
    token = relay_stack.token
    raw = bytes.fromhex(
        signed_tx(accounts[1], token.address, transfer_data(token, accounts[5].address, AZR))[2:]
    )
    fields = rlp.decode(raw[1:])
    fields[-2] = b""  # r = 0
    tampered = "0x02" + rlp.encode(fields).hex()

    response = relay_client.post("/v1/tx", json={"raw_transaction": tampered})

    assert_problem(response, 422, type_suffix="invalid-transaction")


@pytest.mark.parametrize("raw", ["", "0x", "0x123", "0xzz", "02f8"])
def test_tx__malformed_hex__422_invalid_request(relay_client: TestClient, raw: str) -> None:
    assert_problem(
        relay_client.post("/v1/tx", json={"raw_transaction": raw}), 422, type_suffix="invalid-request"
    )


def test_tx__over_per_address_limit__429_keyed_by_recovered_sender(
    make_relay_client: Callable[..., TestClient],
    relay_stack: RelayStack,
    signed_tx: Callable[..., str],
    accounts: Any,
    web3: Any,
) -> None:
    client = make_relay_client(relay_rate_limit_per_address=2)
    token, sender = relay_stack.token, accounts[1]
    for _ in range(2):
        raw = signed_tx(sender, token.address, transfer_data(token, accounts[5].address, AZR))
        ok = client.post("/v1/tx", json={"raw_transaction": raw})
        assert ok.status_code == 202, ok.text
        wait_receipt(web3, ok.json()["tx_hash"])

    raw = signed_tx(sender, token.address, transfer_data(token, accounts[5].address, AZR))
    limited = client.post("/v1/tx", json={"raw_transaction": raw})
    other = client.post(
        "/v1/tx",
        json={
            "raw_transaction": signed_tx(
                accounts[2], token.address, transfer_data(token, accounts[5].address, AZR)
            )
        },
    )

    problem = assert_problem(limited, 429, type_suffix="rate-limited")
    assert problem["address"] == sender.address
    assert int(limited.headers["Retry-After"]) >= 1
    assert other.status_code == 202, other.text


def test_tx__simulation_off__reverting_call_broadcast_and_reverts_on_chain(
    make_relay_client: Callable[..., TestClient],
    relay_stack: RelayStack,
    signed_tx: Callable[..., str],
    accounts: Any,
    web3: Any,
) -> None:
    client = make_relay_client(relay_simulate_raw_transactions=False)
    token, poor = relay_stack.token, Account.create()
    web3.eth.send_transaction({"from": accounts[0].address, "to": poor.address, "value": 10**18})
    raw = signed_tx(poor, token.address, transfer_data(token, accounts[1].address, AZR))

    response = client.post("/v1/tx", json={"raw_transaction": raw})

    assert response.status_code == 202, response.text
    assert wait_receipt(web3, response.json()["tx_hash"])["status"] == 0
