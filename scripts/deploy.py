"""`ape run deploy`: deploy the Azora contracts and write deployments/<network>.json.

    ape run deploy --network ethereum:local:foundry            # dev profile
    ape run deploy --network ethereum:sepolia --profile production --deployer azora-deployer

Every admin role ends with the AzoraTimelock, which only the AzoraGovernor drives; the
deployer renounces everything it held (``--admin 0x...`` names another admin instead, for
staged roll-outs). Re-running against a network whose manifest contracts are still live
does nothing.
"""

from __future__ import annotations

from typing import Any

import click
from ape.cli import ConnectedProviderCommand, ape_cli_context

from azora.deploy import deploy, network_label
from azora.exceptions import AzoraError
from azora.profiles import get_profile
from azora.settings import get_settings


@click.command(cls=ConnectedProviderCommand, short_help="Deploy the Azora contracts")
@ape_cli_context()
@click.option("--profile", "profile_name", default=None, help="Deploy profile: dev or production.")
@click.option(
    "--admin",
    default=None,
    help="Admin of the Azora contracts instead of the Timelock (default: the Timelock).",
)
@click.option("--deployer", "deployer_alias", default=None, help="Ape account alias (local: test account 0).")
@click.option("--force", is_flag=True, help="Deploy afresh even if the manifest's contracts are live.")
def cli(
    cli_ctx: Any,
    network: Any,
    provider: Any,
    profile_name: str | None,
    admin: str | None,
    deployer_alias: str | None,
    force: bool,
) -> None:
    settings = get_settings()
    network_name = network_label(network)
    try:
        profile = get_profile(profile_name or settings.profile, settings.home / "keystores")
    except AzoraError as exc:
        raise click.UsageError(str(exc)) from exc
    if deployer_alias:
        deployer = cli_ctx.account_manager.load(deployer_alias)
    elif network.is_local:
        deployer = cli_ctx.account_manager.test_accounts[0]
    else:
        raise click.UsageError("name the deployer's ape account with --deployer on a live network")

    outcome = deploy(
        project=cli_ctx.local_project,
        provider=provider,
        deployer=deployer,
        profile=profile,
        network=network_name,
        manifest_path=settings.manifest_path(network_name),
        admin=admin or settings.admin,
        force=force,
    )
    manifest = outcome.manifest
    state = "already deployed (reused)" if outcome.reused else "deployed"
    click.echo(f"Azora contracts {state} on {network_name} (chain id {manifest.chain_id}):")
    for name, record in manifest.contracts.items():
        click.echo(f"  {name:<17} {record.address}  (block {record.block_number})")
    click.echo(f"  admin             {manifest.admin}  (deployer {deployer.address} holds no role)")
    click.echo(f"manifest: {settings.manifest_path(network_name)}")
