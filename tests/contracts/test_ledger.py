"""Ledger: role-checked append-only journal whose hash chain anyone can recompute from the events."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import ape
import pytest
from eth_utils import keccak

from azora.ledger import KIND_NAMES, ZERO_HEAD, LedgerEntry, chain_hash, kind_id, verify_chain

AZR = 10**18
REWARD = kind_id("REWARD")
FEE = kind_id("FEE")
REF = keccak(text="attestation-uid-1")
MISSING_ROLE = "access_control: account is missing role"


def entry_of(log: Any) -> LedgerEntry:
    """A `Recorded` log as the pure verifier sees it."""
    return LedgerEntry(
        index=log.index,
        kind=bytes(log.kind),
        account=log.account,
        amount=log.amount,
        ref=bytes(log.ref),
        block_number=log.block_number,
        head=bytes(log.head),
    )


def entries_of(logs: Iterable[Any]) -> list[LedgerEntry]:
    return [entry_of(log) for log in logs]


@pytest.fixture
def record(ledger: Any, writer: Any) -> Callable[..., Any]:
    """Records one entry as `writer` (defaults: REWARD, 1 AZR, REF) and returns the receipt."""

    def _record(account: Any, amount: int = AZR, kind: bytes = REWARD, ref: bytes = REF, **kw: Any) -> Any:
        return ledger.record(kind, account, amount, ref, sender=kw.pop("sender", writer), **kw)

    return _record


@pytest.fixture
def recorded_history(
    ledger: Any, writer: Any, alice: Any, bob: Any, chain: Any, one_block: Callable[[], Any]
) -> list[Any]:
    """40 entries over 11 blocks: single-entry blocks and batches of up to 10 entries in one block,
    with every kind, both accounts, zero and large amounts. Returns the receipts in chain order."""
    receipts: list[Any] = []
    n = 0
    for batch_size in (1, 5, 1, 1, 10, 3, 1, 8, 2, 7, 1):
        if batch_size == 1:
            n += 1
            args = (kind_id(KIND_NAMES[n % 15]), alice, n * AZR, keccak(n.to_bytes(32, "big")))
            receipts.append(ledger.record(*args, sender=writer))
            continue
        with one_block() as batch:
            for _ in range(batch_size):
                n += 1
                amount = 0 if n % 9 == 0 else n * 10**24 + n
                args = (kind_id(KIND_NAMES[n % 15]), bob if n % 2 else alice, amount, keccak(text=str(n)))
                batch.send(ledger, "record", *args, sender=writer)
        receipts.extend(batch.receipts)
    assert n == 40
    return receipts


# --- record ------------------------------------------------------------------------------------


def test_record__by_writer__returns_index_and_advances_count(ledger: Any, writer: Any, alice: Any) -> None:
    assert ledger.record.call(REWARD, alice, AZR, REF, sender=writer) == 1

    ledger.record(REWARD, alice, AZR, REF, sender=writer)

    assert ledger.record.call(FEE, alice, 2 * AZR, REF, sender=writer) == 2
    assert ledger.count() == 1


def test_record__receipt__return_value_is_the_index(record: Any, alice: Any) -> None:
    assert record(alice).return_value == 1
    assert record(alice).return_value == 2


def test_record__first_entry__emits_recorded_with_chain_head(ledger: Any, record: Any, alice: Any) -> None:
    receipt = record(alice, 5 * AZR)

    [log] = ledger.Recorded.from_receipt(receipt)
    assert (log.index, bytes(log.kind), log.account, log.amount, bytes(log.ref)) == (
        1,
        REWARD,
        alice.address,
        5 * AZR,
        REF,
    )
    expected = chain_hash(ZERO_HEAD, dataclasses.replace(entry_of(log), head=ZERO_HEAD))
    assert bytes(log.head) == expected == bytes(ledger.head())
    assert log.block_number == receipt.block_number


def test_record__second_entry__chains_on_the_first(ledger: Any, record: Any, alice: Any, bob: Any) -> None:
    first = ledger.Recorded.from_receipt(record(alice))[0]
    second = ledger.Recorded.from_receipt(record(bob, 0, FEE, b"\x00" * 32))[0]

    assert second.index == 2
    assert bytes(second.head) == chain_hash(bytes(first.head), entry_of(second)) == bytes(ledger.head())


def test_ledger__fresh__empty_with_zero_head(ledger: Any) -> None:
    assert ledger.count() == 0
    assert bytes(ledger.head()) == ZERO_HEAD


def test_record__non_writer__reverts(ledger: Any, stranger: Any, alice: Any) -> None:
    with ape.reverts("ledger: caller is not a writer"):
        ledger.record(REWARD, alice, AZR, REF, sender=stranger)


def test_record__admin_without_writer_role__reverts(ledger: Any, governance: Any, alice: Any) -> None:
    with ape.reverts("ledger: caller is not a writer"):
        ledger.record(REWARD, alice, AZR, REF, sender=governance)


def test_record__empty_kind__reverts(ledger: Any, record: Any, alice: Any) -> None:
    with ape.reverts("ledger: empty kind"):
        record(alice, kind=b"\x00" * 32)
    assert ledger.count() == 0


# --- kinds and roles ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", KIND_NAMES)
def test_kind_constant__equals_keccak_of_its_name(ledger: Any, name: str) -> None:
    assert bytes(getattr(ledger, name)()) == keccak(text=name) == kind_id(name)


def test_writer_role__is_keccak_of_its_name(ledger: Any) -> None:
    assert bytes(ledger.WRITER_ROLE()) == keccak(text="WRITER_ROLE")


def test_grant_writer__by_governance__grantee_can_record(
    ledger: Any, governance: Any, stranger: Any, alice: Any
) -> None:
    ledger.grantRole(ledger.WRITER_ROLE(), stranger, sender=governance)

    ledger.record(REWARD, alice, AZR, REF, sender=stranger)

    assert ledger.count() == 1


def test_revoke_writer__by_governance__writer_can_no_longer_record(
    ledger: Any, governance: Any, writer: Any, alice: Any
) -> None:
    ledger.revokeRole(ledger.WRITER_ROLE(), writer, sender=governance)

    assert not ledger.hasRole(ledger.WRITER_ROLE(), writer)
    with ape.reverts("ledger: caller is not a writer"):
        ledger.record(REWARD, alice, AZR, REF, sender=writer)


def test_grant_writer__by_deployer_after_handover__reverts(ledger: Any, deployer: Any, stranger: Any) -> None:
    with ape.reverts(MISSING_ROLE):
        ledger.grantRole(ledger.WRITER_ROLE(), stranger, sender=deployer)


def test_revoke_writer__by_deployer_after_handover__reverts(ledger: Any, deployer: Any, writer: Any) -> None:
    with ape.reverts(MISSING_ROLE):
        ledger.revokeRole(ledger.WRITER_ROLE(), writer, sender=deployer)


def test_grant_writer__by_writer__reverts(ledger: Any, writer: Any, stranger: Any) -> None:
    with ape.reverts(MISSING_ROLE):
        ledger.grantRole(ledger.WRITER_ROLE(), stranger, sender=writer)


# --- recomputing the chain from the events -----------------------------------------------------


def test_verify_chain__40_entries_over_11_blocks__matches_head_and_count(
    ledger: Any, recorded_history: list[Any]
) -> None:
    logs = [log for receipt in recorded_history for log in ledger.Recorded.from_receipt(receipt)]
    blocks = [log.block_number for log in logs]
    assert len(set(blocks)) == 11 and blocks == sorted(blocks)

    result = verify_chain(entries_of(logs), expected_head=bytes(ledger.head()), expected_count=ledger.count())

    assert result.ok, result.reason
    assert result.count == ledger.count() == 40
    assert result.head == bytes(ledger.head())


def test_verify_chain__events_queried_by_range__match_receipts(
    ledger: Any, recorded_history: list[Any], chain: Any
) -> None:
    first_block = recorded_history[0].block_number
    queried = list(ledger.Recorded.range(first_block, chain.blocks.height + 1))
    from_receipts = [log for receipt in recorded_history for log in ledger.Recorded.from_receipt(receipt)]

    assert entries_of(queried) == entries_of(from_receipts)
    assert verify_chain(entries_of(queried), expected_head=bytes(ledger.head())).ok


@pytest.fixture
def history_entries(ledger: Any, recorded_history: list[Any]) -> list[LedgerEntry]:
    return [entry_of(log) for receipt in recorded_history for log in ledger.Recorded.from_receipt(receipt)]


def test_verify_chain__amount_changed__detected_at_that_entry(
    ledger: Any, history_entries: list[LedgerEntry]
) -> None:
    history_entries[16] = dataclasses.replace(history_entries[16], amount=history_entries[16].amount + 1)

    result = verify_chain(history_entries, expected_head=bytes(ledger.head()))

    assert not result.ok
    assert (result.first_mismatch, result.count, result.head) == (17, 16, history_entries[15].head)


def test_verify_chain__entry_dropped__detected_at_that_index(
    ledger: Any, history_entries: list[LedgerEntry]
) -> None:
    del history_entries[24]  # entry 25

    result = verify_chain(history_entries, expected_head=bytes(ledger.head()))

    assert not result.ok and result.first_mismatch == 25 and result.count == 24
    assert result.reason is not None and "missing" in result.reason


def test_verify_chain__last_entry_dropped__detected_against_on_chain_head(
    ledger: Any, history_entries: list[LedgerEntry]
) -> None:
    result = verify_chain(history_entries[:-1], expected_head=bytes(ledger.head()))

    assert not result.ok and result.first_mismatch == 40 and result.count == 39


def test_verify_chain__entries_swapped__detected_at_first_swapped(
    ledger: Any, history_entries: list[LedgerEntry]
) -> None:
    # Entries 10 and 11 were mined in the same block: only their order tells them apart.
    assert history_entries[9].block_number == history_entries[10].block_number
    history_entries[9], history_entries[10] = history_entries[10], history_entries[9]

    result = verify_chain(history_entries, expected_head=bytes(ledger.head()))

    assert not result.ok and result.first_mismatch == 10 and result.count == 9


def test_verify_chain__swapped_and_renumbered__detected_by_head(
    ledger: Any, history_entries: list[LedgerEntry]
) -> None:
    a, b = history_entries[9], history_entries[10]
    history_entries[9] = dataclasses.replace(b, index=10)
    history_entries[10] = dataclasses.replace(a, index=11)

    result = verify_chain(history_entries, expected_head=bytes(ledger.head()))

    assert not result.ok and result.first_mismatch == 10


def test_verify_chain__head_altered__detected_at_that_entry(
    ledger: Any, history_entries: list[LedgerEntry]
) -> None:
    history_entries[30] = dataclasses.replace(history_entries[30], head=keccak(history_entries[30].head))

    result = verify_chain(history_entries, expected_head=bytes(ledger.head()))

    assert not result.ok and result.first_mismatch == 31 and result.count == 30


def test_verify_chain__wrong_on_chain_head__reported_after_the_last_entry(
    history_entries: list[LedgerEntry],
) -> None:
    result = verify_chain(history_entries, expected_head=keccak(b"forged"))

    assert not result.ok and result.first_mismatch == 41 and result.count == 40
