"""Reorg safety: after a reorg of depth 1..12 the database equals a fresh re-index of the new chain."""

from __future__ import annotations

import random
from typing import Any

import pytest
from eth_abi import encode as abi_encode

from tests.indexer.conftest import (
    AZR,
    LEDGER_KINDS,
    USERS,
    Deployment,
    assert_matches_chain,
    cursor_block,
    random_activity,
    selector,
    snapshot,
)


def _tx(
    dep: Deployment, sender: str, to: str, signature: str, types: list[str], args: list[Any]
) -> dict[str, Any]:
    data = "0x" + (selector(signature) + abi_encode(types, args)).hex()
    return {"from": sender, "to": to, "data": data, "gas": hex(400_000)}


def _replacement_txs(dep: Deployment, rng: random.Random, depth: int) -> list[list[Any]]:
    """Different token and ledger activity for the replacement blocks: [txObject, blockOffset] pairs."""
    txs: list[list[Any]] = []
    for offset in range(depth):
        a, b = rng.sample(USERS[1:5], 2)
        txs.append(
            [
                _tx(
                    dep,
                    a,
                    dep.token,
                    "transfer(address,uint256)",
                    ["address", "uint256"],
                    [b, 7 * AZR + offset],
                ),
                offset,
            ]
        )
        if offset % 2 == 0:
            txs.append(
                [_tx(dep, a, dep.token, "delegate(address)", ["address"], [rng.choice(USERS[1:9])]), offset]
            )
        if offset % 3 == 0:
            txs.append(
                [
                    _tx(
                        dep,
                        USERS[0],
                        dep.ledger,
                        "record(bytes32,address,uint256,bytes32)",
                        ["bytes32", "address", "uint256", "bytes32"],
                        [LEDGER_KINDS[1], b, offset + 1, rng.randbytes(32)],
                    ),
                    offset,
                ]
            )
    return txs


def _busy_blocks(dep: Deployment, rng: random.Random, blocks: int) -> None:
    """`blocks` blocks, each with a few token / ledger events."""
    for _ in range(blocks):
        random_activity(dep, rng, transactions=3, per_block=3)


@pytest.mark.parametrize("depth", range(1, 13))
def test_anvil_reorg__depth_n__database_equals_fresh_reindex(deployment, make_db, index, depth):
    rng = random.Random(depth)
    _busy_blocks(deployment, rng, 14)
    database = make_db()
    index(database)
    head = deployment.driver.block_number()
    before = snapshot(database, deployment.chain_id)

    deployment.driver.rpc("anvil_reorg", depth, _replacement_txs(deployment, rng, depth))
    result = index(database)

    assert result.reorgs == 1
    assert cursor_block(database, deployment.chain_id) == deployment.driver.block_number() == head
    after = snapshot(database, deployment.chain_id)
    assert after != before
    fresh = make_db()
    index(fresh)
    assert after == snapshot(fresh, deployment.chain_id)
    assert_matches_chain(database, deployment)


@pytest.mark.parametrize(("depth", "replacement"), [(1, 0), (3, 6), (7, 2), (12, 12)])
def test_snapshot_revert__other_branch__database_equals_fresh_reindex(
    deployment, make_db, index, depth, replacement
):
    """evm_revert drops `depth` indexed blocks; the new branch has `replacement` blocks (maybe fewer)."""
    rng = random.Random(100 + depth)
    _busy_blocks(deployment, rng, 3)
    snap = deployment.driver.rpc("evm_snapshot")
    _busy_blocks(deployment, rng, depth)
    database = make_db()
    index(database)

    assert deployment.driver.rpc("evm_revert", snap)
    _busy_blocks(deployment, random.Random(-depth), replacement)
    result = index(database)

    assert result.reorgs == 1
    assert cursor_block(database, deployment.chain_id) == deployment.driver.block_number()
    fresh = make_db()
    index(fresh)
    assert snapshot(database, deployment.chain_id) == snapshot(fresh, deployment.chain_id)
    assert_matches_chain(database, deployment)


def test_reorg__deeper_than_the_window__refused(deployment, make_db, index):
    from indexer.exceptions import ReorgTooDeepError

    _busy_blocks(deployment, random.Random(7), 12)
    database = make_db()
    index(database, reorg_window=4)

    deployment.driver.rpc("anvil_reorg", 10, [])
    with pytest.raises(ReorgTooDeepError):
        index(database, reorg_window=4)
