"""Anvil helpers of the indexer benchmarks (`indexer_backfill.py`, `head_latency.py`).

* `BenchAnvil` starts a private anvil on a free port (zero base fee, 300M block gas limit),
  its dev accounts unlocked, and stops it on exit.
* `JsonRpc` is a minimal JSON-RPC client for the benchmark's writes: no retries, so a
  failed ``eth_sendTransaction`` is an error, never a duplicate.
* `deploy_token_and_ledger` deploys AzoraToken + Ledger from ape's compiled artifacts by raw
  ``eth_sendTransaction`` (no ape provider start-up) and writes a deployment manifest the
  indexer reads.
* `flood_transfers` mines N AZR transfers, `per_block` per block: automine off, one
  JSON-RPC batch of ``eth_sendTransaction`` per block, then ``evm_mine``.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
import urllib.error
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from eth_abi import encode as abi_encode
from eth_utils import keccak

from azora.manifest import ContractDeployment, DeploymentManifest, save_manifest
from azora.services import (
    ANVIL_CHAIN_ID,
    ManagedProcess,
    anvil_binary,
    free_port,
    rpc_call,
    spawn,
    wait_until,
)
from azora.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / ".build" / "__local__.json"
CONTRACT_SOURCES = PROJECT_ROOT / "contracts"
TRANSFER_SELECTOR = keccak(text="transfer(address,uint256)")[:4].hex()
# Explicit gas: with automine off, estimation would run against stale state. A transfer to a
# fresh account costs ~56k gas.
TRANSFER_GAS = 100_000
DEPLOY_GAS = 15_000_000
# Each sender starts with 10^8 AZR (far more than any benchmark moves).
SENDER_BALANCE = 10**26
# Unlocked dev accounts of the benchmark's anvil: [0] deploys, the next ones send transfers.
DEV_ACCOUNTS = 10


class RpcFailure(RuntimeError):
    """A JSON-RPC call of the benchmark failed (the node answered with an error)."""


class JsonRpc:
    """JSON-RPC over one keep-alive HTTP connection; errors raise `RpcFailure`, nothing is retried."""

    def __init__(self, url: str, timeout: float = 120.0) -> None:
        self.url = url
        self._http = httpx.Client(timeout=timeout, headers={"Content-Type": "application/json"})
        self._ids = itertools.count(1)

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, *params: Any) -> Any:
        """One call; returns its ``result``."""
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        reply = self._http.post(self.url, content=json.dumps(body)).json()
        if reply.get("error") is not None:
            raise RpcFailure(f"{method}: {reply['error']}")
        return reply["result"]

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Several calls in one HTTP request; results in the order of `calls`."""
        ids = [next(self._ids) for _ in calls]
        body = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": list(params)}
            for i, (method, params) in zip(ids, calls, strict=True)
        ]
        reply = self._http.post(self.url, content=json.dumps(body)).json()
        if isinstance(reply, dict):
            raise RpcFailure(f"batch refused: {reply.get('error')}")
        by_id = {item["id"]: item for item in reply}
        results: list[Any] = []
        for i, (method, _params) in zip(ids, calls, strict=True):
            item = by_id[i]
            if item.get("error") is not None:
                raise RpcFailure(f"{method}: {item['error']}")
            results.append(item["result"])
        return results

    def block_number(self) -> int:
        return int(self.call("eth_blockNumber"), 16)

    def wait_for_block(self, number: int, timeout: float = 30.0) -> None:
        """Return once the node reports a head >= `number` (``evm_mine`` may answer a bit earlier)."""
        deadline = time.monotonic() + timeout
        while self.block_number() < number:
            if time.monotonic() > deadline:
                raise TimeoutError(f"anvil did not reach block {number} within {timeout} s")
            time.sleep(0.001)


class BenchAnvil:
    """A private anvil for one benchmark run; use it as a context manager.

    Zero base fee and gas price (no fee accounting), a 300M block gas limit (room for
    thousands of transfers per block), automine on by default.
    """

    def __init__(self, log_path: Path, *, gas_limit: int = 300_000_000) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.gas_limit = gas_limit
        self._process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def version(self) -> str:
        """``anvil --version``'s first line."""
        out = subprocess.run([anvil_binary(), "--version"], capture_output=True, text=True, check=True)
        return out.stdout.splitlines()[0].strip()

    def __enter__(self) -> BenchAnvil:
        argv = [
            anvil_binary(),
            "--port", str(self.port),
            "--chain-id", str(ANVIL_CHAIN_ID),
            "--accounts", str(DEV_ACCOUNTS),
            "--gas-limit", str(self.gas_limit),
            "--base-fee", "0",
            "--gas-price", "0",
            "--silent",
        ]  # fmt: skip
        self._process = spawn("anvil", argv, self.log_path)
        wait_until(self._ready, 30.0, f"anvil did not answer; see {self.log_path}")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._process is not None:
            self._process.stop()
            self._process = None

    def _ready(self) -> bool:
        try:
            rpc_call(self.url, "eth_chainId", timeout=1.0)
        except (OSError, urllib.error.URLError, RuntimeError):
            return False
        return True


@dataclass(frozen=True)
class Deployment:
    """AzoraToken + Ledger deployed for a benchmark, with the manifest the indexer reads."""

    manifest_path: Path
    token: str
    ledger: str
    deployer: str
    senders: tuple[str, ...]
    deploy_block: int


def compiled_artifacts() -> dict[str, Any]:
    """ape's compiled contract types; runs ``ape compile`` first when they are missing or stale."""
    sources = list(CONTRACT_SOURCES.glob("*.vy"))
    stale = not ARTIFACTS.is_file() or any(s.stat().st_mtime > ARTIFACTS.stat().st_mtime for s in sources)
    if stale:
        ape = Path(sys.executable).parent / "ape"
        subprocess.run([str(ape), "compile"], cwd=PROJECT_ROOT, check=True)
    types: dict[str, Any] = json.loads(ARTIFACTS.read_text())["contractTypes"]
    return types


