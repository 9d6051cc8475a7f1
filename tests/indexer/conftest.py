"""Indexer fixtures: a deployed token + ledger on ape's anvil, a fast raw-RPC driver for
activity, indexer settings on a fresh PostgreSQL database, and table snapshots to compare."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak
from sqlalchemy import text

from azora.deploy import deploy
from azora.manifest import DeploymentManifest
from azora.profiles import ANVIL_ACCOUNTS, dev_profile
from indexer.db import create_db_engine
from indexer.runner import run_indexer
from indexer.settings import IndexerSettings
from indexer.sync import SyncResult

AZR = 10**18
ZERO = "0x" + "0" * 40
MINTER_ROLE = keccak(text="MINTER_ROLE")
WRITER_ROLE = keccak(text="WRITER_ROLE")
LEDGER_KINDS = [keccak(text=k) for k in ("REWARD", "UBUNTU_SHARE", "FEE", "TREASURY_IN")] + [b"\x42" * 32]
# Anvil dev accounts (unlocked): [0] deployer/admin, [1..4] and [9] hold genesis AZR.
USERS = [a.lower() for a in ANVIL_ACCOUNTS]
# Explicit gas: with automine off, estimation would run against stale state.
GAS = 400_000


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


class ChainDriver:
    """Sends transactions from anvil's unlocked dev accounts over raw JSON-RPC (fast, no signing)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._http = httpx.Client(timeout=30)
        self._ids = 0

    def rpc(self, method: str, *params: Any) -> Any:
        self._ids += 1
        body = {"jsonrpc": "2.0", "id": self._ids, "method": method, "params": list(params)}
        reply = self._http.post(self.url, json=body).json()
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def block_number(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def send(self, sender: str, to: str, signature: str, types: Sequence[str], args: Sequence[Any]) -> str:
        data = "0x" + (selector(signature) + abi_encode(list(types), list(args))).hex()
        tx = {"from": sender, "to": to, "data": data, "gas": hex(GAS)}
        tx_hash: str = self.rpc("eth_sendTransaction", tx)
        return tx_hash

    def call(
        self,
        to: str,
        signature: str,
        types: Sequence[str],
        args: Sequence[Any],
        out: Sequence[str],
        block: int | str = "latest",
    ) -> Any:
        data = "0x" + (selector(signature) + abi_encode(list(types), list(args))).hex()
        tag = hex(block) if isinstance(block, int) else block
        raw = self.rpc("eth_call", {"to": to, "data": data}, tag)
        values = abi_decode(list(out), bytes.fromhex(raw[2:]))
        return values[0] if len(values) == 1 else values

    def receipt_ok(self, tx_hash: str) -> bool:
        receipt = self.rpc("eth_getTransactionReceipt", tx_hash)
        return receipt is not None and receipt["status"] == "0x1"

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", hex(blocks))

    def in_one_block(self, sends: Sequence[Callable[[], str]]) -> list[str]:
        """Run `sends` with automine off, then mine them into one block."""
        before = self.block_number()
        self.rpc("evm_setAutomine", False)
        try:
            hashes = [send() for send in sends]
            self.rpc("evm_mine")
        finally:
            self.rpc("evm_setAutomine", True)
        while self.block_number() <= before:  # evm_mine may return before the block is visible
            time.sleep(0.001)
        return hashes

    def settle(self) -> int:
        """Wait until every sent transaction is mined; returns the head block number."""
        while True:
            pool = self.rpc("txpool_status")
            if pool["pending"] == "0x0" and pool["queued"] == "0x0":
                before = self.block_number()
                time.sleep(0.02)
                if self.block_number() == before:
                    return before
            time.sleep(0.005)

    def close(self) -> None:
        self._http.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the anvil_reorg tests first, on an anvil that has not yet been through the
    thousands of evm_snapshot / evm_revert cycles of the other tests: after many of them,
    anvil rebuilds a deep (11-12 block) anvil_reorg on a state that no longer matches its
    own logs (balances read 0 while the Transfer logs say otherwise)."""
    items.sort(key=lambda item: 0 if item.path.name == "test_reorg.py" else 1)


@dataclass
class Deployment:
    """A fresh token + ledger on the test chain, with a manifest on disk."""

    manifest: DeploymentManifest
    manifest_path: Path
    token: str
    ledger: str
    driver: ChainDriver

    @property
    def chain_id(self) -> int:
        return self.manifest.chain_id

    # --- token actions (from unlocked dev accounts) ---

    def transfer(self, sender: str, to: str, amount: int) -> str:
        return self.driver.send(
            sender, self.token, "transfer(address,uint256)", ["address", "uint256"], [to, amount]
        )

    def approve(self, owner: str, spender: str, amount: int) -> str:
        return self.driver.send(
            owner, self.token, "approve(address,uint256)", ["address", "uint256"], [spender, amount]
        )

    def transfer_from(self, spender: str, owner: str, to: str, amount: int) -> str:
        return self.driver.send(
            spender,
            self.token,
            "transferFrom(address,address,uint256)",
            ["address", "address", "uint256"],
            [owner, to, amount],
        )

    def mint(self, to: str, amount: int) -> str:
        return self.driver.send(
            USERS[0], self.token, "mint(address,uint256)", ["address", "uint256"], [to, amount]
        )

    def burn(self, owner: str, amount: int) -> str:
        return self.driver.send(owner, self.token, "burn(uint256)", ["uint256"], [amount])

    def delegate(self, delegator: str, delegatee: str) -> str:
        return self.driver.send(delegator, self.token, "delegate(address)", ["address"], [delegatee])

    def record(self, kind: bytes, account: str, amount: int, ref: bytes) -> str:
        return self.driver.send(
            USERS[0],
            self.ledger,
            "record(bytes32,address,uint256,bytes32)",
            ["bytes32", "address", "uint256", "bytes32"],
            [kind, account, amount, ref],
        )

    # --- reads ---

    def balance_of(self, account: str, block: int | str = "latest") -> int:
        return int(
            self.driver.call(self.token, "balanceOf(address)", ["address"], [account], ["uint256"], block)
        )

    def votes(self, account: str) -> int:
        return int(self.driver.call(self.token, "getVotes(address)", ["address"], [account], ["uint256"]))

    def past_votes(self, account: str, block: int) -> int:
        return int(
            self.driver.call(
                self.token,
                "getPastVotes(address,uint256)",
                ["address", "uint256"],
                [account, block],
                ["uint256"],
            )
        )

    def delegates(self, account: str) -> str:
        return str(
            self.driver.call(self.token, "delegates(address)", ["address"], [account], ["address"])
        ).lower()

    def total_supply(self) -> int:
        return int(self.driver.call(self.token, "totalSupply()", [], [], ["uint256"]))

    def ledger_count(self) -> int:
        return int(self.driver.call(self.ledger, "count()", [], [], ["uint256"]))

    def ledger_head(self) -> str:
        return "0x" + bytes(self.driver.call(self.ledger, "head()", [], [], ["bytes32"])).hex()


def random_action(dep: Deployment, rng: random.Random) -> Callable[[], str]:
    """One random token / ledger transaction (may revert, e.g. an over-balance transfer: that is fine)."""
    users = USERS[1:9]
    a, b = rng.sample(users, 2)
    roll = rng.random()
    amount = rng.randint(1, 50_000) * AZR // rng.choice([1, 10, 1000])
    if roll < 0.40:
        return lambda: dep.transfer(a, b, amount)
    if roll < 0.50:
        return lambda: dep.approve(a, b, amount)
    if roll < 0.58:
        return lambda: dep.transfer_from(b, a, rng.choice(users), amount // 2)
    if roll < 0.70:
        target = rng.choice([*users, ZERO, a])
        return lambda: dep.delegate(a, target)
    if roll < 0.78:
        return lambda: dep.mint(rng.choice(users), amount)
    if roll < 0.85:
        return lambda: dep.burn(a, amount // 3)
    kind = rng.choice(LEDGER_KINDS)
    ref = rng.randbytes(32)
    return lambda: dep.record(kind, rng.choice(users), amount, ref)


def random_activity(dep: Deployment, rng: random.Random, transactions: int, per_block: int = 4) -> None:
    """`transactions` random transactions, mostly several per block (so a block holds many logs)."""
    sent = 0
    while sent < transactions:
        n = min(transactions - sent, rng.randint(1, per_block))
        if n == 1:
            random_action(dep, rng)()
        else:
            dep.driver.in_one_block([random_action(dep, rng) for _ in range(n)])
        sent += n
    dep.driver.settle()


@pytest.fixture(scope="session")
def _database_pool() -> list[str]:
    return []


@pytest.fixture
def make_db(_database_pool: list[str], make_database: Callable[[], str]) -> Iterator[Callable[[], str]]:
    """Factory: an empty database (no tables). Databases are recycled across tests -- dropping
    and recreating the schema is instant, while DROP DATABASE costs a checkpoint each."""
    taken: list[str] = []

    def _make() -> str:
        url = _database_pool.pop() if _database_pool else make_database()
        engine = create_db_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        finally:
            engine.dispose()
        taken.append(url)
        return url

    yield _make
    _database_pool.extend(taken)


@pytest.fixture
def db(make_db: Callable[[], str]) -> str:
    """An empty database for one test."""
    return make_db()


@pytest.fixture
def rpc_url(chain: Any) -> str:
    uri: str = chain.provider.uri
    return uri


@pytest.fixture
def driver(rpc_url: str) -> Iterator[ChainDriver]:
    client = ChainDriver(rpc_url)
    client.rpc("anvil_autoImpersonateAccount", True)  # send from any dev address without its key
    for user in USERS:
        client.rpc("anvil_setBalance", user, hex(10**24))
    yield client
    client.close()


@pytest.fixture
def deployment(project: Any, chain: Any, accounts: Any, tmp_path: Path, driver: ChainDriver) -> Deployment:
    """Token + ledger deployed with the dev profile; accounts[0] is admin, minter and ledger writer."""
    outcome = deploy(
        project=project,
        provider=chain.provider,
        deployer=accounts[0],
        admin=accounts[0].address,  # direct admin powers for the test (default: the Timelock)
        profile=dev_profile(),
        network="local",
        manifest_path=tmp_path / "deployments" / "local.json",
        force=True,
    )
    manifest = outcome.manifest
    dep = Deployment(
        manifest=manifest,
        manifest_path=tmp_path / "deployments" / "local.json",
        token=manifest.address("AzoraToken").lower(),
        ledger=manifest.address("Ledger").lower(),
        driver=driver,
    )
    admin = USERS[0]
    driver.send(admin, dep.token, "grantRole(bytes32,address)", ["bytes32", "address"], [MINTER_ROLE, admin])
    driver.send(admin, dep.ledger, "grantRole(bytes32,address)", ["bytes32", "address"], [WRITER_ROLE, admin])
    return dep


@pytest.fixture
def make_settings(deployment: Deployment, rpc_url: str) -> Callable[..., IndexerSettings]:
    """Factory: indexer settings for `deployment` on a given database (overrides as keywords)."""

    def _make(database_url: str, **overrides: Any) -> IndexerSettings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "rpc_url": rpc_url,
            "redis_url": None,
            "manifest_path": deployment.manifest_path,
            "poll_interval": 0.05,
            "reorg_window": 32,
            "backoff_base": 0.01,
            "backoff_max": 0.2,
        }
        values.update(overrides)
        return IndexerSettings(**values)

    return _make


@pytest.fixture
def index(make_settings: Callable[..., IndexerSettings]) -> Callable[..., SyncResult]:
    """Index `database_url` until caught up (keywords go to the settings)."""

    def _index(database_url: str, **overrides: Any) -> SyncResult:
        return run_indexer(make_settings(database_url, **overrides), follow=False)

    return _index


# Tables compared between databases: every projection and the raw logs. `blocks` (a window
# relative to the head at commit time) and the cursor's bookkeeping are excluded.
COMPARED = {
    "raw_logs": "block_number, log_index",
    "token_transfers": "block_number, log_index",
    "token_balances": "account",
    "token_supply": "block_number",
    "token_delegation_changes": "block_number, log_index",
    "token_delegations": "delegator",
    "token_votes_history": "block_number, log_index",
    "token_votes": "delegate",
    "ledger_entries": "entry_index",
    "oracle_attestations": "uid",
    "oracle_rejections": "block_number, log_index",
    "oracle_schema_changes": "block_number, log_index",
    "oracle_schemas": "schema",
    "oracle_signer_set_changes": "block_number, log_index",
    "oracle_signer_sets": "domain",
    "pok_rewards": "block_number, log_index",
    "pok_epochs": "epoch",
    "pok_parameter_changes": "block_number, log_index",
    "credentials": "token_id",
}


def snapshot(database_url: str, chain_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every compared table's rows of `chain_id`, ordered, plus the ledger status and cursor block."""
    engine = create_db_engine(database_url)
    out: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with engine.connect() as conn:
            for table, order in COMPARED.items():
                rows = conn.execute(
                    text(f"SELECT * FROM {table} WHERE chain_id = :c ORDER BY {order}"), {"c": chain_id}
                ).all()
                out[table] = [tuple(r) for r in rows]
            out["ledger_status"] = [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT entry_count, verified_count, ok, verified_head, latest_head, first_mismatch"
                        " FROM ledger_status WHERE chain_id = :c"
                    ),
                    {"c": chain_id},
                ).all()
            ]
    finally:
        engine.dispose()
    return out


