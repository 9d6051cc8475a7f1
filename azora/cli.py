"""The `azora` command line: bring the system up, deploy, and inspect it.

azora up [--profile dev] [--fresh]     anvil + deploy (embedded defaults), Ctrl-C stops
azora deploy [--profile dev]           deploy to the configured network (`ape run deploy`)
azora ledger verify                    recompute the ledger hash chain from on-chain events
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import typer

from azora.exceptions import AzoraError
from azora.logs import configure_logging
from azora.manifest import load_abi, load_manifest
from azora.services import Anvil
from azora.settings import PROJECT_ROOT, AzoraSettings, get_settings

app = typer.Typer(help="Azora chain core: contracts, indexer, API and oracles.", no_args_is_help=True)
ledger_app = typer.Typer(help="The auditable ledger.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")

ProfileOption = Annotated[str | None, typer.Option(help="Deploy profile: dev or production.")]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def run_deploy(settings: AzoraSettings, rpc_url: str | None, profile: str | None) -> None:
    """Run `ape run deploy` against `rpc_url` (an already running node) and echo its output."""
    env = dict(os.environ)
    if rpc_url is not None:
        env["APE_FOUNDRY_HOST"] = rpc_url
    argv = [str(Path(sys.executable).parent / "ape"), "run", "deploy", "--network", settings.ape_network]
    if profile:
        argv += ["--profile", profile]
    result = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise AzoraError(f"deploy failed:\n{result.stdout}\n{result.stderr}")
    for line in result.stdout.splitlines():
        if not line.startswith(("INFO:", "SUCCESS:", "WARNING:")):
            typer.echo(line)


@app.command()
def up(
    profile: ProfileOption = None,
    fresh: Annotated[bool, typer.Option(help="Discard the local chain state and start afresh.")] = False,
    anvil_port: Annotated[int | None, typer.Option(help="Port of the embedded anvil.")] = None,
) -> None:
    """Start the local system on embedded defaults (or the servers named by RPC_URL) and deploy."""
    configure_logging()
    settings = get_settings()
    chain_dir = settings.home / "anvil"
    if fresh:
        shutil.rmtree(settings.home, ignore_errors=True)
        settings.manifest_path().unlink(missing_ok=True)

    anvil: Anvil | None = None
    stop = threading.Event()

    def _on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        rpc_url = settings.rpc_url
        if rpc_url is None:
            port = anvil_port or settings.anvil_port
            anvil = Anvil(port=port, state_path=chain_dir / "state.json", log_path=chain_dir / "anvil.log")
            anvil.start()
            rpc_url = anvil.url
            typer.echo(f"anvil        {rpc_url}  (state in {chain_dir})")
        run_deploy(settings, rpc_url, profile)
        typer.secho("Azora is up. Ctrl-C stops everything.", fg=typer.colors.GREEN)
        while not stop.wait(0.5):
            if anvil is not None and anvil._proc is not None and not anvil._proc.alive():
                raise AzoraError(f"anvil exited; see {anvil.log_path}")
    except AzoraError as exc:
        raise _fail(str(exc)) from exc
    finally:
        if anvil is not None:
            anvil.stop()
        typer.echo("stopped.")


@app.command()
def deploy(profile: ProfileOption = None) -> None:
    """Deploy the contracts to the configured network (idempotent)."""
    settings = get_settings()
    try:
        run_deploy(settings, settings.rpc_url, profile)
    except AzoraError as exc:
        raise _fail(str(exc)) from exc


@ledger_app.command("verify")
def ledger_verify(
    rpc_url: Annotated[str | None, typer.Option(help="JSON-RPC URL (default: RPC_URL or anvil).")] = None,
) -> None:
    """Recompute the ledger's hash chain from its on-chain `Recorded` events and compare with `head`."""
    from web3 import Web3

    from azora.ledger import LedgerEntry, verify_chain

    settings = get_settings()
    url = rpc_url or settings.rpc_url or f"http://127.0.0.1:{settings.anvil_port}"
    path = settings.manifest_path()
    try:
        manifest = load_manifest(path)
        abi = load_abi(path, manifest, "Ledger")
    except AzoraError as exc:
        raise _fail(str(exc)) from exc
    w3 = Web3(Web3.HTTPProvider(url))
    ledger = w3.eth.contract(address=Web3.to_checksum_address(manifest.address("Ledger")), abi=abi)
    logs = ledger.events.Recorded().get_logs(from_block=manifest.contract("Ledger").block_number)
    entries = [
        LedgerEntry(
            index=log.args.index,
            kind=bytes(log.args.kind),
            account=log.args.account,
            amount=log.args.amount,
            ref=bytes(log.args.ref),
            block_number=log.blockNumber,
            head=bytes(log.args.head),
        )
        for log in logs
    ]
    result = verify_chain(entries, expected_head=bytes(ledger.functions.head().call()))
    typer.echo(f"entries: {result.count}")
    typer.echo(f"head:    0x{result.head.hex()}")
    if result.ok:
        typer.secho("ledger hash chain verified", fg=typer.colors.GREEN)
    else:
        raise _fail(f"ledger hash chain broken at entry {result.first_mismatch}: {result.reason}")


def main() -> None:
    """Entry point of `python -m azora.cli`."""
    app()


if __name__ == "__main__":
    main()
