"""Initial schema: sync state, block window, raw logs, AzoraToken and Ledger projections.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UINT256 = sa.Numeric(78, 0)
ADDRESS = sa.String(42, collation="C")
HASH = sa.String(66)


def _big(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def _event_key() -> list[sa.Column[int]]:
    """(chain_id, block_number, log_index): the position of a log on the chain."""
    return [_big("chain_id"), _big("block_number"), sa.Column("log_index", sa.Integer(), nullable=False)]


def _now() -> sa.Column[object]:
    return sa.Column(
        "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "sync_cursors",
        _big("chain_id"),
        _big("start_block"),
        _big("last_block"),
        sa.Column("last_block_hash", HASH, nullable=True),
        _big("head_block"),
        _big("final_block"),
        _big("published_block"),
        _big("pending_reorg_block", nullable=True),
        sa.Column("addresses", sa.Text(), nullable=False),
        _now(),
        sa.PrimaryKeyConstraint("chain_id", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "blocks",
        _big("chain_id"),
        _big("number"),
        sa.Column("hash", HASH, nullable=False),
        sa.Column("parent_hash", HASH, nullable=False),
        _big("timestamp"),
        sa.PrimaryKeyConstraint("chain_id", "number", name=op.f("pk_blocks")),
    )
    op.create_table(
        "raw_logs",
        *_event_key(),
        sa.Column("block_hash", HASH, nullable=False),
        sa.Column("tx_hash", HASH, nullable=False),
        sa.Column("tx_index", sa.Integer(), nullable=False),
        sa.Column("address", ADDRESS, nullable=False),
        sa.Column("topic0", HASH, nullable=True),
        sa.Column("topic1", HASH, nullable=True),
        sa.Column("topic2", HASH, nullable=True),
        sa.Column("topic3", HASH, nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        _big("block_timestamp"),
        sa.PrimaryKeyConstraint("chain_id", "block_number", "log_index", name=op.f("pk_raw_logs")),
    )

    # AzoraToken
    op.create_table(
        "token_transfers",
        *_event_key(),
        sa.Column("tx_hash", HASH, nullable=False),
        sa.Column("from_address", ADDRESS, nullable=False),
        sa.Column("to_address", ADDRESS, nullable=False),
        sa.Column("amount", UINT256, nullable=False),
        _big("block_timestamp"),
        sa.PrimaryKeyConstraint("chain_id", "block_number", "log_index", name=op.f("pk_token_transfers")),
    )
    op.create_index(
        op.f("ix_token_transfers_chain_id_from_address_block_number"),
        "token_transfers",
        ["chain_id", "from_address", "block_number"],
    )
    op.create_index(
        op.f("ix_token_transfers_chain_id_to_address_block_number"),
        "token_transfers",
        ["chain_id", "to_address", "block_number"],
    )
    op.create_table(
        "token_balances",
        _big("chain_id"),
        sa.Column("account", ADDRESS, nullable=False),
        sa.Column("balance", UINT256, nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "account", name=op.f("pk_token_balances")),
    )
    op.create_table(
        "token_supply",
        _big("chain_id"),
        _big("block_number"),
        sa.Column("total_supply", UINT256, nullable=False),
        sa.Column("minted", UINT256, nullable=False),
        sa.Column("burned", UINT256, nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "block_number", name=op.f("pk_token_supply")),
    )
    op.create_table(
        "token_delegation_changes",
        *_event_key(),
        sa.Column("tx_hash", HASH, nullable=False),
        sa.Column("delegator", ADDRESS, nullable=False),
        sa.Column("from_delegate", ADDRESS, nullable=False),
        sa.Column("to_delegate", ADDRESS, nullable=False),
        _big("block_timestamp"),
        sa.PrimaryKeyConstraint(
            "chain_id", "block_number", "log_index", name=op.f("pk_token_delegation_changes")
        ),
    )
    op.create_index(
        op.f("ix_token_delegation_changes_chain_id_delegator_block_number"),
        "token_delegation_changes",
        ["chain_id", "delegator", "block_number"],
    )
    op.create_table(
        "token_delegations",
        _big("chain_id"),
        sa.Column("delegator", ADDRESS, nullable=False),
        sa.Column("delegate", ADDRESS, nullable=False),
        _big("block_number"),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "delegator", name=op.f("pk_token_delegations")),
    )
    op.create_index(
        op.f("ix_token_delegations_chain_id_delegate"), "token_delegations", ["chain_id", "delegate"]
    )
    op.create_table(
        "token_votes_history",
        *_event_key(),
        sa.Column("tx_hash", HASH, nullable=False),
        sa.Column("delegate", ADDRESS, nullable=False),
        sa.Column("previous_votes", UINT256, nullable=False),
        sa.Column("new_votes", UINT256, nullable=False),
        _big("block_timestamp"),
        sa.PrimaryKeyConstraint("chain_id", "block_number", "log_index", name=op.f("pk_token_votes_history")),
    )
    op.create_index(
        op.f("ix_token_votes_history_chain_id_delegate_block_number"),
        "token_votes_history",
        ["chain_id", "delegate", "block_number"],
    )
    op.create_table(
        "token_votes",
        _big("chain_id"),
        sa.Column("delegate", ADDRESS, nullable=False),
        sa.Column("votes", UINT256, nullable=False),
        _big("block_number"),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chain_id", "delegate", name=op.f("pk_token_votes")),
    )

    # Ledger
    op.create_table(
        "ledger_entries",
        _big("chain_id"),
        _big("entry_index"),
        sa.Column("kind", HASH, nullable=False),
        sa.Column("kind_name", sa.String(32), nullable=True),
        sa.Column("account", ADDRESS, nullable=False),
        sa.Column("amount", UINT256, nullable=False),
        sa.Column("ref", HASH, nullable=False),
        sa.Column("head", HASH, nullable=False),
        _big("block_number"),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tx_hash", HASH, nullable=False),
        _big("block_timestamp"),
        sa.PrimaryKeyConstraint("chain_id", "entry_index", name=op.f("pk_ledger_entries")),
    )
    op.create_index(
        op.f("ix_ledger_entries_chain_id_account_entry_index"),
        "ledger_entries",
        ["chain_id", "account", "entry_index"],
    )
    op.create_index(
        op.f("ix_ledger_entries_chain_id_kind_name_entry_index"),
        "ledger_entries",
        ["chain_id", "kind_name", "entry_index"],
    )
    op.create_index(
        op.f("ix_ledger_entries_chain_id_block_number_log_index"),
        "ledger_entries",
        ["chain_id", "block_number", "log_index"],
    )
    op.create_table(
        "ledger_status",
        _big("chain_id"),
        _big("entry_count"),
        _big("verified_count"),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("verified_head", HASH, nullable=False),
        sa.Column("latest_head", HASH, nullable=False),
        _big("first_mismatch", nullable=True),
        _big("checked_block"),
        _now(),
        sa.PrimaryKeyConstraint("chain_id", name=op.f("pk_ledger_status")),
    )


def downgrade() -> None:
    for table in (
        "ledger_status",
        "ledger_entries",
        "token_votes",
        "token_votes_history",
        "token_delegations",
        "token_delegation_changes",
        "token_supply",
        "token_balances",
        "token_transfers",
        "raw_logs",
        "blocks",
        "sync_cursors",
    ):
        op.drop_table(table)
