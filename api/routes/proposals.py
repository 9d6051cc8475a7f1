"""`/v1/proposals`, `/v1/proposals/{id}`, `/v1/proposals/{id}/votes` and `/v1/accounts/{address}/votes`:
AzoraGovernor's proposals, their votes and constitutional reviews.

A proposal's `state` is `state(id)` as of the indexed block: it is computed in SQL from the
indexed columns at that block and its timestamp (`indexer.handlers.governor.state_expression`),
so Pending turns Active, Active turns Succeeded or Defeated, Queued turns Expired as the index
advances, without any row being rewritten. The `?state=` filter uses the same expression.

The review's reasons live off chain (``ethics_reviews``, written by the ethics oracle); they are
served only when keccak256 of their canonical serialisation equals the reason hash the Governor
holds (`azora.reviews`), so an edited or foreign reason text is never shown as the
review's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import AddressPath, AddressQuery, ChainContext, IndexDep, IndexReader
from api.errors import problem_responses
from api.exceptions import NotFoundError
from api.pagination import CursorKey, PageDep, PageParams, Part, next_cursor
from api.routes.rewards import indexed_timestamp
from api.schemas import (
    ChainEventOut,
    Envelope,
    Page,
    ProposalActionOut,
    ProposalDetailOut,
    ProposalLinks,
    ProposalOut,
    ProposalReviewOut,
    ReviewReasonOut,
    VoteOut,
    VoteTotalsOut,
)
from azora.reviews import reason_hash as review_reason_hash
from indexer.decoders.governor import STATE_CODES, STATES, SUPPORT, SUPPORT_CODES, VERDICTS
from indexer.handlers.governor import state_expression
from indexer.models import (
    EthicsReview,
    GovernanceProposal,
    GovernanceProposalAction,
    GovernanceReview,
    GovernanceSettingChange,
    GovernanceVote,
)

router = APIRouter(prefix="/v1", tags=["governance"])

PROPOSALS = "proposals"
VOTES = "proposal_votes"
ACCOUNT_VOTES = "account_votes"
POSITION_KEY = (Part.BIGINT, Part.BIGINT)  # (block_number, log_index), newest first

_DECIMAL_RE = re.compile(r"^[0-9]{1,78}$")
_HEX_RE = re.compile(r"^0x[0-9a-fA-F]{1,64}$")


def parse_proposal_id(value: object) -> int:
    """A proposal id: a decimal uint256 or 0x + up to 64 hex digits."""
    text = str(value)
    if _DECIMAL_RE.match(text):
        proposal_id = int(text)
    elif _HEX_RE.match(text):
        proposal_id = int(text, 16)
    else:
        raise ValueError("expected a proposal id: a decimal uint256 or 0x followed by up to 64 hex digits")
    if proposal_id >= 2**256:
        raise ValueError("the proposal id exceeds uint256")
    return proposal_id


def parse_state(value: str | None) -> str | None:
    """A state filter, any letter case."""
    if value is None:
        return None
    state = value.strip().lower()
    if state not in STATE_CODES:
        raise ValueError(f"not a proposal state; expected one of {', '.join(STATES)}")
    return state


def parse_support(value: str | None) -> int | None:
    """A support filter: against / for / abstain (any case) or 0 / 1 / 2."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in SUPPORT_CODES:
        return SUPPORT_CODES[text]
    if text in ("0", "1", "2"):
        return int(text)
    raise ValueError("expected against, for, abstain (or 0, 1, 2)")


ProposalIdPath = Annotated[
    int,
    BeforeValidator(parse_proposal_id),
    Path(description="Proposal id: decimal, or 0x hex."),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^([0-9]{1,78}|0x[0-9a-fA-F]{1,64})$",
            "examples": ["38475620194857662031920585671054493026147388451923040912349018342"],
        }
    ),
]
StateQuery = Annotated[
    str | None,
    Query(description=f"Only proposals in this state at the indexed block: {', '.join(STATES)}."),
    AfterValidator(parse_state),
]
SupportQuery = Annotated[
    str | None,
    Query(description="Only votes with this support: against, for, abstain (or 0, 1, 2)."),
    AfterValidator(parse_support),
]


