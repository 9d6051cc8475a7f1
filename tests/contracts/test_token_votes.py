"""AzoraToken ERC-5805 votes: delegation, vote movement on transfer/mint/burn, checkpoints, past lookups."""

import ape

AZR = 10**18
GENESIS_EACH = 1_000_000 * AZR
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def checkpoint(token, account, pos):
    cp = token.checkpoints(account, pos)
    return (cp.fromBlock, cp.votes)


# --- EIP-6372 clock -------------------------------------------------------------------------------


def test_clock__is_current_block_number(token, chain, mine):
    assert token.clock() == chain.blocks.head.number
    mine(3)
    assert token.clock() == chain.blocks.head.number


def test_clock_mode__is_block_number_from_default(token):
    assert token.CLOCK_MODE() == "mode=blocknumber&from=default"


# --- delegate -------------------------------------------------------------------------------------


def test_votes__undelegated_holder__has_none(token, alice):
    assert token.delegates(alice) == ZERO_ADDRESS
    assert token.getVotes(alice) == 0
    assert token.numCheckpoints(alice) == 0


def test_delegate__to_self__gives_balance_as_votes_and_emits_events(
    token, alice, delegate, votes_changed, delegate_changed
):
    receipt = delegate(alice, sender=alice)
    assert token.delegates(alice) == alice.address
    assert token.getVotes(alice) == GENESIS_EACH
    assert delegate_changed(receipt) == [(alice.address, ZERO_ADDRESS, alice.address)]
    assert votes_changed(receipt) == [(alice.address, 0, GENESIS_EACH)]


def test_delegate__to_other__gives_votes_to_delegatee_only(token, alice, carol, delegate):
    delegate(carol, sender=alice)
    assert token.getVotes(carol) == GENESIS_EACH
    assert token.getVotes(alice) == 0
    assert token.balanceOf(carol) == 0


def test_delegate__two_delegators__votes_add_up(token, alice, bob, carol, delegate, votes_changed):
    delegate(carol, sender=alice)
    receipt = delegate(carol, sender=bob)
    assert token.getVotes(carol) == 2 * GENESIS_EACH
    assert votes_changed(receipt) == [(carol.address, GENESIS_EACH, 2 * GENESIS_EACH)]


def test_delegate__redelegate__moves_votes_and_emits_previous_and_new(
    token, alice, bob, carol, delegate, votes_changed, delegate_changed
):
    delegate(carol, sender=alice)
    delegate(carol, sender=bob)
    receipt = delegate(bob, sender=alice)
    assert token.getVotes(carol) == GENESIS_EACH
    assert token.getVotes(bob) == GENESIS_EACH
    assert delegate_changed(receipt) == [(alice.address, carol.address, bob.address)]
    assert votes_changed(receipt) == [
        (carol.address, 2 * GENESIS_EACH, GENESIS_EACH),
        (bob.address, 0, GENESIS_EACH),
    ]


def test_delegate__to_zero_address__withdraws_votes(token, alice, delegate, votes_changed, delegate_changed):
    delegate(alice, sender=alice)
    receipt = delegate(ZERO_ADDRESS, sender=alice)
    assert token.delegates(alice) == ZERO_ADDRESS
    assert token.getVotes(alice) == 0
    assert delegate_changed(receipt) == [(alice.address, alice.address, ZERO_ADDRESS)]
    assert votes_changed(receipt) == [(alice.address, GENESIS_EACH, 0)]


def test_delegate__same_delegate_again__emits_only_delegate_changed(
    token, alice, delegate, votes_changed, delegate_changed
):
    delegate(alice, sender=alice)
    receipt = delegate(alice, sender=alice)
    assert delegate_changed(receipt) == [(alice.address, alice.address, alice.address)]
    assert votes_changed(receipt) == []
    assert token.numCheckpoints(alice) == 1
    assert token.getVotes(alice) == GENESIS_EACH


def test_delegate__without_balance__records_delegate_but_no_votes(
    token, stranger, carol, delegate, votes_changed, delegate_changed
):
    receipt = delegate(carol, sender=stranger)
    assert token.delegates(stranger) == carol.address
    assert delegate_changed(receipt) == [(stranger.address, ZERO_ADDRESS, carol.address)]
    assert votes_changed(receipt) == []
    assert token.numCheckpoints(carol) == 0


# --- votes follow balances ------------------------------------------------------------------------


def test_transfer__between_delegated_holders__moves_votes(token, alice, bob, delegate, votes_changed):
    delegate(alice, sender=alice)
    delegate(bob, sender=bob)
    receipt = token.transfer(bob, 10 * AZR, sender=alice)
    assert token.getVotes(alice) == GENESIS_EACH - 10 * AZR
    assert token.getVotes(bob) == GENESIS_EACH + 10 * AZR
    assert votes_changed(receipt) == [
        (alice.address, GENESIS_EACH, GENESIS_EACH - 10 * AZR),
        (bob.address, GENESIS_EACH, GENESIS_EACH + 10 * AZR),
    ]


