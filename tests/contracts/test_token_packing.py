"""AzoraToken's packed storage at its edges: balances and votes at the cap, block numbers at the
38-bit checkpoint limit (titanoboa, which can set the block number), history words of both parities."""

from pathlib import Path

import boa
import pytest
from eth_utils import keccak, to_checksum_address

AZR = 10**18
GENESIS_EACH = 1_000_000 * AZR
CAP = 1_000_000_000 * AZR
MAX_BLOCK = 2**38 - 1
TOKEN_SOURCE = Path(__file__).resolve().parents[2] / "contracts" / "AzoraToken.vy"


def test_mint__to_cap_with_delegate__keeps_delegate_and_exact_votes(token, alice, carol, minter, delegate):
    delegate(carol, sender=alice)
    token.mint(alice, CAP - token.totalSupply(), sender=minter)
    assert token.totalSupply() == CAP
    assert token.balanceOf(alice) == CAP - 2 * GENESIS_EACH
    assert token.delegates(alice) == carol.address
    assert token.getVotes(carol) == CAP - 2 * GENESIS_EACH


def test_transfer__cap_sized_balance_both_ways__keeps_both_delegates(
    token, alice, bob, carol, minter, delegate
):
    token.mint(alice, CAP - token.totalSupply(), sender=minter)
    delegate(carol, sender=alice)
    delegate(bob, sender=bob)
    everything = token.balanceOf(alice)
    token.transfer(bob, everything, sender=alice)
    assert (token.balanceOf(alice), token.balanceOf(bob)) == (0, everything + GENESIS_EACH)
    assert (token.delegates(alice), token.delegates(bob)) == (carol.address, bob.address)
    assert (token.getVotes(carol), token.getVotes(bob)) == (0, everything + GENESIS_EACH)
    token.transfer(alice, everything, sender=bob)
    assert token.getVotes(carol) == everything
    assert token.delegates(bob) == bob.address


def test_checkpoints__odd_and_even_positions__read_back_in_order(token, alice, bob, delegate, chain, mine):
    delegate(alice, sender=alice)
    blocks = [chain.blocks.head.number]
    for _ in range(5):
        token.transfer(bob, AZR, sender=alice)
        blocks.append(chain.blocks.head.number)
    assert token.numCheckpoints(alice) == 6
    mine(1)
    for pos, block in enumerate(blocks):
        checkpoint = token.checkpoints(alice, pos)
        assert (checkpoint.fromBlock, checkpoint.votes) == (block, GENESIS_EACH - pos * AZR)
        assert token.getPastVotes(alice, block) == GENESIS_EACH - pos * AZR
    assert token.getPastVotes(alice, blocks[0] - 1) == 0


# --- the 38-bit block number of a checkpoint (titanoboa sets the block number) --------------------


def _actor(label: str) -> str:
    return to_checksum_address(keccak(text=f"azora.packing.{label}")[12:])


@pytest.fixture
def boa_token():
    """AZR in titanoboa with 1M to `holder`; the block number is restored afterwards."""
    holder = _actor("holder")
    with boa.env.anchor():
        boa.env.evm.patch.block_number = 1_000
        with boa.env.prank(_actor("admin")):
            contract = boa.load(str(TOKEN_SOURCE), [holder], [GENESIS_EACH])
        yield contract, holder


def test_checkpoint__at_last_supported_block__is_recorded(boa_token):
    contract, holder = boa_token
    boa.env.evm.patch.block_number = MAX_BLOCK
    with boa.env.prank(holder):
        contract.delegate(holder)
    assert contract.checkpoints(holder, 0) == (MAX_BLOCK, GENESIS_EACH)
    boa.env.evm.patch.block_number = MAX_BLOCK + 1
    assert contract.getPastVotes(holder, MAX_BLOCK) == GENESIS_EACH


def test_checkpoint__past_last_supported_block__reverts(boa_token):
    contract, holder = boa_token
    boa.env.evm.patch.block_number = MAX_BLOCK + 1
    with boa.env.prank(holder), boa.reverts("token: block number out of range"):
        contract.delegate(holder)


def test_transfer__undelegated_past_last_supported_block__succeeds(boa_token):
    contract, holder = boa_token
    boa.env.evm.patch.block_number = MAX_BLOCK + 1
    with boa.env.prank(holder):
        contract.transfer(_actor("receiver"), AZR)
    assert contract.balanceOf(_actor("receiver")) == AZR


def test_burn__past_last_supported_block__reverts(boa_token):
    # The supply trace takes a checkpoint on every mint and burn, delegated or not.
    contract, holder = boa_token
    boa.env.evm.patch.block_number = MAX_BLOCK + 1
    with boa.env.prank(holder), boa.reverts("token: block number out of range"):
        contract.burn(AZR)
