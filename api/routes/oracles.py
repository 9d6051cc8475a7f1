"""`/v1/oracles`: oracle intake. Education platforms report course completions here.

Authentication is per platform, by HMAC (secrets in ORACLE_EDUCATION_PLATFORMS as
``{"platform": "secret"}``)::

    X-Azora-Platform:  moodle-eu
    X-Azora-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>

A completion is stored first (status ``queued``), then the submitter is asked for a tick;
`GET .../completions/{id}` follows it through ``signed``, ``sent``, ``confirmed`` or
``failed`` (with the hub's reason), or ``deferred`` (with ``retry_at``) while a daily cap or
epoch budget holds it back. The id is the attestation uid,
``keccak256(abi.encode("azora.education.completion", platform, completion_id))``.

`POST .../completions:batch` takes a JSON array of up to 500 completions (same HMAC over the
raw body, same validation) and answers 200 with one result per item, in order: the status the
item would have had alone (202 stored, 409 duplicate, 422 invalid) with the completion or the
problem.

`POST .../completions/{id}/revocation` (same HMAC, by the platform that reported it) asks for
the credential of a confirmed completion to be burned, with a statement of why: a
``CredentialRevoked`` attestation signed and sent like a completion; `GET` on the same path
follows it. One revocation per completion (a repeat is 409 with the existing one).

Unlike the index routes, these answers carry no `indexed_block`: they come from the intake's
own tables, written by this API and the submitter, not from the chain mirror.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Path, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, Field, ValidationError

from api.errors import problem_responses
from api.exceptions import (
    PROBLEM_BASE,
    ApiError,
    DuplicateCompletionError,
    DuplicateRevocationError,
    NotFoundError,
    NotRevocableError,
    ScoreBelowPassingError,
    ServiceNotConfiguredError,
    UnauthorizedError,
)
from api.schemas import ChecksumAddress, ProblemOut, Uint256
from azora.exceptions import AzoraError
from oracles.education.intake import (
    MAX_BATCH_BODY_BYTES,
    MAX_BATCH_ITEMS,
    MAX_BODY_BYTES,
    PLATFORM_HEADER,
    SIGNATURE_HEADER,
    CompletionIn,
    CompletionRecord,
    IntakeService,
    RevocationIn,
    RevocationRecord,
    verify_signature,
)
from oracles.education.schema import PASSING_SCORE
from oracles.exceptions import CompletionNotConfirmedError, OracleError, UnknownCompletionError
from oracles.settings import OracleSettings

log = logging.getLogger("azora.api.oracles")

_UID_PATTERN = r"^0x[0-9a-fA-F]{64}$"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.oracle_intake_lock = asyncio.Lock()
    try:
        yield
    finally:
        intake: IntakeService | None = getattr(app.state, "oracle_intake", None)
        if intake is not None:
            await intake.close()


router = APIRouter(prefix="/v1/oracles", tags=["oracles"], lifespan=_lifespan)


async def get_intake(request: Request) -> IntakeService:
    """The app's intake service, built on first use from `app.state.oracle_settings` (default: the
    ORACLE_* environment); the database defaults to the API's."""
    state = request.app.state
    intake: IntakeService | None = getattr(state, "oracle_intake", None)
    if intake is not None:
        return intake
    lock: asyncio.Lock | None = getattr(state, "oracle_intake_lock", None)
    if lock is None:
        lock = state.oracle_intake_lock = asyncio.Lock()
    async with lock:
        intake = getattr(state, "oracle_intake", None)
        if intake is None:
            settings: OracleSettings = getattr(state, "oracle_settings", None) or OracleSettings()
            try:
                intake = IntakeService(
                    settings, database_url=settings.database_url or state.settings.database_url
                )
            except (AzoraError, OracleError) as exc:
                raise ServiceNotConfiguredError(f"the oracle intake cannot start: {exc}") from exc
            state.oracle_intake = intake
    return intake


IntakeDep = Annotated[IntakeService, Depends(get_intake)]


async def authenticate_platform(request: Request, intake: IntakeDep) -> str:
    """The platform whose HMAC signs the raw body (401 otherwise), checked before the body is parsed."""
    return await _authenticate(request, intake, MAX_BODY_BYTES)


async def authenticate_batch_platform(request: Request, intake: IntakeDep) -> str:
    """`authenticate_platform` for a batch body (up to MAX_BATCH_BODY_BYTES)."""
    return await _authenticate(request, intake, MAX_BATCH_BODY_BYTES)


