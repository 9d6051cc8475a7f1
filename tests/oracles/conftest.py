"""Oracle fixtures: dev keystores, the full stack deployed on ape's anvil with those signers,
oracle settings on a fresh migrated database and a per-test Redis prefix, in-process signers
and relays, and worker / signer subprocesses (SIGKILL-able)."""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from eth_account import Account
from sqlalchemy import select, text

from azora.deploy import deploy
from azora.manifest import DeploymentManifest, load_manifest
from azora.profiles import dev_profile
from azora.settings import PROJECT_ROOT
from indexer.db import create_db_engine, upgrade
from oracles.chain import HubClient
from oracles.collector import RedisKeys
from oracles.education.schema import COURSE_COMPLETED, DOMAIN, completion_uid, encode_course_completed
from oracles.eip712 import HubDomain
from oracles.keys import domain_keystores, ensure_dev_keystores, load_keystore, load_relayer
from oracles.models import CONFIRMED, FAILED, TX_DROPPED, TX_MINED, OracleSubmission, OracleTransaction
from oracles.relay import Relay
from oracles.settings import OracleSettings
from oracles.signer import SignerService
from oracles.store import make_sessions, new_submission

_labels = itertools.count()


@pytest.fixture(scope="session")
def oracle_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """<home>/keystores with 3 dev signer keystores per domain and the dev relayer (anvil account 0)."""
    os.environ.pop("ORACLE_KEYSTORE_PASSWORD", None)  # the dev password file is under test
    home = tmp_path_factory.mktemp("oracle-home")
    ensure_dev_keystores(home, fast_kdf=True)
    return home


@dataclass
class Stack:
    """The deployed contracts and where to reach them."""

    manifest: DeploymentManifest
    manifest_path: Path
    rpc_url: str
    home: Path

    @property
    def hub_address(self) -> str:
        return self.manifest.address("OracleHub")

    @property
    def domain(self) -> HubDomain:
        return HubDomain(chain_id=self.manifest.chain_id, verifying_contract=self.hub_address)


