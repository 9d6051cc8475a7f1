"""A minimal async JSON-RPC client for the few calls the API makes to the node (httpx)."""

from __future__ import annotations

import itertools
from typing import Any

import httpx


class RpcCallError(Exception):
    """A JSON-RPC call failed (transport error, HTTP error, or an error object in the reply).
    Check that RPC_URL points at a running node of the indexed chain.

    `replied` is True when the node answered with an error object (the call itself failed,
    e.g. a revert, whose ABI-encoded reason is in `data`), False for transport failures."""

    def __init__(
        self, message: str, *, replied: bool = False, code: int | None = None, data: Any = None
    ) -> None:
        super().__init__(message)
        self.replied = replied
        self.code = code
        self.data = data


class JsonRpcClient:
    """Calls `url` over a shared `httpx.AsyncClient` (the app closes the client at shutdown)."""

    def __init__(self, url: str, client: httpx.AsyncClient, timeout: float) -> None:
        self.url = url
        self.client = client
        self.timeout = timeout
        self._ids = itertools.count(1)

    async def call(self, method: str, params: list[Any] | None = None) -> Any:
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or []}
        try:
            response = await self.client.post(self.url, json=body, timeout=self.timeout)
            response.raise_for_status()
            payload = response.json()
        except httpx.TimeoutException:
            raise RpcCallError(f"{method}: timed out after {self.timeout} s") from None
        except httpx.HTTPStatusError as exc:
            raise RpcCallError(f"{method}: HTTP {exc.response.status_code}") from None
        except (httpx.HTTPError, ValueError) as exc:
            raise RpcCallError(f"{method}: {type(exc).__name__}") from None
        if not isinstance(payload, dict) or "result" not in payload:
            error = payload.get("error") if isinstance(payload, dict) else None
            if not isinstance(error, dict):
                raise RpcCallError(f"{method}: malformed reply")
            code = error.get("code")
            raise RpcCallError(
                f"{method}: {error.get('message')}",
                replied=True,
                code=code if isinstance(code, int) else None,
                data=error.get("data"),
            )
        return payload["result"]

    async def quantity(self, method: str) -> int:
        """A call whose result is a hex quantity (eth_blockNumber, eth_chainId), as an int."""
        result = await self.call(method)
        try:
            return int(result, 16)
        except (TypeError, ValueError):
            raise RpcCallError(f"{method}: not a hex quantity") from None
