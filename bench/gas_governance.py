"""Governance and vote-token gas, side by side: Azora (Vyper) vs OpenZeppelin v5 (Solidity).

    make bench-governance        (= python bench/gas_governance.py)

Starts its own anvil through ape (ethereum:local:foundry) and deploys both stacks on it:

* Azora: AzoraToken + AzoraTimelock + AzoraGovernor (ape-compiled from contracts/);
* OpenZeppelin 5.x: ERC20 + ERC20Permit + ERC20Votes, TimelockController and Governor +
  GovernorSettings + GovernorCountingSimple + GovernorVotes + GovernorVotesQuorumFraction +
  GovernorTimelockControl (bench/oz, compiled by bench/solc.py with solcjs from npm).

Same parameters for both (voting delay 1 block, period 20 blocks, threshold 100,000 AZR,
quorum 4%, timelock delay 60 s), the same wiring as azora/deploy.py (the governor holds the
proposer, executor and canceller roles, the deployer renounces the timelock admin), and
the same scenario, run once per stack (`run_scenario`): one proposal (a 100 AZR transfer
from the timelock) proposed, voted on (proposer and voters at one checkpoint each), queued
and executed; then delegations and transfers between delegates whose checkpoint counts the
row labels give (`OPERATIONS`). Each measured transaction is checked (states, votes,
balances, checkpoint counts), so a number always belongs to an operation that did what its
label says. Gas is the receipt's `gasUsed`.

Prints a table (operation, Azora, OZ, ratio, target met: Azora <= 0.9 x OZ) and writes
bench/results/gas_governance.json, which also holds, for every measured transaction, a
breakdown from anvil's tracers (`--breakdown` prints it): intrinsic and calldata gas, gas of
SSTORE / SLOAD / LOG / KECCAK256 opcodes, call overhead, refund, and every call frame.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project
from ape.contracts import ContractContainer, ContractInstance
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from ethpm_types import ContractType

sys.path.insert(0, str(Path(__file__).resolve().parent))

import solc  # noqa: E402  (bench/solc.py)

RESULTS = Path(__file__).parent / "results"
AZR = 10**18
TARGET = 0.9

# The comparison's parameters (SPEC §2.6 dev/test settings).
VOTING_DELAY = 1  # blocks
VOTING_PERIOD = 20  # blocks
PROPOSAL_THRESHOLD = 100_000 * AZR
QUORUM_NUMERATOR = 4  # percent
TIMELOCK_DELAY = 60  # seconds
GRACE_PERIOD = 14 * 24 * 3600  # Azora only (OpenZeppelin's TimelockControl has no expiry)

GENESIS = 1_000_000 * AZR  # per holder
TREASURY = 10_000 * AZR  # sent to the timelock for the proposal to spend
GRANT = 100 * AZR  # what the proposal transfers
DESCRIPTION = (
    "# Community workshop grant\n\n"
    "Transfer 100 AZR from the treasury (timelock) to the workshop organiser "
    "to cover the venue of the March community workshop."
)

# Proposal states (OpenZeppelin's enum, which AzoraGovernor returns as uint8).
ACTIVE, SUCCEEDED, QUEUED, EXECUTED = 1, 4, 5, 7
FOR = 1

# (key, label): the rows of the table (the scenario measures governance first). Every vote
# change below lands in a new block, so it appends a checkpoint; "at n" is the number of
# checkpoints a delegate has before the transaction. OpenZeppelin's cost does not depend on
# n; Azora's does, through the parity of n (see bench/README.md).
OPERATIONS = (
    ("delegate_first", "delegate (first, self)"),
    ("delegate_change", "delegate (change; both delegates at 1)"),
    ("transfer_1_2", "transfer (both delegated; sender at 1, receiver at 2)"),
    ("transfer_1_1", "transfer (both delegated; both at 1)"),
    ("transfer_2_2", "transfer (both delegated; both at 2)"),
    ("delegate_change_3_2", "delegate (change; from a delegate at 3 to one at 2)"),
    ("propose", "propose (1 action)"),
    ("castVote_first", "castVote (first vote, for)"),
    ("castVote_later", "castVote (later vote, for)"),
    ("castVoteBySig", "castVoteBySig (for, relayed)"),
    ("queue", "queue"),
    ("execute", "execute"),
)


@dataclass
class Stack:
    """One side of the comparison: its token, timelock and governor on the bench's anvil."""

    name: str
    token: ContractInstance
    timelock: ContractInstance
    governor: ContractInstance