def cursor_state(database_url: str, chain_id: int) -> tuple[int, str | None]:
    """(last_block, last_block_hash) of the cursor; (-1, None) before the first commit."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT last_block, last_block_hash FROM sync_cursors WHERE chain_id = :c"),
                {"c": chain_id},
            ).first()
    finally:
        engine.dispose()
    return (-1, None) if row is None else (int(row.last_block), row.last_block_hash)


def cursor_block(database_url: str, chain_id: int) -> int:
    return cursor_state(database_url, chain_id)[0]


def wait_for_head(database_url: str, dep: Deployment, timeout: float = 30) -> None:
    """Wait until the cursor is at the chain head (same number and hash)."""
    deadline = time.monotonic() + timeout
    while True:
        head = dep.driver.rpc("eth_getBlockByNumber", "latest", False)
        state = cursor_state(database_url, dep.chain_id)
        if state == (int(head["number"], 16), head["hash"]):
            return
        assert time.monotonic() < deadline, (
            f"cursor {state} never reached head {head['number']} {head['hash']}"
        )
        time.sleep(0.05)


def assert_matches_chain(database_url: str, dep: Deployment) -> None:
    """Balances, votes, delegations, supply and the ledger in the database equal the contracts' state."""
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as conn:
            c = {"c": dep.chain_id}
            balances: dict[str, Any] = dict(
                conn.execute(text("SELECT account, balance FROM token_balances WHERE chain_id = :c"), c).all()
            )
            votes: dict[str, Any] = dict(
                conn.execute(text("SELECT delegate, votes FROM token_votes WHERE chain_id = :c"), c).all()
            )
            delegations: dict[str, Any] = dict(
                conn.execute(
                    text("SELECT delegator, delegate FROM token_delegations WHERE chain_id = :c"), c
                ).all()
            )
            supply = conn.execute(
                text(
                    "SELECT total_supply FROM token_supply WHERE chain_id = :c"
                    " ORDER BY block_number DESC LIMIT 1"
                ),
                c,
            ).scalar()
            status = conn.execute(text("SELECT * FROM ledger_status WHERE chain_id = :c"), c).first()
            entries = conn.execute(
                text("SELECT count(*) FROM ledger_entries WHERE chain_id = :c"), c
            ).scalar()
            history = conn.execute(
                text(
                    "SELECT delegate, block_number, new_votes FROM token_votes_history WHERE chain_id = :c"
                    " ORDER BY block_number, log_index"
                ),
                c,
            ).all()
    finally:
        engine.dispose()

    for account in {*USERS, *balances}:
        assert int(balances.get(account, 0)) == dep.balance_of(account), f"balance of {account}"
        assert int(votes.get(account, 0)) == dep.votes(account), f"votes of {account}"
        assert delegations.get(account, ZERO) == dep.delegates(account), f"delegate of {account}"
    assert int(supply or 0) == dep.total_supply()
    assert sum(int(b) for b in balances.values()) == dep.total_supply()

    # Voting-power history answers getPastVotes at every block where it changed.
    head = dep.driver.block_number()
    for delegate, block, _ in history[-30:]:
        if block < head:
            values = [int(v) for d, b, v in history if d == delegate and b <= block]
            assert values[-1] == dep.past_votes(delegate, block)

    count = dep.ledger_count()
    assert entries == count
    if count:
        assert status is not None
        assert status.ok and status.verified_count == count and status.first_mismatch is None
        assert status.verified_head == dep.ledger_head() == status.latest_head
