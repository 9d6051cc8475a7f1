"""oracles.relay in-process against anvil + Redis + PostgreSQL, with in-process signers.

The Celery worker itself (kill/restart, RPC outage, stuck transactions) is in test_worker.py."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from oracles.eip712 import Reason, domain_id
from oracles.exceptions import RpcUnavailableError
from oracles.models import CONFIRMED, FAILED, QUEUED, SIGNED, TX_DROPPED, TX_MINED, OracleTransaction
from oracles.relay import Relay, TickReport, attestation_of
from oracles.settings import OracleSettings
from tests.oracles.conftest import (
    Stack,
    add_completions,
    assert_confirmed_once,
    attested_counts,
    run_relay,
    submissions,
    transactions,
    wait_for,
)

RunSigners = Callable[..., None]
MakeRelay = Callable[..., Relay]


def signed_now(relay: Relay, uids: list[str], timeout: float = 10.0) -> None:
    """Run the signature steps until every uid is signed (nothing is sent)."""
    report = TickReport()
    relay.request_signatures(report)

    def _signed() -> bool:
        relay.collect(TickReport())
        return all(submissions(relay.settings)[uid].status == SIGNED for uid in uids)

    wait_for(_signed, timeout, "signatures collected")


def test_relay__five_completions__one_batch_each_confirmed_once(
    stack: Stack, oracle_settings: OracleSettings, run_signers: RunSigners, make_relay: MakeRelay
) -> None:
    uids = [c.uid for c in add_completions(oracle_settings, 5)]
    run_signers()
    relay = make_relay()
    # The tick sends whatever is signed while it collects the rest, so a batch holds what the
    # signers had answered by then; with all five signed first they go out as one batch.
    signed_now(relay, uids)
    run_relay(relay, uids)
    assert_confirmed_once(stack, oracle_settings, uids)
    (tx,) = transactions(oracle_settings)
    assert (tx.method, tx.size, tx.status, tx.receipt_status) == ("submit_batch", 5, TX_MINED, 1)
    rows = submissions(oracle_settings)
    assert {rows[uid].tx_hash for uid in uids} == {tx.tx_hash}
    assert all(rows[uid].block_number == tx.block_number for uid in uids)


def test_relay__single_completion__plain_submit(
    stack: Stack, oracle_settings: OracleSettings, run_signers: RunSigners, make_relay: MakeRelay
) -> None:
    uids = [c.uid for c in add_completions(oracle_settings, 1)]
    run_signers(indexes=(1, 2))
    run_relay(make_relay(), uids)
    assert_confirmed_once(stack, oracle_settings, uids)
    assert [tx.method for tx in transactions(oracle_settings)] == ["submit"]


def test_relay__consumer_rejects__failed_with_hub_reason_name(
    stack: Stack, oracle_settings: OracleSettings, run_signers: RunSigners, make_relay: MakeRelay
) -> None:
    # Same learner and course twice in one batch: Credentials issues one per (learner, course).
    first = add_completions(oracle_settings, 2, course_id=7, learner="0x" + "5a" * 20)
    run_signers()
    relay = make_relay()
    uids = [c.uid for c in first]
    signed_now(relay, uids)  # both in the same batch
    run_relay(relay, uids)
    rows = submissions(oracle_settings)
    assert sorted(rows[u].status for u in uids) == [CONFIRMED, FAILED]
    (failed,) = [rows[u] for u in uids if rows[u].status == FAILED]
    assert (failed.reason, failed.reason_code) == ("CONSUMER_REJECTED", Reason.CONSUMER_REJECTED)
    assert "AttestationRejected" in (failed.detail or "")
    # Alone, the same refusal shows at gas estimation: no transaction is sent for it.
    (again,) = add_completions(oracle_settings, 1, course_id=7, learner="0x" + "5a" * 20)
    sent_before = len(transactions(oracle_settings))
    run_relay(relay, [again.uid])
    row = submissions(oracle_settings)[again.uid]
    assert (row.status, row.reason) == (FAILED, "CONSUMER_REJECTED")
    assert "credentials: already issued" in (row.detail or "")
    assert len(transactions(oracle_settings)) == sent_before


def test_relay__uid_applied_by_another_relayer__confirmed_without_sending(
    stack: Stack,
    hub: Any,
    accounts: Any,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
) -> None:
    (completion,) = add_completions(oracle_settings, 1)
    run_signers()
    relay = make_relay()
    signed_now(relay, [completion.uid])
    row = submissions(oracle_settings)[completion.uid]
    receipt = hub.submit(attestation_of(row).as_args(), row.signatures, sender=accounts[5])
    run_relay(relay, [completion.uid])
    row = submissions(oracle_settings)[completion.uid]
    assert row.status == CONFIRMED
    assert row.tx_hash == receipt.txn_hash and row.detail == "applied by another transaction"
    assert transactions(oracle_settings) == []
    assert attested_counts(stack)[completion.uid] == 1


def test_relay__crash_after_recording_before_broadcast__same_raw_tx_rebroadcast(
    stack: Stack,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uids = [c.uid for c in add_completions(oracle_settings, 3)]
    run_signers()
    relay = make_relay()
    signed_now(relay, uids)

    def crash(tx: OracleTransaction) -> bool:
        raise RpcUnavailableError("connection lost right after the commit")

    monkeypatch.setattr(relay, "_broadcast", crash)
    with pytest.raises(RpcUnavailableError):
        relay.tick()
    (recorded,) = transactions(oracle_settings)
    assert recorded.broadcast_at is None
    assert {submissions(oracle_settings)[u].status for u in uids} == {"sent"}
    monkeypatch.undo()
    run_relay(relay, uids)
    assert_confirmed_once(stack, oracle_settings, uids)
    (mined,) = transactions(oracle_settings)
    assert mined.tx_hash == recorded.tx_hash and mined.status == TX_MINED


def test_relay__nonce_taken_by_another_tx_of_the_key__released_and_resent_once(
    stack: Stack,
    accounts: Any,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    uids = [c.uid for c in add_completions(oracle_settings, 2)]
    run_signers()
    relay = make_relay()
    signed_now(relay, uids)
    monkeypatch.setattr(relay, "_broadcast", lambda tx: False)  # recorded, never reaches the node
    relay.tick()
    monkeypatch.undo()
    accounts[0].transfer(accounts[1], 1)  # the relayer key is used elsewhere: its nonce is gone
    run_relay(relay, uids)
    assert_confirmed_once(stack, oracle_settings, uids)
    dropped, mined = transactions(oracle_settings)
    assert (dropped.status, mined.status) == (TX_DROPPED, TX_MINED)
    assert mined.nonce > dropped.nonce
    assert all(submissions(oracle_settings)[u].tx_attempts == 1 for u in uids)


def test_relay__signer_set_rotated_after_signing__signed_again_then_confirmed(
    stack: Stack,
    hub: Any,
    accounts: Any,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
) -> None:
    uids = [c.uid for c in add_completions(oracle_settings, 2)]
    run_signers()
    relay = make_relay()
    signed_now(relay, uids)
    education = domain_id("EDUCATION")
    hub.set_signers(education, list(hub.signers(education)), 2, sender=accounts[0])  # epoch + 1
    assert relay.tick() is not None
    assert {submissions(oracle_settings)[u].status for u in uids} <= {QUEUED, SIGNED, "sent", CONFIRMED}
    run_relay(relay, uids)
    assert_confirmed_once(stack, oracle_settings, uids)
    rows = submissions(oracle_settings)
    assert all(rows[u].sign_rounds == 2 and rows[u].epoch == hub.epoch(education) for u in uids)


def test_relay__lock_held_elsewhere__tick_skips(
    oracle_settings: OracleSettings, make_relay: MakeRelay
) -> None:
    relay = make_relay()
    lock = relay.nonces.lock()
    assert lock.acquire()
    try:
        assert relay.tick() is None
    finally:
        lock.release()
    started = time.monotonic()
    assert relay.tick() is not None
    assert time.monotonic() - started < 5


def test_relay__two_relayer_keys_in_parallel__every_uid_confirmed_once(
    stack: Stack,
    oracle_settings: OracleSettings,
    run_signers: RunSigners,
    make_relay: MakeRelay,
    tmp_path: Any,
) -> None:
    """Scaling out: a second worker with its own relayer key (ORACLE_RELAYER_KEYSTORE) ticks at the
    same time as the first; the per-uid locks and row locks split the work between them."""
    import threading

    from oracles.keys import anvil_key, create_keystore

    keystore = tmp_path / "relayer-8.json"
    password = oracle_settings.keystore_password_value()
    create_keystore(keystore, password, private_key=anvil_key(8), fast_kdf=True)
    first_settings = oracle_settings.model_copy(update={"batch_size": 4})
    second_settings = first_settings.model_copy(update={"relayer_keystore": keystore})
    relays = [make_relay(first_settings), make_relay(second_settings)]
    assert relays[0].address != relays[1].address
    uids = [c.uid for c in add_completions(oracle_settings, 24)]
    run_signers()
    signed_now(relays[0], uids)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def _work(relay: Relay) -> None:
        try:
            start.wait()
            run_relay(relay, uids, timeout=60)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=_work, args=(relay,)) for relay in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert errors == []
    assert_confirmed_once(stack, oracle_settings, uids)
    carried: dict[str, int] = {}
    for tx in transactions(oracle_settings):
        if tx.status == TX_MINED:
            carried[tx.relayer] = carried.get(tx.relayer, 0) + int(tx.size)
    assert sum(carried.values()) == len(uids)  # every uid in exactly one mined transaction
    assert set(carried) <= {relay.address.lower() for relay in relays}
