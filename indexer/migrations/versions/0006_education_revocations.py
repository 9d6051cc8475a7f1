"""Credential revocations requested by education platforms (``oracle_education_revocations``):
one per completion, with the platform's statement of why; its submission carries the
``CredentialRevoked`` attestation (model in oracles/models.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH = sa.String(66)


def upgrade() -> None:
    op.create_table(
        "oracle_education_revocations",
        sa.Column("chain_id", sa.BigInteger(), nullable=False),
        sa.Column("completion_uid", HASH, nullable=False),
        sa.Column("uid", HASH, nullable=False),
        sa.Column("platform", sa.String(64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["chain_id", "uid"],
            ["oracle_submissions.chain_id", "oracle_submissions.uid"],
            name=op.f("fk_oracle_education_revocations_chain_id_oracle_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["chain_id", "completion_uid"],
            ["oracle_education_completions.chain_id", "oracle_education_completions.uid"],
            name=op.f("fk_oracle_education_revocations_chain_id_oracle_education_completions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chain_id", "completion_uid", name=op.f("pk_oracle_education_revocations")),
        sa.UniqueConstraint("chain_id", "uid", name=op.f("uq_oracle_education_revocations_chain_id_uid")),
    )


def downgrade() -> None:
    op.drop_table("oracle_education_revocations")
