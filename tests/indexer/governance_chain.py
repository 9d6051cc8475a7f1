"""AzoraGovernor + AzoraTimelock on the test chain, driven over raw JSON-RPC: deploy the stack with
dev ETHICS keystores, delegate, propose, vote (with reasons, any bytes), post hub-signed reviews,
queue, execute, cancel, veto on the Timelock as the security council, travel in time, and read
the contracts' own views at a given block.

Shared by tests/indexer/test_governance_projections.py and tests/api/test_governance_routes.py.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak

from azora.deploy import deploy
from azora.manifest import DeploymentManifest
from azora.profiles import DEV_GOVERNANCE, dev_profile
from tests.contracts.oracle_signing import (
    ETHICS,
    Attestation,
    OracleSigner,
    attestation_digest,
    by_address,
    hub_domain,
    pack_signatures,
)
from tests.indexer.conftest import USERS, ChainDriver, selector
from tests.indexer.oracle_chain import write_keystores

AZR = 10**18
GAS = 5_000_000
THRESHOLD = 2
ATTESTATION_TUPLE = "(bytes32,bytes32,address,bytes,uint64,uint64)"
PROPOSAL_REVIEWED = keccak(
    text="azora.ethics.ProposalReviewed(uint256 proposalId,uint8 verdict,bytes32 reasonHash)"
)
APPROVE, FLAG = 1, 2
AGAINST, FOR, ABSTAIN = 0, 1, 2
# OpenZeppelin's ProposalState order, as AzoraGovernor.state() returns it.
STATES = ("pending", "active", "canceled", "defeated", "succeeded", "queued", "expired", "executed")
# The dev profile's governance settings (azora.profiles.DEV_GOVERNANCE).
VOTING_PERIOD = 20
TIMELOCK_DELAY = 60
GRACE_PERIOD = 14 * 86_400
RELAYER = USERS[8]
# The security council: the Timelock's second canceller (profile governance.security_council).
COUNCIL = USERS[7]


def hex32(value: bytes) -> str:
    return "0x" + value.hex()


@dataclass(frozen=True)
class Proposal:
    """A proposal as sent: its calls and description (raw bytes: any, even invalid UTF-8)."""

    targets: tuple[str, ...]
    values: tuple[int, ...]
    calldatas: tuple[bytes, ...]
    description: bytes
    proposer: str

    @property
    def description_hash(self) -> bytes:
        return keccak(self.description)

    @property
    def id(self) -> int:
        """hashProposal, as OpenZeppelin computes it."""
        encoded = abi_encode(
            ["address[]", "uint256[]", "bytes[]", "bytes32"],
            [list(self.targets), list(self.values), list(self.calldatas), self.description_hash],
        )
        return int.from_bytes(keccak(encoded), "big")

    def call_args(self) -> list[Any]:
        return [list(self.targets), list(self.values), list(self.calldatas), self.description_hash]


@dataclass
class GovernanceStack:
    """The deployed contracts and the ETHICS keys that review for them; accounts are anvil's."""

    driver: ChainDriver
    manifest: DeploymentManifest
    manifest_path: Path
    signers: list[OracleSigner]  # ETHICS, ascending
    proposals: dict[str, Proposal] = field(default_factory=dict)
    uids: int = 0

    @property
    def chain_id(self) -> int:
        return self.manifest.chain_id

    def address(self, name: str) -> str:
        return self.manifest.address(name).lower()

    @property
    def governor(self) -> str:
        return self.address("AzoraGovernor")

    @property
    def timelock(self) -> str:
        return self.address("AzoraTimelock")

    @property
    def token(self) -> str:
        return self.address("AzoraToken")

    @property
    def hub(self) -> str:
        return self.address("OracleHub")

    # --- transactions ---

    def send(self, sender: str, to: str, signature: str, types: Sequence[str], args: Sequence[Any]) -> str:
        """Send and mine one transaction (`types` encode the arguments; `signature` names the
        function); it must succeed."""
        data = "0x" + (selector(signature) + abi_encode(list(types), list(args))).hex()
        tx_hash: str = self.driver.rpc(
            "eth_sendTransaction", {"from": sender, "to": to, "data": data, "gas": hex(GAS)}
        )
        receipt = None
        deadline = time.monotonic() + 10
        while receipt is None:
            receipt = self.driver.rpc("eth_getTransactionReceipt", tx_hash)
            if receipt is None:
                assert time.monotonic() < deadline, f"{signature} never mined"
                time.sleep(0.002)
        assert receipt["status"] == "0x1", f"{signature} reverted"
        return tx_hash

    def head(self) -> int:
        return self.driver.block_number()

    def mine(self, blocks: int = 1) -> None:
        self.driver.mine(blocks)

    def mine_to(self, block: int) -> None:
        """Mine until the head is `block` (no-op when already there or past)."""
        if (gap := block - self.head()) > 0:
            self.mine(gap)

    def warp(self, seconds: int) -> None:
        """Move the chain's clock forward and mine a block."""
        self.driver.rpc("evm_increaseTime", hex(seconds))
        self.driver.mine()

    def timestamp(self, block: int | str = "latest") -> int:
        tag = hex(block) if isinstance(block, int) else block
        return int(self.driver.rpc("eth_getBlockByNumber", tag, False)["timestamp"], 16)

    def transfer(self, sender: str, to: str, amount: int) -> None:
        self.send(sender, self.token, "transfer(address,uint256)", ["address", "uint256"], [to, amount])

    def delegate(self, delegator: str, delegatee: str) -> None:
        self.send(delegator, self.token, "delegate(address)", ["address"], [delegatee])

    def propose(
        self,
        label: str,
        proposer: str,
        calls: Sequence[tuple[str, int, bytes]],
        description: bytes | str,
    ) -> Proposal:
        """Create a proposal (kept under `label`); the description may be any bytes."""
        raw = description.encode() if isinstance(description, str) else description
        proposal = Proposal(
            targets=tuple(target for target, _, _ in calls),
            values=tuple(value for _, value, _ in calls),
            calldatas=tuple(data for _, _, data in calls),
            description=raw,
            proposer=proposer,
        )
        self.send(
            proposer,
            self.governor,
            "propose(address[],uint256[],bytes[],string)",
            ["address[]", "uint256[]", "bytes[]", "bytes"],  # a string is encoded as its bytes
            [list(proposal.targets), list(proposal.values), list(proposal.calldatas), raw],
        )
        self.proposals[label] = proposal
        return proposal

    def vote(self, voter: str, proposal: Proposal, support: int, reason: bytes | str | None = None) -> None:
        if reason is None:
            self.send(
                voter, self.governor, "castVote(uint256,uint8)", ["uint256", "uint8"], [proposal.id, support]
            )
            return
        raw = reason.encode() if isinstance(reason, str) else reason
        self.send(
            voter,
            self.governor,
            "castVoteWithReason(uint256,uint8,string)",
            ["uint256", "uint8", "bytes"],
            [proposal.id, support, raw],
        )

    def _lifecycle(self, sender: str, name: str, proposal: Proposal) -> None:
        self.send(
            sender,
            self.governor,
            f"{name}(address[],uint256[],bytes[],bytes32)",
            ["address[]", "uint256[]", "bytes[]", "bytes32"],
            proposal.call_args(),
        )

    def queue(self, proposal: Proposal) -> None:
        self._lifecycle(RELAYER, "queue", proposal)

    def execute(self, proposal: Proposal) -> None:
        self._lifecycle(RELAYER, "execute", proposal)

    def cancel(self, proposal: Proposal) -> None:
        self._lifecycle(proposal.proposer, "cancel", proposal)

    def timelock_id(self, proposal: Proposal) -> bytes:
        """The Timelock operation id the proposal was queued under (zero if not queued)."""
        return bytes(self.gov("proposalTimelockId", ["uint256"], [proposal.id], "bytes32", "latest"))

    def veto(self, proposal: Proposal) -> str:
        """The security council cancels the queued proposal's Timelock operation; the tx hash."""
        return self.send(COUNCIL, self.timelock, "cancel(bytes32)", ["bytes32"], [self.timelock_id(proposal)])

    def review(self, proposal: Proposal, verdict: int, reason_hash: bytes) -> bytes:
        """Post an ETHICS review through the hub (2-of-3 signatures); returns its uid."""
        self.uids += 1
        uid = keccak(text=f"azora.test.governance.review.{self.uids}")
        epoch = int(self.call(self.hub, "epoch(bytes32)", ["bytes32"], [ETHICS], ["uint64"]))
        att = Attestation(
            schema=PROPOSAL_REVIEWED,
            uid=uid,
            subject=self.governor,
            data=abi_encode(["uint256", "uint8", "bytes32"], [proposal.id, verdict, reason_hash]),
            deadline=self.timestamp() + 3_600,
            epoch=epoch,
        )
        digest = attestation_digest(hub_domain(self.chain_id, self.hub), att)
        signatures = pack_signatures([s.sign(digest) for s in self.signers[:THRESHOLD]])
        self.send(
            RELAYER,
            self.hub,
            f"submit({ATTESTATION_TUPLE},bytes)",
            [ATTESTATION_TUPLE, "bytes"],
            [att.as_args(), signatures],
        )
        return uid

    # --- calldata of governance actions (run by the Timelock) ---

    def set_quorum_numerator(self, numerator: int) -> tuple[str, int, bytes]:
        return (
            self.governor,
            0,
            selector("updateQuorumNumerator(uint256)") + abi_encode(["uint256"], [numerator]),
        )

    def set_grace_period(self, seconds: int) -> tuple[str, int, bytes]:
        return (self.governor, 0, selector("setGracePeriod(uint256)") + abi_encode(["uint256"], [seconds]))

    def set_timelock_delay(self, seconds: int) -> tuple[str, int, bytes]:
        return (self.timelock, 0, selector("update_delay(uint256)") + abi_encode(["uint256"], [seconds]))

    def noop(self, n: int = 0) -> tuple[str, int, bytes]:
        """A harmless call: the Timelock approves `n` wei of AZR to the zero-ish address 0x…01."""
        spender = "0x" + "00" * 19 + "01"
        return (
            self.token,
            0,
            selector("approve(address,uint256)") + abi_encode(["address", "uint256"], [spender, n]),
        )

    # --- the contracts' view ---

    def call(
        self,
        to: str,
        signature: str,
        types: Sequence[str],
        args: Sequence[Any],
        out: Sequence[str],
        block: int | str = "latest",
    ) -> Any:
        return self.driver.call(to, signature, types, args, out, block)

    def gov(self, name: str, types: Sequence[str], args: Sequence[Any], out: str, block: int | str) -> Any:
        return self.call(self.governor, f"{name}({','.join(types)})", types, args, [out], block)

    def state(self, proposal_id: int, block: int) -> str:
        return STATES[int(self.gov("state", ["uint256"], [proposal_id], "uint8", block))]

    def proposal_votes(self, proposal_id: int, block: int) -> tuple[int, int, int]:
        against, for_, abstain = self.call(
            self.governor,
            "proposalVotes(uint256)",
            ["uint256"],
            [proposal_id],
            ["uint256", "uint256", "uint256"],
            block,
        )
        return int(against), int(for_), int(abstain)

    def proposal_review(self, proposal_id: int, block: int) -> tuple[int, str, str]:
        verdict, reason_hash, uid = self.call(
            self.governor,
            "proposalReview(uint256)",
            ["uint256"],
            [proposal_id],
            ["uint8", "bytes32", "bytes32"],
            block,
        )
        return int(verdict), hex32(reason_hash), hex32(uid)

    def setting(self, name: str, block: int) -> int:
        if name == "timelock_min_delay":
            return int(self.call(self.timelock, "get_minimum_delay()", [], [], ["uint256"], block))
        view = {
            "voting_delay": "votingDelay",
            "voting_period": "votingPeriod",
            "proposal_threshold": "proposalThreshold",
            "quorum_numerator": "quorumNumerator",
            "grace_period": "gracePeriod",
        }[name]
        return int(self.gov(view, [], [], "uint256", block))


