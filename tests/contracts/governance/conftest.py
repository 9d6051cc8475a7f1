"""Fixtures for AzoraGovernor + AzoraTimelock (ape on anvil).

The stack is wired as azora/deploy.py wires it: the Timelock is deployed first
with the deployer as temporary admin and no proposers, the Governor with the
Timelock's address; the Timelock grants PROPOSER / EXECUTOR / CANCELLER to the
Governor and CANCELLER to the security council, and the deployer renounces its
admin role. OracleHub's ETHICS domain (2-of-3 `oracle_signers`) routes
PROPOSAL_REVIEWED to the Governor (not revocable).

Test settings (SPEC §2.6 dev values): voting delay 1 block, period 20 blocks,
threshold 100,000 AZR, quorum 4%, timelock delay 60 s, grace period 14 days.
AZR genesis: 1M each to alice, bob, carol (self-delegated) and the treasury
(undelegated, so it holds no votes): 4M supply, quorum 160,000 AZR.

Contracts are module-scoped (deployed once per test module); ape's isolation
reverts every test's changes, time travel included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

# The hub, its signers and the attestation signer; `token` is redefined below.
from tests.contracts.oracle_fixtures import *  # noqa: F403 - the fixtures of oracle_fixtures.__all__
from tests.contracts.oracle_signing import ETHICS, Attestation, OracleSigner

AZR = 10**18
GENESIS_EACH = 1_000_000 * AZR
VOTING_DELAY = 1
VOTING_PERIOD = 20
PROPOSAL_THRESHOLD = 100_000 * AZR
QUORUM_NUMERATOR = 4
TIMELOCK_DELAY = 60
GRACE_PERIOD = 14 * 86_400
ETHICS_THRESHOLD = 2

PROPOSAL_REVIEWED = keccak(
    text="azora.ethics.ProposalReviewed(uint256 proposalId,uint8 verdict,bytes32 reasonHash)"
)
APPROVE, FLAG = 1, 2
AGAINST, FOR, ABSTAIN = 0, 1, 2
PENDING, ACTIVE, CANCELED, DEFEATED, SUCCEEDED, QUEUED, EXPIRED, EXECUTED = range(8)

BALLOT_TYPE = [
    {"name": "proposalId", "type": "uint256"},
    {"name": "support", "type": "uint8"},
    {"name": "voter", "type": "address"},
    {"name": "nonce", "type": "uint256"},
]
EIP712_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def address_of(item: Any) -> str:
    """The checksummed address of an account, a contract or an address string."""
    return str(getattr(item, "address", item))


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def call(signature: str, types: list[str], args: list[Any]) -> bytes:
    """Calldata of `signature` with ABI-encoded `args`."""
    return selector(signature) + encode(types, args)


def hash_proposal(
    targets: list[str], values: list[int], calldatas: list[bytes], description_hash: bytes
) -> int:
    """OpenZeppelin's `hashProposal`, computed in Python."""
    encoded = encode(
        ["address[]", "uint256[]", "bytes[]", "bytes32"], [targets, values, calldatas, description_hash]
    )
    return int.from_bytes(keccak(encoded), "big")


@dataclass(frozen=True)
class Proposal:
    """A proposal's actions and description; `args` is what queue / execute / cancel take."""

    targets: list[str]
    values: list[int]
    calldatas: list[bytes]
    description: str

    @property
    def description_hash(self) -> bytes:
        return keccak(text=self.description)

    @property
    def id(self) -> int:
        return hash_proposal(self.targets, self.values, self.calldatas, self.description_hash)

    @property
    def args(self) -> tuple[list[str], list[int], list[bytes], bytes]:
        return (self.targets, self.values, self.calldatas, self.description_hash)

    def timelock_salt(self, governor: Any) -> bytes:
        """GovernorTimelockControl's salt: bytes20(governor) XOR descriptionHash."""
        mixed = (int(address_of(governor), 16) << 96) ^ int.from_bytes(self.description_hash, "big")
        return mixed.to_bytes(32, "big")

    def timelock_id(self, governor: Any) -> bytes:
        """The Timelock operation id the proposal is queued under."""
        encoded = encode(
            ["address[]", "uint256[]", "bytes[]", "bytes32", "bytes32"],
            [self.targets, self.values, self.calldatas, b"\x00" * 32, self.timelock_salt(governor)],
        )
        return keccak(encoded)


@pytest.fixture(scope="session")
def council(accounts: Any) -> Any:
    """The security council: may cancel (veto) queued operations on the Timelock."""
    return accounts[7]


