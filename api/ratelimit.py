"""Per-client-IP rate limiting in Redis (sliding window counter).

Each client IP gets one counter per fixed window (a minute by default). A request is
admitted when ``previous_window_count * overlap + current_window_count`` stays below
the limit, where ``overlap`` is the share of the previous window still inside the
sliding window: bursts at a window boundary cannot double the rate as a plain fixed
window allows. Check and increment run in one Lua script (one round trip, atomic
across API replicas sharing the Redis).

A rejected request gets a 429 problem with ``Retry-After`` (seconds until the
estimate drops below the limit). Admitted responses carry ``RateLimit-Limit`` and
``RateLimit-Remaining``. When Redis is unreachable the limiter fails open (logged):
rate limiting protects the API, it must not take it down.

The client IP is the ASGI peer address. Behind a load balancer, run uvicorn with
``--proxy-headers --forwarded-allow-ips=<proxy ip>`` so the peer is the real client.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from api.exceptions import PROBLEM_BASE, RateLimitedError
from api.metrics import Metrics

log = logging.getLogger("azora.api.ratelimit")

# KEYS: current window counter, previous window counter.
# ARGV: limit, window length (ms), elapsed ms in the current window.
# Returns {admitted (0/1), remaining, retry_after_ms}.
_SLIDING_WINDOW = """
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local elapsed = tonumber(ARGV[3])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
local used = math.floor(previous * (window - elapsed) / window) + current
if used >= limit then
  local wait
  if current >= limit then
    -- next window: `current` becomes the previous count and must decay below the limit
    wait = window - elapsed + math.max(0, window - limit * window / current)
  else
    -- this window: wait until previous * (window - t) / window < limit - current
    wait = window - (limit - current) * window / previous - elapsed
  end
  return {0, 0, math.max(1, math.ceil(wait))}
end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], window * 2)
return {1, limit - used - 1, 0}
"""


@dataclass(frozen=True)
class Decision:
    """The limiter's answer for one request."""

    admitted: bool
    limit: int
    remaining: int
    retry_after: int  # seconds; 0 when admitted


class RateLimiter:
    """A sliding-window request limit per client id, kept in Redis."""

    def __init__(
        self,
        redis: Redis,
        *,
        limit: int,
        window_seconds: int = 60,
        prefix: str = "azora:api:ratelimit:",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or window_seconds < 1:
            raise ValueError("the rate limit and its window must be positive")
        self.redis = redis
        self.limit = limit
        self.window_ms = window_seconds * 1000
        self.prefix = prefix
        self.clock = clock
        self._script = redis.register_script(_SLIDING_WINDOW)

    async def hit(self, client: str) -> Decision:
        """Count one request of `client` if the limit allows it."""
        now_ms = int(self.clock() * 1000)
        window, elapsed = divmod(now_ms, self.window_ms)
        # The {client} hash tag keeps both counters in one Redis Cluster slot.
        base = f"{self.prefix}{{{client}}}:"
        admitted, remaining, retry_ms = await self._script(
            keys=[f"{base}{window}", f"{base}{window - 1}"], args=[self.limit, self.window_ms, elapsed]
        )
        return Decision(
            admitted=bool(admitted),
            limit=self.limit,
            remaining=max(0, int(remaining)),
            retry_after=0 if admitted else max(1, math.ceil(int(retry_ms) / 1000)),
        )


class RateLimitMiddleware:
    """ASGI middleware applying `limiter` to every HTTP request except `exempt_paths`."""

    def __init__(
        self,
        app: ASGIApp,
        limiter: RateLimiter,
        exempt_paths: Collection[str] = (),
        metrics: Metrics | None = None,
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.exempt_paths = frozenset(exempt_paths)
        self.metrics = metrics
        self._last_failure_log = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt_paths:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        client_id = client[0] if client else "unknown"
        try:
            decision = await self.limiter.hit(client_id)
        except (RedisError, OSError) as exc:
            self._log_failure(exc)
            await self.app(scope, receive, send)
            return
        if not decision.admitted:
            if self.metrics is not None:
                self.metrics.rate_limited.inc()
            error = RateLimitedError(
                f"more than {decision.limit} requests per minute from this client; "
                f"retry in {decision.retry_after} s"
            )
            response = problem(
                error.status,
                title=error.title,
                type_=PROBLEM_BASE + error.slug,
                detail=error.detail,
                instance=scope["path"],
                headers={
                    "Retry-After": str(decision.retry_after),
                    "RateLimit-Limit": str(decision.limit),
                    "RateLimit-Remaining": "0",
                },
            )
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"ratelimit-limit", str(decision.limit).encode()))
                headers.append((b"ratelimit-remaining", str(decision.remaining).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _log_failure(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_failure_log >= 60:  # at most one warning a minute
            self._last_failure_log = now
            log.warning("rate limiter unavailable, admitting requests", extra={"error": repr(exc)})
