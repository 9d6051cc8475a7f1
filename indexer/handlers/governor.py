"""AzoraGovernor + AzoraTimelock projection: proposals and their actions, votes, constitutional
reviews, queueing / execution / cancellation, and the history of every governance setting.

Pure part: `proposal_rows`, `action_rows`, `vote_rows`, `review_rows`, `setting_rows` and
`lifecycle_rows` turn decoded events into table rows. SQL part: rows are COPYed; then, one
statement each, the batch's votes are added to their proposals' totals (``GROUP BY
proposal_id``), the latest review of each proposal is copied onto it (``DISTINCT ON``),
queue / execute / cancel events stamp their proposals (``UPDATE … FROM unnest(…)``), and every
proposal whose snapshot block is now indexed gets its quorum: the total supply at the snapshot
(``token_supply``, written earlier in the same transaction by the token handler) times the
quorum numerator in force at it (``governance_setting_changes``) / 100 -- ``quorum(snapshot)``.
A proposal queued in the batch also gets its Timelock operation id (``timelock_id``, computed
from its stored actions by `timelock_operation_id`, as ``proposalTimelockId(id)``).

The Timelock's handler projects its ``MinimumDelayChange`` and its ``Cancelled(id)``: the
cancellation of a queued proposal's operation (a canceller's veto) stamps the proposal's
canceled_* columns, so it is Canceled as ``state(id)`` says on chain. It runs after the
Governor's handler (registry order), so a proposal queued and vetoed within one batch has its
``timelock_id`` already.

The lifecycle state is derived, not stored: `state_expression` computes it from those columns
at a block and its timestamp, exactly as ``state(id)`` does on chain, so a reader at the
indexed block always sees the state "as blocks pass" without the indexer rewriting rows.

Rollback deletes the rows above the fork, clears the queue / execute / cancel stamps and
quorums above it, recomputes the vote totals of the proposals that lost votes from the
surviving ones, and restores each touched proposal's review from its latest surviving
review; un-queueing clears the ``timelock_id`` with the ETA, and the Timelock's rollback clears
the stamps of the vetoes above the fork.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, literal, or_

from indexer.decoders import Event
from indexer.decoders.governor import (
    CONTRACT,
    QUORUM_DENOMINATOR,
    SETTING_EVENTS,
    STATE_CODES,
    TIMELOCK,
    TIMELOCK_SETTING_EVENTS,
    VERDICT_FLAG,
    storable_text,
    text_hash,
    timelock_operation_id,
)
from indexer.handlers import Db
from indexer.models import GovernanceProposal

Row = tuple[Any, ...]

PROPOSAL_COLUMNS = (
    "chain_id",
    "proposal_id",
    "proposer",
    "description",
    "description_hash",
    "snapshot",
    "deadline",
    "action_count",
    "created_block",
    "created_log_index",
    "created_tx_hash",
    "created_timestamp",
    "against_votes",
    "for_votes",
    "abstain_votes",
    "voters",
)
ACTION_COLUMNS = (
    "chain_id",
    "proposal_id",
    "action_index",
    "target",
    "value",
    "signature",
    "calldata",
    "block_number",
)
VOTE_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "proposal_id",
    "voter",
    "support",
    "weight",
    "reason",
    "block_timestamp",
)
REVIEW_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "proposal_id",
    "verdict",
    "reason_hash",
    "uid",
    "block_timestamp",
)
SETTING_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "contract",
    "setting",
    "old_value",
    "new_value",
    "block_timestamp",
)

# Lifecycle event -> the column prefix it stamps on its proposal.
LIFECYCLE_EVENTS = {
    "ProposalQueued": "queued",
    "ProposalExecuted": "executed",
    "ProposalCanceled": "canceled",
}


def proposal_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """governance_proposals rows (no votes yet) of the `ProposalCreated` events among `events`."""
    return [
        (
            chain_id,
            e.args["proposalId"],
            e.args["proposer"],
            storable_text(e.args["description"]),
            text_hash(e.args["description"]),
            e.args["voteStart"],
            e.args["voteEnd"],
            len(e.args["targets"]),
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.block_timestamp,
            0,
            0,
            0,
            0,
        )
        for e in events
        if e.name == "ProposalCreated"
    ]


def action_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """governance_proposal_actions rows of the `ProposalCreated` events among `events`."""
    rows: list[Row] = []
    for e in events:
        if e.name != "ProposalCreated":
            continue
        targets, values, calldatas = e.args["targets"], e.args["values"], e.args["calldatas"]
        signatures = e.args.get("signatures") or [""] * len(targets)
        for index, target in enumerate(targets):
            rows.append(
                (
                    chain_id,
                    e.args["proposalId"],
                    index,
                    target,
                    values[index],
                    storable_text(signatures[index]),
                    calldatas[index],
                    e.block_number,
                )
            )
    return rows


def vote_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """governance_votes rows of the `VoteCast` events among `events`."""
    return [
        (
            chain_id,
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.args["proposalId"],
            e.args["voter"],
            e.args["support"],
            e.args["weight"],
            storable_text(e.args["reason"]),
            e.block_timestamp,
        )
        for e in events
        if e.name == "VoteCast"
    ]


def review_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """governance_reviews rows of the `ProposalReviewed` events among `events`."""
    return [
        (
            chain_id,
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.args["proposalId"],
            e.args["verdict"],
            e.args["reasonHash"],
            e.args["uid"],
            e.block_timestamp,
        )
        for e in events
        if e.name == "ProposalReviewed"
    ]


def setting_rows(chain_id: int, events: Sequence[Event], names: dict[str, tuple[str, str, str]]) -> list[Row]:
    """governance_setting_changes rows of the settings events (`names`: event -> setting, fields)."""
    rows: list[Row] = []
    for e in events:
        spec = names.get(e.name)
        if spec is None:
            continue
        setting, old, new = spec
        rows.append(
            (
                chain_id,
                e.block_number,
                e.log_index,
                e.tx_hash,
                e.address,
                setting,
                e.args[old],
                e.args[new],
                e.block_timestamp,
            )
        )
    return rows


def veto_rows(events: Sequence[Event]) -> list[Row]:
    """(operation id, block_number, tx_hash, block_timestamp) of the Timelock's `Cancelled` events."""
    return [
        (e.args["id"].lower(), e.block_number, e.tx_hash, e.block_timestamp)
        for e in events
        if e.name == "Cancelled"
    ]


