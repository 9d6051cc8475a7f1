"""AzoraToken EIP-2612 permit and ERC-5267 eip712Domain."""

import ape
from eth_abi import encode
from eth_utils import keccak

AZR = 10**18
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DAY = 86_400


def far_deadline(chain):
    return chain.pending_timestamp + DAY


def permit(token, owner, spender, value, deadline, sig, sender):
    return token.permit(owner, spender, value, deadline, sig.v, sig.r, sig.s, sender=sender)


# --- domain ---------------------------------------------------------------------------------------


def test_eip712_domain__reports_name_version_chain_and_contract(token, chain):
    fields, name, version, chain_id, verifying_contract, salt, extensions = token.eip712Domain()
    assert fields == b"\x0f"
    assert name == "Azora"
    assert version == "1"
    assert chain_id == chain.chain_id
    assert verifying_contract == token.address
    assert salt == b"\x00" * 32
    assert list(extensions) == []


def test_domain_separator__matches_eip712_hash_of_domain(token, chain):
    type_hash = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    expected = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [type_hash, keccak(text="Azora"), keccak(text="1"), chain.chain_id, token.address],
        )
    )
    assert token.DOMAIN_SEPARATOR() == expected


def test_delegation_typehash__matches_erc5805(token):
    assert token.DELEGATION_TYPEHASH() == keccak(
        text="Delegation(address delegatee,uint256 nonce,uint256 expiry)"
    )


# --- permit ---------------------------------------------------------------------------------------


def test_permit__valid_signature__sets_allowance_bumps_nonce_and_emits_approval(
    token, alice, carol, stranger, chain, sign_permit
):
    deadline = far_deadline(chain)
    sig = sign_permit(alice, carol, 7 * AZR, deadline)
    receipt = permit(token, alice, carol, 7 * AZR, deadline, sig, sender=stranger)
    assert token.allowance(alice, carol) == 7 * AZR
    assert token.nonces(alice) == 1
    logs = token.Approval.from_receipt(receipt)
    assert [(log.owner, log.spender, log.value) for log in logs] == [(alice.address, carol.address, 7 * AZR)]


def test_permit__then_transfer_from__spends_permitted_allowance(token, alice, carol, chain, sign_permit):
    deadline = far_deadline(chain)
    sig = sign_permit(alice, carol, 7 * AZR, deadline)
    permit(token, alice, carol, 7 * AZR, deadline, sig, sender=carol)
    token.transferFrom(alice, carol, 7 * AZR, sender=carol)
    assert token.balanceOf(carol) == 7 * AZR
    assert token.allowance(alice, carol) == 0


def test_permit__deadline_equal_to_block_timestamp__succeeds(token, alice, carol, chain, sign_permit):
    deadline = chain.pending_timestamp + 100
    sig = sign_permit(alice, carol, AZR, deadline)
    chain.pending_timestamp = deadline
    permit(token, alice, carol, AZR, deadline, sig, sender=carol)
    assert token.allowance(alice, carol) == AZR


def test_permit__expired_deadline__reverts(token, alice, carol, chain, sign_permit):
    deadline = chain.pending_timestamp + 100
    sig = sign_permit(alice, carol, AZR, deadline)
    chain.pending_timestamp = deadline + 1
    with ape.reverts("erc20: expired deadline"):
        permit(token, alice, carol, AZR, deadline, sig, sender=carol)


def test_permit__signed_by_other_account__reverts(token, alice, bob, carol, chain, sign_permit):
    deadline = far_deadline(chain)
    sig = sign_permit(alice, carol, AZR, deadline, signer=bob)
    with ape.reverts("erc20: invalid signature"):
        permit(token, alice, carol, AZR, deadline, sig, sender=carol)


def test_permit__value_differs_from_signed__reverts(token, alice, carol, chain, sign_permit):
    deadline = far_deadline(chain)
    sig = sign_permit(alice, carol, AZR, deadline)
    with ape.reverts("erc20: invalid signature"):
        permit(token, alice, carol, 2 * AZR, deadline, sig, sender=carol)