def _deploy(rpc: JsonRpc, deployer: str, bytecode: str) -> tuple[str, int, str, str]:
    """Deploy `bytecode` (automine on); returns (address, block number, block hash, tx hash)."""
    tx_hash: str = rpc.call(
        "eth_sendTransaction", {"from": deployer, "data": bytecode, "gas": hex(DEPLOY_GAS)}
    )
    deadline = time.monotonic() + 30.0
    while (receipt := rpc.call("eth_getTransactionReceipt", tx_hash)) is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"deployment {tx_hash} was not mined")
        time.sleep(0.005)
    if receipt["status"] != "0x1":
        raise RpcFailure(f"deployment {tx_hash} reverted")
    return receipt["contractAddress"].lower(), int(receipt["blockNumber"], 16), receipt["blockHash"], tx_hash


def deploy_token_and_ledger(rpc: JsonRpc, workdir: Path, *, senders: int = 8) -> Deployment:
    """Deploy AzoraToken (genesis: `senders` dev accounts, 10^8 AZR each) and Ledger.

    Writes ``workdir/local.json`` and ``workdir/abi/*.json``, a manifest of both contracts.
    """
    artifacts = compiled_artifacts()
    # The node's own list: azora.profiles.ANVIL_ACCOUNTS[6] is not anvil's account 6.
    accounts = [a.lower() for a in rpc.call("eth_accounts")]
    if len(accounts) < 1 + senders:
        raise RpcFailure(f"anvil has {len(accounts)} unlocked accounts, {1 + senders} are needed")
    deployer, holders = accounts[0], tuple(accounts[1 : 1 + senders])
    token_code = (
        artifacts["AzoraToken"]["deploymentBytecode"]["bytecode"]
        + abi_encode(["address[]", "uint256[]"], [list(holders), [SENDER_BALANCE] * len(holders)]).hex()
    )
    contracts: dict[str, ContractDeployment] = {}
    for name, code in (
        ("AzoraToken", token_code),
        ("Ledger", artifacts["Ledger"]["deploymentBytecode"]["bytecode"]),
    ):
        address, block, block_hash, tx_hash = _deploy(rpc, deployer, code)
        abi_path = workdir / "abi" / f"{name}.json"
        abi_path.parent.mkdir(parents=True, exist_ok=True)
        abi_path.write_text(json.dumps(artifacts[name]["abi"]))
        contracts[name] = ContractDeployment(address, block, block_hash, tx_hash, f"abi/{name}.json")
    manifest = DeploymentManifest(
        network="bench",
        chain_id=ANVIL_CHAIN_ID,
        profile="bench",
        deployer=deployer,
        admin=deployer,
        deployed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        contracts=contracts,
    )
    manifest_path = workdir / "local.json"
    save_manifest(manifest, manifest_path)
    return Deployment(
        manifest_path=manifest_path,
        token=contracts["AzoraToken"].address,
        ledger=contracts["Ledger"].address,
        deployer=deployer,
        senders=holders,
        deploy_block=min(c.block_number for c in contracts.values()),
    )


def transfer_calldata(recipient: str, amount: int) -> str:
    """ABI calldata of ``transfer(recipient, amount)`` (string formatting: eth-abi is ~20x slower)."""
    return f"0x{TRANSFER_SELECTOR}{recipient[2:].lower():0>64}{amount:064x}"


def recipient_address(index: int) -> str:
    """A deterministic address that no dev account and no contract uses."""
    return "0x" + keccak(b"azora-bench-recipient" + index.to_bytes(8, "big"))[-20:].hex()


@dataclass(frozen=True)
class Flood:
    """What `flood_transfers` mined."""

    transfers: int
    blocks: int
    first_block: int
    head: int
    seconds: float


def flood_transfers(
    rpc: JsonRpc, deployment: Deployment, *, transfers: int, per_block: int, recipients: int = 0
) -> Flood:
    """Mine `transfers` AZR transfers, `per_block` per block, round-robin over the senders.

    :param recipients: size of the recipient pool; 0 sends every transfer to a new address
        (the indexer's worst case: every event creates a balance row).
    """
    started = time.perf_counter()
    senders = deployment.senders
    nonces = {s: int(rpc.call("eth_getTransactionCount", s, "latest"), 16) for s in senders}
    first_block = rpc.block_number() + 1
    rpc.call("evm_setAutomine", False)
    try:
        for offset in range(0, transfers, per_block):
            calls: list[tuple[str, Sequence[Any]]] = []
            for i in range(offset, min(transfers, offset + per_block)):
                sender = senders[i % len(senders)]
                recipient = recipient_address(i % recipients if recipients else i)
                tx = {
                    "from": sender,
                    "to": deployment.token,
                    "gas": hex(TRANSFER_GAS),
                    "nonce": hex(nonces[sender]),
                    "data": transfer_calldata(recipient, 1 + i % 1_000_000),
                }
                nonces[sender] += 1
                calls.append(("eth_sendTransaction", [tx]))
            rpc.batch(calls)
            rpc.call("evm_mine")
    finally:
        rpc.call("evm_setAutomine", True)
    blocks = -(-transfers // per_block)
    head = first_block + blocks - 1
    rpc.wait_for_block(head)
    pool = rpc.call("txpool_status")
    if int(pool["pending"], 16) or int(pool["queued"], 16):
        raise RpcFailure(f"transactions left unmined: {pool}")
    return Flood(transfers, blocks, first_block, head, time.perf_counter() - started)