def lifecycle_rows(events: Sequence[Event], name: str) -> list[Row]:
    """(proposal_id, eta or None, block_number, tx_hash, block_timestamp) of the `name` events."""
    return [
        (e.args["proposalId"], e.args.get("etaSeconds"), e.block_number, e.tx_hash, e.block_timestamp)
        for e in events
        if e.name == name
    ]


_RANGE = "chain_id = :chain_id AND block_number BETWEEN :lo AND :hi"

_TALLY = """
SELECT proposal_id,
       coalesce(sum(weight) FILTER (WHERE support = 0), 0) AS against_votes,
       coalesce(sum(weight) FILTER (WHERE support = 1), 0) AS for_votes,
       coalesce(sum(weight) FILTER (WHERE support = 2), 0) AS abstain_votes,
       count(*) AS voters
  FROM governance_votes WHERE {where} GROUP BY proposal_id
"""

_APPLY_VOTES = f"""
UPDATE governance_proposals AS p
   SET against_votes = p.against_votes + v.against_votes, for_votes = p.for_votes + v.for_votes,
       abstain_votes = p.abstain_votes + v.abstain_votes, voters = p.voters + v.voters
  FROM ({_TALLY.format(where=_RANGE)}) AS v
 WHERE p.chain_id = :chain_id AND p.proposal_id = v.proposal_id
"""

_OF_IDS = "chain_id = :chain_id AND proposal_id = ANY(CAST(:ids AS numeric[]))"

_RECOUNT_VOTES = f"""
UPDATE governance_proposals AS p
   SET against_votes = coalesce(v.against_votes, 0), for_votes = coalesce(v.for_votes, 0),
       abstain_votes = coalesce(v.abstain_votes, 0), voters = coalesce(v.voters, 0)
  FROM unnest(CAST(:ids AS numeric[])) AS t(proposal_id)
  LEFT JOIN ({_TALLY.format(where=_OF_IDS)}) AS v
       ON v.proposal_id = t.proposal_id
 WHERE p.chain_id = :chain_id AND p.proposal_id = t.proposal_id
"""

_LATEST_REVIEWS = """
SELECT DISTINCT ON (proposal_id) proposal_id, verdict, reason_hash, uid, block_number, log_index
  FROM governance_reviews WHERE {where}
 ORDER BY proposal_id, block_number DESC, log_index DESC
"""

