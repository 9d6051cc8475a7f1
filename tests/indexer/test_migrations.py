"""Alembic migrations: they build exactly the models' schema, from any working directory, and undo it."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from indexer.db import HEAD_REVISION, alembic_config, create_db_engine, current_revision, downgrade, upgrade
from indexer.models import Base


def test_upgrade__from_another_directory__schema_equals_models(db, tmp_path):
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        upgrade(db)
    finally:
        os.chdir(cwd)
    engine = create_db_engine(db)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_downgrade__base__drops_every_indexer_table(db):
    upgrade(db)
    downgrade(db, "base")
    engine = create_db_engine(db)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert tables <= {"alembic_version"}


def test_head_revision__constant__is_alembic_head(db):
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config(db)).get_current_head() == HEAD_REVISION
    assert current_revision(db) is None
    upgrade(db)
    assert current_revision(db) == HEAD_REVISION