def test_permit__replayed__reverts(token, alice, carol, chain, sign_permit):
    deadline = far_deadline(chain)
    sig = sign_permit(alice, carol, AZR, deadline)
    permit(token, alice, carol, AZR, deadline, sig, sender=carol)
    token.approve(carol, 0, sender=alice)
    with ape.reverts("erc20: invalid signature"):
        permit(token, alice, carol, AZR, deadline, sig, sender=carol)
    assert token.allowance(alice, carol) == 0
    assert token.nonces(alice) == 1


def test_permit__future_nonce__reverts(token, alice, carol, chain, sign_permit):
    deadline = far_deadline(chain)
    sig = sign_permit(alice, carol, AZR, deadline, nonce=1)
    with ape.reverts("erc20: invalid signature"):
        permit(token, alice, carol, AZR, deadline, sig, sender=carol)


def test_permit__signed_for_other_chain__reverts(token, alice, carol, chain, sign_permit):
    deadline = far_deadline(chain)
    sig = sign_permit(alice, carol, AZR, deadline, chain_id=1)
    with ape.reverts("erc20: invalid signature"):
        permit(token, alice, carol, AZR, deadline, sig, sender=carol)


def test_permit__high_s_twin_of_valid_signature__reverts(token, alice, carol, chain, sign_permit):
    deadline = far_deadline(chain)
    sig = sign_permit(alice, carol, AZR, deadline)
    assert sig.high_s().recover(sig.digest) == alice.address  # ecrecover alone would accept it
    with ape.reverts("ecdsa: invalid signature `s` value"):
        permit(token, alice, carol, AZR, deadline, sig.high_s(), sender=carol)


def test_permit__unrecoverable_signature__reverts(token, alice, carol, chain, sign_permit):
    deadline = far_deadline(chain)
    sig = sign_permit(alice, carol, AZR, deadline)._replace(v=29)
    with ape.reverts("ecdsa: invalid signature"):
        permit(token, alice, carol, AZR, deadline, sig, sender=carol)


def test_permit__zero_spender__reverts(token, alice, carol, chain, sign_permit):
    deadline = far_deadline(chain)
    sig = sign_permit(alice, ZERO_ADDRESS, AZR, deadline)
    with ape.reverts("erc20: approve to the zero address"):
        permit(token, alice, ZERO_ADDRESS, AZR, deadline, sig, sender=carol)


# --- nonce shared with delegateBySig --------------------------------------------------------------


def test_permit__after_delegate_by_sig__needs_next_nonce(
    token, alice, carol, chain, sign_permit, sign_delegation
):
    deadline = far_deadline(chain)
    dsig = sign_delegation(alice, alice, deadline)
    token.delegateBySig(alice, 0, deadline, dsig.v, dsig.r, dsig.s, sender=carol)
    stale = sign_permit(alice, carol, AZR, deadline, nonce=0)
    with ape.reverts("erc20: invalid signature"):
        permit(token, alice, carol, AZR, deadline, stale, sender=carol)
    fresh = sign_permit(alice, carol, AZR, deadline, nonce=1)
    permit(token, alice, carol, AZR, deadline, fresh, sender=carol)
    assert token.nonces(alice) == 2
    assert token.allowance(alice, carol) == AZR


def test_delegate_by_sig__after_permit__needs_next_nonce(
    token, alice, carol, chain, sign_permit, sign_delegation
):
    deadline = far_deadline(chain)
    psig = sign_permit(alice, carol, AZR, deadline)
    permit(token, alice, carol, AZR, deadline, psig, sender=carol)
    stale = sign_delegation(alice, alice, deadline, nonce=0)
    with ape.reverts("token: invalid nonce"):
        token.delegateBySig(alice, 0, deadline, stale.v, stale.r, stale.s, sender=carol)
    fresh = sign_delegation(alice, alice, deadline, nonce=1)
    token.delegateBySig(alice, 1, deadline, fresh.v, fresh.r, fresh.s, sender=carol)
    assert token.nonces(alice) == 2
    assert token.delegates(alice) == alice.address
