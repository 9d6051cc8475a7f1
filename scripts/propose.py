"""`ape run propose`: submit a governance proposal described by a YAML file.

    ape run propose proposals/epoch-budget.yaml --network ethereum:local:foundry
    ape run propose my.yaml --proposer azora-council --network ethereum:sepolia
    ape run propose my.yaml --dry-run            # print the encoded calls and the id only

The file lists the actions (contract from the deployment manifest, function, args, value)
and the description; see azora/governance.py for the format. The calls are encoded and
checked against the manifest ABIs before anything is sent; the printed id is the one the
API (/v1/proposals/{id}) and every OpenZeppelin-Governor tool use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand, ape_cli_context

from azora.deploy import network_label
from azora.exceptions import AzoraError
from azora.governance import GovernorClient, load_proposal
from azora.manifest import load_manifest
from azora.settings import get_settings

AZR = 10**18


@click.command(cls=ConnectedProviderCommand, short_help="Submit a governance proposal from a YAML file")
@ape_cli_context()
@click.argument("proposal_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--proposer", "proposer_alias", default=None, help="Ape account alias (local: test account 1).")
@click.option("--dry-run", is_flag=True, help="Encode and print the proposal, send nothing.")
def cli(cli_ctx: Any, network: Any, proposal_file: Path, proposer_alias: str | None, dry_run: bool) -> None:
    settings = get_settings()
    manifest_path = settings.manifest_path(network_label(network))
    try:
        manifest = load_manifest(manifest_path)
        proposal = load_proposal(proposal_file, manifest, manifest_path)
    except AzoraError as exc:
        raise click.UsageError(str(exc)) from exc
    project = cli_ctx.local_project
    governor = project.AzoraGovernor.at(manifest.address("AzoraGovernor"))
    client = GovernorClient(governor, cli_ctx.chain_manager, manifest.contract("AzoraGovernor").block_number)

    click.echo(f"proposal {proposal.id}")
    for number, action in enumerate(proposal.actions, start=1):
        click.echo(f"  {number}. {action.label}  -> {action.target}  value {action.value}")
        click.echo(f"     calldata 0x{action.calldata.hex()}")
    if dry_run:
        return

    if proposer_alias:
        proposer = cli_ctx.account_manager.load(proposer_alias)
    elif network.is_local:
        proposer = cli_ctx.account_manager.test_accounts[1]
    else:
        raise click.UsageError("name the proposer's ape account with --proposer on a live network")
    token = project.AzoraToken.at(manifest.address("AzoraToken"))
    clock = governor.clock()
    votes, threshold = token.getPastVotes(proposer, clock - 1), governor.proposalThreshold()
    if votes < threshold:
        raise click.UsageError(
            f"{proposer.address} has {votes / AZR:,.0f} AZR of votes at block {clock - 1}; "
            f"proposing needs {threshold / AZR:,.0f} (delegate to yourself first)"
        )
    try:
        client.propose(proposal, proposer)
    except AzoraError as exc:
        raise click.ClickException(str(exc)) from exc
    summary = client.summary(proposal.id)
    click.echo(
        f"proposed by {proposer.address}: state {summary['state']}, "
        f"voting from block {summary['snapshot'] + 1} to {summary['deadline']}"
    )
