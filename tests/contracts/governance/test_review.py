"""AzoraGovernor constitutional review: ProposalReviewed attestations from the ETHICS oracle via OracleHub."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak

from tests.contracts.governance.conftest import (
    AGAINST,
    APPROVE,
    DEFEATED,
    FLAG,
    FOR,
    PROPOSAL_REVIEWED,
    QUEUED,
    SUCCEEDED,
    Proposal,
)
from tests.contracts.oracle_signing import ETHICS, Attestation, OracleSigner

AZR = 10**18


@pytest.fixture
def split_vote(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    set_votes: Callable[[Any, int], None],
    alice: Any,
    bob: Any,
    carol: Any,
) -> Callable[..., Proposal]:
    """Factory: a new Active proposal on which alice will vote for with `votes_for` and bob against
    with `votes_against` (carol abstains from voting); `vote(proposal)` casts both."""

    def _split(votes_for: int, votes_against: int, description: str = "Split vote") -> Proposal:
        set_votes(alice, votes_for)
        set_votes(bob, votes_against)
        set_votes(carol, 0)
        proposal = make_proposal(description)
        propose(proposal)
        activate(proposal)
        return proposal

    return _split


def vote(governor: Any, proposal: Proposal, alice: Any, bob: Any) -> None:
    governor.castVote(proposal.id, FOR, sender=alice)
    governor.castVote(proposal.id, AGAINST, sender=bob)


def test_schema__is_keccak_of_the_schema_string(governor: Any, hub: Any) -> None:
    assert bytes(governor.PROPOSAL_REVIEWED()) == PROPOSAL_REVIEWED
    schema = hub.schemas(PROPOSAL_REVIEWED)
    assert (bytes(schema.domain), schema.consumer, schema.revocable) == (ETHICS, governor.address, False)


def test_review__records_verdict_reason_and_uid(
    governor: Any,
    hub: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    review: Callable[..., Any],
) -> None:
    proposal = make_proposal()
    propose(proposal)
    assert list(governor.proposalReview(proposal.id)) == [0, b"\x00" * 32, b"\x00" * 32]
    receipt = review(proposal.id, FLAG, reason="spends the reserve")
    [attested] = hub.Attested.from_receipt(receipt)
    [event] = governor.ProposalReviewed.from_receipt(receipt)
    assert (event.proposalId, event.verdict, bytes(event.reasonHash), bytes(event.uid)) == (
        proposal.id,
        FLAG,
        keccak(text="spends the reserve"),
        bytes(attested.uid),
    )
    verdict, reason_hash, uid = governor.proposalReview(proposal.id)
    assert (verdict, bytes(reason_hash), bytes(uid)) == (
        FLAG,
        keccak(text="spends the reserve"),
        bytes(attested.uid),
    )


def test_review__flagged_with_60_percent_for__is_defeated(
    governor: Any,
    split_vote: Callable[..., Proposal],
    review: Callable[..., Any],
    close: Callable[[Proposal], None],
    alice: Any,
    bob: Any,
) -> None:
    proposal = split_vote(600_000 * AZR, 400_000 * AZR)
    review(proposal.id, FLAG)
    vote(governor, proposal, alice, bob)
    close(proposal)
    assert governor.state(proposal.id) == DEFEATED
    with ape.reverts("governor: proposal not successful"):
        governor.queue(*proposal.args, sender=alice)


def test_review__flagged_with_70_percent_for__can_be_queued(
    governor: Any,
    split_vote: Callable[..., Proposal],
    review: Callable[..., Any],
    close: Callable[[Proposal], None],
    alice: Any,
    bob: Any,
) -> None:
    proposal = split_vote(700_000 * AZR, 300_000 * AZR)
    review(proposal.id, FLAG)
    vote(governor, proposal, alice, bob)
    close(proposal)
    assert governor.state(proposal.id) == SUCCEEDED
    governor.queue(*proposal.args, sender=alice)
    assert governor.state(proposal.id) == QUEUED


@pytest.mark.parametrize(
    ("votes_for", "votes_against", "expected"),
    [
        (200_000 * AZR, 100_000 * AZR, SUCCEEDED),  # exactly two thirds
        (200_000 * AZR - 1, 100_000 * AZR, DEFEATED),  # one wei short
    ],
)
def test_review__flagged_at_two_thirds__boundary(
    governor: Any,
    split_vote: Callable[..., Proposal],
    review: Callable[..., Any],
    close: Callable[[Proposal], None],
    alice: Any,
    bob: Any,
    votes_for: int,
    votes_against: int,
    expected: int,
) -> None:
    proposal = split_vote(votes_for, votes_against)
    review(proposal.id, FLAG)
    vote(governor, proposal, alice, bob)
    close(proposal)
    assert governor.state(proposal.id) == expected


@pytest.mark.parametrize("verdict", [None, APPROVE])
def test_review__approved_or_unreviewed_with_60_percent__follows_the_normal_rule(
    governor: Any,
    split_vote: Callable[..., Proposal],
    review: Callable[..., Any],
    close: Callable[[Proposal], None],
    alice: Any,
    bob: Any,
    verdict: int | None,
) -> None:
    proposal = split_vote(600_000 * AZR, 400_000 * AZR)
    if verdict is not None:
        review(proposal.id, verdict)
    vote(governor, proposal, alice, bob)
    close(proposal)
    assert governor.state(proposal.id) == SUCCEEDED


def test_review__flagged_still_needs_quorum(
    governor: Any,
    split_vote: Callable[..., Proposal],
    review: Callable[..., Any],
    close: Callable[[Proposal], None],
    alice: Any,
    bob: Any,
) -> None:
    # 100% for but below the 4% quorum (160,000 AZR of 4M... supply here is still 4M).
    proposal = split_vote(150_000 * AZR, 0)
    review(proposal.id, FLAG)
    governor.castVote(proposal.id, FOR, sender=alice)
    close(proposal)
    assert governor.state(proposal.id) == DEFEATED


def test_review__later_review_replaces_earlier(
    governor: Any,
    split_vote: Callable[..., Proposal],
    review: Callable[..., Any],
    close: Callable[[Proposal], None],
    alice: Any,
    bob: Any,
) -> None:
    proposal = split_vote(600_000 * AZR, 400_000 * AZR)
    review(proposal.id, FLAG, reason="first look")
    review(proposal.id, APPROVE, reason="second look")
    vote(governor, proposal, alice, bob)
    verdict, reason_hash, _uid = governor.proposalReview(proposal.id)
    assert (verdict, bytes(reason_hash)) == (APPROVE, keccak(text="second look"))
    close(proposal)
    assert governor.state(proposal.id) == SUCCEEDED

    flagged_late = split_vote(600_000 * AZR, 400_000 * AZR, "approved then flagged")
    review(flagged_late.id, APPROVE)
    vote(governor, flagged_late, alice, bob)
    review(flagged_late.id, FLAG)  # still Active: allowed
    close(flagged_late)
    assert governor.state(flagged_late.id) == DEFEATED


def test_review__while_pending__is_accepted(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    review: Callable[..., Any],
) -> None:
    proposal = make_proposal()
    propose(proposal)
    review(proposal.id, APPROVE)
    assert governor.proposalReview(proposal.id)[0] == APPROVE


def test_review__unknown_proposal__is_rejected(review: Callable[..., Any]) -> None:
    with ape.reverts("governor: unknown proposal"):
        review(123456789, FLAG)


def test_review__after_voting_closed__is_rejected(
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    close: Callable[[Proposal], None],
    review: Callable[..., Any],
) -> None:
    proposal = make_proposal()
    propose(proposal)
    close(proposal)
    with ape.reverts("governor: review closed"):
        review(proposal.id, FLAG)


def test_review__canceled_proposal__is_rejected(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    review: Callable[..., Any],
    alice: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    governor.cancel(*proposal.args, sender=alice)
    with ape.reverts("governor: review closed"):
        review(proposal.id, FLAG)


@pytest.mark.parametrize("verdict", [0, 3, 255])
def test_review__bad_verdict__is_rejected(
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    review: Callable[..., Any],
    verdict: int,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    with ape.reverts("governor: bad verdict"):
        review(proposal.id, verdict)


def test_review__malformed_data__is_rejected(
    make_proposal: Callable[..., Proposal], propose: Callable[..., Any], review: Callable[..., Any]
) -> None:
    proposal = make_proposal()
    propose(proposal)
    with ape.reverts("governor: malformed review"):
        review(proposal.id, FLAG, data=encode(["uint256", "uint8"], [proposal.id, FLAG]))


def test_review__signed_by_non_signers__is_rejected_by_the_hub(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    review: Callable[..., Any],
    forger: OracleSigner,
    oracle_signers: list[OracleSigner],
) -> None:
    proposal = make_proposal()
    propose(proposal)
    with ape.reverts("hub: signer not authorised"):
        review(proposal.id, FLAG, signers=[oracle_signers[0], forger])
    with ape.reverts("hub: below threshold"):
        review(proposal.id, FLAG, signers=[oracle_signers[0]])
    assert governor.proposalReview(proposal.id)[0] == 0


def test_on_attestation__not_from_the_hub__reverts(
    governor: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any], stranger: Any
) -> None:
    proposal = make_proposal()
    propose(proposal)
    data = encode(["uint256", "uint8", "bytes32"], [proposal.id, FLAG, b"\x00" * 32])
    with ape.reverts("governor: caller is not the hub"):
        governor.on_attestation(PROPOSAL_REVIEWED, b"\x01" * 32, stranger, data, sender=stranger)


def test_on_attestation__other_schema__reverts(
    governor: Any,
    hub: Any,
    governance: Any,
    relayer: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    sign_attestation: Callable[..., bytes],
) -> None:
    # Route a second ETHICS schema to the governor: it accepts PROPOSAL_REVIEWED only.
    other = keccak(text="azora.ethics.Other(uint256 proposalId,uint8 verdict,bytes32 reasonHash)")
    hub.register_schema(other, ETHICS, governor, False, sender=governance)
    proposal = make_proposal()
    propose(proposal)
    att = Attestation(
        schema=other,
        uid=keccak(text="azora.test.review.other-schema"),
        subject=relayer.address,
        data=encode(["uint256", "uint8", "bytes32"], [proposal.id, FLAG, b"\x00" * 32]),
        deadline=2**40,
        epoch=hub.epoch(ETHICS),
    )
    with ape.reverts("governor: unknown schema"):
        hub.submit(att.as_args(), sign_attestation(att), sender=relayer)


def test_on_revocation__always_reverts(governor: Any, hub: Any, stranger: Any) -> None:
    with ape.reverts("governor: reviews are not revocable"):
        governor.on_revocation(PROPOSAL_REVIEWED, b"\x01" * 32, sender=stranger)
