"""`azora up` (what `make run` starts) on embedded defaults in a temporary directory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil

from azora.services import free_port, port_open
from azora.settings import PROJECT_ROOT


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def test_azora_up__embedded_defaults__ready_then_stops_cleanly(tmp_path: Path):
    anvil_port, api_port, redis_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "RPC_URL"}}
    env |= {
        "AZORA_HOME": str(tmp_path / "home"),
        "AZORA_DEPLOYMENTS_DIR": str(tmp_path / "deployments"),
        "AZORA_REDIS_PORT": str(redis_port),
    }
    argv = [sys.executable, "-m", "azora.cli", "up"]
    argv += ["--anvil-port", str(anvil_port), "--api-port", str(api_port)]
    proc = subprocess.Popen(
        argv, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    api = f"http://127.0.0.1:{api_port}"
    try:
        deadline = time.monotonic() + 150
        status, body = 0, dict[str, Any]()
        while time.monotonic() < deadline and proc.poll() is None:
            if port_open(api_port):
                status, body = _get(f"{api}/ready")
                if status == 200:
                    break
            time.sleep(0.5)
        assert status == 200, f"not ready: {status} {body}"
        assert body["chain_id"] == 31337
        assert body["lag_blocks"] >= 0

        manifest = json.loads((tmp_path / "deployments" / "local.json").read_text())
        status, token = _get(f"{api}/v1/token")
        assert status == 200
        assert token["data"]["total_supply"] == str(80_000_000 * 10**18)  # the dev genesis, indexed
        assert set(manifest["contracts"]) >= {"AzoraToken", "Ledger"}
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "azora up started no processes"
    finally:
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)

    assert proc.returncode == 0, output
    assert "stopped." in output
    time.sleep(0.5)
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children), "left processes"
    assert not port_open(anvil_port) and not port_open(api_port) and not port_open(redis_port)
    assert (tmp_path / "home" / "anvil" / "state.json").is_file()  # chain state kept for the next run
