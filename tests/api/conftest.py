"""API fixtures: a migrated database seeded through the indexer's models, and app clients.

`seeded_database_url` holds one deterministic data set (`SEED`), shared by the read-only
route tests; tests that need another state migrate their own fresh `database_url`.
Clients are FastAPI `TestClient`s run as context managers, so the app's lifespan (engine,
Redis and HTTP client shutdown) runs as in production.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from api.main import create_app
from api.rpc import JsonRpcClient
from api.settings import ApiSettings
from indexer.db import create_db_engine, upgrade
from indexer.models import (
    Base,
    LedgerEntry,
    LedgerStatus,
    SyncCursor,
    TokenBalance,
    TokenDelegation,
    TokenSupply,
    TokenTransfer,
    TokenVotes,
)

CHAIN_ID = 31337
INDEXED_BLOCK = 120
AZR = 10**18
ZERO = "0x" + "00" * 20
ZERO_HASH = "0x" + "00" * 32

# Stored lowercase, as the indexer stores them; the API must serve them checksummed.
ALICE = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
BOB = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
CAROL = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"
DAVE = "0x90f79bf6eb2c4f870365e785982e1f101e93b906"
ERIN = "0x15d34aaf54267db7d7c367839aaf71a00a2c6a65"
NOBODY = "0x000000000000000000000000000000000000dead"


def tx_hash(n: int) -> str:
    return "0x" + keccak(text=f"tx{n}").hex()


def ledger_head(prev: str, index: int, kind: str, account: str, amount: int, ref: str, block: int) -> str:
    """head_n as the Ledger contract computes it."""
    encoded = encode(
        ["bytes32", "uint256", "bytes32", "address", "uint256", "bytes32", "uint256"],
        [
            bytes.fromhex(prev[2:]),
            index,
            bytes.fromhex(kind[2:]),
            account,
            amount,
            bytes.fromhex(ref[2:]),
            block,
        ],
    )
    return "0x" + keccak(encoded).hex()


@dataclass
class Seed:
    """The shared data set, kept as plain tuples so tests can derive expectations from it."""

    transfers: list[tuple[int, int, str, str, int]] = field(
        default_factory=list
    )  # block, log, from, to, amount
    delegations: dict[str, str] = field(default_factory=dict)
    ledger: list[dict[str, Any]] = field(default_factory=list)

    def balances(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, _, sender, recipient, amount in self.transfers:
            if sender != ZERO:
                out[sender] = out.get(sender, 0) - amount
            if recipient != ZERO:
                out[recipient] = out.get(recipient, 0) + amount
        return out

    def votes(self) -> dict[str, int]:
        balances = self.balances()
        out: dict[str, int] = {}
        for delegator, delegate in self.delegations.items():
            if delegate != ZERO:
                out[delegate] = out.get(delegate, 0) + balances.get(delegator, 0)
        return out

    def supply(self) -> int:
        minted = sum(a for _, _, s, _, a in self.transfers if s == ZERO)
        burned = sum(a for _, _, _, r, a in self.transfers if r == ZERO)
        return minted - burned

    def transfers_of(self, account: str) -> list[tuple[int, int, str, str, int]]:
        """`account`'s transfers, newest first."""
        mine = [t for t in self.transfers if account in (t[2], t[3])]
        return sorted(mine, key=lambda t: (t[0], t[1]), reverse=True)