def test_transfer__to_undelegated_holder__only_removes_sender_votes(
    token, alice, carol, delegate, votes_changed
):
    delegate(alice, sender=alice)
    receipt = token.transfer(carol, 10 * AZR, sender=alice)
    assert token.getVotes(alice) == GENESIS_EACH - 10 * AZR
    assert token.getVotes(carol) == 0
    assert votes_changed(receipt) == [(alice.address, GENESIS_EACH, GENESIS_EACH - 10 * AZR)]


def test_transfer__from_undelegated_holder__only_adds_receiver_votes(
    token, alice, bob, delegate, votes_changed
):
    delegate(bob, sender=bob)
    receipt = token.transfer(bob, 10 * AZR, sender=alice)
    assert votes_changed(receipt) == [(bob.address, GENESIS_EACH, GENESIS_EACH + 10 * AZR)]


def test_transfer__between_holders_with_same_delegate__leaves_votes(
    token, alice, bob, carol, delegate, votes_changed
):
    delegate(carol, sender=alice)
    delegate(carol, sender=bob)
    receipt = token.transfer(bob, 10 * AZR, sender=alice)
    assert token.getVotes(carol) == 2 * GENESIS_EACH
    assert votes_changed(receipt) == []
    assert token.numCheckpoints(carol) == 2


def test_transfer__to_self__leaves_votes(token, alice, delegate, votes_changed):
    delegate(alice, sender=alice)
    receipt = token.transfer(alice, 10 * AZR, sender=alice)
    assert token.getVotes(alice) == GENESIS_EACH
    assert votes_changed(receipt) == []


def test_transfer__zero_amount__writes_no_checkpoint(token, alice, bob, delegate, votes_changed):
    delegate(alice, sender=alice)
    delegate(bob, sender=bob)
    receipt = token.transfer(bob, 0, sender=alice)
    assert votes_changed(receipt) == []
    assert token.numCheckpoints(alice) == 1
    assert token.numCheckpoints(bob) == 1


def test_transfer_from__moves_votes_of_owner_delegate(token, alice, bob, carol, delegate, votes_changed):
    delegate(alice, sender=alice)
    delegate(carol, sender=carol)
    token.approve(bob, 10 * AZR, sender=alice)
    receipt = token.transferFrom(alice, carol, 10 * AZR, sender=bob)
    assert token.getVotes(alice) == GENESIS_EACH - 10 * AZR
    assert token.getVotes(carol) == 10 * AZR
    assert votes_changed(receipt) == [
        (alice.address, GENESIS_EACH, GENESIS_EACH - 10 * AZR),
        (carol.address, 0, 10 * AZR),
    ]


def test_mint__to_delegated_holder__adds_votes_and_supply(
    token, alice, minter, delegate, votes_changed, chain
):
    delegate(alice, sender=alice)
    receipt = token.mint(alice, 5 * AZR, sender=minter)
    assert token.getVotes(alice) == GENESIS_EACH + 5 * AZR
    assert votes_changed(receipt) == [(alice.address, GENESIS_EACH, GENESIS_EACH + 5 * AZR)]
    chain.mine(1)
    assert token.getPastTotalSupply(receipt.block_number) == 3 * GENESIS_EACH + 5 * AZR


def test_mint__to_undelegated_holder__adds_supply_but_no_votes(token, carol, minter, votes_changed, chain):
    receipt = token.mint(carol, 5 * AZR, sender=minter)
    assert votes_changed(receipt) == []
    assert token.getVotes(carol) == 0
    chain.mine(1)
    assert token.getPastTotalSupply(receipt.block_number) == 3 * GENESIS_EACH + 5 * AZR


def test_burn__by_delegated_holder__removes_votes_and_supply(token, alice, delegate, votes_changed, chain):
    delegate(alice, sender=alice)
    receipt = token.burn(5 * AZR, sender=alice)
    assert token.getVotes(alice) == GENESIS_EACH - 5 * AZR
    assert votes_changed(receipt) == [(alice.address, GENESIS_EACH, GENESIS_EACH - 5 * AZR)]
    chain.mine(1)
    assert token.getPastTotalSupply(receipt.block_number) == 3 * GENESIS_EACH - 5 * AZR


