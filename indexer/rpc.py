"""A lean JSON-RPC client for the indexer: raw JSON, batching, retries with backoff + jitter.

web3.py's middleware and result formatters cost more than the whole rest of the pipeline
for ``eth_getLogs`` (tens of microseconds per log), so the hot calls go over a pooled
``httpx`` client and return the node's JSON untouched (hex strings). Every call:

* has a timeout (``INDEXER_RPC_TIMEOUT``);
* is retried on transient failures -- connection errors, timeouts, HTTP 429/5xx, truncated
  or garbled bodies, "header not found"-style lag errors -- with exponential backoff and
  full jitter (``backoff_base * 2**attempt``, capped at ``backoff_max``; ``Retry-After`` wins);
* raises `RangeTooLargeError` at once when ``eth_getLogs`` is refused for its size, so the
  caller can split the range (see `AdaptiveRange`).

`RpcClient` is thread-safe: the sync loop fetches several ranges concurrently through it.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import httpx

from indexer.exceptions import RangeTooLargeError, RpcError, RpcTransientError

try:  # msgspec parses large eth_getLogs bodies ~3x faster than the json module
    import msgspec

    _decode: Callable[[bytes], Any] = msgspec.json.decode
except ImportError:  # pragma: no cover - msgspec ships with the ape toolchain
    _decode = json.loads

log = logging.getLogger("indexer.rpc")

# Provider messages for an eth_getLogs request that is too big (geth, erigon, reth, nethermind,
# Alchemy, Infura, QuickNode, Ankr, Cloudflare...): the range must be split.
_TOO_LARGE = re.compile(
    r"too many (results|logs|blocks)|more than \d+ (results|logs)|response (size|is too big)"
    r"|size (limit )?exceeded|range (is )?too (large|wide|big)|block range|exceeds? (the )?(max|limit)"
    r"|max(imum)? (block )?range|query timeout|limit exceeded|returned more than|too large",
    re.IGNORECASE,
)
# Errors of a node that is lagging or overloaded: worth retrying.
_TRANSIENT = re.compile(
    r"header not found|unknown block|not found|busy|timeout|timed out|try again|rate limit|overload"
    r"|temporarily|unavailable|internal error|capacity|too many requests",
    re.IGNORECASE,
)
_TRANSIENT_CODES = {-32603, -32000, -32005, -32011, -32016, 429}


class Header(NamedTuple):
    """The fields of a block header the indexer needs."""

    number: int
    hash: str
    parent_hash: str
    timestamp: int


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter."""

    retries: int = 8
    base: float = 0.2
    cap: float = 10.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (0-based): uniform in [d/2, d]."""
        ceiling: float = min(self.cap, self.base * (2**attempt))
        return ceiling / 2 + rng.random() * ceiling / 2


class RpcStats:
    """Counters of one client (read by tests and progress logs)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.retries = 0
        self.too_large = 0

    def add(self, *, requests: int = 0, retries: int = 0, too_large: int = 0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.too_large += too_large


class RpcClient:
    """JSON-RPC over HTTP with batching and retries. Close it (or use ``with``) when done."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        policy: RetryPolicy | None = None,
        max_connections: int = 16,
        seed: int | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.policy = policy or RetryPolicy()
        self.stats = RpcStats()
        self._ids = itertools.count(1)
        self._rng = random.Random(seed)
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            headers={"Content-Type": "application/json"},
            transport=transport,
        )

    def __enter__(self) -> RpcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- generic calls -------------------------------------------------------------------------------

    def call(self, method: str, params: Sequence[Any] = (), *, retry: bool = True) -> Any:
        """One call; transient failures are retried per the policy."""
        return self._with_retries(lambda: self._call_once(method, params), method, retry)

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Several calls in one HTTP request; results in the order of `calls`.

        The whole batch is retried while any item fails transiently (items are idempotent reads).
        """
        if not calls:
            return []
        return self._with_retries(lambda: self._batch_once(calls), calls[0][0], True)

    # --- Ethereum helpers ----------------------------------------------------------------------------

    def chain_id(self) -> int:
        return int(self.call("eth_chainId"), 16)

    def block_number(self) -> int:
        return int(self.call("eth_blockNumber"), 16)

    def get_logs(self, from_block: int, to_block: int, addresses: Sequence[str]) -> list[dict[str, Any]]:
        """Raw logs of `addresses` in [from_block, to_block]; `RangeTooLargeError` if refused for size."""
        params = [{"fromBlock": hex(from_block), "toBlock": hex(to_block), "address": list(addresses)}]
        result: list[dict[str, Any]] = self.call("eth_getLogs", params)
        return result

    def get_header(self, block: int | str) -> Header | None:
        """The header of block `block` (a number or a tag), or None if the node has no such block."""
        tag = hex(block) if isinstance(block, int) else block
        return _header(self.call("eth_getBlockByNumber", [tag, False]))

    def get_headers(self, numbers: Sequence[int], batch_size: int = 200) -> list[Header | None]:
        """Headers of `numbers` (None where the node has no such block), batched."""
        headers: list[Header | None] = []
        for start in range(0, len(numbers), batch_size):
            chunk = numbers[start : start + batch_size]
            results = self.batch([("eth_getBlockByNumber", [hex(n), False]) for n in chunk])
            headers.extend(_header(r) for r in results)
        return headers

    # --- internals -----------------------------------------------------------------------------------

    def _with_retries(self, attempt_fn: Callable[[], Any], method: str, retry: bool) -> Any:
        attempt = 0
        while True:
            try:
                return attempt_fn()
            except RpcTransientError as exc:
                if not retry or attempt >= self.policy.retries:
                    raise RpcError(
                        f"{method} failed after {attempt + 1} attempts: {exc}", code=exc.code, method=method
                    ) from exc
                delay = self.policy.delay(attempt, self._rng)
                if exc.retry_after is not None:
                    delay = max(delay, min(exc.retry_after, self.policy.cap))
                self.stats.add(retries=1)
                log.debug(
                    "rpc retry", extra={"method": method, "attempt": attempt + 1, "delay": round(delay, 3)}
                )
                time.sleep(delay)
                attempt += 1

    def _post(self, payload: Any, method: str) -> Any:
        self.stats.add(requests=1)
        try:
            response = self._http.post(self.url, content=json.dumps(payload).encode())
        except httpx.TimeoutException as exc:
            raise RpcTransientError(f"timeout: {exc!r}", method=method) from exc
        except httpx.TransportError as exc:
            raise RpcTransientError(f"transport error: {exc!r}", method=method) from exc
        status = response.status_code
        if status == 413 and method == "eth_getLogs":
            self.stats.add(too_large=1)
            raise RangeTooLargeError("HTTP 413 payload too large", code=413, method=method)
        if status == 429 or status >= 500:
            # Some providers answer a too-large query with a 5xx and a JSON-RPC error body.
            refused = self._body_error(response.content, method)
            if isinstance(refused, RangeTooLargeError):
                raise refused
            raise RpcTransientError(
                f"HTTP {status}", code=status, method=method, retry_after=_retry_after(response)
            )
        try:
            return _decode(response.content)
        except ValueError as exc:
            if status >= 400:
                raise RpcError(f"HTTP {status}: {response.text[:200]}", code=status, method=method) from exc
            raise RpcTransientError(
                f"unparseable response ({len(response.content)} bytes)", method=method
            ) from exc

    def _body_error(self, content: bytes, method: str) -> RpcError | None:
        try:
            body = _decode(content)
        except ValueError:
            return None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            return self._error(body["error"], method)
        return None

    def _call_once(self, method: str, params: Sequence[Any]) -> Any:
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        body = self._post(payload, method)
        if not isinstance(body, dict):
            raise RpcTransientError(f"unexpected response shape: {type(body).__name__}", method=method)
        if "error" in body and body["error"] is not None:
            raise self._error(body["error"], method)
        if "result" not in body:
            raise RpcTransientError("response without result", method=method)
        return body["result"]

    def _batch_once(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        first = next(self._ids)
        ids = list(range(first, first + len(calls)))
        for _ in calls[1:]:  # reserve the ids
            next(self._ids)
        payload = [
            {"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)}
            for i, (m, p) in zip(ids, calls, strict=True)
        ]
        body = self._post(payload, calls[0][0])
        if isinstance(body, dict) and "error" in body:  # the whole batch was refused
            raise self._error(body["error"], calls[0][0])
        if not isinstance(body, list):
            raise RpcTransientError("batch response is not a list", method=calls[0][0])
        by_id = {item.get("id"): item for item in body if isinstance(item, dict)}
        results: list[Any] = []
        for i, (method, _params) in zip(ids, calls, strict=True):
            item = by_id.get(i)
            if item is None:
                raise RpcTransientError(f"batch response misses id {i}", method=method)
            if item.get("error") is not None:
                raise self._error(item["error"], method)
            results.append(item.get("result"))
        return results

    def _error(self, error: Any, method: str) -> RpcError:
        code = error.get("code") if isinstance(error, dict) else None
        message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
        if method == "eth_getLogs" and _TOO_LARGE.search(message):
            self.stats.add(too_large=1)
            return RangeTooLargeError(f"eth_getLogs refused: {message}", code=code, method=method)
        if code in _TRANSIENT_CODES or _TRANSIENT.search(message):
            return RpcTransientError(f"{method}: {message} (code {code})", code=code, method=method)
        return RpcError(f"{method}: {message} (code {code})", code=code, method=method)


def _header(raw: Any) -> Header | None:
    if raw is None:
        return None
    return Header(
        number=int(raw["number"], 16),
        hash=raw["hash"].lower(),
        parent_hash=raw["parentHash"].lower(),
        timestamp=int(raw["timestamp"], 16),
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
