"""AzoraGovernor lifecycle through AzoraTimelock: states, queue, execute, expiry, cancel, settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest

from tests.contracts.governance.conftest import (
    ABSTAIN,
    ACTIVE,
    AGAINST,
    CANCELED,
    DEFEATED,
    EXECUTED,
    EXPIRED,
    FOR,
    GENESIS_EACH,
    GRACE_PERIOD,
    PENDING,
    QUEUED,
    QUORUM_NUMERATOR,
    SUCCEEDED,
    TIMELOCK_DELAY,
    Proposal,
    address_of,
    call,
)

AZR = 10**18
ETHER = 10**18
QUORUM = 4 * GENESIS_EACH * QUORUM_NUMERATOR // 100  # 160,000 AZR


# --- states -------------------------------------------------------------------------------


def test_state__walks_pending_active_succeeded_queued_executed(
    governor: Any,
    timelock: Any,
    token: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    close: Callable[[Proposal], None],
    warp: Callable[[int], None],
    alice: Any,
    carol: Any,
    stranger: Any,
    treasury: Any,
) -> None:
    token.transfer(timelock, 10 * AZR, sender=treasury)
    proposal = make_proposal()
    propose(proposal)
    assert governor.state(proposal.id) == PENDING
    activate(proposal)
    governor.castVote(proposal.id, FOR, sender=alice)
    assert governor.state(proposal.id) == ACTIVE
    close(proposal)
    assert governor.state(proposal.id) == SUCCEEDED

    receipt = governor.queue(*proposal.args, sender=stranger)
    eta = receipt.timestamp + TIMELOCK_DELAY
    assert receipt.return_value == proposal.id
    assert [(e.proposalId, e.etaSeconds) for e in governor.ProposalQueued.from_receipt(receipt)] == [
        (proposal.id, eta)
    ]
    assert governor.proposalEta(proposal.id) == eta
    assert governor.state(proposal.id) == QUEUED
    op = proposal.timelock_id(governor)
    assert timelock.is_operation_pending(op) and timelock.get_timestamp(op) == eta

    warp(eta)
    before = token.balanceOf(carol)
    receipt = governor.execute(*proposal.args, sender=stranger)
    assert receipt.return_value == proposal.id
    assert [e.proposalId for e in governor.ProposalExecuted.from_receipt(receipt)] == [proposal.id]
    assert governor.state(proposal.id) == EXECUTED
    assert timelock.is_operation_done(op)
    assert token.balanceOf(carol) == before + AZR


def test_state__more_against__is_defeated(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    close: Callable[[Proposal], None],
    alice: Any,
    bob: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    governor.castVote(proposal.id, FOR, sender=alice)
    governor.castVote(proposal.id, AGAINST, sender=bob)
    close(proposal)
    # A tie is a defeat: for must exceed against.
    assert governor.state(proposal.id) == DEFEATED
    with ape.reverts("governor: proposal not successful"):
        governor.queue(*proposal.args, sender=alice)


def test_state__no_votes__is_defeated(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    close: Callable[[Proposal], None],
) -> None:
    proposal = make_proposal()
    propose(proposal)
    close(proposal)
    assert governor.state(proposal.id) == DEFEATED


def test_state__for_below_quorum__is_defeated_and_abstain_completes_it(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    close: Callable[[Proposal], None],
    set_votes: Callable[[Any, int], None],
    alice: Any,
    bob: Any,
    carol: Any,
) -> None:
    set_votes(alice, QUORUM - AZR)
    set_votes(bob, AZR)
    set_votes(carol, 0)
    short, complete = make_proposal("short of quorum"), make_proposal("quorum with abstain")
    propose(short)
    propose(complete)
    activate(complete)
    assert governor.quorum(governor.proposalSnapshot(short.id)) == QUORUM
    governor.castVote(short.id, FOR, sender=alice)
    governor.castVote(complete.id, FOR, sender=alice)
    governor.castVote(complete.id, ABSTAIN, sender=bob)
    close(complete)
    assert governor.state(short.id) == DEFEATED
    assert governor.state(complete.id) == SUCCEEDED


def test_queue__while_active_or_pending__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    alice: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    with ape.reverts("governor: proposal not successful"):
        governor.queue(*proposal.args, sender=alice)
    activate(proposal)
    governor.castVote(proposal.id, FOR, sender=alice)
    with ape.reverts("governor: proposal not successful"):
        governor.queue(*proposal.args, sender=alice)


def test_queue__unknown_proposal__reverts(
    governor: Any, make_proposal: Callable[..., Proposal], alice: Any
) -> None:
    with ape.reverts("governor: unknown proposal"):
        governor.queue(*make_proposal("never proposed").args, sender=alice)


def test_queue__twice__reverts(
    governor: Any, make_proposal: Callable[..., Proposal], passed: Callable[[Proposal], Proposal], alice: Any
) -> None:
    proposal = passed(make_proposal())
    governor.queue(*proposal.args, sender=alice)
    with ape.reverts("governor: proposal not successful"):
        governor.queue(*proposal.args, sender=alice)


def test_execute__before_eta__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    passed: Callable[[Proposal], Proposal],
    warp: Callable[[int], None],
    alice: Any,
) -> None:
    proposal = passed(make_proposal())
    governor.queue(*proposal.args, sender=alice)
    warp(governor.proposalEta(proposal.id) - 1)
    with ape.reverts("governor: proposal not ready"):
        governor.execute(*proposal.args, sender=alice)


def test_execute__not_queued__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    passed: Callable[[Proposal], Proposal],
    alice: Any,
) -> None:
    pending = make_proposal("pending")
    propose(pending)
    with ape.reverts("governor: proposal not queued"):
        governor.execute(*pending.args, sender=alice)
    succeeded = passed(make_proposal("succeeded"))
    with ape.reverts("governor: proposal not queued"):
        governor.execute(*succeeded.args, sender=alice)
    with ape.reverts("governor: proposal not queued"):
        governor.execute(*make_proposal("unknown").args, sender=alice)


def test_execute__twice__reverts(
    governor: Any,
    timelock: Any,
    token: Any,
    treasury: Any,
    make_proposal: Callable[..., Proposal],
    enact: Callable[..., Any],
    alice: Any,
) -> None:
    token.transfer(timelock, AZR, sender=treasury)
    proposal = make_proposal()
    enact(proposal)
    with ape.reverts("governor: proposal not queued"):
        governor.execute(*proposal.args, sender=alice)


def test_execute__after_grace_period__is_expired_and_reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    passed: Callable[[Proposal], Proposal],
    warp: Callable[[int], None],
    chain: Any,
    alice: Any,
) -> None:
    proposal = passed(make_proposal())
    governor.queue(*proposal.args, sender=alice)
    eta = governor.proposalEta(proposal.id)
    warp(eta + GRACE_PERIOD - 1)
    chain.mine(1)
    assert governor.state(proposal.id) == QUEUED
    warp(eta + GRACE_PERIOD)
    chain.mine(1)
    assert governor.state(proposal.id) == EXPIRED
    with ape.reverts("governor: proposal expired"):
        governor.execute(*proposal.args, sender=alice)
    with ape.reverts("governor: proposal not successful"):
        governor.queue(*proposal.args, sender=alice)


def test_execute__call_reverts__bubbles_reason_and_stays_queued(
    governor: Any,
    token: Any,
    make_proposal: Callable[..., Proposal],
    passed: Callable[[Proposal], Proposal],
    warp: Callable[[int], None],
    alice: Any,
    carol: Any,
) -> None:
    # The Timelock holds no AZR: the transfer fails inside the batch.
    proposal = passed(make_proposal("unfunded"))
    governor.queue(*proposal.args, sender=alice)
    warp(governor.proposalEta(proposal.id))
    with ape.reverts("erc20: transfer amount exceeds balance"):
        governor.execute(*proposal.args, sender=alice)
    assert governor.state(proposal.id) == QUEUED


def test_execute__forwards_eth_value(
    governor: Any,
    timelock: Any,
    make_proposal: Callable[..., Proposal],
    enact: Callable[..., Any],
    carol: Any,
) -> None:
    proposal = make_proposal("Pay carol 1 ETH", targets=[carol], values=[ETHER], calldatas=[b""])
    before = carol.balance
    receipt = enact(proposal, value=ETHER)
    assert carol.balance == before + ETHER
    assert timelock.balance == 0 and governor.balance == 0
    assert [(e.target, e.amount) for e in timelock.CallExecuted.from_receipt(receipt)] == [
        (carol.address, ETHER)
    ]


def test_execute__several_calls__run_in_order_as_one_batch(
    governor: Any,
    timelock: Any,
    token: Any,
    treasury: Any,
    make_proposal: Callable[..., Proposal],
    enact: Callable[..., Any],
    bob: Any,
    carol: Any,
) -> None:
    token.transfer(timelock, 5 * AZR, sender=treasury)
    transfer = "transfer(address,uint256)"
    proposal = make_proposal(
        "Two grants",
        targets=[token, token],
        calldatas=[
            call(transfer, ["address", "uint256"], [bob.address, 2 * AZR]),
            call(transfer, ["address", "uint256"], [carol.address, 3 * AZR]),
        ],
    )
    bob_before, carol_before = token.balanceOf(bob), token.balanceOf(carol)
    receipt = enact(proposal)
    assert token.balanceOf(bob) == bob_before + 2 * AZR and token.balanceOf(carol) == carol_before + 3 * AZR
    assert [e.index for e in timelock.CallExecuted.from_receipt(receipt)] == [0, 1]


def test_timelock__direct_schedule_or_execute__needs_the_roles(
    timelock: Any, make_proposal: Callable[..., Proposal], stranger: Any, governor: Any
) -> None:
    proposal = make_proposal()
    salt = proposal.timelock_salt(governor)
    with ape.reverts("access_control: account is missing role"):
        timelock.schedule_batch(
            proposal.targets,
            proposal.values,
            proposal.calldatas,
            b"\x00" * 32,
            salt,
            TIMELOCK_DELAY,
            sender=stranger,
        )
    with ape.reverts("access_control: account is missing role"):
        timelock.execute_batch(
            proposal.targets, proposal.values, proposal.calldatas, b"\x00" * 32, salt, sender=stranger
        )


def test_timelock__council_veto__is_canceled_and_execution_reverts(
    governor: Any,
    timelock: Any,
    make_proposal: Callable[..., Proposal],
    passed: Callable[[Proposal], Proposal],
    warp: Callable[[int], None],
    chain: Any,
    council: Any,
    alice: Any,
) -> None:
    proposal = passed(make_proposal())
    governor.queue(*proposal.args, sender=alice)
    operation = proposal.timelock_id(governor)
    assert governor.state(proposal.id) == QUEUED
    receipt = timelock.cancel(operation, sender=council)
    assert [bytes(e.id) for e in timelock.Cancelled.from_receipt(receipt)] == [operation]
    assert governor.state(proposal.id) == CANCELED
    with ape.reverts("governor: proposal canceled on the timelock"):
        governor.execute(*proposal.args, sender=alice)
    warp(governor.proposalEta(proposal.id))
    chain.mine(1)
    assert governor.state(proposal.id) == CANCELED
    with ape.reverts("governor: proposal canceled on the timelock"):
        governor.execute(*proposal.args, sender=alice)
    with ape.reverts("governor: proposal not successful"):
        governor.queue(*proposal.args, sender=alice)
    # A veto is final: past the grace period the proposal stays Canceled, not Expired.
    warp(governor.proposalEta(proposal.id) + GRACE_PERIOD)
    chain.mine(1)
    assert governor.state(proposal.id) == CANCELED
    # The proposer's own cancel is still only for Pending proposals.
    with ape.reverts("governor: proposal not pending"):
        governor.cancel(*proposal.args, sender=alice)


def test_timelock__council_veto_after_expiry__is_canceled(
    governor: Any,
    timelock: Any,
    make_proposal: Callable[..., Proposal],
    passed: Callable[[Proposal], Proposal],
    warp: Callable[[int], None],
    chain: Any,
    council: Any,
    alice: Any,
) -> None:
    proposal = passed(make_proposal())
    governor.queue(*proposal.args, sender=alice)
    warp(governor.proposalEta(proposal.id) + GRACE_PERIOD)
    chain.mine(1)
    assert governor.state(proposal.id) == EXPIRED
    timelock.cancel(proposal.timelock_id(governor), sender=council)
    assert governor.state(proposal.id) == CANCELED


def test_timelock__veto_not_a_canceller__reverts_and_stays_queued(
    governor: Any,
    timelock: Any,
    make_proposal: Callable[..., Proposal],
    passed: Callable[[Proposal], Proposal],
    stranger: Any,
    alice: Any,
) -> None:
    proposal = passed(make_proposal())
    governor.queue(*proposal.args, sender=alice)
    with ape.reverts("access_control: account is missing role"):
        timelock.cancel(proposal.timelock_id(governor), sender=stranger)
    assert governor.state(proposal.id) == QUEUED


def test_timelock__veto_after_execution__reverts_and_stays_executed(
    governor: Any,
    timelock: Any,
    token: Any,
    treasury: Any,
    make_proposal: Callable[..., Proposal],
    enact: Callable[..., Any],
    council: Any,
) -> None:
    token.transfer(timelock, AZR, sender=treasury)
    proposal = make_proposal()
    enact(proposal)
    with ape.reverts("timelock_controller: operation cannot be cancelled"):
        timelock.cancel(proposal.timelock_id(governor), sender=council)
    assert governor.state(proposal.id) == EXECUTED


def test_proposal_timelock_id__is_the_timelock_batch_hash_once_queued(
    governor: Any,
    timelock: Any,
    make_proposal: Callable[..., Proposal],
    passed: Callable[[Proposal], Proposal],
    alice: Any,
) -> None:
    proposal = passed(make_proposal())
    assert bytes(governor.proposalTimelockId(proposal.id)) == b"\x00" * 32
    receipt = governor.queue(*proposal.args, sender=alice)
    operation = proposal.timelock_id(governor)
    assert bytes(governor.proposalTimelockId(proposal.id)) == operation
    assert operation == bytes(
        timelock.hash_operation_batch(*proposal.args[:3], b"\x00" * 32, proposal.timelock_salt(governor))
    )
    assert {bytes(e.id) for e in timelock.CallScheduled.from_receipt(receipt)} == {operation}
    assert timelock.get_timestamp(operation) == governor.proposalEta(proposal.id)


# --- cancel -------------------------------------------------------------------------------


def test_cancel__by_proposer_while_pending__cancels(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    mine_to: Callable[[int], None],
    alice: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    receipt = governor.cancel(*proposal.args, sender=alice)
    assert receipt.return_value == proposal.id
    assert [e.proposalId for e in governor.ProposalCanceled.from_receipt(receipt)] == [proposal.id]
    assert governor.state(proposal.id) == CANCELED
    mine_to(governor.proposalSnapshot(proposal.id) + 1)
    assert governor.state(proposal.id) == CANCELED
    with ape.reverts("governor: vote not currently active"):
        governor.castVote(proposal.id, FOR, sender=alice)
    with ape.reverts("governor: proposal not pending"):
        governor.cancel(*proposal.args, sender=alice)
    mine_to(governor.proposalDeadline(proposal.id) + 1)
    assert governor.state(proposal.id) == CANCELED
    with ape.reverts("governor: proposal not successful"):
        governor.queue(*proposal.args, sender=alice)


def test_cancel__not_the_proposer__reverts(
    governor: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any], bob: Any
) -> None:
    proposal = make_proposal()
    propose(proposal)
    with ape.reverts("governor: caller is not the proposer"):
        governor.cancel(*proposal.args, sender=bob)


def test_cancel__once_active__reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    alice: Any,
) -> None:
    proposal = make_proposal()
    propose(proposal)
    activate(proposal)
    with ape.reverts("governor: proposal not pending"):
        governor.cancel(*proposal.args, sender=alice)


def test_cancel__unknown_proposal__reverts(
    governor: Any, make_proposal: Callable[..., Proposal], alice: Any
) -> None:
    with ape.reverts("governor: unknown proposal"):
        governor.cancel(*make_proposal("never proposed").args, sender=alice)


def test_cancel__in_the_snapshot_block__still_pending(
    governor: Any, make_proposal: Callable[..., Proposal], propose: Callable[..., Any], alice: Any
) -> None:
    proposal = make_proposal()
    propose(proposal)
    # The next transaction lands in the snapshot block: the proposal is still Pending there.
    receipt = governor.cancel(*proposal.args, sender=alice)
    assert receipt.block_number == governor.proposalSnapshot(proposal.id)


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setter",
    ["setVotingDelay", "setVotingPeriod", "setProposalThreshold", "updateQuorumNumerator", "setGracePeriod"],
)
def test_settings__not_the_timelock__revert(governor: Any, governance: Any, alice: Any, setter: str) -> None:
    for caller in (governance, alice):
        with ape.reverts("governor: caller is not the timelock"):
            getattr(governor, setter)(5, sender=caller)


def test_settings__changed_through_a_proposal__apply_and_emit(
    governor: Any, make_proposal: Callable[..., Proposal], enact: Callable[..., Any]
) -> None:
    target = address_of(governor)
    proposal = make_proposal(
        "New governance settings",
        targets=[target] * 5,
        calldatas=[
            call("setVotingDelay(uint256)", ["uint256"], [3]),
            call("setVotingPeriod(uint256)", ["uint256"], [30]),
            call("setProposalThreshold(uint256)", ["uint256"], [50_000 * AZR]),
            call("updateQuorumNumerator(uint256)", ["uint256"], [10]),
            call("setGracePeriod(uint256)", ["uint256"], [7 * 86_400]),
        ],
    )
    receipt = enact(proposal)
    assert governor.state(proposal.id) == EXECUTED
    assert governor.votingDelay() == 3 and governor.votingPeriod() == 30
    assert governor.proposalThreshold() == 50_000 * AZR
    assert governor.quorumNumerator() == 10 and governor.gracePeriod() == 7 * 86_400
    assert [(e.oldVotingDelay, e.newVotingDelay) for e in governor.VotingDelaySet.from_receipt(receipt)] == [
        (1, 3)
    ]
    assert [
        (e.oldVotingPeriod, e.newVotingPeriod) for e in governor.VotingPeriodSet.from_receipt(receipt)
    ] == [(20, 30)]
    assert [
        (e.oldProposalThreshold, e.newProposalThreshold)
        for e in governor.ProposalThresholdSet.from_receipt(receipt)
    ] == [(100_000 * AZR, 50_000 * AZR)]
    assert [
        (e.oldQuorumNumerator, e.newQuorumNumerator)
        for e in governor.QuorumNumeratorUpdated.from_receipt(receipt)
    ] == [(4, 10)]
    assert [(e.oldGracePeriod, e.newGracePeriod) for e in governor.GracePeriodSet.from_receipt(receipt)] == [
        (14 * 86_400, 7 * 86_400)
    ]


def test_settings__new_delay_and_period__apply_to_new_proposals(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    enact: Callable[..., Any],
    propose: Callable[..., Any],
) -> None:
    target = address_of(governor)
    enact(
        make_proposal(
            "Longer votes",
            targets=[target, target],
            calldatas=[
                call("setVotingDelay(uint256)", ["uint256"], [5]),
                call("setVotingPeriod(uint256)", ["uint256"], [40]),
            ],
        )
    )
    proposal = make_proposal("after the change")
    receipt = propose(proposal)
    assert governor.proposalSnapshot(proposal.id) == receipt.block_number + 5
    assert governor.proposalDeadline(proposal.id) == receipt.block_number + 45


@pytest.mark.parametrize(
    ("signature", "value", "reason"),
    [
        ("setVotingDelay(uint256)", 0, "governor: invalid voting delay"),
        ("setVotingPeriod(uint256)", 0, "governor: invalid voting period"),
        ("setVotingPeriod(uint256)", 2**32, "governor: invalid voting period"),
        ("setProposalThreshold(uint256)", 2**128, "governor: invalid proposal threshold"),
        ("updateQuorumNumerator(uint256)", 101, "governor: invalid quorum numerator"),
        ("setGracePeriod(uint256)", 0, "governor: invalid grace period"),
    ],
)
def test_settings__invalid_value__execution_reverts(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    passed: Callable[[Proposal], Proposal],
    warp: Callable[[int], None],
    alice: Any,
    signature: str,
    value: int,
    reason: str,
) -> None:
    proposal = passed(
        make_proposal(
            f"bad {signature} {value}", targets=[governor], calldatas=[call(signature, ["uint256"], [value])]
        )
    )
    governor.queue(*proposal.args, sender=alice)
    warp(governor.proposalEta(proposal.id))
    with ape.reverts(reason):
        governor.execute(*proposal.args, sender=alice)


def test_settings__timelock_updates_its_own_delay_through_a_proposal(
    governor: Any, timelock: Any, make_proposal: Callable[..., Proposal], enact: Callable[..., Any]
) -> None:
    enact(
        make_proposal(
            "Longer timelock",
            targets=[timelock],
            calldatas=[call("update_delay(uint256)", ["uint256"], [120])],
        )
    )
    assert timelock.get_minimum_delay() == 120


def test_threshold__raised_by_governance__applies_to_proposers(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    enact: Callable[..., Any],
    propose: Callable[..., Any],
    set_votes: Callable[[Any, int], None],
    bob: Any,
) -> None:
    enact(
        make_proposal(
            "Higher threshold",
            targets=[governor],
            calldatas=[call("setProposalThreshold(uint256)", ["uint256"], [2 * GENESIS_EACH])],
        )
    )
    with ape.reverts("governor: proposer votes below threshold"):
        propose(make_proposal("too small now"), sender=bob)


def test_threshold__zero__lets_anyone_propose(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    enact: Callable[..., Any],
    propose: Callable[..., Any],
    stranger: Any,
) -> None:
    enact(
        make_proposal(
            "Open proposing",
            targets=[governor],
            calldatas=[call("setProposalThreshold(uint256)", ["uint256"], [0])],
        )
    )
    proposal = make_proposal("from a stranger")
    propose(proposal, sender=stranger)
    assert governor.proposalProposer(proposal.id) == stranger.address


# --- quorum checkpoints -------------------------------------------------------------------


def test_quorum_numerator__change__does_not_touch_earlier_snapshots(
    governor: Any,
    make_proposal: Callable[..., Proposal],
    passed: Callable[[Proposal], Proposal],
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    close: Callable[[Proposal], None],
    warp: Callable[[int], None],
    set_votes: Callable[[Any, int], None],
    chain: Any,
    alice: Any,
    carol: Any,
) -> None:
    # carol alone votes on the two probes: 10% of the supply, enough at 4%, not at 50%.
    set_votes(carol, 400_000 * AZR)
    raise_quorum = passed(
        make_proposal(
            "Quorum 50%",
            targets=[governor],
            calldatas=[call("updateQuorumNumerator(uint256)", ["uint256"], [50])],
        )
    )
    governor.queue(*raise_quorum.args, sender=alice)
    before = make_proposal("probe before the change")
    propose(before, sender=alice)
    old_snapshot = governor.proposalSnapshot(before.id)
    chain.mine(1)
    warp(governor.proposalEta(raise_quorum.id))
    receipt = governor.execute(*raise_quorum.args, sender=alice)
    assert receipt.block_number > old_snapshot
    after = make_proposal("probe after the change")
    propose(after, sender=alice)
    activate(after)
    governor.castVote(before.id, FOR, sender=carol)
    governor.castVote(after.id, FOR, sender=carol)
    close(after)

    supply = 4 * GENESIS_EACH
    assert governor.quorumNumerator(old_snapshot) == 4
    assert governor.quorumNumerator(receipt.block_number) == 50
    assert governor.quorumNumerator(receipt.block_number - 1) == 4
    assert governor.quorumNumerator() == 50
    assert governor.quorum(old_snapshot) == supply * 4 // 100
    assert governor.quorum(governor.proposalSnapshot(after.id)) == supply * 50 // 100
    assert governor.state(before.id) == SUCCEEDED
    assert governor.state(after.id) == DEFEATED


def test_quorum_numerator__before_deployment__is_zero(governor: Any, chain: Any) -> None:
    deployed = chain.get_receipt(governor.txn_hash).block_number
    assert governor.quorumNumerator(deployed - 1) == 0
    assert governor.quorumNumerator(deployed) == QUORUM_NUMERATOR
    assert governor.quorum(deployed - 1) == 0


def test_quorum_numerator__several_changes__history_is_searchable(
    governor: Any, make_proposal: Callable[..., Proposal], enact: Callable[..., Any]
) -> None:
    blocks = []
    for numerator in (10, 20, 30):
        receipt = enact(
            make_proposal(
                f"Quorum {numerator}%",
                targets=[governor],
                calldatas=[call("updateQuorumNumerator(uint256)", ["uint256"], [numerator])],
            )
        )
        blocks.append((receipt.block_number, numerator))
    previous = QUORUM_NUMERATOR
    for block, numerator in blocks:
        assert governor.quorumNumerator(block - 1) == previous
        assert governor.quorumNumerator(block) == numerator
        previous = numerator
    assert governor.quorumNumerator() == 30


def test_quorum_numerator__two_changes_in_one_block__last_one_wins(
    governor: Any, make_proposal: Callable[..., Proposal], enact: Callable[..., Any]
) -> None:
    target = address_of(governor)
    receipt = enact(
        make_proposal(
            "Quorum twice",
            targets=[target, target],
            calldatas=[
                call("updateQuorumNumerator(uint256)", ["uint256"], [7]),
                call("updateQuorumNumerator(uint256)", ["uint256"], [9]),
            ],
        )
    )
    assert governor.quorumNumerator(receipt.block_number) == 9
    assert governor.quorumNumerator(receipt.block_number - 1) == QUORUM_NUMERATOR
    assert [
        (e.oldQuorumNumerator, e.newQuorumNumerator)
        for e in governor.QuorumNumeratorUpdated.from_receipt(receipt)
    ] == [(4, 7), (7, 9)]