_SET_REVIEWS = """
UPDATE governance_proposals AS p
   SET review_verdict = r.verdict, review_reason_hash = r.reason_hash, review_uid = r.uid,
       review_block = r.block_number, review_log_index = r.log_index
  FROM ({latest}) AS r
 WHERE p.chain_id = :chain_id AND p.proposal_id = r.proposal_id
"""

_APPLY_REVIEWS = _SET_REVIEWS.format(latest=_LATEST_REVIEWS.format(where=_RANGE))

_RESTORE_REVIEWS = _SET_REVIEWS.format(latest=_LATEST_REVIEWS.format(where=_OF_IDS))

_STAMP = """
UPDATE governance_proposals AS p
   SET {prefix}_block = s.block_number, {prefix}_tx_hash = s.tx_hash, {prefix}_timestamp = s.block_timestamp
       {extra}
  FROM unnest(CAST(:ids AS numeric[]), CAST(:etas AS bigint[]), CAST(:blocks AS bigint[]),
              CAST(:txs AS varchar[]), CAST(:stamps AS bigint[]))
       AS s(proposal_id, eta, block_number, tx_hash, block_timestamp)
 WHERE p.chain_id = :chain_id AND p.proposal_id = s.proposal_id
"""

_UNSTAMP = """
UPDATE governance_proposals
   SET {prefix}_block = NULL, {prefix}_tx_hash = NULL, {prefix}_timestamp = NULL {extra}
 WHERE chain_id = :chain_id AND {prefix}_block > :fork
"""

# quorum(snapshot) of every proposal whose snapshot block is indexed and whose quorum is unknown.
_APPLY_QUORUMS = f"""
UPDATE governance_proposals AS p
   SET quorum_numerator = q.numerator, quorum = div(q.supply * q.numerator, {QUORUM_DENOMINATOR})
  FROM (
    SELECT p2.proposal_id,
           coalesce((SELECT t.total_supply FROM token_supply AS t
                      WHERE t.chain_id = :chain_id AND t.block_number <= p2.snapshot
                      ORDER BY t.block_number DESC LIMIT 1), 0) AS supply,
           coalesce((SELECT s.new_value FROM governance_setting_changes AS s
                      WHERE s.chain_id = :chain_id AND s.setting = 'quorum_numerator'
                        AND s.block_number <= p2.snapshot
                      ORDER BY s.block_number DESC, s.log_index DESC LIMIT 1), 0) AS numerator
      FROM governance_proposals AS p2
     WHERE p2.chain_id = :chain_id AND p2.quorum IS NULL AND p2.snapshot <= :hi
  ) AS q
 WHERE p.chain_id = :chain_id AND p.proposal_id = q.proposal_id
"""


_QUEUED_ACTIONS = """
SELECT p.proposal_id, p.description_hash, a.target, a.value, a.calldata
  FROM governance_proposals AS p
  JOIN governance_proposal_actions AS a ON a.chain_id = p.chain_id AND a.proposal_id = p.proposal_id
 WHERE p.chain_id = :chain_id AND p.proposal_id = ANY(CAST(:ids AS numeric[]))
 ORDER BY p.proposal_id, a.action_index
"""

_SET_TIMELOCK_IDS = """
UPDATE governance_proposals AS p
   SET timelock_id = s.timelock_id
  FROM unnest(CAST(:ids AS numeric[]), CAST(:operations AS varchar[])) AS s(proposal_id, timelock_id)
 WHERE p.chain_id = :chain_id AND p.proposal_id = s.proposal_id
"""

# A veto stamps the queued, not executed proposal whose operation it cancels (a Timelock
# operation of no proposal -- scheduled by another proposer -- matches nothing).
_APPLY_VETOES = """
UPDATE governance_proposals AS p
   SET canceled_block = s.block_number, canceled_tx_hash = s.tx_hash, canceled_timestamp = s.block_timestamp
  FROM unnest(CAST(:operations AS varchar[]), CAST(:blocks AS bigint[]), CAST(:txs AS varchar[]),
              CAST(:stamps AS bigint[]))
       AS s(timelock_id, block_number, tx_hash, block_timestamp)
 WHERE p.chain_id = :chain_id AND p.timelock_id = s.timelock_id
   AND p.canceled_block IS NULL AND p.executed_block IS NULL
"""

# Only a queued proposal (one with a timelock_id) can be vetoed; a proposer's cancel is of a
# Pending one, never queued, so these are exactly the vetoes above the fork.
_UNSTAMP_VETOES = """
UPDATE governance_proposals
   SET canceled_block = NULL, canceled_tx_hash = NULL, canceled_timestamp = NULL
 WHERE chain_id = :chain_id AND timelock_id IS NOT NULL AND canceled_block > :fork
"""


