"""Stateful fuzzing of AzoraGovernor (+ AzoraTimelock, AzoraToken) under titanoboa.

A `RuleBasedStateMachine` moves and delegates AZR among five keyed voters,
creates proposals, votes on them (`castVote`, `castVoteWithReason` and signed
`castVoteBySig` ballots, sometimes twice, sometimes outside the window or with
an invalid vote type), reviews them as the hub would (approve / flag / invalid
verdicts), cancels, queues and executes them, vetoes queued ones on the
Timelock as the security council would, changes the quorum numerator as the
Timelock would, and moves the chain on by blocks and seconds. A Python
model keeps the end-of-block votes and supply of every block and the lifecycle
of every proposal, predicts every outcome down to the revert reason, and after
every step the Governor must agree with it:

* for + against + abstain of each proposal equal, type by type, the sum of its
  voters' weights at its snapshot (from the model's own history, not the
  token), and each weight returned by a vote is the voter's votes then;
* no account is counted twice: a second vote reverts, `hasVoted` follows the
  model, and the tallies hold each voter once;
* `state()` agrees with the model of the lifecycle (quorum from the model's
  supply and numerator history at the snapshot, the flagged supermajority,
  ETA and grace period, executed / canceled flags, a Timelock veto making a
  queued proposal Canceled), and `proposalTimelockId` is the Timelock's
  `hash_operation_batch` of every queued proposal.

The stack is deployed once per module; every example starts from it in its own
boa snapshot and mints a drawn genesis allocation.

Run with `HYPOTHESIS_PROFILE=quick|long pytest tests/contracts/stateful -p no:ape_test`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import boa
import pytest
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from hypothesis import event
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from tests.contracts.stateful import governor_strategies as g
from tests.contracts.stateful import strategies as s
from tests.contracts.stateful.governor_strategies import ADDRESSES, ADMIN, HUB, VOTERS, Voter

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
#: The security council: holds the Timelock's CANCELLER_ROLE (vetoes queued operations).
COUNCIL = to_checksum_address(keccak(text="azora.stateful.governor.council")[12:])
PROPOSAL_REVIEWED = keccak(
    text="azora.ethics.ProposalReviewed(uint256 proposalId,uint8 verdict,bytes32 reasonHash)"
)
PENDING, ACTIVE, CANCELED, DEFEATED, SUCCEEDED, QUEUED, EXPIRED, EXECUTED = range(8)
AGAINST, FOR, ABSTAIN = 0, 1, 2
FLAG = 2
_STATE_NAMES = ("Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed")
#: The most proposals one example makes (keeps the per-step invariants cheap).
MAX_PROPOSALS = 6

_BALLOT_TYPES = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
        {"name": "verifyingContract", "type": "address"},
    ],
    "Ballot": [
        {"name": "proposalId", "type": "uint256"},
        {"name": "support", "type": "uint8"},
        {"name": "voter", "type": "address"},
        {"name": "nonce", "type": "uint256"},
    ],
}


@dataclass(frozen=True)
class Stack:
    token: Any
    timelock: Any
    governor: Any


@cache
def _stack() -> Stack:
    """Compiles and deploys the wired contracts once (see `_deployed_stack`)."""

    def load(name: str) -> Any:
        return boa.load_partial(str(CONTRACTS / f"{name}.vy"))

    with boa.env.prank(ADMIN):
        token = load("AzoraToken").deploy([], [])
        token.grantRole(token.MINTER_ROLE(), ADMIN)
        timelock = load("AzoraTimelock").deploy(g.TIMELOCK_DELAY, [], [], ADMIN)
        governor = load("AzoraGovernor").deploy(
            token.address,
            timelock.address,
            HUB,
            g.VOTING_DELAY,
            g.VOTING_PERIOD,
            g.PROPOSAL_THRESHOLD,
            g.QUORUM_NUMERATOR,
            g.GRACE_PERIOD,
        )
        for role in (timelock.PROPOSER_ROLE(), timelock.EXECUTOR_ROLE(), timelock.CANCELLER_ROLE()):
            timelock.grantRole(role, governor.address)
        timelock.grantRole(timelock.CANCELLER_ROLE(), COUNCIL)
    return Stack(token, timelock, governor)


@pytest.fixture(scope="module", autouse=True)
def _deployed_stack() -> Iterator[None]:
    """Deploys the stack once for this module; every example rolls back only its own changes."""
    _stack()
    yield
    _stack.cache_clear()


@dataclass
class Proposal:
    """The model of one proposal."""

    id: int
    description_hash: bytes
    proposer: str
    snapshot: int
    deadline: int
    canceled: bool = False
    verdict: int = 0
    eta: int = 0
    executed: bool = False
    #: Its Timelock operation was cancelled by the council.
    vetoed: bool = False
    #: voter -> (support, weight), in voting order.
    ballots: dict[str, tuple[int, int]] = field(default_factory=dict)

    def tally(self) -> list[int]:
        """[against, for, abstain]: the sum of the voters' weights, type by type."""
        sums = [0, 0, 0]
        for support, weight in self.ballots.values():
            sums[support] += weight
        return sums


