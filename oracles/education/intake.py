"""The education intake: authenticated platforms report course completions.

Authentication (HMAC, one shared secret per platform, from ORACLE_EDUCATION_PLATFORMS =
``{"platform": "secret"}``)::

    X-Azora-Platform:  <platform>
    X-Azora-Signature: sha256=<hex HMAC-SHA256(secret, raw request body)>

The signature covers the exact bytes sent. A replayed request is harmless: the completion's
uid is ``keccak(platform, completion id)`` (`completion_uid`), so it is answered 409 with the
status of the first one, and can never mint twice.

A completion is stored (status queued) in PostgreSQL first, in one transaction with its
submission; only then is the submitter asked for a tick. Were that request lost (Redis down,
crash), the stored row is still picked up by the worker's next tick or its start-up requeue.

`submit_many` stores a batch (`POST .../completions:batch`, up to `MAX_BATCH_ITEMS`) the
same way, in one transaction, with one tick requested for the whole batch.

`revoke` asks for the credential of one of the platform's confirmed completions to be burned:
it stores the platform's statement of why and a submission carrying a ``CredentialRevoked``
attestation (uid `revocation_uid`, so one per completion), signed and sent like a completion.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import redis
from celery import Celery
from eth_utils import to_checksum_address
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from azora.manifest import load_manifest
from oracles.education.schema import (
    COURSE_COMPLETED,
    CREDENTIAL_REVOKED,
    DOMAIN,
    completion_uid,
    encode_course_completed,
    encode_credential_revoked,
    revocation_uid,
)
from oracles.exceptions import CompletionNotConfirmedError, UnknownCompletionError
from oracles.models import (
    CONFIRMED,
    EducationCompletion,
    EducationRevocation,
    OracleSubmission,
    public_status,
    retry_at,
)
from oracles.settings import OracleSettings
from oracles.store import new_submission
from oracles.submitter import enqueue_tick, make_celery

log = logging.getLogger("oracles.education.intake")

PLATFORM_HEADER = "X-Azora-Platform"
SIGNATURE_HEADER = "X-Azora-Signature"
SIGNATURE_SCHEME = "sha256="
MAX_BODY_BYTES = 16_384
# A batch: at most this many completions, in at most this many bytes.
MAX_BATCH_ITEMS = 500
MAX_BATCH_BODY_BYTES = 262_144
_ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
ZERO_ADDRESS = "0x" + "00" * 20


def sign_body(secret: str, body: bytes) -> str:
    """The X-Azora-Signature value of `body` (what a platform sends)."""
    return SIGNATURE_SCHEME + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(
    settings: OracleSettings, platform: str | None, signature: str | None, body: bytes
) -> bool:
    """True when `signature` is the HMAC of `body` with `platform`'s secret (constant-time compare)."""
    if not platform or not signature:
        return False
    secret = settings.education_platforms.get(platform)
    if secret is None:
        hmac.compare_digest(signature, sign_body("unknown-platform", body))  # same work either way
        return False
    expected = sign_body(secret.get_secret_value(), body)
    given = signature if signature.startswith(SIGNATURE_SCHEME) else SIGNATURE_SCHEME + signature
    return hmac.compare_digest(given.lower().encode(), expected.encode())


def _uint256(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a uint256")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or not 0 <= value < 2**256:
        raise ValueError("expected an integer in 0..2**256-1 (a JSON number or a decimal string)")
    return value


class CompletionIn(BaseModel):
    """A course completion as a platform reports it."""

    model_config = ConfigDict(extra="forbid", strict=False)

    completion_id: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[\x21-\x7e]+$",
        description="The platform's own id of this completion (printable ASCII, no spaces); with the "
        "platform it determines the attestation uid, so a retry can never mint twice.",
        examples=["c-2026-000123"],
    )
    learner: str = Field(
        description="The learner's wallet address (any case).",
        examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
    )
    course_id: Annotated[int, BeforeValidator(_uint256)] = Field(
        description="uint256 course id (a JSON number or a decimal string).", examples=[101]
    )
    score: int = Field(
        ge=0, le=100, strict=True, description="Score 0..100; below 70 is refused.", examples=[85]
    )
    difficulty: int = Field(
        ge=1, le=4, strict=True, description="1 (x1), 2 (x1.5), 3 (x2), 4 (x3).", examples=[2]
    )

    @field_validator("learner")
    @classmethod
    def _address(cls, value: str) -> str:
        if _ADDRESS_RE.match(value) is None:
            raise ValueError("not an address; expected 0x followed by 40 hex digits")
        if value.lower() == ZERO_ADDRESS:
            raise ValueError("the zero address cannot earn a credential")
        return value.lower()


