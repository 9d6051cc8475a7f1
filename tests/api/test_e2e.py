"""End to end: transactions on anvil -> the indexer (one pass) -> PostgreSQL -> the API.

Every figure the API serves is compared with the contracts' own view (ape calls), not
with numbers computed by the test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from azora.deploy import deploy
from azora.profiles import dev_profile
from indexer.runner import run_indexer
from indexer.settings import IndexerSettings
from tests.api.conftest import assert_problem, page_through

AZR = 10**18


@pytest.fixture
def deployed(project: Any, chain: Any, accounts: Any, tmp_path: Path) -> tuple[Any, Any, Path]:
    """Token + ledger with the dev profile (accounts[1..4] hold 10M AZR each); accounts[0] is admin."""
    manifest_path = tmp_path / "deployments" / "local.json"
    outcome = deploy(
        project=project,
        provider=chain.provider,
        deployer=accounts[0],
        admin=accounts[0].address,  # direct admin powers for the test (default: the Timelock)
        profile=dev_profile(),
        network="local",
        manifest_path=manifest_path,
        force=True,
    )
    token = project.AzoraToken.at(outcome.manifest.address("AzoraToken"))
    ledger = project.Ledger.at(outcome.manifest.address("Ledger"))
    return token, ledger, manifest_path


def test_e2e__chain_to_indexer_to_api__served_values_match_the_contracts(
    deployed: tuple[Any, Any, Path],
    accounts: Any,
    chain: Any,
    deployer: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    writer: Any,
    migrated_database_url: str,
    make_client: Callable[..., TestClient],
) -> None:
    token, ledger, manifest_path = deployed
    # Activity: transfers (one of 2.55e20 wei), delegations, a burn, ledger entries.
    token.transfer(carol, 255 * AZR, sender=alice)
    token.transfer(bob, 1_000 * AZR, sender=alice)
    token.transfer(alice, 3 * AZR, sender=carol)
    # ape's instance attribute `delegate` (EIP-7702) shadows the contract method.
    token.invoke_transaction("delegate", alice, sender=alice)
    token.invoke_transaction("delegate", alice, sender=bob)
    token.invoke_transaction("delegate", carol, sender=carol)
    token.burn(7 * AZR, sender=bob)
    ledger.grantRole(ledger.WRITER_ROLE(), writer, sender=deployer)
    for n, (kind, who) in enumerate([("REWARD", alice), ("FEE", bob), ("REWARD", alice)], start=1):
        ledger.record(getattr(ledger, kind)(), who, n * AZR, n.to_bytes(32, "big"), sender=writer)

    rpc_url: str = chain.provider.uri
    result = run_indexer(
        IndexerSettings(database_url=migrated_database_url, rpc_url=rpc_url, manifest_path=manifest_path),
        follow=False,
    )
    indexed = chain.blocks.head.number
    assert result.last_block == indexed

    api = make_client(migrated_database_url, rpc_url=rpc_url)

    # Accounts: balance, votes and delegate as the token reports them.
    for account in (alice, bob, carol):
        body = api.get(f"/v1/accounts/{account.address.lower()}").json()
        assert (body["chain_id"], body["indexed_block"]) == (chain.chain_id, indexed)
        assert body["data"]["address"] == account.address
        assert body["data"]["balance"] == str(token.balanceOf(account))
        assert body["data"]["votes"] == str(token.getVotes(account))
        assert body["data"]["delegate"] == token.delegates(account)

    # Transfers of carol, newest first, one per page.
    rows, _ = page_through(
        api, f"/v1/accounts/{carol.address}/transfers", 1, envelope=(chain.chain_id, indexed)
    )
    assert [(r["from"], r["to"], r["amount"], r["direction"]) for r in rows] == [
        (carol.address, alice.address, str(3 * AZR), "out"),
        (alice.address, carol.address, str(255 * AZR), "in"),
    ]

    # Token statistics.
    stats = api.get("/v1/token").json()["data"]
    assert stats["total_supply"] == str(token.totalSupply())
    assert stats["cap"] == str(token.CAP())
    assert stats["holders"] == len(dev_profile().genesis) + 1  # + carol

    # Delegates ranked by the contract's votes.
    delegates = api.get("/v1/delegates").json()["data"]
    assert [(d["address"], d["votes"]) for d in delegates] == sorted(
        [(a.address, str(token.getVotes(a))) for a in (alice, carol)], key=lambda d: -int(d[1])
    )
    assert delegates[0]["delegators"] == 2

    # Ledger entries and the verified hash chain.
    entries = api.get("/v1/ledger/entries").json()["data"]
    assert [e["index"] for e in entries] == list(range(1, ledger.count() + 1))
    assert [e["kind_name"] for e in entries] == ["REWARD", "FEE", "REWARD"]
    assert entries[-1]["head"] == "0x" + bytes(ledger.head()).hex()
    verdict = api.get("/v1/ledger/verify").json()["data"]
    assert verdict["ok"] is True
    assert verdict["count"] == ledger.count()
    assert verdict["head"] == verdict["verified_head"] == "0x" + bytes(ledger.head()).hex()

    # Readiness against the real node: the chain moves on, the index does not.
    chain.mine(5)
    ready = api.get("/ready")
    assert ready.status_code == 200, ready.text
    assert (ready.json()["head_block"], ready.json()["lag_blocks"]) == (indexed + 5, 5)
    strict = make_client(migrated_database_url, rpc_url=rpc_url, ready_max_lag_blocks=2)
    assert assert_problem(strict.get("/ready"), 503)["lag_blocks"] == 5
