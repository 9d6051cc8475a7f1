"""AzoraToken ERC-20 surface: metadata, genesis, transfer, approve, transferFrom, burn, burn_from."""

import ape
import pytest

AZR = 10**18
GENESIS_EACH = 1_000_000 * AZR
MAX_UINT256 = 2**256 - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def transfers(token, receipt):
    return [(log.sender, log.receiver, log.value) for log in token.Transfer.from_receipt(receipt)]


def approvals(token, receipt):
    return [(log.owner, log.spender, log.value) for log in token.Approval.from_receipt(receipt)]


# --- metadata and genesis -------------------------------------------------------------------------


def test_metadata__name_symbol_decimals(token):
    assert token.name() == "Azora"
    assert token.symbol() == "AZR"
    assert token.decimals() == 18


def test_genesis__mints_each_allocation(token, alice, bob, treasury, carol):
    assert token.balanceOf(alice) == GENESIS_EACH
    assert token.balanceOf(bob) == GENESIS_EACH
    assert token.balanceOf(treasury) == GENESIS_EACH
    assert token.balanceOf(carol) == 0
    assert token.totalSupply() == 3 * GENESIS_EACH


def test_genesis__emits_transfer_from_zero_per_recipient(project, deployer, alice, bob):
    contract = project.AzoraToken.deploy([alice, bob], [5 * AZR, 7 * AZR], sender=deployer)
    receipt = contract.creation_metadata.receipt
    assert transfers(contract, receipt) == [
        (ZERO_ADDRESS, alice.address, 5 * AZR),
        (ZERO_ADDRESS, bob.address, 7 * AZR),
    ]


def test_genesis__records_total_supply_checkpoint_but_no_votes(project, deployer, alice, chain):
    contract = project.AzoraToken.deploy([alice], [5 * AZR], sender=deployer)
    deploy_block = contract.creation_metadata.receipt.block_number
    chain.mine(1)
    assert contract.getPastTotalSupply(deploy_block) == 5 * AZR
    assert contract.getPastTotalSupply(deploy_block - 1) == 0
    assert contract.getVotes(alice) == 0
    assert contract.numCheckpoints(alice) == 0


def test_genesis__empty_lists__deploys_with_zero_supply(project, deployer):
    contract = project.AzoraToken.deploy([], [], sender=deployer)
    assert contract.totalSupply() == 0


def test_genesis__length_mismatch__reverts(project, deployer, alice, bob):
    with ape.reverts("token: genesis length mismatch"):
        project.AzoraToken.deploy([alice, bob], [AZR], sender=deployer)


def test_genesis__above_cap__reverts(project, deployer, alice, bob):
    cap = 1_000_000_000 * AZR
    with ape.reverts("token: cap exceeded"):
        project.AzoraToken.deploy([alice, bob], [cap, 1], sender=deployer)


def test_genesis__zero_address_recipient__reverts(project, deployer):
    with ape.reverts("erc20: mint to the zero address"):
        project.AzoraToken.deploy([ZERO_ADDRESS], [AZR], sender=deployer)


def test_abi__snekmate_minter_and_ownership_entry_points__not_exported(token):
    names = {abi.name for abi in token.contract_type.abi if hasattr(abi, "name")}
    assert not names & {"set_minter", "is_minter", "owner", "transfer_ownership", "renounce_ownership"}


@pytest.mark.parametrize(
    ("interface_id", "supported"),
    [("0x01ffc9a7", True), ("0x7965db0b", True), ("0x36372b07", False), ("0xffffffff", False)],
)
def test_supports_interface__erc165_and_access_control_only(token, interface_id, supported):
    assert token.supportsInterface(interface_id) is supported


# --- transfer -------------------------------------------------------------------------------------


def test_transfer__moves_balance_and_emits_transfer(token, alice, carol):
    receipt = token.transfer(carol, 3 * AZR, sender=alice)
    assert token.balanceOf(alice) == GENESIS_EACH - 3 * AZR
    assert token.balanceOf(carol) == 3 * AZR
    assert token.totalSupply() == 3 * GENESIS_EACH
    assert transfers(token, receipt) == [(alice.address, carol.address, 3 * AZR)]


