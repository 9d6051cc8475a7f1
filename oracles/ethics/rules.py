"""The default evaluator: deterministic rules, one small pure function each.

A rule takes the proposal (calls decoded), the `Context` (the manifest's contracts and chain
facts as of the proposal's block) and its parameters from the constitution, and returns the
messages of what it found (empty: nothing to report). `RulesEvaluator` runs the rules the
constitution lists, in its order, and turns each message into a `Reason` with the rule's id,
principle and severity; any reason of severity ``flag`` makes the verdict FLAG.

| rule | finds |
|---|---|
| `treasury_outflow_rationale` | outflows above a share of a treasury's balance without a "Rationale:" |
| `unknown_target` | calls to addresses that are not Azora contracts of the manifest |
| `undecodable_call` | calls to Azora contracts whose selector or arguments the manifest ABI does not decode |
| `oracle_signer_change` | oracle signer set or schema changes (`OracleHub.set_signers`, `register_schema`) |
| `role_change` | role grants / revocations (and ownership changes) on Azora contracts |
| `quorum_lowered` | `AzoraGovernor.updateQuorumNumerator` below the current numerator |
| `voting_period_shortened` | `AzoraGovernor.setVotingPeriod` shorter than now and below a floor |
| `voting_delay_shortened` | `AzoraGovernor.setVotingDelay` shorter than now and below a floor |
| `timelock_delay_shortened` | `AzoraTimelock.update_delay` shorter than now and below a floor |
| `description_quality` | a description (without `#proposer=`) shorter than a minimum |
| `decoded_calls` | (info) what each call is, as decoded |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_utils import keccak, to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from oracles.eip712 import ORACLE_DOMAINS
from oracles.ethics.constitution import Constitution
from oracles.ethics.evaluator import Context, Reason, Review, Verdict
from oracles.ethics.exceptions import ConstitutionError
from oracles.ethics.proposal import Call, Proposal

GOVERNOR = "AzoraGovernor"
TIMELOCK = "AzoraTimelock"
TREASURY = "Treasury"
TOKEN = "AzoraToken"
ZERO_ADDRESS = "0x" + "00" * 20
BPS = 10_000

# bytes32 role ids of the Azora contracts (snekmate access_control: keccak256 of the name;
# DEFAULT_ADMIN_ROLE is zero), to name them in reasons.
ROLE_NAMES = {"0x" + "00" * 32: "DEFAULT_ADMIN_ROLE"} | {
    "0x" + keccak(text=name).hex(): name
    for name in (
        "MINTER_ROLE",
        "WRITER_ROLE",
        "ISSUER_ROLE",
        "PROPOSER_ROLE",
        "EXECUTOR_ROLE",
        "CANCELLER_ROLE",
    )
}
DOMAIN_NAMES = {"0x" + keccak(text=name).hex(): name for name in ORACLE_DOMAINS}


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class NoParams(_Params):
    """A rule without parameters."""


class OutflowParams(_Params):
    treasuries: list[str] = Field(min_length=1)
    tokens: list[str] = Field(default_factory=list)
    max_share_bps: int = Field(ge=0, le=BPS)
    rationale_heading: str = Field(min_length=1, pattern=r"^[A-Za-z][A-Za-z ]*$")
    min_rationale_chars: int = Field(ge=1)


class FunctionsParams(_Params):
    functions: list[str] = Field(min_length=1)


class MinBlocksParams(_Params):
    min_blocks: int = Field(ge=0)


class MinSecondsParams(_Params):
    min_seconds: int = Field(ge=0)


class MinCharsParams(_Params):
    min_chars: int = Field(ge=0)


# --- formatting (deterministic: the messages are hashed) -----------------------------------------


def _units(amount: int, decimals: int = 18) -> str:
    """`amount` base units as a decimal number with thousands separators, e.g. ``1,500.25``."""
    text = format(Decimal(amount).scaleb(-decimals).normalize(), "f")
    whole, _, fraction = text.partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "")


def _asset(context: Context, asset: str | None) -> str:
    if asset is None:
        return "ETH"
    name = context.book.name_of(asset)
    return "AZR" if name == TOKEN else (name or to_checksum_address(asset))


def _who(context: Context, address: str) -> str:
    """An address, with its manifest name when it is an Azora contract."""
    checksummed = to_checksum_address(address)
    name = context.book.name_of(checksummed)
    return f"{name} ({checksummed})" if name else checksummed


def _share(amount: int, balance: int) -> str:
    if balance == 0:
        return "all of an empty balance"
    return f"{Decimal(amount * 100) / Decimal(balance):.2f}% of its balance"


def _number(call: Call) -> str:
    return f"call {call.index + 1}"


# --- (a) treasury outflows -----------------------------------------------------------------------


def treasury_outflows(
    proposal: Proposal, context: Context, params: OutflowParams
) -> dict[tuple[str, str | None], int]:
    """What the proposal moves out of each treasury, summed per (treasury, asset; None = ETH):
    ether sent with any call (from the Timelock, which executes the calls), ERC-20
    ``transfer`` / ``approve`` on the configured tokens (the Timelock's own funds),
    ``transferFrom`` whose owner is a treasury, and the Treasury contract's ``transfer`` /
    ``create_stream`` (their ``token`` and ``amount`` arguments)."""
    book = context.book
    treasuries = {a.lower() for name in params.treasuries if (a := book.address(name))}
    timelock = book.address(TIMELOCK)
    treasury_contract = book.address(TREASURY)
    out: dict[tuple[str, str | None], int] = {}

    def add(holder: str, asset: str | None, amount: int) -> None:
        if holder.lower() in treasuries and amount > 0:
            key = (holder.lower(), asset.lower() if asset else None)
            out[key] = out.get(key, 0) + amount

    for call in proposal.calls:
        if timelock is not None:
            add(timelock, None, call.value)
        if not call.decoded or call.args is None:
            continue
        if call.contract in params.tokens and call.signature in (
            "transfer(address,uint256)",
            "approve(address,uint256)",
        ):
            if timelock is not None:
                add(timelock, call.target, int(call.arg(1)))
        elif call.contract in params.tokens and call.signature == "transferFrom(address,address,uint256)":
            add(str(call.arg(0)), call.target, int(call.arg(2)))
        elif (
            treasury_contract is not None
            and call.contract == TREASURY
            and call.function in ("transfer", "create_stream")
            and {"token", "amount"} <= set(call.args)
        ):
            token = str(call.args["token"])
            add(treasury_contract, None if token.lower() == ZERO_ADDRESS else token, int(call.args["amount"]))
    return out


_HEADING = "^[ \t]*(?:#+[ \t]*)?{word}\\b[ \t]*:?"


def rationale(description: str, heading: str) -> str:
    """The text of the description's rationale section, whitespace collapsed: what follows a
    line starting with `heading` (optionally a Markdown heading, optionally a colon), up to the
    next Markdown heading; empty when there is none."""
    match = re.search(_HEADING.format(word=re.escape(heading)), description, re.IGNORECASE | re.MULTILINE)
    if match is None:
        return ""
    rest = description[match.end() :]
    following = re.search(r"^[ \t]*#", rest, re.MULTILINE)
    section = rest[: following.start()] if following else rest
    return " ".join(section.split())


def treasury_outflow_rationale(proposal: Proposal, context: Context, params: OutflowParams) -> list[str]:
    """(a) Outflows above `max_share_bps` of a treasury's balance need a stated rationale."""
    large = []
    for (holder, asset), amount in sorted(treasury_outflows(proposal, context, params).items(), key=str):
        balance = context.facts.balance(holder, asset)
        if amount * BPS > balance * params.max_share_bps:
            large.append((holder, asset, amount, balance))
    if not large:
        return []
    stated = rationale(proposal.body, params.rationale_heading)
    if len(stated) >= params.min_rationale_chars:
        return []
    missing = (
        f"no '{params.rationale_heading}:' section"
        if not stated
        else f"a '{params.rationale_heading}:' section of only {len(stated)} characters"
    )
    limit = f"{Decimal(params.max_share_bps) / 100:.2f}%"
    return [
        f"moves {_units(amount)} {_asset(context, asset)} out of {_who(context, holder)}, "
        f"{_share(amount, balance)} of {_units(balance)} {_asset(context, asset)} (above {limit}), "
        f"and the description has {missing} (at least {params.min_rationale_chars} characters are needed)"
        for holder, asset, amount, balance in large
    ]


# --- (b) unknown targets and undecodable calls ---------------------------------------------------


def unknown_target(proposal: Proposal, context: Context, params: NoParams) -> list[str]:
    """(b) Every call must target an Azora contract of the deployment manifest."""
    return [
        f"{_number(call)} targets {call.target}, which is not an Azora contract of the deployment manifest"
        + (f" (sending {_units(call.value)} ETH)" if call.value else "")
        for call in proposal.calls
        if call.contract is None
    ]


def undecodable_call(proposal: Proposal, context: Context, params: NoParams) -> list[str]:
    """(b) A call to an Azora contract must decode with its ABI (unknown selectors reported)."""
    return [
        f"{_number(call)} to {call.contract}: {call.error}"
        for call in proposal.calls
        if call.contract is not None and call.error is not None
    ]


# --- (c) oracle signer sets and roles ------------------------------------------------------------


def _describe_hub_call(call: Call, context: Context) -> str:
    args = call.args or {}
    if call.function == "set_signers":
        domain = DOMAIN_NAMES.get(str(args.get("domain")), str(args.get("domain")))
        signers = args.get("signers") or []
        return (
            f"{_number(call)} replaces the {domain} oracle signer set with {len(signers)} signers "
            f"({', '.join(signers)}) and threshold {args.get('threshold')} (OracleHub.set_signers)"
        )
    if call.function == "register_schema":
        domain = DOMAIN_NAMES.get(str(args.get("domain")), str(args.get("domain")))
        consumer = _who(context, str(args.get("consumer", ZERO_ADDRESS)))
        return (
            f"{_number(call)} registers schema {args.get('schema')} in the {domain} domain, "
            f"routed to {consumer} (OracleHub.register_schema)"
        )
    return f"{_number(call)} calls {call.label()}"


def oracle_signer_change(proposal: Proposal, context: Context, params: FunctionsParams) -> list[str]:
    """(c) Changes to who attests (signer sets, schemas) need a supermajority."""
    return [
        _describe_hub_call(call, context)
        for call in proposal.calls
        if call.decoded and call.qualified in params.functions
    ]


def _describe_role_call(call: Call, context: Context) -> str:
    args = call.args or {}
    if call.function in ("grantRole", "revokeRole", "renounceRole") and "role" in args:
        role = ROLE_NAMES.get(str(args["role"]), str(args["role"]))
        account = _who(context, str(args.get("account", ZERO_ADDRESS)))
        verb = {"grantRole": "grants", "revokeRole": "revokes", "renounceRole": "renounces"}[call.function]
        preposition = "to" if call.function == "grantRole" else "of"
        return f"{_number(call)} {verb} {role} on {call.contract} {preposition} {account} ({call.function})"
    return f"{_number(call)} changes roles or ownership: {call.label()}"


def role_change(proposal: Proposal, context: Context, params: FunctionsParams) -> list[str]:
    """(c) Role grants / revocations and ownership changes on Azora contracts need a supermajority."""
    return [
        _describe_role_call(call, context)
        for call in proposal.calls
        if call.decoded and call.function in params.functions
    ]


# --- (d) governance safeguards -------------------------------------------------------------------


def _setting_calls(proposal: Proposal, contract: str, function: str) -> list[tuple[Call, int]]:
    return [
        (call, int(call.arg(0)))
        for call in proposal.calls
        if call.decoded and call.contract == contract and call.function == function
    ]


def quorum_lowered(proposal: Proposal, context: Context, params: NoParams) -> list[str]:
    """(d) Lowering the quorum numerator needs a supermajority."""
    current = context.facts.setting("quorum_numerator")
    return [
        f"{_number(call)} lowers the quorum from {current}% to {new}% of the past total supply "
        "(AzoraGovernor.updateQuorumNumerator)"
        if current is not None
        else f"{_number(call)} sets the quorum to {new}% and the current quorum could not be read"
        for call, new in _setting_calls(proposal, GOVERNOR, "updateQuorumNumerator")
        if current is None or new < current
    ]


def _shortened(
    proposal: Proposal,
    context: Context,
    contract: str,
    function: str,
    setting: str,
    floor: int,
    unit: str,
) -> list[str]:
    current = context.facts.setting(setting)
    what = setting.replace("_", " ")
    return [
        f"{_number(call)} shortens the {what} from {current} to {new} {unit}, below the floor of "
        f"{floor} {unit} ({contract}.{function})"
        if current is not None
        else f"{_number(call)} sets the {what} to {new} {unit}, below the floor of {floor} {unit}, "
        "and the current value could not be read"
        for call, new in _setting_calls(proposal, contract, function)
        if new < floor and (current is None or new < current)
    ]


def voting_period_shortened(proposal: Proposal, context: Context, params: MinBlocksParams) -> list[str]:
    """(d) A voting period shortened below the floor needs a supermajority."""
    return _shortened(
        proposal, context, GOVERNOR, "setVotingPeriod", "voting_period", params.min_blocks, "blocks"
    )


def voting_delay_shortened(proposal: Proposal, context: Context, params: MinBlocksParams) -> list[str]:
    """(d) A voting delay shortened below the floor needs a supermajority."""
    return _shortened(
        proposal, context, GOVERNOR, "setVotingDelay", "voting_delay", params.min_blocks, "blocks"
    )


def timelock_delay_shortened(proposal: Proposal, context: Context, params: MinSecondsParams) -> list[str]:
    """(d) A timelock delay shortened below the floor needs a supermajority."""
    return _shortened(
        proposal, context, TIMELOCK, "update_delay", "timelock_delay", params.min_seconds, "seconds"
    )


# --- (e) the description and the record of calls ------------------------------------------------


def description_quality(proposal: Proposal, context: Context, params: MinCharsParams) -> list[str]:
    """(e) The description says what the proposal does and why: at least `min_chars` characters."""
    length = len(" ".join(proposal.body.split()))
    if length >= params.min_chars:
        return []
    if length == 0:
        return ["the description is empty"]
    return [f"the description has {length} characters; at least {params.min_chars} are needed"]


def decoded_calls(proposal: Proposal, context: Context, params: NoParams) -> list[str]:
    """(info) What each call is, as the oracle decoded it."""
    return [f"{_number(call)}: {call.label()}" for call in proposal.calls]


# --- the evaluator -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleImpl:
    """A rule function and the model of its parameters."""

    check: Callable[[Proposal, Context, Any], list[str]]
    params: type[_Params]


RULES: dict[str, RuleImpl] = {
    "treasury_outflow_rationale": RuleImpl(treasury_outflow_rationale, OutflowParams),
    "unknown_target": RuleImpl(unknown_target, NoParams),
    "undecodable_call": RuleImpl(undecodable_call, NoParams),
    "oracle_signer_change": RuleImpl(oracle_signer_change, FunctionsParams),
    "role_change": RuleImpl(role_change, FunctionsParams),
    "quorum_lowered": RuleImpl(quorum_lowered, NoParams),
    "voting_period_shortened": RuleImpl(voting_period_shortened, MinBlocksParams),
    "voting_delay_shortened": RuleImpl(voting_delay_shortened, MinBlocksParams),
    "timelock_delay_shortened": RuleImpl(timelock_delay_shortened, MinSecondsParams),
    "description_quality": RuleImpl(description_quality, MinCharsParams),
    "decoded_calls": RuleImpl(decoded_calls, NoParams),
}


@dataclass(frozen=True)
class _Configured:
    id: str
    principle: str
    severity: str
    impl: RuleImpl
    params: _Params


class RulesEvaluator:
    """The deterministic evaluator: the constitution's rules, in its order (see the module docstring)."""

    name = "rules"

    def __init__(self, constitution: Constitution) -> None:
        self.constitution = constitution
        configured = []
        for spec in constitution.rules:
            impl = RULES.get(spec.id)
            if impl is None:
                raise ConstitutionError(
                    f"{constitution.source}: rule {spec.id!r} is not implemented by the rules evaluator "
                    f"(known: {', '.join(sorted(RULES))})"
                )
            try:
                params = impl.params.model_validate(spec.params)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or '(params)'}: {e['msg']}"
                    for e in exc.errors()[:5]
                )
                raise ConstitutionError(
                    f"{constitution.source}: rule {spec.id!r} params: {problems}"
                ) from None
            configured.append(_Configured(spec.id, spec.principle, spec.severity, impl, params))
        self.rules = tuple(configured)

    def evaluate(self, proposal: Proposal, context: Context) -> Review:
        """Run every rule; FLAG when any reason of severity ``flag`` was found."""
        reasons = tuple(
            Reason(rule.id, rule.principle, rule.severity, message)
            for rule in self.rules
            for message in rule.impl.check(proposal, context, rule.params)
        )
        verdict = Verdict.FLAG if any(r.severity == "flag" for r in reasons) else Verdict.APPROVE
        return Review(
            proposal_id=proposal.proposal_id,
            verdict=verdict,
            reasons=reasons,
            constitution_version=str(self.constitution.version),
            evaluator=self.name,
        )
