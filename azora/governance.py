"""Governance proposals as data: read a proposal file, encode its calls, compute its id.

Shared by ``ape run propose``, the Ape console helpers, the demo and the tests. A proposal
file is YAML::

    description: |
      # Double the ProofOfKnowledge epoch budget
      Rationale: more learners than the budget can pay this month.
    actions:
      - contract: ProofOfKnowledge        # a manifest name, or `address: 0x...`
        function: set_epoch_budget        # a name, or a full signature when overloaded
        args: ["2000000 AZR"]             # "<n> AZR" is n * 10**18; ints and strings as is
        value: 0                          # wei sent with the call (optional)

Calls are encoded with the contract ABIs recorded in the deployment manifest, so a typo
in a name, a wrong argument count or an out-of-range value is refused before anything is
sent. The proposal id is OpenZeppelin's ``hashProposal``:
``uint256(keccak256(abi.encode(targets, values, calldatas, keccak256(description))))``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from pathlib import Path
from typing import Any

import yaml
from eth_abi import encode
from eth_abi.exceptions import EncodingError
from eth_utils import is_address, keccak, to_checksum_address
from eth_utils.abi import collapse_if_tuple

from azora.exceptions import AzoraError
from azora.manifest import DeploymentManifest, load_abi

AZR = 10**18


class ProposalError(AzoraError):
    """A proposal file or action is invalid. The message names the action and the problem."""


class ProposalState(IntEnum):
    """AzoraGovernor.state() values (OpenZeppelin Governor order)."""

    PENDING = 0
    ACTIVE = 1
    CANCELED = 2
    DEFEATED = 3
    SUCCEEDED = 4
    QUEUED = 5
    EXPIRED = 6
    EXECUTED = 7


class Support(IntEnum):
    """Vote choices (GovernorCountingSimple)."""

    AGAINST = 0
    FOR = 1
    ABSTAIN = 2


@dataclass(frozen=True)
class Action:
    """One call the Timelock makes when the proposal executes."""

    target: str
    value: int
    calldata: bytes
    label: str  # e.g. "ProofOfKnowledge.set_epoch_budget(2000000000000000000000000)"


@dataclass(frozen=True)
class Proposal:
    """A proposal ready for `propose`: its actions and description."""

    actions: tuple[Action, ...]
    description: str

    @property
    def targets(self) -> list[str]:
        return [a.target for a in self.actions]

    @property
    def values(self) -> list[int]:
        return [a.value for a in self.actions]

    @property
    def calldatas(self) -> list[bytes]:
        return [a.calldata for a in self.actions]

    @property
    def description_hash(self) -> bytes:
        return description_hash(self.description)

    @property
    def id(self) -> int:
        return proposal_id(self.targets, self.values, self.calldatas, self.description_hash)


def description_hash(description: str) -> bytes:
    """keccak256 of the UTF-8 description, as `queue`/`execute`/`cancel` take it."""
    return keccak(text=description)


def proposal_id(
    targets: Sequence[str], values: Sequence[int], calldatas: Sequence[bytes], desc_hash: bytes
) -> int:
    """OpenZeppelin's hashProposal: the id any Governor tool computes for these calls."""
    encoded = encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32"],
        [[to_checksum_address(t) for t in targets], list(values), list(calldatas), desc_hash],
    )
    return int.from_bytes(keccak(encoded), "big")


def parse_amount(value: Any) -> Any:
    """`"<n> AZR"` -> n * 10**18 (decimals allowed); anything else unchanged."""
    if isinstance(value, str) and value.strip().upper().endswith(" AZR"):
        number = value.strip()[:-4].replace("_", "").replace(",", "")
        try:
            wei = Decimal(number) * AZR
        except InvalidOperation:
            raise ProposalError(f"not an AZR amount: {value!r}") from None
        if wei != wei.to_integral_value():
            raise ProposalError(f"{value!r} has more than 18 decimals")
        return int(wei)
    return value


def encode_call(abi: Sequence[Mapping[str, Any]], function: str, args: Sequence[Any]) -> bytes:
    """Selector + ABI-encoded `args` of `function` (a name, or `name(types)` when overloaded)."""
    candidates = [
        item
        for item in abi
        if item.get("type") == "function" and function in (item["name"], _signature(item))
    ]
    if not candidates:
        raise ProposalError(f"no function {function!r} in the ABI")
    if len(candidates) > 1:
        candidates = [c for c in candidates if len(c.get("inputs", [])) == len(args)]
        if len(candidates) != 1:
            names = ", ".join(sorted(_signature(c) for c in candidates)) or function
            raise ProposalError(f"{function!r} is ambiguous: name the signature ({names})")
    item = candidates[0]
    types = [collapse_if_tuple(dict(i)) for i in item.get("inputs", [])]
    if len(types) != len(args):
        raise ProposalError(f"{_signature(item)} takes {len(types)} arguments, got {len(args)}")
    values = [_coerce(t, parse_amount(a)) for t, a in zip(types, args, strict=True)]
    try:
        return keccak(text=_signature(item))[:4] + encode(types, values)
    except (EncodingError, TypeError, ValueError, OverflowError) as exc:
        raise ProposalError(f"cannot encode {_signature(item)} with {list(args)!r}: {exc}") from exc


