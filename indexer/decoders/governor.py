"""Decoders of AzoraGovernor and AzoraTimelock, and the governance vocabulary the indexer and the API
share: proposal states, vote support values, review verdicts and setting names.

AzoraGovernor's events are OpenZeppelin Governor v5's (``ProposalCreated``, ``VoteCast``,
``ProposalQueued``, ``ProposalExecuted``, ``ProposalCanceled``, the settings events) plus
``ProposalReviewed`` (the ETHICS oracle's constitutional review). Its constructor emits every
settings event with the deploy-time value, and the Timelock's constructor emits
``MinimumDelayChange``, so the index knows every setting without a view call.

A queued proposal is one Timelock batch operation; `timelock_operation_id` computes its id from
the proposal's actions (``proposalTimelockId(id)`` on chain), so that the Timelock's
``Cancelled(id)`` (a canceller's veto) can be matched to its proposal without a new event field.

Strings (a proposal's description, a vote's reason) are whatever bytes the sender passed: the
contract does not check them for UTF-8. They are decoded with ``surrogateescape``, so invalid
bytes never stop the indexer and ``text.encode("utf-8", "surrogateescape")`` gives the exact
bytes back (the description hash is keccak256 of those); `storable_text` makes them fit a
PostgreSQL ``text`` column.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak

from indexer.decoders import ContractDecoder, Decode, EventPlan, plan_event

CONTRACT = "AzoraGovernor"
TIMELOCK = "AzoraTimelock"

REQUIRED = (
    "ProposalCreated",
    "VoteCast",
    "ProposalQueued",
    "ProposalExecuted",
    "ProposalCanceled",
    "ProposalReviewed",
    "QuorumNumeratorUpdated",
    "VotingDelaySet",
    "VotingPeriodSet",
    "ProposalThresholdSet",
    "GracePeriodSet",
)
TIMELOCK_REQUIRED = ("MinimumDelayChange", "Cancelled")

# Settings event -> (setting name, old-value field, new-value field).
SETTING_EVENTS: dict[str, tuple[str, str, str]] = {
    "VotingDelaySet": ("voting_delay", "oldVotingDelay", "newVotingDelay"),
    "VotingPeriodSet": ("voting_period", "oldVotingPeriod", "newVotingPeriod"),
    "ProposalThresholdSet": ("proposal_threshold", "oldProposalThreshold", "newProposalThreshold"),
    "QuorumNumeratorUpdated": ("quorum_numerator", "oldQuorumNumerator", "newQuorumNumerator"),
    "GracePeriodSet": ("grace_period", "oldGracePeriod", "newGracePeriod"),
}
TIMELOCK_SETTING_EVENTS: dict[str, tuple[str, str, str]] = {
    "MinimumDelayChange": ("timelock_min_delay", "old_duration", "new_duration"),
}
SETTINGS = tuple(s for s, _, _ in (*SETTING_EVENTS.values(), *TIMELOCK_SETTING_EVENTS.values()))

# AzoraGovernor.state() values (OpenZeppelin's ProposalState order).
STATES = ("pending", "active", "canceled", "defeated", "succeeded", "queued", "expired", "executed")
STATE_CODES: dict[str, int] = {name: code for code, name in enumerate(STATES)}

# VoteCast.support (GovernorCountingSimple / Bravo).
SUPPORT = ("against", "for", "abstain")
SUPPORT_CODES: dict[str, int] = {name: code for code, name in enumerate(SUPPORT)}

# ProposalReviewed.verdict.
VERDICTS: dict[int, str] = {1: "approve", 2: "flag"}
VERDICT_FLAG = 2

# quorumDenominator() (contract constant).
QUORUM_DENOMINATOR = 100


def raw_text(text: str) -> bytes:
    """The bytes a decoded string came from (inverse of the ``surrogateescape`` decoding)."""
    return text.encode("utf-8", "surrogateescape")


def text_hash(text: str) -> str:
    """keccak256 of the bytes behind a decoded string (e.g. a proposal's descriptionHash), 0x hex."""
    return "0x" + keccak(raw_text(text)).hex()


def storable_text(text: str) -> str:
    """A decoded string as PostgreSQL ``text`` accepts it: invalid UTF-8 and NUL become U+FFFD."""
    return raw_text(text).decode("utf-8", "replace").replace("\x00", "\ufffd")


def timelock_salt(governor: str, description_hash: str) -> bytes:
    """The Timelock salt AzoraGovernor queues a proposal with (as GovernorTimelockControl):
    bytes20(governor) XOR descriptionHash (``AzoraGovernor._timelock_salt``)."""
    return ((int(governor, 16) << 96) ^ int(description_hash, 16)).to_bytes(32, "big")


def timelock_operation_id(
    governor: str,
    targets: Sequence[str],
    values: Sequence[int],
    calldatas: Sequence[str],
    description_hash: str,
) -> str:
    """The Timelock operation id of a queued proposal, 0x hex (``proposalTimelockId(id)``):
    keccak256(abi_encode(targets, values, calldatas, predecessor = 0, salt)) as snekmate's
    ``_hash_operation_batch`` computes it. `calldatas` are 0x hex, `description_hash` 0x hex."""
    encoded = abi_encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32", "bytes32"],
        [
            list(targets),
            [int(v) for v in values],
            [bytes.fromhex(c[2:]) for c in calldatas],
            bytes(32),
            timelock_salt(governor, description_hash),
        ],
    )
    return "0x" + keccak(encoded).hex()


