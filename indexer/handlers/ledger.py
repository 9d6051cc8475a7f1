"""Ledger projection: the ``Recorded`` entries and the verified status of the hash chain.

Pure part: `entry_rows` turns decoded events into ``ledger_entries`` rows and
`advance_status` extends a `ChainStatus` over new entries, recomputing each head with
`azora.ledger.chain_hash` (the rule `azora.ledger.verify_chain` applies:
``head_n = keccak256(abi_encode(head_{n-1}, n, kind, account, amount, ref, block_number))``).
Verification is incremental: each batch costs one hash per new entry, never a
re-verification of the whole chain. After a rollback the status is cut back to the
surviving prefix (verification of a prefix never depends on later entries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from azora.ledger import LedgerEntry as ChainEntry
from azora.ledger import chain_hash
from indexer.decoders import Event
from indexer.decoders.ledger import CONTRACT, kind_name
from indexer.handlers import Db

ZERO_HASH = "0x" + "00" * 32
ENTRY_COLUMNS = (
    "chain_id",
    "entry_index",
    "kind",
    "kind_name",
    "account",
    "amount",
    "ref",
    "head",
    "block_number",
    "log_index",
    "tx_hash",
    "block_timestamp",
)


@dataclass(frozen=True)
class ChainStatus:
    """The hash-chain verification state of one chain's ledger (mirrors ``ledger_status``)."""

    entry_count: int = 0
    verified_count: int = 0
    ok: bool = True
    verified_head: str = ZERO_HASH
    latest_head: str = ZERO_HASH
    first_mismatch: int | None = None


def entry_rows(chain_id: int, events: Sequence[Event]) -> list[tuple[Any, ...]]:
    """ledger_entries rows of the `Recorded` events among `events`."""
    return [
        (
            chain_id,
            e.args["index"],
            e.args["kind"],
            kind_name(e.args["kind"]),
            e.args["account"],
            e.args["amount"],
            e.args["ref"],
            e.args["head"],
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.block_timestamp,
        )
        for e in events
        if e.name == "Recorded"
    ]


def to_chain_entry(event: Event) -> ChainEntry:
    """A decoded `Recorded` event as an `azora.ledger` entry."""
    args = event.args
    return ChainEntry(
        index=args["index"],
        kind=bytes.fromhex(args["kind"][2:]),
        account=args["account"],
        amount=args["amount"],
        ref=bytes.fromhex(args["ref"][2:]),
        block_number=event.block_number,
        head=bytes.fromhex(args["head"][2:]),
    )


def next_head(previous: bytes, event: Event) -> bytes:
    """head_n from head_{n-1} and entry n, by `azora.ledger.chain_hash` (SPEC 2.2)."""
    return chain_hash(previous, to_chain_entry(event))


def advance_status(status: ChainStatus, events: Sequence[Event]) -> ChainStatus:
    """`status` extended over the new `Recorded` events (in chain order)."""
    recorded = [e for e in events if e.name == "Recorded"]
    if not recorded:
        return status
    count = max(status.entry_count, *(e.args["index"] for e in recorded))
    latest = recorded[-1].args["head"]
    if not status.ok:
        return replace(status, entry_count=count, latest_head=latest)
    verified = status.verified_count
    head = bytes.fromhex(status.verified_head[2:])
    for event in recorded:
        expected = verified + 1
        if event.args["index"] != expected:
            return ChainStatus(count, verified, False, "0x" + head.hex(), latest, expected)
        computed = next_head(head, event)
        if "0x" + computed.hex() != event.args["head"]:
            return ChainStatus(count, verified, False, "0x" + head.hex(), latest, expected)
        verified, head = expected, computed
    return ChainStatus(count, verified, True, "0x" + head.hex(), latest, None)


_LOAD_STATUS = """
SELECT entry_count, verified_count, ok, verified_head, latest_head, first_mismatch
  FROM ledger_status WHERE chain_id = :chain_id
"""

_SAVE_STATUS = """
INSERT INTO ledger_status (chain_id, entry_count, verified_count, ok, verified_head, latest_head,
                           first_mismatch, checked_block, updated_at)
VALUES (:chain_id, :entry_count, :verified_count, :ok, :verified_head, :latest_head,
        :first_mismatch, :checked_block, now())
ON CONFLICT (chain_id) DO UPDATE SET
    entry_count = EXCLUDED.entry_count, verified_count = EXCLUDED.verified_count, ok = EXCLUDED.ok,
    verified_head = EXCLUDED.verified_head, latest_head = EXCLUDED.latest_head,
    first_mismatch = EXCLUDED.first_mismatch, checked_block = EXCLUDED.checked_block, updated_at = now()
"""


def load_status(db: Db) -> ChainStatus:
    """The stored status of this chain (the empty status when there is none)."""
    row = db.execute(_LOAD_STATUS).first()
    if row is None:
        return ChainStatus()
    return ChainStatus(
        entry_count=int(row.entry_count),
        verified_count=int(row.verified_count),
        ok=bool(row.ok),
        verified_head=row.verified_head,
        latest_head=row.latest_head,
        first_mismatch=None if row.first_mismatch is None else int(row.first_mismatch),
    )


def save_status(db: Db, status: ChainStatus, checked_block: int) -> None:
    """Upsert the status row of this chain."""
    db.execute(
        _SAVE_STATUS,
        {
            "entry_count": status.entry_count,
            "verified_count": status.verified_count,
            "ok": status.ok,
            "verified_head": status.verified_head,
            "latest_head": status.latest_head,
            "first_mismatch": status.first_mismatch,
            "checked_block": checked_block,
        },
    )


class LedgerHandler:
    """Projects Ledger events (see the module docstring)."""

    contract: str = CONTRACT
    tables: tuple[str, ...] = ("ledger_entries", "ledger_status")

    def apply(self, db: Db, events: Sequence[Event], from_block: int, to_block: int) -> None:
        """Write the batch's entries and extend the verified hash chain over them."""
        rows = entry_rows(db.chain_id, events)
        if rows:
            db.copy("ledger_entries", ENTRY_COLUMNS, rows)
        status = load_status(db)
        save_status(db, advance_status(status, events), to_block)

    def rollback(self, db: Db, fork_block: int) -> None:
        """Delete entries above `fork_block` and cut the status back to the surviving prefix."""
        db.execute(
            "DELETE FROM ledger_entries WHERE chain_id = :chain_id AND block_number > :fork",
            {"fork": fork_block},
        )
        status = load_status(db)
        last = db.execute(
            "SELECT entry_index, head FROM ledger_entries WHERE chain_id = :chain_id"
            " ORDER BY entry_index DESC LIMIT 1"
        ).first()
        count = 0 if last is None else int(last.entry_index)
        latest = ZERO_HASH if last is None else last.head
        verified = min(status.verified_count, count)
        if verified == status.verified_count:
            head = status.verified_head
        else:
            row = db.execute(
                "SELECT head FROM ledger_entries WHERE chain_id = :chain_id AND entry_index = :i",
                {"i": verified},
            ).first()
            head = ZERO_HASH if row is None else row.head
        mismatch = (
            status.first_mismatch
            if status.first_mismatch is not None and status.first_mismatch <= count
            else None
        )
        cut = ChainStatus(count, verified, mismatch is None, head, latest, mismatch)
        save_status(db, cut, fork_block)


handler = LedgerHandler()
