"""`/v1/token`: AZR supply, cap, holders and delegated voting power."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select

from api.deps import IndexDep
from api.schemas import Envelope, TokenOut
from indexer.models import TokenBalance, TokenSupply, TokenVotes

router = APIRouter(prefix="/v1/token", tags=["token"])

SYMBOL = "AZR"
DECIMALS = 18
# AzoraToken.CAP, a contract constant (SPEC §2.1).
CAP = 1_000_000_000 * 10**DECIMALS


@router.get("", summary="AZR supply statistics")
async def read_token(index: IndexDep) -> Envelope[TokenOut]:
    """Total supply, hard cap, what can still be minted, holder count and delegated votes."""
    chain = await index.chain()
    chain_id = chain.chain_id
    # One round trip. The holder count scans token_balances; fine at this scale (see the API notes).
    row = (
        await index.session.execute(
            select(
                select(TokenSupply.total_supply)
                .where(TokenSupply.chain_id == chain_id)
                .order_by(TokenSupply.block_number.desc())
                .limit(1)
                .scalar_subquery()
                .label("supply"),
                select(func.count())
                .select_from(TokenBalance)
                .where(TokenBalance.chain_id == chain_id, TokenBalance.balance > 0)
                .scalar_subquery()
                .label("holders"),
                select(func.coalesce(func.sum(TokenVotes.votes), 0))
                .where(TokenVotes.chain_id == chain_id)
                .scalar_subquery()
                .label("delegated"),
            )
        )
    ).one()
    supply, holders, delegated = row.supply, row.holders, row.delegated
    total = int(supply or 0)
    token = TokenOut(
        symbol=SYMBOL,
        decimals=DECIMALS,
        total_supply=total,
        cap=CAP,
        mintable=max(0, CAP - total),
        holders=int(holders or 0),
        delegated_votes=delegated or 0,
    )
    return Envelope(chain_id=chain.chain_id, indexed_block=chain.indexed_block, data=token)
