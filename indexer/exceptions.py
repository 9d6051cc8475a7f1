"""Errors of the indexer. Each docstring says what happened and how to fix it."""

from __future__ import annotations

from azora.exceptions import AzoraError


class IndexerError(AzoraError):
    """Base class of every indexer error."""


class IndexerConfigError(IndexerError):
    """A required setting is missing or inconsistent. Set INDEXER_DATABASE_URL / INDEXER_RPC_URL
    (or DATABASE_URL / RPC_URL) and point INDEXER_MANIFEST_PATH at a deployment manifest."""


class RpcError(IndexerError):
    """A JSON-RPC call failed for good (after every retry). Check the node at RPC_URL; raise
    INDEXER_RPC_RETRIES or INDEXER_RPC_TIMEOUT for a flaky or slow provider."""

    def __init__(self, message: str, *, code: int | None = None, method: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.method = method


class RpcTransientError(RpcError):
    """One attempt of a JSON-RPC call failed in a way worth retrying (timeout, connection reset,
    HTTP 429/5xx, node overloaded). Retried with backoff; only seen if retries are exhausted."""

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        method: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, code=code, method=method)
        self.retry_after = retry_after


class RangeTooLargeError(RpcError):
    """The node refused an eth_getLogs range (too many results, response too large, range limit).
    The indexer splits the range by itself; lower INDEXER_MAX_RANGE if it keeps happening."""


class ChainMismatchError(IndexerError):
    """The RPC endpoint serves another chain than the manifest (or than the database's cursor).
    Point RPC_URL at the right chain, or use the manifest of this chain."""


class ManifestChangedError(IndexerError):
    """The manifest's contracts differ from the ones this database was indexed with (a redeploy).
    Run the indexer with --reindex (`azora index --reindex`) to rebuild from the new contracts."""


class ReorgTooDeepError(IndexerError):
    """A reorg reached below the unfinalised window, so the fork point is not among the stored
    headers. Rebuild with --reindex and raise INDEXER_REORG_WINDOW (or follow the finalized tag)."""


class InconsistentRangeError(IndexerError):
    """Logs and block headers of one range disagree (the chain moved while reading it). Retried
    automatically from the last committed block; nothing to fix unless it repeats forever."""


class GapError(IndexerError):
    """A backfill was asked to start after the last indexed block + 1, which would leave a hole in
    the projections. Start at or before the cursor, or use --reindex."""


class IndexerBusyError(IndexerError):
    """Another indexer process already indexes this chain into this database (it holds the
    PostgreSQL advisory lock). Stop it first; the lock is released when its connection closes."""
