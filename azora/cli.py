"""The `azora` command line: bring the system up, deploy, and inspect it.

azora up [--profile dev] [--fresh]     anvil + deploy (embedded defaults), Ctrl-C stops
azora deploy [--profile dev]           deploy to the configured network (`ape run deploy`)
azora ledger verify                    recompute the ledger hash chain from on-chain events
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from azora.exceptions import AzoraError
from azora.logs import configure_logging
from azora.manifest import load_abi, load_manifest
from azora.services import (
    Anvil,
    EmbeddedPostgres,
    EmbeddedRedis,
    ManagedProcess,
    free_port,
    port_open,
    spawn,
)
from azora.settings import PROJECT_ROOT, AzoraSettings, get_settings

app = typer.Typer(help="Azora chain core: contracts, indexer, API and oracles.", no_args_is_help=True)
ledger_app = typer.Typer(help="The auditable ledger.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")
db_app = typer.Typer(help="The indexer's database.", no_args_is_help=True)
app.add_typer(db_app, name="db")

ProfileOption = Annotated[str | None, typer.Option(help="Deploy profile: dev or production.")]


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code=1)


def run_ape_script(script: str, settings: AzoraSettings, rpc_url: str | None, *args: str) -> None:
    """Run `ape run <script>` against `rpc_url` (an already running node) and echo its output
    without ape's own log lines."""
    env = dict(os.environ)
    if rpc_url is not None:
        env["APE_FOUNDRY_HOST"] = rpc_url
    argv = [str(Path(sys.executable).parent / "ape"), "run", script, "--network", settings.ape_network, *args]
    result = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise AzoraError(f"{script} failed:\n{result.stdout}\n{result.stderr}")
    for line in result.stdout.splitlines():
        if not line.startswith(("INFO:", "SUCCESS:", "WARNING:")):
            typer.echo(line)


def run_deploy(settings: AzoraSettings, rpc_url: str | None, profile: str | None) -> None:
    """Run `ape run deploy` (idempotent) against `rpc_url`."""
    run_ape_script("deploy", settings, rpc_url, *(["--profile", profile] if profile else []))


@dataclass
class Stack:
    """The processes `azora up` started, stopped in reverse order."""

    anvil: Anvil | None = None
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    children: list[ManagedProcess] = field(default_factory=list)

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        for service in (self.redis, self.postgres, self.anvil):
            if service is not None:
                service.stop()

    def dead_child(self) -> ManagedProcess | None:
        return next((c for c in self.children if not c.alive()), None)


def _wait_http(url: str, timeout: float, stop: threading.Event) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.3)
    return False


