"""The sync loop: chain -> PostgreSQL, reorg-safe and crash-safe.

One iteration:

1. **Head.** One JSON-RPC batch reads the head (plus the ``safe`` / ``finalized`` tags
   when configured) and the header at the cursor. Blocks at or below ``final`` (``head -
   reorg_window``, or the finality tag) are treated as final; newer blocks form the
   *unfinalised window*, whose headers are kept in ``blocks``.
2. **Reorg check.** If the cursor block is in the window and its hash changed (or it no
   longer exists), the stored headers are compared with the canonical ones, newest first;
   the highest match is the fork point. Every handler rolls back above it, raw logs and
   headers above it are deleted and the cursor moves to it -- one transaction -- and a
   ``reorg`` message goes on the bus.
3. **Fetch.** Ranges from ``cursor + 1`` up to the target (``head - confirmations`` or the
   tag) are planned by `AdaptiveRange` and fetched by a bounded thread pool, split on
   "too large" refusals. A range never straddles ``final``. For window ranges every header
   is fetched after the logs and checked: each log's block hash must equal its header's,
   and the headers must chain from the cursor's hash; otherwise the iteration restarts.
4. **Commit.** Per range, in chain order, in ONE transaction: COPY raw logs, every
   handler's ``apply``, headers of the window, pruning of headers below ``final``, and the
   cursor. A crash before the commit loses nothing (the range is read again); after it,
   nothing is read twice.
5. **Publish.** The range's decoded events go to the Redis stream on a publisher thread
   (the loop goes on), then ``published_block`` advances. A crash or a Redis outage in
   between leaves a gap that is republished from ``raw_logs`` (retried every few seconds).

Transient RPC failures are retried inside `RpcClient`; an iteration that still fails is
retried with backoff from the last committed block.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from indexer.bus import Bus, NullBus
from indexer.decoders import Event
from indexer.exceptions import (
    ChainMismatchError,
    GapError,
    InconsistentRangeError,
    IndexerBusyError,
    ManifestChangedError,
    RangeTooLargeError,
    ReorgTooDeepError,
    RpcError,
)
from indexer.handlers import Db
from indexer.ranges import AdaptiveRange, split
from indexer.registry import Routes
from indexer.rpc import Header, RpcClient
from indexer.settings import IndexerSettings

log = logging.getLogger("indexer.sync")

RAW_LOG_COLUMNS = (
    "chain_id",
    "block_number",
    "log_index",
    "block_hash",
    "tx_hash",
    "tx_index",
    "address",
    "topic0",
    "topic1",
    "topic2",
    "topic3",
    "data",
    "block_timestamp",
)
# Consecutive failed iterations before the loop gives up (each already retried its RPC calls).
MAX_ITERATION_FAILURES = 12
# Consecutive restarts (the chain moving under a range) before the loop gives up.
MAX_RESTARTS = 200
# Seconds between attempts to republish while the event bus is failing.
BUS_RETRY_SECONDS = 5.0
_LOCK_NAMESPACE = 0x417A6F72  # "Azor": advisory-lock key space of the indexer


@dataclass(frozen=True)
class Progress:
    """Reported to ``on_progress`` after every committed range."""

    chain_id: int
    start_block: int
    block: int
    target_block: int
    head_block: int
    events: int
    elapsed: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def fraction(self) -> float:
        """Share of [start_block, target_block] done (1.0 when caught up)."""
        span = self.target_block - self.start_block + 1
        return 1.0 if span <= 0 else max(0.0, min(1.0, (self.block - self.start_block + 1) / span))


@dataclass
class SyncResult:
    """What one `Syncer.run` did."""

    chain_id: int
    last_block: int
    events: int = 0
    logs: int = 0
    ranges: int = 0
    reorgs: int = 0
    elapsed: float = 0.0


@dataclass
class Cursor:
    """In-memory copy of the ``sync_cursors`` row."""

    start_block: int
    last_block: int
    last_hash: str | None
    published_block: int
    pending_reorg_block: int | None = None


@dataclass
class RangeData:
    """What one fetched range holds."""

    from_block: int
    to_block: int
    logs: list[dict[str, Any]]
    # Window ranges: every header of the range; final ranges: the last block's only.
    headers: list[Header]
    window: bool
    # Timestamps of blocks whose logs lack `blockTimestamp` (older nodes).
    timestamps: dict[int, int] = field(default_factory=dict)
    # Filled by the fetch thread: raw_logs rows and decoded events per route.
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[list[Event]] = field(default_factory=list)


class _Publisher:
    """Publishes committed ranges on a background thread, in order, then records each one in
    ``sync_cursors.published_block`` -- so the main loop goes on to the next range meanwhile.

    A failure drops the rest of the queue (nothing is lost: those ranges are committed and
    `Syncer._flush_bus` republishes them from raw_logs)."""

    def __init__(self, bus: Bus, engine: Engine, chain_id: int, cursor: Cursor) -> None:
        self.bus = bus
        self.engine = engine
        self.chain_id = chain_id
        self.cursor = cursor
        self.failed = False
        self._queue: queue.Queue[tuple[list[Event], int] | None] = queue.Queue(maxsize=4)
        self._thread = threading.Thread(target=self._run, name="bus-publisher", daemon=True)
        self._thread.start()

    def submit(self, events: list[Event], up_to: int) -> None:
        """Queue a committed range's events (blocks while 4 ranges are already waiting)."""
        self._queue.put((events, up_to))

    def drain(self) -> None:
        """Wait until every queued range is published (or dropped after a failure)."""
        self._queue.join()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if not self.failed:
                    self._publish(*item)
            finally:
                self._queue.task_done()

    def _publish(self, events: list[Event], up_to: int) -> None:
        try:
            self.bus.publish(self.chain_id, events)
            with self.engine.begin() as conn:
                conn.execute(
                    text("UPDATE sync_cursors SET published_block = :b WHERE chain_id = :c"),
                    {"b": up_to, "c": self.chain_id},
                )
        except Exception as exc:  # the bus must never stop indexing
            self.failed = True
            log.warning("event bus publish failed", extra={"error": repr(exc), "up_to": up_to})
            return
        self.cursor.published_block = up_to


