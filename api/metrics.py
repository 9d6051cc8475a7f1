"""Prometheus metrics of the API: requests by route template, latency, in-flight, rate limits, lag.

Labels use the route *template* (``/v1/accounts/{address}``), never the raw path, so
the number of series stays bounded however many addresses are queried. Each app
owns its registry (several apps in one process, as in the tests, do not collide).
With several uvicorn workers each worker exposes its own numbers; scrape them
per worker or run one worker per container.
"""

from __future__ import annotations

import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.process_collector import ProcessCollector
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UNMATCHED = "<unmatched>"
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The API's metric families, registered in their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.requests = Counter(
            "azora_api_requests",
            "HTTP requests answered, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "azora_api_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "azora_api_requests_in_flight", "HTTP requests being answered.", registry=self.registry
        )
        self.rate_limited = Counter(
            "azora_api_rate_limited",
            "Requests rejected with 429 by the rate limiter.",
            registry=self.registry,
        )
        self.indexed_block = Gauge(
            "azora_api_indexed_block",
            "Last block the indexer committed (seen by /ready).",
            registry=self.registry,
        )
        self.indexer_lag = Gauge(
            "azora_api_indexer_lag_blocks",
            "RPC head minus indexed block (seen by /ready).",
            registry=self.registry,
        )

    def render(self) -> Response:
        """The Prometheus text exposition of every metric."""
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def route_template(scope: Scope) -> str:
    """The path template of the route that handles `scope` (UNMATCHED for unknown paths)."""
    route = scope.get("route")
    if route is None:
        # Requests answered before routing (rate limited): match them ourselves.
        app = scope.get("app")
        for candidate in getattr(getattr(app, "router", None), "routes", ()):
            match, _ = candidate.matches(scope)
            if match is Match.FULL:
                route = candidate
                break
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class MetricsMiddleware:
    """ASGI middleware recording every HTTP request in `metrics`."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_recording)
        finally:
            self.metrics.in_flight.dec()
            route = route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
