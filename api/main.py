"""The FastAPI application: `create_app(settings)` wires settings, database, Redis, RPC and routes.

Run it with uvicorn's factory mode (``azora api`` does the same)::

    uvicorn api.main:create_app --factory --host 0.0.0.0 --port 8000

Middleware, outermost first: metrics (sees every response, 429s included), CORS (so
browsers can read error responses), rate limit (when Redis is configured).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

import httpx
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from api.errors import install_error_handlers, install_problem_openapi, problem_responses
from api.metrics import Metrics, MetricsMiddleware
from api.ratelimit import RateLimiter, RateLimitMiddleware
from api.routes import (
    accounts,
    attestations,
    credentials,
    delegates,
    governance,
    health,
    ledger,
    oracle_sets,
    oracles,
    proposals,
    relay,
    rewards,
    token,
)
from api.rpc import JsonRpcClient
from api.settings import ApiSettings, get_api_settings

log = logging.getLogger("azora.api")

DESCRIPTION = """
Read API over the Azora indexer's PostgreSQL mirror of the chain.

* Addresses are accepted in any letter case and served EIP-55 checksummed.
* uint256 values (amounts in wei, votes) are decimal strings.
* Every body carries `chain_id` and `indexed_block` (the data is as of that block).
* Lists are keyset-paginated: `?limit=&cursor=` → `{"data": [...], "next_cursor": ...}`.
* Errors are RFC 9457 `application/problem+json`; 429 comes with `Retry-After`.
"""


def _version() -> str:
    try:
        return version("azora-chain-core")
    except PackageNotFoundError:
        return "0.0.0"


def create_engine(settings: ApiSettings) -> AsyncEngine:
    """The async engine: read-only REPEATABLE READ sessions, so a request reads one consistent snapshot."""
    options = f"-c statement_timeout={settings.db_statement_timeout_ms}"
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"connect_timeout": 5, "options": options, "application_name": "azora-api"},
        execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True},
    )


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """A new API application. Without `settings`, they are read from the environment."""
    settings = settings or get_api_settings()
    engine = create_engine(settings)
    http = httpx.AsyncClient(headers={"User-Agent": "azora-api"})
    redis = (
        Redis.from_url(settings.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0)
        if settings.redis_url
        else None
    )
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info(
            "api starting",
            extra={
                "rate_limit": settings.rate_limit_per_minute if redis else "off",
                "rpc": bool(settings.rpc_url),
            },
        )
        try:
            yield
        finally:
            await http.aclose()
            if redis is not None:
                await redis.aclose()
            await engine.dispose()
            log.info("api stopped")

    app = FastAPI(
        title="Azora API",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    app.state.redis = redis
    app.state.rpc = (
        JsonRpcClient(settings.rpc_url, http, settings.rpc_timeout_seconds) if settings.rpc_url else None
    )
    app.state.metrics = metrics

    install_error_handlers(app)
    install_problem_openapi(app)
    app.include_router(health.router)
    for module in (accounts, token, delegates, ledger):
        app.include_router(module.router, responses=problem_responses(400, 422, 429, 503))
    app.include_router(oracles.router, responses=problem_responses(429))
    for module in (attestations, credentials, rewards, oracle_sets, proposals, governance):
        app.include_router(module.router, responses=problem_responses(400, 422, 429, 503))
    app.include_router(relay.router)  # wallet-signed writes; each route lists its own problems

    # add_middleware wraps: the last one added is the outermost.
    if redis is not None:
        limiter = RateLimiter(redis, limit=settings.rate_limit_per_minute, prefix=settings.rate_limit_prefix)
        app.add_middleware(
            RateLimitMiddleware,
            limiter=limiter,
            exempt_paths=settings.rate_limit_exempt_paths,
            metrics=metrics,
        )
    else:
        log.warning("no Redis URL: rate limiting is off")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["*"],
            expose_headers=["Retry-After", "RateLimit-Limit", "RateLimit-Remaining"],
        )
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app
