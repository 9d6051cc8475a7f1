"""The ethics oracle without a chain: the constitution loader, every rule (an approving and a
flagging case each), calldata decoding, the evaluator, the reason hash and the schema."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from azora.reviews import canonical_reasons
from oracles.eip712 import Attestation
from oracles.ethics import rules
from oracles.ethics.constitution import (
    DEFAULT_CONSTITUTION,
    Constitution,
    load_constitution,
    parse_constitution,
)
from oracles.ethics.evaluator import (
    Context,
    Reason,
    Review,
    StaticFacts,
    Verdict,
    load_evaluator,
    reason_hash,
)
from oracles.ethics.exceptions import ConstitutionError, EvaluatorLoadError, MalformedEventError
from oracles.ethics.proposal import ContractBook, Proposal, hash_proposal, proposal_from_event
from oracles.ethics.rules import RulesEvaluator
from oracles.ethics.schema import (
    PROPOSAL_REVIEWED,
    decode_proposal_reviewed,
    encode_proposal_reviewed,
    review_uid,
    validate_proposal_reviewed,
)
from oracles.exceptions import InvalidRequestError
from oracles.schemas import known_schemas

AZR = 10**18
TOKEN = to_checksum_address("0x" + "a1" * 20)
HUB = to_checksum_address("0x" + "b2" * 20)
GOVERNOR = to_checksum_address("0x" + "c3" * 20)
TIMELOCK = to_checksum_address("0x" + "d4" * 20)
LEDGER = to_checksum_address("0x" + "e5" * 20)
STRANGER = to_checksum_address("0x" + "f6" * 20)
PROPOSER = to_checksum_address("0x" + "17" * 20)
RECIPIENT = to_checksum_address("0x" + "28" * 20)
TREASURY_AZR = 40_000_000 * AZR
TIMELOCK_ETH = 10 * AZR
RATIONALE = (
    "Rationale: the scholarship fund ran dry after the spring intake; this grant keeps 400 "
    "learners enrolled until the next epoch budget is voted."
)
PLAIN = "# Fund the scholarship pool\nMoves AZR from the treasury to the scholarship multisig."


def _fn(name: str, *inputs: tuple[str, str], mutability: str = "nonpayable") -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "stateMutability": mutability,
        "inputs": [{"name": n, "type": t} for n, t in inputs],
        "outputs": [],
    }


ROLE_FNS = [
    _fn("grantRole", ("role", "bytes32"), ("account", "address")),
    _fn("revokeRole", ("role", "bytes32"), ("account", "address")),
]
ABIS = {
    "AzoraToken": (
        TOKEN,
        [
            _fn("transfer", ("to", "address"), ("amount", "uint256")),
            _fn("approve", ("spender", "address"), ("amount", "uint256")),
            _fn("transferFrom", ("owner", "address"), ("to", "address"), ("amount", "uint256")),
            _fn("balanceOf", ("owner", "address"), mutability="view"),
            *ROLE_FNS,
        ],
    ),
    "OracleHub": (
        HUB,
        [
            _fn("set_signers", ("domain", "bytes32"), ("signers", "address[]"), ("threshold", "uint256")),
            _fn(
                "register_schema",
                ("schema", "bytes32"),
                ("domain", "bytes32"),
                ("consumer", "address"),
                ("revocable", "bool"),
            ),
            *ROLE_FNS,
        ],
    ),
    "AzoraGovernor": (
        GOVERNOR,
        [
            _fn("updateQuorumNumerator", ("newQuorumNumerator", "uint256")),
            _fn("setVotingPeriod", ("newVotingPeriod", "uint256")),
            _fn("setVotingDelay", ("newVotingDelay", "uint256")),
        ],
    ),
    "AzoraTimelock": (TIMELOCK, [_fn("update_delay", ("new_delay", "uint256")), *ROLE_FNS]),
    "Ledger": (LEDGER, ROLE_FNS),
}


def call(signature: str, *values: Any) -> bytes:
    """Selector + ABI encoding of `values` for `signature` (e.g. ``transfer(address,uint256)``)."""
    types = signature[signature.index("(") + 1 : -1]
    return keccak(text=signature)[:4] + encode([t for t in types.split(",") if t], list(values))


@pytest.fixture(scope="module")
def book() -> ContractBook:
    return ContractBook.from_abis(ABIS)


@pytest.fixture
def facts() -> StaticFacts:
    return StaticFacts(
        balances={(TIMELOCK.lower(), TOKEN.lower()): TREASURY_AZR, (TIMELOCK.lower(), None): TIMELOCK_ETH},
        settings={
            "quorum_numerator": 4,
            "voting_period": 50_400,
            "voting_delay": 7_200,
            "timelock_delay": 172_800,
        },
    )


@pytest.fixture
def context(book: ContractBook, facts: StaticFacts) -> Context:
    return Context(book=book, facts=facts)


@pytest.fixture(scope="module")
def constitution() -> Constitution:
    return load_constitution()


@pytest.fixture
def make_proposal(book: ContractBook) -> Callable[..., Proposal]:
    """Factory: a Proposal parsed from ProposalCreated args in the bus format."""

    def _make(actions: list[tuple[str, int, bytes]], description: str = PLAIN + "\n" + RATIONALE) -> Proposal:
        targets = [a[0] for a in actions]
        values = [a[1] for a in actions]
        calldatas = [a[2] for a in actions]
        args = {
            "proposalId": str(hash_proposal(targets, values, calldatas, description)),
            "proposer": PROPOSER.lower(),
            "targets": [t.lower() for t in targets],
            "values": [str(v) for v in values],
            "signatures": ["" for _ in actions],
            "calldatas": ["0x" + c.hex() for c in calldatas],
            "voteStart": "101",
            "voteEnd": "121",
            "description": description,
        }
        return proposal_from_event(args, 100, book)

    return _make


def params(constitution: Constitution, rule_id: str) -> Any:
    spec = next(r for r in constitution.rules if r.id == rule_id)
    return rules.RULES[rule_id].params.model_validate(spec.params)


def transfer(amount: int) -> tuple[str, int, bytes]:
    return (TOKEN, 0, call("transfer(address,uint256)", RECIPIENT, amount))


# --- the constitution loader ---------------------------------------------------------------------


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "constitution.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_CONSTITUTION.read_text())
    return data


def test_load_constitution__shipped_file__versioned_and_every_rule_implemented(
    constitution: Constitution,
) -> None:
    assert constitution.version == 1
    assert {p.id for p in constitution.principles} >= {"stewardship", "transparency", "deliberation"}
    evaluator = RulesEvaluator(constitution)
    assert [r.id for r in evaluator.rules] == [r.id for r in constitution.rules]
    assert {r.id for r in constitution.rules} == set(rules.RULES)
    outflow = params(constitution, "treasury_outflow_rationale")
    assert outflow.max_share_bps == 100 and outflow.min_rationale_chars == 80


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("version"), "version: Field required"),
        (lambda d: d.update(version=0), "version: Input should be greater than or equal to 1"),
        (lambda d: d.update(version="1"), "version: Input should be a valid integer"),
        (
            lambda d: d["rules"].append(dict(d["rules"][0])),
            "duplicate rule ids ['treasury_outflow_rationale']",
        ),
        (
            lambda d: d["principles"].append(dict(d["principles"][0])),
            "duplicate principle ids ['stewardship']",
        ),
        (lambda d: d["rules"][1].update(principle="fairness"), "refers to unknown principle 'fairness'"),
        (
            lambda d: d["rules"][1].update(severity="warn"),
            "rules.1.severity: Input should be 'flag' or 'info'",
        ),
        (lambda d: d["rules"][1].update(colour="red"), "rules.1.colour: Extra inputs are not permitted"),
        (lambda d: d.update(principles=[]), "principles: List should have at least 1 item"),
    ],
)
def test_load_constitution__invalid_file__clear_error(
    tmp_path: Path, mutate: Callable[[Any], Any], message: str
) -> None:
    data = _shipped()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(ConstitutionError) as raised:
        load_constitution(path)
    assert message in str(raised.value)
    assert str(path) in str(raised.value)


def test_load_constitution__not_yaml_or_not_mapping_or_missing__clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConstitutionError, match="not valid YAML"):
        load_constitution(_write(tmp_path, "version: [1\nrules: {"))
    with pytest.raises(ConstitutionError, match="expected a mapping"):
        load_constitution(_write(tmp_path, "- just\n- a list\n"))
    with pytest.raises(ConstitutionError, match="cannot read the constitution"):
        load_constitution(tmp_path / "missing.yaml")


def test_rules_evaluator__rule_not_implemented__clear_error(tmp_path: Path) -> None:
    data = _shipped()
    data["rules"].append({"id": "be_nice", "principle": "transparency", "severity": "flag", "params": {}})
    with pytest.raises(ConstitutionError, match="rule 'be_nice' is not implemented"):
        RulesEvaluator(load_constitution(_write(tmp_path, data)))


@pytest.mark.parametrize(
    ("rule_index", "params_", "message"),
    [
        (0, {"max_share_bps": "1%"}, "max_share_bps: Input should be a valid integer"),
        (0, {"max_share_bps": 20_000}, "max_share_bps: Input should be less than or equal to 10000"),
        (9, {"min_chars": 40, "max_chars": 1}, "max_chars: Extra inputs are not permitted"),
        (3, {}, "functions: Field required"),
    ],
)
def test_rules_evaluator__bad_params__clear_error(
    tmp_path: Path, rule_index: int, params_: dict[str, Any], message: str
) -> None:
    data = _shipped()
    data["rules"][rule_index]["params"] = {**data["rules"][rule_index]["params"], **params_}
    if not params_:
        data["rules"][rule_index]["params"] = {}
    with pytest.raises(ConstitutionError) as raised:
        RulesEvaluator(load_constitution(_write(tmp_path, data)))
    assert message in str(raised.value) and data["rules"][rule_index]["id"] in str(raised.value)


# --- the evaluator plug-in -----------------------------------------------------------------------


class AlwaysFlag:
    """A custom evaluator (loaded by dotted path in the test below)."""

    name = "always-flag"

    def __init__(self, constitution: Constitution) -> None:
        self.version = str(constitution.version)

    def evaluate(self, proposal: Proposal, context: Context) -> Review:
        reason = Reason("manual", "transparency", "flag", "flagged by the test evaluator")
        return Review(proposal.proposal_id, Verdict.FLAG, (reason,), self.version, self.name)


def test_load_evaluator__default_and_custom_paths__built_from_the_constitution(
    constitution: Constitution, make_proposal: Callable[..., Proposal], context: Context
) -> None:
    assert isinstance(load_evaluator("oracles.ethics.rules:RulesEvaluator", constitution), RulesEvaluator)
    custom = load_evaluator(f"{__name__}:AlwaysFlag", constitution)
    review = custom.evaluate(make_proposal([transfer(1)]), context)
    assert review.verdict == Verdict.FLAG and review.evaluator == "always-flag"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("oracles.ethics.rules.RulesEvaluator", "not of the form"),
        ("oracles.ethics.nowhere:Evaluator", "cannot import"),
        ("oracles.ethics.rules:Missing", "has no callable 'Missing'"),
        ("oracles.ethics.rules:rationale", "failed to build an evaluator: TypeError"),
        ("builtins:str", "did not build an evaluator"),
    ],
)
def test_load_evaluator__bad_path__clear_error(constitution: Constitution, path: str, message: str) -> None:
    with pytest.raises(EvaluatorLoadError, match=message):
        load_evaluator(path, constitution)


# --- decoding ------------------------------------------------------------------------------------


def test_decode__known_function__name_and_args(make_proposal: Callable[..., Proposal]) -> None:
    signers = [to_checksum_address("0x" + f"{i:040x}") for i in (1, 2, 3)]
    proposal = make_proposal(
        [(HUB, 0, call("set_signers(bytes32,address[],uint256)", keccak(text="ETHICS"), signers, 2))]
    )
    (decoded,) = proposal.calls
    assert decoded.qualified == "OracleHub.set_signers" and decoded.decoded
    assert decoded.args == {"domain": "0x" + keccak(text="ETHICS").hex(), "signers": signers, "threshold": 2}


def test_decode__unknown_selector_trailing_bytes_or_empty__reported(
    make_proposal: Callable[..., Proposal],
) -> None:
    proposal = make_proposal(
        [
            (TOKEN, 0, call("mint(address,uint256)", RECIPIENT, 5)),
            (TOKEN, 0, call("transfer(address,uint256)", RECIPIENT, 5) + b"\x01"),
            (LEDGER, 1, b""),
            (TOKEN, 0, b"\x12\x34"),
        ]
    )
    errors = [c.error for c in proposal.calls]
    assert (
        errors[0]
        == f"selector 0x{keccak(text='mint(address,uint256)')[:4].hex()} is not a function of AzoraToken"
    )
    assert "not the canonical encoding of transfer(address,uint256)" in str(errors[1])
    assert errors[2] == "no calldata: a plain value transfer to a contract"
    assert errors[3] == "calldata of 2 bytes has no 4-byte selector"


def test_proposal_from_event__id_not_hash_proposal__malformed(book: ContractBook) -> None:
    calldata = call("transfer(address,uint256)", RECIPIENT, 5)
    args = {
        "proposalId": "12345",
        "proposer": PROPOSER.lower(),
        "targets": [TOKEN.lower()],
        "values": ["0"],
        "calldatas": ["0x" + calldata.hex()],
        "voteStart": "2",
        "voteEnd": "3",
        "description": "x",
    }
    with pytest.raises(MalformedEventError, match="is not hashProposal"):
        proposal_from_event(args, 1, book)
    with pytest.raises(MalformedEventError, match="malformed ProposalCreated args"):
        proposal_from_event({**args, "values": "zero"}, 1, book)
    with pytest.raises(MalformedEventError, match="1 targets, 0 values"):
        proposal_from_event({**args, "values": []}, 1, book)


# --- (a) treasury outflows -----------------------------------------------------------------------


def test_treasury_outflow__below_share_without_rationale__approved(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([transfer(TREASURY_AZR // 200)], description=PLAIN)  # 0.5%
    assert (
        rules.treasury_outflow_rationale(
            proposal, context, params(constitution, "treasury_outflow_rationale")
        )
        == []
    )


def test_treasury_outflow__above_share_with_rationale__approved(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([transfer(2_000_000 * AZR)])
    assert (
        rules.treasury_outflow_rationale(
            proposal, context, params(constitution, "treasury_outflow_rationale")
        )
        == []
    )


def test_treasury_outflow__above_share_without_rationale__flagged(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([transfer(2_000_000 * AZR)], description=PLAIN)
    found = rules.treasury_outflow_rationale(
        proposal, context, params(constitution, "treasury_outflow_rationale")
    )
    assert found == [
        f"moves 2,000,000 AZR out of AzoraTimelock ({TIMELOCK}), 5.00% of its balance of 40,000,000 AZR "
        "(above 1.00%), and the description has no 'Rationale:' section (at least 80 characters are needed)"
    ]


def test_treasury_outflow__rationale_too_short__flagged(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal(
        [transfer(2_000_000 * AZR)], description=PLAIN + "\n## Rationale\nWe need it.\n# Next"
    )
    (found,) = rules.treasury_outflow_rationale(
        proposal, context, params(constitution, "treasury_outflow_rationale")
    )
    assert "a 'Rationale:' section of only 11 characters" in found


def test_treasury_outflow__split_into_small_transfers_and_approvals__summed_and_flagged(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    each = TREASURY_AZR * 3 // 1_000  # 0.3%: under the limit alone, 1.2% together
    approve = (TOKEN, 0, call("approve(address,uint256)", RECIPIENT, each))
    proposal = make_proposal([transfer(each)] * 2 + [approve] * 2, description=PLAIN)
    (found,) = rules.treasury_outflow_rationale(
        proposal, context, params(constitution, "treasury_outflow_rationale")
    )
    assert found.startswith("moves 480,000 AZR out of AzoraTimelock") and "1.20% of its balance" in found


def test_treasury_outflow__ether_value_above_share__flagged(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal(
        [(TOKEN, AZR, call("transfer(address,uint256)", RECIPIENT, 1))], description=PLAIN
    )
    (found,) = rules.treasury_outflow_rationale(
        proposal, context, params(constitution, "treasury_outflow_rationale")
    )
    assert found.startswith("moves 1 ETH out of AzoraTimelock") and "10.00% of its balance of 10 ETH" in found


def test_rationale__heading_forms__section_up_to_next_heading() -> None:
    assert rules.rationale("Title\nRationale: because.\nMore text.", "Rationale") == "because. More text."
    assert rules.rationale("## rationale\nit helps\n## Budget\n1 AZR", "Rationale") == "it helps"
    assert rules.rationale("No reason given here.", "Rationale") == ""


# --- (b) unknown targets and undecodable calls ---------------------------------------------------


def test_unknown_target__azora_contracts_only__approved(
    context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    assert rules.unknown_target(make_proposal([transfer(1)]), context, rules.NoParams()) == []


def test_unknown_target__outside_address__flagged(
    context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([transfer(1), (STRANGER, 5 * AZR, b"")])
    assert rules.unknown_target(proposal, context, rules.NoParams()) == [
        f"call 2 targets {STRANGER}, which is not an Azora contract of the deployment manifest "
        "(sending 5 ETH)"
    ]


def test_undecodable_call__decodes__approved(
    context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    assert rules.undecodable_call(make_proposal([transfer(1)]), context, rules.NoParams()) == []


def test_undecodable_call__unknown_selector__flagged(
    context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal(
        [(LEDGER, 0, call("record(bytes32,address,uint256,bytes32)", b"k" * 32, RECIPIENT, 1, b"r" * 32))]
    )
    (found,) = rules.undecodable_call(proposal, context, rules.NoParams())
    assert found.startswith("call 1 to Ledger: selector 0x") and found.endswith("is not a function of Ledger")


# --- (c) signer sets and roles -------------------------------------------------------------------


def test_oracle_signer_change__other_calls__approved(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    found = rules.oracle_signer_change(
        make_proposal([transfer(1)]), context, params(constitution, "oracle_signer_change")
    )
    assert found == []


def test_oracle_signer_change__set_signers__flagged(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    signers = [to_checksum_address("0x" + f"{i:040x}") for i in (7, 8)]
    proposal = make_proposal(
        [(HUB, 0, call("set_signers(bytes32,address[],uint256)", keccak(text="ETHICS"), signers, 1))]
    )
    assert rules.oracle_signer_change(proposal, context, params(constitution, "oracle_signer_change")) == [
        f"call 1 replaces the ETHICS oracle signer set with 2 signers ({signers[0]}, {signers[1]}) and "
        "threshold 1 (OracleHub.set_signers)"
    ]


def test_oracle_signer_change__register_schema__flagged(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    schema = keccak(text="azora.x.Y()")
    data = call(
        "register_schema(bytes32,bytes32,address,bool)", schema, keccak(text="PRICE"), STRANGER, False
    )
    (found,) = rules.oracle_signer_change(
        make_proposal([(HUB, 0, data)]), context, params(constitution, "oracle_signer_change")
    )
    assert (
        found == f"call 1 registers schema 0x{schema.hex()} in the PRICE domain, routed to {STRANGER} "
        "(OracleHub.register_schema)"
    )


def test_role_change__no_role_calls__approved(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    assert rules.role_change(make_proposal([transfer(1)]), context, params(constitution, "role_change")) == []


def test_role_change__grant_and_revoke__flagged(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal(
        [
            (TOKEN, 0, call("grantRole(bytes32,address)", keccak(text="MINTER_ROLE"), RECIPIENT)),
            (TIMELOCK, 0, call("revokeRole(bytes32,address)", keccak(text="PROPOSER_ROLE"), GOVERNOR)),
        ]
    )
    assert rules.role_change(proposal, context, params(constitution, "role_change")) == [
        f"call 1 grants MINTER_ROLE on AzoraToken to {RECIPIENT} (grantRole)",
        f"call 2 revokes PROPOSER_ROLE on AzoraTimelock of AzoraGovernor ({GOVERNOR}) (revokeRole)",
    ]


# --- (d) governance safeguards -------------------------------------------------------------------


def _gov(function: str, value: int) -> tuple[str, int, bytes]:
    return (GOVERNOR, 0, call(f"{function}(uint256)", value))


def test_quorum_lowered__raised__approved(context: Context, make_proposal: Callable[..., Proposal]) -> None:
    assert (
        rules.quorum_lowered(make_proposal([_gov("updateQuorumNumerator", 5)]), context, rules.NoParams())
        == []
    )


def test_quorum_lowered__lowered__flagged(context: Context, make_proposal: Callable[..., Proposal]) -> None:
    assert rules.quorum_lowered(
        make_proposal([_gov("updateQuorumNumerator", 2)]), context, rules.NoParams()
    ) == [
        "call 1 lowers the quorum from 4% to 2% of the past total supply "
        "(AzoraGovernor.updateQuorumNumerator)"
    ]


def test_quorum_lowered__current_unknown__flagged(
    book: ContractBook, make_proposal: Callable[..., Proposal]
) -> None:
    context = Context(book=book, facts=StaticFacts(balances={}, settings={}))
    (found,) = rules.quorum_lowered(
        make_proposal([_gov("updateQuorumNumerator", 9)]), context, rules.NoParams()
    )
    assert "could not be read" in found


@pytest.mark.parametrize("new", [60_000, 30_000])  # longer; shorter but above the floor (21,600)
def test_voting_period_shortened__above_floor_or_longer__approved(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal], new: int
) -> None:
    proposal = make_proposal([_gov("setVotingPeriod", new)])
    assert (
        rules.voting_period_shortened(proposal, context, params(constitution, "voting_period_shortened"))
        == []
    )


def test_voting_period_shortened__below_floor__flagged(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([_gov("setVotingPeriod", 100)])
    assert rules.voting_period_shortened(
        proposal, context, params(constitution, "voting_period_shortened")
    ) == [
        "call 1 shortens the voting period from 50400 to 100 blocks, below the floor of 21600 blocks "
        "(AzoraGovernor.setVotingPeriod)"
    ]


def test_voting_period_shortened__already_below_floor_and_lengthened__approved(
    book: ContractBook, constitution: Constitution, make_proposal: Callable[..., Proposal]
) -> None:
    dev = Context(book=book, facts=StaticFacts(balances={}, settings={"voting_period": 20}))
    proposal = make_proposal([_gov("setVotingPeriod", 30)])
    assert rules.voting_period_shortened(proposal, dev, params(constitution, "voting_period_shortened")) == []


def test_voting_delay_shortened__lengthened__approved(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([_gov("setVotingDelay", 10_000)])
    assert (
        rules.voting_delay_shortened(proposal, context, params(constitution, "voting_delay_shortened")) == []
    )


def test_voting_delay_shortened__below_floor__flagged(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    (found,) = rules.voting_delay_shortened(
        make_proposal([_gov("setVotingDelay", 1)]), context, params(constitution, "voting_delay_shortened")
    )
    assert found.startswith("call 1 shortens the voting delay from 7200 to 1 blocks")


def test_timelock_delay_shortened__above_floor__approved(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([(TIMELOCK, 0, call("update_delay(uint256)", 100_000))])
    assert (
        rules.timelock_delay_shortened(proposal, context, params(constitution, "timelock_delay_shortened"))
        == []
    )


def test_timelock_delay_shortened__below_floor__flagged(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([(TIMELOCK, 0, call("update_delay(uint256)", 60))])
    assert rules.timelock_delay_shortened(
        proposal, context, params(constitution, "timelock_delay_shortened")
    ) == [
        "call 1 shortens the timelock delay from 172800 to 60 seconds, below the floor of 86400 seconds "
        "(AzoraTimelock.update_delay)"
    ]


# --- (e) the description, and the record of calls -----------------------------------------------


def test_description_quality__long_enough__approved(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([transfer(1)], description=PLAIN)
    assert rules.description_quality(proposal, context, params(constitution, "description_quality")) == []


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("", "the description is empty"),
        ("   \n\t", "the description is empty"),
        ("Send tokens", "the description has 11 characters; at least 40 are needed"),
        # The proposer restriction is not part of the description's text.
        (f"Send tokens#proposer={PROPOSER}", "the description has 11 characters; at least 40 are needed"),
    ],
)
def test_description_quality__empty_or_short__flagged(
    constitution: Constitution,
    context: Context,
    make_proposal: Callable[..., Proposal],
    description: str,
    message: str,
) -> None:
    proposal = make_proposal([transfer(1)], description=description)
    assert rules.description_quality(proposal, context, params(constitution, "description_quality")) == [
        message
    ]


def test_decoded_calls__every_call__one_info_line(
    context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([transfer(5), (STRANGER, 3, b"")])
    assert rules.decoded_calls(proposal, context, rules.NoParams()) == [
        f"call 1: AzoraToken.transfer(to={RECIPIENT}, amount=5)",
        f"call 2: {STRANGER} with 0 bytes of calldata sending 3 wei",
    ]


# --- the whole evaluation and the reason hash ----------------------------------------------------


def test_evaluate__clean_proposal__approved_with_info_only(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    review = RulesEvaluator(constitution).evaluate(make_proposal([transfer(2_000_000 * AZR)]), context)
    assert review.verdict == Verdict.APPROVE
    assert [(r.rule, r.severity) for r in review.reasons] == [("decoded_calls", "info")]
    assert review.constitution_version == "1" and review.evaluator == "rules"


def test_evaluate__several_findings__flagged_in_constitution_order(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    signers = [to_checksum_address("0x" + f"{i:040x}") for i in (7, 8)]
    proposal = make_proposal(
        [
            (HUB, 0, call("set_signers(bytes32,address[],uint256)", keccak(text="ETHICS"), signers, 1)),
            (STRANGER, 0, b""),
            transfer(2_000_000 * AZR),
        ],
        description="Short",
    )
    review = RulesEvaluator(constitution).evaluate(proposal, context)
    assert review.verdict == Verdict.FLAG
    assert [r.rule for r in review.reasons] == [
        "treasury_outflow_rationale",
        "unknown_target",
        "oracle_signer_change",
        "description_quality",
        "decoded_calls",
        "decoded_calls",
        "decoded_calls",
    ]
    assert review.reasons[0].principle == "stewardship" and review.reasons[2].principle == "oracle_integrity"


def test_evaluate__info_severity_rule__reported_without_flagging(
    tmp_path: Path, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    data = _shipped()
    for rule in data["rules"]:
        if rule["id"] == "description_quality":
            rule["severity"] = "info"
    review = RulesEvaluator(load_constitution(_write(tmp_path, data))).evaluate(
        make_proposal([transfer(1)], description="Short"), context
    )
    assert review.verdict == Verdict.APPROVE
    assert ("description_quality", "info") in [(r.rule, r.severity) for r in review.reasons]


def test_reason_hash__canonical_json__keccak_of_sorted_compact_utf8() -> None:
    reasons = [{"rule": "r", "principle": "p", "severity": "flag", "message": "café 1,000 AZR"}]
    canonical = canonical_reasons(7, 2, reasons, "1", "rules")
    assert (
        canonical
        == (
            '{"constitution_version":"1","evaluator":"rules","proposal_id":"7","reasons":'
            '[{"message":"café 1,000 AZR","principle":"p","rule":"r","severity":"flag"}],"verdict":2}'
        ).encode()
    )
    assert reason_hash(7, 2, reasons, "1", "rules") == keccak(canonical)
    assert json.loads(canonical)["reasons"] == reasons


def test_reason_hash__same_review_twice__same_hash_and_uid_and_any_change__different(
    constitution: Constitution, context: Context, make_proposal: Callable[..., Proposal]
) -> None:
    proposal = make_proposal([transfer(2_000_000 * AZR)], description=PLAIN)
    first = RulesEvaluator(constitution).evaluate(proposal, context)
    again = RulesEvaluator(load_constitution()).evaluate(proposal, context)
    assert first.reason_hash == again.reason_hash
    assert review_uid(31337, GOVERNOR, proposal.proposal_id, first.reason_hash) == review_uid(
        31337, GOVERNOR, proposal.proposal_id, again.reason_hash
    )
    bumped = parse_constitution({**_shipped(), "version": 2})
    assert RulesEvaluator(bumped).evaluate(proposal, context).reason_hash != first.reason_hash
    assert review_uid(1, GOVERNOR, proposal.proposal_id, first.reason_hash) != review_uid(
        31337, GOVERNOR, proposal.proposal_id, first.reason_hash
    )


# --- the schema ----------------------------------------------------------------------------------


def _attestation(data: bytes, *, subject: str = GOVERNOR, deadline: int | None = None) -> Attestation:
    return Attestation(
        schema=PROPOSAL_REVIEWED,
        uid=b"\x01" * 32,
        subject=subject,
        data=data,
        deadline=deadline if deadline is not None else int(time.time()) + 600,
        epoch=1,
    )


def test_schema__encode_decode_and_signer_registry__round_trip() -> None:
    data = encode_proposal_reviewed(42, 2, b"\xab" * 32)
    assert len(data) == 96 and decode_proposal_reviewed(data) == (42, 2, b"\xab" * 32)
    assert PROPOSAL_REVIEWED == keccak(
        text="azora.ethics.ProposalReviewed(uint256 proposalId,uint8 verdict,bytes32 reasonHash)"
    )
    spec = known_schemas()[PROPOSAL_REVIEWED]
    assert spec.domain == "ETHICS"
    spec.validate(_attestation(data))


@pytest.mark.parametrize(
    ("data", "subject", "deadline", "message"),
    [
        (encode_proposal_reviewed(42, 3, b"\xab" * 32), GOVERNOR, None, "verdict 3 is not 1"),
        (encode_proposal_reviewed(0, 1, b"\xab" * 32), GOVERNOR, None, "proposal id 0"),
        (encode_proposal_reviewed(42, 1, b"\x00" * 32), GOVERNOR, None, "zero reason hash"),
        (encode_proposal_reviewed(42, 1, b"\xab" * 32)[:64], GOVERNOR, None, "96 bytes, got 64"),
        (encode_proposal_reviewed(42, 1, b"\xab" * 32), "0x" + "00" * 20, None, "zero address"),
        (encode_proposal_reviewed(42, 1, b"\xab" * 32), GOVERNOR, 1, "deadline has passed"),
    ],
)
def test_schema__invalid_review__signer_refuses(
    data: bytes, subject: str, deadline: int | None, message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        validate_proposal_reviewed(_attestation(data, subject=subject, deadline=deadline))
