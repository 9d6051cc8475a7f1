"""AzoraGovernor voting: castVote / castVoteWithReason / castVoteBySig, windows, weights at the snapshot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
from eth_utils import keccak

from tests.contracts.governance.conftest import (
    ABSTAIN,
    AGAINST,
    FOR,
    GENESIS_EACH,
    PENDING,
    Proposal,
)
from tests.contracts.oracle_signing import SECP256K1_N

AZR = 10**18


def vote_cast(governor: Any, receipt: Any) -> list[tuple[str, int, int, int, str]]:
    """(voter, proposalId, support, weight, reason) of every VoteCast in a receipt."""
    return [
        (e.voter, e.proposalId, e.support, e.weight, e.reason)
        for e in governor.VoteCast.from_receipt(receipt)
    ]


def high_s(signature: bytes) -> bytes:
    """The malleable twin of a 65-byte signature: same signer for ecrecover, s above N/2."""
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    return r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])


# --- the voting window --------------------------------------------------------------------


def test_cast_vote__while_pending__reverts(
    governor: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any], alice: Any
) -> None:
    proposal = make_proposal()
    propose(proposal)
    # The next transaction lands in the snapshot block itself: still Pending.
    assert governor.state(proposal.id) == PENDING
    with ape.reverts("governor: vote not currently active"):
        governor.castVote(proposal.id, FOR, sender=alice)


def test_cast_vote__in_first_and_last_active_block__counts(
    governor: Any,
    chain: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    mine_to: Callable[[int], None],
    alice: Any,
    bob: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    mine_to(governor.proposalSnapshot(proposal.id))
    first = governor.castVote(proposal.id, FOR, sender=alice)
    assert first.block_number == governor.proposalSnapshot(proposal.id) + 1
    mine_to(governor.proposalDeadline(proposal.id) - 1)
    last = governor.castVote(proposal.id, AGAINST, sender=bob)
    assert last.block_number == governor.proposalDeadline(proposal.id)
    assert list(governor.proposalVotes(proposal.id)) == [GENESIS_EACH, GENESIS_EACH, 0]


def test_cast_vote__after_deadline__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    close: Callable[[Proposal], None],
    alice: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    close(proposal)
    with ape.reverts("governor: vote not currently active"):
        governor.castVote(proposal.id, FOR, sender=alice)


def test_cast_vote__unknown_proposal__reverts(governor: Any, alice: Any) -> None:
    with ape.reverts("governor: unknown proposal"):
        governor.castVote(42, FOR, sender=alice)


def test_cast_vote__twice__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    alice: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    governor.castVote(proposal.id, FOR, sender=alice)
    with ape.reverts("governor: vote already cast"):
        governor.castVote(proposal.id, AGAINST, sender=alice)
    with ape.reverts("governor: vote already cast"):
        governor.castVoteWithReason(proposal.id, ABSTAIN, "changed my mind", sender=alice)


def test_cast_vote__invalid_support__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    alice: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    with ape.reverts("governor: invalid vote type"):
        governor.castVote(proposal.id, 3, sender=alice)
    with ape.reverts("governor: invalid vote type"):
        governor.castVoteWithReason(proposal.id, 3, "?", sender=alice)


# --- counting -----------------------------------------------------------------------------


def test_cast_vote__each_support__is_tallied_and_logged(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    set_votes: Callable[[Any, int], None],
    alice: Any,
    bob: Any,
    carol: Any,
) -> None:
    set_votes(bob, 300_000 * AZR)
    set_votes(carol, 200_000 * AZR)
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    receipts = [
        governor.castVote(proposal.id, FOR, sender=alice),
        governor.castVote(proposal.id, AGAINST, sender=bob),
        governor.castVoteWithReason(proposal.id, ABSTAIN, "conflict of interest", sender=carol),
    ]
    assert [r.return_value for r in receipts] == [GENESIS_EACH, 300_000 * AZR, 200_000 * AZR]
    assert vote_cast(governor, receipts[0]) == [(alice.address, proposal.id, FOR, GENESIS_EACH, "")]
    assert vote_cast(governor, receipts[1]) == [(bob.address, proposal.id, AGAINST, 300_000 * AZR, "")]
    assert vote_cast(governor, receipts[2]) == [
        (carol.address, proposal.id, ABSTAIN, 200_000 * AZR, "conflict of interest")
    ]
    assert list(governor.proposalVotes(proposal.id)) == [300_000 * AZR, GENESIS_EACH, 200_000 * AZR]
    assert all(governor.hasVoted(proposal.id, voter) for voter in (alice, bob, carol))


def test_cast_vote__no_votes__counts_zero_and_marks_voted(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    stranger: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    receipt = governor.castVote(proposal.id, FOR, sender=stranger)
    assert receipt.return_value == 0
    assert governor.hasVoted(proposal.id, stranger)
    assert list(governor.proposalVotes(proposal.id)) == [0, 0, 0]


def test_has_voted__is_per_proposal(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    alice: Any,
    bob: Any,
) -> None:
    first, second = make_proposal("first"), make_proposal("second")
    propose(first)
    propose(second)
    activate(second)
    governor.castVote(first.id, FOR, sender=alice)
    assert governor.hasVoted(first.id, alice) and not governor.hasVoted(second.id, alice)
    assert not governor.hasVoted(first.id, bob)
    governor.castVote(second.id, AGAINST, sender=alice)
    assert list(governor.proposalVotes(first.id)) == [0, GENESIS_EACH, 0]
    assert list(governor.proposalVotes(second.id)) == [GENESIS_EACH, 0, 0]


def test_weight__is_read_at_the_snapshot(
    governor: Any,
    token: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    alice: Any,
    bob: Any,
    carol: Any,
    stranger: Any,
    treasury: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    # After the snapshot: bob sells everything to stranger, who delegates to himself; the
    # treasury delegates its undelegated million to carol; alice moves her votes to bob.
    token.transfer(stranger, GENESIS_EACH, sender=bob)
    token.invoke_transaction("delegate", stranger, sender=stranger)
    token.invoke_transaction("delegate", carol, sender=treasury)
    token.invoke_transaction("delegate", bob, sender=alice)
    assert token.getVotes(stranger) == GENESIS_EACH and token.getVotes(carol) == 2 * GENESIS_EACH
    weights = {
        voter.address: governor.castVote(proposal.id, FOR, sender=voter).return_value
        for voter in (alice, bob, carol, stranger)
    }
    assert weights == {
        alice.address: GENESIS_EACH,
        bob.address: GENESIS_EACH,
        carol.address: GENESIS_EACH,
        stranger.address: 0,
    }
    assert list(governor.proposalVotes(proposal.id)) == [0, 3 * GENESIS_EACH, 0]


def test_weight__votes_gained_in_the_snapshot_block__count(
    governor: Any,
    token: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    mine_to: Callable[[int], None],
    treasury: Any,
    stranger: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    # This transaction lands in the snapshot block: its votes are those at the end of it.
    receipt = token.invoke_transaction("delegate", stranger, sender=treasury)
    assert receipt.block_number == governor.proposalSnapshot(proposal.id)
    mine_to(governor.proposalSnapshot(proposal.id))
    assert governor.castVote(proposal.id, FOR, sender=stranger).return_value == GENESIS_EACH


def test_get_votes__reads_the_token_at_a_past_block(
    governor: Any, token: Any, alice: Any, chain: Any
) -> None:
    block = chain.blocks.head.number
    chain.mine(1)
    assert governor.getVotes(alice, block) == token.getPastVotes(alice, block) == GENESIS_EACH


# --- castVoteBySig --------------------------------------------------------------------------


def test_eip712__domain_and_typehash(governor: Any, chain: Any, ballot_domain: Callable[..., dict]) -> None:
    fields, name, version, chain_id, verifying_contract, salt, extensions = governor.eip712Domain()
    assert (name, version, chain_id, verifying_contract) == (
        "AzoraGovernor",
        "1",
        chain.chain_id,
        governor.address,
    )
    assert fields == b"\x0f" and salt == b"\x00" * 32 and list(extensions) == []
    assert bytes(governor.BALLOT_TYPEHASH()) == keccak(
        text="Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)"
    )
    domain_type_hash = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    expected = keccak(
        domain_type_hash
        + keccak(text="AzoraGovernor")
        + keccak(text="1")
        + chain.chain_id.to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(governor.address[2:])
    )
    assert bytes(governor.DOMAIN_SEPARATOR()) == expected


def test_cast_vote_by_sig__relayed__counts_the_signer_and_uses_its_nonce(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    relayer: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    assert governor.nonces(alice) == 0
    signature = sign_ballot(alice, proposal.id, AGAINST)
    receipt = governor.castVoteBySig(proposal.id, AGAINST, alice, signature, sender=relayer)
    assert receipt.return_value == GENESIS_EACH
    assert vote_cast(governor, receipt) == [(alice.address, proposal.id, AGAINST, GENESIS_EACH, "")]
    assert governor.hasVoted(proposal.id, alice) and not governor.hasVoted(proposal.id, relayer)
    assert governor.nonces(alice) == 1
    assert list(governor.proposalVotes(proposal.id)) == [GENESIS_EACH, 0, 0]


def test_cast_vote_by_sig__replayed__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    relayer: Any,
) -> None:
    first, second = make_proposal("first"), make_proposal("second")
    propose(first)
    propose(second)
    activate(second)
    signature = sign_ballot(alice, first.id, FOR)
    governor.castVoteBySig(first.id, FOR, alice, signature, sender=relayer)
    # The nonce moved on: the same signature no longer recovers to alice.
    with ape.reverts("governor: invalid signature"):
        governor.castVoteBySig(first.id, FOR, alice, signature, sender=relayer)
    # A fresh signature (nonce 1) works on the other proposal.
    governor.castVoteBySig(second.id, FOR, alice, sign_ballot(alice, second.id, FOR), sender=relayer)
    assert governor.nonces(alice) == 2


def test_cast_vote_by_sig__stale_or_future_nonce__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    relayer: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    with ape.reverts("governor: invalid signature"):
        governor.castVoteBySig(
            proposal.id, FOR, alice, sign_ballot(alice, proposal.id, FOR, nonce=1), sender=relayer
        )


def test_cast_vote_by_sig__other_chain_id__reverts(
    governor: Any,
    chain: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    relayer: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    signature = sign_ballot(alice, proposal.id, FOR, chain_id=chain.chain_id + 1)
    with ape.reverts("governor: invalid signature"):
        governor.castVoteBySig(proposal.id, FOR, alice, signature, sender=relayer)
    assert governor.nonces(alice) == 0


def test_cast_vote_by_sig__other_support_or_proposal__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    relayer: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    signature = sign_ballot(alice, proposal.id, AGAINST)
    with ape.reverts("governor: invalid signature"):
        governor.castVoteBySig(proposal.id, FOR, alice, signature, sender=relayer)


def test_cast_vote_by_sig__signed_by_someone_else__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    bob: Any,
    relayer: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    signature = sign_ballot(bob, proposal.id, FOR, voter=alice)
    with ape.reverts("governor: invalid signature"):
        governor.castVoteBySig(proposal.id, FOR, alice, signature, sender=relayer)


def test_cast_vote_by_sig__high_s__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    relayer: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    signature = sign_ballot(alice, proposal.id, FOR)
    with ape.reverts("governor: invalid signature"):
        governor.castVoteBySig(proposal.id, FOR, alice, high_s(signature), sender=relayer)
    # The low-s original still works.
    governor.castVoteBySig(proposal.id, FOR, alice, signature, sender=relayer)


def test_cast_vote_by_sig__malformed_signature__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    relayer: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    signature = sign_ballot(alice, proposal.id, FOR)
    for bad in (signature[:64], b"", signature[:64] + b"\x00"):
        with ape.reverts("governor: invalid signature"):
            governor.castVoteBySig(proposal.id, FOR, alice, bad, sender=relayer)


def test_cast_vote_by_sig__zero_address_voter__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    relayer: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    # ecrecover yields the zero address for an invalid signature: it must not vote as it.
    junk = b"\x00" * 64 + b"\x1b"
    with ape.reverts("governor: invalid signature"):
        governor.castVoteBySig(
            proposal.id, FOR, "0x0000000000000000000000000000000000000000", junk, sender=relayer
        )


def test_cast_vote_by_sig__erc1271_voter__counts_the_wallet(
    project: Any,
    governor: Any,
    token: Any,
    deployer: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    carol: Any,
    relayer: Any,
) -> None:
    wallet = project.TestERC1271Signer.deploy(carol, sender=deployer)
    token.invoke_transaction("delegate", wallet, sender=alice)
    proposal = make_proposal()
    propose(proposal, sender=carol)
    activate(proposal)
    # carol (the wallet's owner) signs the wallet's ballot.
    bad = sign_ballot(alice, proposal.id, FOR, voter=wallet)
    with ape.reverts("governor: invalid signature"):
        governor.castVoteBySig(proposal.id, FOR, wallet, bad, sender=relayer)
    signature = sign_ballot(carol, proposal.id, FOR, voter=wallet)
    receipt = governor.castVoteBySig(proposal.id, FOR, wallet, signature, sender=relayer)
    assert receipt.return_value == GENESIS_EACH
    assert governor.hasVoted(proposal.id, wallet) and not governor.hasVoted(proposal.id, carol)
    assert governor.nonces(wallet) == 1


def test_cast_vote_by_sig__then_direct_vote__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    relayer: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    governor.castVoteBySig(proposal.id, FOR, alice, sign_ballot(alice, proposal.id, FOR), sender=relayer)
    with ape.reverts("governor: vote already cast"):
        governor.castVote(proposal.id, FOR, sender=alice)
    with ape.reverts("governor: vote already cast"):
        governor.castVoteBySig(proposal.id, FOR, alice, sign_ballot(alice, proposal.id, FOR), sender=relayer)


def test_cast_vote_by_sig__outside_window__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    sign_ballot: Callable[..., bytes],
    alice: Any,
    relayer: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    assert governor.state(proposal.id) == PENDING
    with ape.reverts("governor: vote not currently active"):
        governor.castVoteBySig(proposal.id, FOR, alice, sign_ballot(alice, proposal.id, FOR), sender=relayer)
