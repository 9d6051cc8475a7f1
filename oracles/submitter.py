"""The submitter: a Celery app (Redis broker) whose `oracles.tick` task drives `oracles.relay.Relay`.

Run a worker with either of::

    python -m oracles.worker
    celery -A oracles.submitter worker --pool solo -Q azora.oracles

PostgreSQL is the queue of record; Celery only decides *when* a tick runs:

* the intake stores a submission (status queued) and then calls `enqueue_tick`;
* every tick schedules its successor (`poll_interval_seconds` while work is open,
  `idle_interval_seconds` otherwise), so a stored submission is always picked up, even if
  its enqueue was lost;
* a tick that meets an unavailable RPC node, Redis or database retries itself with
  exponential backoff (`backoff_base_seconds` doubling up to `backoff_max_seconds`);
* at worker start `requeue_pending()` (connected to Celery's ``worker_ready``) schedules a
  tick at once: a killed worker's work resumes from the database.

One tick chain: the next tick is recorded in Redis (``<prefix>oracle:tick`` = ``"<task
id>|<eta>"``); a tick only reschedules when it is that recorded task, when nothing is
recorded, or when it would run sooner, so kicks from many API replicas never multiply chains.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery, Task
from celery.signals import setup_logging, worker_process_init, worker_ready
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from azora.exceptions import AzoraError
from azora.logs import configure_logging
from oracles.chain import HubClient
from oracles.collector import RedisKeys
from oracles.exceptions import OracleError, RpcUnavailableError
from oracles.keys import load_relayer
from oracles.relay import Relay
from oracles.settings import OracleSettings, get_oracle_settings
from oracles.store import make_sessions, open_counts

log = logging.getLogger("oracles.submitter")

TICK_TASK = "oracles.tick"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
# How long a recorded next tick outlives its ETA before another kick may replace it.
SCHEDULE_GRACE_SECONDS = 60.0
# Errors a tick retries after a backoff: the node, Redis or the database unavailable, the relayer lock
# lost mid-tick, configuration not there yet (the manifest appears once the stack is deployed).
TRANSIENT_ERRORS = (
    RpcUnavailableError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.LockError,
    OperationalError,
)

# KEYS[1] = the tick key; ARGV = new task id, eta (unix seconds), ttl (ms), caller task id, force.
_SCHEDULE = """
local current = redis.call('GET', KEYS[1])
if current and ARGV[5] ~= '1' then
  local sep = string.find(current, '|', 1, true)
  local current_id = string.sub(current, 1, sep - 1)
  local current_eta = tonumber(string.sub(current, sep + 1))
  if current_id ~= ARGV[4] and current_eta <= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1