def test_burn_from__removes_votes_of_owner_delegate(token, alice, bob, carol, delegate, votes_changed):
    delegate(carol, sender=alice)
    token.approve(bob, 5 * AZR, sender=alice)
    receipt = token.burn_from(alice, 5 * AZR, sender=bob)
    assert token.getVotes(carol) == GENESIS_EACH - 5 * AZR
    assert votes_changed(receipt) == [(carol.address, GENESIS_EACH, GENESIS_EACH - 5 * AZR)]


def test_delegate__after_balance_changes__moves_current_balance(token, alice, carol, minter, delegate):
    token.transfer(carol, 10 * AZR, sender=alice)
    token.mint(alice, 3 * AZR, sender=minter)
    delegate(alice, sender=alice)
    assert token.getVotes(alice) == GENESIS_EACH - 7 * AZR


# --- checkpoints ----------------------------------------------------------------------------------


def test_checkpoints__one_per_block_of_change(token, alice, carol, delegate):
    first = delegate(alice, sender=alice)
    second = token.transfer(carol, 10 * AZR, sender=alice)
    assert token.numCheckpoints(alice) == 2
    assert checkpoint(token, alice, 0) == (first.block_number, GENESIS_EACH)
    assert checkpoint(token, alice, 1) == (second.block_number, GENESIS_EACH - 10 * AZR)


def test_checkpoints__withdrawn_delegation__keeps_zero_checkpoint(token, alice, delegate):
    delegate(alice, sender=alice)
    receipt = delegate(ZERO_ADDRESS, sender=alice)
    assert token.numCheckpoints(alice) == 2
    assert checkpoint(token, alice, 1) == (receipt.block_number, 0)


def test_checkpoints__position_past_end__reverts(token, alice, delegate):
    delegate(alice, sender=alice)
    with ape.reverts("token: checkpoint out of range"):
        token.checkpoints(alice, 1)


def test_checkpoints__account_without_checkpoints__reverts(token, carol):
    with ape.reverts("token: checkpoint out of range"):
        token.checkpoints(carol, 0)


# --- past lookups ---------------------------------------------------------------------------------


def test_get_past_votes__current_block__reverts(token, alice, mine):
    mine(1)
    with ape.reverts("token: future lookup"):
        token.getPastVotes(alice, token.clock())


def test_get_past_votes__future_block__reverts(token, alice):
    with ape.reverts("token: future lookup"):
        token.getPastVotes(alice, token.clock() + 1)


def test_get_past_total_supply__current_block__reverts(token, mine):
    mine(1)
    with ape.reverts("token: future lookup"):
        token.getPastTotalSupply(token.clock())


def test_get_past_total_supply__future_block__reverts(token):
    with ape.reverts("token: future lookup"):
        token.getPastTotalSupply(token.clock() + 1)


def test_get_past_votes__before_first_checkpoint__is_zero(token, alice, delegate, mine):
    receipt = delegate(alice, sender=alice)
    mine(1)
    assert token.getPastVotes(alice, 0) == 0
    assert token.getPastVotes(alice, receipt.block_number - 1) == 0
    assert token.getPastVotes(alice, receipt.block_number) == GENESIS_EACH


def test_past_lookups__every_block_of_a_sequence__match_model(
    token, alice, bob, carol, minter, delegate, mine, chain
):
    """Replays a script of transfers, mints, burns and (re)delegations with empty blocks in between and
    checks getPastVotes / getPastTotalSupply of every account at every block against a Python model."""
    people = {"alice": alice, "bob": bob, "carol": carol}
    balances = {"alice": GENESIS_EACH, "bob": GENESIS_EACH, "carol": 0}
    delegates: dict[str, str | None] = {"alice": None, "bob": None, "carol": None}
    supply = 3 * GENESIS_EACH

    def snapshot():
        votes = {
            name: sum(balances[holder] for holder, to in delegates.items() if to == name) for name in people
        }
        return votes, supply

    start = chain.blocks.head.number
    states = {start: snapshot()}

    def record(receipt):
        states[receipt.block_number] = snapshot()

    delegates["alice"] = "alice"
    record(delegate(alice, sender=alice))
    record(delegate(alice, sender=alice))  # a redelegation to the same delegate changes nothing
    mine(2)
    delegates["bob"] = "alice"
    record(delegate(alice, sender=bob))
    balances["alice"] -= 100 * AZR
    balances["carol"] += 100 * AZR
    record(token.transfer(carol, 100 * AZR, sender=alice))
    mine(1)
    balances["bob"] += 500 * AZR
    supply += 500 * AZR
    record(token.mint(bob, 500 * AZR, sender=minter))
    balances["bob"] -= 200 * AZR
    supply -= 200 * AZR
    record(token.burn(200 * AZR, sender=bob))
    mine(3)
    delegates["bob"] = "carol"
    record(delegate(carol, sender=bob))
    delegates["carol"] = "carol"
    record(delegate(carol, sender=carol))
    balances["alice"] -= 50 * AZR
    balances["bob"] += 50 * AZR
    record(token.transfer(bob, 50 * AZR, sender=alice))
    mine(2)
    balances["carol"] -= 30 * AZR
    supply -= 30 * AZR
    record(token.burn(30 * AZR, sender=carol))
    delegates["alice"] = None
    record(delegate(ZERO_ADDRESS, sender=alice))
    mine(1)

    end = chain.blocks.head.number
    assert token.numCheckpoints(alice) == 8
    expected = states[start]
    for block in range(start, end):
        expected = states.get(block, expected)
        votes, total = expected
        for name, account in people.items():
            assert token.getPastVotes(account, block) == votes[name], (name, block)
        assert token.getPastTotalSupply(block) == total, block
    assert token.getVotes(alice) == 0
    assert token.getVotes(carol) == snapshot()[0]["carol"]


