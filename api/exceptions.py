"""Errors the API turns into RFC 9457 problem+json responses.

Each error carries its HTTP status, a short title and a problem type URI; the
message becomes the problem's ``detail``. Each docstring says what happened and
how the caller fixes it.
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_BASE = "urn:azora:problem:"


class ApiError(Exception):
    """Base of every error the API reports as problem+json."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal server error"
    slug: ClassVar[str] = "internal"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    @property
    def type(self) -> str:
        """The problem type URI."""
        return PROBLEM_BASE + self.slug


class InvalidCursorError(ApiError):
    """The `cursor` query parameter is not one this endpoint issued. Pass back `next_cursor` unchanged,
    or drop `cursor` to start from the first page."""

    status = 400
    title = "Invalid cursor"
    slug = "invalid-cursor"


class InvalidParameterError(ApiError):
    """A query or path parameter has the right type but an unusable value. The detail names it."""

    status = 400
    title = "Invalid parameter"
    slug = "invalid-parameter"


class NotFoundError(ApiError):
    """The resource does not exist in the index (yet). Check the identifier, or wait for the indexer."""

    status = 404
    title = "Not found"
    slug = "not-found"


class IndexNotReadyError(ApiError):
    """The indexer has not committed any block for this chain yet. Start it (`azora index`) and retry."""

    status = 503
    title = "Index not ready"
    slug = "index-not-ready"


class RateLimitedError(ApiError):
    """This client sent more requests than the per-minute limit. Wait `Retry-After` seconds and retry."""

    status = 429
    title = "Too many requests"
    slug = "rate-limited"


class UnauthorizedError(ApiError):
    """The request is not authenticated: a platform must send `X-Azora-Platform` and
    `X-Azora-Signature: sha256=<HMAC-SHA256 of the raw body with its secret>`. Check the secret and
    that the exact bytes sent are the ones signed."""

    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class ScoreBelowPassingError(ApiError):
    """The completion's score is below the passing score (70): ProofOfKnowledge pays no reward and
    issues no credential for it, so it is not attested. Only report passed courses."""

    status = 422
    title = "Score below passing"
    slug = "score-below-passing"


class DuplicateCompletionError(ApiError):
    """This completion was already reported (same platform and completion id, or the same learner
    and course). The problem carries its `id` and current `status`; poll
    `GET /v1/oracles/education/completions/{id}` instead of resending."""

    status = 409
    title = "Duplicate completion"
    slug = "duplicate-completion"


class DuplicateRevocationError(ApiError):
    """The credential of this completion is already being (or was) revoked. The problem carries the
    revocation's `id` and current `status`; poll
    `GET /v1/oracles/education/completions/{id}/revocation` instead of resending."""

    status = 409
    title = "Duplicate revocation"
    slug = "duplicate-revocation"


class NotRevocableError(ApiError):
    """Only a confirmed completion has a credential on chain to revoke; this one is still on its way
    (queued, signed, sent, deferred) or failed. The problem carries its `completion_status`: wait
    until it is confirmed, then ask again."""

    status = 409
    title = "Nothing to revoke yet"
    slug = "not-revocable"


class ServiceNotConfiguredError(ApiError):
    """The oracle intake is not configured on this server (no ORACLE_EDUCATION_PLATFORMS, or no
    deployment manifest). Set them and restart the API."""

    status = 503
    title = "Service not configured"
    slug = "service-not-configured"
