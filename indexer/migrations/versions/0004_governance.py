"""AzoraGovernor + AzoraTimelock projections (proposals, actions, votes, reviews, settings history)
and the ethics oracle's off-chain review reasons (models in indexer/models.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UINT256 = sa.Numeric(78, 0)
ADDRESS = sa.String(42, collation="C")
HASH = sa.String(66)


def _big(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _hash(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, HASH, nullable=nullable)


def _uint(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, UINT256, nullable=nullable)


def _event_key() -> list[sa.Column[int]]:
    """(chain_id, block_number, log_index): the position of a log on the chain."""
    return [_big("chain_id"), _big("block_number"), _int("log_index")]


def _event_pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("chain_id", "block_number", "log_index", name=op.f(f"pk_{table}"))


def _index(table: str, *columns: str, unique: bool = False) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns), unique=unique)


def upgrade() -> None:
    op.create_table(
        "governance_proposals",
        _big("chain_id"),
        _uint("proposal_id"),
        sa.Column("proposer", ADDRESS, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        _hash("description_hash"),
        _big("snapshot"),
        _big("deadline"),
        _int("action_count"),
        _big("created_block"),
        _int("created_log_index"),
        _hash("created_tx_hash"),
        _big("created_timestamp"),
        _uint("against_votes"),
        _uint("for_votes"),
        _uint("abstain_votes"),
        _int("voters"),
        _uint("quorum", nullable=True),
        _uint("quorum_numerator", nullable=True),
        sa.Column("review_verdict", sa.SmallInteger(), nullable=True),
        _hash("review_reason_hash", nullable=True),
        _hash("review_uid", nullable=True),
        _big("review_block", nullable=True),
        _int("review_log_index", nullable=True),
        _big("eta", nullable=True),
        _big("queued_block", nullable=True),
        _hash("queued_tx_hash", nullable=True),
        _big("queued_timestamp", nullable=True),
        _big("executed_block", nullable=True),
        _hash("executed_tx_hash", nullable=True),
        _big("executed_timestamp", nullable=True),
        _big("canceled_block", nullable=True),
        _hash("canceled_tx_hash", nullable=True),
        _big("canceled_timestamp", nullable=True),
        sa.PrimaryKeyConstraint("chain_id", "proposal_id", name=op.f("pk_governance_proposals")),
    )
    _index("governance_proposals", "chain_id", "created_block", "created_log_index")
    _index("governance_proposals", "chain_id", "proposer", "created_block", "created_log_index")
    op.create_table(
        "governance_proposal_actions",
        _big("chain_id"),
        _uint("proposal_id"),
        _int("action_index"),
        sa.Column("target", ADDRESS, nullable=False),
        _uint("value"),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("calldata", sa.Text(), nullable=False),
        _big("block_number"),
        sa.PrimaryKeyConstraint(
            "chain_id", "proposal_id", "action_index", name=op.f("pk_governance_proposal_actions")
        ),
    )
    op.create_table(
        "governance_votes",
        *_event_key(),
        _hash("tx_hash"),
        _uint("proposal_id"),
        sa.Column("voter", ADDRESS, nullable=False),
        sa.Column("support", sa.SmallInteger(), nullable=False),
        _uint("weight"),
        sa.Column("reason", sa.Text(), nullable=False),
        _big("block_timestamp"),
        _event_pk("governance_votes"),
    )
    _index("governance_votes", "chain_id", "proposal_id", "voter", unique=True)
    _index("governance_votes", "chain_id", "proposal_id", "block_number", "log_index")
    _index("governance_votes", "chain_id", "voter", "block_number", "log_index")
    op.create_table(
        "governance_reviews",
        *_event_key(),
        _hash("tx_hash"),
        _uint("proposal_id"),
        sa.Column("verdict", sa.SmallInteger(), nullable=False),
        _hash("reason_hash"),
        _hash("uid"),
        _big("block_timestamp"),
        _event_pk("governance_reviews"),
    )
    _index("governance_reviews", "chain_id", "proposal_id", "block_number", "log_index")
    op.create_table(
        "governance_setting_changes",
        *_event_key(),
        _hash("tx_hash"),
        sa.Column("contract", ADDRESS, nullable=False),
        sa.Column("setting", sa.String(24), nullable=False),
        _uint("old_value"),
        _uint("new_value"),
        _big("block_timestamp"),
        _event_pk("governance_setting_changes"),
    )
    _index("governance_setting_changes", "chain_id", "setting", "block_number", "log_index")

    # Off chain: written by the ethics oracle.
    op.create_table(
        "ethics_reviews",
        _big("chain_id"),
        _uint("proposal_id"),
        sa.Column("reason_hash", sa.Text(), nullable=False),
        sa.Column("verdict", sa.SmallInteger(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(), nullable=False),
        sa.Column("constitution_version", sa.Text(), nullable=False),
        sa.Column("evaluator", sa.Text(), nullable=False),
        sa.Column("uid", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "proposal_id", "reason_hash", name=op.f("pk_ethics_reviews")),
    )


def downgrade() -> None:
    for table in (
        "ethics_reviews",
        "governance_setting_changes",
        "governance_reviews",
        "governance_votes",
        "governance_proposal_actions",
        "governance_proposals",
    ):
        op.drop_table(table)