# --- several changes inside one block -------------------------------------------------------------


def test_one_block__transfer_mint_burn_and_delegation__update_one_checkpoint(
    token, alice, bob, carol, minter, delegate, one_block, votes_changed, mine
):
    before = delegate(alice, sender=alice)
    mine(1)
    with one_block() as batch:
        batch.send(token, "transfer", carol, 10 * AZR, sender=alice)
        batch.send(token, "mint", alice, 5 * AZR, sender=minter)
        batch.send(token, "burn", 3 * AZR, sender=alice)
        batch.send(token, "delegate", alice, sender=bob)
    block = batch.block_number
    final = GENESIS_EACH - 10 * AZR + 5 * AZR - 3 * AZR + GENESIS_EACH
    assert token.numCheckpoints(alice) == 2
    assert checkpoint(token, alice, 0) == (before.block_number, GENESIS_EACH)
    assert checkpoint(token, alice, 1) == (block, final)
    # Each event continues from the previous one's new value, all inside the block.
    assert [change for receipt in batch.receipts for change in votes_changed(receipt)] == [
        (alice.address, GENESIS_EACH, GENESIS_EACH - 10 * AZR),
        (alice.address, GENESIS_EACH - 10 * AZR, GENESIS_EACH - 5 * AZR),
        (alice.address, GENESIS_EACH - 5 * AZR, GENESIS_EACH - 8 * AZR),
        (alice.address, GENESIS_EACH - 8 * AZR, final),
    ]
    mine(1)
    assert token.getPastVotes(alice, block - 1) == GENESIS_EACH
    assert token.getPastVotes(alice, block) == final
    assert token.getPastTotalSupply(block - 1) == 3 * GENESIS_EACH
    assert token.getPastTotalSupply(block) == 3 * GENESIS_EACH + 2 * AZR


def test_one_block__first_delegation_and_transfers__create_single_checkpoint(
    token, alice, bob, carol, delegate, one_block, mine
):
    with one_block() as batch:
        batch.send(token, "delegate", alice, sender=alice)
        batch.send(token, "transfer", carol, 10 * AZR, sender=alice)
        batch.send(token, "transfer", alice, 4 * AZR, sender=bob)
    assert token.numCheckpoints(alice) == 1
    assert checkpoint(token, alice, 0) == (batch.block_number, GENESIS_EACH - 6 * AZR)
    mine(1)
    assert token.getPastVotes(alice, batch.block_number - 1) == 0
    assert token.getPastVotes(alice, batch.block_number) == GENESIS_EACH - 6 * AZR


def test_one_block__delegate_then_redelegate__leaves_zero_checkpoint_on_first_delegate(
    token, alice, bob, carol, one_block, mine
):
    with one_block() as batch:
        batch.send(token, "delegate", bob, sender=alice)
        batch.send(token, "delegate", carol, sender=alice)
    block = batch.block_number
    assert token.numCheckpoints(bob) == 1
    assert checkpoint(token, bob, 0) == (block, 0)
    assert checkpoint(token, carol, 0) == (block, GENESIS_EACH)
    assert token.delegates(alice) == carol.address
    mine(1)
    assert token.getPastVotes(bob, block) == 0
    assert token.getPastVotes(carol, block) == GENESIS_EACH


def test_one_block__mint_and_burn__net_total_supply_at_that_block(token, alice, minter, one_block, mine):
    mine(1)
    with one_block() as batch:
        batch.send(token, "mint", alice, 7 * AZR, sender=minter)
        batch.send(token, "burn", 2 * AZR, sender=alice)
        batch.send(token, "mint", alice, 1 * AZR, sender=minter)
    mine(1)
    block = batch.block_number
    assert token.getPastTotalSupply(block - 1) == 3 * GENESIS_EACH
    assert token.getPastTotalSupply(block) == 3 * GENESIS_EACH + 6 * AZR
