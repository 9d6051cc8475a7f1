"""azora.governance: proposal files, calldata encoding and OpenZeppelin proposal ids (no chain)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_abi import decode
from eth_utils import keccak

from azora.governance import (
    ProposalError,
    build_proposal,
    encode_call,
    load_proposal,
    parse_amount,
    proposal_id,
)
from azora.manifest import ContractDeployment, DeploymentManifest

POK = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
TOKEN = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
ABI = [
    {
        "type": "function",
        "name": "set_epoch_budget",
        "inputs": [{"name": "epoch_budget", "type": "uint256"}],
        "outputs": [],
        "stateMutability": "nonpayable",
    },
    {
        "type": "function",
        "name": "transfer",
        "inputs": [{"name": "to", "type": "address"}, {"name": "amount", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
        "stateMutability": "nonpayable",
    },
    {
        "type": "function",
        "name": "grantRole",
        "inputs": [{"name": "role", "type": "bytes32"}, {"name": "account", "type": "address"}],
        "outputs": [],
        "stateMutability": "nonpayable",
    },
    {"type": "function", "name": "f", "inputs": [{"name": "a", "type": "uint256"}], "outputs": []},
    {"type": "function", "name": "f", "inputs": [{"name": "a", "type": "address"}], "outputs": []},
]


@pytest.fixture
def manifest(tmp_path: Path) -> tuple[DeploymentManifest, Path]:
    (tmp_path / "abi").mkdir()
    (tmp_path / "abi" / "X.json").write_text(json.dumps(ABI))
    record: dict[str, Any] = {
        "block_number": 1,
        "block_hash": "0x" + "00" * 32,
        "tx_hash": "0x" + "00" * 32,
        "abi": "abi/X.json",
    }
    contracts = {
        "ProofOfKnowledge": ContractDeployment(address=POK, **record),
        "AzoraToken": ContractDeployment(address=TOKEN, **record),
    }
    m = DeploymentManifest(
        network="local",
        chain_id=31337,
        profile="dev",
        deployer=POK,
        admin=POK,
        deployed_at="2026-11-26T00:00:00+00:00",
        contracts=contracts,
    )
    return m, tmp_path / "local.json"


def test_parse_amount__azr_suffix__is_scaled_to_wei():
    assert parse_amount("2_000_000 AZR") == 2_000_000 * 10**18
    assert parse_amount("1.5 azr") == 15 * 10**17
    assert parse_amount(7) == 7
    assert parse_amount("0x10") == "0x10"


def test_parse_amount__too_many_decimals__is_refused():
    with pytest.raises(ProposalError, match="more than 18 decimals"):
        parse_amount("0.0000000000000000001 AZR")
    with pytest.raises(ProposalError, match="not an AZR amount"):
        parse_amount("lots AZR")


def test_encode_call__known_function__selector_and_arguments():
    data = encode_call(ABI, "transfer", [TOKEN, "5 AZR"])
    assert data[:4] == keccak(text="transfer(address,uint256)")[:4]
    assert decode(["address", "uint256"], data[4:]) == (TOKEN.lower(), 5 * 10**18)


def test_encode_call__bytes32_from_text_and_hex():
    role = keccak(text="MINTER_ROLE")
    by_hex = encode_call(ABI, "grantRole", ["0x" + role.hex(), TOKEN])
    assert decode(["bytes32", "address"], by_hex[4:])[0] == role


def test_encode_call__unknown_function__is_refused():
    with pytest.raises(ProposalError, match="no function 'mint'"):
        encode_call(ABI, "mint", [1])


def test_encode_call__wrong_argument_count__is_refused():
    with pytest.raises(ProposalError, match="takes 1 arguments, got 2"):
        encode_call(ABI, "set_epoch_budget", [1, 2])


def test_encode_call__out_of_range__is_refused():
    with pytest.raises(ProposalError, match="cannot encode"):
        encode_call(ABI, "set_epoch_budget", [-1])
    with pytest.raises(ProposalError, match="not an address"):
        encode_call(ABI, "transfer", ["0x1234", 1])


def test_encode_call__overloaded__needs_the_signature_when_arity_does_not_decide():
    with pytest.raises(ProposalError, match="ambiguous"):
        encode_call(ABI, "f", [1])
    assert encode_call(ABI, "f(address)", [TOKEN])[:4] == keccak(text="f(address)")[:4]


def test_proposal_id__matches_the_openzeppelin_formula():
    targets, values, calldatas = [POK], [0], [b"\x12\x34"]
    desc_hash = keccak(text="hello")
    expected = keccak(
        bytes.fromhex(
            # abi.encode(address[], uint256[], bytes[], bytes32) written out by hand
            "0000000000000000000000000000000000000000000000000000000000000080"
            "00000000000000000000000000000000000000000000000000000000000000c0"
            "0000000000000000000000000000000000000000000000000000000000000100"
            + desc_hash.hex()
            + "0000000000000000000000000000000000000000000000000000000000000001"
            + POK[2:].lower().rjust(64, "0")
            + "0000000000000000000000000000000000000000000000000000000000000001"
            + "0000000000000000000000000000000000000000000000000000000000000000"
            + "0000000000000000000000000000000000000000000000000000000000000001"
            + "0000000000000000000000000000000000000000000000000000000000000020"
            + "0000000000000000000000000000000000000000000000000000000000000002"
            + "1234".ljust(64, "0")
        )
    )
    assert proposal_id(targets, values, calldatas, desc_hash) == int.from_bytes(expected, "big")


def test_build_proposal__file_shape__encodes_every_action(manifest, tmp_path):
    m, path = manifest
    spec = tmp_path / "p.yaml"
    spec.write_text(
        "description: |\n  Raise the budget\nactions:\n"
        "  - contract: ProofOfKnowledge\n    function: set_epoch_budget\n    args: ['2000000 AZR']\n"
        f"  - address: '{TOKEN.lower()}'\n    value: 5\n"
    )
    proposal = load_proposal(spec, m, path)
    assert proposal.targets == [POK, TOKEN]
    assert proposal.values == [0, 5]
    assert proposal.calldatas[1] == b""
    assert decode(["uint256"], proposal.calldatas[0][4:]) == (2_000_000 * 10**18,)
    assert proposal.description == "Raise the budget\n"
    assert proposal.id == proposal_id(
        proposal.targets, proposal.values, proposal.calldatas, keccak(text="Raise the budget\n")
    )
    assert "ProofOfKnowledge.set_epoch_budget(2000000000000000000000000)" == proposal.actions[0].label


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"actions": [{"contract": "AzoraToken", "function": "transfer", "args": []}]},
            "non-empty `description`",
        ),
        ({"description": "x", "actions": []}, "non-empty list of `actions`"),
        (
            {"description": "x", "actions": [{"contract": "Nope", "function": "f"}]},
            "action 1: unknown contract 'Nope'",
        ),
        ({"description": "x", "actions": [{"contract": "AzoraToken"}]}, "`function` is required"),
        ({"description": "x", "actions": [{"address": "0xabc"}]}, "not an address"),
        (
            {"description": "x", "actions": [{"address": TOKEN, "function": "f"}]},
            "`function` needs `contract`",
        ),
        ({"description": "x", "actions": [{"address": TOKEN, "value": -1}]}, "non-negative integer"),
        ({"description": "x", "actions": [{"address": TOKEN, "colour": 1}]}, "unknown keys"),
        ({"description": "x", "actions": [{"function": "f"}]}, "name the target"),
        ({"description": "x", "actions": ["transfer"]}, "expected a mapping"),
    ],
)
def test_build_proposal__bad_input__names_the_problem(manifest, data, message):
    m, path = manifest
    with pytest.raises(ProposalError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_proposal(data, m, path)


def test_load_proposal__not_yaml__is_refused(manifest, tmp_path):
    m, path = manifest
    bad = tmp_path / "bad.yaml"
    bad.write_text("description: [unclosed\n")
    with pytest.raises(ProposalError, match="cannot read the proposal file"):
        load_proposal(bad, m, path)