@pytest.fixture(scope="module")
def stack(
    project: Any, chain: Any, accounts: Any, oracle_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Stack:
    """The whole stack, deployed once per module with the dev profile (EDUCATION = 2-of-3 of the
    dev keystores); ape's isolation reverts every test's transactions."""
    manifest_path = tmp_path_factory.mktemp("deployments") / "local.json"
    outcome = deploy(
        project=project,
        provider=chain.provider,
        deployer=accounts[0],
        admin=accounts[0].address,  # direct admin powers for the test (default: the Timelock)
        profile=dev_profile(oracle_home / "keystores"),
        network="local",
        manifest_path=manifest_path,
        force=True,
    )
    return Stack(outcome.manifest, manifest_path, str(chain.provider.uri), oracle_home)


@pytest.fixture
def hub(stack: Stack, project: Any) -> Any:
    """The deployed OracleHub as an ape contract."""
    return project.OracleHub.at(stack.hub_address)


@pytest.fixture(scope="session")
def _database_pool() -> list[str]:
    return []


@pytest.fixture
def db_url(_database_pool: list[str], make_database: Callable[[], str]) -> Iterator[str]:
    """An empty database migrated to the latest revision (indexer + oracle tables). Databases are
    recycled across tests: recreating the schema is instant, a DROP DATABASE costs a checkpoint."""
    url = _database_pool.pop() if _database_pool else make_database()
    engine = create_db_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    upgrade(url)
    yield url
    _database_pool.append(url)


@pytest.fixture
def make_oracle_settings(
    stack: Stack, db_url: str, redis_url: str, redis_prefix: str
) -> Callable[..., OracleSettings]:
    """Factory: oracle settings for this test (fast timings; keywords override)."""

    def _make(**overrides: Any) -> OracleSettings:
        values: dict[str, Any] = {
            "home": stack.home,
            "rpc_url": stack.rpc_url,
            "database_url": db_url,
            "redis_url": redis_url,
            "redis_prefix": redis_prefix,
            "queue": f"{redis_prefix}oracles",
            "manifest_path": stack.manifest_path,
            "poll_interval_seconds": 0.2,
            "idle_interval_seconds": 0.5,
            "backoff_base_seconds": 0.2,
            "backoff_max_seconds": 1.0,
            "lock_ttl_seconds": 5.0,
            "signature_timeout_seconds": 2.0,
            "replace_after_seconds": 30.0,
            "drop_after_seconds": 1.0,
            "rpc_timeout_seconds": 2.0,
            "signer_block_ms": 100,
            "batch_size": 8,
        }
        values.update(overrides)
        return OracleSettings(**values)

    return _make


@pytest.fixture
def oracle_settings(make_oracle_settings: Callable[..., OracleSettings]) -> OracleSettings:
    return make_oracle_settings()


def settings_env(settings: OracleSettings) -> dict[str, str]:
    """`settings` as the ORACLE_* environment of a subprocess."""
    env = {
        "ORACLE_HOME": str(settings.home),
        "ORACLE_RPC_URL": str(settings.rpc_url),
        "ORACLE_DATABASE_URL": str(settings.database_url),
        "ORACLE_REDIS_URL": str(settings.redis_url),
        "ORACLE_REDIS_PREFIX": settings.redis_prefix,
        "ORACLE_QUEUE": settings.queue,
        "ORACLE_MANIFEST_PATH": str(settings.manifest_path),
    }
    for name in (
        "poll_interval_seconds",
        "idle_interval_seconds",
        "backoff_base_seconds",
        "backoff_max_seconds",
        "lock_ttl_seconds",
        "signature_timeout_seconds",
        "replace_after_seconds",
        "drop_after_seconds",
        "rpc_timeout_seconds",
        "signer_block_ms",
        "batch_size",
        "max_pending_txs",
    ):
        env[f"ORACLE_{name.upper()}"] = str(getattr(settings, name))
    return env


# --- submissions ---------------------------------------------------------------------------------


def fresh_learner() -> str:
    return Account.create().address


@dataclass
class Completion:
    """A CourseCompleted submission added straight to the database (as the intake would)."""

    uid: str
    learner: str
    course_id: int


def add_completions(
    settings: OracleSettings,
    n: int,
    *,
    learner: str | None = None,
    course_id: int | None = None,
    score: int = 85,
    difficulty: int = 2,
) -> list[Completion]:
    """`n` queued CourseCompleted submissions (fresh learners and uids unless given)."""
    assert settings.database_url is not None
    sessions = make_sessions(settings.database_url, pool_size=1)
    chain_id = load_manifest(settings.manifest_path).chain_id
    out = []
    with sessions() as session, session.begin():
        for _ in range(n):
            label = f"{secrets.token_hex(4)}-{next(_labels)}"
            who = learner or fresh_learner()
            course = course_id if course_id is not None else 100 + next(_labels)
            uid = completion_uid("test-platform", label)
            session.add(
                new_submission(
                    chain_id=chain_id,
                    uid=uid,
                    domain=DOMAIN,
                    schema=COURSE_COMPLETED,
                    subject=who,
                    data=encode_course_completed(course, score, difficulty),
                )
            )
            out.append(Completion("0x" + uid.hex(), who, course))
    sessions.kw["bind"].dispose()
    return out


def submissions(settings: OracleSettings) -> dict[str, OracleSubmission]:
    """Every submission, by uid."""
    assert settings.database_url is not None
    sessions = make_sessions(settings.database_url, pool_size=1)
    with sessions() as session:
        rows = {row.uid: row for row in session.scalars(select(OracleSubmission)).all()}
    sessions.kw["bind"].dispose()
    return rows


def transactions(settings: OracleSettings) -> list[OracleTransaction]:
    """Every transaction the relayer recorded, by nonce then time."""
    assert settings.database_url is not None
    sessions = make_sessions(settings.database_url, pool_size=1)
    with sessions() as session:
        rows = list(
            session.scalars(
                select(OracleTransaction).order_by(OracleTransaction.nonce, OracleTransaction.created_at)
            ).all()
        )
    sessions.kw["bind"].dispose()
    return rows


def count_rows(settings: OracleSettings, where: str) -> int:
    assert settings.database_url is not None
    engine = create_db_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(text(f"SELECT count(*) FROM oracle_submissions WHERE {where}")).scalar_one()
            )
    finally:
        engine.dispose()


