"""RFC 9457 problem+json for every kind of error, and no internals in a 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from tests.api.conftest import assert_problem


def test_unknown_route__404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/nothing-here"), 404)

    assert body["title"] == "Not Found"
    assert body["type"] == "about:blank"
    assert body["instance"] == "/v1/nothing-here"


def test_wrong_method__405_problem(client: TestClient) -> None:
    response = client.post("/v1/token")

    assert_problem(response, 405)
    assert response.headers["allow"] == "GET"


def test_unhandled_error__500_problem_logged_without_internals(
    make_client: Callable[..., TestClient],
    make_settings: Callable[..., object],
    seeded_database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = create_app(make_settings(seeded_database_url))  # type: ignore[arg-type]

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret connection string postgresql://admin:hunter2@db")

    client = make_client(seeded_database_url, app=app, raise_errors=False)
    with caplog.at_level(logging.ERROR, logger="azora.api.errors"):
        response = client.get("/boom")

    body = assert_problem(response, 500)
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert body["detail"]
    assert any("hunter2" in str(record.exc_info) for record in caplog.records)
