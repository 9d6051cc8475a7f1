"""`POST /v1/governance/votes`: a signed castVoteBySig ballot relayed by the API relayer (anvil + Redis).

Proposals come from `make_proposal` (dev governance: 1-block voting delay, 20-block period).
Every rejection also checks that nothing was sent: the relayer's nonce on chain is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_problem
from tests.api.relay_fixtures import *  # noqa: F403 - the fixtures of relay_fixtures.__all__
from tests.api.relay_fixtures import RelayStack, wait_receipt

FOR, AGAINST, ABSTAIN = 1, 0, 2


def relayer_nonce(web3: Any, relayer_address: str) -> int:
    return int(web3.eth.get_transaction_count(relayer_address, "pending"))


@pytest.mark.parametrize("support", [AGAINST, FOR, ABSTAIN])
def test_vote__valid_ballot__relayed_mined_and_counted(
    relay_client: TestClient,
    governor: Any,
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
    support: int,
) -> None:
    voter = accounts[2]
    proposal_id = make_proposal(voter)
    weight = governor.getVotes(voter, governor.proposalSnapshot(proposal_id))

    response = relay_client.post("/v1/governance/votes", json=ballot(voter, proposal_id, support))

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["voter"] == voter.address
    assert body["proposal_id"] == str(proposal_id)
    assert body["weight"] == str(weight) and weight > 0
    assert body["relayer"] == relayer_address
    receipt = wait_receipt(web3, body["tx_hash"])
    assert receipt["status"] == 1
    assert web3.eth.get_transaction(body["tx_hash"])["from"] == relayer_address
    assert governor.hasVoted(proposal_id, voter)
    assert governor.nonces(voter) == 1
    votes = governor.proposalVotes(proposal_id)  # (against, for, abstain)
    assert votes[support] == weight
    assert sum(votes) == weight


def test_vote__erc1271_contract_voter__relayed_and_counted(
    relay_client: TestClient,
    relay_stack: RelayStack,
    project: Any,
    governor: Any,
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
) -> None:
    owner, holder = accounts[5], accounts[3]
    wallet = project.TestERC1271Signer.deploy(owner, sender=accounts[0])
    relay_stack.token.invoke_transaction("delegate", wallet.address, sender=holder)  # votes to the wallet
    proposal_id = make_proposal()

    response = relay_client.post(
        "/v1/governance/votes", json=ballot(wallet.address, proposal_id, FOR, signer=owner)
    )

    assert response.status_code == 202, response.text
    assert wait_receipt(web3, response.json()["tx_hash"])["status"] == 1
    assert governor.hasVoted(proposal_id, wallet.address)
    assert governor.proposalVotes(proposal_id)[FOR] == relay_stack.token.balanceOf(holder)


def test_vote__erc1271_wallet_refuses__422_invalid_signature(
    relay_client: TestClient,
    relay_stack: RelayStack,
    project: Any,
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    accounts: Any,
) -> None:
    wallet = project.TestERC1271Signer.deploy(accounts[5], sender=accounts[0])
    relay_stack.token.invoke_transaction("delegate", wallet.address, sender=accounts[3])
    proposal_id = make_proposal()

    body = ballot(wallet.address, proposal_id, FOR, signer=accounts[6])  # not the wallet's owner
    response = relay_client.post("/v1/governance/votes", json=body)

    problem = assert_problem(response, 422, type_suffix="invalid-signature")
    assert "ERC-1271" in problem["detail"]


def test_vote__signed_by_another_key__422_invalid_signature(
    relay_client: TestClient,
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    voter = accounts[2]
    proposal_id = make_proposal(voter)
    before = relayer_nonce(web3, relayer_address)

    response = relay_client.post(
        "/v1/governance/votes", json=ballot(voter, proposal_id, FOR, signer=accounts[3])
    )

    problem = assert_problem(response, 422, type_suffix="invalid-signature")
    assert accounts[3].address in problem["detail"]
    assert relayer_nonce(web3, relayer_address) == before


def test_vote__signed_for_wrong_nonce__422_invalid_signature_naming_nonce(
    relay_client: TestClient,
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    voter = accounts[2]
    proposal_id = make_proposal(voter)
    before = relayer_nonce(web3, relayer_address)

    response = relay_client.post("/v1/governance/votes", json=ballot(voter, proposal_id, FOR, nonce=1))

    problem = assert_problem(response, 422, type_suffix="invalid-signature")
    assert "with nonce 0" in problem["detail"]
    assert relayer_nonce(web3, relayer_address) == before


def test_vote__proposal_defeated__422_not_active_naming_state(
    relay_client: TestClient,
    governor: Any,
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    accounts: Any,
    chain: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    voter = accounts[2]
    proposal_id = make_proposal(voter)
    chain.mine(governor.votingPeriod() + 1)
    before = relayer_nonce(web3, relayer_address)

    response = relay_client.post("/v1/governance/votes", json=ballot(voter, proposal_id, FOR))

    problem = assert_problem(response, 422, type_suffix="proposal-not-active")
    assert problem["state"] == "Defeated"
    assert relayer_nonce(web3, relayer_address) == before


def test_vote__proposal_pending__422_not_active(
    relay_client: TestClient,
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    governor: Any,
    accounts: Any,
) -> None:
    voter = accounts[2]
    proposal_id = make_proposal(voter, active=False)
    assert governor.state(proposal_id) == 0

    response = relay_client.post("/v1/governance/votes", json=ballot(voter, proposal_id, FOR))

    assert assert_problem(response, 422, type_suffix="proposal-not-active")["state"] == "Pending"


def test_vote__unknown_proposal__422_unknown_proposal(
    relay_client: TestClient, ballot: Callable[..., dict[str, Any]], accounts: Any
) -> None:
    response = relay_client.post("/v1/governance/votes", json=ballot(accounts[2], 12345, FOR))

    assert_problem(response, 422, type_suffix="unknown-proposal")


def test_vote__voter_without_weight__422_no_voting_weight(
    relay_client: TestClient,
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    voter = accounts[5]  # holds no AZR
    proposal_id = make_proposal(voter)
    before = relayer_nonce(web3, relayer_address)

    response = relay_client.post("/v1/governance/votes", json=ballot(voter, proposal_id, FOR))

    assert_problem(response, 422, type_suffix="no-voting-weight")
    assert relayer_nonce(web3, relayer_address) == before


def test_vote__already_voted__409_already_done(
    relay_client: TestClient,
    governor: Any,
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
    relayer_address: str,
) -> None:
    voter = accounts[2]
    proposal_id = make_proposal(voter)
    governor.castVote(proposal_id, AGAINST, sender=voter)
    before = relayer_nonce(web3, relayer_address)

    response = relay_client.post("/v1/governance/votes", json=ballot(voter, proposal_id, FOR))

    assert_problem(response, 409, type_suffix="already-done")
    assert relayer_nonce(web3, relayer_address) == before


def test_vote__with_reason__422_unsupported_field(
    relay_client: TestClient,
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    accounts: Any,
) -> None:
    voter = accounts[2]
    proposal_id = make_proposal(voter)

    body = {**ballot(voter, proposal_id, FOR), "reason": "I like it"}
    response = relay_client.post("/v1/governance/votes", json=body)

    assert_problem(response, 422, type_suffix="unsupported-field")


@pytest.mark.parametrize(
    "change",
    [{"support": 3}, {"signature": "0x" + "11" * 64}, {"voter": "0x12"}, {"proposal_id": "1e3"}],
)
def test_vote__malformed_body__422_invalid_request(
    relay_client: TestClient, ballot: Callable[..., dict[str, Any]], accounts: Any, change: dict[str, Any]
) -> None:
    response = relay_client.post("/v1/governance/votes", json={**ballot(accounts[2], 1, FOR), **change})

    assert_problem(response, 422, type_suffix="invalid-request")


def test_vote__over_per_address_limit__429_with_retry_after(
    make_relay_client: Callable[..., TestClient],
    make_proposal: Callable[..., int],
    ballot: Callable[..., dict[str, Any]],
    accounts: Any,
    web3: Any,
) -> None:
    client = make_relay_client(relay_rate_limit_per_address=1)
    voter = accounts[2]
    first_id = make_proposal(voter)
    first = client.post("/v1/governance/votes", json=ballot(voter, first_id, FOR))
    assert first.status_code == 202, first.text
    wait_receipt(web3, first.json()["tx_hash"])
    second_id = make_proposal(voter)

    second = client.post("/v1/governance/votes", json=ballot(voter, second_id, FOR))

    assert_problem(second, 429, type_suffix="rate-limited")
    assert int(second.headers["Retry-After"]) >= 1
