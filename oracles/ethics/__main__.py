"""`python -m oracles.ethics`: the ethics oracle's follower (see `oracles.ethics.follower`).

    python -m oracles.ethics            # follow the event bus until SIGTERM / Ctrl-C
    python -m oracles.ethics --check    # validate the constitution and the evaluator, then exit

Reads ``ETHICS_*`` (constitution, evaluator, stream, consumer group) and the oracle core's
``ORACLE_*`` settings (``RPC_URL``, ``DATABASE_URL``, ``REDIS_URL``, ``ORACLE_MANIFEST_PATH``,
``ORACLE_REDIS_PREFIX``, ``ORACLE_QUEUE``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time

import redis

from azora.exceptions import AzoraError
from azora.logs import configure_logging
from oracles.ethics.chain import GovernanceChain
from oracles.ethics.constitution import load_constitution
from oracles.ethics.evaluator import load_evaluator
from oracles.ethics.follower import EthicsFollower
from oracles.ethics.settings import EthicsSettings
from oracles.exceptions import OracleError
from oracles.settings import OracleSettings
from oracles.store import make_sessions
from oracles.submitter import make_celery

log = logging.getLogger("oracles.ethics")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m oracles.ethics", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="Validate the constitution and the evaluator, then exit."
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging()
    settings = EthicsSettings()
    try:
        constitution = load_constitution(settings.constitution_path)
        evaluator = load_evaluator(settings.evaluator, constitution)
    except OracleError as exc:
        log.error("invalid constitution or evaluator", extra={"error": str(exc)})
        return 1
    summary = {
        "constitution": str(settings.constitution_path),
        "version": constitution.version,
        "rules": len(constitution.rules),
        "evaluator": evaluator.name,
    }
    if args.check:
        log.info("constitution valid", extra=summary)
        return 0
    oracle_settings = OracleSettings()
    try:
        oracle_settings.require("rpc_url", "database_url", "redis_url")
        assert oracle_settings.rpc_url and oracle_settings.database_url and oracle_settings.redis_url
        chain = GovernanceChain(
            oracle_settings.rpc_url,
            oracle_settings.manifest_path,
            timeout=oracle_settings.rpc_timeout_seconds,
        )
        chain.verify_chain()
    except (OracleError, AzoraError) as exc:
        log.error("ethics oracle cannot start", extra={"error": str(exc)})
        return 1
    client = redis.Redis.from_url(oracle_settings.redis_url, socket_timeout=30, socket_connect_timeout=5)
    sessions = make_sessions(oracle_settings.database_url, pool_size=2)
    celery = make_celery(oracle_settings)
    follower = EthicsFollower(
        settings,
        oracle_settings,
        redis_client=client,
        sessions=sessions,
        chain=chain,
        evaluator=evaluator,
        celery=celery,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    log.info(
        "ethics oracle started",
        extra={
            **summary,
            "stream": settings.stream,
            "group": settings.group,
            "consumer": settings.consumer,
            "governor": chain.governor_address,
            "chain_id": chain.chain_id,
        },
    )
    started = time.monotonic()
    try:
        follower.run(stop)
    finally:
        celery.close()
        client.close()
        sessions.kw["bind"].dispose()
    log.info("ethics oracle stopped", extra={"uptime_s": round(time.monotonic() - started)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