@dataclass
class Measured:
    """One measured transaction: its gas and where the gas went."""

    gas: int
    tx_hash: str
    breakdown: dict[str, Any] = field(default_factory=dict)


class People:
    """The scenario's accounts (anvil's ten dev accounts, by role)."""

    def __init__(self) -> None:
        (
            self.deployer,
            # Governance: every voter has exactly one checkpoint (its self-delegation).
            self.alice,  # proposer
            self.bob,  # first voter
            self.carol,  # later voter; receives the grant
            self.dave,  # votes by signature
            # Vote token: erin, frank, grace and heidi.
            self.erin,
            self.frank,
            self.grace,
            self.heidi,  # also funds the treasury
            self.relayer,  # pays for dave's ballot
        ) = accounts.test_accounts[:10]

    @property
    def holders(self) -> list[Any]:
        return [
            self.alice,
            self.bob,
            self.carol,
            self.dave,
            self.erin,
            self.frank,
            self.grace,
            self.heidi,
        ]


# --- deployment -------------------------------------------------------------------------


def _wire(people: People, timelock: ContractInstance, governor: ContractInstance) -> None:
    """As azora/deploy.py: the governor proposes, executes and cancels; the deployer leaves."""
    deployer = people.deployer
    for role in (timelock.PROPOSER_ROLE(), timelock.EXECUTOR_ROLE(), timelock.CANCELLER_ROLE()):
        timelock.grantRole(role, governor, sender=deployer)
    timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), deployer, sender=deployer)


def deploy_azora(people: People) -> Stack:
    deployer = people.deployer
    token = project.AzoraToken.deploy(people.holders, [GENESIS] * len(people.holders), sender=deployer)
    timelock = project.AzoraTimelock.deploy(TIMELOCK_DELAY, [], [], deployer, sender=deployer)
    hub = project.OracleHub.deploy(sender=deployer)
    governor = project.AzoraGovernor.deploy(
        token,
        timelock,
        hub,
        VOTING_DELAY,
        VOTING_PERIOD,
        PROPOSAL_THRESHOLD,
        QUORUM_NUMERATOR,
        GRACE_PERIOD,
        sender=deployer,
    )
    _wire(people, timelock, governor)
    return Stack("Azora", token, timelock, governor)


def _container(artifact: solc.Artifact) -> ContractContainer:
    contract_type = ContractType.model_validate(
        {
            "contractName": artifact.name,
            "abi": artifact.abi,
            "deploymentBytecode": {"bytecode": artifact.bytecode},
        }
    )
    return ContractContainer(contract_type)


def deploy_oz(people: People, artifacts: dict[str, solc.Artifact]) -> Stack:
    deployer = people.deployer
    token = _container(artifacts["OZToken"]).deploy(
        people.holders, [GENESIS] * len(people.holders), sender=deployer
    )
    timelock = _container(artifacts["OZTimelock"]).deploy(TIMELOCK_DELAY, [], [], deployer, sender=deployer)
    governor = _container(artifacts["OZGovernor"]).deploy(
        token,
        timelock,
        VOTING_DELAY,
        VOTING_PERIOD,
        PROPOSAL_THRESHOLD,
        QUORUM_NUMERATOR,
        sender=deployer,
    )
    _wire(people, timelock, governor)
    return Stack("OpenZeppelin", token, timelock, governor)


# --- measurement ------------------------------------------------------------------------


def _ballot_signature(governor: ContractInstance, voter: Any, proposal_id: int, support: int) -> bytes:
    """An EIP-712 `Ballot` signed by `voter`, over the governor's own ERC-5267 domain."""
    _fields, name, version, chain_id, verifying_contract, _salt, _ext = governor.eip712Domain()
    data = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Ballot": [
                {"name": "proposalId", "type": "uint256"},
                {"name": "support", "type": "uint8"},
                {"name": "voter", "type": "address"},
                {"name": "nonce", "type": "uint256"},
            ],
        },
        "primaryType": "Ballot",
        "domain": {
            "name": name,
            "version": version,
            "chainId": chain_id,
            "verifyingContract": verifying_contract,
        },
        "message": {
            "proposalId": proposal_id,
            "support": support,
            "voter": voter.address,
            "nonce": governor.nonces(voter),
        },
    }
    signed = Account.sign_message(encode_typed_data(full_message=data), voter.private_key)
    return bytes(signed.signature)


