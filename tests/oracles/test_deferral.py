"""Completions held back by ProofOfKnowledge's limits (daily cap per learner, budget per
30-day epoch) are deferred to the next period, then signed again and confirmed: on anvil,
with in-process signers and relay, the chain's clock moved to the retry time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from oracles.models import CONFIRMED, DEFERRED, is_deferred, public_status, retry_at
from oracles.relay import Relay, TickReport
from oracles.settings import OracleSettings
from tests.oracles.conftest import (
    Stack,
    add_completions,
    assert_confirmed_once,
    attested_counts,
    fresh_learner,
    rpc,
    run_relay,
    submissions,
    transactions,
    wait_for,
)
from tests.oracles.test_relay import signed_now

RunSigners = Callable[..., None]
MakeRelay = Callable[..., Relay]
AZR = 10**18
DAY = 86_400
EPOCH = 30 * DAY
# add_completions' default: score 85, difficulty 2 -> 10 AZR x 1.5 x 1.5, plus a 10% Ubuntu share.
REWARD = 22_500_000_000_000_000_000
MINTED = REWARD + REWARD // 10


def proof_of_knowledge(project: Any, stack: Stack) -> Any:
    return project.ProofOfKnowledge.at(stack.manifest.address("ProofOfKnowledge"))


def tick_until(relay: Relay, done: Callable[[], bool], timeout: float = 20.0) -> None:
    def _ticked() -> bool:
        relay.tick()
        return done()

    wait_for(_ticked, timeout, "relay ticks reached the expected state", interval=0.05)


def move_chain_to(stack: Stack, timestamp: int) -> None:
    """Mine a block at `timestamp` (the next blocks follow from there)."""
    rpc(stack.rpc_url, "evm_setNextBlockTimestamp", timestamp)
    rpc(stack.rpc_url, "evm_mine")


def test_deferral__daily_cap_reached_in_a_batch__deferred_to_next_day_then_confirmed(
    stack: Stack,
    project: Any,
    accounts: Any,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
) -> None:
    pok = proof_of_knowledge(project, stack)
    pok.set_daily_cap(30 * AZR, sender=accounts[0])  # one 22.5 AZR reward per learner per day
    learner = fresh_learner()
    first, second = add_completions(oracle_settings, 2, learner=learner)
    run_signers()
    relay = make_relay()
    signed_now(relay, [first.uid, second.uid])  # both signed: one batch of two
    tick_until(
        relay,
        lambda: (
            (rows := submissions(oracle_settings))[first.uid].status == CONFIRMED
            and is_deferred(rows[second.uid])
        ),
    )
    (tx,) = transactions(oracle_settings)
    assert (tx.method, tx.size) == ("submit_batch", 2)
    block_time = int(
        rpc(stack.rpc_url, "eth_getBlockByNumber", hex(int(tx.block_number or 0)), False)["timestamp"], 16
    )
    row = submissions(oracle_settings)[second.uid]
    next_day = (block_time // DAY + 1) * DAY
    assert (public_status(row), row.reason, retry_at(row)) == (DEFERRED, "DAILY_CAP_EXCEEDED", next_day)
    assert "pok: daily cap exceeded" in (row.detail or "") and row.signatures is None and row.digest is None
    assert (row.sign_rounds, row.tx_hash) == (0, tx.tx_hash)
    assert pok.earned_today(learner) == REWARD

    # Until the next day nothing is asked of the signers and the worker may idle.
    report = relay.tick()
    assert report is not None and (report.requested, report.open) == (0, 0)
    assert is_deferred(submissions(oracle_settings)[second.uid])

    move_chain_to(stack, next_day)
    report = relay.tick()
    assert report is not None and report.requested == 1
    row = submissions(oracle_settings)[second.uid]  # a new signing round: fresh deadline, reason cleared
    assert public_status(row) != DEFERRED and row.reason is None and row.sign_rounds == 1
    assert (row.deadline or 0) > next_day
    run_relay(relay, [second.uid])
    # Each attested once; the second uid rode two mined transactions (refused, then applied), so
    # assert_confirmed_once's one-nonce-per-uid rule does not apply to it.
    counts = attested_counts(stack)
    assert (counts[first.uid], counts[second.uid]) == (1, 1)
    row = submissions(oracle_settings)[second.uid]
    assert row.status == CONFIRMED and row.tx_hash not in (None, tx.tx_hash)
    assert row.reason is None and row.sign_rounds == 1
    assert pok.earned_today(learner) == REWARD  # the new day's
    assert len(transactions(oracle_settings)) == 2


def test_deferral__epoch_budget_exhausted_alone__deferred_without_a_transaction_then_confirmed(
    stack: Stack,
    project: Any,
    accounts: Any,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
) -> None:
    pok = proof_of_knowledge(project, stack)
    pok.set_epoch_budget(MINTED + MINTED // 2, sender=accounts[0])  # room for one completion
    run_signers()
    relay = make_relay()
    (first,) = add_completions(oracle_settings, 1)
    run_relay(relay, [first.uid])
    sent_before = len(transactions(oracle_settings))
    (second,) = add_completions(oracle_settings, 1)
    tick_until(relay, lambda: is_deferred(submissions(oracle_settings)[second.uid]))
    row = submissions(oracle_settings)[second.uid]
    now = int(rpc(stack.rpc_url, "eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    next_epoch = (now // EPOCH + 1) * EPOCH
    assert (row.reason, retry_at(row)) == ("EPOCH_BUDGET_EXHAUSTED", next_epoch)
    assert "pok: epoch budget exhausted" in (row.detail or "")
    assert len(transactions(oracle_settings)) == sent_before  # refused at gas estimation: nothing sent

    move_chain_to(stack, next_epoch)
    run_relay(relay, [second.uid])
    assert_confirmed_once(stack, oracle_settings, [first.uid, second.uid])
    assert pok.epoch_minted() == MINTED


def test_deferral__report__counts_the_deferred_submission(
    stack: Stack,
    project: Any,
    accounts: Any,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
) -> None:
    proof_of_knowledge(project, stack).set_daily_cap(0, sender=accounts[0])
    (completion,) = add_completions(oracle_settings, 1)
    run_signers()
    relay = make_relay()
    total = TickReport()

    def _deferred() -> bool:
        report = relay.tick()
        if report is not None:
            total.deferred += report.deferred
        return is_deferred(submissions(oracle_settings)[completion.uid])

    wait_for(_deferred, 20, "deferred", interval=0.05)
    assert total.deferred == 1
    assert submissions(oracle_settings)[completion.uid].reason == "DAILY_CAP_EXCEEDED"