async def _authenticate(request: Request, intake: IntakeService, limit: int) -> str:
    if not intake.settings.education_platforms:
        raise ServiceNotConfiguredError("no education platform is configured (ORACLE_EDUCATION_PLATFORMS)")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"the body exceeds {limit} bytes")
    body = await request.body()
    if len(body) > limit:
        raise HTTPException(413, f"the body exceeds {limit} bytes")
    platform = request.headers.get(PLATFORM_HEADER)
    if not verify_signature(intake.settings, platform, request.headers.get(SIGNATURE_HEADER), body):
        raise UnauthorizedError(
            f"missing or invalid {PLATFORM_HEADER} / {SIGNATURE_HEADER} "
            "(sha256=<hex HMAC-SHA256 of the raw body with the platform's secret>)",
            headers={"WWW-Authenticate": 'HMAC-SHA256 realm="azora-oracles"'},
        )
    assert platform is not None
    return platform


PlatformDep = Annotated[str, Depends(authenticate_platform)]
BatchPlatformDep = Annotated[str, Depends(authenticate_batch_platform)]


def _lower(value: str) -> str:
    return value.lower()


UidPath = Annotated[
    str,
    Path(
        pattern=_UID_PATTERN,
        description="The completion's id: its attestation uid (0x + 64 hex digits).",
        examples=["0x" + "ab" * 32],
    ),
    AfterValidator(_lower),
]

BodyT = TypeVar("BodyT", bound=BaseModel)

SubmissionStatus = Literal["queued", "signed", "sent", "confirmed", "failed", "deferred"]


class SubmissionProgressOut(BaseModel):
    """Where a reported request's attestation is."""

    status: SubmissionStatus = Field(
        description="queued (stored, collecting signatures) -> signed -> sent -> confirmed | failed; "
        "deferred while ProofOfKnowledge's daily cap or epoch budget holds it back (see retry_at)."
    )
    tx_hash: str | None = Field(
        description="The transaction carrying it (sent) or that applied it (confirmed)."
    )
    block_number: int | None
    reason: str | None = Field(
        description="Why it failed: the hub's reason (e.g. CONSUMER_REJECTED) or ours."
    )
    detail: str | None
    created_at: datetime
    updated_at: datetime


def _progress(record: CompletionRecord | RevocationRecord) -> dict[str, Any]:
    return {
        "status": record.status,
        "tx_hash": record.tx_hash,
        "block_number": record.block_number,
        "reason": record.reason,
        "detail": record.detail,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


class CompletionOut(SubmissionProgressOut):
    """A reported completion and where its attestation is."""

    id: str = Field(description="The attestation uid (also the credential's token id, as uint256).")
    chain_id: int
    platform: str
    completion_id: str
    learner: ChecksumAddress
    course_id: Uint256
    score: int
    difficulty: int
    retry_at: datetime | None = Field(
        default=None,
        description="Deferred only: when (block time) it is signed and sent again; reason names the "
        "limit (DAILY_CAP_EXCEEDED, EPOCH_BUDGET_EXHAUSTED).",
    )

    @classmethod
    def from_record(cls, record: CompletionRecord) -> CompletionOut:
        return cls(
            id=record.uid,
            chain_id=record.chain_id,
            platform=record.platform,
            completion_id=record.completion_id,
            learner=record.learner,
            course_id=record.course_id,
            score=record.score,
            difficulty=record.difficulty,
            retry_at=None if record.retry_at is None else datetime.fromtimestamp(record.retry_at, UTC),
            **_progress(record),
        )


def parse_body(model: type[BodyT], body: bytes) -> BodyT:
    """The body validated as `model`, or a 422 problem listing each invalid field."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(_located(exc, "body")) from exc


def _located(exc: ValidationError, *prefix: str | int) -> list[Any]:
    """pydantic's errors with `prefix` in front of each location (input and context left out)."""
    return [
        {**error, "loc": (*prefix, *error["loc"])}
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    ]


def parse_batch(body: bytes) -> list[CompletionIn | list[Any]]:
    """Each item of a batch body: the validated completion, or its pydantic errors. A body that is
    not a JSON array of 1..MAX_BATCH_ITEMS items is a 422 problem."""
    try:
        items = json.loads(body)
    except ValueError as exc:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": f"invalid JSON: {exc}", "type": "json_invalid"}]
        ) from exc
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH_ITEMS:
        raise RequestValidationError(
            [
                {
                    "loc": ("body",),
                    "msg": f"expected a JSON array of 1 to {MAX_BATCH_ITEMS} completions",
                    "type": "list_type",
                }
            ]
        )
    out: list[CompletionIn | list[Any]] = []
    for index, item in enumerate(items):
        try:
            out.append(CompletionIn.model_validate(item))
        except ValidationError as exc:
            out.append(_located(exc, "body", index))
    return out


