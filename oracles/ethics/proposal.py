"""A governance proposal as the ethics oracle reviews it: parsed from a ProposalCreated bus
message, its calls decoded with the ABIs of the deployment manifest.

Decoding is strict: the 4-byte selector must name a function of the target's ABI and the
rest must be exactly the canonical ABI encoding of its arguments (re-encoding the decoded
values gives the same bytes), so nothing can hide in padding or trailing data. A call that
does not decode keeps its raw calldata and an `error` saying why; the rules report it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address
from eth_utils.abi import collapse_if_tuple

from azora.manifest import DeploymentManifest, load_abi
from oracles.ethics.exceptions import MalformedEventError

# OpenZeppelin's `_isValidDescriptionForProposer` suffix: "#proposer=0x" + 40 hex digits, at the end.
PROPOSER_SUFFIX = re.compile(r"#proposer=0x[0-9a-fA-F]{40}\Z")


def _plain(abi_type: str, value: Any) -> Any:
    """A decoded ABI value in JSON-ready form: checksummed addresses, 0x hex bytes, lists."""
    if abi_type.endswith("]"):
        inner = abi_type[: abi_type.rindex("[")]
        return [_plain(inner, v) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple):  # a struct: its components, untyped
        return [_plain("", v) for v in value]
    if abi_type == "address":
        return to_checksum_address(value)
    return value


@dataclass(frozen=True)
class Function:
    """One function of a contract's ABI."""

    name: str
    types: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.types)})"


@dataclass(frozen=True)
class ContractInfo:
    """A contract of the manifest: its name, address and functions by selector."""

    name: str
    address: str
    functions: dict[bytes, Function] = field(default_factory=dict)


class ContractBook:
    """The Azora contracts of a deployment, by address (lowercase) and by name."""

    def __init__(self, contracts: Sequence[ContractInfo]) -> None:
        self.by_address = {c.address.lower(): c for c in contracts}
        self.by_name = {c.name: c for c in contracts}

    @classmethod
    def from_abis(cls, entries: Mapping[str, tuple[str, Sequence[Mapping[str, Any]]]]) -> ContractBook:
        """A book from ``{name: (address, abi)}``."""
        contracts = []
        for name, (address, abi) in entries.items():
            functions = {}
            for item in abi:
                if item.get("type") != "function":
                    continue
                inputs = item.get("inputs", [])
                fn = Function(
                    name=str(item["name"]),
                    types=tuple(collapse_if_tuple(dict(i)) for i in inputs),
                    names=tuple(str(i.get("name") or f"arg{n}") for n, i in enumerate(inputs)),
                )
                functions[keccak(text=fn.signature)[:4]] = fn
            contracts.append(ContractInfo(name, to_checksum_address(address), functions))
        return cls(contracts)

    @classmethod
    def from_manifest(cls, manifest: DeploymentManifest, manifest_path: Path) -> ContractBook:
        """Every contract of the deployment manifest with the ABI it records."""
        return cls.from_abis(
            {
                name: (record.address, load_abi(manifest_path, manifest, name))
                for name, record in manifest.contracts.items()
            }
        )

    def address(self, name: str) -> str | None:
        """The checksummed address of contract `name`, None when the manifest has none."""
        info = self.by_name.get(name)
        return None if info is None else info.address

    def name_of(self, address: str) -> str | None:
        """The manifest name of the contract at `address`, None for any other address."""
        info = self.by_address.get(address.lower())
        return None if info is None else info.name

    def decode(self, index: int, target: str, value: int, calldata: bytes) -> Call:
        """Decode one action of a proposal (see the module docstring)."""
        target = to_checksum_address(target)
        info = self.by_address.get(target.lower())
        call = Call(index=index, target=target, value=value, calldata=calldata)
        if info is None:
            return call
        call = call.with_contract(info.name)
        if not calldata:
            return call.with_error("no calldata: a plain value transfer to a contract")
        if len(calldata) < 4:
            return call.with_error(f"calldata of {len(calldata)} bytes has no 4-byte selector")
        selector = calldata[:4]
        fn = info.functions.get(selector)
        if fn is None:
            return call.with_error(f"selector 0x{selector.hex()} is not a function of {info.name}")
        try:
            values = decode(list(fn.types), calldata[4:])
            canonical = encode(list(fn.types), list(values)) == calldata[4:]
        except Exception as exc:  # eth-abi raises many decoding error types
            return call.with_function(fn, None).with_error(
                f"arguments do not decode as {fn.signature}: {exc}"
            )
        if not canonical:
            return call.with_function(fn, None).with_error(
                f"arguments are not the canonical encoding of {fn.signature} (extra or padding bytes)"
            )
        args = {
            name: _plain(abi_type, v) for name, abi_type, v in zip(fn.names, fn.types, values, strict=True)
        }
        return call.with_function(fn, args)