def wait_for(predicate: Callable[[], bool], timeout: float, message: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s: {message}")


def all_final(settings: OracleSettings, uids: list[str]) -> bool:
    rows = submissions(settings)
    return all(uid in rows and rows[uid].status in (CONFIRMED, FAILED) for uid in uids)


# --- on-chain checks -----------------------------------------------------------------------------


def attested_counts(stack: Stack) -> dict[str, int]:
    """How many Attested events each uid has on the hub."""
    hub = HubClient(stack.rpc_url, stack.manifest_path)
    logs = hub.contract.events.Attested().get_logs(from_block=hub.from_block)
    counts: dict[str, int] = {}
    for log in logs:
        uid = "0x" + bytes(log["args"]["uid"]).hex()
        counts[uid] = counts.get(uid, 0) + 1
    return counts


def carriers(stack: Stack, txs: list[OracleTransaction]) -> dict[str, list[OracleTransaction]]:
    """The recorded transactions that carried each uid (decoded from their raw bytes)."""
    from eth_account.typed_transactions import TypedTransaction
    from hexbytes import HexBytes

    hub = HubClient(stack.rpc_url, stack.manifest_path)
    out: dict[str, list[OracleTransaction]] = {}
    for tx in txs:
        data = TypedTransaction.from_bytes(HexBytes(tx.raw)).as_dict()["data"]
        fn, args = hub.contract.decode_function_input(bytes(data))
        atts = [args["att"]] if fn.fn_name == "submit" else list(args["atts"])
        for att in atts:
            out.setdefault("0x" + bytes(att["uid"]).hex(), []).append(tx)
    return out


def assert_confirmed_once(stack: Stack, settings: OracleSettings, uids: list[str]) -> None:
    """Every uid confirmed, attested once on chain, and sent in one nonce only (replacements of
    that nonce aside; a nonce taken by another transaction is dropped, never mined)."""
    rows = submissions(settings)
    counts = attested_counts(stack)
    for uid in uids:
        row = rows[uid]
        assert row.status == CONFIRMED, (uid, row.status, row.reason, row.detail)
        assert counts.get(uid) == 1, (uid, counts.get(uid))
    for uid, txs in carriers(stack, transactions(settings)).items():
        live_nonces = {tx.nonce for tx in txs if tx.status != TX_DROPPED}
        assert len(live_nonces) <= 1, (uid, [(tx.nonce, tx.status) for tx in txs])
        assert sum(tx.status == TX_MINED for tx in txs) <= 1, (uid, [(tx.nonce, tx.status) for tx in txs])


def rpc(url: str, method: str, *params: Any) -> Any:
    from azora.services import rpc_call

    return rpc_call(url, method, list(params))


# --- in-process signers and relays -------------------------------------------------------------


@pytest.fixture
def signer_accounts(oracle_home: Path) -> list[Any]:
    """The three EDUCATION dev signer keys (decrypted with the dev password file)."""
    password = (oracle_home / "keystores" / ".password").read_text().strip()
    return [load_keystore(p, password) for p in domain_keystores(oracle_home / "keystores", DOMAIN)]


@pytest.fixture
def run_signers(
    oracle_settings: OracleSettings, stack: Stack, signer_accounts: list[Any]
) -> Iterator[Callable[..., None]]:
    """Start in-process signer threads for the given key indexes (default: 0 and 1 = the threshold);
    `contracts` maps a key's address to the ERC-1271 contract signer it signs for."""
    stops: list[tuple[threading.Event, threading.Thread]] = []

    def _run(
        indexes: tuple[int, ...] = (0, 1),
        settings: OracleSettings | None = None,
        contracts: dict[str, str] | None = None,
    ) -> None:
        settings = settings or oracle_settings
        assert settings.redis_url is not None
        client = redis.Redis.from_url(settings.redis_url)
        service = SignerService(
            client,
            RedisKeys(settings.redis_prefix),
            DOMAIN,
            stack.domain,
            [signer_accounts[i] for i in indexes],
            block_ms=50,
            contracts=contracts,
        )
        stop = threading.Event()
        thread = threading.Thread(target=service.run, args=(stop,), daemon=True)
        thread.start()
        stops.append((stop, thread))

    yield _run
    for stop, _ in stops:
        stop.set()
    for _, thread in stops:
        thread.join(timeout=5)


@pytest.fixture
def make_relay(oracle_settings: OracleSettings) -> Iterator[Callable[..., Relay]]:
    """Factory: an in-process Relay for `settings` (default: this test's)."""
    engines: list[Any] = []

    def _make(settings: OracleSettings | None = None, **kwargs: Any) -> Relay:
        settings = settings or oracle_settings
        assert settings.database_url and settings.redis_url and settings.rpc_url
        sessions = make_sessions(settings.database_url, pool_size=2)
        engines.append(sessions.kw["bind"])
        return Relay(
            settings,
            sessions=sessions,
            redis_client=redis.Redis.from_url(settings.redis_url),
            hub=HubClient(settings.rpc_url, settings.manifest_path, timeout=settings.rpc_timeout_seconds),
            relayer=load_relayer(settings),
            **kwargs,
        )

    yield _make
    for engine in engines:
        engine.dispose()


def run_relay(relay: Relay, uids: list[str], timeout: float = 20.0) -> None:
    """Tick `relay` until every uid is confirmed or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        relay.tick()
        if all_final(relay.settings, uids):
            return
        time.sleep(0.05)
    state = {uid: (r.status, r.reason, r.detail) for uid, r in submissions(relay.settings).items()}
    raise AssertionError(f"not final after {timeout}s: {state}")


# --- subprocesses --------------------------------------------------------------------------------


@dataclass
class Proc:
    """A child process in its own session, logging to `log_path`."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def kill(self) -> None:
        """SIGKILL the child's whole process group (no clean-up runs)."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Procs:
    """Starts workers and signers for one test; stops whatever is left at teardown."""

    tmp_path: Path
    started: list[Proc] = field(default_factory=list)

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Proc:
        log_path = self.tmp_path / f"{name}-{len(self.started)}.log"
        handle = log_path.open("wb")
        popen = subprocess.Popen(
            argv,
            cwd=PROJECT_ROOT,
            env={**os.environ, **env, "AZORA_LOG_LEVEL": "INFO"},
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        handle.close()
        proc = Proc(name, popen, log_path)
        self.started.append(proc)
        return proc

    def worker(self, settings: OracleSettings) -> Proc:
        return self._spawn("worker", [sys.executable, "-m", "oracles.worker"], settings_env(settings))

    def signer(self, settings: OracleSettings, *indexes: int) -> Proc:
        argv = [sys.executable, "-m", "oracles.signer", "--domain", DOMAIN]
        for index in indexes:
            argv += ["--index", str(index)]
        return self._spawn("signer", argv, settings_env(settings))

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ({p.log_path.name})\n{p.log()[-6000:]}" for p in self.started)


@pytest.fixture
def procs(tmp_path: Path) -> Iterator[Procs]:
    manager = Procs(tmp_path)
    yield manager
    for proc in manager.started:
        proc.kill()


# --- the intake API ------------------------------------------------------------------------------

PLATFORM = "moodle-eu"
PLATFORM_SECRET = "test-hmac-secret-of-moodle-eu"


@pytest.fixture
def intake_client() -> Iterator[Callable[..., Any]]:
    """Factory: a started TestClient of the API whose oracle intake uses `settings` (plus the
    test platform's HMAC secret and any `name=secret` given); closed (lifespan shutdown) at
    teardown."""
    from fastapi.testclient import TestClient
    from pydantic import SecretStr

    from api.main import create_app
    from api.settings import ApiSettings

    clients: list[Any] = []

    def _make(settings: OracleSettings, **other_platforms: str) -> Any:
        assert settings.database_url is not None
        app = create_app(ApiSettings(database_url=settings.database_url, redis_url=None, rpc_url=None))
        platforms = {PLATFORM: PLATFORM_SECRET, **other_platforms}
        app.state.oracle_settings = settings.model_copy(
            update={"education_platforms": {name: SecretStr(secret) for name, secret in platforms.items()}}
        )
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


def post_completion(
    client: Any,
    payload: dict[str, Any] | bytes,
    *,
    platform: str = PLATFORM,
    secret: str = PLATFORM_SECRET,
    headers: dict[str, str] | None = None,
    path: str = "/v1/oracles/education/completions",
) -> Any:
    """POST a completion (or any intake body, to `path`) signed like a platform does (override
    `headers` to break it)."""
    import json

    from oracles.education.intake import sign_body

    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    sent = {
        "Content-Type": "application/json",
        "X-Azora-Platform": platform,
        "X-Azora-Signature": sign_body(secret, body),
    }
    sent.update(headers or {})
    return client.post(path, content=body, headers=sent)


def revocation_path(uid: str) -> str:
    return f"/v1/oracles/education/completions/{uid}/revocation"


def completion_payload(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "completion_id": f"c-{secrets.token_hex(6)}",
        "learner": fresh_learner(),
        "course_id": 101 + next(_labels),
        "score": 88,
        "difficulty": 3,
    }
    values.update(overrides)
    return values
