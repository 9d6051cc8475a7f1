"""A platform revokes the credential of a confirmed completion through the intake
(`POST /v1/oracles/education/completions/{id}/revocation`): on anvil, with in-process signers and
relay, the CredentialRevoked attestation burns the credential; a credential already gone makes the
revocation fail with the consumer's reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
from eth_utils import to_checksum_address

from oracles.models import CONFIRMED, FAILED
from oracles.relay import Relay
from oracles.settings import OracleSettings
from tests.oracles.conftest import (
    Stack,
    attested_counts,
    completion_payload,
    post_completion,
    revocation_path,
    run_relay,
    submissions,
)

RunSigners = Callable[..., None]
MakeRelay = Callable[..., Relay]
IntakeClient = Callable[..., Any]


def credentials_contract(project: Any, stack: Stack) -> Any:
    return project.Credentials.at(stack.manifest.address("Credentials"))


def confirmed_completion(client: Any, relay: Relay) -> dict[str, Any]:
    """A completion reported through the intake and relayed until its credential is issued."""
    response = post_completion(client, completion_payload())
    assert response.status_code == 202, response.text
    completion: dict[str, Any] = response.json()
    run_relay(relay, [completion["id"]])
    assert submissions(relay.settings)[completion["id"]].status == CONFIRMED
    return completion


def test_revocation__confirmed_completion__credential_burned_and_status_confirmed(
    stack: Stack,
    project: Any,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
    intake_client: IntakeClient,
) -> None:
    client = intake_client(oracle_settings)
    run_signers()
    relay = make_relay()
    completion = confirmed_completion(client, relay)
    credentials = credentials_contract(project, stack)
    token_id, learner = int(completion["id"], 16), completion["learner"]
    assert credentials.ownerOf(token_id) == learner and credentials.balanceOf(learner) == 1

    response = post_completion(
        client, {"statement": "final exam plagiarised"}, path=revocation_path(completion["id"])
    )
    assert response.status_code == 202, response.text
    revocation = response.json()
    run_relay(relay, [revocation["id"]])

    read = client.get(revocation_path(completion["id"])).json()
    assert (read["status"], read["reason"], read["statement"]) == (CONFIRMED, None, "final exam plagiarised")
    row = submissions(oracle_settings)[revocation["id"]]
    assert read["tx_hash"] == row.tx_hash and read["block_number"] == row.block_number is not None
    assert not credentials.exists(token_id) and credentials.balanceOf(learner) == 0
    with ape.reverts():
        credentials.ownerOf(token_id)
    # The (learner, course) pair stays spent on chain.
    assert credentials.credential_of(to_checksum_address(learner), int(completion["course_id"])) == 0
    assert attested_counts(stack)[revocation["id"]] == 1
    assert client.get(f"/v1/oracles/education/completions/{completion['id']}").json()["status"] == CONFIRMED


def test_revocation__credential_already_burned__failed_with_consumer_reason(
    stack: Stack,
    project: Any,
    accounts: Any,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
    intake_client: IntakeClient,
) -> None:
    client = intake_client(oracle_settings)
    run_signers()
    relay = make_relay()
    completion = confirmed_completion(client, relay)
    credentials = credentials_contract(project, stack)
    admin = accounts[0]  # the test deployment's admin (the Timelock in a real one)
    credentials.grantRole(credentials.ISSUER_ROLE(), admin, sender=admin)
    credentials.revoke(int(completion["id"], 16), sender=admin)

    statement = {"statement": "duplicate account"}
    response = post_completion(client, statement, path=revocation_path(completion["id"]))
    assert response.status_code == 202, response.text
    revocation = response.json()
    run_relay(relay, [revocation["id"]])
    read = client.get(revocation_path(completion["id"])).json()
    assert (read["status"], read["reason"]) == (FAILED, "CONSUMER_REJECTED")
    assert "credentials: unknown credential" in (read["detail"] or "")
    assert attested_counts(stack).get(revocation["id"], 0) == 0
