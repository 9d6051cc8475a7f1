"""PostgreSQL for the indexer benchmarks: a fresh database per run, created and dropped.

`DatabaseServer` uses the server of ``DATABASE_URL`` when it is set (connecting to the
database the URL names only to run ``CREATE DATABASE`` / ``DROP DATABASE``; no table of it
is read or written), else an embedded PostgreSQL from the ``pgserver`` pip package
(`azora.services.EmbeddedPostgres`) in a temporary directory.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from azora.services import EmbeddedPostgres
from indexer.db import sqlalchemy_url

DATABASE_PREFIX = "azora_bench_"


class DatabaseServer:
    """Where the benchmark databases live; use it as a context manager."""

    def __init__(self, database_url: str | None, workdir: Path) -> None:
        self._configured = database_url
        self._workdir = workdir
        self._embedded: EmbeddedPostgres | None = None
        self._admin: Engine | None = None
        self.admin_url = ""

    @property
    def description(self) -> str:
        """Which server, for the report (no credentials)."""
        if self._embedded is not None:
            return "embedded pgserver"
        url = make_url(self.admin_url)
        return f"PostgreSQL at {url.host or 'local socket'}:{url.port or 5432} (DATABASE_URL)"

    def __enter__(self) -> DatabaseServer:
        if self._configured:
            self.admin_url = sqlalchemy_url(self._configured)
        else:
            self._embedded = EmbeddedPostgres(self._workdir / "pgdata").start()
            self.admin_url = self._embedded.url
        self._admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._admin is not None:
            self._admin.dispose()
            self._admin = None
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None

    def server_version(self) -> str:
        with self._engine().connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar())

    @contextmanager
    def fresh_database(self, tag: str) -> Iterator[str]:
        """A new empty database (its SQLAlchemy URL), dropped on exit whatever happened."""
        name = f"{DATABASE_PREFIX}{tag}_{os.getpid()}_{secrets.token_hex(3)}"
        with self._engine().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with self._engine().connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def _engine(self) -> Engine:
        if self._admin is None:
            raise RuntimeError("DatabaseServer is not started (use it as a context manager)")
        return self._admin