@app.command()
def up(
    profile: ProfileOption = None,
    fresh: Annotated[bool, typer.Option(help="Discard the local chain, database and Redis data.")] = False,
    demo: Annotated[bool, typer.Option(help="Play the demo scenario once the system is up.")] = False,
    anvil_port: Annotated[int | None, typer.Option(help="Port of the embedded anvil.")] = None,
    api_port: Annotated[int | None, typer.Option(help="Port of the API.")] = None,
    exit_when_ready: Annotated[bool, typer.Option(hidden=True)] = False,
) -> None:
    """Start anvil, PostgreSQL, Redis (embedded unless RPC_URL / DATABASE_URL / REDIS_URL are set),
    deploy, migrate, run the indexer and the API. Ctrl-C stops everything."""
    configure_logging()
    settings = get_settings()
    home = settings.home
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
        settings.manifest_path().unlink(missing_ok=True)
    logs = home / "logs"
    stack = Stack()
    stop = threading.Event()

    def _on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        rpc_url = settings.rpc_url
        if rpc_url is None:
            port = anvil_port or settings.anvil_port
            state = home / "anvil" / "state.json"
            stack.anvil = Anvil(port=port, state_path=state, log_path=logs / "anvil.log")
            rpc_url = stack.anvil.start().url
        database_url = settings.database_url
        if database_url is None:
            stack.postgres = EmbeddedPostgres(home / "pg").start()
            database_url = stack.postgres.url
        redis_url = settings.redis_url
        if redis_url is None:
            redis_port = settings.redis_port if not port_open(settings.redis_port) else free_port()
            stack.redis = EmbeddedRedis(home / "redis", redis_port).start()
            redis_url = stack.redis.url
        typer.echo(f"chain     {rpc_url}" + ("  (embedded anvil)" if stack.anvil else ""))
        typer.echo(f"database  {_redact(database_url)}" + ("  (embedded)" if stack.postgres else ""))
        typer.echo(f"redis     {redis_url}" + ("  (embedded)" if stack.redis else ""))

        profile_name = profile or settings.profile
        if profile_name == "dev":
            from api.relay.keys import ensure_dev_relayer_keystore
            from oracles.keys import ensure_dev_keystores

            # Dev signer keys (2-of-3 per domain) and the oracle relayer (anvil account 8), encrypted;
            # the API's gasless-vote/delegation relayer has a key of its own (anvil account 7).
            ensure_dev_keystores(home, fast_kdf=True, relayer_index=DEV_RELAYER_INDEX)
            ensure_dev_relayer_keystore(home)
        run_deploy(settings, rpc_url, profile_name)
        from indexer.db import upgrade

        upgrade(database_url)
        typer.echo("database migrated")

        env = {
            "AZORA_HOME": str(home),
            "RPC_URL": rpc_url,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "INDEXER_MANIFEST_PATH": str(settings.manifest_path()),
            "ORACLE_MANIFEST_PATH": str(settings.manifest_path()),
            "API_MANIFEST_PATH": str(settings.manifest_path()),
            "ORACLE_EDUCATION_PLATFORMS": json.dumps(dev_platforms(home)),
        }
        port = api_port or settings.api_port
        py = sys.executable
        api_argv = [py, "-m", "uvicorn", "api.main:create_app", "--factory", "--port", str(port)]
        for name, argv in (
            ("indexer", [py, "-m", "indexer"]),
            ("api", api_argv),
            ("worker", [py, "-m", "oracles.worker"]),
            ("signers", [py, "-m", "oracles.signer", "--domain", "EDUCATION", "--all"]),
            ("ethics", [py, "-m", "oracles.ethics"]),
            ("ethics-signers", [py, "-m", "oracles.signer", "--domain", "ETHICS", "--all"]),
        ):
            stack.children.append(spawn(name, argv, logs / f"{name}.log", env))
        api = f"http://127.0.0.1:{port}"
        if not _wait_http(f"{api}/ready", 180, stop):
            if stop.is_set():
                return  # Ctrl-C while starting: stop cleanly (the finally block below)
            dead = stack.dead_child()
            where = dead.log_path if dead else logs
            raise AzoraError(f"the API did not become ready; see {where}")
        if demo:
            run_demo(rpc_url, settings)
            play_education_demo(api, home)
            run_ape_script("demo_governance", settings, rpc_url, "--api", api)
        _print_banner(api, settings, logs)
        if exit_when_ready:
            return
        while not stop.wait(0.5):
            if (dead := stack.dead_child()) is not None:
                raise AzoraError(f"{dead.name} exited; see {dead.log_path}")
    except AzoraError as exc:
        raise _fail(str(exc)) from exc
    finally:
        stack.stop()
        typer.echo("stopped.")


