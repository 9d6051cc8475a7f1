"""Shared fixtures: accounts named by role and freshly deployed contracts (ape on anvil)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

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
def token(project: Any, deployer: Any, governance: Any, minter: Any, alice: Any, bob: Any, treasury: Any) -> Any:
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
