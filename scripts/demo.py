"""`ape run demo`: a short scenario on a dev deployment, so the API has something to show.

Demo accounts 1-4 (10M AZR each in the dev genesis) delegate and trade; the admin
(the deployer in dev) names itself a ledger writer and records two treasury inflows.
Later steps extend it: course completions, a governance proposal.
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
    ledger = project.Ledger.at(manifest.address("Ledger"))
    admin, amara, kofi, zola, thabo = cli_ctx.account_manager.test_accounts[:5]

    for holder in (amara, kofi, zola):
        token.invoke_transaction("delegate", holder, sender=holder)
    token.invoke_transaction("delegate", amara, sender=thabo)  # thabo backs amara
    token.transfer(kofi, 250_000 * AZR, sender=amara)
    token.transfer(zola, 1_000 * AZR, sender=kofi)
    token.burn(500 * AZR, sender=zola)

    if not ledger.hasRole(ledger.WRITER_ROLE(), admin):
        ledger.grantRole(ledger.WRITER_ROLE(), admin, sender=admin)
    for amount, ref in ((40_000_000, b"genesis"), (1_000, b"demo-donation")):
        ledger.record(ledger.TREASURY_IN(), manifest.admin, amount * AZR, ref.ljust(32, b"\0"), sender=admin)

    click.echo("demo: 4 delegations, 2 transfers, 1 burn, 2 ledger entries")
    click.echo(f"  votes of {amara.address}: {token.getVotes(amara) // AZR:,} AZR")
    click.echo(f"  ledger entries: {ledger.count()}, head 0x{bytes(ledger.head()).hex()}")
