"""`python -m oracles.worker`: the submitter's Celery worker with the right defaults.

Equivalent to ``celery -A oracles.submitter worker --pool solo -Q <ORACLE_QUEUE>
--without-gossip --without-mingle --without-heartbeat``; extra arguments are passed on to
Celery (e.g. ``--loglevel DEBUG``). The solo pool runs one tick at a time in the worker
process itself: ticks are serialised per relayer anyway, and a SIGKILL leaves no orphan
children. Scale out with more workers, each with its own relayer key (ORACLE_RELAYER_KEYSTORE).
"""

from __future__ import annotations

import os
import socket
import sys

from oracles.settings import get_oracle_settings
from oracles.submitter import app


def argv(extra: list[str]) -> list[str]:
    """The Celery worker command line."""
    settings = get_oracle_settings()
    return [
        "worker",
        "--pool",
        "solo",
        "--queues",
        settings.queue,
        "--hostname",
        f"oracles-{os.getpid()}@{socket.gethostname()}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel",
        "INFO",
        *extra,
    ]


def main() -> None:
    app.worker_main(argv(sys.argv[1:]))


if __name__ == "__main__":
    main()
