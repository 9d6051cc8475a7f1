"""`/v1/governance`: AzoraGovernor's and AzoraTimelock's settings at the indexed block, the quorum a
proposal snapshotted now would need, and how many proposals are in each state.

Every setting comes from the contracts' events (their constructors emit the initial values), so
no view call is needed: the value in force is the last change at or before the indexed block.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import func, select

from api.deps import IndexDep
from api.routes.proposals import load_clock, setting_at
from api.schemas import Envelope, GovernanceOut, GovernanceSettingOut, GovernanceSettingsOut
from indexer.decoders.governor import CONTRACT, QUORUM_DENOMINATOR, SETTINGS, STATES, TIMELOCK
from indexer.models import GovernanceProposal, SyncCursor, TokenSupply

router = APIRouter(prefix="/v1", tags=["governance"])


def contract_address(fingerprint: str, name: str) -> str | None:
    """The address of contract `name` in the cursor's indexed contract set (``name=0x…,…``)."""
    for entry in fingerprint.split(","):
        contract, _, address = entry.partition("=")
        if contract == name and address:
            return address
    return None


@router.get("/governance", summary="Governance settings, quorum now and proposals per state")
async def read_governance(index: IndexDep) -> Envelope[GovernanceOut]:
    """Voting delay and period, proposal threshold, quorum numerator, grace period and the
    Timelock's minimum delay (each with the block that set it); the quorum now (numerator x the
    total supply at the indexed block / 100); the number of proposals in each state."""
    session, chain = index.session, await index.chain()
    clock = await load_clock(session, chain)
    settings: dict[str, GovernanceSettingOut | None] = {}
    for name in SETTINGS:
        row = await setting_at(session, chain.chain_id, name, chain.indexed_block)
        settings[name] = (
            None if row is None else GovernanceSettingOut(value=row.new_value, updated_block=row.block_number)
        )
    supply = await session.scalar(
        select(TokenSupply.total_supply)
        .where(TokenSupply.chain_id == chain.chain_id, TokenSupply.block_number <= chain.indexed_block)
        .order_by(TokenSupply.block_number.desc())
        .limit(1)
    )
    total_supply = 0 if supply is None else int(supply)
    numerator = settings["quorum_numerator"]
    state = clock.state().label("state")
    counts = (
        await session.execute(
            select(state, func.count())
            .where(GovernanceProposal.chain_id == chain.chain_id)
            .group_by(state)
            .order_by(state)
        )
    ).all()
    fingerprint = await session.scalar(
        select(SyncCursor.addresses).where(SyncCursor.chain_id == chain.chain_id)
    )
    out = GovernanceOut(
        governor=contract_address(fingerprint or "", CONTRACT),
        timelock=contract_address(fingerprint or "", TIMELOCK),
        as_of=clock.timestamp,
        settings=GovernanceSettingsOut(**settings),
        quorum_denominator=QUORUM_DENOMINATOR,
        total_supply=total_supply,
        quorum_now=None if numerator is None else total_supply * numerator.value // QUORUM_DENOMINATOR,
        proposals={STATES[code]: count for code, count in counts},
    )
    return Envelope(chain_id=chain.chain_id, indexed_block=chain.indexed_block, data=out)