# --- the state at the indexed block ------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """The indexed block, its timestamp and the grace period then: what `state(id)` depends on."""

    block: int
    timestamp: int | None
    grace_period: int

    def state(self) -> ColumnElement[int]:
        # Before the first header is stored there is no proposal either: 0 never expires one.
        return state_expression(self.block, self.timestamp or 0, self.grace_period)


async def setting_at(
    session: AsyncSession, chain_id: int, setting: str, block: int
) -> GovernanceSettingChange | None:
    """The change of `setting` in force at `block` (None before its first event)."""
    row: GovernanceSettingChange | None = await session.scalar(
        select(GovernanceSettingChange)
        .where(
            GovernanceSettingChange.chain_id == chain_id,
            GovernanceSettingChange.setting == setting,
            GovernanceSettingChange.block_number <= block,
        )
        .order_by(GovernanceSettingChange.block_number.desc(), GovernanceSettingChange.log_index.desc())
        .limit(1)
    )
    return row


async def load_clock(session: AsyncSession, chain: ChainContext) -> Clock:
    grace = await setting_at(session, chain.chain_id, "grace_period", chain.indexed_block)
    return Clock(
        block=chain.indexed_block,
        timestamp=await indexed_timestamp(session, chain),
        grace_period=0 if grace is None else grace.new_value,
    )


# --- serialisation -----------------------------------------------------------------------------------


def title_of(description: str) -> str:
    """The first non-empty line of a description, without Markdown heading marks."""
    for line in description.splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()[:200]
    return ""


def proposal_out(row: GovernanceProposal, state: int) -> ProposalOut:
    counted = row.for_votes + row.abstain_votes
    return ProposalOut(
        proposal_id=row.proposal_id,
        proposer=row.proposer,
        title=title_of(row.description),
        description_hash=row.description_hash,
        state=STATES[state],  # type: ignore[arg-type]
        vote_start=row.snapshot,
        vote_end=row.deadline,
        votes=VoteTotalsOut(
            against=row.against_votes, for_=row.for_votes, abstain=row.abstain_votes, voters=row.voters
        ),
        quorum=row.quorum,
        quorum_reached=None if row.quorum is None else counted >= row.quorum,
        review_verdict=None if row.review_verdict is None else VERDICTS.get(row.review_verdict),  # type: ignore[arg-type]
        eta=row.eta,
        created_block=row.created_block,
        created_tx_hash=row.created_tx_hash,
        created_timestamp=row.created_timestamp,
        links=ProposalLinks(
            self=f"/v1/proposals/{row.proposal_id}", votes=f"/v1/proposals/{row.proposal_id}/votes"
        ),
    )


def vote_out(row: GovernanceVote) -> VoteOut:
    return VoteOut(
        proposal_id=row.proposal_id,
        voter=row.voter,
        support=row.support,
        support_name=SUPPORT[row.support],  # type: ignore[arg-type]
        weight=row.weight,
        reason=row.reason,
        block_number=row.block_number,
        log_index=row.log_index,
        tx_hash=row.tx_hash,
        timestamp=row.block_timestamp,
    )


def _event(block: int | None, tx_hash: str | None, timestamp: int | None) -> ChainEventOut | None:
    if block is None or tx_hash is None or timestamp is None:
        return None
    return ChainEventOut(block_number=block, tx_hash=tx_hash, timestamp=timestamp)


def reasons_match(row: EthicsReview, reason_hash: str) -> bool:
    """True when the stored reasons hash to the on-chain `reason_hash`."""
    if not isinstance(row.reasons, list):
        return False
    computed = review_reason_hash(
        row.proposal_id, row.verdict, row.reasons, row.constitution_version, row.evaluator
    )
    return "0x" + computed.hex() == reason_hash


