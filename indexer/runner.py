"""The indexer's public entry point, called by ``azora index`` and ``python -m indexer``.

from indexer.runner import run_indexer
from indexer.settings import IndexerSettings

settings = IndexerSettings(database_url="postgresql://...", rpc_url="http://127.0.0.1:8545",
                           manifest_path=Path("deployments/local.json"))
run_indexer(settings)                                   # follow the head until stopped
run_indexer(settings, to_block=5_000, on_progress=print)  # backfill, then return
run_indexer(settings, reindex=True, follow=False)       # rebuild from scratch, then return
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from indexer.bus import Bus, NullBus, RedisBus
from indexer.db import create_db_engine, upgrade
from indexer.exceptions import IndexerConfigError
from indexer.registry import load_routes
from indexer.rpc import RetryPolicy, RpcClient
from indexer.settings import IndexerSettings
from indexer.sync import Progress, Syncer, SyncResult

log = logging.getLogger("indexer.runner")


def make_bus(settings: IndexerSettings) -> Bus:
    """The Redis event bus of `settings`, or a no-op bus when no Redis URL is set."""
    if not settings.redis_url:
        return NullBus()
    return RedisBus(
        settings.redis_url, stream=settings.bus_stream, prefix=settings.bus_prefix, maxlen=settings.bus_maxlen
    )


def run_indexer(
    settings: IndexerSettings,
    *,
    from_block: int | None = None,
    to_block: int | None = None,
    reindex: bool = False,
    follow: bool = True,
    on_progress: Callable[[Progress], None] | None = None,
    stop_event: threading.Event | None = None,
) -> SyncResult:
    """Migrate the database, then index the manifest's contracts.

    :param from_block: first block of a fresh (or reindexed) database; default: the first
        deploy block. On an indexed database it may not lie beyond the cursor + 1.
    :param to_block: stop once this block is indexed (a backfill); default: no end.
    :param reindex: delete this chain's indexed data first and rebuild it.
    :param follow: keep following the head; False returns once caught up (or at `to_block`).
    :param on_progress: called after every committed range with a `Progress`.
    :param stop_event: set it (from another thread or a signal handler) to stop cleanly.
    :returns: what the run did (last block, events, reorgs, elapsed time).
    """
    if not settings.database_url:
        raise IndexerConfigError("no database: set INDEXER_DATABASE_URL or DATABASE_URL")
    if not settings.rpc_url:
        raise IndexerConfigError("no RPC endpoint: set INDEXER_RPC_URL or RPC_URL")
    upgrade(settings.database_url)
    routes = load_routes(settings.manifest_path)
    engine = create_db_engine(settings.database_url, pool_size=4, max_overflow=4)
    rpc = RpcClient(
        settings.rpc_url,
        timeout=settings.rpc_timeout,
        policy=RetryPolicy(settings.rpc_retries, settings.backoff_base, settings.backoff_max),
        max_connections=settings.concurrency + 2,
    )
    bus = make_bus(settings)
    syncer = Syncer(settings, engine, rpc, routes, bus)
    log.info(
        "indexer starting",
        extra={
            "chain_id": routes.chain_id,
            "contracts": ",".join(r.contract for r in routes.routes),
            "from_block": from_block,
            "to_block": to_block,
            "reindex": reindex,
            "follow": follow,
        },
    )
    try:
        syncer.acquire_lock()
        syncer.prepare(reindex=reindex, from_block=from_block)
        return syncer.run(to_block=to_block, follow=follow, on_progress=on_progress, stop_event=stop_event)
    finally:
        syncer.close()
        bus.close()
        rpc.close()
        engine.dispose()
