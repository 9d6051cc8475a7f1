"""AzoraToken ERC-5805 `delegateBySig`: expiry, nonce, chain binding and low-s checks."""

import ape

AZR = 10**18
GENESIS_EACH = 1_000_000 * AZR
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DAY = 86_400


def delegate_by_sig(token, delegatee, nonce, expiry, sig, sender):
    return token.delegateBySig(delegatee, nonce, expiry, sig.v, sig.r, sig.s, sender=sender)


def test_delegate_by_sig__valid__delegates_signer_and_bumps_nonce(
    token, alice, carol, stranger, chain, sign_delegation, votes_changed, delegate_changed
):
    expiry = chain.pending_timestamp + DAY
    sig = sign_delegation(alice, carol, expiry)
    receipt = delegate_by_sig(token, carol, 0, expiry, sig, sender=stranger)
    assert token.delegates(alice) == carol.address
    assert token.getVotes(carol) == GENESIS_EACH
    assert token.nonces(alice) == 1
    assert token.nonces(stranger) == 0
    assert delegate_changed(receipt) == [(alice.address, ZERO_ADDRESS, carol.address)]
    assert votes_changed(receipt) == [(carol.address, 0, GENESIS_EACH)]


def test_delegate_by_sig__redelegation__moves_votes_between_delegates(
    token, alice, bob, carol, chain, sign_delegation, delegate, votes_changed, delegate_changed
):
    delegate(bob, sender=alice)
    expiry = chain.pending_timestamp + DAY
    sig = sign_delegation(alice, carol, expiry)
    receipt = delegate_by_sig(token, carol, 0, expiry, sig, sender=carol)
    assert token.getVotes(bob) == 0
    assert token.getVotes(carol) == GENESIS_EACH
    assert delegate_changed(receipt) == [(alice.address, bob.address, carol.address)]
    assert votes_changed(receipt) == [(bob.address, GENESIS_EACH, 0), (carol.address, 0, GENESIS_EACH)]


def test_delegate_by_sig__to_zero_address__withdraws_votes(token, alice, chain, sign_delegation, delegate):
    delegate(alice, sender=alice)
    expiry = chain.pending_timestamp + DAY
    sig = sign_delegation(alice, ZERO_ADDRESS, expiry)
    delegate_by_sig(token, ZERO_ADDRESS, 0, expiry, sig, sender=alice)
    assert token.delegates(alice) == ZERO_ADDRESS
    assert token.getVotes(alice) == 0


def test_delegate_by_sig__expiry_equal_to_block_timestamp__succeeds(token, alice, chain, sign_delegation):
    expiry = chain.pending_timestamp + 100
    sig = sign_delegation(alice, alice, expiry)
    chain.pending_timestamp = expiry
    delegate_by_sig(token, alice, 0, expiry, sig, sender=alice)
    assert token.delegates(alice) == alice.address


def test_delegate_by_sig__expired__reverts(token, alice, chain, sign_delegation):
    expiry = chain.pending_timestamp + 100
    sig = sign_delegation(alice, alice, expiry)
    chain.pending_timestamp = expiry + 1
    with ape.reverts("token: signature expired"):
        delegate_by_sig(token, alice, 0, expiry, sig, sender=alice)


def test_delegate_by_sig__replayed__reverts(token, alice, bob, chain, sign_delegation, delegate):
    expiry = chain.pending_timestamp + DAY
    sig = sign_delegation(alice, bob, expiry)
    delegate_by_sig(token, bob, 0, expiry, sig, sender=bob)
    delegate(alice, sender=alice)
    with ape.reverts("token: invalid nonce"):
        delegate_by_sig(token, bob, 0, expiry, sig, sender=bob)
    assert token.delegates(alice) == alice.address
    assert token.nonces(alice) == 1


