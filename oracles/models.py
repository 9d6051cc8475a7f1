"""The oracle services' PostgreSQL tables, on the indexer's declarative `Base` (one schema, one
Alembic history: ``indexer/migrations/versions/0002_oracle_submissions.py`` creates them).

* `OracleSubmission`: one attestation on its way to the hub, keyed by ``(chain_id, uid)``.
  Its ``status`` moves ``queued -> signed -> sent -> confirmed | failed`` (see
  `oracles.relay` for every transition). It is written before anything is enqueued,
  so a restart loses nothing. A **deferred** submission (its consumer refused it until a
  period ends, e.g. ProofOfKnowledge's daily cap) is stored as ``queued`` with no signing
  round (``digest`` NULL), the deferral's name in ``reason`` and, in ``deadline``, the chain
  time at which it is signed again (`is_deferred`, `public_status`); the API reports it as
  ``deferred``.
* `OracleTransaction`: every transaction the relayer signed, written *before* it is
  broadcast (a crash between the two is healed by rebroadcasting the same raw bytes).
  Attempts sharing ``(relayer, nonce)`` are replacements of one another; exactly one of them
  can be mined.
* `EducationCompletion`: the education intake's record of a platform's completion
  (the platform's id, the learner, the course), unique per completion and per
  (learner, course).
* `EducationRevocation`: a platform's request to revoke the credential of one of its confirmed
  completions, with its statement of why (kept off-chain, served by the API); its submission
  carries a ``CredentialRevoked`` attestation. At most one per completion
  (``indexer/migrations/versions/0006_education_revocations.py``).

Conventions are the indexer's: lowercase ``0x`` addresses and hashes, uint256 as NUMERIC(78, 0).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from indexer.models import ADDRESS_LENGTH, HASH_LENGTH, Base, Uint256

QUEUED = "queued"
SIGNED = "signed"
SENT = "sent"
CONFIRMED = "confirmed"
FAILED = "failed"
SUBMISSION_STATUSES = (QUEUED, SIGNED, SENT, CONFIRMED, FAILED)
OPEN_STATUSES = (QUEUED, SIGNED, SENT)
# Not a stored status: a queued submission waiting for its retry time (see the module docstring).
DEFERRED = "deferred"

TX_PENDING = "pending"
TX_MINED = "mined"
TX_REPLACED = "replaced"
TX_DROPPED = "dropped"
TX_STATUSES = (TX_PENDING, TX_MINED, TX_REPLACED, TX_DROPPED)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def _updated() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), onupdate=func.now())


class OracleSubmission(Base):
    """One attestation: what is attested, its signatures, the transaction carrying it, its outcome."""

    __tablename__ = "oracle_submissions"
    __table_args__ = (
        UniqueConstraint("chain_id", "uid"),
        CheckConstraint(_in("status", SUBMISSION_STATUSES), name="status"),
        Index(None, "chain_id", "status", "id"),
        Index(None, "chain_id", "relayer", "nonce"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[str] = mapped_column(String(HASH_LENGTH))
    # Oracle domain name (EDUCATION, ...) and bytes32 schema id.
    domain: Mapped[str] = mapped_column(String(16))
    schema: Mapped[str] = mapped_column(String(HASH_LENGTH))
    subject: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    # The attestation being signed: epoch and deadline of the current signing round, its digest.
    # Deferred (queued, digest NULL): `deadline` is the chain time at which to sign again.
    epoch: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    deadline: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    digest: Mapped[str | None] = mapped_column(String(HASH_LENGTH), nullable=True)
    # Packed `threshold` signatures once collected (status signed and later).
    signatures: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sign_rounds: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The nonce slot of the transaction(s) carrying it (status sent), and how many sends failed.
    relayer: Mapped[str | None] = mapped_column(String(ADDRESS_LENGTH), nullable=True)
    nonce: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tx_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The latest transaction (while sent) or the one that applied it (confirmed).
    tx_hash: Mapped[str | None] = mapped_column(String(HASH_LENGTH), nullable=True)
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Why it failed: the hub's reason name (e.g. CONSUMER_REJECTED) and code, with details.
    reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason_code: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class OracleTransaction(Base):
    """One signed transaction of a relayer (an original send or a replacement of the same nonce)."""

    __tablename__ = "oracle_transactions"
    __table_args__ = (
        CheckConstraint(_in("status", TX_STATUSES), name="status"),
        Index(None, "chain_id", "relayer", "nonce"),
        Index(None, "chain_id", "relayer", "status"),
    )

    tx_hash: Mapped[str] = mapped_column(String(HASH_LENGTH), primary_key=True)
    chain_id: Mapped[int] = mapped_column(BigInteger)
    relayer: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    nonce: Mapped[int] = mapped_column(BigInteger)
    # submit or submit_batch, and how many attestations it carries.
    method: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    gas: Mapped[int] = mapped_column(BigInteger)
    max_fee_per_gas: Mapped[int] = mapped_column(Uint256)
    max_priority_fee_per_gas: Mapped[int] = mapped_column(Uint256)
    status: Mapped[str] = mapped_column(String(16), default=TX_PENDING)
    # Last time the node accepted it (None: recorded, never accepted yet).
    broadcast_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    block_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    receipt_status: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class EducationCompletion(Base):
    """A course completion reported by an education platform (the intake's record)."""

    __tablename__ = "oracle_education_completions"
    __table_args__ = (
        UniqueConstraint("chain_id", "uid"),
        UniqueConstraint("chain_id", "learner", "course_id"),
        ForeignKeyConstraint(
            ["chain_id", "uid"], ["oracle_submissions.chain_id", "oracle_submissions.uid"], ondelete="CASCADE"
        ),
    )

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    platform: Mapped[str] = mapped_column(String(64), primary_key=True)
    completion_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    uid: Mapped[str] = mapped_column(String(HASH_LENGTH))
    learner: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    course_id: Mapped[int] = mapped_column(Uint256)
    score: Mapped[int] = mapped_column(SmallInteger)
    difficulty: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = _created()


def is_deferred(row: OracleSubmission) -> bool:
    """Whether `row` waits for a later period (queued, no signing round, a retry time)."""
    return row.status == QUEUED and row.digest is None and row.deadline is not None


def public_status(row: OracleSubmission) -> str:
    """The status the API reports: the stored one, or ``deferred``."""
    return DEFERRED if is_deferred(row) else row.status


def retry_at(row: OracleSubmission) -> int | None:
    """The chain time (unix seconds) at which a deferred submission is signed again."""
    return int(row.deadline) if is_deferred(row) and row.deadline is not None else None


class EducationRevocation(Base):
    """A platform's revocation of a completion's credential (the intake's record)."""

    __tablename__ = "oracle_education_revocations"
    __table_args__ = (
        UniqueConstraint("chain_id", "uid"),
        ForeignKeyConstraint(
            ["chain_id", "uid"], ["oracle_submissions.chain_id", "oracle_submissions.uid"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["chain_id", "completion_uid"],
            ["oracle_education_completions.chain_id", "oracle_education_completions.uid"],
            ondelete="CASCADE",
        ),
    )

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    completion_uid: Mapped[str] = mapped_column(String(HASH_LENGTH), primary_key=True)
    uid: Mapped[str] = mapped_column(String(HASH_LENGTH))
    platform: Mapped[str] = mapped_column(String(64))
    statement: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
