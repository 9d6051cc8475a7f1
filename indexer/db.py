"""Database access: engine creation and programmatic Alembic migrations.

>>> from indexer.db import create_db_engine, upgrade
>>> upgrade("postgresql://postgres@127.0.0.1:5432/azora")   # schema at the latest revision
>>> engine = create_db_engine("postgresql://postgres@127.0.0.1:5432/azora")
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.pool import NullPool

from azora.db import sqlalchemy_url

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger("indexer.db")

PACKAGE_DIR = Path(__file__).resolve().parent
ALEMBIC_INI = PACKAGE_DIR / "alembic.ini"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
# The newest revision in migrations/versions (a test keeps it equal to Alembic's head). A database
# already there is not touched, which spares every start-up the Alembic import (~0.6 s).
HEAD_REVISION = "0006"


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """A SQLAlchemy engine on PostgreSQL through psycopg 3."""
    options: dict[str, Any] = {"pool_pre_ping": True, "future": True}
    options.update(kwargs)
    return create_engine(sqlalchemy_url(url), **options)


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at this package's migrations, usable from any working directory."""
    from alembic.config import Config

    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return config


def current_revision(database_url: str) -> str | None:
    """The Alembic revision of `database_url` (None for a database never migrated)."""
    engine = create_engine(sqlalchemy_url(database_url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            value = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            return None if value is None else str(value)
    except ProgrammingError:  # no alembic_version table yet
        return None
    finally:
        engine.dispose()


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema of `database_url` to `revision` (default: the latest)."""
    if revision == "head" and current_revision(database_url) == HEAD_REVISION:
        return
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)
    log.info("database migrated", extra={"revision": revision})


def downgrade(database_url: str, revision: str = "base") -> None:
    """Take the schema of `database_url` back to `revision` (default: drop every indexer table)."""
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)