_BODY_SCHEMA = {
    "required": True,
    "content": {"application/json": {"schema": CompletionIn.model_json_schema()}},
}


@router.post(
    "/education/completions",
    status_code=202,
    summary="Report a course completion",
    openapi_extra={"requestBody": _BODY_SCHEMA},
    responses=problem_responses(401, 409, 413, 422, 503),
)
async def create_education_completion(
    request: Request, response: Response, platform: PlatformDep, intake: IntakeDep
) -> CompletionOut:
    """Store a completion (status `queued`) and hand it to the submitter. 202 with its `id`;
    409 if it was already reported (the problem carries the existing one); 422 for an invalid
    body or a score below 70."""
    payload = parse_body(CompletionIn, await request.body())
    if payload.score < PASSING_SCORE:
        raise ScoreBelowPassingError(
            f"score {payload.score} is below the passing score {PASSING_SCORE}: no reward or credential "
            "is attested for it (ProofOfKnowledge refuses it too)",
            score=payload.score,
            passing_score=PASSING_SCORE,
        )
    record, created = await intake.submit(platform, payload)
    location = f"{router.prefix}/education/completions/{record.uid}"
    if not created:
        existing = CompletionOut.from_record(record).model_dump(mode="json")
        raise DuplicateCompletionError(
            f"completion already reported (platform {record.platform}, completion {record.completion_id}, "
            f"learner {existing['learner']}, course {record.course_id}); it is {record.status}",
            headers={"Location": location},
            id=record.uid,
            completion=existing,
        )
    await anyio.to_thread.run_sync(intake.enqueue)
    response.headers["Location"] = location
    return CompletionOut.from_record(record)


class BatchItemOut(BaseModel):
    """What one item of a batch got: the status it would have had posted alone."""

    index: int = Field(description="Its position in the posted array.")
    status: Literal[202, 409, 422] = Field(
        description="202 stored (queued), 409 already reported (completion is the existing one), 422 invalid."
    )
    id: str | None = Field(description="The attestation uid (202 and 409).")
    completion: CompletionOut | None
    problem: ProblemOut | None = Field(description="Why it was not stored (409, 422), as problem+json.")


class BatchOut(BaseModel):
    """The per-item results of a batch, in the order posted."""

    accepted: int = Field(description="Items stored (202).")
    duplicates: int = Field(description="Items already reported (409).")
    invalid: int = Field(description="Items refused (422).")
    results: list[BatchItemOut]


def _problem(error: ApiError) -> ProblemOut:
    return ProblemOut.model_validate(
        {
            "type": error.type,
            "title": error.title,
            "status": error.status,
            "detail": error.detail,
            **error.extensions,
        }
    )


def _invalid(index: int, errors: list[Any]) -> BatchItemOut:
    fields = [
        {
            "location": ".".join(str(part) for part in error["loc"]),
            "message": str(error.get("msg", "invalid value")).removeprefix("Value error, "),
            "type": error.get("type"),
        }
        for error in errors
    ]
    problem = ProblemOut.model_validate(
        {
            "type": PROBLEM_BASE + "invalid-request",
            "title": "Invalid request",
            "status": 422,
            "detail": "; ".join(f"{e['location']}: {e['message']}" for e in fields),
            "errors": fields,
        }
    )
    return BatchItemOut(index=index, status=422, id=None, completion=None, problem=problem)


@router.post(
    "/education/completions:batch",
    summary="Report many course completions",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "array",
                        "items": CompletionIn.model_json_schema(),
                        "minItems": 1,
                        "maxItems": MAX_BATCH_ITEMS,
                    }
                }
            },
        }
    },
    responses=problem_responses(401, 413, 422, 503),
)
async def create_education_completions(
    request: Request, platform: BatchPlatformDep, intake: IntakeDep
) -> BatchOut:
    """Store up to 500 completions in one transaction (HMAC over the raw array, like a single
    post) and hand them to the submitter with one tick. 200 with a result per item, in order:
    202 stored, 409 already reported (earlier, or earlier in this array), 422 invalid body or a
    score below 70. 422 for the whole request when the body is not a JSON array of 1..500."""
    parsed = parse_batch(await request.body())
    results: list[BatchItemOut | None] = [None] * len(parsed)
    valid: list[tuple[int, CompletionIn]] = []
    for index, item in enumerate(parsed):
        if isinstance(item, list):
            results[index] = _invalid(index, item)
        elif item.score < PASSING_SCORE:
            low = ScoreBelowPassingError(
                f"score {item.score} is below the passing score {PASSING_SCORE}: no reward or credential "
                "is attested for it (ProofOfKnowledge refuses it too)",
                score=item.score,
                passing_score=PASSING_SCORE,
            )
            results[index] = BatchItemOut(
                index=index, status=422, id=None, completion=None, problem=_problem(low)
            )
        else:
            valid.append((index, item))
    stored = await intake.submit_many(platform, [item for _, item in valid])
    for (index, _), (record, created) in zip(valid, stored, strict=True):
        completion = CompletionOut.from_record(record)
        if created:
            results[index] = BatchItemOut(
                index=index, status=202, id=record.uid, completion=completion, problem=None
            )
        else:
            error = DuplicateCompletionError(
                f"completion already reported (platform {record.platform}, completion "
                f"{record.completion_id}, learner {completion.learner}, course {record.course_id}); "
                f"it is {record.status}",
                id=record.uid,
            )
            results[index] = BatchItemOut(
                index=index, status=409, id=record.uid, completion=completion, problem=_problem(error)
            )
    if any(created for _, created in stored):
        await anyio.to_thread.run_sync(intake.enqueue)
    done = [result for result in results if result is not None]
    return BatchOut(
        accepted=sum(r.status == 202 for r in done),
        duplicates=sum(r.status == 409 for r in done),
        invalid=sum(r.status == 422 for r in done),
        results=done,
    )


