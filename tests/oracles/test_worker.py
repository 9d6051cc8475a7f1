"""The Celery submitter as it runs: `python -m oracles.worker` subprocesses on the Redis broker,
signer subprocesses, anvil, PostgreSQL. Killed mid-batch, cut off from the node, stuck."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from azora.services import free_port
from oracles.models import TX_MINED, TX_REPLACED
from oracles.settings import OracleSettings
from tests.oracles.conftest import (
    Procs,
    Stack,
    add_completions,
    all_final,
    assert_confirmed_once,
    completion_payload,
    post_completion,
    rpc,
    submissions,
    transactions,
    wait_for,
)

MakeSettings = Callable[..., OracleSettings]


class RpcProxy:
    """A JSON-RPC forwarder on a fixed port that can be switched off (connections refused) and on."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.port = free_port()
        self._http = httpx.Client(timeout=10)
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                reply = proxy._http.post(
                    proxy.upstream, content=body, headers={"Content-Type": "application/json"}
                )
                self.send_response(reply.status_code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply.content)))
                self.end_headers()
                self.wfile.write(reply.content)

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def proxy(stack: Stack) -> Iterator[RpcProxy]:
    relay = RpcProxy(stack.rpc_url)
    relay.up()
    yield relay
    relay.down()


@pytest.fixture
def automine(stack: Stack) -> Iterator[Callable[[bool], None]]:
    """Switch anvil's automine; always back on (and the pool mined) after the test."""

    def _set(on: bool) -> None:
        rpc(stack.rpc_url, "evm_setAutomine", on)

    yield _set
    _set(True)
    rpc(stack.rpc_url, "evm_mine")


def wait_final(settings: OracleSettings, uids: list[str], procs: Procs, timeout: float = 45.0) -> None:
    try:
        wait_for(lambda: all_final(settings, uids), timeout, "every submission final", interval=0.2)
    except AssertionError:
        state = {u: (r.status, r.reason, r.detail) for u, r in submissions(settings).items()}
        raise AssertionError(f"{state}\n{procs.logs()}") from None


def test_worker__killed_mid_batch_then_restarted__every_uid_confirmed_once(
    stack: Stack,
    make_oracle_settings: MakeSettings,
    procs: Procs,
    automine: Callable[[bool], None],
    intake_client: Callable[[OracleSettings], Any],
) -> None:
    settings = make_oracle_settings(batch_size=4, max_pending_txs=2)
    first = [c.uid for c in add_completions(settings, 10)]
    procs.signer(settings, 0)
    procs.signer(settings, 2)  # 2-of-3: signer 1 stays down
    automine(False)  # batches stay in flight, so the kill lands between send and receipt
    worker = procs.worker(settings)
    try:
        wait_for(lambda: any(tx.broadcast_at for tx in transactions(settings)), 30, "a batch broadcast")
    except AssertionError:
        raise AssertionError(procs.logs()) from None
    worker.kill()  # SIGKILL: no clean-up, the relayer lock is left to expire
    in_flight = transactions(settings)
    assert {submissions(settings)[u].status for u in first} & {"sent"}
    automine(True)
    rpc(stack.rpc_url, "evm_mine")  # the dead worker's batches are mined while it is down
    client = intake_client(settings)  # reported through the intake while no worker runs
    later = []
    for _ in range(3):
        response = post_completion(client, completion_payload())
        assert response.status_code == 202, response.text
        later.append(response.json()["id"])
    procs.worker(settings)  # requeue_pending() at start resumes from the database
    wait_final(settings, first + later, procs)
    assert_confirmed_once(stack, settings, first + later)
    after = {tx.tx_hash: tx for tx in transactions(settings)}
    assert all(after[tx.tx_hash].status == TX_MINED for tx in in_flight if tx.broadcast_at)
    for uid in later:
        status = client.get(f"/v1/oracles/education/completions/{uid}").json()
        assert status["status"] == "confirmed" and after[status["tx_hash"]].status == TX_MINED


def test_worker__rpc_down_for_a_while__backs_off_and_recovers(
    stack: Stack,
    make_oracle_settings: MakeSettings,
    procs: Procs,
    proxy: RpcProxy,
    run_signers: Callable[..., None],
) -> None:
    settings = make_oracle_settings(rpc_url=proxy.url)
    run_signers(settings=settings)
    first = [c.uid for c in add_completions(settings, 3)]
    worker = procs.worker(settings)
    wait_final(settings, first, procs)
    proxy.down()  # connection refused from now on
    during = [c.uid for c in add_completions(settings, 3)]
    wait_for(lambda: worker.log().count("tick failed; retrying") >= 3, 20, "ticks failing and retrying")
    assert all(submissions(settings)[u].status == "queued" for u in during)
    proxy.up()
    wait_final(settings, first + during, procs)
    assert_confirmed_once(stack, settings, first + during)
    assert worker.popen.poll() is None


def test_worker__stuck_transaction__replaced_same_nonce_higher_fees_confirmed_once(
    stack: Stack,
    make_oracle_settings: MakeSettings,
    procs: Procs,
    run_signers: Callable[..., None],
    automine: Callable[[bool], None],
) -> None:
    settings = make_oracle_settings(replace_after_seconds=1.0)
    run_signers(settings=settings)
    uids = [c.uid for c in add_completions(settings, 3)]
    automine(False)
    procs.worker(settings)

    def replaced() -> bool:
        return len([tx for tx in transactions(settings) if tx.broadcast_at]) >= 2

    try:
        wait_for(replaced, 30, "a replacement broadcast")
    except AssertionError:
        raise AssertionError(procs.logs()) from None
    rpc(stack.rpc_url, "evm_mine")
    automine(True)
    wait_final(settings, uids, procs)
    txs = transactions(settings)
    assert len({tx.nonce for tx in txs}) == 1
    original = txs[0]
    (mined,) = [tx for tx in txs if tx.status == TX_MINED]
    assert mined.tx_hash != original.tx_hash
    assert mined.max_fee_per_gas * 1000 >= original.max_fee_per_gas * 1125
    assert mined.max_priority_fee_per_gas * 1000 >= original.max_priority_fee_per_gas * 1125
    assert mined.max_fee_per_gas == max(tx.max_fee_per_gas for tx in txs)
    assert all(tx.status == TX_REPLACED for tx in txs if tx is not mined)
    assert {submissions(settings)[u].tx_hash for u in uids} == {mined.tx_hash}
    assert_confirmed_once(stack, settings, uids)