class _Restart(Exception):
    """Internal: drop pending fetches and start a new iteration (the chain moved under us)."""


class Syncer:
    """Indexes one deployment into one database (see the module docstring)."""

    def __init__(
        self,
        settings: IndexerSettings,
        engine: Engine,
        rpc: RpcClient,
        routes: Routes,
        bus: Bus | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.rpc = rpc
        self.routes = routes
        self.bus: Bus = bus or NullBus()
        self.chain_id = routes.chain_id
        self.ranges = AdaptiveRange(
            size=settings.initial_range,
            min_size=settings.min_range,
            max_size=settings.max_range,
            target_logs=settings.target_logs,
        )
        self.cursor: Cursor | None = None
        self._pool = ThreadPoolExecutor(max_workers=settings.concurrency, thread_name_prefix="getlogs")
        self._lock_conn: Connection | None = None
        self._rng = random.Random()
        self._cursor_header: dict[str, Any] | None = None
        self._cursor_checked = False
        self._reorg_depth = 0
        self._publisher: _Publisher | None = None
        # Last block whose events are published or queued for publishing.
        self._scheduled_block = -1
        # While the bus is failing, republishing is retried no sooner than this (monotonic).
        self._bus_retry_at = 0.0

    # --- setup ---------------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the fetch and publisher threads and release the chain lock."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._publisher is not None:
            self._publisher.close()
            self._publisher = None
        if self._lock_conn is not None:
            self._lock_conn.close()
            self._lock_conn = None

    def acquire_lock(self, wait: float = 10.0) -> None:
        """Hold a PostgreSQL advisory lock on this chain: one indexer per chain and database.

        Waits up to `wait` seconds: the lock of a killed indexer is freed as soon as
        PostgreSQL notices its connection is gone.
        """
        conn = self.engine.connect()
        params = {"ns": _LOCK_NAMESPACE, "key": self.chain_id % 2**31}
        deadline = time.monotonic() + wait
        while True:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:ns, :key)"), params).scalar()
            conn.commit()
            if got:
                self._lock_conn = conn
                return
            if time.monotonic() >= deadline:
                conn.close()
                raise IndexerBusyError(f"another indexer holds chain {self.chain_id} in this database")
            time.sleep(0.1)

    def prepare(self, *, reindex: bool = False, from_block: int | None = None) -> Cursor:
        """Check the chain, create / reset / validate the cursor row and load it."""
        remote = self.rpc.chain_id()
        if remote != self.chain_id:
            raise ChainMismatchError(f"RPC chain id {remote} differs from the manifest's {self.chain_id}")
        fingerprint = self.routes.fingerprint
        with self.engine.begin() as conn:
            db = Db(conn, self.chain_id)
            if reindex:
                self._reset(db)
            row = db.execute(
                "SELECT start_block, last_block, last_block_hash, published_block, pending_reorg_block,"
                " addresses FROM sync_cursors WHERE chain_id = :chain_id FOR UPDATE"
            ).first()
            if row is None:
                start = self.routes.start_block if from_block is None else from_block
                if from_block is not None and from_block > self.routes.start_block:
                    log.warning(
                        "backfill starts after the first deploy block: projections miss earlier events",
                        extra={"from_block": from_block, "deploy_block": self.routes.start_block},
                    )
                db.execute(
                    "INSERT INTO sync_cursors (chain_id, start_block, last_block, last_block_hash,"
                    " head_block, final_block, published_block, pending_reorg_block, addresses, updated_at)"
                    " VALUES (:chain_id, :start, :last, NULL, 0, 0, :last, NULL, :addresses, now())",
                    {"start": start, "last": start - 1, "addresses": fingerprint},
                )
                self.cursor = Cursor(start, start - 1, None, start - 1)
                log.info("new cursor", extra={"chain_id": self.chain_id, "start_block": start})
            else:
                if row.addresses != fingerprint:
                    raise ManifestChangedError(
                        f"database indexed {row.addresses!r}, manifest has {fingerprint!r}; use --reindex"
                    )
                if from_block is not None and from_block > row.last_block + 1:
                    raise GapError(
                        f"cannot start at block {from_block}: the database is indexed up to {row.last_block}"
                    )
                self.cursor = Cursor(
                    row.start_block,
                    row.last_block,
                    row.last_block_hash,
                    row.published_block,
                    row.pending_reorg_block,
                )
                log.info("resuming", extra={"chain_id": self.chain_id, "last_block": row.last_block})
        return self.cursor

    def _reload_cursor(self) -> None:
        """Re-read the cursor row (after a database error left its commit status unknown)."""
        assert self.cursor is not None
        try:
            with self.engine.connect() as conn:
                row = conn.execute(
                    text(
                        "SELECT last_block, last_block_hash, published_block, pending_reorg_block"
                        " FROM sync_cursors WHERE chain_id = :c"
                    ),
                    {"c": self.chain_id},
                ).first()
        except OperationalError:
            return  # still down; the next failure retries
        if row is not None:
            self.cursor.last_block = row.last_block
            self.cursor.last_hash = row.last_block_hash
            self.cursor.published_block = row.published_block
            self.cursor.pending_reorg_block = row.pending_reorg_block

    def _reset(self, db: Db) -> None:
        tables = [*self.routes.tables, "raw_logs", "blocks", "sync_cursors"]
        db.delete_chain(tables)
        log.info("reindex: chain data deleted", extra={"chain_id": self.chain_id, "tables": len(tables)})

    # --- main loop -----------------------------------------------------------------------------------

    def run(
        self,
        *,
        to_block: int | None = None,
        follow: bool = True,
        on_progress: Callable[[Progress], None] | None = None,
        stop_event: threading.Event | None = None,
    ) -> SyncResult:
        """Index until caught up (`follow=False`), until `to_block`, or until `stop_event` is set."""
        if self.cursor is None:
            raise RuntimeError("call prepare() first")
        stop = stop_event or threading.Event()
        started = time.monotonic()
        result = SyncResult(chain_id=self.chain_id, last_block=self.cursor.last_block)
        run_start = self.cursor.last_block + 1
        failures = restarts = 0
        while not stop.is_set():
            try:
                self._flush_bus()
                head, target, final = self._heads()
                if self._reorged(final):
                    self._rollback(final)
                    result.reorgs += 1
                    continue
                stop_at = target if to_block is None else min(target, to_block)
                if self.cursor.last_block >= stop_at:
                    if not follow or (to_block is not None and self.cursor.last_block >= to_block):
                        break
                    stop.wait(self.settings.poll_interval)
                    failures = restarts = 0
                    continue
                for data in self._fetch(self.cursor.last_block + 1, stop_at, final):
                    events, logs = self._commit(data, head, final)
                    failures = restarts = 0
                    result.events += events
                    result.logs += logs
                    result.ranges += 1
                    result.last_block = self.cursor.last_block
                    if on_progress is not None:
                        on_progress(
                            Progress(
                                chain_id=self.chain_id,
                                start_block=run_start,
                                block=self.cursor.last_block,
                                target_block=stop_at,
                                head_block=head,
                                events=result.events,
                                elapsed=time.monotonic() - started,
                            )
                        )
                    if stop.is_set():
                        break
            except (_Restart, InconsistentRangeError) as exc:
                restarts += 1
                if restarts >= MAX_RESTARTS:
                    raise InconsistentRangeError(f"{restarts} restarts in a row, last: {exc}") from exc
                log.info(
                    "restarting iteration", extra={"reason": str(exc), "last_block": self.cursor.last_block}
                )
                stop.wait(min(self.settings.poll_interval, 0.2))
            except (RpcError, OperationalError) as exc:
                # RPC: already retried call by call. Database: connection lost or server restarting --
                # the transaction rolled back (or committed without us hearing): re-read the cursor.
                failures += 1
                if failures >= MAX_ITERATION_FAILURES:
                    raise
                if isinstance(exc, OperationalError):
                    self._reload_cursor()
                delay = min(self.settings.backoff_max, self.settings.backoff_base * 2**failures)
                delay = delay / 2 + self._rng.random() * delay / 2
                log.warning(
                    "iteration failed",
                    extra={"error": str(exc), "failures": failures, "retry_in": round(delay, 2)},
                )
                stop.wait(delay)
        self._flush_bus()
        result.last_block = self.cursor.last_block
        result.elapsed = time.monotonic() - started
        log.info(
            "sync stopped",
            extra={
                "chain_id": self.chain_id,
                "last_block": result.last_block,
                "events": result.events,
                "reorgs": result.reorgs,
                "elapsed": round(result.elapsed, 3),
            },
        )
        return result

    # --- head and reorgs -----------------------------------------------------------------------------

    def _heads(self) -> tuple[int, int, int]:
        """(head, target, final) from one JSON-RPC batch; also caches the cursor block's header."""
        assert self.cursor is not None
        settings = self.settings
        calls: list[tuple[str, Sequence[Any]]] = [("eth_blockNumber", [])]
        if settings.head_tag != "latest":
            calls.append(("eth_getBlockByNumber", [settings.head_tag, False]))
        if settings.finality_tag != "none":
            calls.append(("eth_getBlockByNumber", [settings.finality_tag, False]))
        check_cursor = self.cursor.last_hash is not None and self.cursor.last_block >= 0
        if check_cursor:
            calls.append(("eth_getBlockByNumber", [hex(self.cursor.last_block), False]))
        results = self.rpc.batch(calls)
        head = int(results[0], 16)
        position = 1
        target = head - settings.confirmations
        if settings.head_tag != "latest":
            tagged = results[position]
            position += 1
            target = int(tagged["number"], 16) if tagged else -1
        final = head - settings.reorg_window
        if settings.finality_tag != "none":
            tagged = results[position]
            position += 1
            if tagged:
                final = max(final, int(tagged["number"], 16))
        self._cursor_header = results[position] if check_cursor else None
        self._cursor_checked = check_cursor
        return head, min(target, head), min(final, head)

    def _reorged(self, final: int) -> bool:
        """True when the cursor block (in the window) is no longer canonical."""
        assert self.cursor is not None
        if not self._cursor_checked or self.cursor.last_block <= final:
            return False
        header = self._cursor_header
        if header is not None and header["hash"].lower() == self.cursor.last_hash:
            return False
        log.warning(
            "reorg detected",
            extra={
                "block": self.cursor.last_block,
                "stored": self.cursor.last_hash,
                "canonical": None if header is None else header["hash"],
            },
        )
        return True

    def _rollback(self, final: int) -> None:
        """Find the fork point among the stored headers and roll everything back to it."""
        assert self.cursor is not None
        with self.engine.connect() as conn:
            stored = conn.execute(
                text(
                    "SELECT number, hash FROM blocks WHERE chain_id = :chain_id AND number <= :last"
                    " ORDER BY number DESC"
                ),
                {"chain_id": self.chain_id, "last": self.cursor.last_block},
            ).all()
        canonical = self.rpc.get_headers([row.number for row in stored], self.settings.header_batch)
        fork: tuple[int, str] | None = None
        for row, header in zip(stored, canonical, strict=True):
            if header is not None and header.hash == row.hash:
                fork = (row.number, row.hash)
                break
        if fork is None:
            if not stored and self.cursor.last_block < self.cursor.start_block:
                return
            lowest = stored[-1].number if stored else self.cursor.last_block
            raise ReorgTooDeepError(
                f"no stored header from {lowest} to {self.cursor.last_block} is canonical"
            )
        fork_block, fork_hash = fork
        depth = self.cursor.last_block - fork_block
        if self._publisher is not None:
            self._publisher.drain()  # nothing may be published above the fork after the notice
        with self.engine.begin() as conn:
            db = Db(conn, self.chain_id)
            for route in reversed(self.routes.routes):
                route.handler.rollback(db, fork_block)
            params = {"fork": fork_block}
            db.execute("DELETE FROM raw_logs WHERE chain_id = :chain_id AND block_number > :fork", params)
            db.execute("DELETE FROM blocks WHERE chain_id = :chain_id AND number > :fork", params)
            pending = (
                fork_block
                if self.cursor.pending_reorg_block is None
                else min(fork_block, self.cursor.pending_reorg_block)
            )
            db.execute(
                "UPDATE sync_cursors SET last_block = :fork, last_block_hash = :hash,"
                " published_block = LEAST(published_block, :fork), pending_reorg_block = :pending,"
                " updated_at = now() WHERE chain_id = :chain_id",
                {"fork": fork_block, "hash": fork_hash, "pending": pending},
            )
        self.cursor.last_block = fork_block
        self.cursor.last_hash = fork_hash
        self.cursor.published_block = min(self.cursor.published_block, fork_block)
        self.cursor.pending_reorg_block = pending
        self._reorg_depth = depth
        log.warning(
            "rolled back", extra={"fork_block": fork_block, "depth": depth, "chain_id": self.chain_id}
        )
        self._flush_bus()

    # --- fetching ------------------------------------------------------------------------------------

    def _fetch(self, start: int, stop: int, final: int) -> Iterator[RangeData]:
        """Fetched ranges covering [start, stop] in order, `concurrency` requests in flight."""
        pending: deque[Future[RangeData]] = deque()
        next_block = start
        try:
            while True:
                while len(pending) < self.settings.concurrency and next_block <= stop:
                    lo, hi = self.ranges.plan(next_block, stop)
                    if lo <= final < hi:
                        hi = final  # never straddle the window boundary
                    window = hi > final
                    if window:
                        hi = min(hi, lo + self.settings.header_batch * 4 - 1)
                    pending.append(self._pool.submit(self._fetch_range, lo, hi, window))
                    next_block = hi + 1
                    if window:
                        break  # window ranges are small and checked one at a time
                if not pending:
                    return
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

    def _fetch_range(self, lo: int, hi: int, window: bool) -> RangeData:
        logs = self._get_logs(lo, hi)
        if window:
            numbers = list(range(lo, hi + 1))
        else:
            numbers = [hi]
        missing_ts = {int(entry["blockNumber"], 16) for entry in logs if "blockTimestamp" not in entry}
        extra = sorted(missing_ts - set(numbers))
        headers = self.rpc.get_headers(numbers + extra, self.settings.header_batch)
        if any(h is None for h in headers):
            raise InconsistentRangeError(f"blocks of [{lo}, {hi}] vanished while reading them")
        known: list[Header] = [h for h in headers if h is not None]
        timestamps = {h.number: h.timestamp for h in known}
        by_number = {h.number: h.hash for h in known}
        if window:
            for previous, current in zip(known, known[1 : len(numbers)], strict=False):
                if current.parent_hash != previous.hash:
                    raise InconsistentRangeError(f"headers of [{lo}, {hi}] do not chain at {current.number}")
            for entry in logs:
                if entry["blockHash"].lower() != by_number[int(entry["blockNumber"], 16)]:
                    raise InconsistentRangeError(f"a log of [{lo}, {hi}] is from another fork")
        else:
            for entry in logs:
                number = int(entry["blockNumber"], 16)
                if number in by_number and entry["blockHash"].lower() != by_number[number]:
                    raise InconsistentRangeError(f"a log of [{lo}, {hi}] is from another fork")
        data = RangeData(lo, hi, logs, known[: len(numbers)], window, timestamps)
        # Decoding here, in the fetch thread, overlaps it with the main thread's COPY waits.
        data.rows, data.events = self._decode(data)
        return data

    def _get_logs(self, lo: int, hi: int) -> list[dict[str, Any]]:
        """Logs of [lo, hi], splitting the range while the node refuses it for size."""
        try:
            logs = self.rpc.get_logs(lo, hi, self.routes.addresses)
        except RangeTooLargeError:
            if hi <= lo:
                raise
            self.ranges.on_too_large(hi - lo + 1)
            (a, b), (c, d) = split(lo, hi)
            log.debug("range split", extra={"from_block": lo, "to_block": hi})
            return self._get_logs(a, b) + self._get_logs(c, d)
        self.ranges.on_success(hi - lo + 1, len(logs))
        return logs

    # --- decoding and committing ---------------------------------------------------------------------

    def _decode(self, data: RangeData) -> tuple[list[tuple[Any, ...]], list[list[Event]]]:
        """Raw-log rows and decoded events per route, in chain order (the hot loop).

        Hex strings are kept as the node sends them (lowercase per the JSON-RPC encoding);
        only the contract address is lowercased, because it routes the log."""
        chain_id = self.chain_id
        by_address = self.routes.by_address
        per_route: list[list[Event]] = [[] for _ in self.routes.routes]
        rows: list[tuple[Any, ...]] = []
        append_row = rows.append
        timestamps = data.timestamps
        for entry in data.logs:
            if entry.get("removed"):
                continue
            topics = entry["topics"]
            number = int(entry["blockNumber"], 16)
            index = int(entry["logIndex"], 16)
            stamp = entry.get("blockTimestamp")
            timestamp = int(stamp, 16) if stamp is not None else timestamps[number]
            address = entry["address"].lower()
            block_hash = entry["blockHash"]
            tx_hash = entry["transactionHash"]
            payload = entry["data"]
            count = len(topics)
            append_row(
                (
                    chain_id,
                    number,
                    index,
                    block_hash,
                    tx_hash,
                    int(entry["transactionIndex"], 16),
                    address,
                    topics[0] if count > 0 else None,
                    topics[1] if count > 1 else None,
                    topics[2] if count > 2 else None,
                    topics[3] if count > 3 else None,
                    payload,
                    timestamp,
                )
            )
            route = by_address.get(address)
            if route is None or not count:
                continue
            plan = route.decoder.plans.get(topics[0])
            if plan is None:
                continue
            per_route[route.slot].append(
                Event(
                    route.contract,
                    plan.name,
                    number,
                    index,
                    block_hash,
                    tx_hash,
                    address,
                    timestamp,
                    plan.decode(topics, payload),
                )
            )
        return rows, per_route

    def _commit(self, data: RangeData, head: int, final: int) -> tuple[int, int]:
        """Apply one range to every projection and move the cursor, in one transaction."""
        assert self.cursor is not None
        cursor = self.cursor
        if data.from_block != cursor.last_block + 1:
            raise _Restart(f"range starts at {data.from_block}, cursor at {cursor.last_block}")
        if data.window and cursor.last_hash is not None and data.headers[0].parent_hash != cursor.last_hash:
            raise _Restart(f"block {data.from_block} does not extend the indexed block {cursor.last_block}")
        rows, per_route = data.rows, data.events
        end = data.headers[-1]
        with self.engine.begin() as conn:
            db = Db(conn, self.chain_id)
            if rows:
                db.copy("raw_logs", RAW_LOG_COLUMNS, rows)
            for route in self.routes.routes:
                route.handler.apply(db, per_route[route.slot], data.from_block, data.to_block)
            headers = data.headers if data.window else [end]
            db.connection.execute(
                text(
                    "INSERT INTO blocks (chain_id, number, hash, parent_hash, timestamp)"
                    " VALUES (:chain_id, :number, :hash, :parent_hash, :timestamp)"
                    " ON CONFLICT (chain_id, number) DO UPDATE SET hash = EXCLUDED.hash,"
                    " parent_hash = EXCLUDED.parent_hash, timestamp = EXCLUDED.timestamp"
                ),
                [
                    {
                        "chain_id": self.chain_id,
                        "number": h.number,
                        "hash": h.hash,
                        "parent_hash": h.parent_hash,
                        "timestamp": h.timestamp,
                    }
                    for h in headers
                ],
            )
            # Keep the window plus the cursor block (the anchor of the next parent check).
            db.execute(
                "DELETE FROM blocks WHERE chain_id = :chain_id AND number < LEAST(:final, :last)",
                {"final": final, "last": data.to_block},
            )
            # Without a bus there is nothing to publish; with one, the publisher thread advances
            # `published_block` after the XADDs.
            no_bus = isinstance(self.bus, NullBus)
            db.execute(
                "UPDATE sync_cursors SET last_block = :last, last_block_hash = :hash, head_block = :head,"
                " final_block = :final, updated_at = now(),"
                " published_block = CASE WHEN :no_bus THEN :last ELSE published_block END"
                " WHERE chain_id = :chain_id",
                {"last": data.to_block, "hash": end.hash, "head": head, "final": final, "no_bus": no_bus},
            )
        previous = cursor.last_block
        cursor.last_block = data.to_block
        cursor.last_hash = end.hash
        if no_bus:
            cursor.published_block = data.to_block
        else:
            publisher = self._publisher
            in_order = (
                publisher is not None
                and not publisher.failed
                and self._scheduled_block == previous
                and cursor.pending_reorg_block is None
            )
            if in_order and publisher is not None:
                events = [e for route_events in per_route for e in route_events]
                events.sort(key=lambda e: (e.block_number, e.log_index))
                publisher.submit(events, data.to_block)
                self._scheduled_block = data.to_block
            else:
                self._flush_bus()
        log.debug(
            "range committed",
            extra={"from_block": data.from_block, "to_block": data.to_block, "logs": len(rows)},
        )
        return sum(len(route_events) for route_events in per_route), len(rows)

    # --- event bus -----------------------------------------------------------------------------------

    def _mark_published(self, block: int) -> None:
        assert self.cursor is not None
        with self.engine.begin() as conn:
            conn.execute(
                text("UPDATE sync_cursors SET published_block = :b WHERE chain_id = :c"),
                {"b": block, "c": self.chain_id},
            )
        self.cursor.published_block = block

    def _flush_bus(self) -> None:
        """Publish a pending reorg notice and republish committed-but-unpublished events."""
        cursor = self.cursor
        if cursor is None or isinstance(self.bus, NullBus):
            return
        if self._publisher is None:
            self._publisher = _Publisher(self.bus, self.engine, self.chain_id, cursor)
        self._publisher.drain()
        self._scheduled_block = cursor.published_block
        if time.monotonic() < self._bus_retry_at:
            return
        self._publisher.failed = False
        try:
            if cursor.pending_reorg_block is not None:
                fork = cursor.pending_reorg_block
                with self.engine.connect() as conn:
                    fork_hash = conn.execute(
                        text("SELECT hash FROM blocks WHERE chain_id = :c AND number = :n"),
                        {"c": self.chain_id, "n": fork},
                    ).scalar()
                self.bus.publish_reorg(self.chain_id, fork, fork_hash, self._reorg_depth)
                with self.engine.begin() as conn:
                    conn.execute(
                        text("UPDATE sync_cursors SET pending_reorg_block = NULL WHERE chain_id = :c"),
                        {"c": self.chain_id},
                    )
                cursor.pending_reorg_block = None
            while cursor.published_block < cursor.last_block:
                upper = min(cursor.last_block, cursor.published_block + 10_000)
                events = self._events_from_db(cursor.published_block + 1, upper)
                self.bus.publish(self.chain_id, events)
                self._mark_published(upper)
        except Exception as exc:  # retried a few seconds later
            self._bus_retry_at = time.monotonic() + BUS_RETRY_SECONDS
            log.warning("event bus flush failed", extra={"error": repr(exc), "retry_in": BUS_RETRY_SECONDS})
        self._scheduled_block = cursor.published_block

    def _events_from_db(self, lo: int, hi: int) -> list[Event]:
        """Decoded events of [lo, hi] rebuilt from raw_logs (for republishing)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT block_number, log_index, block_hash, tx_hash, address, topic0, topic1, topic2,"
                    " topic3, data, block_timestamp FROM raw_logs WHERE chain_id = :c"
                    " AND block_number BETWEEN :lo AND :hi ORDER BY block_number, log_index"
                ),
                {"c": self.chain_id, "lo": lo, "hi": hi},
            ).all()
        events: list[Event] = []
        for row in rows:
            route = self.routes.by_address.get(row.address)
            if route is None or row.topic0 is None:
                continue
            plan = route.decoder.plans.get(row.topic0)
            if plan is None:
                continue
            topics = [t for t in (row.topic0, row.topic1, row.topic2, row.topic3) if t is not None]
            events.append(
                Event(
                    route.contract,
                    plan.name,
                    row.block_number,
                    row.log_index,
                    row.block_hash,
                    row.tx_hash,
                    row.address,
                    row.block_timestamp,
                    plan.decode(topics, row.data),
                )
            )
        return events