def _set_timelock_ids(db: Db, governor: str, queued: list[Row]) -> None:
    """Stores the Timelock operation id of each proposal just queued (from its stored actions)."""
    ids = [row[0] for row in queued]
    actions: dict[int, tuple[str, list[str], list[int], list[str]]] = {}
    for proposal_id, description_hash, target, value, calldata in db.execute(_QUEUED_ACTIONS, {"ids": ids}):
        entry = actions.setdefault(int(proposal_id), (description_hash, [], [], []))
        entry[1].append(target)
        entry[2].append(int(value))
        entry[3].append(calldata)
    operations = [
        timelock_operation_id(governor, targets, values, calldatas, description_hash)
        for description_hash, targets, values, calldatas in actions.values()
    ]
    db.execute(_SET_TIMELOCK_IDS, {"ids": list(actions), "operations": operations})


def _stamp(db: Db, prefix: str, rows: list[Row]) -> None:
    ids, etas, blocks, txs, stamps = (list(column) for column in zip(*rows, strict=True))
    extra = ", eta = s.eta" if prefix == "queued" else ""
    db.execute(
        _STAMP.format(prefix=prefix, extra=extra),
        {"ids": ids, "etas": etas, "blocks": blocks, "txs": txs, "stamps": stamps},
    )


class GovernorHandler:
    """Projects AzoraGovernor events (see the module docstring)."""

    contract: str = CONTRACT
    tables: tuple[str, ...] = (
        "governance_proposals",
        "governance_proposal_actions",
        "governance_votes",
        "governance_reviews",
        "governance_setting_changes",
    )

    def apply(self, db: Db, events: Sequence[Event], from_block: int, to_block: int) -> None:
        """Write the batch's proposals, votes, reviews, lifecycle stamps and settings; fill in the
        quorum of every proposal whose snapshot block is now indexed."""
        bounds = {"lo": from_block, "hi": to_block}
        if settings := setting_rows(db.chain_id, events, SETTING_EVENTS):
            db.copy("governance_setting_changes", SETTING_COLUMNS, settings)
        if proposals := proposal_rows(db.chain_id, events):
            db.copy("governance_proposals", PROPOSAL_COLUMNS, proposals)
            db.copy("governance_proposal_actions", ACTION_COLUMNS, action_rows(db.chain_id, events))
        if votes := vote_rows(db.chain_id, events):
            db.copy("governance_votes", VOTE_COLUMNS, votes)
            db.execute(_APPLY_VOTES, bounds)
        if reviews := review_rows(db.chain_id, events):
            db.copy("governance_reviews", REVIEW_COLUMNS, reviews)
            db.execute(_APPLY_REVIEWS, bounds)
        for name, prefix in LIFECYCLE_EVENTS.items():
            if stamps := lifecycle_rows(events, name):
                _stamp(db, prefix, stamps)
                if prefix == "queued":
                    governor = next(e.address for e in events if e.name == "ProposalQueued")
                    _set_timelock_ids(db, governor, stamps)
        db.execute(_APPLY_QUORUMS, bounds)

    def rollback(self, db: Db, fork_block: int) -> None:
        """Undo every AzoraGovernor event above `fork_block`."""
        fork = {"fork": fork_block}
        above = "chain_id = :chain_id AND block_number > :fork"
        db.execute(f"DELETE FROM governance_proposal_actions WHERE {above}", fork)
        db.execute(
            "DELETE FROM governance_proposals WHERE chain_id = :chain_id AND created_block > :fork", fork
        )
        for prefix in LIFECYCLE_EVENTS.values():
            extra = ", eta = NULL, timelock_id = NULL" if prefix == "queued" else ""
            db.execute(_UNSTAMP.format(prefix=prefix, extra=extra), fork)
        db.execute(
            "UPDATE governance_proposals SET quorum = NULL, quorum_numerator = NULL"
            " WHERE chain_id = :chain_id AND snapshot > :fork",
            fork,
        )

        gone = db.execute(f"DELETE FROM governance_votes WHERE {above} RETURNING proposal_id", fork).scalars()
        if ids := sorted(set(gone)):
            db.execute(_RECOUNT_VOTES, {"ids": ids})

        db.execute(f"DELETE FROM governance_reviews WHERE {above}", fork)
        gone = db.execute(
            "UPDATE governance_proposals SET review_verdict = NULL, review_reason_hash = NULL,"
            " review_uid = NULL, review_block = NULL, review_log_index = NULL"
            " WHERE chain_id = :chain_id AND review_block > :fork RETURNING proposal_id",
            fork,
        ).scalars()
        if ids := sorted(set(gone)):
            db.execute(_RESTORE_REVIEWS, {"ids": ids})

        db.execute(
            f"DELETE FROM governance_setting_changes WHERE {above}"
            " AND setting = ANY(CAST(:names AS varchar[]))",
            {**fork, "names": [setting for setting, _, _ in SETTING_EVENTS.values()]},
        )


