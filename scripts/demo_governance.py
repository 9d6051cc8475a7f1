"""`ape run demo_governance --api URL`: one governance proposal through its whole lifecycle.

Played by `azora up --demo` once the system is up (local chains only). Amara proposes to
double the ProofOfKnowledge epoch budget; the ethics oracle reviews the proposal on its own
(it follows the indexer's event bus); Kofi and Zola vote without paying gas (they sign
ballots, the API relays them); Amara votes with a reason; then queue, time travel past
the Timelock delay, execute. Each step is read back from the REST API.
"""

from __future__ import annotations

import time
from typing import Any

import click
import httpx
from ape.cli import ConnectedProviderCommand, ape_cli_context
from eth_account import Account
from eth_account.messages import encode_typed_data

from azora.deploy import network_label
from azora.governance import GovernorClient, ProposalState, Support, build_proposal
from azora.manifest import load_manifest
from azora.settings import get_settings

AZR = 10**18
BALLOT_TYPES = {
    "Ballot": [
        {"name": "proposalId", "type": "uint256"},
        {"name": "support", "type": "uint8"},
        {"name": "voter", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ]
}


@click.command(cls=ConnectedProviderCommand, short_help="Play a governance proposal end to end")
@ape_cli_context()
@click.option("--api", required=True, help="Base URL of the running Azora API.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for the review / indexer.")
def cli(cli_ctx: Any, network: Any, api: str, timeout: float) -> None:
    if not network.is_local:
        raise click.UsageError("the demo only runs on a local chain (it moves time forward)")
    chain = cli_ctx.chain_manager
    path = get_settings().manifest_path(network_label(network))
    manifest = load_manifest(path)
    project = cli_ctx.local_project
    governor = project.AzoraGovernor.at(manifest.address("AzoraGovernor"))
    pok = project.ProofOfKnowledge.at(manifest.address("ProofOfKnowledge"))
    client = GovernorClient(governor, chain, manifest.contract("AzoraGovernor").block_number)
    amara, kofi, zola = cli_ctx.account_manager.test_accounts[1:4]

    budget = pok.epoch_budget()
    proposal = build_proposal(
        {
            "description": (
                f"# Double the learn-to-earn epoch budget to {2 * budget // AZR:,} AZR\n"
                "Rationale: completions are growing and the current budget would run out mid-epoch; "
                "the Ubuntu share keeps the treasury whole.\n"
                f"(demo at block {chain.blocks.head.number})"
            ),
            "actions": [
                {"contract": "ProofOfKnowledge", "function": "set_epoch_budget", "args": [2 * budget]}
            ],
        },
        manifest,
        path,
    )
    with httpx.Client(base_url=api, timeout=10) as http:
        pid = client.propose(proposal, amara)
        click.echo(f"proposal {pid}: {proposal.actions[0].label} (proposed by {amara.address})")

        # The ethics oracle reviews it on its own: indexer -> event bus -> rules -> 2-of-3 signatures -> hub.
        review = _wait(lambda: _review(http, pid), timeout, "the ethics oracle's review")
        reasons = "; ".join(r["message"] for r in review.get("reasons") or []) or "no rule objects"
        click.echo(f"  constitutional review: {review['verdict_name']} ({reasons})")

        client.mine_until_active(pid)
        for voter in (kofi, zola):
            body = _ballot(governor, chain.chain_id, pid, Support.FOR, voter)
            response = http.post("/v1/governance/votes", json=body)
            if response.status_code != 202:
                raise click.ClickException(f"relay refused a vote: {response.status_code} {response.text}")
            click.echo(f"  gasless vote FOR by {voter.address} relayed: tx {response.json()['tx_hash']}")
        _wait(lambda: all(governor.hasVoted(pid, v) for v in (kofi, zola)) or None, timeout, "relayed votes")
        client.vote(pid, Support.FOR, amara, reason="Learners first: Ubuntu.")
        click.echo("  vote FOR by the proposer, with a reason")

        client.mine_until_closed(pid)
        click.echo(f"  voting closed: {client.state(pid).name}")
        client.queue(pid, amara)
        click.echo(f"  queued on the Timelock, ETA {governor.proposalEta(pid)} (unix time)")
        client.wait_for_eta(pid)
        client.execute(pid, amara)
        click.echo(f"  executed: epoch budget {budget // AZR:,} -> {pok.epoch_budget() // AZR:,} AZR")

        served = _wait(
            lambda: (p := _proposal(http, pid)) and p["state"] == "executed" and p or None,
            timeout,
            "the indexer to show the execution",
        )
        tally = served["votes"]
        click.echo(
            f"API /v1/proposals/{pid}: state {served['state']}, "
            f"for {int(tally['for']) // AZR:,} AZR, against {int(tally['against']) // AZR:,} AZR"
        )
        click.echo(f"  curl -s {api}/v1/proposals/{pid}")
        click.echo(f"  curl -s {api}/v1/proposals/{pid}/votes")
    if client.state(pid) is not ProposalState.EXECUTED:
        raise click.ClickException("the proposal did not execute")


def _proposal(http: httpx.Client, pid: int) -> dict[str, Any] | None:
    """The proposal as the API serves it (None until it is indexed)."""
    response = http.get(f"/v1/proposals/{pid}")
    if response.status_code != 200:
        return None
    data: dict[str, Any] = response.json()["data"]
    return data


def _review(http: httpx.Client, pid: int) -> dict[str, Any] | None:
    """The proposal's review as the API serves it, once there is one with verified reasons."""
    proposal = _proposal(http, pid)
    review: dict[str, Any] | None = proposal and proposal.get("review")
    return review if review and review.get("reasons_verified") else None


def _ballot(governor: Any, chain_id: int, pid: int, support: int, voter: Any) -> dict[str, Any]:
    """A castVoteBySig payload signed by `voter` (an ape test account, key held locally)."""
    message = {
        "proposalId": pid,
        "support": int(support),
        "voter": voter.address,
        "nonce": governor.nonces(voter),
    }
    domain = {
        "name": "AzoraGovernor",
        "version": "1",
        "chainId": chain_id,
        "verifyingContract": governor.address,
    }
    signable = encode_typed_data(domain_data=domain, message_types=BALLOT_TYPES, message_data=message)
    signed = Account.sign_message(signable, voter.private_key)
    return {
        "proposal_id": str(pid),
        "support": int(support),
        "voter": voter.address,
        "signature": "0x" + bytes(signed.signature).hex(),
    }


def _wait(probe: Any, timeout: float, what: str) -> Any:
    """Poll `probe` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := probe():
            return result
        time.sleep(0.5)
    raise click.ClickException(f"timed out waiting for {what}")