def test_delegate_by_sig__future_nonce__reverts(token, alice, chain, sign_delegation):
    expiry = chain.pending_timestamp + DAY
    sig = sign_delegation(alice, alice, expiry, nonce=1)
    with ape.reverts("token: invalid nonce"):
        delegate_by_sig(token, alice, 1, expiry, sig, sender=alice)


def test_delegate_by_sig__signed_for_other_chain__leaves_intended_signer_untouched(
    token, alice, carol, chain, sign_delegation, delegation_digest, delegate_changed, votes_changed
):
    expiry = chain.pending_timestamp + DAY
    sig = sign_delegation(alice, carol, expiry, chain_id=1)
    # On this chain the digest differs, so ecrecover yields some unrelated (fresh, nonce 0) address.
    ghost = sig.recover(delegation_digest(carol, 0, expiry))
    assert ghost != alice.address
    receipt = delegate_by_sig(token, carol, 0, expiry, sig, sender=carol)
    assert delegate_changed(receipt) == [(ghost, ZERO_ADDRESS, carol.address)]
    assert votes_changed(receipt) == []
    assert token.delegates(alice) == ZERO_ADDRESS
    assert token.nonces(alice) == 0
    assert token.getVotes(carol) == 0
    assert token.getVotes(alice) == 0
    assert token.nonces(ghost) == 1


def test_delegate_by_sig__signed_for_other_chain_at_used_nonce__reverts(
    token, alice, carol, chain, sign_delegation, sign_permit
):
    expiry = chain.pending_timestamp + DAY
    psig = sign_permit(alice, carol, AZR, expiry)
    token.permit(alice, carol, AZR, expiry, psig.v, psig.r, psig.s, sender=carol)
    sig = sign_delegation(alice, carol, expiry, nonce=1, chain_id=1)
    # The recovered stranger address is at nonce 0, so alice's nonce 1 does not match it.
    with ape.reverts("token: invalid nonce"):
        delegate_by_sig(token, carol, 1, expiry, sig, sender=carol)


def test_delegate_by_sig__delegatee_differs_from_signed__leaves_signer_untouched(
    token, alice, bob, carol, chain, sign_delegation, delegation_digest, delegate_changed
):
    expiry = chain.pending_timestamp + DAY
    sig = sign_delegation(alice, bob, expiry)
    ghost = sig.recover(delegation_digest(carol, 0, expiry))
    receipt = delegate_by_sig(token, carol, 0, expiry, sig, sender=carol)
    assert delegate_changed(receipt) == [(ghost, ZERO_ADDRESS, carol.address)]
    assert token.delegates(alice) == ZERO_ADDRESS
    assert token.nonces(alice) == 0
    assert token.getVotes(carol) == 0


def test_delegate_by_sig__high_s_twin_of_valid_signature__reverts(
    token, alice, carol, chain, sign_delegation
):
    expiry = chain.pending_timestamp + DAY
    sig = sign_delegation(alice, carol, expiry)
    twin = sig.high_s()
    assert twin.recover(sig.digest) == alice.address  # ecrecover alone would accept it
    with ape.reverts("ecdsa: invalid signature `s` value"):
        delegate_by_sig(token, carol, 0, expiry, twin, sender=carol)
    assert token.delegates(alice) == ZERO_ADDRESS
    assert token.nonces(alice) == 0


def test_delegate_by_sig__unrecoverable_signature__reverts(token, alice, carol, chain, sign_delegation):
    expiry = chain.pending_timestamp + DAY
    sig = sign_delegation(alice, carol, expiry)._replace(r=b"\x00" * 32)
    with ape.reverts("ecdsa: invalid signature"):
        delegate_by_sig(token, carol, 0, expiry, sig, sender=carol)


def test_delegate_by_sig__invalid_v__reverts(token, alice, carol, chain, sign_delegation):
    expiry = chain.pending_timestamp + DAY
    sig = sign_delegation(alice, carol, expiry)._replace(v=0)
    with ape.reverts("ecdsa: invalid signature"):
        delegate_by_sig(token, carol, 0, expiry, sig, sender=carol)