@dataclass(frozen=True)
class Call:
    """One action of a proposal, decoded when possible."""

    index: int
    target: str
    value: int
    calldata: bytes
    # The manifest name of the target (None: not an Azora contract).
    contract: str | None = None
    function: str | None = None
    signature: str | None = None
    args: dict[str, Any] | None = None
    # Why it could not be decoded (None when `args` holds the decoded arguments).
    error: str | None = None

    @property
    def decoded(self) -> bool:
        return self.args is not None and self.error is None

    @property
    def qualified(self) -> str | None:
        """``Contract.function`` when both are known."""
        return f"{self.contract}.{self.function}" if self.contract and self.function else None

    def arg(self, position: int) -> Any:
        """The decoded argument at `position` (IndexError / ValueError when there is none)."""
        if self.args is None:
            raise ValueError("call not decoded")
        return list(self.args.values())[position]

    def label(self) -> str:
        """A one-line description, e.g. ``AzoraToken.transfer(to=0x.., amount=10)``."""
        if self.decoded and self.qualified and self.args is not None:
            rendered = ", ".join(f"{k}={_render(v)}" for k, v in self.args.items())
            text = f"{self.qualified}({rendered})"
        elif self.contract:
            text = f"{self.contract} with calldata 0x{self.calldata[:4].hex()}…({len(self.calldata)} bytes)"
        else:
            text = f"{self.target} with {len(self.calldata)} bytes of calldata"
        return text + (f" sending {self.value} wei" if self.value else "")

    def with_contract(self, name: str) -> Call:
        return _replace(self, contract=name)

    def with_function(self, fn: Function, args: dict[str, Any] | None) -> Call:
        return _replace(self, function=fn.name, signature=fn.signature, args=args)

    def with_error(self, error: str) -> Call:
        return _replace(self, error=error)


def _replace(call: Call, **changes: Any) -> Call:
    return replace(call, **changes)


def _render(value: Any) -> str:
    return json.dumps(value, separators=(",", ":")) if isinstance(value, list) else str(value)


@dataclass(frozen=True)
class Proposal:
    """A proposal under review: what ProposalCreated says, with its calls decoded."""

    proposal_id: int
    proposer: str
    description: str
    calls: tuple[Call, ...]
    vote_start: int
    vote_end: int
    # Where its ProposalCreated is (facts are read at this block).
    block_number: int

    @property
    def body(self) -> str:
        """The description without OpenZeppelin's trailing ``#proposer=0x...`` restriction."""
        return PROPOSER_SUFFIX.sub("", self.description)


def hash_proposal(
    targets: Sequence[str], values: Sequence[int], calldatas: Sequence[bytes], description: str
) -> int:
    """OpenZeppelin's ``hashProposal`` (the Governor's proposal id)."""
    encoded = encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32"],
        [[to_checksum_address(t) for t in targets], list(values), list(calldatas), keccak(text=description)],
    )
    return int.from_bytes(keccak(encoded), "big")


def _hex_bytes(value: Any) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ValueError(f"expected 0x hex, got {value!r}")
    return bytes.fromhex(value[2:])


def proposal_from_event(args: Mapping[str, Any], block_number: int, book: ContractBook) -> Proposal:
    """The proposal of a ProposalCreated message's ``args`` (bus format: decimal strings,
    lowercase addresses, 0x hex bytes); raises MalformedEventError when it does not parse or
    its ``proposalId`` is not ``hashProposal`` of its calls."""
    try:
        proposal_id = int(args["proposalId"])
        proposer = to_checksum_address(str(args["proposer"]))
        targets = [to_checksum_address(str(t)) for t in args["targets"]]
        values = [int(v) for v in args["values"]]
        calldatas = [_hex_bytes(c) for c in args["calldatas"]]
        description = str(args["description"])
        vote_start = int(args["voteStart"])
        vote_end = int(args["voteEnd"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEventError(f"malformed ProposalCreated args: {type(exc).__name__}: {exc}") from None
    if not targets or not len(targets) == len(values) == len(calldatas):
        raise MalformedEventError(
            f"ProposalCreated with {len(targets)} targets, {len(values)} values, {len(calldatas)} calldatas"
        )
    expected = hash_proposal(targets, values, calldatas, description)
    if expected != proposal_id:
        raise MalformedEventError(f"proposalId {proposal_id} is not hashProposal of its calls ({expected})")
    calls = tuple(
        book.decode(i, target, value, data)
        for i, (target, value, data) in enumerate(zip(targets, values, calldatas, strict=True))
    )
    return Proposal(
        proposal_id=proposal_id,
        proposer=proposer,
        description=description,
        calls=calls,
        vote_start=vote_start,
        vote_end=vote_end,
        block_number=block_number,
    )