@router.get(
    "/education/completions/{completion_id}",
    summary="Status of a reported completion",
    responses=problem_responses(404, 422, 503),
)
async def read_education_completion(completion_id: UidPath, intake: IntakeDep) -> CompletionOut:
    """Where the completion's attestation is: queued, signed, sent, confirmed (with the applying
    transaction) or failed (with the reason)."""
    record = await intake.read(completion_id)
    if record is None:
        raise NotFoundError(f"no completion with id {completion_id}")
    return CompletionOut.from_record(record)


class RevocationOut(SubmissionProgressOut):
    """A platform's revocation of a completion's credential and where its attestation is
    (confirmed: the credential is burned; failed with CONSUMER_REJECTED: it was already gone)."""

    id: str = Field(description="The revocation's attestation uid.")
    completion: str = Field(description="The completion's id (also the revoked credential's token id).")
    chain_id: int
    platform: str
    learner: ChecksumAddress
    course_id: Uint256
    statement: str = Field(description="The platform's statement of why (kept off-chain).")

    @classmethod
    def from_record(cls, record: RevocationRecord) -> RevocationOut:
        return cls(
            id=record.uid,
            completion=record.completion_uid,
            chain_id=record.chain_id,
            platform=record.platform,
            learner=record.learner,
            course_id=record.course_id,
            statement=record.statement,
            **_progress(record),
        )


@router.post(
    "/education/completions/{completion_id}/revocation",
    status_code=202,
    summary="Revoke the credential of a confirmed completion",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": RevocationIn.model_json_schema()}},
        }
    },
    responses=problem_responses(401, 404, 409, 413, 422, 503),
)
async def revoke_education_credential(
    completion_id: UidPath, request: Request, response: Response, platform: PlatformDep, intake: IntakeDep
) -> RevocationOut:
    """Store the revocation (status `queued`) with the platform's statement and hand it to the
    submitter; the learner's credential is burned when it is `confirmed`. 404 when this platform
    reported no such completion; 409 when the completion is not confirmed yet (nothing on chain
    to revoke) or its revocation was already asked for (the problem carries that one)."""
    payload = parse_body(RevocationIn, await request.body())
    location = f"{router.prefix}/education/completions/{completion_id}/revocation"
    try:
        record, created = await intake.revoke(platform, completion_id, payload)
    except UnknownCompletionError as exc:
        raise NotFoundError(str(exc)) from exc
    except CompletionNotConfirmedError as exc:
        raise NotRevocableError(str(exc), id=completion_id, completion_status=exc.status) from exc
    if not created:
        existing = RevocationOut.from_record(record).model_dump(mode="json")
        raise DuplicateRevocationError(
            f"the credential of completion {completion_id} is already being revoked; it is {record.status}",
            headers={"Location": location},
            id=record.uid,
            revocation=existing,
        )
    await anyio.to_thread.run_sync(intake.enqueue)
    response.headers["Location"] = location
    return RevocationOut.from_record(record)


@router.get(
    "/education/completions/{completion_id}/revocation",
    summary="Status of a credential revocation",
    responses=problem_responses(404, 422, 503),
)
async def read_education_revocation(completion_id: UidPath, intake: IntakeDep) -> RevocationOut:
    """Where the revocation of the completion's credential is: queued, signed, sent, confirmed
    (the credential is burned) or failed (with the reason)."""
    record = await intake.read_revocation(completion_id)
    if record is None:
        raise NotFoundError(f"no revocation was asked for completion {completion_id}")
    return RevocationOut.from_record(record)