def _mine_past(block: int) -> None:
    """Mine until the head is past `block` (so that views see the state after it)."""
    head = chain.blocks.head.number
    if head is not None and head <= block:
        chain.mine(block + 1 - head)


def run_scenario(stack: Stack, people: People) -> dict[str, Measured]:
    """The measured scenario; every measured transaction is also checked."""
    token, timelock, governor = stack.token, stack.timelock, stack.governor
    out: dict[str, Measured] = {}

    def measure(key: str, send: Callable[[], Any]) -> None:
        receipt = send()
        out[key] = Measured(gas=int(receipt.gas_used), tx_hash=str(receipt.txn_hash))

    def delegate(who: Any, to: Any) -> Any:
        # ape's EIP-7702 `delegate` attribute shadows the ERC-5805 function.
        return token.invoke_transaction("delegate", to, sender=who)

    def checkpoints(*who: Any) -> list[int]:
        return [int(token.numCheckpoints(w)) for w in who]

    # Governance: one proposal through its whole life. The proposer and the voters have one
    # checkpoint each, so every getPastVotes is the cheapest case for OpenZeppelin (which
    # binary-searches) as for Azora (which reads its latest checkpoint first).
    token.transfer(timelock, TREASURY, sender=people.heidi)
    for holder in (people.alice, people.bob, people.carol, people.dave):
        delegate(holder, holder)
    targets = [token.address]
    values = [0]
    calldatas = [
        keccak(text="transfer(address,uint256)")[:4]
        + abi_encode(["address", "uint256"], [people.carol.address, GRANT])
    ]
    description_hash = keccak(text=DESCRIPTION)
    proposal_id = int(governor.hashProposal(targets, values, calldatas, description_hash))
    measure("propose", lambda: governor.propose(targets, values, calldatas, DESCRIPTION, sender=people.alice))
    assert governor.proposalProposer(proposal_id) == people.alice.address

    _mine_past(int(governor.proposalSnapshot(proposal_id)))
    assert governor.state(proposal_id) == ACTIVE
    voters = (people.bob, people.carol, people.dave)
    assert checkpoints(people.alice, *voters) == [1, 1, 1, 1]
    measure("castVote_first", lambda: governor.castVote(proposal_id, FOR, sender=people.bob))
    measure("castVote_later", lambda: governor.castVote(proposal_id, FOR, sender=people.carol))
    signature = _ballot_signature(governor, people.dave, proposal_id, FOR)
    measure(
        "castVoteBySig",
        lambda: governor.castVoteBySig(proposal_id, FOR, people.dave, signature, sender=people.relayer),
    )
    assert all(governor.hasVoted(proposal_id, v) for v in voters)
    _against, votes_for, _abstain = governor.proposalVotes(proposal_id)
    assert votes_for == 3 * GENESIS

    _mine_past(int(governor.proposalDeadline(proposal_id)))
    assert governor.state(proposal_id) == SUCCEEDED
    measure(
        "queue", lambda: governor.queue(targets, values, calldatas, description_hash, sender=people.alice)
    )
    assert governor.state(proposal_id) == QUEUED

    eta = int(governor.proposalEta(proposal_id))
    chain.pending_timestamp = max(eta, chain.pending_timestamp)
    measure(
        "execute",
        lambda: governor.execute(targets, values, calldatas, description_hash, sender=people.alice),
    )
    assert governor.state(proposal_id) == EXECUTED
    assert token.balanceOf(people.carol) == GENESIS + GRANT
    assert token.balanceOf(timelock) == TREASURY - GRANT

    # Vote token. Every transaction is mined in its own block (automine), so a change of
    # voting power appends checkpoints rather than rewriting one of the same block.
    erin, frank, grace, heidi = people.erin, people.frank, people.grace, people.heidi
    measure("delegate_first", lambda: delegate(erin, erin))
    assert token.getVotes(erin) == GENESIS
    for holder in (frank, grace, heidi):
        delegate(holder, holder)
    assert checkpoints(heidi, frank) == [1, 1]
    measure("delegate_change", lambda: delegate(heidi, frank))
    assert token.getVotes(frank) == 2 * GENESIS - TREASURY and token.getVotes(heidi) == 0
    assert checkpoints(erin, frank) == [1, 2]
    measure("transfer_1_2", lambda: token.transfer(frank, 1_000 * AZR, sender=erin))
    assert token.getVotes(erin) == GENESIS - 1_000 * AZR
    assert token.getVotes(frank) == 2 * GENESIS - TREASURY + 1_000 * AZR
    assert checkpoints(grace, people.bob) == [1, 1]
    measure("transfer_1_1", lambda: token.transfer(people.bob, 500 * AZR, sender=grace))
    assert token.getVotes(people.bob) == GENESIS + 500 * AZR
    assert checkpoints(erin, grace) == [2, 2]
    measure("transfer_2_2", lambda: token.transfer(grace, 1_000 * AZR, sender=erin))
    assert token.getVotes(grace) == GENESIS + 500 * AZR
    assert checkpoints(erin, grace) == [3, 3]
    assert checkpoints(frank, people.bob) == [3, 2]
    measure("delegate_change_3_2", lambda: delegate(heidi, people.bob))
    assert token.getVotes(people.bob) == 2 * GENESIS + 500 * AZR - TREASURY
    assert token.getVotes(frank) == GENESIS + 1_000 * AZR
    return out