def build_seed() -> Seed:
    seed = Seed()
    # Genesis mints in block 1.
    for log, holder in enumerate((ALICE, BOB, CAROL, DAVE)):
        seed.transfers.append((1, log, ZERO, holder, 1_000_000 * AZR))
    # 24 transfers from alice, two per block (same block, different log index), 2.55e20 wei each:
    # a NUMERIC read back as Decimal would print 2.55E+20.
    for i in range(24):
        recipient = (BOB, CAROL, ERIN)[i % 3]
        seed.transfers.append((10 + i // 2, i % 2, ALICE, recipient, 255 * AZR))
    seed.transfers.append((40, 0, ALICE, ALICE, 7 * AZR))  # self-transfer
    seed.transfers.append((41, 3, BOB, ALICE, 1 * AZR))
    seed.transfers.append((42, 0, BOB, ZERO, 500 * AZR))  # burn
    # Delegations: bob follows alice; carol and dave delegate to themselves with equal balances
    # (a votes tie ordered by address); erin withdrew (delegate = zero address).
    seed.delegations = {ALICE: ALICE, BOB: ALICE, CAROL: CAROL, DAVE: DAVE, ERIN: ZERO}
    # Make carol's and dave's votes equal: dave receives what carol received.
    received_by_carol = sum(a for _, _, s, r, a in seed.transfers if r == CAROL and s != ZERO)
    seed.transfers.append((43, 0, ALICE, DAVE, received_by_carol))
    # Ledger: 12 entries alternating REWARD / FEE, a hash chain as the contract builds it.
    head = ZERO_HASH
    for index in range(1, 13):
        name = "REWARD" if index % 2 else "FEE"
        kind = "0x" + keccak(text=name).hex()
        account = (ALICE, BOB, CAROL)[index % 3]
        amount = index * 10 * AZR + 1
        ref = "0x" + keccak(text=f"ref{index}").hex()
        block = 50 + index
        head = ledger_head(head, index, kind, account, amount, ref, block)
        seed.ledger.append(
            {
                "entry_index": index,
                "kind": kind,
                "kind_name": name,
                "account": account,
                "amount": amount,
                "ref": ref,
                "head": head,
                "block_number": block,
                "log_index": 0,
                "tx_hash": tx_hash(1000 + index),
                "block_timestamp": 1_700_000_000 + block,
            }
        )
    return seed


SEED = build_seed()


def seed_cursor(session: Session, last_block: int = INDEXED_BLOCK, chain_id: int = CHAIN_ID) -> None:
    session.add(
        SyncCursor(
            chain_id=chain_id,
            start_block=1,
            last_block=last_block,
            last_block_hash=None,
            head_block=last_block,
            final_block=0,
            published_block=last_block,
            addresses="",
        )
    )


def seed_database(session: Session, seed: Seed) -> None:
    """Write `seed` through the indexer's models, as the indexer's projections would hold it."""
    seed_cursor(session)
    for n, (block, log, sender, recipient, amount) in enumerate(seed.transfers):
        session.add(
            TokenTransfer(
                chain_id=CHAIN_ID,
                block_number=block,
                log_index=log,
                tx_hash=tx_hash(n),
                from_address=sender,
                to_address=recipient,
                amount=amount,
                block_timestamp=1_700_000_000 + block,
            )
        )
    for account, balance in seed.balances().items():
        session.add(TokenBalance(chain_id=CHAIN_ID, account=account, balance=balance))
    mints = sum(a for _, _, s, _, a in seed.transfers if s == ZERO)
    session.add(TokenSupply(chain_id=CHAIN_ID, block_number=1, total_supply=mints, minted=mints, burned=0))
    session.add(
        TokenSupply(
            chain_id=CHAIN_ID,
            block_number=42,
            total_supply=seed.supply(),
            minted=0,
            burned=mints - seed.supply(),
        )
    )
    for n, (delegator, delegate) in enumerate(seed.delegations.items()):
        session.add(
            TokenDelegation(
                chain_id=CHAIN_ID, delegator=delegator, delegate=delegate, block_number=5, log_index=n
            )
        )
    for n, (delegate, votes) in enumerate(seed.votes().items()):
        session.add(
            TokenVotes(chain_id=CHAIN_ID, delegate=delegate, votes=votes, block_number=44, log_index=n)
        )
    session.add(TokenVotes(chain_id=CHAIN_ID, delegate=ERIN, votes=0, block_number=44, log_index=9))
    for entry in seed.ledger:
        session.add(LedgerEntry(chain_id=CHAIN_ID, **entry))
    last = seed.ledger[-1]
    session.add(
        LedgerStatus(
            chain_id=CHAIN_ID,
            entry_count=len(seed.ledger),
            verified_count=len(seed.ledger),
            ok=True,
            verified_head=last["head"],
            latest_head=last["head"],
            first_mismatch=None,
            checked_block=INDEXED_BLOCK,
        )
    )


@pytest.fixture(scope="session")
def blank_database_url(make_database: Callable[[], str]) -> str:
    """One database at the indexer's latest schema, reused (emptied) by `migrated_database_url`."""
    url = make_database()
    upgrade(url)
    return url


@pytest.fixture
def migrated_database_url(blank_database_url: str) -> str:
    """A database at the indexer's latest schema with every indexer table empty.

    Emptied with one TRUNCATE instead of a new database per test: creating and dropping
    databases dominates the suite's time otherwise.
    """
    engine = create_db_engine(blank_database_url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(t.name for t in Base.metadata.sorted_tables)}"))
    engine.dispose()
    return blank_database_url


@pytest.fixture
def db_session(migrated_database_url: str) -> Iterator[Session]:
    """A session on `migrated_database_url` for tests that write their own rows (commit to publish them)."""
    engine = create_db_engine(migrated_database_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture(scope="session")
def seeded_database_url(make_database: Callable[[], str]) -> str:
    """One migrated database holding `SEED`, shared by the read-only tests."""
    url = make_database()
    upgrade(url)
    engine = create_db_engine(url)
    with Session(engine) as session, session.begin():
        seed_database(session, SEED)
    engine.dispose()
    return url


@pytest.fixture
def make_settings(redis_url: str, redis_prefix: str) -> Callable[..., ApiSettings]:
    """Factory: ApiSettings on `database_url` with this test's Redis prefix; keyword overrides."""

    def _make(database_url: str, **overrides: Any) -> ApiSettings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "redis_url": redis_url,
            "rate_limit_prefix": redis_prefix + "ratelimit:",
            "rpc_url": None,
        }
        values.update(overrides)
        return ApiSettings(**values)

    return _make


@pytest.fixture
def make_client(make_settings: Callable[..., ApiSettings]) -> Iterator[Callable[..., TestClient]]:
    """Factory: a started TestClient on a new app; every client is closed (lifespan shutdown) at teardown."""
    clients: list[TestClient] = []

    def _make(
        database_url: str, *, app: FastAPI | None = None, raise_errors: bool = True, **overrides: Any
    ) -> TestClient:
        application = app or create_app(make_settings(database_url, **overrides))
        client = TestClient(application, raise_server_exceptions=raise_errors)
        client.__enter__()
        clients.append(client)
        return client

    yield _make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient], seeded_database_url: str) -> TestClient:
    """A client of an app serving the shared seeded database."""
    return make_client(seeded_database_url)


