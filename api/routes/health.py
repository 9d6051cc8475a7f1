"""`/health` (liveness), `/ready` (database, RPC and indexer lag) and `/metrics` (Prometheus)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import DBAPIError, ProgrammingError, SQLAlchemyError

from api.deps import SettingsDep, load_cursor
from api.errors import ProblemResponse, problem
from api.exceptions import PROBLEM_BASE, ApiError
from api.metrics import Metrics
from api.rpc import JsonRpcClient, RpcCallError
from api.schemas import CheckOut, HealthOut, ProblemOut, ReadyOut
from api.settings import ApiSettings

log = logging.getLogger("azora.api.health")

router = APIRouter(tags=["health"])

CHECK_TIMEOUT_SECONDS = 5.0


@router.get("/health", summary="Liveness")
async def read_health() -> HealthOut:
    """The process is up and serving; checks nothing else (use /ready for dependencies)."""
    return HealthOut(status="ok")


@dataclass
class _IndexState:
    chain_id: int
    indexed_block: int


NO_INDEX = "no indexed block"


@router.get(
    "/ready",
    summary="Readiness: database, RPC node and indexer lag",
    response_model=ReadyOut,
    responses={503: {"model": ProblemOut, "description": "Not ready; `checks` says which dependency fails."}},
)
async def read_ready(request: Request, settings: SettingsDep) -> ReadyOut | ProblemResponse:
    """Ready when the database answers, the RPC node answers for the same chain, and (with
    `API_READY_MAX_LAG_BLOCKS`) the indexer trails the node's head by no more than that."""
    (database, state, index_error), (rpc, chain_id, head) = await asyncio.gather(
        _check_database(request, settings), _check_rpc(request)
    )
    checks = {"database": database, "rpc": rpc}
    lag = None if state is None or head is None else max(0, head - state.indexed_block)
    if state is not None and chain_id is not None and chain_id != state.chain_id:
        checks["rpc"] = CheckOut(
            ok=False,
            latency_ms=rpc.latency_ms,
            error=f"the node serves chain {chain_id}, not {state.chain_id}",
        )
    max_lag = settings.ready_max_lag_blocks
    if state is None:
        checks["indexer"] = CheckOut(ok=False, error=index_error)
    elif max_lag is not None and (lag is None or lag > max_lag):
        checks["indexer"] = CheckOut(ok=False, error=f"lagging {lag} blocks (max {max_lag})")
    else:
        checks["indexer"] = CheckOut(ok=True)

    metrics: Metrics = request.app.state.metrics
    if state is not None:
        metrics.indexed_block.set(state.indexed_block)
    if lag is not None:
        metrics.indexer_lag.set(lag)

    ready = all(check.ok for check in checks.values())
    report = ReadyOut(
        status="ready" if ready else "not_ready",
        chain_id=state.chain_id if state else chain_id,
        indexed_block=state.indexed_block if state else None,
        head_block=head,
        lag_blocks=lag,
        checks=checks,
    )
    if ready:
        return report
    failing = ", ".join(f"{name}: {check.error}" for name, check in checks.items() if not check.ok)
    log.warning("not ready", extra={"failing": failing})
    return problem(
        503,
        title="Not ready",
        type_=PROBLEM_BASE + "not-ready",
        detail=failing,
        instance=request.url.path,
        headers={"Retry-After": "5", "Cache-Control": "no-store"},
        **report.model_dump(mode="json", exclude={"status"}),
    )


async def _check_database(
    request: Request, settings: ApiSettings
) -> tuple[CheckOut, _IndexState | None, str]:
    """The database check, the index state it read, and why there is none."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS), request.app.state.sessionmaker() as session:
            cursor = await load_cursor(session, settings.chain_id)
            state = _IndexState(chain_id=cursor.chain_id, indexed_block=cursor.last_block)
    except ApiError as exc:  # reachable, but nothing indexed yet (or several chains and no API_CHAIN_ID)
        return CheckOut(ok=True, latency_ms=_ms(started)), None, exc.detail
    except TimeoutError:
        return CheckOut(ok=False, error=f"timed out after {CHECK_TIMEOUT_SECONDS} s"), None, NO_INDEX
    except ProgrammingError:
        return CheckOut(ok=False, error="the indexer schema is missing; run the migrations"), None, NO_INDEX
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        log.warning("database check failed", extra={"error": type(exc).__name__})
        return CheckOut(ok=False, error="unreachable"), None, NO_INDEX
    return CheckOut(ok=True, latency_ms=_ms(started)), state, ""


async def _check_rpc(request: Request) -> tuple[CheckOut, int | None, int | None]:
    rpc: JsonRpcClient | None = request.app.state.rpc
    if rpc is None:
        return CheckOut(ok=False, error="no RPC URL configured (set API_RPC_URL or RPC_URL)"), None, None
    started = time.perf_counter()
    try:
        chain_id, head = await asyncio.gather(rpc.quantity("eth_chainId"), rpc.quantity("eth_blockNumber"))
    except RpcCallError as exc:
        return CheckOut(ok=False, error=str(exc)), None, None
    return CheckOut(ok=True, latency_ms=_ms(started)), chain_id, head


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition."}},
)
async def read_metrics(request: Request) -> Response:
    """Request counts and latencies by route template, rate-limit rejections, indexer lag."""
    metrics: Metrics = request.app.state.metrics
    return metrics.render()