class TimelockHandler:
    """Projects AzoraTimelock's minimum-delay changes into governance_setting_changes and its
    cancellations of queued proposals' operations (vetoes) onto governance_proposals."""

    contract: str = TIMELOCK
    tables: tuple[str, ...] = ("governance_setting_changes",)

    def apply(self, db: Db, events: Sequence[Event], from_block: int, to_block: int) -> None:
        """Write the batch's ``MinimumDelayChange`` events; stamp the proposals whose operation
        a ``Cancelled`` event cancels."""
        if settings := setting_rows(db.chain_id, events, TIMELOCK_SETTING_EVENTS):
            db.copy("governance_setting_changes", SETTING_COLUMNS, settings)
        if vetoes := veto_rows(events):
            operations, blocks, txs, stamps = (list(column) for column in zip(*vetoes, strict=True))
            db.execute(
                _APPLY_VETOES, {"operations": operations, "blocks": blocks, "txs": txs, "stamps": stamps}
            )

    def rollback(self, db: Db, fork_block: int) -> None:
        """Undo every AzoraTimelock setting change and veto above `fork_block`."""
        db.execute(_UNSTAMP_VETOES, {"fork": fork_block})
        db.execute(
            "DELETE FROM governance_setting_changes WHERE chain_id = :chain_id AND block_number > :fork"
            " AND setting = ANY(CAST(:names AS varchar[]))",
            {"fork": fork_block, "names": [setting for setting, _, _ in TIMELOCK_SETTING_EVENTS.values()]},
        )


# --- the lifecycle state -----------------------------------------------------------------------------


def state_expression(block: int, timestamp: int, grace_period: int) -> ColumnElement[int]:
    """SQL expression: the ``state(id)`` code of a `GovernanceProposal` row in a call at `block`
    (whose timestamp is `timestamp`), with `grace_period` the Governor's grace period then.

    In the contract's order of checks (``AzoraGovernor._state``): Executed, Canceled; Pending
    while ``snapshot >= block``; Active while ``deadline >= block``; once queued, Canceled if
    its Timelock operation was cancelled (a veto), else Queued until ``eta + grace_period``
    (the grace period in force, not the one at queueing) and Expired from it; otherwise
    Succeeded if ``for > against`` -- for a flagged proposal also ``3 * for >= 2 * (for +
    against)`` -- and the quorum is reached (``quorum(snapshot) <= for + abstain``), else
    Defeated. A closed proposal's quorum is always known: its snapshot block is indexed.
    A veto stamps ``canceled_block`` like the proposer's cancel, so the one Canceled branch
    serves both: a vetoed proposal is queued, hence past its deadline and not executed, and the
    contract's checks before its veto check (Executed, Canceled, Pending, Active) fail for it.
    """
    p = GovernanceProposal
    votes_cast = p.for_votes + p.against_votes
    succeeded = and_(
        p.quorum.is_not(None),
        p.for_votes + p.abstain_votes >= p.quorum,
        p.for_votes > p.against_votes,
        or_(
            p.review_verdict.is_(None),
            p.review_verdict != VERDICT_FLAG,
            p.for_votes * 3 >= votes_cast * 2,
        ),
    )
    return case(
        (p.executed_block.is_not(None), literal(STATE_CODES["executed"])),
        (p.canceled_block.is_not(None), literal(STATE_CODES["canceled"])),
        (p.snapshot >= block, literal(STATE_CODES["pending"])),
        (p.deadline >= block, literal(STATE_CODES["active"])),
        (p.eta + grace_period <= timestamp, literal(STATE_CODES["expired"])),
        (p.eta.is_not(None), literal(STATE_CODES["queued"])),
        (succeeded, literal(STATE_CODES["succeeded"])),
        else_=literal(STATE_CODES["defeated"]),
    )


handler = GovernorHandler()
timelock_handler = TimelockHandler()