def fake_rpc(app: FastAPI, *, chain_id: int = CHAIN_ID, head: int | None = None, fail: bool = False) -> None:
    """Point the app's RPC client at an in-process JSON-RPC stub answering eth_chainId / eth_blockNumber."""

    def handler(request: httpx.Request) -> httpx.Response:
        if fail:
            raise httpx.ConnectError("connection refused", request=request)
        call = json.loads(request.content)
        results = {"eth_chainId": hex(chain_id), "eth_blockNumber": hex(head if head is not None else 0)}
        return httpx.Response(
            200, json={"jsonrpc": "2.0", "id": call["id"], "result": results[call["method"]]}
        )

    app.state.rpc = JsonRpcClient(
        "http://rpc.stub", httpx.AsyncClient(transport=httpx.MockTransport(handler)), 1.0
    )


def checksum(address: str) -> str:
    return to_checksum_address(address)


def assert_problem(
    response: httpx.Response, status: int, *, type_suffix: str | None = None
) -> dict[str, Any]:
    """`response` is an RFC 9457 problem with `status`; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert "type" in body
    if type_suffix is not None:
        assert body["type"].endswith(type_suffix), body
    return body


def page_through(
    client: TestClient,
    url: str,
    limit: int,
    *,
    envelope: tuple[int, int] = (CHAIN_ID, INDEXED_BLOCK),
    **filters: Any,
) -> tuple[list[dict[str, Any]], int]:
    """Every row of a paginated list, following next_cursor, and the number of pages.
    Each page must carry `envelope` (chain id, indexed block)."""
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": limit, **filters}
        if cursor:
            params["cursor"] = cursor
        response = client.get(url, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["chain_id"], body["indexed_block"]) == envelope
        assert len(body["data"]) <= limit
        rows.extend(body["data"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return rows, pages
