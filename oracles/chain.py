"""The OracleHub over JSON-RPC (web3.py 7): the views the oracles read and the logs they decode.

Every call goes through `rpc_guard`, which turns transport failures (connection refused,
timeouts, HTTP 5xx) into `RpcUnavailableError`, the one error the submitter backs off on.
web3's own HTTP retries are off: the submitter owns retrying.

Views read for many uids at once (`used`, `check`, `preflight`) travel as JSON-RPC batches
of `RPC_BATCH` calls: one round trip instead of one per uid. A node that refuses batches is
asked call by call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import requests
from eth_abi import decode, encode
from eth_utils import event_abi_to_log_topic, function_abi_to_4byte_selector
from eth_utils.abi import collapse_if_tuple
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.types import RPCEndpoint

from azora.manifest import load_abi, load_manifest
from oracles.collector import SignerSet
from oracles.eip712 import Attestation, HubDomain, domain_id
from oracles.exceptions import OracleConfigError, RpcUnavailableError

T = TypeVar("T")
ZERO32 = b"\x00" * 32
# `isValidSignature(bytes32,bytes)`: ERC-1271's selector, also the magic value it returns.
ERC1271_SELECTOR = bytes.fromhex("1626ba7e")
# eth_calls per JSON-RPC batch request (public nodes cap batches; 100 is widely accepted).
RPC_BATCH = 100


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
        self._hub_lower = self.address.lower()
        self._functions: dict[str, tuple[bytes, list[str]]] = {}
        self._events: dict[bytes, tuple[str, int, list[str], list[str]]] | None = None

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

    def calldata(self, name: str, args: Sequence[Any]) -> bytes:
        """ABI-encoded call of the hub's function `name` (selector + arguments; eth-abi directly,
        ~30x cheaper than web3's contract encoding, which a batch of 64 would pay per call)."""
        spec = self._functions.get(name)
        if spec is None:
            abi = next(
                item
                for item in self.contract.abi
                if item.get("type") == "function" and item.get("name") == name
            )
            types = [collapse_if_tuple(cast(Any, arg)) for arg in cast(Any, abi)["inputs"]]
            spec = self._functions[name] = (bytes(function_abi_to_4byte_selector(cast(Any, abi))), types)
        selector, types = spec
        return selector + encode(types, list(args))

    def batch_call(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[bytes]:
        """The raw return data of each hub view `(function name, args)` at the latest block, in
        JSON-RPC batches of `RPC_BATCH` (call by call if the node refuses batches)."""
        payloads = [
            {"to": self.address, "data": "0x" + self.calldata(name, args).hex()} for name, args in calls
        ]
        return cast(list[bytes], self._eth_calls(payloads, reverts=False))  # a revert raised instead

    def _eth_calls(self, payloads: Sequence[dict[str, str]], *, reverts: bool) -> list[bytes | None]:
        """`eth_call` of each payload at the latest block, in batches of `RPC_BATCH`; a call that
        reverts is None when `reverts` allows it, else its ContractLogicError is raised."""
        out: list[bytes | None] = []
        for start in range(0, len(payloads), RPC_BATCH):
            chunk = payloads[start : start + RPC_BATCH]
            replies: Any = None
            if isinstance(self.w3.provider, HTTPProvider):
                with rpc_guard():
                    replies = self.w3.provider.make_batch_request(
                        [(RPCEndpoint("eth_call"), [payload, "latest"]) for payload in chunk]
                    )
            if not isinstance(replies, list) or len(replies) != len(chunk):
                replies = [{} for _ in chunk]  # no batch support: every call below, one by one
            for payload, reply in zip(chunk, replies, strict=True):
                result = reply.get("result") if isinstance(reply, dict) else None
                if result is None:
                    try:
                        with rpc_guard():
                            result = self.w3.eth.call(cast(Any, payload))
                    except ContractLogicError:
                        if not reverts:
                            raise
                        out.append(None)
                        continue
                out.append(bytes(HexBytes(result)))
        return out

    def contract_signatures_valid(self, items: Sequence[tuple[str, bytes, bytes]]) -> list[bool]:
        """Whether each ERC-1271 signer accepts its (digest, data): `isValidSignature` returns the
        magic value (a revert, a short answer or another value is a refusal), in one round trip."""
        payloads = [
            {
                "to": Web3.to_checksum_address(signer),
                "data": "0x" + (ERC1271_SELECTOR + encode(["bytes32", "bytes"], [digest, data])).hex(),
            }
            for signer, digest, data in items
        ]
        return [
            result is not None and len(result) >= 32 and result[:4] == ERC1271_SELECTOR
            for result in self._eth_calls(payloads, reverts=True)
        ]

    def used(self, uids: Sequence[bytes]) -> list[bool]:
        """Whether each uid has been consumed by the hub (`schema_of(uid) != 0`)."""
        return [raw[:32] != ZERO32 for raw in self.batch_call([("schema_of", [uid]) for uid in uids])]

    def check(self, items: Sequence[tuple[Attestation, bytes]]) -> list[int]:
        """The hub's dry-run verdict (`check_attestation`) on each (attestation, signatures): 0 = valid."""
        calls = [("check_attestation", [att.as_args(), signatures]) for att, signatures in items]
        return [int(decode(["uint8"], raw)[0]) for raw in self.batch_call(calls)]

    def preflight(self, items: Sequence[tuple[Attestation, bytes]]) -> list[tuple[bool, int]]:
        """`used` and `check` of each (attestation, signatures) in one round trip: (used, verdict)."""
        calls: list[tuple[str, Sequence[Any]]] = []
        for att, signatures in items:
            calls += [("schema_of", [att.uid]), ("check_attestation", [att.as_args(), signatures])]
        raw = self.batch_call(calls)
        return [
            (raw[2 * i][:32] != ZERO32, int(decode(["uint8"], raw[2 * i + 1])[0])) for i in range(len(items))
        ]

    def submit_error(self, att: Attestation, signatures: bytes, sender: str) -> str | None:
        """Why `submit(att, signatures)` from `sender` would revert now (the hub's or the
        consumer's revert string), or None if it would succeed."""
        data = self.calldata("submit", [att.as_args(), signatures])
        try:
            with rpc_guard():
                self.w3.eth.call({"from": sender, "to": self.address, "data": data})
        except ContractLogicError as exc:
            return str(exc.message or exc)
        return None

    def attested_in(self, uid: bytes) -> tuple[str, int] | None:
        """(tx hash, block) of the `Attested` event of `uid`, if the hub applied it."""
        event = self.contract.events.Attested()
        with rpc_guard():
            logs = event.get_logs(argument_filters={"uid": uid}, from_block=self.from_block)
        for log in logs:
            return "0x" + bytes(log["transactionHash"]).hex(), int(log["blockNumber"])
        return None

    def _outcome_events(self) -> dict[bytes, tuple[str, int, list[str], list[str]]]:
        """topic0 -> (event name, topic index of `uid`, names and types of the data fields) of
        Attested and AttestationRejected."""
        if self._events is None:
            self._events = {}
            for entry in self.contract.abi:
                item = cast(Any, entry)
                if item.get("type") != "event" or item.get("name") not in ("Attested", "AttestationRejected"):
                    continue
                inputs = item["inputs"]
                indexed = [arg["name"] for arg in inputs if arg["indexed"]]
                data = [arg for arg in inputs if not arg["indexed"]]
                self._events[bytes(event_abi_to_log_topic(item))] = (
                    str(item["name"]),
                    1 + indexed.index("uid"),
                    [arg["name"] for arg in data],
                    [collapse_if_tuple(arg) for arg in data],
                )
        return self._events

    def receipts(self, tx_hashes: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The receipts of the mined ones among `tx_hashes`, in one JSON-RPC batch, as plain
        dicts: ``blockNumber``, ``status`` and ``gasUsed`` as ints, ``logs`` as the node sent
        them (hex strings). web3's receipt formatting, ~100 ms for a batch's hundreds of logs, is
        skipped."""
        out: dict[str, dict[str, Any]] = {}
        for start in range(0, len(tx_hashes), RPC_BATCH):
            chunk = list(tx_hashes[start : start + RPC_BATCH])
            replies: Any = None
            if isinstance(self.w3.provider, HTTPProvider):
                with rpc_guard():
                    replies = self.w3.provider.make_batch_request(
                        [(RPCEndpoint("eth_getTransactionReceipt"), [tx_hash]) for tx_hash in chunk]
                    )
            if not isinstance(replies, list) or len(replies) != len(chunk):
                replies = [self._receipt_one(tx_hash) for tx_hash in chunk]
            for tx_hash, reply in zip(chunk, replies, strict=True):
                raw = reply.get("result") if isinstance(reply, dict) else None
                if raw and raw.get("blockNumber") is not None:
                    out[tx_hash] = {
                        **raw,
                        "blockNumber": int(raw["blockNumber"], 16),
                        "status": int(raw.get("status") or "0x0", 16),
                        "gasUsed": int(raw.get("gasUsed") or "0x0", 16),
                    }
        return out

    def _receipt_one(self, tx_hash: str) -> dict[str, Any]:
        with rpc_guard():
            reply = self.w3.provider.make_request(RPCEndpoint("eth_getTransactionReceipt"), [tx_hash])
        return dict(reply)

    def outcome(self, receipt: Any) -> ReceiptOutcome:
        """The uids a mined hub transaction attested and the ones it rejected (with reason codes).
        Only the hub's two events are decoded: a batch's receipt holds every consumer log too."""
        events = self._outcome_events()
        attested: set[bytes] = set()
        rejected: dict[bytes, int] = {}
        for log in receipt["logs"]:
            topics = log["topics"]
            if not topics or str(log["address"]).lower() != self._hub_lower:
                continue
            spec = events.get(bytes(HexBytes(topics[0])))
            if spec is None:
                continue
            name, uid_topic, fields, types = spec
            uid = bytes(HexBytes(topics[uid_topic]))
            if name == "Attested":
                attested.add(uid)
            else:
                values = dict(zip(fields, decode(types, bytes(HexBytes(log["data"]))), strict=True))
                rejected[uid] = int(values["reason"])
        return ReceiptOutcome(attested=frozenset(attested), rejected=rejected)
