"""OracleHub, ProofOfKnowledge and Credentials projections: attestations, rejections, schema
routes, signer sets, rewards, epoch budgets, parameters and credentials (models in
indexer/models.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UINT256 = sa.Numeric(78, 0)
ADDRESS = sa.String(42, collation="C")
HASH = sa.String(66)
SIGNERS = sa.ARRAY(sa.String(42))


def _big(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _event_key() -> list[sa.Column[int]]:
    """(chain_id, block_number, log_index): the position of a log on the chain."""
    return [_big("chain_id"), _big("block_number"), _int("log_index")]


def _event_pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("chain_id", "block_number", "log_index", name=op.f(f"pk_{table}"))


def _index(table: str, *columns: str) -> None:
    op.create_index(op.f(f"ix_{table}_{'_'.join(columns)}"), table, list(columns))


def upgrade() -> None:
    # OracleHub
    op.create_table(
        "oracle_attestations",
        _big("chain_id"),
        sa.Column("uid", HASH, nullable=False),
        sa.Column("schema", HASH, nullable=False),
        sa.Column("subject", ADDRESS, nullable=False),
        sa.Column("data_hash", HASH, nullable=False),
        sa.Column("relayer", ADDRESS, nullable=False),
        _big("block_number"),
        _int("log_index"),
        sa.Column("tx_hash", HASH, nullable=False),
        _big("block_timestamp"),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        _big("revoked_block", nullable=True),
        _int("revoked_log_index", nullable=True),
        sa.Column("revoked_tx_hash", HASH, nullable=True),
        _big("revoked_timestamp", nullable=True),
        sa.PrimaryKeyConstraint("chain_id", "uid", name=op.f("pk_oracle_attestations")),
    )
    _index("oracle_attestations", "chain_id", "block_number", "log_index")
    _index("oracle_attestations", "chain_id", "schema", "block_number", "log_index")
    _index("oracle_attestations", "chain_id", "subject", "block_number", "log_index")
    op.create_table(
        "oracle_rejections",
        *_event_key(),
        sa.Column("tx_hash", HASH, nullable=False),
        sa.Column("schema", HASH, nullable=False),
        sa.Column("uid", HASH, nullable=False),
        sa.Column("reason", sa.SmallInteger(), nullable=False),
        _big("block_timestamp"),
        _event_pk("oracle_rejections"),
    )
    _index("oracle_rejections", "chain_id", "uid")
    op.create_table(
        "oracle_schema_changes",
        *_event_key(),
        sa.Column("tx_hash", HASH, nullable=False),
        sa.Column("schema", HASH, nullable=False),
        sa.Column("domain", HASH, nullable=False),
        sa.Column("consumer", ADDRESS, nullable=False),
        sa.Column("revocable", sa.Boolean(), nullable=False),
        _big("block_timestamp"),
        _event_pk("oracle_schema_changes"),
    )
    _index("oracle_schema_changes", "chain_id", "schema", "block_number")
    op.create_table(
        "oracle_schemas",
        _big("chain_id"),
        sa.Column("schema", HASH, nullable=False),
        sa.Column("domain", HASH, nullable=False),
        sa.Column("consumer", ADDRESS, nullable=False),
        sa.Column("revocable", sa.Boolean(), nullable=False),
        _big("block_number"),
        _int("log_index"),
        sa.PrimaryKeyConstraint("chain_id", "schema", name=op.f("pk_oracle_schemas")),
    )
    _index("oracle_schemas", "chain_id", "domain")
    op.create_table(
        "oracle_signer_set_changes",
        *_event_key(),
        sa.Column("tx_hash", HASH, nullable=False),
        sa.Column("domain", HASH, nullable=False),
        _big("epoch"),
        _int("threshold"),
        sa.Column("signers", SIGNERS, nullable=False),
        _big("block_timestamp"),
        _event_pk("oracle_signer_set_changes"),
    )
    _index("oracle_signer_set_changes", "chain_id", "domain", "block_number")
    op.create_table(
        "oracle_signer_sets",
        _big("chain_id"),
        sa.Column("domain", HASH, nullable=False),
        _big("epoch"),
        _int("threshold"),
        sa.Column("signers", SIGNERS, nullable=False),
        _big("block_number"),
        _int("log_index"),
        sa.Column("tx_hash", HASH, nullable=False),
        _big("block_timestamp"),
        sa.PrimaryKeyConstraint("chain_id", "domain", name=op.f("pk_oracle_signer_sets")),
    )

    # ProofOfKnowledge
    op.create_table(
        "pok_rewards",
        *_event_key(),
        sa.Column("tx_hash", HASH, nullable=False),
        sa.Column("learner", ADDRESS, nullable=False),
        sa.Column("course_id", UINT256, nullable=False),
        sa.Column("uid", HASH, nullable=False),
        sa.Column("reward", UINT256, nullable=False),
        sa.Column("ubuntu_share", UINT256, nullable=False),
        _big("epoch"),
        _big("block_timestamp"),
        _event_pk("pok_rewards"),
    )
    _index("pok_rewards", "chain_id", "learner", "block_number", "log_index")
    _index("pok_rewards", "chain_id", "uid")
    _index("pok_rewards", "chain_id", "epoch")
    op.create_table(
        "pok_epochs",
        _big("chain_id"),
        _big("epoch"),
        _big("completions"),
        sa.Column("rewards", UINT256, nullable=False),
        sa.Column("ubuntu_shares", UINT256, nullable=False),
        sa.Column("minted", UINT256, nullable=False),
        _big("first_block"),
        _big("last_block"),
        sa.PrimaryKeyConstraint("chain_id", "epoch", name=op.f("pk_pok_epochs")),
    )
    op.create_table(
        "pok_parameter_changes",
        *_event_key(),
        sa.Column("tx_hash", HASH, nullable=False),
        sa.Column("parameter", sa.String(16), nullable=False),
        sa.Column("treasury", ADDRESS, nullable=True),
        sa.Column("daily_cap", UINT256, nullable=True),
        sa.Column("epoch_budget", UINT256, nullable=True),
        _big("block_timestamp"),
        _event_pk("pok_parameter_changes"),
    )

    # Credentials
    op.create_table(
        "credentials",
        _big("chain_id"),
        sa.Column("token_id", UINT256, nullable=False),
        sa.Column("learner", ADDRESS, nullable=False),
        sa.Column("course_id", UINT256, nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("difficulty", sa.SmallInteger(), nullable=False),
        _big("issued_block"),
        _int("issued_log_index"),
        sa.Column("issued_tx_hash", HASH, nullable=False),
        _big("issued_timestamp"),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        _big("revoked_block", nullable=True),
        _int("revoked_log_index", nullable=True),
        sa.Column("revoked_tx_hash", HASH, nullable=True),
        _big("revoked_timestamp", nullable=True),
        sa.PrimaryKeyConstraint("chain_id", "token_id", name=op.f("pk_credentials")),
    )
    _index("credentials", "chain_id", "learner", "issued_block", "issued_log_index")


def downgrade() -> None:
    for table in (
        "credentials",
        "pok_parameter_changes",
        "pok_epochs",
        "pok_rewards",
        "oracle_signer_sets",
        "oracle_signer_set_changes",
        "oracle_schemas",
        "oracle_schema_changes",
        "oracle_rejections",
        "oracle_attestations",
    ):
        op.drop_table(table)