def _reason_out(reason: Any) -> ReviewReasonOut | None:
    """One stored reason, or None when it is not a {rule, principle, severity, message} of strings."""
    if not isinstance(reason, dict):
        return None
    rule, principle, severity, message = (
        reason.get(key) for key in ("rule", "principle", "severity", "message")
    )
    if not (isinstance(rule, str) and isinstance(principle, str) and isinstance(severity, str)):
        return None
    if not isinstance(message, str):
        return None
    return ReviewReasonOut(rule=rule, principle=principle, severity=severity, message=message)


async def review_out(session: AsyncSession, row: GovernanceProposal) -> ProposalReviewOut | None:
    """The review in force on `row`, with the ethics oracle's reasons when they verify."""
    if row.review_verdict is None or row.review_reason_hash is None or row.review_uid is None:
        return None
    history = await session.scalar(
        select(func.count())
        .select_from(GovernanceReview)
        .where(GovernanceReview.chain_id == row.chain_id, GovernanceReview.proposal_id == row.proposal_id)
    )
    stored = await session.get(EthicsReview, (row.chain_id, row.proposal_id, row.review_reason_hash))
    reasons = None
    if (
        stored is not None
        and stored.verdict == row.review_verdict
        and reasons_match(stored, row.review_reason_hash)
    ):
        parsed = [_reason_out(reason) for reason in stored.reasons]
        if all(reason is not None for reason in parsed):
            reasons = [reason for reason in parsed if reason is not None]
    verified = reasons is not None
    return ProposalReviewOut(
        verdict=row.review_verdict,
        verdict_name=VERDICTS.get(row.review_verdict),  # type: ignore[arg-type]
        reason_hash=row.review_reason_hash,
        uid=row.review_uid,
        block_number=row.review_block or 0,
        reasons_verified=verified,
        reasons=reasons,
        constitution_version=stored.constitution_version if verified and stored is not None else None,
        evaluator=stored.evaluator if verified and stored is not None else None,
        history=int(history or 0),
    )


# --- routes ------------------------------------------------------------------------------------------


@router.get("/proposals", summary="Proposals, newest first")
async def read_proposals(
    index: IndexDep, page: PageDep, state: StateQuery = None, proposer: AddressQuery = None
) -> Page[ProposalOut]:
    """Proposals, newest first, with their state at the indexed block; filter by state and proposer."""
    after = page.key(PROPOSALS, POSITION_KEY)  # a bad cursor is a 400 before any query
    session, chain = index.session, await index.chain()
    clock = await load_clock(session, chain)
    state_column = clock.state().label("state")
    p = GovernanceProposal
    query = select(p, state_column).where(p.chain_id == chain.chain_id)
    if state is not None:
        query = query.where(clock.state() == STATE_CODES[state])
    if proposer is not None:
        query = query.where(p.proposer == proposer)
    if after is not None:
        query = query.where(tuple_(p.created_block, p.created_log_index) < tuple_(*after))
    ordering = (p.created_block.desc(), p.created_log_index.desc())
    rows = (await session.execute(query.order_by(*ordering).limit(page.limit + 1))).all()
    return Page(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=[proposal_out(row, code) for row, code in rows[: page.limit]],
        next_cursor=next_cursor(
            PROPOSALS, rows, page.limit, lambda r: (r[0].created_block, r[0].created_log_index)
        ),
    )


async def _proposal(index: Any, proposal_id: int) -> tuple[GovernanceProposal, int, Clock, ChainContext]:
    session, chain = index.session, await index.chain()
    clock = await load_clock(session, chain)
    found = (
        await session.execute(
            select(GovernanceProposal, clock.state()).where(
                GovernanceProposal.chain_id == chain.chain_id, GovernanceProposal.proposal_id == proposal_id
            )
        )
    ).first()
    if found is None:
        raise NotFoundError(f"no proposal {proposal_id} is indexed")
    return found[0], found[1], clock, chain


