"""`/v1/delegates`: delegates ranked by voting power."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import and_, func, or_, select

from api.deps import IndexDep
from api.pagination import PageDep, Part, next_cursor
from api.schemas import DelegateOut, Page
from indexer.models import TokenDelegation, TokenVotes

router = APIRouter(prefix="/v1/delegates", tags=["delegates"])

DELEGATES = "delegates"
DELEGATE_KEY = (Part.UINT256, Part.ADDRESS)  # (votes desc, address asc)


@router.get("", summary="Delegates by voting power, highest first")
async def read_delegates(index: IndexDep, page: PageDep) -> Page[DelegateOut]:
    """Every account with voting power, highest first (ties by address), with its delegator count."""
    after = page.key(DELEGATES, DELEGATE_KEY)  # a bad cursor is a 400 before any query
    session, chain = index.session, await index.chain()
    delegators = (
        select(func.count())
        .select_from(TokenDelegation)
        .where(TokenDelegation.chain_id == chain.chain_id, TokenDelegation.delegate == TokenVotes.delegate)
        .correlate(TokenVotes)
        .scalar_subquery()
    )
    query = select(TokenVotes.delegate, TokenVotes.votes, delegators.label("delegators")).where(
        TokenVotes.chain_id == chain.chain_id, TokenVotes.votes > 0
    )
    if after is not None:
        votes, address = after
        # Strictly after (votes, address) in "votes desc, address asc" order.
        query = query.where(
            or_(TokenVotes.votes < votes, and_(TokenVotes.votes == votes, TokenVotes.delegate > address))
        )
    rows = (
        await session.execute(
            query.order_by(TokenVotes.votes.desc(), TokenVotes.delegate.asc()).limit(page.limit + 1)
        )
    ).all()
    data = [
        DelegateOut(address=row.delegate, votes=row.votes, delegators=row.delegators)
        for row in rows[: page.limit]
    ]
    return Page(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=data,
        next_cursor=next_cursor(DELEGATES, rows, page.limit, lambda row: (int(row.votes), row.delegate)),
    )
