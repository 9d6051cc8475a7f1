"""Fixtures of the relay tests (ape on anvil + real Redis): the deployed stack, an API serving it
with its own relayer keystore, and signers of delegations, ballots and raw transactions.

Imported by tests/api/test_relay_*.py with `from tests.api.relay_fixtures import *`, which
brings exactly the fixtures of `__all__`. The stack (every Azora contract, dev profile: accounts
1-4 hold 10M AZR, voting delay 1 block, voting period 20 blocks) deploys once per test module;
ape's isolation reverts each test's transactions. The API relayer is anvil account 7 (the dev
key), so the tests never send from it themselves.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from fastapi.testclient import TestClient

from api.relay.keys import DEV_RELAYER_INDEX, ensure_dev_relayer_keystore
from azora.deploy import deploy
from azora.manifest import DeploymentManifest
from azora.profiles import ANVIL_ACCOUNTS, dev_profile

__all__ = [
    "ballot",
    "delegation",
    "governor",
    "make_proposal",
    "make_relay_client",
    "relay_client",
    "relay_home",
    "relayer_address",
    "relay_stack",
    "signed_tx",
    "web3",
]

AZR = 10**18
DAY = 86_400
EIP712_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
DELEGATION_TYPE = [
    {"name": "delegatee", "type": "address"},
    {"name": "nonce", "type": "uint256"},
    {"name": "expiry", "type": "uint256"},
]
BALLOT_TYPE = [
    {"name": "proposalId", "type": "uint256"},
    {"name": "support", "type": "uint8"},
    {"name": "voter", "type": "address"},
    {"name": "nonce", "type": "uint256"},
]
_descriptions = itertools.count()


@dataclass
class RelayStack:
    """The deployed contracts (ape objects) and where the API finds them."""

    manifest: DeploymentManifest
    manifest_path: Path
    rpc_url: str
    token: Any
    governor: Any


def private_key(account: Any) -> bytes:
    """The key of an ape test account or an eth-account LocalAccount."""
    if isinstance(account, LocalAccount):
        return bytes(account.key)
    return bytes.fromhex(str(account.private_key).removeprefix("0x"))


def address_of(account: Any) -> str:
    return str(getattr(account, "address", account))


def sign_typed(
    account: Any, domain: dict[str, Any], primary: str, fields: list[dict[str, str]], message: dict
) -> Any:
    typed = {
        "types": {"EIP712Domain": EIP712_DOMAIN_TYPE, primary: fields},
        "primaryType": primary,
        "domain": domain,
        "message": message,
    }
    return Account.sign_message(encode_typed_data(full_message=typed), private_key(account))


@pytest.fixture(scope="session")
def relay_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """<home>/keystores/api-relayer/ with the dev API relayer keystore (anvil account 7) and its
    generated password file."""
    os.environ.pop("API_RELAYER_KEYSTORE_PASSWORD", None)  # the dev password file is under test
    home = tmp_path_factory.mktemp("api-home")
    ensure_dev_relayer_keystore(home, fast_kdf=True)
    return home


@pytest.fixture(scope="session")
def relayer_address() -> str:
    return ANVIL_ACCOUNTS[DEV_RELAYER_INDEX]


@pytest.fixture(scope="module")
def relay_stack(
    project: Any, chain: Any, accounts: Any, tmp_path_factory: pytest.TempPathFactory
) -> RelayStack:
    """Every Azora contract, deployed once per module with the dev profile."""
    manifest_path = tmp_path_factory.mktemp("deployments") / "local.json"
    outcome = deploy(
        project=project,
        provider=chain.provider,
        deployer=accounts[0],
        profile=dev_profile(),
        network="local",
        manifest_path=manifest_path,
        force=True,
    )
    manifest = outcome.manifest
    return RelayStack(
        manifest=manifest,
        manifest_path=manifest_path,
        rpc_url=str(chain.provider.uri),
        token=project.AzoraToken.at(manifest.address("AzoraToken")),
        governor=project.AzoraGovernor.at(manifest.address("AzoraGovernor")),
    )


@pytest.fixture
def governor(relay_stack: RelayStack) -> Any:
    return relay_stack.governor


@pytest.fixture
def web3(chain: Any) -> Any:
    return chain.provider.web3


@pytest.fixture
def make_relay_client(
    make_client: Callable[..., TestClient],
    blank_database_url: str,
    relay_stack: RelayStack,
    relay_home: Path,
    redis_prefix: str,
) -> Callable[..., TestClient]:
    """Factory: an API client serving `relay_stack` with the dev relayer; keyword settings override."""

    def _make(**overrides: Any) -> TestClient:
        values: dict[str, Any] = {
            "rpc_url": relay_stack.rpc_url,
            "rpc_timeout_seconds": 10.0,
            "manifest_path": relay_stack.manifest_path,
            "home": relay_home,
            "relay_redis_prefix": redis_prefix + "relay:",
        }
        values.update(overrides)
        return make_client(blank_database_url, **values)

    return _make


@pytest.fixture
def relay_client(make_relay_client: Callable[..., TestClient]) -> TestClient:
    return make_relay_client()


@pytest.fixture
def delegation(relay_stack: RelayStack, chain: Any) -> Callable[..., dict[str, Any]]:
    """Factory: the request body of a delegation signed by `signer` (current nonce, expiry in a
    day unless given); `form` "vrs" sends v, r, s, "signature" the 65-byte signature."""

    def _delegation(
        signer: Any,
        delegatee: Any,
        *,
        nonce: int | None = None,
        expiry: int | None = None,
        chain_id: int | None = None,
        form: str = "vrs",
    ) -> dict[str, Any]:
        token = relay_stack.token
        expiry = chain.pending_timestamp + DAY if expiry is None else expiry
        nonce = token.nonces(address_of(signer)) if nonce is None else nonce
        domain = {
            "name": "Azora",
            "version": "1",
            "chainId": chain.chain_id if chain_id is None else chain_id,
            "verifyingContract": token.address,
        }
        message = {"delegatee": address_of(delegatee), "nonce": nonce, "expiry": expiry}
        signed = sign_typed(signer, domain, "Delegation", DELEGATION_TYPE, message)
        body: dict[str, Any] = {
            "delegatee": address_of(delegatee),
            "nonce": str(nonce),
            "expiry": str(expiry),
        }
        if form == "vrs":
            body.update(
                v=signed.v,
                r="0x" + signed.r.to_bytes(32, "big").hex(),
                s="0x" + signed.s.to_bytes(32, "big").hex(),
            )
        else:
            body["signature"] = "0x" + bytes(signed.signature).hex()
        return body

    return _delegation


@pytest.fixture
def ballot(relay_stack: RelayStack, chain: Any) -> Callable[..., dict[str, Any]]:
    """Factory: the request body of a vote by `voter`, signed by `signer` (default: the voter) at
    the governor's current nonce unless given."""

    def _ballot(
        voter: Any, proposal_id: int, support: int, *, signer: Any = None, nonce: int | None = None
    ) -> dict[str, Any]:
        governor = relay_stack.governor
        voter_address = address_of(voter)
        nonce = governor.nonces(voter_address) if nonce is None else nonce
        domain = {
            "name": "AzoraGovernor",
            "version": "1",
            "chainId": chain.chain_id,
            "verifyingContract": governor.address,
        }
        message = {"proposalId": proposal_id, "support": support, "voter": voter_address, "nonce": nonce}
        signed = sign_typed(signer or voter, domain, "Ballot", BALLOT_TYPE, message)
        return {
            "proposal_id": str(proposal_id),
            "support": support,
            "voter": voter_address,
            "signature": "0x" + bytes(signed.signature).hex(),
        }

    return _ballot