def _redact(url: str) -> str:
    """A URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a database URL: print nothing secret
        return url.split("@")[-1]


def _print_banner(api: str, settings: AzoraSettings, logs: Path) -> None:
    from azora.profiles import ANVIL_ACCOUNTS

    account = ANVIL_ACCOUNTS[1]
    typer.secho("\nAzora is up. Ctrl-C stops everything.", fg=typer.colors.GREEN)
    typer.echo(f"  API       {api}   (OpenAPI: {api}/docs)")
    typer.echo(f"  manifest  {settings.manifest_path()}")
    typer.echo(f"  logs      {logs}")
    typer.echo("Try:")
    typer.echo(f"  curl -s {api}/v1/token")
    typer.echo(f"  curl -s {api}/v1/accounts/{account}")
    typer.echo(f"  curl -s {api}/v1/ledger/verify")


DEV_RELAYER_INDEX = 8
DEV_PLATFORM = "demo-academy"


def dev_platforms(home: Path) -> dict[str, str]:
    """The education platforms' HMAC secrets: from ORACLE_EDUCATION_PLATFORMS, else a dev secret
    generated once into `<home>/oracles/platforms.json` (mode 0600, never printed)."""
    if configured := os.environ.get("ORACLE_EDUCATION_PLATFORMS"):
        platforms: dict[str, str] = json.loads(configured)
        return platforms
    path = home / "oracles" / "platforms.json"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump({DEV_PLATFORM: secrets.token_hex(32)}, handle)
    platforms = json.loads(path.read_text())
    return platforms


def play_education_demo(api: str, home: Path, timeout: float = 120.0) -> None:
    """Post course completions through the authenticated intake, wait until the oracle
    submitter confirmed them on chain, then show the learners' rewards and credentials."""
    import httpx

    from azora.profiles import ANVIL_ACCOUNTS
    from oracles.education.intake import sign_body

    secret = dev_platforms(home)[DEV_PLATFORM]
    completions = [
        (ANVIL_ACCOUNTS[5], 101, 92, 3),
        (ANVIL_ACCOUNTS[5], 102, 75, 1),
        (ANVIL_ACCOUNTS[6], 101, 81, 3),
    ]
    with httpx.Client(base_url=api, timeout=10) as client:
        ids = []
        for learner, course, score, difficulty in completions:
            body = json.dumps(
                {
                    "completion_id": f"demo-{learner[-6:]}-{course}",
                    "learner": learner,
                    "course_id": course,
                    "score": score,
                    "difficulty": difficulty,
                }
            ).encode()
            headers = {
                "Content-Type": "application/json",
                "X-Azora-Platform": DEV_PLATFORM,
                "X-Azora-Signature": sign_body(secret, body),
            }
            response = client.post("/v1/oracles/education/completions", content=body, headers=headers)
            if response.status_code not in (202, 409):
                raise AzoraError(f"intake refused a demo completion: {response.status_code} {response.text}")
            record = response.json()
            ids.append(record.get("id") or record.get("completion", {}).get("id"))
            typer.echo(f"posted: learner {learner} course {course} score {score} -> {response.status_code}")
        deadline = time.monotonic() + timeout
        statuses: dict[str, str] = {}
        while time.monotonic() < deadline:
            statuses = {i: client.get(f"/v1/oracles/education/completions/{i}").json()["status"] for i in ids}
            if all(v in ("confirmed", "failed") for v in statuses.values()):
                break
            time.sleep(1)
        typer.echo(f"oracle submissions: {sorted(statuses.values())}")
        _wait_http(f"{api}/ready", 30, threading.Event())
        time.sleep(2)  # let the indexer pick up the confirming block
        for learner in sorted({c[0] for c in completions}):
            rewards = client.get(f"/v1/accounts/{learner}/rewards").json()
            credentials = client.get(f"/v1/accounts/{learner}/credentials").json()
            totals = rewards["summary"]["totals"]
            courses = sorted(int(c["course_id"]) for c in credentials["data"])
            typer.echo(
                f"learner {learner}: {totals['completions']} completions, "
                f"{int(totals['reward']) / 10**18:g} AZR earned "
                f"(+{int(totals['ubuntu_share']) / 10**18:g} AZR Ubuntu share to the Treasury), "
                f"soulbound credentials for courses {courses}"
            )
            typer.echo(f"  curl -s {api}/v1/accounts/{learner}/rewards")
            typer.echo(f"  curl -s {api}/v1/accounts/{learner}/credentials")


def run_demo(rpc_url: str, settings: AzoraSettings) -> None:
    """Play the demo scenario (`scripts/demo.py`) against the running chain."""
    run_ape_script("demo", settings, rpc_url)


@app.command()
def index(
    from_block: Annotated[int | None, typer.Option("--from", help="First block (fresh database).")] = None,
    to_block: Annotated[int | None, typer.Option("--to", help="Stop after this block (backfill).")] = None,
    reindex: Annotated[bool, typer.Option(help="Delete this chain's indexed data and rebuild it.")] = False,
) -> None:
    """Index the deployed contracts into PostgreSQL: backfill with a progress bar, then follow the head
    (with --to: stop there)."""
    from indexer.exceptions import IndexerError
    from indexer.runner import run_indexer
    from indexer.settings import IndexerSettings
    from indexer.sync import Progress

    configure_logging("WARNING")
    settings = IndexerSettings()
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with typer.progressbar(length=1, label="indexing", show_pos=True) as bar:

        def _progress(p: Progress) -> None:
            bar.length = max(p.target_block, 1)
            bar.update(p.block - bar.pos)

        try:
            result = run_indexer(
                settings,
                from_block=from_block,
                to_block=to_block,
                reindex=reindex,
                follow=to_block is None,
                on_progress=_progress,
                stop_event=stop,
            )
        except (AzoraError, IndexerError) as exc:
            raise _fail(str(exc)) from exc
    typer.echo(f"indexed up to block {result.last_block}: {result.events} events, {result.reorgs} reorgs")


@app.command()
def api(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (default AZORA_API_PORT, 8000).")] = None,
) -> None:
    """Serve the REST API (uvicorn)."""
    import uvicorn

    uvicorn.run("api.main:create_app", factory=True, host=host, port=port or get_settings().api_port)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Alembic revision.")] = "head",
) -> None:
    """Apply the indexer's Alembic migrations to DATABASE_URL."""
    from indexer.db import upgrade

    settings = get_settings()
    if settings.database_url is None:
        raise _fail("set DATABASE_URL (azora up starts an embedded database on its own)")
    upgrade(settings.database_url, revision)
    typer.echo(f"database at {_redact(settings.database_url)} upgraded to {revision}")


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
