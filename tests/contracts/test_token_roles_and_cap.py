"""AzoraToken minting: MINTER_ROLE, role administration by governance, and the hard cap."""

import ape
from eth_utils import keccak

AZR = 10**18
GENESIS_EACH = 1_000_000 * AZR
CAP = 1_000_000_000 * AZR
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEFAULT_ADMIN_ROLE = b"\x00" * 32
MINTER_ROLE = keccak(text="MINTER_ROLE")


# --- constants and initial roles ------------------------------------------------------------------


def test_constants__cap_and_minter_role(token):
    assert token.CAP() == CAP
    assert token.MINTER_ROLE() == MINTER_ROLE
    assert token.DEFAULT_ADMIN_ROLE() == DEFAULT_ADMIN_ROLE


def test_roles__after_handover__governance_is_sole_admin(token, governance, deployer, minter):
    assert token.hasRole(DEFAULT_ADMIN_ROLE, governance)
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, deployer)
    assert not token.hasRole(DEFAULT_ADMIN_ROLE, minter)
    assert token.getRoleAdmin(MINTER_ROLE) == DEFAULT_ADMIN_ROLE
    assert token.getRoleAdmin(DEFAULT_ADMIN_ROLE) == DEFAULT_ADMIN_ROLE


def test_roles__fresh_deploy__deployer_is_admin_but_not_minter(project, deployer, alice):
    contract = project.AzoraToken.deploy([], [], sender=deployer)
    assert contract.hasRole(DEFAULT_ADMIN_ROLE, deployer)
    assert not contract.hasRole(MINTER_ROLE, deployer)
    with ape.reverts("token: caller is not a minter"):
        contract.mint(alice, AZR, sender=deployer)


# --- mint -----------------------------------------------------------------------------------------


def test_mint__by_minter__credits_receiver_and_emits_transfer(token, minter, carol):
    receipt = token.mint(carol, 5 * AZR, sender=minter)
    assert token.balanceOf(carol) == 5 * AZR
    assert token.totalSupply() == 3 * GENESIS_EACH + 5 * AZR
    logs = token.Transfer.from_receipt(receipt)
    assert [(log.sender, log.receiver, log.value) for log in logs] == [(ZERO_ADDRESS, carol.address, 5 * AZR)]


def test_mint__by_stranger__reverts(token, stranger, carol):
    with ape.reverts("token: caller is not a minter"):
        token.mint(carol, AZR, sender=stranger)


def test_mint__by_governance_without_minter_role__reverts(token, governance, carol):
    with ape.reverts("token: caller is not a minter"):
        token.mint(carol, AZR, sender=governance)


def test_mint__by_deployer__reverts(token, deployer, carol):
    with ape.reverts("token: caller is not a minter"):
        token.mint(carol, AZR, sender=deployer)


def test_mint__to_zero_address__reverts(token, minter):
    with ape.reverts("erc20: mint to the zero address"):
        token.mint(ZERO_ADDRESS, AZR, sender=minter)


# --- cap ------------------------------------------------------------------------------------------


def test_mint__up_to_exactly_cap__succeeds(token, minter, carol):
    token.mint(carol, CAP - token.totalSupply(), sender=minter)
    assert token.totalSupply() == CAP


def test_mint__one_wei_above_cap__reverts(token, minter, carol):
    with ape.reverts("token: cap exceeded"):
        token.mint(carol, CAP - token.totalSupply() + 1, sender=minter)


def test_mint__at_cap__further_wei_reverts(token, minter, carol):
    token.mint(carol, CAP - token.totalSupply(), sender=minter)
    with ape.reverts("token: cap exceeded"):
        token.mint(carol, 1, sender=minter)


def test_mint__after_burn_at_cap__room_reopens(token, minter, carol):
    token.mint(carol, CAP - token.totalSupply(), sender=minter)
    token.burn(10 * AZR, sender=carol)
    token.mint(carol, 10 * AZR, sender=minter)
    assert token.totalSupply() == CAP
    with ape.reverts("token: cap exceeded"):
        token.mint(carol, 1, sender=minter)


def test_mint__amount_overflowing_uint256__reverts(token, minter, carol):
    # The cap check itself overflows: Vyper's checked arithmetic reverts without a reason.
    with ape.reverts():
        token.mint(carol, 2**256 - 1, sender=minter)
    assert token.totalSupply() == 3 * GENESIS_EACH


# --- role administration --------------------------------------------------------------------------


def test_grant_role__by_governance__new_minter_can_mint(token, governance, carol):
    receipt = token.grantRole(MINTER_ROLE, carol, sender=governance)
    logs = token.RoleGranted.from_receipt(receipt)
    assert [(log.role, log.account, log.sender) for log in logs] == [
        (MINTER_ROLE, carol.address, governance.address)
    ]
    token.mint(carol, AZR, sender=carol)
    assert token.balanceOf(carol) == AZR


def test_revoke_role__by_governance__minter_can_no_longer_mint(token, governance, minter, carol):
    receipt = token.revokeRole(MINTER_ROLE, minter, sender=governance)
    logs = token.RoleRevoked.from_receipt(receipt)
    assert [(log.role, log.account, log.sender) for log in logs] == [
        (MINTER_ROLE, minter.address, governance.address)
    ]
    assert not token.hasRole(MINTER_ROLE, minter)
    with ape.reverts("token: caller is not a minter"):
        token.mint(carol, AZR, sender=minter)


def test_grant_role__by_former_admin_deployer__reverts(token, deployer, carol):
    with ape.reverts("access_control: account is missing role"):
        token.grantRole(MINTER_ROLE, carol, sender=deployer)


def test_grant_role__by_minter__reverts(token, minter, carol):
    with ape.reverts("access_control: account is missing role"):
        token.grantRole(MINTER_ROLE, carol, sender=minter)


def test_grant_role__admin_role_by_stranger__reverts(token, stranger):
    with ape.reverts("access_control: account is missing role"):
        token.grantRole(DEFAULT_ADMIN_ROLE, stranger, sender=stranger)


def test_revoke_role__by_former_admin_deployer__reverts(token, deployer, minter):
    with ape.reverts("access_control: account is missing role"):
        token.revokeRole(MINTER_ROLE, minter, sender=deployer)


def test_revoke_role__by_stranger__reverts(token, stranger, minter):
    with ape.reverts("access_control: account is missing role"):
        token.revokeRole(MINTER_ROLE, minter, sender=stranger)


def test_set_role_admin__by_stranger__reverts(token, stranger):
    with ape.reverts("access_control: account is missing role"):
        token.set_role_admin(MINTER_ROLE, MINTER_ROLE, sender=stranger)


def test_set_role_admin__by_governance__hands_minter_admin_to_new_role(token, governance, minter, carol):
    token.set_role_admin(MINTER_ROLE, MINTER_ROLE, sender=governance)
    assert token.getRoleAdmin(MINTER_ROLE) == MINTER_ROLE
    token.grantRole(MINTER_ROLE, carol, sender=minter)
    assert token.hasRole(MINTER_ROLE, carol)
    with ape.reverts("access_control: account is missing role"):
        token.grantRole(MINTER_ROLE, carol, sender=governance)


def test_renounce_role__by_minter_for_itself__ends_minting(token, minter, carol):
    token.renounceRole(MINTER_ROLE, minter, sender=minter)
    with ape.reverts("token: caller is not a minter"):
        token.mint(carol, AZR, sender=minter)


def test_renounce_role__for_other_account__reverts(token, governance, minter):
    with ape.reverts("access_control: can only renounce roles for itself"):
        token.renounceRole(MINTER_ROLE, minter, sender=governance)
