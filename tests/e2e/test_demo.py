"""`azora up --demo` (what `make demo` runs) on embedded defaults: the governance scenario
through the real processes — propose, automatic constitutional review by the ethics oracle
via the event bus, gasless votes through the API relay, queue, time travel, execute — and
the API shows every step."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from azora.services import free_port
from azora.settings import PROJECT_ROOT

AZR = 10**18
AMARA = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # proposes, votes with a reason
RELAYED_VOTERS = {"0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "0x90F79bf6EB2c4f870365E785982E1f101E93b906"}
API_RELAYER = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"  # anvil account 7


def _get(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        body: dict[str, Any] = json.loads(response.read())
        return body


def _rpc(url: str, method: str, params: list[Any]) -> Any:
    payload = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, payload, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())["result"]


def test_azora_up_demo__governance_lifecycle__executed_and_served_by_the_api(tmp_path: Path):
    anvil_port, api_port, redis_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "RPC_URL"}}
    env |= {
        "AZORA_HOME": str(tmp_path / "home"),
        "AZORA_DEPLOYMENTS_DIR": str(tmp_path / "deployments"),
        "AZORA_REDIS_PORT": str(redis_port),
    }
    argv = [sys.executable, "-m", "azora.cli", "up", "--demo"]
    argv += ["--anvil-port", str(anvil_port), "--api-port", str(api_port)]
    proc = subprocess.Popen(
        argv, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in proc.stdout or []:
            lines.put(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    output: list[str] = []
    api, rpc = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{anvil_port}"
    try:
        deadline = time.monotonic() + 540
        while time.monotonic() < deadline and not any("Azora is up" in line for line in output):
            try:
                output.append(lines.get(timeout=1))
            except queue.Empty:
                assert proc.poll() is None, "".join(output)[-4000:]
        text = "".join(output)
        assert "Azora is up" in text, text[-4000:]
        assert "constitutional review: approve" in text
        assert "executed: epoch budget 1,000,000 -> 2,000,000 AZR" in text

        # The API shows every step of the executed proposal.
        (proposal,) = _get(f"{api}/v1/proposals?state=executed")["data"]
        assert proposal["proposer"] == AMARA
        detail = _get(f"{api}/v1/proposals/{proposal['proposal_id']}")["data"]
        assert detail["review"]["verdict_name"] == "approve"
        assert detail["review"]["reasons_verified"] is True
        assert detail["queued"] is not None and detail["executed"] is not None
        assert detail["eta"] <= detail["executed"]["timestamp"]
        (action,) = detail["actions"]
        assert action["calldata"].endswith(hex(2_000_000 * AZR)[2:].rjust(64, "0"))
        assert int(detail["votes"]["for"]) > int(detail["quorum"]) and detail["votes"]["voters"] == 3
        votes = _get(f"{api}/v1/proposals/{proposal['proposal_id']}/votes")["data"]
        assert {v["voter"] for v in votes} == RELAYED_VOTERS | {AMARA}
        for vote in votes:  # gasless votes were sent by the API's relayer, the proposer's by herself
            sender = _rpc(rpc, "eth_getTransactionByHash", [vote["tx_hash"]])["from"].lower()
            assert sender == (API_RELAYER if vote["voter"] in RELAYED_VOTERS else AMARA).lower()
        assert _get(f"{api}/v1/rewards")["data"]["parameters"]["epoch_budget"] == str(2_000_000 * AZR)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        reader.join(timeout=5)
    assert proc.returncode == 0, "".join(output)[-4000:]