# --- where the gas goes -----------------------------------------------------------------

_CALLS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE", "CREATE", "CREATE2"}


def _calldata_gas(data: bytes) -> int:
    zeros = data.count(0)
    return 4 * zeros + 16 * (len(data) - zeros)


def breakdown(tx_hash: str, gas_used: int, names: dict[str, str]) -> dict[str, Any]:
    """Where a transaction's gas went, from anvil's struct-log and call tracers.

    ``execution`` (before refund) = the sum of every opcode's own cost over all call depths
    plus the overhead of the CALL-family opcodes (address access, value, the 63/64 rule does
    not consume gas); the named opcodes are listed, the rest is ``other_opcodes``.
    """
    provider = networks.provider
    tx = provider.make_request("eth_getTransactionByHash", [tx_hash])
    data = bytes.fromhex(tx["input"][2:])
    intrinsic = 21_000 + _calldata_gas(data)
    trace = provider.make_request(
        "debug_traceTransaction",
        [tx_hash, {"disableMemory": True, "disableStack": True, "disableStorage": True}],
    )
    logs = trace["structLogs"]
    execution = int(logs[0]["gas"]) - (int(logs[-1]["gas"]) - int(logs[-1]["gasCost"]))
    by_kind: dict[str, list[int]] = {}
    sstores: dict[str, int] = {}
    opcodes_total = 0
    for step in logs:
        op = step["op"]
        if op in _CALLS:
            continue
        cost = int(step["gasCost"])
        opcodes_total += cost
        kind = "LOG" if op.startswith("LOG") else op
        if kind in ("SSTORE", "SLOAD", "LOG", "KECCAK256"):
            count_gas = by_kind.setdefault(kind, [0, 0])
            count_gas[0] += 1
            count_gas[1] += cost
        if op == "SSTORE":
            sstores[str(cost)] = sstores.get(str(cost), 0) + 1
    named = sum(g for _n, g in by_kind.values())
    frames: list[dict[str, Any]] = []
    calls = provider.make_request("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])

    def walk(frame: dict[str, Any], depth: int) -> None:
        to = to_checksum_address(frame.get("to") or "0x" + "0" * 40)
        precompile = int(to, 16) < 0x100
        selector = "" if precompile else (frame.get("input") or "0x")[:10]
        used = int(frame.get("gasUsed", "0x0"), 16)
        children = frame.get("calls", [])
        child_used = sum(int(c.get("gasUsed", "0x0"), 16) for c in children)
        frames.append(
            {
                "depth": depth,
                "type": frame.get("type"),
                "to": names.get(to, to),
                "function": names.get(selector, selector) if selector else "",
                "gas_used": used,
                "self_gas": used - child_used,
            }
        )
        for child in children:
            walk(child, depth + 1)

    walk(calls, 0)
    return {
        "gas_used": gas_used,
        "intrinsic": intrinsic,
        "calldata_bytes": len(data),
        "execution": execution,
        "refund": intrinsic + execution - gas_used,
        "opcodes": {k: {"count": n, "gas": g} for k, (n, g) in sorted(by_kind.items())},
        "sstore_costs": dict(sorted(sstores.items(), key=lambda kv: -int(kv[0]))),
        "other_opcodes": opcodes_total - named,
        "call_overhead": execution - opcodes_total,
        "frames": frames,
    }


def _names(stacks: list[Stack]) -> dict[str, str]:
    """Labels for the call tracer: contract addresses and the function selectors of their ABIs."""
    names: dict[str, str] = {}
    for stack in stacks:
        for role in ("token", "timelock", "governor"):
            contract: ContractInstance = getattr(stack, role)
            names[contract.address] = f"{stack.name}.{role}"
            for abi in [*contract.contract_type.mutable_methods, *contract.contract_type.view_methods]:
                names["0x" + keccak(text=abi.selector)[:4].hex()] = abi.name
    names.setdefault("0x0000000000000000000000000000000000000001", "ecrecover")
    return names


def _print_breakdown(side: str, key: str, item: dict[str, Any]) -> None:
    ops = ", ".join(f"{k} {v['count']}x = {v['gas']:,}" for k, v in item["opcodes"].items())
    sstores = ", ".join(f"{n}x{cost}" for cost, n in item["sstore_costs"].items())
    print(  # noqa: T201 - benchmark report
        f"{side} {key}: {item['gas_used']:,} = intrinsic {item['intrinsic']:,}"
        f" ({item['calldata_bytes']} calldata bytes) + execution {item['execution']:,}"
        f" - refund {item['refund']:,}\n    {ops}; other opcodes {item['other_opcodes']:,};"
        f" call overhead {item['call_overhead']:,}\n    SSTORE costs: {sstores}"
    )
    for frame in item["frames"]:
        indent = "    " + "  " * frame["depth"]
        print(  # noqa: T201
            f"{indent}{frame['type']} {frame['to']}{'.' if frame['function'] else ''}{frame['function']}:"
            f" {frame['gas_used']:,} (self {frame['self_gas']:,})"
        )


# --- report -----------------------------------------------------------------------------


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--breakdown", action="store_true", help="print where each transaction's gas went")
    args = parser.parse_args()

    artifacts = solc.compile_oz()
    with networks.parse_network_choice("ethereum:local:foundry"):
        people = People()
        stacks = [deploy_azora(people), deploy_oz(people, artifacts)]
        results = {stack.name: run_scenario(stack, people) for stack in stacks}
        names = _names(stacks)
        for per_side in results.values():
            for item in per_side.values():
                item.breakdown = breakdown(item.tx_hash, item.gas, names)
        anvil = networks.provider.make_request("web3_clientVersion", [])

    azora, oz = results["Azora"], results["OpenZeppelin"]
    rows = []
    for key, label in OPERATIONS:
        ratio = azora[key].gas / oz[key].gas
        rows.append(
            {
                "key": key,
                "operation": label,
                "azora": azora[key].gas,
                "oz": oz[key].gas,
                "ratio": round(ratio, 3),
                "target_met": ratio <= TARGET,
            }
        )
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "anvil": anvil,
        "solc": solc.solc_version(),
        "openzeppelin_contracts": solc.oz_version(),
        "evm_version": solc.EVM_VERSION,
        "optimizer_runs": solc.OPTIMIZER_RUNS,
        "target_ratio": TARGET,
        "rows": rows,
        "transactions": {
            side: {key: asdict(item) for key, item in measured.items()} for side, measured in results.items()
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "gas_governance.json").write_text(json.dumps(report, indent=2) + "\n")

    header = f"| operation | Azora | OZ {report['openzeppelin_contracts']} | Azora / OZ | ≤ {TARGET}× OZ |"
    print(f"{header}\n|---|---:|---:|---:|:---:|")  # noqa: T201
    for row in rows:
        met = "yes" if row["target_met"] else "**no**"
        print(  # noqa: T201
            f"| {row['operation']} | {row['azora']:,} | {row['oz']:,} | {row['ratio']:.3f} | {met} |"
        )
    if args.breakdown:
        for side, measured in results.items():
            for key, item in measured.items():
                _print_breakdown(side, key, item.breakdown)


if __name__ == "__main__":
    main()