def test_transfer__returns_true(token, alice, carol):
    assert token.transfer.call(carol, AZR, sender=alice) is True


def test_transfer__whole_balance__succeeds(token, alice, carol):
    token.transfer(carol, GENESIS_EACH, sender=alice)
    assert token.balanceOf(alice) == 0
    assert token.balanceOf(carol) == GENESIS_EACH


def test_transfer__zero_amount__succeeds_and_emits_transfer(token, stranger, carol):
    receipt = token.transfer(carol, 0, sender=stranger)
    assert transfers(token, receipt) == [(stranger.address, carol.address, 0)]
    assert token.balanceOf(carol) == 0


def test_transfer__to_self__keeps_balance(token, alice):
    token.transfer(alice, AZR, sender=alice)
    assert token.balanceOf(alice) == GENESIS_EACH


def test_transfer__above_balance__reverts(token, alice, carol):
    with ape.reverts("erc20: transfer amount exceeds balance"):
        token.transfer(carol, GENESIS_EACH + 1, sender=alice)


def test_transfer__from_empty_account__reverts(token, stranger, carol):
    with ape.reverts("erc20: transfer amount exceeds balance"):
        token.transfer(carol, 1, sender=stranger)


def test_transfer__to_zero_address__reverts(token, alice):
    with ape.reverts("erc20: transfer to the zero address"):
        token.transfer(ZERO_ADDRESS, AZR, sender=alice)


# --- approve --------------------------------------------------------------------------------------


def test_approve__sets_allowance_and_emits_approval(token, alice, carol):
    receipt = token.approve(carol, 5 * AZR, sender=alice)
    assert token.allowance(alice, carol) == 5 * AZR
    assert approvals(token, receipt) == [(alice.address, carol.address, 5 * AZR)]


def test_approve__twice__overwrites_allowance(token, alice, carol):
    token.approve(carol, 5 * AZR, sender=alice)
    token.approve(carol, 2 * AZR, sender=alice)
    assert token.allowance(alice, carol) == 2 * AZR


def test_approve__returns_true(token, alice, carol):
    assert token.approve.call(carol, AZR, sender=alice) is True


def test_approve__zero_spender__reverts(token, alice):
    with ape.reverts("erc20: approve to the zero address"):
        token.approve(ZERO_ADDRESS, AZR, sender=alice)


# --- transferFrom ---------------------------------------------------------------------------------


def test_transfer_from__within_allowance__moves_tokens_and_spends_allowance(token, alice, bob, carol):
    token.approve(bob, 5 * AZR, sender=alice)
    receipt = token.transferFrom(alice, carol, 2 * AZR, sender=bob)
    assert token.balanceOf(alice) == GENESIS_EACH - 2 * AZR
    assert token.balanceOf(carol) == 2 * AZR
    assert token.allowance(alice, bob) == 3 * AZR
    assert approvals(token, receipt) == [(alice.address, bob.address, 3 * AZR)]
    assert transfers(token, receipt) == [(alice.address, carol.address, 2 * AZR)]


def test_transfer_from__returns_true(token, alice, bob, carol):
    token.approve(bob, AZR, sender=alice)
    assert token.transferFrom.call(alice, carol, AZR, sender=bob) is True


def test_transfer_from__exact_allowance__leaves_zero(token, alice, bob, carol):
    token.approve(bob, 5 * AZR, sender=alice)
    token.transferFrom(alice, carol, 5 * AZR, sender=bob)
    assert token.allowance(alice, bob) == 0


def test_transfer_from__infinite_allowance__is_not_decreased(token, alice, bob, carol):
    token.approve(bob, MAX_UINT256, sender=alice)
    receipt = token.transferFrom(alice, carol, 2 * AZR, sender=bob)
    assert token.allowance(alice, bob) == MAX_UINT256
    assert approvals(token, receipt) == []