@router.get("/proposals/{proposal_id}", summary="One proposal", responses=problem_responses(404))
async def read_proposal(proposal_id: ProposalIdPath, index: IndexDep) -> Envelope[ProposalDetailOut]:
    """A proposal in full: description, actions, state, votes, quorum, the review in force with its
    reasons, queue / execution / cancellation."""
    row, state, clock, chain = await _proposal(index, proposal_id)
    session = index.session
    actions = (
        await session.scalars(
            select(GovernanceProposalAction)
            .where(
                GovernanceProposalAction.chain_id == chain.chain_id,
                GovernanceProposalAction.proposal_id == proposal_id,
            )
            .order_by(GovernanceProposalAction.action_index)
        )
    ).all()
    detail = ProposalDetailOut(
        **dict(proposal_out(row, state)),
        description=row.description,
        actions=[
            ProposalActionOut(
                index=a.action_index,
                target=a.target,
                value=a.value,
                signature=a.signature,
                calldata=a.calldata,
            )
            for a in actions
        ],
        quorum_numerator=row.quorum_numerator,
        review=await review_out(session, row),
        queued=_event(row.queued_block, row.queued_tx_hash, row.queued_timestamp),
        executed=_event(row.executed_block, row.executed_tx_hash, row.executed_timestamp),
        canceled=_event(row.canceled_block, row.canceled_tx_hash, row.canceled_timestamp),
        expires_at=None if row.eta is None else row.eta + clock.grace_period,
    )
    return Envelope(chain_id=chain.chain_id, indexed_block=chain.indexed_block, data=detail)


@router.get(
    "/proposals/{proposal_id}/votes",
    summary="Votes on a proposal, newest first",
    responses=problem_responses(404),
)
async def read_proposal_votes(
    proposal_id: ProposalIdPath, index: IndexDep, page: PageDep, support: SupportQuery = None
) -> Page[VoteOut]:
    """Every vote cast on the proposal, newest first, optionally of one support value."""
    after = page.key(VOTES, POSITION_KEY)
    session, chain = index.session, await index.chain()
    exists = await session.get(GovernanceProposal, (chain.chain_id, proposal_id))
    if exists is None:
        raise NotFoundError(f"no proposal {proposal_id} is indexed")
    return await _votes_page(index, page, VOTES, after, GovernanceVote.proposal_id == proposal_id, support)


@router.get("/accounts/{address}/votes", summary="Votes cast by an account, newest first")
async def read_account_votes(
    address: AddressPath, index: IndexDep, page: PageDep, support: SupportQuery = None
) -> Page[VoteOut]:
    """Every vote the account cast, on any proposal, newest first."""
    after = page.key(ACCOUNT_VOTES, POSITION_KEY)
    return await _votes_page(index, page, ACCOUNT_VOTES, after, GovernanceVote.voter == address, support)


async def _votes_page(
    index: IndexReader,
    page: PageParams,
    kind: str,
    after: CursorKey | None,
    where: ColumnElement[bool],
    support: SupportQuery,
) -> Page[VoteOut]:
    """One page of this chain's votes matching `where` (and `support`), newest first, after the
    cursor position `after`; `kind` names the list the next cursor belongs to."""
    chain = await index.chain()
    v = GovernanceVote
    query = select(v).where(v.chain_id == chain.chain_id, where)
    if support is not None:
        query = query.where(v.support == support)
    if after is not None:
        query = query.where(tuple_(v.block_number, v.log_index) < tuple_(*after))
    rows = (
        await index.session.scalars(
            query.order_by(v.block_number.desc(), v.log_index.desc()).limit(page.limit + 1)
        )
    ).all()
    return Page(
        chain_id=chain.chain_id,
        indexed_block=chain.indexed_block,
        data=[vote_out(row) for row in rows[: page.limit]],
        next_cursor=next_cursor(kind, rows, page.limit, lambda row: (row.block_number, row.log_index)),
    )
