"""RFC 9457 problem+json for every error the API returns.

Four handlers cover everything: `ApiError` (our own errors), Starlette's
`HTTPException` (404 unknown route, 405, ...), `RequestValidationError` (422 with
the offending fields listed) and a catch-all that logs the exception and answers
a bare 500 that leaks nothing about the internals.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg.errors import UndefinedTable
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.exceptions import PROBLEM_BASE, ApiError
from api.schemas import ProblemOut

log = logging.getLogger("azora.api.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemResponse(JSONResponse):
    """A JSON response with the problem+json media type."""

    media_type = PROBLEM_MEDIA_TYPE


def problem(
    status: int,
    *,
    detail: str | None = None,
    title: str | None = None,
    type_: str = "about:blank",
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> ProblemResponse:
    """A problem+json response; `title` defaults to the HTTP reason phrase (RFC 9457 for about:blank)."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title or _reason(status),
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    body.update(extensions)
    return ProblemResponse(body, status_code=status, headers=dict(headers or {}))


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` documenting a problem+json body for each of `statuses`."""
    return {
        status: {"model": ProblemOut, "description": _DESCRIPTIONS.get(status, _reason(status))}
        for status in statuses
    }


_DESCRIPTIONS = {
    400: "Bad request (e.g. an invalid cursor)",
    404: "Not found",
    422: "Invalid parameter; `errors` lists each field and what is wrong",
    429: "Rate limited; retry after `Retry-After` seconds",
    503: "Index, database or node unavailable; retry after `Retry-After` seconds",
}


def install_problem_openapi(app: FastAPI) -> None:
    """Document every 4xx/5xx response of `app` as application/problem+json with the ProblemOut schema
    (FastAPI would describe them as application/json, and 422 with its own HTTPValidationError)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        problem_schema = {"$ref": "#/components/schemas/ProblemOut"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if status[:1] in ("4", "5"):
                        response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": problem_schema}}
                        if status == "422":
                            response["description"] = _DESCRIPTIONS[422]
        components = schema.get("components", {}).get("schemas", {})
        components.setdefault("ProblemOut", ProblemOut.model_json_schema())
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def api_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ApiError)
    return problem(
        exc.status,
        detail=exc.detail,
        title=exc.title,
        type_=exc.type,
        instance=request.url.path,
        headers=exc.headers,
        **exc.extensions,
    )


async def http_exception_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail: str | None = exc.detail if isinstance(exc.detail, str) else None
    if detail == _reason(exc.status_code):
        detail = None  # Starlette's default detail repeats the title
    return problem(exc.status_code, detail=detail, instance=request.url.path, headers=exc.headers)


async def validation_exception_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_field_error(error) for error in exc.errors()]
    summary = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
    return problem(
        422,
        title="Invalid request",
        type_=PROBLEM_BASE + "invalid-request",
        detail=summary or "the request is invalid",
        instance=request.url.path,
        errors=errors,
    )


def _field_error(error: Mapping[str, Any]) -> dict[str, Any]:
    """One pydantic error as {location, message, type}; the raw input and context are not echoed back."""
    loc: Sequence[Any] = error.get("loc", ())
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    return {"location": ".".join(str(part) for part in loc), "message": message, "type": error.get("type")}


async def database_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    """The database is unreachable, the pool is exhausted or a query hit the statement timeout."""
    log.warning(
        "database unavailable",
        extra={"method": request.method, "path": request.url.path, "error": type(exc).__name__},
    )
    return problem(
        503,
        title="Database unavailable",
        type_=PROBLEM_BASE + "database-unavailable",
        detail="The index database did not answer in time. Retry shortly.",
        instance=request.url.path,
        headers={"Retry-After": "5"},
    )


async def programming_error_handler(request: Request, exc: Exception) -> ProblemResponse:
    """A missing table means the indexer's migrations have not run (503); any other SQL error is a bug."""
    if isinstance(getattr(exc, "orig", None), UndefinedTable):
        log.error("the indexer schema is missing; run the migrations", extra={"path": request.url.path})
        return problem(
            503,
            title="Index not ready",
            type_=PROBLEM_BASE + "index-not-ready",
            detail="The index database has no schema yet. Retry once the indexer has migrated it.",
            instance=request.url.path,
            headers={"Retry-After": "30"},
        )
    return await unhandled_exception_handler(request, exc)


async def unhandled_exception_handler(request: Request, exc: Exception) -> ProblemResponse:
    log.error(
        "unhandled error",
        exc_info=exc,
        extra={"method": request.method, "path": request.url.path},
    )
    return problem(
        500,
        detail="The server failed to answer this request. It has been logged.",
        instance=request.url.path,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers on `app`."""
    app.add_exception_handler(ApiError, api_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(RequestValidationError, validation_exception_handler)
    for db_error in (OperationalError, InterfaceError, PoolTimeoutError):
        app.add_exception_handler(db_error, database_error_handler)
    app.add_exception_handler(ProgrammingError, programming_error_handler)
    app.add_exception_handler(Exception, unhandled_exception_handler)
