"""A JSON-RPC proxy in front of anvil that fails, stalls, garbles and refuses a share of requests."""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


class FaultyProxy:
    """Forwards to `upstream`; each request draws one fault with the given probabilities.

    Faults: HTTP 503 / 429, connection closed without a reply, a reply slower than the client's
    timeout, a truncated body, a JSON-RPC "rate limited" error, and -- always, deterministically --
    a "query returned more than 10000 results" refusal for eth_getLogs spans above `max_span`.
    """

    def __init__(
        self,
        upstream: str,
        *,
        failure_rate: float = 0.3,
        stall: float = 1.0,
        max_span: int = 8,
        seed: int = 0,
    ):
        self.upstream = upstream
        self.failure_rate = failure_rate
        self.stall = stall
        self.max_span = max_span
        self.faults: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.handle(self, body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def _draw(self) -> str:
        with self._lock:
            if self._rng.random() >= self.failure_rate:
                return "ok"
            return self._rng.choice(["503", "429", "drop", "stall", "truncate", "rate_limited"])

    def _too_many_results(self, payload: Any) -> Any:
        calls = payload if isinstance(payload, list) else [payload]
        for call in calls:
            if call.get("method") == "eth_getLogs":
                flt = call["params"][0]
                if int(flt["toBlock"], 16) - int(flt["fromBlock"], 16) + 1 > self.max_span:
                    return call
        return None

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        payload = json.loads(body)
        refused = self._too_many_results(payload)
        if refused is not None:
            self.faults["too_many_results"] += 1
            error = {"code": -32005, "message": "query returned more than 10000 results"}
            self._reply(
                handler, 200, json.dumps({"jsonrpc": "2.0", "id": refused["id"], "error": error}).encode()
            )
            return
        fault = self._draw()
        self.faults[fault] += 1
        if fault in ("503", "429"):
            self._reply(handler, int(fault), b"busy", extra={"Retry-After": "0"})
            return
        if fault == "drop":
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        if fault == "rate_limited":
            first = payload[0] if isinstance(payload, list) else payload
            error = {"code": -32005, "message": "rate limit exceeded, try again"}
            if first.get("method") == "eth_getLogs":
                error = {"code": 429, "message": "Too Many Requests"}
            self._reply(
                handler, 200, json.dumps({"jsonrpc": "2.0", "id": first.get("id"), "error": error}).encode()
            )
            return
        if fault == "stall":
            time.sleep(self.stall)
        reply = self._http.post(self.upstream, content=body, headers={"Content-Type": "application/json"})
        content = reply.content
        if fault == "truncate":
            content = content[: len(content) // 2]
        self._reply(handler, reply.status_code, content)

    @staticmethod
    def _reply(
        handler: BaseHTTPRequestHandler, status: int, content: bytes, extra: dict[str, str] | None = None
    ) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(content)))
            for key, value in (extra or {}).items():
                handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(content)
        except OSError:
            pass  # the client gave up (timeout) first