class RevocationIn(BaseModel):
    """A platform's request to revoke the credential earned by one of its completions."""

    model_config = ConfigDict(extra="forbid")

    statement: str = Field(
        min_length=1,
        max_length=2000,
        description="Why the credential is revoked (e.g. a finding of plagiarism); stored off-chain and "
        "served with the revocation.",
        examples=["final exam plagiarised (case 2026-77)"],
    )

    @field_validator("statement")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the statement is blank")
        return value.strip()


@dataclass(frozen=True)
class CompletionRecord:
    """A stored completion with the status of its submission."""

    uid: str
    chain_id: int
    platform: str
    completion_id: str
    learner: str
    course_id: int
    score: int
    difficulty: int
    status: str
    tx_hash: str | None
    block_number: int | None
    reason: str | None
    detail: str | None
    created_at: datetime
    updated_at: datetime
    # Deferred only: the chain time (unix seconds) at which it is signed and sent again.
    retry_at: int | None = None

    @property
    def learner_checksum(self) -> str:
        return to_checksum_address(self.learner)


@dataclass(frozen=True)
class RevocationRecord:
    """A stored revocation with the status of its submission."""

    uid: str
    chain_id: int
    completion_uid: str
    platform: str
    learner: str
    course_id: int
    statement: str
    status: str
    tx_hash: str | None
    block_number: int | None
    reason: str | None
    detail: str | None
    created_at: datetime
    updated_at: datetime


def _progress(submission: OracleSubmission) -> dict[str, Any]:
    """A record's fields that follow its submission: status, transaction, failure reason."""
    return {
        "status": public_status(submission),
        "tx_hash": submission.tx_hash,
        "block_number": submission.block_number,
        "reason": submission.reason,
        "detail": submission.detail,
        "updated_at": submission.updated_at,
    }