def _string_as_bytes(abi_type: str) -> str:
    return "bytes" + abi_type[len("string") :] if abi_type.startswith("string") else abi_type


def _strings_from_hex(value: Any) -> Any:
    if isinstance(value, list):
        return [_strings_from_hex(v) for v in value]
    return bytes.fromhex(value[2:]).decode("utf-8", "surrogateescape")


def lenient_plan(item: Mapping[str, Any]) -> EventPlan:
    """The plan of an event whose non-indexed ``string`` / ``string[]`` fields decode with
    ``surrogateescape`` instead of failing on invalid UTF-8 (same ABI encoding as ``bytes``)."""
    plan = plan_event(item)
    strings = [
        str(i["name"])
        for i in item.get("inputs", [])
        if not i.get("indexed") and str(i["type"]).startswith("string")
    ]
    if not strings:
        return plan
    as_bytes = copy.deepcopy(dict(item))
    for entry in as_bytes["inputs"]:
        entry["type"] = _string_as_bytes(str(entry["type"]))
    inner: Decode = plan_event(as_bytes).decode

    def decode(topics: Sequence[str], data: str) -> dict[str, Any]:
        args = inner(topics, data)
        for name in strings:
            args[name] = _strings_from_hex(args[name])
        return args

    return EventPlan(plan.name, plan.signature, plan.topic0, False, decode)


def _lenient(decoder: ContractDecoder, abi: Sequence[Mapping[str, Any]]) -> ContractDecoder:
    for item in abi:
        if item.get("type") == "event" and not item.get("anonymous"):
            plan = lenient_plan(item)
            decoder.plans[plan.topic0] = plan
    return decoder


def build(abi: Iterable[Mapping[str, Any]]) -> ContractDecoder:
    """The decoder of AzoraGovernor from its compiled ABI (strings decoded leniently)."""
    items = list(abi)
    return _lenient(ContractDecoder(CONTRACT, items, REQUIRED), items)


def build_timelock(abi: Iterable[Mapping[str, Any]]) -> ContractDecoder:
    """The decoder of AzoraTimelock from its compiled ABI (scheduled / executed operations go
    to raw_logs and the bus; the minimum delay and cancellations -- vetoes of queued proposals --
    are projected)."""
    return ContractDecoder(TIMELOCK, abi, TIMELOCK_REQUIRED)
