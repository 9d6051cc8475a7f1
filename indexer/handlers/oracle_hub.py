"""OracleHub projection: attestations (+ revocations), batch rejections, schema routes and
signer sets.

Pure part: `attestation_rows`, `revocation_rows`, `rejection_rows`, `schema_rows` and
`signer_set_rows` turn decoded events into table rows. SQL part: rows are COPYed;
revocations flag their attestations with one ``UPDATE … FROM unnest(…)``; the current schema
routes and signer sets are derived from the batch's history rows with one ``DISTINCT ON``
upsert each. Rollback deletes the rows above the fork, clears revocations above it, and
restores the current schema routes / signer sets from the latest surviving history row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from indexer.decoders import Event
from indexer.decoders.oracle_hub import CONTRACT
from indexer.handlers import Db

Row = tuple[Any, ...]

ATTESTATION_COLUMNS = (
    "chain_id",
    "uid",
    "schema",
    "subject",
    "data_hash",
    "relayer",
    "block_number",
    "log_index",
    "tx_hash",
    "block_timestamp",
    "revoked",
)
REJECTION_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "schema",
    "uid",
    "reason",
    "block_timestamp",
)
SCHEMA_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "schema",
    "domain",
    "consumer",
    "revocable",
    "block_timestamp",
)
SIGNER_SET_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "tx_hash",
    "domain",
    "epoch",
    "threshold",
    "signers",
    "block_timestamp",
)


def attestation_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """oracle_attestations rows (not revoked) of the `Attested` events among `events`."""
    return [
        (
            chain_id,
            e.args["uid"],
            e.args["schema"],
            e.args["subject"],
            e.args["data_hash"],
            e.args["relayer"],
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.block_timestamp,
            False,
        )
        for e in events
        if e.name == "Attested"
    ]


def revocation_rows(events: Sequence[Event]) -> list[Row]:
    """(uid, block_number, log_index, tx_hash, block_timestamp) of the `Revoked` events."""
    return [
        (e.args["uid"], e.block_number, e.log_index, e.tx_hash, e.block_timestamp)
        for e in events
        if e.name == "Revoked"
    ]


def rejection_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """oracle_rejections rows of the `AttestationRejected` events among `events`."""
    return [
        (
            chain_id,
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.args["schema"],
            e.args["uid"],
            e.args["reason"],
            e.block_timestamp,
        )
        for e in events
        if e.name == "AttestationRejected"
    ]


def schema_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """oracle_schema_changes rows of the `SchemaRegistered` events among `events`."""
    return [
        (
            chain_id,
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.args["schema"],
            e.args["domain"],
            e.args["consumer"],
            e.args["revocable"],
            e.block_timestamp,
        )
        for e in events
        if e.name == "SchemaRegistered"
    ]


def signer_set_rows(chain_id: int, events: Sequence[Event]) -> list[Row]:
    """oracle_signer_set_changes rows of the `SignersChanged` events among `events`."""
    return [
        (
            chain_id,
            e.block_number,
            e.log_index,
            e.tx_hash,
            e.args["domain"],
            e.args["epoch"],
            e.args["threshold"],
            [signer.lower() for signer in e.args["signers"]],
            e.block_timestamp,
        )
        for e in events
        if e.name == "SignersChanged"
    ]


_RANGE = "chain_id = :chain_id AND block_number BETWEEN :lo AND :hi"

_REVOKE = """
UPDATE oracle_attestations AS a
   SET revoked = true, revoked_block = r.block_number, revoked_log_index = r.log_index,
       revoked_tx_hash = r.tx_hash, revoked_timestamp = r.block_timestamp
  FROM unnest(CAST(:uids AS varchar[]), CAST(:blocks AS bigint[]), CAST(:logs AS integer[]),
              CAST(:txs AS varchar[]), CAST(:stamps AS bigint[]))
       AS r(uid, block_number, log_index, tx_hash, block_timestamp)
 WHERE a.chain_id = :chain_id AND a.uid = r.uid
"""

_APPLY_SCHEMAS = f"""
INSERT INTO oracle_schemas (chain_id, schema, domain, consumer, revocable, block_number, log_index)
SELECT DISTINCT ON (schema) chain_id, schema, domain, consumer, revocable, block_number, log_index
  FROM oracle_schema_changes WHERE {_RANGE}
 ORDER BY schema, block_number DESC, log_index DESC
ON CONFLICT (chain_id, schema) DO UPDATE
   SET domain = EXCLUDED.domain, consumer = EXCLUDED.consumer, revocable = EXCLUDED.revocable,
       block_number = EXCLUDED.block_number, log_index = EXCLUDED.log_index
