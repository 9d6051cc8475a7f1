"""AzoraGovernor.propose: ids, events, threshold, arrays, `#proposer=` suffix, settings views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
from eth_abi import encode
from eth_utils import keccak

from tests.contracts.governance.conftest import (
    GRACE_PERIOD,
    PENDING,
    PROPOSAL_THRESHOLD,
    QUORUM_NUMERATOR,
    VOTING_DELAY,
    VOTING_PERIOD,
    Proposal,
    address_of,
    hash_proposal,
)

AZR = 10**18


# --- deployment and views ---------------------------------------------------------------


def test_views__report_the_deployed_settings(governor: Any, token: Any, timelock: Any, hub: Any) -> None:
    assert governor.name() == "AzoraGovernor" and governor.version() == "1"
    assert governor.votingDelay() == VOTING_DELAY
    assert governor.votingPeriod() == VOTING_PERIOD
    assert governor.proposalThreshold() == PROPOSAL_THRESHOLD
    assert governor.quorumNumerator() == QUORUM_NUMERATOR
    assert governor.quorumDenominator() == 100
    assert governor.gracePeriod() == GRACE_PERIOD
    assert (governor.token(), governor.timelock(), governor.hub()) == (
        token.address,
        timelock.address,
        hub.address,
    )
    assert governor.COUNTING_MODE() == "support=bravo&quorum=for,abstain"
    assert governor.CLOCK_MODE() == "mode=blocknumber&from=default"


def test_clock__is_the_block_number(governor: Any, chain: Any) -> None:
    assert governor.clock() == chain.blocks.head.number


def test_deploy__emits_every_setting(
    project: Any, deployer: Any, token: Any, timelock: Any, hub: Any, chain: Any
) -> None:
    governor = project.AzoraGovernor.deploy(
        token,
        timelock,
        hub,
        VOTING_DELAY,
        VOTING_PERIOD,
        PROPOSAL_THRESHOLD,
        QUORUM_NUMERATOR,
        GRACE_PERIOD,
        sender=deployer,
    )
    receipt = chain.get_receipt(governor.txn_hash)
    assert [(e.oldVotingDelay, e.newVotingDelay) for e in governor.VotingDelaySet.from_receipt(receipt)] == [
        (0, VOTING_DELAY)
    ]
    assert [e.newVotingPeriod for e in governor.VotingPeriodSet.from_receipt(receipt)] == [VOTING_PERIOD]
    assert [e.newProposalThreshold for e in governor.ProposalThresholdSet.from_receipt(receipt)] == [
        PROPOSAL_THRESHOLD
    ]
    assert [e.newGracePeriod for e in governor.GracePeriodSet.from_receipt(receipt)] == [GRACE_PERIOD]
    assert [
        (e.oldQuorumNumerator, e.newQuorumNumerator)
        for e in governor.QuorumNumeratorUpdated.from_receipt(receipt)
    ] == [(0, QUORUM_NUMERATOR)]


def test_deploy__invalid_settings__revert(
    project: Any, deployer: Any, token: Any, timelock: Any, hub: Any
) -> None:
    good = [1, 20, 0, 4, 3_600]
    cases = [
        (0, "governor: invalid voting delay"),
        (1, "governor: invalid voting period"),
        (3, "governor: invalid quorum numerator"),
        (4, "governor: invalid grace period"),
    ]
    bad_values = {0: 0, 1: 0, 3: 101, 4: 0}
    for index, reason in cases:
        settings = list(good)
        settings[index] = bad_values[index]
        with ape.reverts(reason):
            project.AzoraGovernor.deploy(token, timelock, hub, *settings, sender=deployer)
    too_large = list(good)
    too_large[0] = 2**32
    with ape.reverts("governor: invalid voting delay"):
        project.AzoraGovernor.deploy(token, timelock, hub, *too_large, sender=deployer)
    too_large = list(good)
    too_large[2] = 2**128
    with ape.reverts("governor: invalid proposal threshold"):
        project.AzoraGovernor.deploy(token, timelock, hub, *too_large, sender=deployer)


def test_proposal_views__unknown_proposal__are_empty_and_state_reverts(governor: Any, stranger: Any) -> None:
    unknown = 12345
    assert governor.proposalSnapshot(unknown) == 0
    assert governor.proposalDeadline(unknown) == 0
    assert governor.proposalEta(unknown) == 0
    assert governor.proposalProposer(unknown) == "0x0000000000000000000000000000000000000000"
    assert list(governor.proposalVotes(unknown)) == [0, 0, 0]
    assert not governor.hasVoted(unknown, stranger)
    assert governor.proposalNeedsQueuing(unknown)
    with ape.reverts("governor: unknown proposal"):
        governor.state(unknown)


# --- proposal ids -------------------------------------------------------------------------


def test_hash_proposal__matches_openzeppelin_encoding(
    governor: Any, make_proposal: Callable[..., Proposal], token: Any, bob: Any
) -> None:
    proposal = make_proposal(
        "Two calls",
        targets=[token, bob],
        values=[0, 5],
        calldatas=[b"\x01\x02\x03", b""],
    )
    expected = int.from_bytes(
        keccak(
            encode(
                ["address[]", "uint256[]", "bytes[]", "bytes32"],
                [proposal.targets, proposal.values, proposal.calldatas, keccak(text="Two calls")],
            )
        ),
        "big",
    )
    assert governor.hashProposal(*proposal.args) == expected == proposal.id


def test_propose__returns_the_hash_and_records_proposal(
    governor: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any], alice: Any
) -> None:
    proposal = make_proposal()
    receipt = propose(proposal)
    assert receipt.return_value == proposal.id
    created = receipt.block_number
    assert governor.proposalSnapshot(proposal.id) == created + VOTING_DELAY
    assert governor.proposalDeadline(proposal.id) == created + VOTING_DELAY + VOTING_PERIOD
    assert governor.proposalProposer(proposal.id) == alice.address
    assert governor.state(proposal.id) == PENDING
    assert governor.proposalEta(proposal.id) == 0


def test_propose__emits_openzeppelin_proposal_created(
    governor: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any], alice: Any, token: Any
) -> None:
    proposal = make_proposal(
        "# Title\n\nBody with ünïcode",
        targets=[token, token],
        values=[0, 0],
        calldatas=[b"\xaa", b"\xbb\xcc"],
    )
    receipt = propose(proposal)
    [event] = governor.ProposalCreated.from_receipt(receipt)
    assert event.proposalId == proposal.id
    assert event.proposer == alice.address
    assert list(event.targets) == proposal.targets
    assert list(event.values) == proposal.values
    assert list(event.signatures) == ["", ""]
    assert [bytes(c) for c in event.calldatas] == proposal.calldatas
    assert event.voteStart == receipt.block_number + VOTING_DELAY
    assert event.voteEnd == receipt.block_number + VOTING_DELAY + VOTING_PERIOD
    assert event.description == proposal.description


def test_propose__same_actions_twice__reverts(
    make_proposal: Callable[..., Proposal], propose: Callable[..., Any], bob: Any
) -> None:
    proposal = make_proposal()
    propose(proposal)
    with ape.reverts("governor: proposal already exists"):
        propose(proposal, sender=bob)


def test_propose__same_actions_other_description__is_another_proposal(
    governor: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any]
) -> None:
    first, second = make_proposal("one"), make_proposal("two")
    propose(first)
    propose(second)
    assert first.id != second.id
    assert governor.state(first.id) == governor.state(second.id) == PENDING


def test_propose__empty__reverts(governor: Any, alice: Any) -> None:
    with ape.reverts("governor: empty proposal"):
        governor.propose([], [], [], "nothing", sender=alice)


def test_propose__length_mismatch__reverts(governor: Any, alice: Any, token: Any) -> None:
    with ape.reverts("governor: proposal length mismatch"):
        governor.propose([token], [0, 0], [b""], "values", sender=alice)
    with ape.reverts("governor: proposal length mismatch"):
        governor.propose([token, token], [0, 0], [b""], "calldatas", sender=alice)


def test_propose__more_than_max_actions__reverts(governor: Any, alice: Any, token: Any) -> None:
    count = governor.MAX_ACTIONS() + 1
    with ape.reverts():
        governor.propose([token] * count, [0] * count, [b""] * count, "too many", sender=alice)


# --- proposal threshold -------------------------------------------------------------------


def test_propose__below_threshold__reverts(
    make_proposal: Callable[..., Proposal], propose: Callable[..., Any], stranger: Any
) -> None:
    with ape.reverts("governor: proposer votes below threshold"):
        propose(make_proposal(), sender=stranger)


def test_propose__votes_of_previous_block_count(
    governor: Any,
    token: Any,
    treasury: Any,
    stranger: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
) -> None:
    token.transfer(stranger, PROPOSAL_THRESHOLD - 1, sender=treasury)
    token.invoke_transaction("delegate", stranger, sender=stranger)
    with ape.reverts("governor: proposer votes below threshold"):
        propose(make_proposal(), sender=stranger)
    token.transfer(stranger, 1, sender=treasury)
    # The votes of the block the proposal lands in do not count yet: the transfer above is in
    # the previous block, so they do now.
    propose(make_proposal(), sender=stranger)


def test_propose__undelegated_balance__does_not_count(
    token: Any, treasury: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any]
) -> None:
    assert token.balanceOf(treasury) >= PROPOSAL_THRESHOLD
    with ape.reverts("governor: proposer votes below threshold"):
        propose(make_proposal(), sender=treasury)


# --- `#proposer=` suffix (front-running protection) ------------------------------------------


def test_propose__suffix_names_other_address__reverts(
    make_proposal: Callable[..., Proposal], propose: Callable[..., Any], bob: Any
) -> None:
    proposal = make_proposal(f"Fund the school #proposer={address_of(bob)}")
    with ape.reverts("governor: proposer restricted"):
        propose(proposal)


def test_propose__suffix_names_caller__is_accepted_in_any_hex_case(
    governor: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any], alice: Any
) -> None:
    hex_part = address_of(alice)[2:]
    for index, variant in enumerate((hex_part, hex_part.lower(), hex_part.upper())):
        proposal = make_proposal(f"Fund school {index} #proposer=0x{variant}")
        propose(proposal)
        assert governor.proposalProposer(proposal.id) == alice.address


def test_propose__suffix_only_description__is_checked(
    make_proposal: Callable[..., Proposal], propose: Callable[..., Any], bob: Any
) -> None:
    # Exactly 52 bytes: the marker and the address, nothing before them.
    proposal = make_proposal(f"#proposer={address_of(bob)}")
    assert len(proposal.description) == 52
    with ape.reverts("governor: proposer restricted"):
        propose(proposal)
    propose(proposal, sender=bob)


def test_propose__malformed_suffix__is_a_plain_description(
    governor: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any], alice: Any, bob: Any
) -> None:
    bob_hex = address_of(bob)[2:]
    malformed = [
        f"x #proposer=0x{bob_hex[:-1]}g",  # not hex
        f"x #proposer=0X{bob_hex}",  # upper-case X
        f"x #proposer={bob_hex}00",  # no 0x
        f"x #proposer=0x{bob_hex} ",  # trailing character
        f"x #proposer:0x{bob_hex}",  # other marker
        f"#proposer=0x{bob_hex[:-1]}",  # too short to hold an address
    ]
    for description in malformed:
        proposal = make_proposal(description)
        propose(proposal, sender=alice)
        assert governor.proposalProposer(proposal.id) == alice.address


def test_propose__long_description__is_hashed_and_logged(
    governor: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any]
) -> None:
    description = "a" * governor.MAX_DESCRIPTION()
    proposal = make_proposal(description)
    receipt = propose(proposal)
    assert receipt.return_value == proposal.id
    [event] = governor.ProposalCreated.from_receipt(receipt)
    assert event.description == description


def test_hash_proposal__helper_matches_contract(governor: Any, token: Any) -> None:
    targets, values, calldatas = [address_of(token)], [7], [b"\x00\x01"]
    description_hash = keccak(text="helper")
    assert governor.hashProposal(targets, values, calldatas, description_hash) == hash_proposal(
        targets, values, calldatas, description_hash
    )