@pytest.fixture
def make_proposal(relay_stack: RelayStack, chain: Any, accounts: Any) -> Callable[..., int]:
    """Factory: a proposal by accounts[1] (a 10M AZR holder, self-delegated here), Active when it
    returns unless `active=False`; the `voters` delegate to themselves before its snapshot."""

    def _make(*voters: Any, active: bool = True) -> int:
        token, governor = relay_stack.token, relay_stack.governor
        proposer = accounts[1]
        for account in (proposer, *voters):
            token.invoke_transaction("delegate", account, sender=account)
        chain.mine(1)
        target = governor.address
        calldata = governor.setVotingDelay.encode_input(2)
        description = f"# Relay test proposal {next(_descriptions)}"
        governor.propose([target], [0], [calldata], description, sender=proposer)
        proposal_id = int(governor.hashProposal([target], [0], [calldata], keccak(text=description)))
        if active:
            chain.mine(governor.votingDelay() + 1)
            assert governor.state(proposal_id) == 1
        return proposal_id

    return _make


@pytest.fixture
def signed_tx(chain: Any, web3: Any) -> Callable[..., str]:
    """Factory: a raw transaction signed by `sender` (EIP-1559 by default, `legacy=True` for EIP-155),
    at its pending nonce unless given, as 0x hex."""

    def _signed(
        sender: Any,
        to: str | None,
        data: bytes = b"",
        *,
        gas: int = 200_000,
        chain_id: int | None = None,
        nonce: int | None = None,
        legacy: bool = False,
        value: int = 0,
    ) -> str:
        tx: dict[str, Any] = {
            "nonce": web3.eth.get_transaction_count(address_of(sender), "pending")
            if nonce is None
            else nonce,
            "gas": gas,
            "value": value,
            "data": data,
        }
        if to is not None:
            tx["to"] = to
        if chain_id != -1:
            tx["chainId"] = chain.chain_id if chain_id is None else chain_id
        if legacy:
            tx["gasPrice"] = 2_000_000_000
        else:
            tx.update(maxFeePerGas=2_000_000_000, maxPriorityFeePerGas=1_000_000_000)
        signed = Account.sign_transaction(tx, private_key(sender))
        return "0x" + bytes(signed.raw_transaction).hex()

    return _signed


def fresh_accounts(n: int) -> list[LocalAccount]:
    return [Account.create() for _ in range(n)]


def wait_receipt(web3: Any, tx_hash: str) -> Any:
    return web3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