def deploy_governance(
    project: Any, chain: Any, accounts: Any, tmp_path: Path, driver: ChainDriver
) -> GovernanceStack:
    """Deploy every Azora contract with the dev profile (short governance settings) and three
    ETHICS keystores (2-of-3) and COUNCIL as the security council; accounts[0] administers the
    non-governance contracts."""
    signers = by_address(OracleSigner.from_label(f"ethics-{i}") for i in range(3))
    keystore_dir = tmp_path / "keystores"
    write_keystores(keystore_dir, "ETHICS", signers)
    manifest_path = tmp_path / "deployments" / "local.json"
    outcome = deploy(
        project=project,
        provider=chain.provider,
        deployer=accounts[0],
        admin=accounts[0].address,
        profile=replace(
            dev_profile(keystore_dir), governance=replace(DEV_GOVERNANCE, security_council=COUNCIL)
        ),
        network="local",
        manifest_path=manifest_path,
        force=True,
    )
    return GovernanceStack(
        driver=driver, manifest=outcome.manifest, manifest_path=manifest_path, signers=signers
    )


# --- a scripted lifecycle ----------------------------------------------------------------------------

# Voters: dev-genesis holders USERS[1..4] (10M AZR each) and USERS[5] / USERS[6] funded below.
PROPOSER, ALICE, BOB, CAROL, DAVE, ERIN = USERS[1], USERS[2], USERS[3], USERS[4], USERS[5], USERS[6]


