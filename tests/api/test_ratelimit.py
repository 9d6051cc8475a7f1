"""Per-IP rate limiting in Redis: 429 problem + Retry-After, exemptions, sliding window, fail-open."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from redis.asyncio import Redis

from api.ratelimit import RateLimiter
from tests.api.conftest import assert_problem


def test_rate_limit__over_the_limit__429_problem_with_retry_after(
    make_client: Callable[..., TestClient], seeded_database_url: str
) -> None:
    client = make_client(seeded_database_url, rate_limit_per_minute=3)

    admitted = [client.get("/v1/token") for _ in range(3)]
    rejected = client.get("/v1/token")

    assert [r.status_code for r in admitted] == [200, 200, 200]
    assert [r.headers["RateLimit-Remaining"] for r in admitted] == ["2", "1", "0"]
    body = assert_problem(rejected, 429, type_suffix="rate-limited")
    assert 1 <= int(rejected.headers["Retry-After"]) <= 60
    assert "3 requests per minute" in body["detail"]


def test_rate_limit__counts_every_route_and_bad_requests(
    make_client: Callable[..., TestClient], seeded_database_url: str
) -> None:
    client = make_client(seeded_database_url, rate_limit_per_minute=2)

    client.get("/v1/accounts/not-an-address")
    client.get("/v1/nothing-here")

    assert_problem(client.get("/v1/delegates"), 429)


def test_rate_limit__health_and_metrics__exempt(
    make_client: Callable[..., TestClient], seeded_database_url: str
) -> None:
    client = make_client(seeded_database_url, rate_limit_per_minute=1)
    client.get("/v1/token")

    assert [client.get("/health").status_code for _ in range(5)] == [200] * 5
    assert client.get("/metrics").status_code == 200
    assert client.get("/v1/token").status_code == 429
    assert "azora_api_rate_limited_total 1.0" in client.get("/metrics").text


def test_rate_limit__redis_down__requests_admitted(
    make_client: Callable[..., TestClient], seeded_database_url: str
) -> None:
    client = make_client(seeded_database_url, rate_limit_per_minute=1, redis_url="redis://127.0.0.1:1/0")

    assert [client.get("/v1/token").status_code for _ in range(3)] == [200, 200, 200]


def test_rate_limit__no_redis_configured__off(
    make_client: Callable[..., TestClient], seeded_database_url: str
) -> None:
    client = make_client(seeded_database_url, rate_limit_per_minute=1, redis_url=None)

    responses = [client.get("/v1/token") for _ in range(3)]

    assert [r.status_code for r in responses] == [200, 200, 200]
    assert "RateLimit-Limit" not in responses[0].headers


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_rate_limiter__sliding_window__previous_minute_weighs_in_then_decays(
    redis_url: str, redis_prefix: str, anyio_backend: str
) -> None:
    redis = Redis.from_url(redis_url)
    clock = Clock(600.0)  # the start of a window
    limiter = RateLimiter(redis, limit=4, prefix=redis_prefix, clock=clock)
    try:
        assert [(await limiter.hit("1.2.3.4")).admitted for _ in range(5)] == [True] * 4 + [False]
        # Another client has its own budget.
        assert (await limiter.hit("5.6.7.8")).admitted

        # Next window, 15 s in: the previous 4 still weigh 4 * 45/60 = 3, so one more fits.
        clock.now = 675.0
        first = await limiter.hit("1.2.3.4")
        second = await limiter.hit("1.2.3.4")
        assert (first.admitted, first.remaining) == (True, 0)
        assert not second.admitted
        # Waits until 4 * (60 - t)/60 + 1 < 4, i.e. t > 15 s: just after now.
        assert second.retry_after == 1

        # 45 s in, the previous window weighs 4 * 15/60 = 1: two more (1 + 1 + 2 = 4).
        clock.now = 705.0
        assert [(await limiter.hit("1.2.3.4")).admitted for _ in range(3)] == [True, True, False]
    finally:
        await redis.aclose()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_rate_limiter__full_current_window__retry_after_next_window(
    redis_url: str, redis_prefix: str, anyio_backend: str
) -> None:
    redis = Redis.from_url(redis_url)
    clock = Clock(1200.0 + 50)  # 50 s into a window
    limiter = RateLimiter(redis, limit=2, prefix=redis_prefix, clock=clock)
    try:
        await limiter.hit("ip")
        await limiter.hit("ip")
        rejected = await limiter.hit("ip")
        assert not rejected.admitted
        # 10 s to the window's end; then the 2 of this window decay below 2 right away.
        assert rejected.retry_after == 10
        clock.now += 10.001
        assert (await limiter.hit("ip")).admitted
    finally:
        await redis.aclose()
