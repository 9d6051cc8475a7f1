"""azora.ledger: recomputing and verifying the Ledger hash chain, without a chain."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from eth_utils import keccak, to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from azora.ledger import (
    KIND_NAMES,
    KINDS,
    ZERO_HEAD,
    LedgerEntry,
    chain_hash,
    kind_id,
    verify_chain,
)

ALICE = to_checksum_address("0x" + "a1" * 20)
BOB = to_checksum_address("0x" + "b0" * 20)


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def make_chain(n: int, start_block: int = 100) -> list[LedgerEntry]:
    """A valid chain of `n` entries, two per block, alternating kinds and accounts."""
    entries: list[LedgerEntry] = []
    head = ZERO_HEAD
    for index in range(1, n + 1):
        draft = LedgerEntry(
            index=index,
            kind=kind_id(KIND_NAMES[index % len(KIND_NAMES)]),
            account=ALICE if index % 2 else BOB,
            amount=index * 10**18,
            ref=keccak(text=f"ref-{index}"),
            block_number=start_block + index // 2,
            head=ZERO_HEAD,
        )
        head = chain_hash(head, draft)
        entries.append(dataclasses.replace(draft, head=head))
    return entries


def test_verify_chain__empty__ok_with_zero_head() -> None:
    result = verify_chain([])

    assert result.ok
    assert (result.count, result.head, result.first_mismatch, result.reason) == (0, ZERO_HEAD, None, None)


def test_verify_chain__empty_against_zero_on_chain_head_and_count__ok() -> None:
    assert verify_chain([], expected_head=ZERO_HEAD, expected_count=0).ok


def test_verify_chain__empty_but_on_chain_head_set__entry_1_unaccounted() -> None:
    result = verify_chain([], expected_head=b"\x01" * 32)

    assert not result.ok
    assert result.first_mismatch == 1
    assert result.count == 0 and result.head == ZERO_HEAD
    assert result.reason is not None and "on-chain head" in result.reason


def test_chain_hash__first_entry__matches_hand_encoded_abi() -> None:
    entry = make_chain(1)[0]
    # abi_encode of static types: every value left-padded to one 32-byte word.
    encoded = b"".join(
        (
            ZERO_HEAD,
            word(1),
            entry.kind,
            bytes(12) + bytes.fromhex(entry.account[2:]),
            word(entry.amount),
            entry.ref,
            word(entry.block_number),
        )
    )

    assert chain_hash(ZERO_HEAD, entry) == keccak(encoded) == entry.head


def test_verify_chain__first_entry__ok() -> None:
    entries = make_chain(1)

    result = verify_chain(entries, expected_head=entries[0].head, expected_count=1)

    assert result.ok and result.count == 1 and result.head == entries[0].head


def test_chain_hash__account_case__does_not_matter() -> None:
    entry = make_chain(1)[0]
    lower = dataclasses.replace(entry, account=entry.account.lower())

    assert chain_hash(ZERO_HEAD, lower) == chain_hash(ZERO_HEAD, entry)


def test_chain_hash__short_prev_head__raises() -> None:
    with pytest.raises(ValueError, match="prev_head must be 32 bytes"):
        chain_hash(b"\x00" * 31, make_chain(1)[0])


def test_verify_chain__generator_input__ok() -> None:
    entries = make_chain(5)

    result = verify_chain(entry for entry in entries)

    assert result.ok and result.count == 5 and result.head == entries[-1].head


@pytest.mark.parametrize("first_index", [0, 2])
def test_verify_chain__first_entry_not_numbered_1__mismatch_at_1(first_index: int) -> None:
    entry = dataclasses.replace(make_chain(1)[0], index=first_index)

    result = verify_chain([entry])

    assert not result.ok
    assert (result.count, result.head, result.first_mismatch) == (0, ZERO_HEAD, 1)


def test_verify_chain__first_entry_from_a_later_block__head_mismatch_at_1() -> None:
    entry = make_chain(1)[0]
    moved = dataclasses.replace(entry, block_number=entry.block_number + 1)

    result = verify_chain([moved])

    assert not result.ok and result.first_mismatch == 1
    assert result.reason is not None and "recomputed" in result.reason


def test_verify_chain__entry_dropped__gap_reported_at_missing_index() -> None:
    entries = make_chain(6)
    del entries[3]  # entry 4

    result = verify_chain(entries)

    assert not result.ok
    assert (result.first_mismatch, result.count, result.head) == (4, 3, entries[2].head)
    assert result.reason is not None and result.reason.startswith("gap: entry 4 is missing")


def test_verify_chain__entry_repeated__reported_at_next_index() -> None:
    entries = make_chain(4)
    entries.insert(3, entries[2])  # 1, 2, 3, 3, 4

    result = verify_chain(entries)

    assert not result.ok and result.first_mismatch == 4 and result.count == 3
    assert result.reason is not None and "repeated or out of order" in result.reason


def test_verify_chain__entries_swapped__reported_at_first_swapped() -> None:
    entries = make_chain(5)
    entries[1], entries[2] = entries[2], entries[1]

    result = verify_chain(entries)

    assert not result.ok and result.first_mismatch == 2 and result.count == 1


def test_verify_chain__more_entries_than_on_chain_count__first_extra_reported() -> None:
    entries = make_chain(5)

    result = verify_chain(entries, expected_head=entries[2].head, expected_count=3)

    assert not result.ok
    assert (result.first_mismatch, result.count, result.head) == (4, 3, entries[2].head)


def test_verify_chain__tail_missing__first_missing_reported() -> None:
    entries = make_chain(5)

    by_count = verify_chain(entries[:3], expected_count=5)
    by_head = verify_chain(entries[:3], expected_head=entries[-1].head)

    assert not by_count.ok and by_count.first_mismatch == 4 and by_count.count == 3
    assert not by_head.ok and by_head.first_mismatch == 4 and by_head.head == entries[2].head


FIELD_TAMPERS = {
    "kind": lambda e: dataclasses.replace(e, kind=keccak(e.kind)),
    "account": lambda e: dataclasses.replace(e, account=BOB if e.account == ALICE else ALICE),
    "amount": lambda e: dataclasses.replace(e, amount=e.amount + 1),
    "ref": lambda e: dataclasses.replace(e, ref=keccak(e.ref)),
    "block_number": lambda e: dataclasses.replace(e, block_number=e.block_number + 1),
    "head": lambda e: dataclasses.replace(e, head=keccak(e.head)),
}


@given(
    length=st.integers(min_value=1, max_value=24),
    data=st.data(),
    field=st.sampled_from(sorted(FIELD_TAMPERS)),
)
def test_verify_chain__any_field_tampered__detected_at_that_entry(
    length: int, data: st.DataObject, field: str
) -> None:
    entries = make_chain(length)
    position = data.draw(st.integers(min_value=0, max_value=length - 1), label="position")
    entries[position] = FIELD_TAMPERS[field](entries[position])

    result = verify_chain(entries)

    assert not result.ok
    assert result.first_mismatch == position + 1
    assert result.count == position
    assert result.head == (entries[position - 1].head if position else ZERO_HEAD)


def test_kinds__each_is_keccak_of_its_name() -> None:
    assert len(KIND_NAMES) == len(KINDS) == 15
    assert kind_id("REWARD") == keccak(b"REWARD")
    assert all(KINDS[keccak(name.encode())] == name for name in KIND_NAMES)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", b"\x01" * 31, "kind must be 32 bytes"),
        ("ref", "0x" + "00" * 32, "ref must be 32 bytes"),
        ("head", b"\x00" * 33, "head must be 32 bytes"),
        ("amount", -1, "amount must be a uint256"),
        ("index", 2**256, "index must be a uint256"),
        ("block_number", True, "block_number must be a uint256"),
        ("account", "0x1234", "account is not an address"),
    ],
)
def test_ledger_entry__malformed_field__raises(field: str, value: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(make_chain(1)[0], **{field: value})


def test_verify_chain__short_expected_head__raises() -> None:
    with pytest.raises(ValueError, match="expected_head must be 32 bytes"):
        verify_chain([], expected_head=b"\x00")