def load_proposal(path: Path, manifest: DeploymentManifest, manifest_path: Path) -> Proposal:
    """Read and encode the proposal file at `path` against the deployment `manifest`."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ProposalError(f"cannot read the proposal file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ProposalError(f"{path}: expected a mapping with `description` and `actions`")
    return build_proposal(data, manifest, manifest_path)


def build_proposal(data: Mapping[str, Any], manifest: DeploymentManifest, manifest_path: Path) -> Proposal:
    """Encode a proposal given as a mapping (the YAML file's shape)."""
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ProposalError("a proposal needs a non-empty `description`")
    raw_actions = data.get("actions")
    if not isinstance(raw_actions, list) or not raw_actions:
        raise ProposalError("a proposal needs a non-empty list of `actions`")
    actions = []
    for number, raw in enumerate(raw_actions, start=1):
        try:
            actions.append(_build_action(raw, manifest, manifest_path))
        except ProposalError as exc:
            raise ProposalError(f"action {number}: {exc}") from None
    return Proposal(actions=tuple(actions), description=description)


def _build_action(raw: Any, manifest: DeploymentManifest, manifest_path: Path) -> Action:
    if not isinstance(raw, dict):
        raise ProposalError("expected a mapping with `contract` (or `address`), `function`, `args`")
    unknown = set(raw) - {"contract", "address", "function", "args", "value"}
    if unknown:
        raise ProposalError(f"unknown keys {sorted(unknown)}")
    value = parse_amount(raw.get("value", 0))
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ProposalError(f"`value` must be a non-negative integer (wei) or '<n> AZR', got {value!r}")
    args = raw.get("args", [])
    if not isinstance(args, list):
        raise ProposalError("`args` must be a list")
    function = raw.get("function")
    if "contract" in raw:
        name = str(raw["contract"])
        if name not in manifest.contracts:
            raise ProposalError(f"unknown contract {name!r}; the manifest has {sorted(manifest.contracts)}")
        target = manifest.address(name)
        if not function:
            raise ProposalError("`function` is required with `contract`")
        calldata = encode_call(load_abi(manifest_path, manifest, name), str(function), args)
        label = f"{name}.{function}({', '.join(str(parse_amount(a)) for a in args)})"
    elif "address" in raw:
        if not is_address(str(raw["address"])):
            raise ProposalError(f"not an address: {raw['address']!r}")
        target = to_checksum_address(str(raw["address"]))
        if function:
            raise ProposalError("`function` needs `contract` (its ABI); with `address` only a value transfer")
        calldata = b""
        label = f"transfer {value} wei to {target}"
    else:
        raise ProposalError("name the target with `contract` (a manifest name) or `address`")
    return Action(target=to_checksum_address(target), value=value, calldata=calldata, label=label)


def _signature(item: Mapping[str, Any]) -> str:
    return f"{item['name']}({','.join(collapse_if_tuple(dict(i)) for i in item.get('inputs', []))})"


def _coerce(abi_type: str, value: Any) -> Any:
    """YAML gives ints and strings: turn them into what the ABI type wants (int, bytes, address)."""
    if abi_type.startswith(("uint", "int")) and not abi_type.endswith("]") and isinstance(value, str):
        try:
            return int(value.replace("_", ""), 0)
        except ValueError:
            raise ProposalError(f"not an integer for {abi_type}: {value!r}") from None
    if abi_type.startswith("bytes") and not abi_type.endswith("]") and isinstance(value, str):
        if value.startswith("0x"):
            try:
                return bytes.fromhex(value[2:])
            except ValueError:
                raise ProposalError(f"not hex for {abi_type}: {value!r}") from None
        if abi_type == "bytes32" and len(value.encode()) <= 32:
            return value.encode().ljust(32, b"\0")
        raise ProposalError(f"{abi_type} wants 0x-hex, got {value!r}")
    if abi_type == "address" and isinstance(value, str):
        if not is_address(value):
            raise ProposalError(f"not an address: {value!r}")
        return to_checksum_address(value)
    return value


class GovernorClient:
    """Drive one AzoraGovernor through ape contract objects (console, scripts, demo).

    `governor` is an ape contract instance, `chain` ape's chain manager. Proposals are found
    again from their ProposalCreated event, so `queue(id)` and `execute(id)` need only the id.
    """

    def __init__(self, governor: Any, chain: Any, start_block: int = 0) -> None:
        self.governor = governor
        self.chain = chain
        self.start_block = start_block

    def propose(self, proposal: Proposal, sender: Any) -> int:
        """Submit `proposal`; returns its id (checked against the contract's hashProposal)."""
        pid = proposal.id
        on_chain = self.governor.hashProposal(
            proposal.targets, proposal.values, proposal.calldatas, proposal.description_hash
        )
        if on_chain != pid:
            raise ProposalError(f"proposal id mismatch: computed {pid}, governor says {on_chain}")
        self.governor.propose(
            proposal.targets, proposal.values, proposal.calldatas, proposal.description, sender=sender
        )
        return pid

    def proposal(self, pid: int) -> Proposal:
        """The actions and description of proposal `pid`, read from its ProposalCreated event."""
        head = self.chain.blocks.head.number
        for log in self.governor.ProposalCreated.range(self.start_block, head + 1):
            if int(log.proposalId) == int(pid):
                actions = tuple(
                    Action(target=to_checksum_address(t), value=int(v), calldata=bytes(c), label="")
                    for t, v, c in zip(log.targets, log.values, log.calldatas, strict=True)
                )
                return Proposal(actions=actions, description=str(log.description))
        raise ProposalError(f"no proposal {pid} on this governor")

    def state(self, pid: int) -> ProposalState:
        """The proposal's current state."""
        return ProposalState(self.governor.state(pid))

    def vote(self, pid: int, support: Support | int, sender: Any, reason: str | None = None) -> Any:
        """Cast `sender`'s vote (0 against, 1 for, 2 abstain), optionally with a reason."""
        if reason:
            return self.governor.castVoteWithReason(pid, int(support), reason, sender=sender)
        return self.governor.castVote(pid, int(support), sender=sender)

    def queue(self, pid: int, sender: Any) -> Any:
        """Queue a Succeeded proposal on the Timelock."""
        p = self.proposal(pid)
        return self.governor.queue(p.targets, p.values, p.calldatas, p.description_hash, sender=sender)

    def execute(self, pid: int, sender: Any) -> Any:
        """Execute a Queued proposal whose ETA has passed (sends the actions' total value)."""
        p = self.proposal(pid)
        return self.governor.execute(
            p.targets, p.values, p.calldatas, p.description_hash, value=sum(p.values), sender=sender
        )

    def summary(self, pid: int) -> dict[str, Any]:
        """State, window, tally, quorum and review of proposal `pid`."""
        against, for_, abstain = self.governor.proposalVotes(pid)
        snapshot = int(self.governor.proposalSnapshot(pid))
        verdict, reason_hash, _uid = self.governor.proposalReview(pid)
        head = self.chain.blocks.head.number
        return {
            "id": int(pid),
            "state": self.state(pid).name,
            "snapshot": snapshot,
            "deadline": int(self.governor.proposalDeadline(pid)),
            "eta": int(self.governor.proposalEta(pid)),
            "votes": {"for": int(for_), "against": int(against), "abstain": int(abstain)},
            "quorum": int(self.governor.quorum(snapshot)) if snapshot < head else None,
            "review": {0: None, 1: "approved", 2: "flagged"}.get(int(verdict), str(verdict)),
            "reason_hash": "0x" + bytes(reason_hash).hex() if int(verdict) else None,
        }

    def wait_for_review(self, pid: int, timeout: float = 60.0) -> int:
        """Wait until the ethics oracle's verdict (1 approve, 2 flag) is on chain; 0 on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            verdict = int(self.governor.proposalReview(pid)[0])
            if verdict or time.monotonic() >= deadline:
                return verdict
            time.sleep(0.5)

    # Local chains only: move time forward to the next lifecycle step.
    def mine_until_active(self, pid: int) -> None:
        """Mine blocks until voting opens (block > snapshot)."""
        self._mine_past(int(self.governor.proposalSnapshot(pid)))

    def mine_until_closed(self, pid: int) -> None:
        """Mine blocks until voting closes (block > deadline)."""
        self._mine_past(int(self.governor.proposalDeadline(pid)))

    def wait_for_eta(self, pid: int) -> None:
        """Advance the chain's clock past the proposal's Timelock ETA."""
        eta = int(self.governor.proposalEta(pid))
        if self.chain.pending_timestamp <= eta:
            self.chain.pending_timestamp = eta + 1
            self.chain.mine(1)

    def _mine_past(self, block: int) -> None:
        head = self.chain.blocks.head.number
        if head <= block:
            self.chain.mine(block - head + 1)
