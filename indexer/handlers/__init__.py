"""Projections: one module per domain, each a pure mapping from decoded events to row
changes plus the SQL that applies and rolls back those changes.

Every handler module exposes a `Handler` object with

* ``contract`` -- the manifest name of the contract whose events it projects;
* ``tables`` -- the tables it owns (cleared on ``--reindex``);
* ``apply(db, events, from_block, to_block)`` -- write the projection of one batch
  (``events`` is every decoded event of ``contract`` in [from_block, to_block], in
  chain order). Writes are set-based: COPY for event rows, then one SQL statement per
  aggregate, never one round trip per event;
* ``rollback(db, fork_block)`` -- undo everything above ``fork_block`` (a reorg), leaving
  the tables exactly as a fresh index up to ``fork_block`` would.

Both run inside the sync loop's transaction, which also moves the cursor, so a crash
never leaves a projection half-applied.

Adding a contract (Governor, Treasury...) means: a decoder module, a handler
module here, an entry in `indexer.registry`, a migration for its tables, and API routes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, text

from indexer.decoders import Event

ZERO_ADDRESS = "0x" + "0" * 40


class Db:
    """The sync loop's connection, inside its open transaction, with bulk helpers."""

    def __init__(self, connection: Connection, chain_id: int) -> None:
        self.connection = connection
        self.chain_id = chain_id

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        """Run one SQL statement; ``:chain_id`` is always bound."""
        return self.connection.execute(text(sql), {"chain_id": self.chain_id, **(params or {})})

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Bulk-load `rows` into `table` with COPY FROM STDIN (psycopg 3). Returns the row count."""
        driver = self.connection.connection.driver_connection
        count = 0
        with driver.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count

    def delete_chain(self, tables: Iterable[str]) -> None:
        """Delete this chain's rows from `tables`."""
        for table in tables:
            self.execute(f"DELETE FROM {table} WHERE chain_id = :chain_id")


class Handler(Protocol):
    """A projection of one contract's events (see the module docstring)."""

    contract: str
    tables: tuple[str, ...]

    def apply(self, db: Db, events: Sequence[Event], from_block: int, to_block: int) -> None: ...

    def rollback(self, db: Db, fork_block: int) -> None: ...
