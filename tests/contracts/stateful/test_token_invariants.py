"""Stateful fuzzing of AzoraToken under titanoboa.

A `RuleBasedStateMachine` moves, mints, burns and delegates AZR among six
actors (the minter among them) while mining 0..3 blocks between steps, so
several changes often land in one block. A plain Python model tracks
balances, allowances and delegates, and keeps the end-of-block state of every
block mined so far. After every step the contract must agree with the model:

* the balances add up to `totalSupply`, which never exceeds the cap;
* `getVotes` of every actor is the sum of the balances delegated to it, and
  the votes add up to the balances of the accounts that have a delegate;
* `getPastVotes` and `getPastTotalSupply` match the model for every block
  as soon as it becomes past. The teardown mines one more block (so the last
  block is covered too), checks every past block again (so a later write that
  rewrote history is caught), the checkpoint lists and the allowances.

The token is deployed once per test (with no genesis); every example starts
from that state in its own boa snapshot and mints a drawn genesis allocation.

Run with `HYPOTHESIS_PROFILE=quick|long pytest tests/contracts/stateful -p no:ape_test`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boa
import pytest
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.contracts.stateful import strategies as s
from tests.contracts.stateful.strategies import ACTORS, ADMIN, CAP, MAX_UINT256, MINTER, ZERO_ADDRESS

TOKEN_SOURCE = Path(__file__).resolve().parents[3] / "contracts" / "AzoraToken.vy"


@dataclass(frozen=True)
class Snapshot:
    """The expected token state at the end of one block."""

    supply: int
    votes: Mapping[str, int]


class TokenMachine(RuleBasedStateMachine):
    """AzoraToken against a Python model of balances, allowances, delegates and per-block votes."""

    #: (owner, spender) pairs that have called `approve`, so the `*_from` rules
    #: spend real allowances instead of almost always hitting an empty one.
    approvals = Bundle("approvals")

    def __init__(self, token: Any) -> None:
        super().__init__()
        # Every example runs in its own boa snapshot, undone in `teardown`, so the
        # chain (block number included) starts from the freshly deployed token.
        self._anchor = boa.env.anchor()
        self._anchor.__enter__()
        self.token = token
        self.balances: dict[str, int] = dict.fromkeys(ACTORS, 0)
        self.allowances: dict[tuple[str, str], int] = {}
        self.delegates: dict[str, str] = dict.fromkeys(ACTORS, ZERO_ADDRESS)
        self.supply = 0
        self.deploy_block = self.block
        # End-of-block state of every mined block since deployment.
        self.history: dict[int, Snapshot] = {}
        # Past blocks below this one have been compared with the history.
        self.verified_until = self.block

    # -- model helpers ------------------------------------------------------------------

    @property
    def block(self) -> int:
        return int(boa.env.evm.patch.block_number)

    def expected_votes(self) -> dict[str, int]:
        votes = dict.fromkeys(ACTORS, 0)
        for holder, delegatee in self.delegates.items():
            if delegatee != ZERO_ADDRESS:
                votes[delegatee] += self.balances[holder]
        return votes

    def expected_at(self, block: int) -> Snapshot:
        """The model at the end of a past `block` (zero before deployment)."""
        if block < self.deploy_block:
            return Snapshot(supply=0, votes=dict.fromkeys(ACTORS, 0))
        return self.history[block]

    def allowance(self, owner: str, spender: str) -> int:
        return self.allowances.get((owner, spender), 0)

    def spend_allowance(self, owner: str, spender: str, amount: int) -> None:
        current = self.allowance(owner, spender)
        if current != MAX_UINT256:
            self.allowances[(owner, spender)] = current - amount

    def move(self, owner: str, to: str, amount: int) -> None:
        self.balances[owner] -= amount
        self.balances[to] += amount

    def act(self, caller: str, revert_reason: str | None, call: Callable[..., Any], *args: Any) -> None:
        """Calls `call(*args)` as `caller`; it must revert with `revert_reason` unless that is None."""
        expectation = boa.reverts(revert_reason) if revert_reason else contextlib.nullcontext()
        with boa.env.prank(caller), expectation:
            call(*args)

    # -- setup ----------------------------------------------------------------------------

    @initialize(genesis=s.genesis_amounts)
    def genesis(self, genesis: list[int]) -> None:
        for actor, amount in zip(ACTORS, genesis, strict=True):
            self.act(MINTER, None, self.token.mint, actor, amount)
            self.balances[actor] = amount
        self.supply = sum(genesis)

    # -- rules ----------------------------------------------------------------------------

    @rule(sender=s.actors, to=s.receivers, portion=s.portions)
    def transfer(self, sender: str, to: str, portion: int) -> None:
        amount = s.take(self.balances[sender], portion)
        reason = None
        if to == ZERO_ADDRESS:
            reason = "erc20: transfer to the zero address"
        elif amount > self.balances[sender]:
            reason = "erc20: transfer amount exceeds balance"
        self.act(sender, reason, self.token.transfer, to, amount)
        if reason is None:
            self.move(sender, to, amount)

    @rule(target=approvals, owner=s.actors, spender=s.actors, amount=s.allowances)
    def approve(self, owner: str, spender: str, amount: int) -> tuple[str, str]:
        self.act(owner, None, self.token.approve, spender, amount)
        self.allowances[(owner, spender)] = amount
        return owner, spender

    @rule(approval=approvals, to=s.receivers, portion=s.portions)
    def transfer_from(self, approval: tuple[str, str], to: str, portion: int) -> None:
        owner, spender = approval
        allowance = self.allowance(owner, spender)
        amount = s.take(min(allowance, self.balances[owner]), portion)
        reason = None
        if amount > allowance:
            reason = "erc20: insufficient allowance"
        elif to == ZERO_ADDRESS:
            reason = "erc20: transfer to the zero address"
        elif amount > self.balances[owner]:
            reason = "erc20: transfer amount exceeds balance"
        self.act(spender, reason, self.token.transferFrom, owner, to, amount)
        if reason is None:
            self.spend_allowance(owner, spender, amount)
            self.move(owner, to, amount)

    @rule(caller=s.mint_callers, to=s.receivers, amount=s.amounts)
    def mint(self, caller: str, to: str, amount: int) -> None:
        reason = None
        if caller != MINTER:
            reason = "token: caller is not a minter"
        elif self.supply + amount > CAP:
            reason = "token: cap exceeded"
        elif to == ZERO_ADDRESS:
            reason = "erc20: mint to the zero address"
        self.act(caller, reason, self.token.mint, to, amount)
        if reason is None:
            self.balances[to] += amount
            self.supply += amount

    @rule(to=s.actors)
    def mint_up_to_cap(self, to: str) -> None:
        room = CAP - self.supply
        self.act(MINTER, None, self.token.mint, to, room)
        self.balances[to] += room
        self.supply = CAP

    @rule(to=s.actors, excess=s.cap_excesses)
    def mint_beyond_cap(self, to: str, excess: int) -> None:
        self.act(MINTER, "token: cap exceeded", self.token.mint, to, CAP - self.supply + excess)

    @rule(owner=s.actors, portion=s.portions)
    def burn(self, owner: str, portion: int) -> None:
        amount = s.take(self.balances[owner], portion)
        reason = "erc20: burn amount exceeds balance" if amount > self.balances[owner] else None
        self.act(owner, reason, self.token.burn, amount)
        if reason is None:
            self.balances[owner] -= amount
            self.supply -= amount

    @rule(approval=approvals, portion=s.portions)
    def burn_from(self, approval: tuple[str, str], portion: int) -> None:
        owner, spender = approval
        allowance = self.allowance(owner, spender)
        amount = s.take(min(allowance, self.balances[owner]), portion)
        reason = None
        if amount > allowance:
            reason = "erc20: insufficient allowance"
        elif amount > self.balances[owner]:
            reason = "erc20: burn amount exceeds balance"
        self.act(spender, reason, self.token.burn_from, owner, amount)
        if reason is None:
            self.spend_allowance(owner, spender, amount)
            self.balances[owner] -= amount
            self.supply -= amount

    @rule(delegator=s.actors, delegatee=s.delegatees)
    def delegate(self, delegator: str, delegatee: str) -> None:
        self.act(delegator, None, self.token.delegate, delegatee)
        self.delegates[delegator] = delegatee
        assert self.token.delegates(delegator) == delegatee

    @rule(blocks=s.block_steps)
    def advance(self, blocks: int) -> None:
        snapshot = Snapshot(supply=self.supply, votes=self.expected_votes())
        for block in range(self.block, self.block + blocks):
            self.history[block] = snapshot
        boa.env.time_travel(blocks=blocks)

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def balances_add_up_to_supply_within_cap(self) -> None:
        for actor in ACTORS:
            assert self.token.balanceOf(actor) == self.balances[actor], actor
        assert sum(self.balances.values()) == self.supply
        assert self.token.totalSupply() == self.supply <= CAP

    @invariant()
    def votes_follow_delegation(self) -> None:
        expected = self.expected_votes()
        total = 0
        for actor in ACTORS:
            votes = self.token.getVotes(actor)
            assert votes == expected[actor], actor
            total += votes
        delegated = sum(
            balance for holder, balance in self.balances.items() if self.delegates[holder] != ZERO_ADDRESS
        )
        assert total == delegated

    @invariant()
    def new_past_blocks_match_history(self) -> None:
        assert self.token.clock() == self.block
        self.check_past(range(self.verified_until, self.block))
        self.verified_until = self.block

    def check_past(self, blocks: Iterable[int]) -> None:
        for block in blocks:
            expected = self.expected_at(block)
            assert self.token.getPastTotalSupply(block) == expected.supply, block
            for actor in ACTORS:
                assert self.token.getPastVotes(actor, block) == expected.votes[actor], (actor, block)

    # -- teardown -------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            # Skip the sweep when a step already failed: its error is the one to report.
            if sys.exc_info()[1] is None:
                self.check_whole_history()
        finally:
            self._anchor.__exit__(None, None, None)

    def check_whole_history(self) -> None:
        # Mine one more block so that the last block's changes are checked too.
        self.advance(1)
        now = self.block
        self.check_past(range(now))
        with boa.reverts("token: future lookup"):
            self.token.getPastTotalSupply(now)
        with boa.reverts("token: future lookup"):
            self.token.getPastVotes(ACTORS[0], now)
        assert self.token.getVotes(ZERO_ADDRESS) == self.token.numCheckpoints(ZERO_ADDRESS) == 0
        for actor in ACTORS:
            assert self.token.delegates(actor) == self.delegates[actor], actor
            # Checkpoints: strictly increasing blocks, each holding that block's final votes.
            previous_block, votes = -1, 0
            for pos in range(self.token.numCheckpoints(actor)):
                from_block, votes = self.token.checkpoints(actor, pos)
                assert previous_block < from_block < now and from_block >= self.deploy_block, (actor, pos)
                assert votes == self.history[from_block].votes[actor], (actor, pos)
                previous_block = from_block
            assert votes == self.token.getVotes(actor), actor
            for owner in ACTORS:
                assert self.token.allowance(owner, actor) == self.allowance(owner, actor), (owner, actor)


@pytest.fixture
def boa_token() -> Any:
    """AzoraToken deployed in boa with no genesis; MINTER holds MINTER_ROLE. Compiling takes ~1.5 s,
    so it is deployed once per test rather than once per example."""
    with boa.env.prank(ADMIN):
        token = boa.load(str(TOKEN_SOURCE), [], [])
        token.grantRole(token.MINTER_ROLE(), MINTER)
    return token


def test_token_invariants(boa_token: Any) -> None:
    # Settings come from the Hypothesis profile loaded in conftest.py.
    # A factory is allowed ("a class or a function"), though the stub only names the class.
    run_state_machine_as_test(lambda: TokenMachine(boa_token))  # type: ignore[arg-type]