class GovernorMachine(RuleBasedStateMachine):
    """AzoraGovernor against a Python model of votes per block and of each proposal's lifecycle."""

    def __init__(self) -> None:
        super().__init__()
        stack = _stack()
        self._anchor = boa.env.anchor()
        self._anchor.__enter__()
        self.token, self.timelock, self.governor = stack.token, stack.timelock, stack.governor
        self.balances: dict[str, int] = dict.fromkeys(ADDRESSES, 0)
        self.delegates: dict[str, str] = dict.fromkeys(ADDRESSES, ZERO_ADDRESS)
        self.supply = 0
        self.start_block = self.block
        # End-of-block (supply, votes) of every block mined since the example started.
        self.history: dict[int, tuple[int, dict[str, int]]] = {}
        # Quorum numerator checkpoints (block, numerator); the deployment's is at or before the start.
        self.quorum_checkpoints: list[tuple[int, int]] = [(self.start_block, g.QUORUM_NUMERATOR)]
        self.proposals: list[Proposal] = []
        self.nonces: dict[str, int] = dict.fromkeys(ADDRESSES, 0)
        self.serial = 0
        self.action = (
            [self.token.address],
            [0],
            [keccak(text="balanceOf(address)")[:4] + encode(["address"], [self.timelock.address])],
        )

    # -- model helpers ------------------------------------------------------------------

    @property
    def block(self) -> int:
        return int(boa.env.evm.patch.block_number)

    @property
    def now(self) -> int:
        return int(boa.env.evm.patch.timestamp)

    def current_votes(self) -> dict[str, int]:
        votes = dict.fromkeys(ADDRESSES, 0)
        for holder, delegatee in self.delegates.items():
            if delegatee != ZERO_ADDRESS:
                votes[delegatee] += self.balances[holder]
        return votes

    def votes_at(self, block: int) -> dict[str, int]:
        """Every voter's votes at the end of a past block (none before the genesis block)."""
        if block < self.start_block:
            return dict.fromkeys(ADDRESSES, 0)
        return self.history[block][1]

    def supply_at(self, block: int) -> int:
        return 0 if block < self.start_block else self.history[block][0]

    def numerator_at(self, block: int) -> int:
        numerator = 0
        for since, value in self.quorum_checkpoints:
            if since <= block:
                numerator = value
        return numerator

    def expected_state(self, p: Proposal) -> int:
        if p.executed:
            return EXECUTED
        if p.canceled:
            return CANCELED
        if p.snapshot >= self.block:
            return PENDING
        if p.deadline >= self.block:
            return ACTIVE
        if p.eta:
            if p.vetoed:
                return CANCELED
            return EXPIRED if self.now >= p.eta + g.GRACE_PERIOD else QUEUED
        against, votes_for, abstain = p.tally()
        quorum = self.supply_at(p.snapshot) * self.numerator_at(p.snapshot) // 100
        passed = votes_for > against and quorum <= votes_for + abstain
        if passed and p.verdict == FLAG:
            supermajority = 3 * votes_for >= 2 * (votes_for + against)
            event(f"flagged majority: {'supermajority' if supermajority else 'below two thirds'}")
            passed = supermajority
        return SUCCEEDED if passed else DEFEATED

    def act(self, caller: str, revert_reason: str | None, call: Callable[..., Any], *args: Any) -> Any:
        """Calls `call(*args)` as `caller`; it must revert with `revert_reason` unless that is None."""
        expectation = boa.reverts(revert_reason) if revert_reason else contextlib.nullcontext()
        with boa.env.prank(caller), expectation:
            return call(*args)

    def pick(self, index: int, *preferred: int) -> Proposal:
        """The `index`-th proposal (modulo), among those in a `preferred` state if any (the picks
        past MAX_PROPOSALS choose among all, so that off-state calls are tried too)."""
        candidates = self.proposals
        if preferred and index < MAX_PROPOSALS:
            candidates = [p for p in self.proposals if self.expected_state(p) in preferred] or candidates
        return candidates[index % len(candidates)]

    def args(self, p: Proposal) -> tuple[Any, ...]:
        return (*self.action, p.description_hash)

    def sign_ballot(self, voter: Voter, proposal_id: int, support: int) -> bytes:
        typed = {
            "types": _BALLOT_TYPES,
            "primaryType": "Ballot",
            "domain": {
                "name": "AzoraGovernor",
                "version": "1",
                "chainId": boa.env.evm.patch.chain_id,
                "verifyingContract": self.governor.address,
            },
            "message": {
                "proposalId": proposal_id,
                "support": support,
                "voter": voter.address,
                "nonce": self.nonces[voter.address],
            },
        }
        return bytes(Account.sign_message(encode_typed_data(full_message=typed), voter.key).signature)

    # -- setup ----------------------------------------------------------------------------

    @initialize(genesis=g.genesis_amounts, self_delegated=g.self_delegations)
    def genesis(self, genesis: list[int], self_delegated: list[bool]) -> None:
        """Mints the genesis, lets some holders delegate to themselves, closes the block and, if
        the largest holder may, makes a first proposal and opens its vote (so that every rule has
        something to act on)."""
        for voter, amount, delegated in zip(ADDRESSES, genesis, self_delegated, strict=True):
            self.act(ADMIN, None, self.token.mint, voter, amount)
            self.balances[voter] = amount
            if delegated:
                self.act(voter, None, self.token.delegate, voter)
                self.delegates[voter] = voter
        self.supply = sum(genesis)
        self.advance(g.BLOCK_SECONDS)
        votes = self.current_votes()
        self.propose(max(VOTERS, key=lambda voter: votes[voter.address]))
        self.advance((g.VOTING_DELAY + 1) * g.BLOCK_SECONDS)

    # -- token rules ----------------------------------------------------------------------

    @rule(sender=g.voters, to=g.voters, portion=s.portions)
    def transfer(self, sender: Voter, to: Voter, portion: int) -> None:
        amount = s.take(self.balances[sender.address], portion)
        reason = "erc20: transfer amount exceeds balance" if amount > self.balances[sender.address] else None
        self.act(sender.address, reason, self.token.transfer, to.address, amount)
        if reason is None:
            self.balances[sender.address] -= amount
            self.balances[to.address] += amount

    @rule(delegator=g.voters, delegatee=g.voters, withdraw=s.st.booleans())
    def delegate(self, delegator: Voter, delegatee: Voter, withdraw: bool) -> None:
        target = ZERO_ADDRESS if withdraw else delegatee.address
        self.act(delegator.address, None, self.token.delegate, target)
        self.delegates[delegator.address] = target

    @rule(seconds=g.time_steps)
    def advance(self, seconds: int) -> None:
        """Moves the clock on `seconds` (and `seconds // 12` blocks), recording the blocks closed."""
        blocks = seconds // g.BLOCK_SECONDS
        closed = (self.supply, self.current_votes())
        for block in range(self.block, self.block + blocks):
            self.history[block] = closed
        boa.env.time_travel(seconds=seconds)

    # -- governance rules -----------------------------------------------------------------

    @precondition(lambda self: len(self.proposals) < MAX_PROPOSALS)
    @rule(proposer=g.voters, then=g.short_waits)
    def propose_then_wait(self, proposer: Voter, then: int) -> None:
        self.propose(proposer)
        self.advance(then)

    def propose(self, proposer: Voter) -> None:
        self.serial += 1
        description = f"Proposal {self.serial}"
        votes = self.votes_at(self.block - 1)[proposer.address]
        reason = "governor: proposer votes below threshold" if votes < g.PROPOSAL_THRESHOLD else None
        proposal_id = self.act(proposer.address, reason, self.governor.propose, *self.action, description)
        event(f"propose: {reason or 'created'}")
        if reason is None:
            snapshot = self.block + g.VOTING_DELAY
            self.proposals.append(
                Proposal(
                    id=proposal_id,
                    description_hash=keccak(text=description),
                    proposer=proposer.address,
                    snapshot=snapshot,
                    deadline=snapshot + g.VOTING_PERIOD,
                )
            )

    @rule(voter=g.voters, index=g.proposal_picks, support=g.supports, then=g.short_waits)
    def cast_vote(self, voter: Voter, index: int, support: int, then: int) -> None:
        self.vote(voter, index, support, "castVote")
        self.advance(then)

    @rule(voter=g.voters, index=g.proposal_picks, support=g.supports, then=g.short_waits)
    def cast_vote_with_reason(self, voter: Voter, index: int, support: int, then: int) -> None:
        self.vote(voter, index, support, "castVoteWithReason")
        self.advance(then)

    @rule(voter=g.voters, index=g.proposal_picks, support=g.supports, then=g.short_waits)
    def cast_vote_by_sig(self, voter: Voter, index: int, support: int, then: int) -> None:
        self.vote(voter, index, support, "castVoteBySig")
        self.advance(then)

    @rule(index=g.proposal_picks, pro=g.voters, con=g.voters, then=g.short_waits)
    def contest(self, index: int, pro: Voter, con: Voter, then: int) -> None:
        """Two voters take opposite sides of the same proposal (split votes, where the flagged
        supermajority and the for > against rule decide)."""
        self.vote(pro, index, FOR, "castVote")
        self.vote(con, index, AGAINST, "castVote")
        self.advance(then)

    def vote(self, voter: Voter, index: int, support: int, method: str) -> None:
        """One vote by `method` (a relayer sends the signed ballot of castVoteBySig)."""
        if not self.proposals:
            return
        p = self.pick(index, ACTIVE)
        reason = None
        if self.expected_state(p) != ACTIVE:
            reason = "governor: vote not currently active"
        elif support > ABSTAIN:
            reason = "governor: invalid vote type"
        elif voter.address in p.ballots:
            reason = "governor: vote already cast"
        if method == "castVoteBySig":
            signature = self.sign_ballot(voter, p.id, support)
            weight = self.act(
                ADMIN, reason, self.governor.castVoteBySig, p.id, support, voter.address, signature
            )
        elif method == "castVoteWithReason":
            weight = self.act(voter.address, reason, self.governor.castVoteWithReason, p.id, support, "why")
        else:
            weight = self.act(voter.address, reason, self.governor.castVote, p.id, support)
        event(f"{method}: {reason or 'counted'}")
        if reason is None:
            expected = self.votes_at(p.snapshot)[voter.address]
            assert weight == expected, (voter.address, weight, expected)
            p.ballots[voter.address] = (support, weight)
            if method == "castVoteBySig":
                self.nonces[voter.address] += 1
        assert self.governor.hasVoted(p.id, voter.address) == (voter.address in p.ballots)
        assert self.governor.nonces(voter.address) == self.nonces[voter.address]

    @rule(caller=g.voters, index=g.proposal_picks)
    def cancel(self, caller: Voter, index: int) -> None:
        if not self.proposals:
            return
        p = self.pick(index, PENDING)
        reason = None
        if self.expected_state(p) != PENDING:
            reason = "governor: proposal not pending"
        elif caller.address != p.proposer:
            reason = "governor: caller is not the proposer"
        self.act(caller.address, reason, self.governor.cancel, *self.args(p))
        event(f"cancel: {reason or 'canceled'}")
        if reason is None:
            p.canceled = True

    @rule(index=g.proposal_picks, verdict=g.verdicts)
    def review(self, index: int, verdict: int) -> None:
        if not self.proposals:
            return
        p = self.pick(index, PENDING, ACTIVE)
        reason = None
        if verdict not in (1, 2):
            reason = "governor: bad verdict"
        elif p.canceled or p.deadline < self.block:
            reason = "governor: review closed"
        self.serial += 1
        data = encode(["uint256", "uint8", "bytes32"], [p.id, verdict, keccak(text=f"reason {self.serial}")])
        uid = self.serial.to_bytes(32, "big")
        self.act(HUB, reason, self.governor.on_attestation, PROPOSAL_REVIEWED, uid, HUB, data)
        event(f"review: {reason or ('flagged' if verdict == FLAG else 'approved')}")
        if reason is None:
            p.verdict = verdict
        assert self.governor.proposalReview(p.id)[0] == p.verdict

    @rule(caller=g.voters, index=g.proposal_picks)
    def queue(self, caller: Voter, index: int) -> None:
        if not self.proposals:
            return
        p = self.pick(index, SUCCEEDED)
        reason = None if self.expected_state(p) == SUCCEEDED else "governor: proposal not successful"
        self.act(caller.address, reason, self.governor.queue, *self.args(p))
        event(f"queue: {reason or 'queued'}")
        if reason is None:
            p.eta = self.now + g.TIMELOCK_DELAY

    @rule(caller=g.voters, index=g.proposal_picks)
    def execute(self, caller: Voter, index: int) -> None:
        if not self.proposals:
            return
        p = self.pick(index, QUEUED)
        reason = None
        if p.eta == 0 or p.executed:
            reason = "governor: proposal not queued"
        elif p.vetoed:
            reason = "governor: proposal canceled on the timelock"
        elif self.now < p.eta:
            reason = "governor: proposal not ready"
        elif self.now >= p.eta + g.GRACE_PERIOD:
            reason = "governor: proposal expired"
        self.act(caller.address, reason, self.governor.execute, *self.args(p))
        event(f"execute: {reason or 'executed'}")
        if reason is None:
            p.executed = True

    @rule(index=g.proposal_picks)
    def veto(self, index: int) -> None:
        """The council cancels a proposal's operation on the Timelock (pending only: queued,
        not executed, not already cancelled, expired or not)."""
        if not self.proposals:
            return
        p = self.pick(index, QUEUED)
        operation = self.timelock_id(p)
        pending = p.eta != 0 and not p.executed and not p.vetoed
        reason = None if pending else "timelock_controller: operation cannot be cancelled"
        self.act(COUNCIL, reason, self.timelock.cancel, operation)
        event(f"veto: {reason or 'cancelled'}")
        if reason is None:
            p.vetoed = True
        assert (self.timelock.get_timestamp(operation) == 0) == (p.eta == 0 or p.vetoed)

    def timelock_id(self, p: Proposal) -> bytes:
        """The Timelock operation id of a proposal: bytes20(governor) XOR descriptionHash salt."""
        salt = (int(self.governor.address, 16) << 96) ^ int.from_bytes(p.description_hash, "big")
        return bytes(self.timelock.hash_operation_batch(*self.action, b"\x00" * 32, salt.to_bytes(32, "big")))

    @rule(numerator=g.numerators)
    def set_quorum(self, numerator: int) -> None:
        reason = "governor: invalid quorum numerator" if numerator > 100 else None
        self.act(self.timelock.address, reason, self.governor.updateQuorumNumerator, numerator)
        if reason is None:
            if self.quorum_checkpoints[-1][0] == self.block:
                self.quorum_checkpoints[-1] = (self.block, numerator)
            else:
                self.quorum_checkpoints.append((self.block, numerator))
        assert self.governor.quorumNumerator() == self.quorum_checkpoints[-1][1]

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def tallies_are_the_voters_weights_at_the_snapshot(self) -> None:
        for p in self.proposals:
            weights = self.votes_at(p.snapshot) if p.ballots else {}
            assert all(weight == weights[voter] for voter, (_s, weight) in p.ballots.items()), p.id
            assert list(self.governor.proposalVotes(p.id)) == p.tally(), p.id

    @invariant()
    def state_follows_the_lifecycle_model(self) -> None:
        for p in self.proposals:
            state = self.expected_state(p)
            assert self.governor.state(p.id) == state, p.id
            event(f"state seen: {_STATE_NAMES[state]}")

    # -- teardown -------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            # Skip the sweep when a step already failed: its error is the one to report.
            if sys.exc_info()[1] is None:
                self.sweep()
        finally:
            self._anchor.__exit__(None, None, None)

    def sweep(self) -> None:
        """Everything the per-step invariants leave out."""
        for p in self.proposals:
            assert self.governor.proposalSnapshot(p.id) == p.snapshot
            assert self.governor.proposalDeadline(p.id) == p.deadline
            assert self.governor.proposalProposer(p.id) == p.proposer
            assert self.governor.proposalEta(p.id) == p.eta
            expected_id = self.timelock_id(p) if p.eta else b"\x00" * 32
            assert bytes(self.governor.proposalTimelockId(p.id)) == expected_id, p.id
            assert self.governor.proposalReview(p.id)[0] == p.verdict
            for voter in ADDRESSES:
                assert self.governor.hasVoted(p.id, voter) == (voter in p.ballots), (p.id, voter)
            if p.snapshot < self.block:
                quorum = self.supply_at(p.snapshot) * self.numerator_at(p.snapshot) // 100
                assert self.governor.quorum(p.snapshot) == quorum, p.id
        for block in range(self.start_block, self.block):
            assert self.governor.quorumNumerator(block) == self.numerator_at(block), block


TestGovernor = GovernorMachine.TestCase