def setup_voters(stack: GovernanceStack) -> None:
    """Weights after this: PROPOSER 5M, ALICE 9M, BOB / CAROL 10M, DAVE 5M, ERIN 1M AZR (all
    self-delegated; the supply is 80M, so the 4% quorum is 3.2M)."""
    stack.transfer(PROPOSER, DAVE, 4_000_000 * AZR)
    stack.transfer(PROPOSER, ERIN, 1_000_000 * AZR)
    stack.transfer(ALICE, DAVE, 1_000_000 * AZR)
    for voter in (PROPOSER, ALICE, BOB, CAROL, DAVE, ERIN):
        stack.delegate(voter, voter)


def reason_hash(label: str) -> bytes:
    return keccak(text=f"azora.test.reasons.{label}")


GRACE_AFTER = 7 * 86_400  # the grace period the "pass" proposal sets


def create_proposals(stack: GovernanceStack) -> None:
    """Six proposals: one to pass and change settings, one to be defeated, one canceled while
    Pending, two flagged (one short of the supermajority, one above it) and one below quorum,
    created last so that it is still Pending at the end; reviews in between."""
    stack.propose(
        "pass",
        PROPOSER,
        [stack.set_quorum_numerator(5), stack.set_timelock_delay(120), stack.set_grace_period(GRACE_AFTER)],
        "# Raise the quorum to 5%\n\nAnd lengthen the timelock delay, shorten the grace period.",
    )
    stack.propose("defeat", PROPOSER, [stack.noop(1)], "Approve 1 wei")
    stack.propose("cancel", PROPOSER, [stack.noop(2)], f"To be withdrawn #proposer=0x{PROPOSER[2:].upper()}")
    stack.cancel(stack.proposals["cancel"])  # the next block: still Pending
    stack.propose("flag60", PROPOSER, [stack.noop(3)], "Flagged, 62% for")
    stack.propose("flag70", PROPOSER, [stack.noop(4)], "Flagged, 73% for")
    stack.review(stack.proposals["pass"], APPROVE, reason_hash("pass"))
    stack.review(stack.proposals["flag60"], FLAG, reason_hash("flag60"))
    stack.review(stack.proposals["flag70"], APPROVE, reason_hash("flag70-first"))
    # Invalid UTF-8 and a NUL in the description: the contract takes any bytes.
    stack.propose("noquorum", PROPOSER, [stack.noop(5)], b"Below quorum \xff\xfe \x00 end")


