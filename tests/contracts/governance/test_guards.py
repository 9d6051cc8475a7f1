"""The Governor's guards that AzoraToken cannot reach (its supply cap keeps votes below 2**90,
its clock is in blocks) and that the deployed Timelock delay never reaches: exercised with a
stand-in votes source (contracts/test/TestVotesToken.vy) and a Timelock of extreme delay."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from tests.contracts.governance.conftest import (
    ABSTAIN,
    FOR,
    GRACE_PERIOD,
    PROPOSAL_THRESHOLD,
    QUORUM_NUMERATOR,
    SUCCEEDED,
    VOTING_DELAY,
    VOTING_PERIOD,
    Proposal,
    address_of,
)

MAX_48 = 2**48 - 1


def deploy_governor(project: Any, deployer: Any, votes: Any, timelock_delay: int = 60) -> Any:
    timelock = project.AzoraTimelock.deploy(timelock_delay, [], [], deployer, sender=deployer)
    return project.AzoraGovernor.deploy(
        votes,
        timelock,
        deployer,  # no hub: these tests never review
        VOTING_DELAY,
        VOTING_PERIOD,
        PROPOSAL_THRESHOLD,
        QUORUM_NUMERATOR,
        GRACE_PERIOD,
        sender=deployer,
    )


@pytest.fixture
def votes(project: Any, deployer: Any) -> Any:
    return project.TestVotesToken.deploy(False, sender=deployer)


def open_proposal(governor: Any, votes: Any, deployer: Any, proposer: Any, chain: Any) -> Proposal:
    """A proposal (one no-op call) made by `proposer`, mined into its voting period."""
    votes.set_votes(proposer, PROPOSAL_THRESHOLD, sender=deployer)
    proposal = Proposal(targets=[address_of(votes)], values=[0], calldatas=[b""], description="guard test")
    targets, values, calldatas, _ = proposal.args
    governor.propose(targets, values, calldatas, proposal.description, sender=proposer)
    chain.mine(VOTING_DELAY + 1)
    return proposal


def test_deploy__token_clocked_in_timestamps__reverts(project: Any, deployer: Any) -> None:
    timestamp_votes = project.TestVotesToken.deploy(True, sender=deployer)
    with ape.reverts("governor: token clock is not block numbers"):
        deploy_governor(project, deployer, timestamp_votes)


@pytest.mark.parametrize(("support", "field_bits"), [(FOR, 90), (ABSTAIN, 128)])
def test_cast_vote__tally_beyond_its_field__reverts(
    project: Any, deployer: Any, votes: Any, accounts: Any, chain: Any, support: int, field_bits: int
) -> None:
    governor = deploy_governor(project, deployer, votes)
    first, second, third = accounts[1], accounts[2], accounts[3]
    proposal = open_proposal(governor, votes, deployer, first, chain)
    votes.set_votes(first, 2 ** (field_bits - 1), sender=deployer)
    votes.set_votes(second, 2 ** (field_bits - 1) - 1, sender=deployer)
    votes.set_votes(third, 1, sender=deployer)
    governor.castVote(proposal.id, support, sender=first)
    governor.castVote(proposal.id, support, sender=second)  # the field is now full: 2**bits - 1
    with ape.reverts("governor: tally overflow"):
        governor.castVote(proposal.id, support, sender=third)
    assert not governor.hasVoted(proposal.id, third)


def test_queue__timelock_delay_past_48_bits__reverts(
    project: Any, deployer: Any, votes: Any, accounts: Any, chain: Any
) -> None:
    governor = deploy_governor(project, deployer, votes, timelock_delay=MAX_48)
    voter = accounts[1]
    proposal = open_proposal(governor, votes, deployer, voter, chain)
    votes.set_total_supply(PROPOSAL_THRESHOLD, sender=deployer)  # quorum: 4% of it
    governor.castVote(proposal.id, FOR, sender=voter)
    chain.mine(VOTING_PERIOD + 1)
    assert governor.state(proposal.id) == SUCCEEDED
    with ape.reverts("governor: eta overflow"):
        governor.queue(*proposal.args, sender=voter)
