"""`/health`, `/ready` (database, RPC, indexer lag), `/metrics`; an empty index or a database that is down."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from api.main import create_app
from tests.api.conftest import ALICE, CHAIN_ID, INDEXED_BLOCK, assert_problem, fake_rpc, seed_cursor

UNREACHABLE_DB = "postgresql://postgres@127.0.0.1:1/nowhere"


def test_read_health__always__ok(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_read_ready__node_ahead_of_index__ready_with_lag(client: TestClient) -> None:
    fake_rpc(client.app, head=INDEXED_BLOCK + 42)  # type: ignore[arg-type]

    response = client.get("/ready")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert (body["chain_id"], body["indexed_block"], body["head_block"]) == (
        CHAIN_ID,
        INDEXED_BLOCK,
        INDEXED_BLOCK + 42,
    )
    assert body["lag_blocks"] == 42
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "rpc": True,
        "indexer": True,
    }


def test_read_ready__lag_above_max__503_problem_with_lag(
    make_client: Callable[..., TestClient], seeded_database_url: str
) -> None:
    client = make_client(seeded_database_url, ready_max_lag_blocks=10)
    fake_rpc(client.app, head=INDEXED_BLOCK + 11)  # type: ignore[arg-type]

    body = assert_problem(client.get("/ready"), 503, type_suffix="not-ready")

    assert body["lag_blocks"] == 11
    assert body["checks"]["indexer"]["ok"] is False
    assert "lagging 11 blocks" in body["detail"]


def test_read_ready__rpc_down__503_problem(client: TestClient) -> None:
    fake_rpc(client.app, fail=True)  # type: ignore[arg-type]

    response = client.get("/ready")

    body = assert_problem(response, 503, type_suffix="not-ready")
    assert response.headers["Retry-After"] == "5"
    assert body["checks"]["rpc"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    assert body["indexed_block"] == INDEXED_BLOCK and body["lag_blocks"] is None


def test_read_ready__no_rpc_configured__503_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/ready"), 503)

    assert "RPC" in body["checks"]["rpc"]["error"]


def test_read_ready__node_on_another_chain__503_problem(client: TestClient) -> None:
    fake_rpc(client.app, chain_id=1, head=INDEXED_BLOCK)  # type: ignore[arg-type]

    body = assert_problem(client.get("/ready"), 503)

    assert "chain 1" in body["checks"]["rpc"]["error"]


def test_read_ready__database_down__503_problem(make_client: Callable[..., TestClient]) -> None:
    client = make_client(UNREACHABLE_DB)
    fake_rpc(client.app, head=5)  # type: ignore[arg-type]

    body = assert_problem(client.get("/ready"), 503)

    assert body["checks"]["database"] == {"ok": False, "latency_ms": None, "error": "unreachable"}
    assert body["checks"]["rpc"]["ok"] is True


@pytest.fixture(scope="module")
def unmigrated_database_url(make_database: Callable[[], str]) -> str:
    """A database the indexer never migrated (no tables)."""
    return make_database()


def test_read_ready__schema_missing__503_problem_saying_so(
    make_client: Callable[..., TestClient], unmigrated_database_url: str
) -> None:
    client = make_client(unmigrated_database_url)
    fake_rpc(client.app, head=5)  # type: ignore[arg-type]

    body = assert_problem(client.get("/ready"), 503)

    assert "migrations" in body["checks"]["database"]["error"]


def test_read_ready__nothing_indexed__503_problem(
    make_client: Callable[..., TestClient], migrated_database_url: str
) -> None:
    client = make_client(migrated_database_url)
    fake_rpc(client.app, head=5)  # type: ignore[arg-type]

    body = assert_problem(client.get("/ready"), 503)

    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["indexer"] == {
        "ok": False,
        "latency_ms": None,
        "error": "the indexer has not indexed any chain yet",
    }


@pytest.mark.parametrize("path", ["/v1/token", f"/v1/accounts/{ALICE}", "/v1/ledger/entries"])
def test_data_route__nothing_indexed__503_index_not_ready(
    make_client: Callable[..., TestClient], migrated_database_url: str, path: str
) -> None:
    response = make_client(migrated_database_url).get(path)

    assert_problem(response, 503, type_suffix="index-not-ready")
    assert response.headers["Retry-After"] == "5"


def test_data_route__schema_missing__503_index_not_ready(
    make_client: Callable[..., TestClient], unmigrated_database_url: str
) -> None:
    response = make_client(unmigrated_database_url).get("/v1/delegates")

    assert_problem(response, 503, type_suffix="index-not-ready")
    assert "sync_cursors" not in response.text


def test_data_route__database_down__503_problem_without_internals(
    make_client: Callable[..., TestClient],
) -> None:
    response = make_client(UNREACHABLE_DB).get("/v1/token")

    body = assert_problem(response, 503, type_suffix="database-unavailable")
    assert "127.0.0.1" not in response.text and "nowhere" not in response.text
    assert body["detail"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/accounts/0xnot-an-address", 422),
        ("/v1/delegates?limit=0", 422),
        ("/v1/ledger/entries?cursor=garbage", 400),
    ],
)
def test_bad_input__database_down__still_4xx(
    make_client: Callable[..., TestClient], path: str, status: int
) -> None:
    """Input is judged before the database is touched: a client must not retry a request that cannot work."""
    assert_problem(make_client(UNREACHABLE_DB).get(path), status)


def test_data_route__two_chains_indexed__pick_with_api_chain_id(
    make_client: Callable[..., TestClient], migrated_database_url: str, db_session: Session
) -> None:
    seed_cursor(db_session, last_block=10, chain_id=1)
    seed_cursor(db_session, last_block=20, chain_id=CHAIN_ID)
    db_session.commit()

    unset = make_client(migrated_database_url)
    fake_rpc(unset.app, head=30)  # type: ignore[arg-type]
    chosen = make_client(migrated_database_url, chain_id=1).get("/v1/token")

    assert "API_CHAIN_ID" in assert_problem(unset.get("/v1/token"), 503)["detail"]
    assert "API_CHAIN_ID" in assert_problem(unset.get("/ready"), 503)["checks"]["indexer"]["error"]
    assert chosen.status_code == 200
    assert (chosen.json()["chain_id"], chosen.json()["indexed_block"]) == (1, 10)


def test_read_metrics__after_requests__counts_by_route_template(client: TestClient) -> None:
    client.get(f"/v1/accounts/{ALICE}")
    client.get("/v1/accounts/0x0000000000000000000000000000000000000001")
    client.get("/nope")

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = [s for family in text_string_to_metric_families(response.text) for s in family.samples]
    counts = {
        (s.labels["route"], s.labels["status"]): s.value
        for s in samples
        if s.name == "azora_api_requests_total"
    }
    assert counts[("/v1/accounts/{address}", "200")] == 2
    assert counts[("<unmatched>", "404")] == 1
    assert any(s.name == "azora_api_request_duration_seconds_bucket" for s in samples)


def test_openapi__docs_served__every_route_documented(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    assert client.get("/docs").status_code == 200
    assert {
        "/health",
        "/ready",
        "/metrics",
        "/v1/accounts/{address}",
        "/v1/accounts/{address}/transfers",
        "/v1/token",
        "/v1/delegates",
        "/v1/ledger/entries",
        "/v1/ledger/verify",
    } <= set(spec["paths"])
    errors = spec["paths"]["/v1/accounts/{address}/transfers"]["get"]["responses"]
    assert set(errors["422"]["content"]) == {"application/problem+json"}


def test_create_app__settings_from_environment(
    monkeypatch: pytest.MonkeyPatch, seeded_database_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", seeded_database_url.replace("postgresql+psycopg://", "postgresql://"))
    monkeypatch.setenv("API_RATE_LIMIT_PER_MINUTE", "7")
    from api.settings import get_api_settings

    get_api_settings.cache_clear()
    try:
        app = create_app()
    finally:
        get_api_settings.cache_clear()

    assert app.state.settings.rate_limit_per_minute == 7
    assert app.state.settings.database_url.startswith("postgresql+psycopg://")
