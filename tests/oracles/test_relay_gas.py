"""How the relay sets the gas of a batch: one full estimate per schema, then the learned cost per
attestation checked by a single eth_call; and what happens when a batch is short of gas anyway."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from oracles.education.schema import COURSE_COMPLETED
from oracles.models import CONFIRMED, FAILED
from oracles.relay import BATCH_BASE_GAS, Relay
from oracles.settings import OracleSettings
from tests.oracles.conftest import (
    Stack,
    add_completions,
    assert_confirmed_once,
    attested_counts,
    run_relay,
    submissions,
    transactions,
)
from tests.oracles.test_relay import signed_now

RunSigners = Callable[..., None]
MakeRelay = Callable[..., Relay]
SCHEMA = "0x" + COURSE_COMPLETED.hex()


def count_estimates(relay: Relay, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record every eth_estimateGas the relay makes (the call still goes to the node)."""
    calls: list[Any] = []
    estimate = relay.w3.eth.estimate_gas

    def _counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return estimate(*args, **kwargs)

    monkeypatch.setattr(relay.w3.eth, "estimate_gas", _counting)
    return calls


def test_relay_gas__three_batches__one_estimate_then_learned_gas(
    stack: Stack,
    make_oracle_settings: Callable[..., OracleSettings],
    run_signers: RunSigners,
    make_relay: MakeRelay,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = make_oracle_settings(batch_size=4, max_pending_txs=1)
    uids = [c.uid for c in add_completions(settings, 12)]
    run_signers(settings=settings)
    relay = make_relay(settings)
    signed_now(relay, uids)  # all signed before the first send: three full batches
    estimates = count_estimates(relay, monkeypatch)
    run_relay(relay, uids)
    assert_confirmed_once(stack, settings, uids)
    txs = transactions(settings)
    assert [tx.size for tx in txs] == [4, 4, 4]
    assert len(estimates) == 1
    learned = relay._item_gas[SCHEMA]
    assert all(tx.gas == BATCH_BASE_GAS + 4 * learned for tx in txs[1:])


def test_relay_gas__learned_gas_too_low__eth_call_check_fails_then_full_estimate(
    stack: Stack,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uids = [c.uid for c in add_completions(oracle_settings, 4)]
    run_signers()
    relay = make_relay()
    signed_now(relay, uids)
    relay._item_gas[SCHEMA] = 50_000  # far below a completion's ~460k: the check call applies fewer
    estimates = count_estimates(relay, monkeypatch)
    run_relay(relay, uids)
    assert_confirmed_once(stack, oracle_settings, uids)
    assert len(estimates) == 1 and relay._item_gas[SCHEMA] > 300_000
    (tx,) = transactions(oracle_settings)
    assert tx.gas > BATCH_BASE_GAS + 4 * 300_000


def test_relay_gas__batch_short_of_gas__skipped_attestations_sent_again_never_failed(
    stack: Stack,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uids = [c.uid for c in add_completions(oracle_settings, 4)]
    run_signers()
    relay = make_relay()
    signed_now(relay, uids)
    short = [BATCH_BASE_GAS + 2 * 300_000]  # the first batch gets gas for about one completion

    def _short_once(data: bytes, rows: Any) -> int | None:
        return short.pop() if short else None

    monkeypatch.setattr(relay, "_known_batch_gas", _short_once)
    run_relay(relay, uids, timeout=30)
    rows = submissions(oracle_settings)
    assert {rows[uid].status for uid in uids} == {CONFIRMED}
    assert not any(row.status == FAILED for row in rows.values())
    assert all(count == 1 for count in attested_counts(stack).values())
    first = transactions(oracle_settings)[0]
    assert first.gas == BATCH_BASE_GAS + 2 * 300_000 and first.size == 4
    assert any(rows[uid].tx_attempts >= 1 for uid in uids)  # some went out again
    assert len(transactions(oracle_settings)) >= 2


def test_hub__node_refuses_json_rpc_batches__views_read_call_by_call(
    stack: Stack,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from oracles.chain import HubClient
    from oracles.relay import attestation_of

    uids = [c.uid for c in add_completions(oracle_settings, 3)]
    run_signers()
    relay = make_relay()
    signed_now(relay, uids)
    rows = submissions(oracle_settings)
    items = [(attestation_of(rows[uid]), bytes(rows[uid].signatures or b"")) for uid in uids]
    batched = HubClient(stack.rpc_url, stack.manifest_path).preflight(items)
    plain = HubClient(stack.rpc_url, stack.manifest_path)
    refusal = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "batch requests disabled"}}
    monkeypatch.setattr(plain.w3.provider, "make_batch_request", lambda requests: refusal)
    assert plain.preflight(items) == batched == [(False, 0)] * 3
    assert plain.receipts(["0x" + "00" * 32]) == {}