"""

_RESTORE_SCHEMAS = """
INSERT INTO oracle_schemas (chain_id, schema, domain, consumer, revocable, block_number, log_index)
SELECT DISTINCT ON (schema) chain_id, schema, domain, consumer, revocable, block_number, log_index
  FROM oracle_schema_changes
 WHERE chain_id = :chain_id AND schema = ANY(CAST(:keys AS varchar[]))
 ORDER BY schema, block_number DESC, log_index DESC
"""

_SIGNER_SET_FIELDS = (
    "chain_id, domain, epoch, threshold, signers, block_number, log_index, tx_hash, block_timestamp"
)

_APPLY_SIGNER_SETS = f"""
INSERT INTO oracle_signer_sets ({_SIGNER_SET_FIELDS})
SELECT DISTINCT ON (domain) {_SIGNER_SET_FIELDS}
  FROM oracle_signer_set_changes WHERE {_RANGE}
 ORDER BY domain, block_number DESC, log_index DESC
ON CONFLICT (chain_id, domain) DO UPDATE
   SET epoch = EXCLUDED.epoch, threshold = EXCLUDED.threshold, signers = EXCLUDED.signers,
       block_number = EXCLUDED.block_number, log_index = EXCLUDED.log_index,
       tx_hash = EXCLUDED.tx_hash, block_timestamp = EXCLUDED.block_timestamp
"""

_RESTORE_SIGNER_SETS = f"""
INSERT INTO oracle_signer_sets ({_SIGNER_SET_FIELDS})
SELECT DISTINCT ON (domain) {_SIGNER_SET_FIELDS}
  FROM oracle_signer_set_changes
 WHERE chain_id = :chain_id AND domain = ANY(CAST(:keys AS varchar[]))
 ORDER BY domain, block_number DESC, log_index DESC
"""

_UNREVOKE = """
UPDATE oracle_attestations
   SET revoked = false, revoked_block = NULL, revoked_log_index = NULL, revoked_tx_hash = NULL,
       revoked_timestamp = NULL
 WHERE chain_id = :chain_id AND revoked_block > :fork
"""


class OracleHubHandler:
    """Projects OracleHub events (see the module docstring)."""

    contract: str = CONTRACT
    tables: tuple[str, ...] = (
        "oracle_attestations",
        "oracle_rejections",
        "oracle_schema_changes",
        "oracle_schemas",
        "oracle_signer_set_changes",
        "oracle_signer_sets",
    )

    def apply(self, db: Db, events: Sequence[Event], from_block: int, to_block: int) -> None:
        """Write the batch's attestations, revocations, rejections, schema routes and signer sets."""
        bounds = {"lo": from_block, "hi": to_block}
        if schemas := schema_rows(db.chain_id, events):
            db.copy("oracle_schema_changes", SCHEMA_COLUMNS, schemas)
            db.execute(_APPLY_SCHEMAS, bounds)
        if signer_sets := signer_set_rows(db.chain_id, events):
            db.copy("oracle_signer_set_changes", SIGNER_SET_COLUMNS, signer_sets)
            db.execute(_APPLY_SIGNER_SETS, bounds)
        if attestations := attestation_rows(db.chain_id, events):
            db.copy("oracle_attestations", ATTESTATION_COLUMNS, attestations)
        if revocations := revocation_rows(events):
            uids, blocks, logs, txs, stamps = (list(column) for column in zip(*revocations, strict=True))
            db.execute(_REVOKE, {"uids": uids, "blocks": blocks, "logs": logs, "txs": txs, "stamps": stamps})
        if rejections := rejection_rows(db.chain_id, events):
            db.copy("oracle_rejections", REJECTION_COLUMNS, rejections)

    def rollback(self, db: Db, fork_block: int) -> None:
        """Undo every OracleHub event above `fork_block`."""
        fork = {"fork": fork_block}
        above = "chain_id = :chain_id AND block_number > :fork"
        db.execute(f"DELETE FROM oracle_rejections WHERE {above}", fork)
        db.execute(_UNREVOKE, fork)
        db.execute(f"DELETE FROM oracle_attestations WHERE {above}", fork)

        db.execute(f"DELETE FROM oracle_signer_set_changes WHERE {above}", fork)
        gone = db.execute(f"DELETE FROM oracle_signer_sets WHERE {above} RETURNING domain", fork).scalars()
        if domains := list(gone):
            db.execute(_RESTORE_SIGNER_SETS, {"keys": domains})

        db.execute(f"DELETE FROM oracle_schema_changes WHERE {above}", fork)
        gone = db.execute(f"DELETE FROM oracle_schemas WHERE {above} RETURNING schema", fork).scalars()
        if schemas := list(gone):
            db.execute(_RESTORE_SCHEMAS, {"keys": schemas})


handler = OracleHubHandler()