def test_transfer_from__above_allowance__reverts(token, alice, bob, carol):
    token.approve(bob, AZR, sender=alice)
    with ape.reverts("erc20: insufficient allowance"):
        token.transferFrom(alice, carol, AZR + 1, sender=bob)


def test_transfer_from__without_allowance__reverts(token, alice, bob, carol):
    with ape.reverts("erc20: insufficient allowance"):
        token.transferFrom(alice, carol, 1, sender=bob)


def test_transfer_from__allowance_above_balance__reverts(token, alice, bob, carol):
    token.approve(bob, MAX_UINT256, sender=alice)
    with ape.reverts("erc20: transfer amount exceeds balance"):
        token.transferFrom(alice, carol, GENESIS_EACH + 1, sender=bob)


def test_transfer_from__to_zero_address__reverts(token, alice, bob):
    token.approve(bob, AZR, sender=alice)
    with ape.reverts("erc20: transfer to the zero address"):
        token.transferFrom(alice, ZERO_ADDRESS, AZR, sender=bob)


def test_transfer_from__zero_address_owner__reverts(token, bob, carol):
    # The zero address has no allowance; a zero amount gets past the allowance check and trips
    # the zero-owner guard of the allowance update instead.
    with ape.reverts("erc20: approve from the zero address"):
        token.transferFrom(ZERO_ADDRESS, carol, 0, sender=bob)


# --- burn / burn_from -----------------------------------------------------------------------------


def test_burn__reduces_balance_and_supply_and_emits_transfer_to_zero(token, alice):
    receipt = token.burn(4 * AZR, sender=alice)
    assert token.balanceOf(alice) == GENESIS_EACH - 4 * AZR
    assert token.totalSupply() == 3 * GENESIS_EACH - 4 * AZR
    assert transfers(token, receipt) == [(alice.address, ZERO_ADDRESS, 4 * AZR)]


def test_burn__above_balance__reverts(token, alice):
    with ape.reverts("erc20: burn amount exceeds balance"):
        token.burn(GENESIS_EACH + 1, sender=alice)


def test_burn_from__within_allowance__burns_and_spends_allowance(token, alice, bob):
    token.approve(bob, 5 * AZR, sender=alice)
    receipt = token.burn_from(alice, 2 * AZR, sender=bob)
    assert token.balanceOf(alice) == GENESIS_EACH - 2 * AZR
    assert token.balanceOf(bob) == GENESIS_EACH
    assert token.totalSupply() == 3 * GENESIS_EACH - 2 * AZR
    assert token.allowance(alice, bob) == 3 * AZR
    assert approvals(token, receipt) == [(alice.address, bob.address, 3 * AZR)]
    assert transfers(token, receipt) == [(alice.address, ZERO_ADDRESS, 2 * AZR)]


def test_burn_from__infinite_allowance__is_not_decreased(token, alice, bob):
    token.approve(bob, MAX_UINT256, sender=alice)
    token.burn_from(alice, 2 * AZR, sender=bob)
    assert token.allowance(alice, bob) == MAX_UINT256


def test_burn_from__without_allowance__reverts(token, alice, bob):
    with ape.reverts("erc20: insufficient allowance"):
        token.burn_from(alice, 1, sender=bob)


def test_burn_from__above_allowance__reverts(token, alice, bob):
    token.approve(bob, AZR, sender=alice)
    with ape.reverts("erc20: insufficient allowance"):
        token.burn_from(alice, AZR + 1, sender=bob)


def test_burn_from__allowance_above_balance__reverts(token, alice, bob):
    token.approve(bob, MAX_UINT256, sender=alice)
    with ape.reverts("erc20: burn amount exceeds balance"):
        token.burn_from(alice, GENESIS_EACH + 1, sender=bob)


def test_burn_from__zero_address_owner__reverts(token, bob):
    with ape.reverts("erc20: approve from the zero address"):
        token.burn_from(ZERO_ADDRESS, 0, sender=bob)