class IntakeService:
    """Stores completions (async SQLAlchemy, its own read-write engine) and kicks the submitter."""

    def __init__(self, settings: OracleSettings, *, database_url: str, chain_id: int | None = None) -> None:
        self.settings = settings
        self.chain_id = chain_id if chain_id is not None else load_manifest(settings.manifest_path).chain_id
        self.engine: AsyncEngine = create_async_engine(
            database_url, pool_size=5, max_overflow=5, pool_pre_ping=True, connect_args={"connect_timeout": 5}
        )
        self.sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self.celery: Celery = make_celery(settings)
        self._redis = (
            redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
            if settings.redis_url
            else None
        )

    async def close(self) -> None:
        await self.engine.dispose()
        self.celery.close()
        if self._redis is not None:
            self._redis.close()

    def _query(self) -> Any:
        return select(EducationCompletion, OracleSubmission).join(
            OracleSubmission,
            (OracleSubmission.chain_id == EducationCompletion.chain_id)
            & (OracleSubmission.uid == EducationCompletion.uid),
        )

    @staticmethod
    def _record(completion: EducationCompletion, submission: OracleSubmission) -> CompletionRecord:
        return CompletionRecord(
            uid=submission.uid,
            chain_id=submission.chain_id,
            platform=completion.platform,
            completion_id=completion.completion_id,
            learner=completion.learner,
            course_id=int(completion.course_id),
            score=completion.score,
            difficulty=completion.difficulty,
            created_at=completion.created_at,
            retry_at=retry_at(submission),
            **_progress(submission),
        )

    async def _existing(
        self, session: AsyncSession, platform: str, payload: CompletionIn
    ) -> CompletionRecord | None:
        query = self._query().where(
            EducationCompletion.chain_id == self.chain_id,
            or_(
                (EducationCompletion.platform == platform)
                & (EducationCompletion.completion_id == payload.completion_id),
                (EducationCompletion.learner == payload.learner)
                & (EducationCompletion.course_id == payload.course_id),
            ),
        )
        row = (await session.execute(query.limit(1))).first()
        return None if row is None else self._record(row[0], row[1])

    def _rows(self, platform: str, payload: CompletionIn) -> tuple[OracleSubmission, EducationCompletion]:
        """The submission (queued) and completion rows of a new completion."""
        submission = new_submission(
            chain_id=self.chain_id,
            uid=completion_uid(platform, payload.completion_id),
            domain=DOMAIN,
            schema=COURSE_COMPLETED,
            subject=payload.learner,
            data=encode_course_completed(payload.course_id, payload.score, payload.difficulty),
        )
        completion = EducationCompletion(
            chain_id=self.chain_id,
            platform=platform,
            completion_id=payload.completion_id,
            uid=submission.uid,
            learner=payload.learner,
            course_id=payload.course_id,
            score=payload.score,
            difficulty=payload.difficulty,
        )
        return submission, completion

    async def submit(self, platform: str, payload: CompletionIn) -> tuple[CompletionRecord, bool]:
        """Store the completion (queued); returns (record, True), or (the existing record, False)
        for a duplicate (same platform and completion id, or same learner and course)."""
        async with self.sessions() as session:
            # Inserted straight away: the unique keys (the uid, derived from platform and completion
            # id; learner + course) refuse a duplicate, which is then read back. A new completion,
            # the common case, costs no look-up first.
            submission, completion = self._rows(platform, payload)
            try:
                session.add(submission)
                await session.flush()
                session.add(completion)
                await session.commit()
            except IntegrityError:  # a duplicate: stored earlier, or by a concurrent request
                await session.rollback()
                if (existing := await self._existing(session, platform, payload)) is not None:
                    return existing, False
                raise
            log.info(
                "completion stored",
                extra={"uid": submission.uid, "platform": platform, "completion_id": payload.completion_id},
            )
            # The INSERTs returned the server defaults (created_at, updated_at): no read back.
            return self._record(completion, submission), True

    async def submit_many(
        self, platform: str, payloads: Sequence[CompletionIn]
    ) -> list[tuple[CompletionRecord, bool]]:
        """Store a batch of completions (queued) in one transaction; per item, in order, what
        `submit` would answer: (record, True) when stored, (the earlier record, False) when it
        repeats one already stored or one earlier in the batch."""
        if not payloads:
            return []
        # Each item's first occurrence in the batch (same completion id, or same learner + course).
        first: list[int] = []
        by_id: dict[str, int] = {}
        by_pair: dict[tuple[str, int], int] = {}
        for i, payload in enumerate(payloads):
            pair = (payload.learner, payload.course_id)
            j = by_id.get(payload.completion_id, by_pair.get(pair, i))
            by_id.setdefault(payload.completion_id, j)
            by_pair.setdefault(pair, j)
            first.append(j)
        leaders = sorted(set(first))
        async with self.sessions() as session:
            stored = await self._existing_many(session, platform, [payloads[i] for i in leaders])
            found: dict[int, str] = {}  # leader -> uid of the completion already stored
            for i in leaders:
                payload = payloads[i]
                uid = stored.get(payload.completion_id) or stored.get((payload.learner, payload.course_id))
                if uid is not None:
                    found[i] = uid
            new = [i for i in leaders if i not in found]
            rows = [self._rows(platform, payloads[i]) for i in new]
            try:
                session.add_all([submission for submission, _ in rows])
                await session.flush()
                session.add_all([completion for _, completion in rows])
                await session.commit()
            except IntegrityError:  # a concurrent request stored some of them: item by item
                await session.rollback()
                return [await self.submit(platform, payload) for payload in payloads]
        created = {i: submission.uid for i, (submission, _) in zip(new, rows, strict=True)}
        records = await self.read_many([*created.values(), *found.values()])
        if new:
            log.info("completions stored", extra={"platform": platform, "count": len(new)})
        out = []
        for i, j in enumerate(first):
            uid = created.get(j) or found[j]
            out.append((records[uid], i == j and j in created))
        return out

    async def _existing_many(
        self, session: AsyncSession, platform: str, payloads: Sequence[CompletionIn]
    ) -> dict[Any, str]:
        """Stored completions matching `payloads`: completion id -> uid and (learner, course) -> uid."""
        ids = [payload.completion_id for payload in payloads]
        pairs = [(payload.learner, payload.course_id) for payload in payloads]
        query = select(
            EducationCompletion.platform,
            EducationCompletion.completion_id,
            EducationCompletion.learner,
            EducationCompletion.course_id,
            EducationCompletion.uid,
        ).where(
            EducationCompletion.chain_id == self.chain_id,
            or_(
                and_(EducationCompletion.platform == platform, EducationCompletion.completion_id.in_(ids)),
                tuple_(EducationCompletion.learner, EducationCompletion.course_id).in_(pairs),
            ),
        )
        out: dict[Any, str] = {}
        for row_platform, completion_id, learner, course_id, uid in (await session.execute(query)).all():
            if row_platform == platform:
                out[completion_id] = uid
            out[(learner, int(course_id))] = uid
        return out

    async def read_many(self, uids: Sequence[str]) -> dict[str, CompletionRecord]:
        """The completions whose attestation uids are `uids`, by uid (unknown ones left out)."""
        if not uids:
            return {}
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    self._query().where(
                        EducationCompletion.chain_id == self.chain_id, EducationCompletion.uid.in_(list(uids))
                    )
                )
            ).all()
        return {row[1].uid: self._record(row[0], row[1]) for row in rows}

    async def read(self, uid: str) -> CompletionRecord | None:
        """The completion whose attestation uid is `uid` (0x + 64 hex, lowercase)."""
        async with self.sessions() as session:
            row = (
                await session.execute(
                    self._query().where(
                        EducationCompletion.chain_id == self.chain_id, EducationCompletion.uid == uid
                    )
                )
            ).first()
        return None if row is None else self._record(row[0], row[1])

    async def revoke(
        self, platform: str, completion: str, payload: RevocationIn
    ) -> tuple[RevocationRecord, bool]:
        """Store the revocation (queued) of the credential earned by `platform`'s confirmed completion
        `completion` (its uid); returns (record, True), or (the existing record, False) when one was
        already requested. UnknownCompletionError when `platform` reported no such completion,
        NotRevocableError when it is not confirmed (no credential on chain yet)."""
        async with self.sessions() as session:
            row = (
                await session.execute(
                    self._query().where(
                        EducationCompletion.chain_id == self.chain_id,
                        EducationCompletion.uid == completion,
                        EducationCompletion.platform == platform,
                    )
                )
            ).first()
            if row is None:
                raise UnknownCompletionError(
                    f"platform {platform} reported no completion with id {completion}"
                )
            reported, carrier = row[0], row[1]
            if (existing := await self._revocation(session, completion)) is not None:
                return existing, False
            if carrier.status != CONFIRMED:
                status = public_status(carrier)
                raise CompletionNotConfirmedError(
                    f"completion {completion} is {status}: only a confirmed completion has a credential "
                    "on chain to revoke",
                    status,
                )
            submission = new_submission(
                chain_id=self.chain_id,
                uid=revocation_uid(bytes.fromhex(completion[2:])),
                domain=DOMAIN,
                schema=CREDENTIAL_REVOKED,
                subject=reported.learner,
                # The credential's token id is its completion's attestation uid.
                data=encode_credential_revoked(int(completion, 16)),
            )
            revocation = EducationRevocation(
                chain_id=self.chain_id,
                completion_uid=completion,
                uid=submission.uid,
                platform=platform,
                statement=payload.statement,
            )
            try:
                session.add(submission)
                await session.flush()
                session.add(revocation)
                await session.commit()
            except IntegrityError:  # a concurrent request stored it first
                await session.rollback()
                if (existing := await self._revocation(session, completion)) is not None:
                    return existing, False
                raise
            log.info("revocation stored", extra={"uid": submission.uid, "completion": completion})
            # The INSERTs returned the server defaults (created_at, updated_at): no read back.
            return self._revocation_record(revocation, submission, reported), True

    def _revocation_query(self) -> Any:
        return (
            select(EducationRevocation, OracleSubmission, EducationCompletion)
            .join(
                OracleSubmission,
                (OracleSubmission.chain_id == EducationRevocation.chain_id)
                & (OracleSubmission.uid == EducationRevocation.uid),
            )
            .join(
                EducationCompletion,
                (EducationCompletion.chain_id == EducationRevocation.chain_id)
                & (EducationCompletion.uid == EducationRevocation.completion_uid),
            )
        )

    async def _revocation(self, session: AsyncSession, completion: str) -> RevocationRecord | None:
        query = self._revocation_query().where(
            EducationRevocation.chain_id == self.chain_id, EducationRevocation.completion_uid == completion
        )
        row = (await session.execute(query)).first()
        return None if row is None else self._revocation_record(row[0], row[1], row[2])

    @staticmethod
    def _revocation_record(
        revocation: EducationRevocation, submission: OracleSubmission, reported: EducationCompletion
    ) -> RevocationRecord:
        return RevocationRecord(
            uid=submission.uid,
            chain_id=submission.chain_id,
            completion_uid=revocation.completion_uid,
            platform=revocation.platform,
            learner=reported.learner,
            course_id=int(reported.course_id),
            statement=revocation.statement,
            created_at=revocation.created_at,
            **_progress(submission),
        )

    async def read_revocation(self, completion: str) -> RevocationRecord | None:
        """The revocation of the credential of completion `completion` (its uid), if one was asked for."""
        async with self.sessions() as session:
            return await self._revocation(session, completion)

    def enqueue(self) -> bool:
        """Ask the submitter for a tick; False (logged) if Redis is unreachable: the stored row is
        picked up by the worker's next tick or its start-up requeue anyway."""
        if self._redis is None:
            log.warning("no ORACLE_REDIS_URL / REDIS_URL: the completion waits for the worker's next tick")
            return False
        try:
            enqueue_tick(self._redis, self.celery, self.settings)
            return True
        except Exception as exc:  # kombu and redis raise many types; the row is safe either way
            log.warning("could not enqueue a tick", extra={"error": f"{type(exc).__name__}: {exc}"})
            return False
