"""`/v1/ledger`: the hash-chained journal's entries and whether the chain verifies."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import anyio.to_thread
from fastapi import APIRouter, Query
from pydantic import AfterValidator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import AddressQuery, IndexDep
from api.exceptions import InvalidParameterError
from api.pagination import PageDep, Part, next_cursor
from api.schemas import ZERO_HASH, Envelope, LedgerEntryOut, LedgerRecomputeOut, LedgerVerifyOut, Page
from indexer.decoders import Event
from indexer.decoders.ledger import CONTRACT as LEDGER_CONTRACT
from indexer.handlers.ledger import ChainStatus, advance_status
from indexer.models import LedgerEntry, LedgerStatus

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])

ENTRY_KEY = (Part.BIGINT,)  # entry_index
RECOMPUTE_BATCH = 5_000
_KIND_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
_KIND_HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")


def parse_kind(value: str | None) -> str | None:
    """A kind filter: its name (any case, e.g. reward) or its bytes32 hash; names come back upper case."""
    if value is None:
        return None
    if _KIND_HASH_RE.match(value):
        return value.lower()
    if _KIND_NAME_RE.match(value):
        return value.upper()
    raise ValueError("expected a kind name such as REWARD or its 0x-prefixed bytes32 hash")


KindQuery = Annotated[
    str | None,
    Query(description="Only this kind: a name (REWARD, FEE, ...) or its bytes32 hash.", examples=["REWARD"]),
    AfterValidator(parse_kind),
]


@router.get("/entries", summary="Ledger entries in journal order")
async def read_ledger_entries(
    index: IndexDep,
    page: PageDep,
    account: AddressQuery = None,
    kind: KindQuery = None,
    order: Annotated[Literal["asc", "desc"], Query(description="By entry index.")] = "asc",
) -> Page[LedgerEntryOut]:
    """Ledger entries by index (oldest first unless `order=desc`), optionally of one account or kind."""
    resource = f"ledger_entries:{order}"
    after = page.key(resource, ENTRY_KEY)  # a bad cursor is a 400 before any query
    session, chain = index.session, await index.chain()
    query = select(LedgerEntry).where(LedgerEntry.chain_id == chain.chain_id)
    if account is not None:
        query = query.where(LedgerEntry.account == account)
    if kind is not None:
        query = query.where(
            LedgerEntry.kind == kind if kind.startswith("0x") else LedgerEntry.kind_name == kind
        )
    if after is not None:
        (position,) = after
        query = query.where(
            LedgerEntry.entry_index > position if order == "asc" else LedgerEntry.entry_index < position
        )
    ordering = LedgerEntry.entry_index.asc() if order == "asc" else LedgerEntry.entry_index.desc()
    rows = (await session.scalars(query.order_by(ordering).limit(page.limit + 1))).all()
    data = [
        LedgerEntryOut(
            index=row.entry_index,
            kind=row.kind,
            kind_name=row.kind_name,
            account=row.account,
            amount=row.amount,
            ref=row.ref,
            head=row.head,
            block_number=row.block_number,
            log_index=row.log_index,
            tx_hash=row.tx_hash,
            timestamp=row.block_timestamp,
        )
        for row in rows[: page.limit]
    ]
    return Page(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=data,
        next_cursor=next_cursor(resource, rows, page.limit, lambda row: (row.entry_index,)),
    )


@router.get("/verify", summary="Whether the ledger's hash chain verifies")
async def read_ledger_verify(
    index: IndexDep,
    recompute: Annotated[
        bool, Query(description="Also recompute the chain here from the stored entries (bounded size).")
    ] = False,
) -> Envelope[LedgerVerifyOut]:
    """The indexer's verdict on the hash chain (every emitted head recomputed from the entries as they
    were indexed); with `recompute=true` the API also recomputes it from the rows stored now."""
    session, chain = index.session, await index.chain()
    status = await session.get(LedgerStatus, chain.chain_id)
    if status is None:  # no batch has touched the ledger yet: the empty chain
        verdict = LedgerVerifyOut(
            ok=True,
            count=0,
            verified_count=0,
            head=ZERO_HASH,
            verified_head=ZERO_HASH,
            first_mismatch=None,
            checked_block=chain.indexed_block,
        )
    else:
        verdict = LedgerVerifyOut(
            ok=status.ok,
            count=status.entry_count,
            verified_count=status.verified_count,
            head=status.latest_head,
            verified_head=status.verified_head,
            first_mismatch=status.first_mismatch,
            checked_block=status.checked_block,
        )
    if recompute:
        settings = index.settings
        if verdict.count > settings.ledger_recompute_max_entries:
            raise InvalidParameterError(
                f"the ledger holds {verdict.count} entries; recompute is limited to "
                f"{settings.ledger_recompute_max_entries} (API_LEDGER_RECOMPUTE_MAX_ENTRIES)"
            )
        verdict.recomputed = await _recompute(session, chain.chain_id)
    return Envelope(chain_id=chain.chain_id, indexed_block=chain.indexed_block, data=verdict)


async def _recompute(session: AsyncSession, chain_id: int) -> LedgerRecomputeOut:
    """Walk the stored entries in index order, in batches, extending the hash chain with the
    indexer's own `advance_status` (the same rule the contract applies)."""
    status = ChainStatus()
    after = 0
    while True:
        rows = (
            await session.scalars(
                select(LedgerEntry)
                .where(LedgerEntry.chain_id == chain_id, LedgerEntry.entry_index > after)
                .order_by(LedgerEntry.entry_index)
                .limit(RECOMPUTE_BATCH)
            )
        ).all()
        if not rows:
            break
        events = [_as_event(row) for row in rows]
        status = await anyio.to_thread.run_sync(advance_status, status, events)
        after = rows[-1].entry_index
        if not status.ok or len(rows) < RECOMPUTE_BATCH:
            break
    return LedgerRecomputeOut(
        ok=status.ok,
        count=status.verified_count,
        head=status.verified_head,
        first_mismatch=status.first_mismatch,
    )


def _as_event(row: LedgerEntry) -> Event:
    return Event(
        contract=LEDGER_CONTRACT,
        name="Recorded",
        block_number=row.block_number,
        log_index=row.log_index,
        block_hash="",
        tx_hash=row.tx_hash,
        address="",
        block_timestamp=row.block_timestamp,
        args={
            "index": row.entry_index,
            "kind": row.kind,
            "account": row.account,
            "amount": row.amount,
            "ref": row.ref,
            "head": row.head,
        },
    )
