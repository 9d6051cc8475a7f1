"""``python -m indexer``: run the indexer from the environment (INDEXER_* / DATABASE_URL / RPC_URL).

    python -m indexer                          follow the head
    python -m indexer --to-block 5000          backfill up to block 5000, then exit
    python -m indexer --reindex --no-follow    rebuild from scratch, exit when caught up

SIGINT / SIGTERM stop it cleanly after the range being committed.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from azora.exceptions import AzoraError
from azora.logs import configure_logging
from indexer.runner import run_indexer
from indexer.settings import IndexerSettings
from indexer.sync import Progress

log = logging.getLogger("indexer")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m indexer", description="Index Azora contracts into PostgreSQL."
    )
    parser.add_argument("--from-block", type=int, default=None, help="first block of a fresh database")
    parser.add_argument("--to-block", type=int, default=None, help="stop after indexing this block")
    parser.add_argument("--reindex", action="store_true", help="delete this chain's data and rebuild it")
    parser.add_argument("--no-follow", dest="follow", action="store_false", help="exit once caught up")
    parser.add_argument("--manifest", type=Path, default=None, help="deployment manifest (default: settings)")
    args = parser.parse_args(argv)

    configure_logging()
    settings = IndexerSettings()
    if args.manifest is not None:
        settings = settings.model_copy(update={"manifest_path": args.manifest})
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stop requested", extra={"signal": signal.Signals(signum).name})
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)

    def _progress(p: Progress) -> None:
        log.info(
            "progress",
            extra={
                "block": p.block,
                "target": p.target_block,
                "head": p.head_block,
                "events": p.events,
                "rate": round(p.events_per_second),
                "done": f"{p.fraction:.1%}",
            },
        )

    try:
        result = run_indexer(
            settings,
            from_block=args.from_block,
            to_block=args.to_block,
            reindex=args.reindex,
            follow=args.follow,
            on_progress=_progress,
            stop_event=stop,
        )
    except AzoraError as exc:
        log.error("indexer failed", extra={"error": str(exc), "kind": type(exc).__name__})
        return 1
    log.info("indexer done", extra={"last_block": result.last_block, "events": result.events})
    return 0


if __name__ == "__main__":
    sys.exit(main())
