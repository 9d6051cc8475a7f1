"""`ape run demo`: a short scenario on a dev deployment, so the API has something to show.

Demo accounts 1-4 (10M AZR each in the dev genesis) delegate and trade. The admin of
every contract is the Timelock, so nothing here needs an admin key: ledger entries come
from the course-completion rewards that `azora up --demo` posts next.
"""

from __future__ import annotations

from typing import Any

import click
from ape.cli import ConnectedProviderCommand, ape_cli_context

from azora.deploy import network_label
from azora.manifest import load_manifest
from azora.settings import get_settings

AZR = 10**18


@click.command(cls=ConnectedProviderCommand, short_help="Play the demo scenario")
@ape_cli_context()
def cli(cli_ctx: Any, network: Any) -> None:
    if not network.is_local:
        raise click.UsageError("the demo only runs on a local chain")
    manifest = load_manifest(get_settings().manifest_path(network_label(network)))
    project = cli_ctx.local_project
    token = project.AzoraToken.at(manifest.address("AzoraToken"))
    amara, kofi, zola, thabo = cli_ctx.account_manager.test_accounts[1:5]

    for holder in (amara, kofi, zola):
        token.invoke_transaction("delegate", holder, sender=holder)
    token.invoke_transaction("delegate", amara, sender=thabo)  # thabo backs amara
    token.transfer(kofi, 250_000 * AZR, sender=amara)
    token.transfer(zola, 1_000 * AZR, sender=kofi)
    token.burn(500 * AZR, sender=zola)

    click.echo("demo: 4 delegations, 2 transfers, 1 burn")
    click.echo(f"  votes of {amara.address}: {token.getVotes(amara) // AZR:,} AZR")
