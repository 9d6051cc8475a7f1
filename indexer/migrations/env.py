"""Alembic environment of the indexer schema (online mode; offline renders SQL)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

from indexer.db import sqlalchemy_url
from indexer.models import Base
from oracles import models as _oracle_models  # noqa: F401  (the oracle tables share Base.metadata)

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "INDEXER_DATABASE_URL", os.environ.get("DATABASE_URL", "")
    )
    if not url:
        raise RuntimeError("no database URL: set INDEXER_DATABASE_URL or DATABASE_URL")
    return sqlalchemy_url(url)


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
