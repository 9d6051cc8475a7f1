"""The Timelock operation id of each queued proposal (``governance_proposals.timelock_id``), so
that a security-council veto (AzoraTimelock ``Cancelled(id)``) cancels its proposal in the index
as ``state(id)`` does on chain (model in indexer/models.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH = sa.String(66)


def upgrade() -> None:
    op.add_column("governance_proposals", sa.Column("timelock_id", HASH, nullable=True))
    op.create_index(
        op.f("ix_governance_proposals_chain_id_timelock_id"),
        "governance_proposals",
        ["chain_id", "timelock_id"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_governance_proposals_chain_id_timelock_id"), table_name="governance_proposals")
    op.drop_column("governance_proposals", "timelock_id")
