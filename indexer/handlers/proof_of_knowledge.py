"""ProofOfKnowledge projection: rewards, per-epoch budget use and the parameter history.

Pure part: `reward_rows` turns ``RewardPaid`` events into rows; `parameter_rows` folds the
parameter events (``TreasuryChanged``, ``DailyCapChanged``, ``EpochBudgetChanged``) over the
last stored configuration into one row per event holding all three parameters after it.
SQL part: rows are COPYed and the batch's rewards are added to ``pok_epochs`` with one
``INSERT … SELECT … GROUP BY epoch ON CONFLICT DO UPDATE``. Rollback deletes the rows
above the fork and recomputes the touched epochs from the surviving rewards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from indexer.decoders import Event
from indexer.decoders.proof_of_knowledge import CONTRACT, PARAMETER_EVENTS
from indexer.handlers import Db

Row = tuple[Any, ...]

REWARD_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "learner",
    "course_id",
    "uid",
    "reward",
    "ubuntu_share",
    "epoch",
    "block_timestamp",
)
PARAMETER_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "parameter",
    "treasury",
    "daily_cap",
    "epoch_budget",
    "block_timestamp",
)


@dataclass(frozen=True)
class Parameters:
    """ProofOfKnowledge's configuration (None: its event not indexed yet)."""

    treasury: str | None = None
    daily_cap: int | None = None
    epoch_budget: int | None = None


def reward_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """pok_rewards rows of the `RewardPaid` events among `events`."""
    return [
        (
            chain_id,
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.args["learner"],
            e.args["courseId"],
            e.args["uid"],
            e.args["reward"],
            e.args["ubuntu_share"],
            e.args["epoch"],
            e.block_timestamp,
        )
        for e in events
        if e.name == "RewardPaid"
    ]


def parameter_rows(chain_id: int, current: Parameters, events: Sequence[Event]) -> list[Row]:
    """pok_parameter_changes rows of the parameter events among `events` (in chain order),
    each with the whole configuration after it, starting from `current`."""
    rows: list[Row] = []
    for e in events:
        parameter = PARAMETER_EVENTS.get(e.name)
        if parameter is None:
            continue
        current = replace(current, **{parameter: e.args["current"]})
        rows.append(
            (
                chain_id,
                e.block_number,
                e.log_index,
                e.tx_hash,
                parameter,
                current.treasury,
                current.daily_cap,
                current.epoch_budget,
                e.block_timestamp,
            )
        )
    return rows


_LOAD_PARAMETERS = """
SELECT treasury, daily_cap, epoch_budget FROM pok_parameter_changes WHERE chain_id = :chain_id
 ORDER BY block_number DESC, log_index DESC LIMIT 1
"""


def load_parameters(db: Db) -> Parameters:
    """The configuration after the last indexed parameter event (all None before the first)."""
    row = db.execute(_LOAD_PARAMETERS).first()
    if row is None:
        return Parameters()
    return Parameters(
        treasury=row.treasury,
        daily_cap=None if row.daily_cap is None else int(row.daily_cap),
        epoch_budget=None if row.epoch_budget is None else int(row.epoch_budget),
    )


_EPOCH_AGGREGATE = """
SELECT chain_id, epoch, count(*), sum(reward), sum(ubuntu_share), sum(reward + ubuntu_share),
       min(block_number), max(block_number)
  FROM pok_rewards WHERE {where} GROUP BY chain_id, epoch
"""

_EPOCH_COLUMNS = "chain_id, epoch, completions, rewards, ubuntu_shares, minted, first_block, last_block"

_APPLY_EPOCHS = f"""
INSERT INTO pok_epochs ({_EPOCH_COLUMNS})
{_EPOCH_AGGREGATE.format(where="chain_id = :chain_id AND block_number BETWEEN :lo AND :hi")}
ON CONFLICT (chain_id, epoch) DO UPDATE SET
    completions = pok_epochs.completions + EXCLUDED.completions,
    rewards = pok_epochs.rewards + EXCLUDED.rewards,
    ubuntu_shares = pok_epochs.ubuntu_shares + EXCLUDED.ubuntu_shares,
    minted = pok_epochs.minted + EXCLUDED.minted,
    first_block = LEAST(pok_epochs.first_block, EXCLUDED.first_block),
    last_block = GREATEST(pok_epochs.last_block, EXCLUDED.last_block)
"""

_DELETE_EPOCHS = """
DELETE FROM pok_epochs WHERE chain_id = :chain_id AND epoch = ANY(CAST(:epochs AS bigint[]))
"""

_RECOMPUTE_EPOCHS = f"""
INSERT INTO pok_epochs ({_EPOCH_COLUMNS})
{_EPOCH_AGGREGATE.format(where="chain_id = :chain_id AND epoch = ANY(CAST(:epochs AS bigint[]))")}
"""


class ProofOfKnowledgeHandler:
    """Projects ProofOfKnowledge events (see the module docstring)."""

    contract: str = CONTRACT
    tables: tuple[str, ...] = ("pok_rewards", "pok_epochs", "pok_parameter_changes")

    def apply(self, db: Db, events: Sequence[Event], from_block: int, to_block: int) -> None:
        """Write the batch's rewards and parameter changes; add the rewards to their epochs."""
        if rewards := reward_rows(db.chain_id, events):
            db.copy("pok_rewards", REWARD_COLUMNS, rewards)
            db.execute(_APPLY_EPOCHS, {"lo": from_block, "hi": to_block})
        if any(e.name in PARAMETER_EVENTS for e in events):
            rows = parameter_rows(db.chain_id, load_parameters(db), events)
            db.copy("pok_parameter_changes", PARAMETER_COLUMNS, rows)

    def rollback(self, db: Db, fork_block: int) -> None:
        """Undo every ProofOfKnowledge event above `fork_block`."""
        fork = {"fork": fork_block}
        gone = db.execute(
            "DELETE FROM pok_rewards WHERE chain_id = :chain_id AND block_number > :fork RETURNING epoch",
            fork,
        ).scalars()
        if epochs := sorted(set(gone)):
            db.execute(_DELETE_EPOCHS, {"epochs": epochs})
            db.execute(_RECOMPUTE_EPOCHS, {"epochs": epochs})
        db.execute(
            "DELETE FROM pok_parameter_changes WHERE chain_id = :chain_id AND block_number > :fork", fork
        )


handler = ProofOfKnowledgeHandler()
