"""Recompute and verify the Ledger's hash chain (SPEC 2.2). Pure: no I/O, no chain access.

The Ledger contract extends its chain with every entry::

    head_n = keccak256(abi_encode(head_{n-1}, n, kind, account, amount, ref, block.number))

with ``head_0`` = 32 zero bytes and entries numbered from 1, and emits
``Recorded(index, kind, account, amount, ref, head)``. Given those events (in log
order) and the block each was mined in, `verify_chain` recomputes every head and
reports the first entry that is out of sequence or whose head does not follow,
so anyone can audit the journal from the events alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_utils.address import is_address
from eth_utils.crypto import keccak

#: The head of the empty chain.
ZERO_HEAD = b"\x00" * 32

#: The ABI types of one link: head_{n-1}, n, kind, account, amount, ref, block number.
CHAIN_TYPES = ("bytes32", "uint256", "bytes32", "address", "uint256", "bytes32", "uint256")

#: The entry kinds the Ledger defines; each kind is the keccak256 of its name.
KIND_NAMES = (
    "REWARD",
    "UBUNTU_SHARE",
    "TREASURY_IN",
    "TREASURY_OUT",
    "STREAM_CLAIM",
    "ESCROW_OPEN",
    "ESCROW_RELEASE",
    "ESCROW_REFUND",
    "FEE",
    "LEND_DEPOSIT",
    "LEND_WITHDRAW",
    "BORROW",
    "REPAY",
    "LIQUIDATION",
    "RESERVE",
)

_UINT256_MAX = 2**256 - 1


def kind_id(name: str) -> bytes:
    """The bytes32 kind of an entry kind name, e.g. ``kind_id("REWARD")``."""
    return keccak(text=name)


#: bytes32 kind -> name, for every kind in `KIND_NAMES`.
KINDS: dict[bytes, str] = {kind_id(name): name for name in KIND_NAMES}


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One ``Recorded`` event of the Ledger, with the number of the block it was mined in.

    Raises ValueError when a field cannot be part of the chain (a bytes32 that is not
    32 bytes, a negative or oversized integer, a malformed address).
    """

    index: int
    kind: bytes
    account: str
    amount: int
    ref: bytes
    block_number: int
    head: bytes

    def __post_init__(self) -> None:
        for name in ("kind", "ref", "head"):
            value = getattr(self, name)
            if not isinstance(value, bytes) or len(value) != 32:
                raise ValueError(f"ledger entry {self.index}: {name} must be 32 bytes, got {value!r}")
        for name in ("index", "amount", "block_number"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _UINT256_MAX:
                raise ValueError(f"ledger entry {self.index}: {name} must be a uint256, got {value!r}")
        if not is_address(self.account):
            raise ValueError(f"ledger entry {self.index}: account is not an address: {self.account!r}")


@dataclass(frozen=True, slots=True)
class ChainVerification:
    """The outcome of `verify_chain`.

    Attributes:
        ok: True when every entry follows its predecessor and the on-chain values
            (if given) match.
        count: how many entries verified, i.e. the length of the sound prefix
            (all entries when ok).
        head: the recomputed head after those `count` entries (`ZERO_HEAD` for none).
        first_mismatch: the 1-based ledger index where the chain breaks: the entry
            that is missing, duplicated, out of order or whose head does not follow.
            When every given entry verifies but the on-chain head or count differs,
            it is ``count + 1``: the first entry the events do not account for.
            None when ok.
        reason: what went wrong, for people; None when ok.
    """

    ok: bool
    count: int
    head: bytes
    first_mismatch: int | None = None
    reason: str | None = None


def chain_hash(prev_head: bytes, entry: LedgerEntry) -> bytes:
    """head_n from head_{n-1} and entry n, exactly as the Ledger computes it."""
    if len(prev_head) != 32:
        raise ValueError(f"prev_head must be 32 bytes, got {len(prev_head)}")
    values = (
        prev_head,
        entry.index,
        entry.kind,
        entry.account,
        entry.amount,
        entry.ref,
        entry.block_number,
    )
    return keccak(encode(CHAIN_TYPES, values))


def verify_chain(
    entries: Iterable[LedgerEntry],
    expected_head: bytes | None = None,
    *,
    expected_count: int | None = None,
) -> ChainVerification:
    """Recompute the hash chain over `entries` (in log order, starting at entry 1).

    Stops at the first entry whose index is not the next one (a gap, a duplicate or
    a reordering) or whose recorded head differs from the recomputed one. When all
    entries verify, compares with the Ledger's on-chain `count()` and `head()` if
    given as `expected_count` / `expected_head`.
    """
    if expected_head is not None and len(expected_head) != 32:
        raise ValueError(f"expected_head must be 32 bytes, got {len(expected_head)}")
    count = 0
    head = ZERO_HEAD
    for entry in entries:
        expected = count + 1
        if expected_count is not None and expected > expected_count:
            reason = f"entry {entry.index} is beyond the on-chain count {expected_count}"
            return ChainVerification(False, count, head, expected, reason)
        if entry.index != expected:
            if entry.index > expected:
                reason = f"gap: entry {expected} is missing (the next entry has index {entry.index})"
            else:
                reason = f"entry {entry.index} repeated or out of order where entry {expected} was expected"
            return ChainVerification(False, count, head, expected, reason)
        computed = chain_hash(head, entry)
        if computed != entry.head:
            reason = f"entry {expected}: recorded head 0x{entry.head.hex()} != recomputed 0x{computed.hex()}"
            return ChainVerification(False, count, head, expected, reason)
        count, head = expected, computed
    if expected_count is not None and count != expected_count:
        reason = f"the events hold {count} entries but the on-chain count is {expected_count}"
        return ChainVerification(False, count, head, count + 1, reason)
    if expected_head is not None and head != expected_head:
        reason = f"recomputed head 0x{head.hex()} != on-chain head 0x{expected_head.hex()}"
        return ChainVerification(False, count, head, count + 1, reason)
    return ChainVerification(True, count, head)
