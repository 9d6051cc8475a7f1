"""The OracleHub over JSON-RPC (web3.py 7): the views the oracles read and the logs they decode.

Every call goes through `rpc_guard`, which turns transport failures (connection refused,
timeouts, HTTP 5xx) into `RpcUnavailableError`, the one error the submitter backs off on.
web3's own HTTP retries are off: the submitter owns retrying.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import requests
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.logs import DISCARD

from azora.manifest import load_abi, load_manifest
from oracles.collector import SignerSet
from oracles.eip712 import Attestation, HubDomain, domain_id
from oracles.exceptions import OracleConfigError, RpcUnavailableError

T = TypeVar("T")
ZERO32 = b"\x00" * 32


@contextmanager
def rpc_guard() -> Iterator[None]:
    """Re-raise transport failures of the block as RpcUnavailableError."""
    try:
        yield
    except (requests.RequestException, ConnectionError, TimeoutError) as exc:
        raise RpcUnavailableError(f"RPC unavailable: {type(exc).__name__}") from exc


def make_web3(rpc_url: str, timeout: float) -> Web3:
    """A web3 client without built-in retries (the submitter retries with backoff)."""
    provider = HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None)
    return Web3(provider)


@dataclass(frozen=True)
class ReceiptOutcome:
    """What one hub transaction did to each uid it carried."""

    attested: frozenset[bytes]
    rejected: dict[bytes, int]


class HubClient:
    """The deployed OracleHub of a manifest, on one RPC endpoint."""

    def __init__(self, rpc_url: str, manifest_path: Path, *, timeout: float = 10.0) -> None:
        manifest = load_manifest(manifest_path)
        self.w3 = make_web3(rpc_url, timeout)
        self.chain_id = manifest.chain_id
        self.address = Web3.to_checksum_address(manifest.address("OracleHub"))
        self.from_block = manifest.contract("OracleHub").block_number
        self.contract: Contract = self.w3.eth.contract(
            address=self.address, abi=load_abi(manifest_path, manifest, "OracleHub")
        )
        self.domain = HubDomain(chain_id=self.chain_id, verifying_contract=self.address)

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()` under `rpc_guard`."""
        with rpc_guard():
            return fn()

    def verify_chain(self) -> None:
        """Fail unless the node serves the manifest's chain."""
        chain_id = self.call(lambda: self.w3.eth.chain_id)
        if chain_id != self.chain_id:
            raise OracleConfigError(
                f"the RPC node serves chain {chain_id}, the manifest chain {self.chain_id}; "
                "point ORACLE_RPC_URL and ORACLE_MANIFEST_PATH at the same network"
            )

    def signer_set(self, domain: str) -> SignerSet:
        """The current epoch, threshold and signers of `domain` (EDUCATION, ...)."""
        functions = self.contract.functions
        key = domain_id(domain)
        with rpc_guard():
            epoch = functions.epoch(key).call()
            threshold = functions.threshold(key).call()
            signers = functions.signers(key).call()
        return SignerSet(epoch=int(epoch), threshold=int(threshold), signers=tuple(signers))

    def chain_time(self) -> int:
        """The timestamp of the latest block (deadlines are checked against block time)."""
        block = self.call(lambda: self.w3.eth.get_block("latest"))
        return int(block["timestamp"])

    def used(self, uids: Sequence[bytes]) -> list[bool]:
        """Whether each uid has been consumed by the hub (`schema_of(uid) != 0`)."""
        with rpc_guard():
            return [bytes(self.contract.functions.schema_of(uid).call()) != ZERO32 for uid in uids]

    def check(self, items: Sequence[tuple[Attestation, bytes]]) -> list[int]:
        """The hub's dry-run verdict (`check_attestation`) on each (attestation, signatures): 0 = valid."""
        with rpc_guard():
            return [
                int(self.contract.functions.check_attestation(att.as_args(), signatures).call())
                for att, signatures in items
            ]

    def attested_in(self, uid: bytes) -> tuple[str, int] | None:
        """(tx hash, block) of the `Attested` event of `uid`, if the hub applied it."""
        event = self.contract.events.Attested()
        with rpc_guard():
            logs = event.get_logs(argument_filters={"uid": uid}, from_block=self.from_block)
        for log in logs:
            return "0x" + bytes(log["transactionHash"]).hex(), int(log["blockNumber"])
        return None

    def outcome(self, receipt: Any) -> ReceiptOutcome:
        """The uids a mined hub transaction attested and the ones it rejected (with reason codes)."""
        attested = {
            bytes(log["args"]["uid"])
            for log in self.contract.events.Attested().process_receipt(receipt, errors=DISCARD)
        }
        rejected = {
            bytes(log["args"]["uid"]): int(log["args"]["reason"])
            for log in self.contract.events.AttestationRejected().process_receipt(receipt, errors=DISCARD)
        }
        return ReceiptOutcome(attested=frozenset(attested), rejected=rejected)