def cast_votes(stack: GovernanceStack) -> None:
    """Votes while Active (+ a later review replacing an earlier one)."""
    p = stack.proposals
    stack.vote(ALICE, p["pass"], FOR, "Five percent is fine")
    stack.vote(BOB, p["pass"], AGAINST)
    stack.vote(CAROL, p["pass"], FOR)
    stack.vote(DAVE, p["pass"], ABSTAIN, b"bad bytes \xc3\x28 and NUL \x00")
    stack.vote(ALICE, p["defeat"], AGAINST)
    stack.vote(ERIN, p["defeat"], FOR)
    # 60% for with a flag: 15M for / 10M against.
    stack.vote(BOB, p["flag60"], FOR)
    stack.vote(DAVE, p["flag60"], FOR)
    stack.vote(ALICE, p["flag60"], AGAINST, "Too risky")
    # ~71% for with a flag: 25M for / 10M against.
    stack.review(p["flag70"], FLAG, reason_hash("flag70"))
    stack.vote(BOB, p["flag70"], FOR)
    stack.vote(CAROL, p["flag70"], FOR)
    stack.vote(DAVE, p["flag70"], FOR)
    stack.vote(ALICE, p["flag70"], AGAINST)
    # 1M for: below 4% of the supply.
    stack.vote(ERIN, p["noquorum"], FOR)


def close_voting(stack: GovernanceStack) -> None:
    """Mine past every deadline."""
    deadline = max(
        int(stack.gov("proposalDeadline", ["uint256"], [p.id], "uint256", "latest"))
        for p in stack.proposals.values()
    )
    stack.mine_to(deadline + 1)


def queue_and_execute(stack: GovernanceStack) -> None:
    """Queue the two passing proposals; execute one after the Timelock delay (changing the quorum
    numerator and the Timelock delay), then open a new proposal under the new quorum."""
    p = stack.proposals
    stack.queue(p["pass"])
    stack.queue(p["flag70"])
    stack.warp(TIMELOCK_DELAY + 1)
    stack.execute(p["pass"])
    stack.propose("later", CAROL, [stack.noop(6)], "Under the new quorum")
