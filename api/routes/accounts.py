"""`/v1/accounts`: one account's balance, voting power and delegation, and its transfer history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, Select, and_, select, tuple_, union_all

from api.deps import AddressPath, IndexDep
from api.pagination import PageDep, Part, next_cursor
from api.schemas import ZERO_ADDRESS, AccountLinks, AccountOut, Envelope, Page, TransferOut, checksum
from indexer.models import TokenBalance, TokenDelegation, TokenTransfer, TokenVotes

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])

TRANSFERS = "transfers"
TRANSFER_KEY = (Part.BIGINT, Part.BIGINT)  # (block_number, log_index), newest first

Direction = Literal["in", "out", "all"]


@router.get("/{address}", summary="Balance, votes and delegate of an account")
async def read_account(address: AddressPath, index: IndexDep) -> Envelope[AccountOut]:
    """An account's AZR balance, the voting power delegated to it and whom it delegates to.

    Any valid address answers, with zeros when the index has never seen it.
    """
    chain = await index.chain()
    chain_id = chain.chain_id
    # One round trip: three scalar subqueries, each a primary-key lookup.
    row = (
        await index.session.execute(
            select(
                select(TokenBalance.balance)
                .where(TokenBalance.chain_id == chain_id, TokenBalance.account == address)
                .scalar_subquery()
                .label("balance"),
                select(TokenVotes.votes)
                .where(TokenVotes.chain_id == chain_id, TokenVotes.delegate == address)
                .scalar_subquery()
                .label("votes"),
                select(TokenDelegation.delegate)
                .where(TokenDelegation.chain_id == chain_id, TokenDelegation.delegator == address)
                .scalar_subquery()
                .label("delegate"),
            )
        )
    ).one()
    balance, votes, delegate = row.balance, row.votes, row.delegate
    account = AccountOut(
        address=address,
        balance=balance or 0,
        votes=votes or 0,
        delegate=None if delegate in (None, ZERO_ADDRESS) else delegate,
        links=_links(address),
    )
    return Envelope(chain_id=chain.chain_id, indexed_block=chain.indexed_block, data=account)


def _links(address: str) -> AccountLinks:
    address = checksum(address)
    return AccountLinks(
        transfers=f"{router.prefix}/{address}/transfers",
        ledger_entries=f"/v1/ledger/entries?account={address}",
        credentials=f"{router.prefix}/{address}/credentials",
        rewards=f"{router.prefix}/{address}/rewards",
    )


@router.get("/{address}/transfers", summary="AZR transfers of an account, newest first")
async def read_account_transfers(
    address: AddressPath,
    index: IndexDep,
    page: PageDep,
    direction: Annotated[Direction, Query(description="Only incoming, only outgoing, or both.")] = "all",
) -> Page[TransferOut]:
    """Transfers from or to the account (mints and burns included), newest first, keyset paginated."""
    after = page.key(TRANSFERS, TRANSFER_KEY)  # a bad cursor is a 400 before any query
    session, chain = index.session, await index.chain()
    branches: list[Select] = []
    if direction in ("out", "all"):
        branches.append(
            _transfers_where(chain.chain_id, after, page.limit, TokenTransfer.from_address == address)
        )
    if direction in ("in", "all"):
        incoming = TokenTransfer.to_address == address
        if direction == "all":  # a self-transfer is already in the outgoing branch
            incoming = and_(incoming, TokenTransfer.from_address != address)
        branches.append(_transfers_where(chain.chain_id, after, page.limit, incoming))

    # One index-backed, limited scan per direction, merged: cheaper than `from = a OR to = a`.
    merged = union_all(*branches).subquery() if len(branches) > 1 else branches[0].subquery()
    rows = (
        await session.execute(
            select(merged)
            .order_by(merged.c.block_number.desc(), merged.c.log_index.desc())
            .limit(page.limit + 1)
        )
    ).all()
    data = [
        TransferOut(
            block_number=row.block_number,
            log_index=row.log_index,
            tx_hash=row.tx_hash,
            timestamp=row.block_timestamp,
            from_=row.from_address,
            to=row.to_address,
            amount=row.amount,
            direction=_direction(address, row.from_address, row.to_address),
        )
        for row in rows[: page.limit]
    ]
    return Page(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=data,
        next_cursor=next_cursor(TRANSFERS, rows, page.limit, lambda row: (row.block_number, row.log_index)),
    )


def _transfers_where(
    chain_id: int, after: tuple[int, ...] | None, limit: int, condition: ColumnElement[bool]
) -> Select:
    query = select(TokenTransfer).where(TokenTransfer.chain_id == chain_id, condition)
    if after is not None:
        query = query.where(tuple_(TokenTransfer.block_number, TokenTransfer.log_index) < tuple_(*after))
    return query.order_by(TokenTransfer.block_number.desc(), TokenTransfer.log_index.desc()).limit(limit + 1)


def _direction(address: str, sender: str, recipient: str) -> Literal["in", "out", "self"]:
    if sender == recipient:
        return "self"
    return "out" if sender == address else "in"
