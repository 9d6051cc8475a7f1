"""Credentials projection: one row per credential ever issued, flagged when revoked.

Pure part: `issued_rows` and `revocation_rows` turn decoded events into rows. SQL part:
issued credentials are COPYed, revocations flag them with one ``UPDATE … FROM unnest(…)``.
Rollback deletes credentials issued above the fork and clears revocations above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from indexer.decoders import Event
from indexer.decoders.credentials import CONTRACT
from indexer.handlers import Db

Row = tuple[Any, ...]

CREDENTIAL_COLUMNS = (
    "chain_id",
    "token_id",
    "learner",
    "course_id",
    "score",
    "difficulty",
    "issued_block",
    "issued_log_index",
    "issued_tx_hash",
    "issued_timestamp",
    "revoked",
)


def issued_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """credentials rows (live) of the `CredentialIssued` events among `events`."""
    return [
        (
            chain_id,
            e.args["token_id"],
            e.args["learner"],
            e.args["course_id"],
            e.args["score"],
            e.args["difficulty"],
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.block_timestamp,
            False,
        )
        for e in events
        if e.name == "CredentialIssued"
    ]


def revocation_rows(events: Sequence[Event]) -> list[Row]:
    """(token_id, block_number, log_index, tx_hash, block_timestamp) of the `CredentialRevoked` events."""
    return [
        (e.args["token_id"], e.block_number, e.log_index, e.tx_hash, e.block_timestamp)
        for e in events
        if e.name == "CredentialRevoked"
    ]


_REVOKE = """
UPDATE credentials AS c
   SET revoked = true, revoked_block = r.block_number, revoked_log_index = r.log_index,
       revoked_tx_hash = r.tx_hash, revoked_timestamp = r.block_timestamp
  FROM unnest(CAST(:tokens AS numeric[]), CAST(:blocks AS bigint[]), CAST(:logs AS integer[]),
              CAST(:txs AS varchar[]), CAST(:stamps AS bigint[]))
       AS r(token_id, block_number, log_index, tx_hash, block_timestamp)
 WHERE c.chain_id = :chain_id AND c.token_id = r.token_id
"""

_UNREVOKE = """
UPDATE credentials
   SET revoked = false, revoked_block = NULL, revoked_log_index = NULL, revoked_tx_hash = NULL,
       revoked_timestamp = NULL
 WHERE chain_id = :chain_id AND revoked_block > :fork
"""


class CredentialsHandler:
    """Projects Credentials events (see the module docstring)."""

    contract: str = CONTRACT
    tables: tuple[str, ...] = ("credentials",)

    def apply(self, db: Db, events: Sequence[Event], from_block: int, to_block: int) -> None:
        """Write the batch's issued credentials, then flag the revoked ones."""
        if issued := issued_rows(db.chain_id, events):
            db.copy("credentials", CREDENTIAL_COLUMNS, issued)
        if revocations := revocation_rows(events):
            tokens, blocks, logs, txs, stamps = (list(column) for column in zip(*revocations, strict=True))
            db.execute(
                _REVOKE, {"tokens": tokens, "blocks": blocks, "logs": logs, "txs": txs, "stamps": stamps}
            )

    def rollback(self, db: Db, fork_block: int) -> None:
        """Undo every Credentials event above `fork_block`."""
        fork = {"fork": fork_block}
        db.execute(_UNREVOKE, fork)
        db.execute("DELETE FROM credentials WHERE chain_id = :chain_id AND issued_block > :fork", fork)


handler = CredentialsHandler()