@pytest.fixture(scope="session", autouse=True)
def _governance_session_first(
    _session_first: None, council: Any, forger: OracleSigner, oracle_signers: list[OracleSigner]
) -> None:
    """Requests this folder's session fixtures before any module-scoped contract (as
    oracle_fixtures._session_first does): ape's isolation would otherwise restart the module
    when one is first requested mid-module, dropping the module's deployments."""


# Replaces oracle_fixtures' `token` (other genesis, holders self-delegated).
@pytest.fixture(scope="module")  # type: ignore[no-redef]
def token(
    project: Any, deployer: Any, governance: Any, alice: Any, bob: Any, carol: Any, treasury: Any
) -> Any:
    """AZR with 1M each to alice, bob, carol (self-delegated) and the treasury (no delegate)."""
    holders = [alice, bob, carol, treasury]
    contract = project.AzoraToken.deploy(holders, [GENESIS_EACH] * len(holders), sender=deployer)
    admin_role = contract.DEFAULT_ADMIN_ROLE()
    contract.grantRole(admin_role, governance, sender=deployer)
    contract.renounceRole(admin_role, deployer, sender=deployer)
    for holder in (alice, bob, carol):
        contract.invoke_transaction("delegate", holder, sender=holder)
    return contract


@pytest.fixture(scope="module")
def timelock(project: Any, deployer: Any) -> Any:
    """AzoraTimelock with the deployer as temporary admin and no proposers (as deployed)."""
    return project.AzoraTimelock.deploy(TIMELOCK_DELAY, [], [], deployer, sender=deployer)


@pytest.fixture(scope="module")
def governor(
    project: Any,
    deployer: Any,
    governance: Any,
    council: Any,
    token: Any,
    timelock: Any,
    hub: Any,
    oracle_signers: list[OracleSigner],
) -> Any:
    """AzoraGovernor wired to the Timelock and to the hub's ETHICS domain."""
    contract = project.AzoraGovernor.deploy(
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
    for role in (timelock.PROPOSER_ROLE(), timelock.EXECUTOR_ROLE(), timelock.CANCELLER_ROLE()):
        timelock.grantRole(role, contract, sender=deployer)
    timelock.grantRole(timelock.CANCELLER_ROLE(), council, sender=deployer)
    timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), deployer, sender=deployer)
    hub.set_signers(ETHICS, [s.address for s in oracle_signers], ETHICS_THRESHOLD, sender=governance)
    hub.register_schema(PROPOSAL_REVIEWED, ETHICS, contract, False, sender=governance)
    return contract


@pytest.fixture
def make_proposal(governor: Any, token: Any, carol: Any) -> Callable[..., Proposal]:
    """Factory: a Proposal; by default one call that transfers 1 AZR from the Timelock to carol."""

    def _make(
        description: str = "Send carol 1 AZR",
        *,
        targets: list[Any] | None = None,
        values: list[int] | None = None,
        calldatas: list[bytes] | None = None,
    ) -> Proposal:
        if targets is None:
            targets = [token]
            calldatas = [call("transfer(address,uint256)", ["address", "uint256"], [address_of(carol), AZR])]
        return Proposal(
            targets=[address_of(t) for t in targets],
            values=[0] * len(targets) if values is None else values,
            calldatas=calldatas if calldatas is not None else [b""] * len(targets),
            description=description,
        )

    return _make


@pytest.fixture
def propose(governor: Any, alice: Any) -> Callable[..., Any]:
    """`propose(proposal, sender=alice)`: submits a proposal; returns the receipt."""

    def _propose(proposal: Proposal, sender: Any = None) -> Any:
        return governor.propose(
            proposal.targets,
            proposal.values,
            proposal.calldatas,
            proposal.description,
            sender=sender or alice,
        )

    return _propose


@pytest.fixture
def mine_to(chain: Any) -> Callable[[int], None]:
    """Mines until the chain head is `block`: views see `block`, the next transaction lands in `block + 1`."""

    def _mine_to(block: int) -> None:
        head = chain.blocks.head.number
        if head < block:
            chain.mine(block - head)

    return _mine_to


@pytest.fixture
def activate(governor: Any, mine_to: Callable[[int], None]) -> Callable[[Proposal], None]:
    """Mines past the proposal's snapshot block: it is Active, for views and transactions alike."""

    def _activate(proposal: Proposal) -> None:
        mine_to(governor.proposalSnapshot(proposal.id) + 1)
        assert governor.state(proposal.id) == ACTIVE

    return _activate


@pytest.fixture
def close(governor: Any, mine_to: Callable[[int], None]) -> Callable[[Proposal], None]:
    """Mines past the proposal's deadline block: voting is over."""

    def _close(proposal: Proposal) -> None:
        mine_to(governor.proposalDeadline(proposal.id) + 1)

    return _close