"""


def make_celery(settings: OracleSettings) -> Celery:
    """A Celery app for `settings`: Redis broker (keys under the settings' prefix), no result backend."""
    app = Celery("oracles", broker=settings.redis_url or DEFAULT_BROKER, set_as_current=False)
    app.conf.update(
        task_default_queue=settings.queue,
        task_ignore_result=True,
        task_acks_late=False,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        broker_transport_options={"global_keyprefix": settings.redis_prefix, "visibility_timeout": 3_600},
        task_publish_retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
    )
    return app


def schedule_tick(
    client: redis.Redis,
    celery: Celery,
    settings: OracleSettings,
    countdown: float = 0.0,
    *,
    caller: str = "",
    force: bool = False,
) -> bool:
    """Schedule `oracles.tick` in `countdown` seconds unless a tick is already due no later
    (`caller`: the id of the tick asking, which may always replace itself; `force`: always)."""
    task_id = str(uuid.uuid4())
    eta = time.time() + countdown
    ttl_ms = int((countdown + SCHEDULE_GRACE_SECONDS + settings.lock_ttl_seconds) * 1000)
    script = client.register_script(_SCHEDULE)
    key = RedisKeys(settings.redis_prefix).tick()
    if not script(keys=[key], args=[task_id, f"{eta:.3f}", ttl_ms, caller, "1" if force else "0"]):
        return False
    celery.send_task(TICK_TASK, task_id=task_id, countdown=countdown, queue=settings.queue)
    return True


def enqueue_tick(client: redis.Redis, celery: Celery, settings: OracleSettings) -> bool:
    """Ask for a tick now (the intake calls this after storing a submission)."""
    return schedule_tick(client, celery, settings, 0.0)


# --- the worker process ------------------------------------------------------------------------


@dataclass
class Runtime:
    """What a worker process builds once: settings, database, Redis, chain and relay."""

    settings: OracleSettings
    sessions: sessionmaker[Session]
    redis: redis.Redis
    relay: Relay


_runtime: Runtime | None = None


def runtime() -> Runtime:
    """The process's runtime, built on first use from the environment."""
    global _runtime
    if _runtime is None:
        settings = get_oracle_settings()
        settings.require("rpc_url", "database_url", "redis_url")
        assert settings.rpc_url and settings.database_url and settings.redis_url
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
        sessions = make_sessions(settings.database_url)
        hub = HubClient(settings.rpc_url, settings.manifest_path, timeout=settings.rpc_timeout_seconds)
        hub.verify_chain()
        relayer = load_relayer(settings)
        relay = Relay(settings, sessions=sessions, redis_client=client, hub=hub, relayer=relayer)
        log.info(
            "submitter ready",
            extra={
                "chain_id": hub.chain_id,
                "hub": hub.address,
                "relayer": relay.address,
                "queue": settings.queue,
            },
        )
        _runtime = Runtime(settings=settings, sessions=sessions, redis=client, relay=relay)
    return _runtime


app = make_celery(get_oracle_settings())


def _backoff(settings: OracleSettings, retries: int) -> float:
    return float(min(settings.backoff_base_seconds * 2**retries, settings.backoff_max_seconds))


@app.task(name=TICK_TASK, bind=True, max_retries=None)
def tick(self: Task) -> dict[str, int] | None:
    """One pass of the relay, then schedule the next one (see the module docstring)."""
    settings = get_oracle_settings()
    me = str(self.request.id or "")
    try:
        rt = runtime()
        report = rt.relay.tick()
    except Exception as exc:
        delay = _backoff(settings, self.request.retries)
        if isinstance(exc, TRANSIENT_ERRORS):
            log.warning("tick failed; retrying", extra={"error": str(exc), "retry_in": delay})
        elif isinstance(exc, OracleError | AzoraError):
            log.error("tick cannot run; retrying", extra={"error": str(exc), "retry_in": delay})
        else:
            log.exception("tick crashed; retrying", extra={"retry_in": delay})
        try:
            client = redis.Redis.from_url(settings.redis_url or DEFAULT_BROKER)
            ttl_ms = int((delay + SCHEDULE_GRACE_SECONDS + settings.lock_ttl_seconds) * 1000)
            client.set(RedisKeys(settings.redis_prefix).tick(), f"{me}|{time.time() + delay:.3f}", px=ttl_ms)
        except redis.exceptions.RedisError:
            pass  # the retry message below still carries the chain
        raise self.retry(countdown=delay, exc=exc) from exc
    if report is None:  # another process holds the relayer lock; it will reschedule
        countdown = settings.poll_interval_seconds
    else:
        countdown = settings.poll_interval_seconds if report.open else settings.idle_interval_seconds
    schedule_tick(rt.redis, app, settings, countdown, caller=me)
    return None if report is None else report.as_log()


def requeue_pending(settings: OracleSettings | None = None) -> dict[str, int]:
    """Resume after a (re)start: count the open submissions and schedule a tick now, replacing
    whatever tick a dead worker had scheduled. Returns the open submissions by status."""
    rt = runtime()
    settings = settings or rt.settings
    with rt.sessions() as session:
        counts = open_counts(session, rt.relay.chain_id)
    schedule_tick(rt.redis, app, settings, 0.0, force=True)
    log.info("requeued open submissions", extra=counts)
    return counts


@worker_ready.connect
def _on_worker_ready(**_: Any) -> None:
    try:
        requeue_pending()
    except Exception as exc:  # the worker still runs: start the tick chain, which retries with backoff
        log.error("requeue_pending failed at worker start", extra={"error": str(exc)})
        settings = get_oracle_settings()
        try:
            client = redis.Redis.from_url(settings.redis_url or DEFAULT_BROKER)
            schedule_tick(client, app, settings, settings.backoff_base_seconds, force=True)
        except Exception as again:
            log.error("cannot schedule the first tick", extra={"error": str(again)})


@worker_process_init.connect
def _on_child_start(**_: Any) -> None:
    """A prefork child must not share the parent's database and Redis connections: build anew."""
    global _runtime
    _runtime = None


@setup_logging.connect
def _setup_logging(**_: Any) -> None:
    configure_logging()
    # One "received" and one "succeeded" line per tick (several a second) would drown the rest.
    for chatty in ("celery.app.trace", "celery.worker.strategy"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
