"""Oracle submissions: attestations on their way to the hub, the relayer's transactions, and the
education intake's completions (models in oracles/models.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UINT256 = sa.Numeric(78, 0)
ADDRESS = sa.String(42)
HASH = sa.String(66)


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "oracle_submissions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("uid", HASH, nullable=False),
        sa.Column("domain", sa.String(16), nullable=False),
        sa.Column("schema", HASH, nullable=False),
        sa.Column("subject", ADDRESS, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("epoch", sa.BigInteger(), nullable=True),
        sa.Column("deadline", sa.BigInteger(), nullable=True),
        sa.Column("digest", HASH, nullable=True),
        sa.Column("signatures", sa.LargeBinary(), nullable=True),
        sa.Column("sign_rounds", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("relayer", ADDRESS, nullable=True),
        sa.Column("nonce", sa.BigInteger(), nullable=True),
        sa.Column("tx_attempts", sa.Integer(), nullable=False),
        sa.Column("tx_hash", HASH, nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
        sa.Column("reason_code", sa.SmallInteger(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(
            "status IN ('queued', 'signed', 'sent', 'confirmed', 'failed')",
            name=op.f("ck_oracle_submissions_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oracle_submissions")),
        sa.UniqueConstraint("chain_id", "uid", name=op.f("uq_oracle_submissions_chain_id_uid")),
    )
    op.create_index(
        op.f("ix_oracle_submissions_chain_id_status_id"), "oracle_submissions", ["chain_id", "status", "id"]
    )
    op.create_index(
        op.f("ix_oracle_submissions_chain_id_relayer_nonce"),
        "oracle_submissions",
        ["chain_id", "relayer", "nonce"],
    )

    op.create_table(
        "oracle_transactions",
        sa.Column("tx_hash", HASH, nullable=False),
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("relayer", ADDRESS, nullable=False),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("gas", sa.BigInteger(), nullable=False),
        sa.Column("max_fee_per_gas", UINT256, nullable=False),
        sa.Column("max_priority_fee_per_gas", UINT256, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("broadcast_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("receipt_status", sa.SmallInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(
            "status IN ('pending', 'mined', 'replaced', 'dropped')",
            name=op.f("ck_oracle_transactions_status"),
        ),
        sa.PrimaryKeyConstraint("tx_hash", name=op.f("pk_oracle_transactions")),
    )
    op.create_index(
        op.f("ix_oracle_transactions_chain_id_relayer_nonce"),
        "oracle_transactions",
        ["chain_id", "relayer", "nonce"],
    )
    op.create_index(
        op.f("ix_oracle_transactions_chain_id_relayer_status"),
        "oracle_transactions",
        ["chain_id", "relayer", "status"],
    )

    op.create_table(
        "oracle_education_completions",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("completion_id", sa.String(128), nullable=False),
        sa.Column("uid", HASH, nullable=False),
        sa.Column("learner", ADDRESS, nullable=False),
        sa.Column("course_id", UINT256, nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("difficulty", sa.SmallInteger(), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["chain_id", "uid"],
            ["oracle_submissions.chain_id", "oracle_submissions.uid"],
            name=op.f("fk_oracle_education_completions_chain_id_oracle_submissions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "chain_id", "platform", "completion_id", name=op.f("pk_oracle_education_completions")
        ),
        sa.UniqueConstraint("chain_id", "uid", name=op.f("uq_oracle_education_completions_chain_id_uid")),
        sa.UniqueConstraint(
            "chain_id",
            "learner",
            "course_id",
            name=op.f("uq_oracle_education_completions_chain_id_learner_course_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("oracle_education_completions")
    op.drop_table("oracle_transactions")
    op.drop_table("oracle_submissions")