@pytest.fixture
def warp(chain: Any) -> Callable[[int], None]:
    """Sets the timestamp of the next block (the next transaction lands at it)."""

    def _warp(timestamp: int) -> None:
        chain.pending_timestamp = max(timestamp, chain.pending_timestamp)

    return _warp


@pytest.fixture
def passed(
    governor: Any,
    alice: Any,
    bob: Any,
    propose: Callable[..., Any],
    activate: Callable[[Proposal], None],
    close: Callable[[Proposal], None],
) -> Callable[[Proposal], Proposal]:
    """Factory: proposes, votes for with alice and bob, closes the vote; the proposal is Succeeded."""

    def _passed(proposal: Proposal) -> Proposal:
        propose(proposal)
        activate(proposal)
        governor.castVote(proposal.id, FOR, sender=alice)
        governor.castVote(proposal.id, FOR, sender=bob)
        close(proposal)
        assert governor.state(proposal.id) == SUCCEEDED
        return proposal

    return _passed


@pytest.fixture
def enact(
    governor: Any,
    alice: Any,
    passed: Callable[[Proposal], Proposal],
    warp: Callable[[int], None],
) -> Callable[..., Any]:
    """Factory: passes, queues and executes a proposal; returns the execute receipt."""

    def _enact(proposal: Proposal, value: int = 0) -> Any:
        passed(proposal)
        governor.queue(*proposal.args, sender=alice)
        warp(governor.proposalEta(proposal.id))
        return governor.execute(*proposal.args, sender=alice, value=value)

    return _enact


@pytest.fixture
def set_votes(token: Any, treasury: Any) -> Callable[[Any, int], None]:
    """Gives a self-delegated holder exactly `amount` votes by moving AZR to or from the treasury."""

    def _set_votes(holder: Any, amount: int) -> None:
        balance = token.balanceOf(holder)
        if balance > amount:
            token.transfer(treasury, balance - amount, sender=holder)
        elif balance < amount:
            token.transfer(holder, amount - balance, sender=treasury)
        assert token.getVotes(holder) == amount

    return _set_votes


@pytest.fixture
def ballot_domain(governor: Any, chain: Any) -> Callable[..., dict[str, Any]]:
    """The Governor's EIP-712 domain, optionally for another chain id."""

    def _domain(chain_id: int | None = None) -> dict[str, Any]:
        return {
            "name": "AzoraGovernor",
            "version": "1",
            "chainId": chain.chain_id if chain_id is None else chain_id,
            "verifyingContract": governor.address,
        }

    return _domain


@pytest.fixture
def sign_ballot(governor: Any, ballot_domain: Callable[..., dict[str, Any]]) -> Callable[..., bytes]:
    """Factory: a 65-byte `Ballot` signature by `signer` for `voter` (default: the signer) at its nonce."""

    def _sign(
        signer: Any,
        proposal_id: int,
        support: int,
        *,
        voter: Any = None,
        nonce: int | None = None,
        chain_id: int | None = None,
    ) -> bytes:
        voter_address = address_of(voter or signer)
        message = {
            "proposalId": proposal_id,
            "support": support,
            "voter": voter_address,
            "nonce": governor.nonces(voter_address) if nonce is None else nonce,
        }
        typed = {
            "types": {"EIP712Domain": EIP712_DOMAIN_TYPE, "Ballot": BALLOT_TYPE},
            "primaryType": "Ballot",
            "domain": ballot_domain(chain_id),
            "message": message,
        }
        key = getattr(signer, "private_key", None) or signer.key
        signed = Account.sign_message(encode_typed_data(full_message=typed), key)
        return bytes(signed.signature)

    return _sign


@pytest.fixture
def review(
    hub: Any,
    relayer: Any,
    chain: Any,
    sign_attestation: Callable[..., bytes],
) -> Callable[..., Any]:
    """Factory: a ProposalReviewed signed by ETHICS signers (default: two oracle signers) and
    submitted by the relayer; returns the receipt."""
    counter = iter(range(1_000_000))

    def _review(
        proposal_id: int,
        verdict: int,
        *,
        reason: str = "constitution art. 1",
        signers: list[OracleSigner] | None = None,
        data: bytes | None = None,
    ) -> Any:
        att = Attestation(
            schema=PROPOSAL_REVIEWED,
            uid=keccak(text=f"azora.test.review.{proposal_id}.{next(counter)}.{chain.blocks.head.number}"),
            subject=address_of(relayer),
            data=encode(["uint256", "uint8", "bytes32"], [proposal_id, verdict, keccak(text=reason)])
            if data is None
            else data,
            deadline=chain.pending_timestamp + 3_600,
            epoch=hub.epoch(ETHICS),
        )
        return hub.submit(att.as_args(), sign_attestation(att, signers), sender=relayer)

    return _review
