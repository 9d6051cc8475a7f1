"""`/v1/rewards` and `/v1/accounts/{address}/rewards`: ProofOfKnowledge's rewards, its parameters,
and each 30-day epoch's budget use.

"Now" is the timestamp of the indexed block (the `blocks` row of the sync cursor): the current
epoch is ``timestamp // 2,592,000`` and the current UTC day ``timestamp // 86,400``, as the
contract computes them for a transaction in that block. The budget and the daily cap are the
values the contract's events set last (the constructor emits them too).
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import AddressPath, ChainContext, IndexDep
from api.pagination import PageDep, Part, next_cursor
from api.schemas import (
    AccountRewardsPage,
    AccountRewardsSummaryOut,
    DailyCapOut,
    Envelope,
    EpochBudgetOut,
    Page,
    RewardOut,
    RewardParametersOut,
    RewardsOut,
    RewardTotalsOut,
)
from indexer.decoders.proof_of_knowledge import DAY, EPOCH_DURATION
from indexer.models import Block, PokEpoch, PokParameterChange, PokReward

router = APIRouter(prefix="/v1", tags=["rewards"])

REWARDS = "rewards"
EPOCHS = "reward_epochs"
POSITION_KEY = (Part.BIGINT, Part.BIGINT)  # (block_number, log_index), newest first
EPOCH_KEY = (Part.BIGINT,)


async def indexed_timestamp(session: AsyncSession, chain: ChainContext) -> int | None:
    """Timestamp of the indexed block (None before the first batch)."""
    stamp = await session.scalar(
        select(Block.timestamp)
        .where(Block.chain_id == chain.chain_id, Block.number <= chain.indexed_block)
        .order_by(Block.number.desc())
        .limit(1)
    )
    return None if stamp is None else int(stamp)


async def parameters(session: AsyncSession, chain_id: int) -> PokParameterChange | None:
    """The latest parameter row: the configuration in force."""
    row: PokParameterChange | None = await session.scalar(
        select(PokParameterChange)
        .where(PokParameterChange.chain_id == chain_id)
        .order_by(PokParameterChange.block_number.desc(), PokParameterChange.log_index.desc())
        .limit(1)
    )
    return row


def epoch_out(epoch: int, row: PokEpoch | None, budget: int | None) -> EpochBudgetOut:
    used = 0 if row is None else row.minted
    return EpochBudgetOut(
        epoch=epoch,
        starts_at=epoch * EPOCH_DURATION,
        ends_at=(epoch + 1) * EPOCH_DURATION,
        completions=0 if row is None else row.completions,
        rewards=0 if row is None else row.rewards,
        ubuntu_shares=0 if row is None else row.ubuntu_shares,
        used=used,
        budget=budget,
        left=None if budget is None else max(0, budget - used),
    )


async def current_epoch(
    session: AsyncSession, chain_id: int, now: int | None, budget: int | None
) -> EpochBudgetOut | None:
    if now is None:
        return None
    epoch = now // EPOCH_DURATION
    row = await session.get(PokEpoch, (chain_id, epoch))
    return epoch_out(epoch, row, budget)


@router.get("/rewards", summary="Reward parameters and the current epoch's budget")
async def read_rewards(index: IndexDep) -> Envelope[RewardsOut]:
    """ProofOfKnowledge's Treasury, daily cap and epoch budget, and how much of the current epoch's
    budget is used and left."""
    session, chain = index.session, await index.chain()
    now = await indexed_timestamp(session, chain)
    config = await parameters(session, chain.chain_id)
    budget = None if config is None else config.epoch_budget
    out = RewardsOut(
        as_of=now,
        parameters=RewardParametersOut(
            treasury=None if config is None else config.treasury,
            daily_cap=None if config is None else config.daily_cap,
            epoch_budget=budget,
            updated_block=None if config is None else config.block_number,
        ),
        epoch=await current_epoch(session, chain.chain_id, now, budget),
    )
    return Envelope(chain_id=chain.chain_id, indexed_block=chain.indexed_block, data=out)


@router.get("/rewards/epochs", summary="Budget use per epoch, newest first")
async def read_reward_epochs(index: IndexDep, page: PageDep) -> Page[EpochBudgetOut]:
    """Every epoch in which rewards were paid: completions, rewards, Ubuntu shares and the budget used;
    `budget` / `left` use the budget in force at the end of the epoch (for the current one: now)."""
    after = page.key(EPOCHS, EPOCH_KEY)
    session, chain = index.session, await index.chain()
    query = select(PokEpoch).where(PokEpoch.chain_id == chain.chain_id)
    if after is not None:
        query = query.where(PokEpoch.epoch < after[0])
    rows = (await session.scalars(query.order_by(PokEpoch.epoch.desc()).limit(page.limit + 1))).all()
    # Budget changes are governance events: few rows, read once.
    budgets = (
        await session.execute(
            select(PokParameterChange.block_timestamp, PokParameterChange.epoch_budget)
            .where(PokParameterChange.chain_id == chain.chain_id)
            .order_by(PokParameterChange.block_number, PokParameterChange.log_index)
        )
    ).all()

    def budget_of(epoch: int) -> int | None:
        ends_at = (epoch + 1) * EPOCH_DURATION
        in_force = [budget for stamp, budget in budgets if stamp < ends_at]
        return in_force[-1] if in_force else None

    return Page(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=[epoch_out(row.epoch, row, budget_of(row.epoch)) for row in rows[: page.limit]],
        next_cursor=next_cursor(EPOCHS, rows, page.limit, lambda row: (row.epoch,)),
    )


@router.get("/accounts/{address}/rewards", summary="Rewards of a learner, newest first, with totals")
async def read_account_rewards(address: AddressPath, index: IndexDep, page: PageDep) -> AccountRewardsPage:
    """The learner's rewarded completions, newest first, and a summary: lifetime totals, today's
    earnings against the daily cap, and the current epoch's budget used and left (all learners)."""
    after = page.key(REWARDS, POSITION_KEY)  # a bad cursor is a 400 before any query
    session, chain = index.session, await index.chain()
    mine = (PokReward.chain_id == chain.chain_id, PokReward.learner == address)
    query = select(PokReward).where(*mine)
    if after is not None:
        query = query.where(tuple_(PokReward.block_number, PokReward.log_index) < tuple_(*after))
    ordering = (PokReward.block_number.desc(), PokReward.log_index.desc())
    rows = (await session.scalars(query.order_by(*ordering).limit(page.limit + 1))).all()

    now = await indexed_timestamp(session, chain)
    config = await parameters(session, chain.chain_id)
    day = None if now is None else now // DAY
    totals = (
        await session.execute(
            select(
                func.count().label("completions"),
                func.coalesce(func.sum(PokReward.reward), 0).label("reward"),
                func.coalesce(func.sum(PokReward.ubuntu_share), 0).label("ubuntu_share"),
                func.coalesce(
                    func.sum(PokReward.reward).filter(
                        PokReward.block_timestamp >= (day or 0) * DAY,
                        PokReward.block_timestamp < ((day or 0) + 1) * DAY,
                    ),
                    0,
                ).label("today"),
            ).where(*mine)
        )
    ).one()
    today = None
    if day is not None:
        cap = None if config is None else config.daily_cap
        earned = int(totals.today)
        today = DailyCapOut(
            day=day, earned=earned, daily_cap=cap, left=None if cap is None else max(0, cap - earned)
        )
    budget = None if config is None else config.epoch_budget
    summary = AccountRewardsSummaryOut(
        learner=address,
        as_of=now,
        totals=RewardTotalsOut(
            completions=totals.completions, reward=totals.reward, ubuntu_share=totals.ubuntu_share
        ),
        today=today,
        epoch=await current_epoch(session, chain.chain_id, now, budget),
    )
    data = [
        RewardOut(
            course_id=row.course_id,
            uid=row.uid,
            reward=row.reward,
            ubuntu_share=row.ubuntu_share,
            epoch=row.epoch,
            block_number=row.block_number,
            log_index=row.log_index,
            tx_hash=row.tx_hash,
            timestamp=row.block_timestamp,
        )
        for row in rows[: page.limit]
    ]
    return AccountRewardsPage(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=data,
        next_cursor=next_cursor(REWARDS, rows, page.limit, lambda row: (row.block_number, row.log_index)),
        summary=summary,
    )
