"""Fixtures for OracleHub, ProofOfKnowledge and Credentials (ape on anvil).

Imported by tests/contracts/test_oracle_hub.py, test_proof_of_knowledge.py and
test_credentials.py with `from tests.contracts.oracle_fixtures import *`, which
brings exactly the fixtures of `__all__` (tests/contracts/conftest.py belongs to
the token suites). The dev signer set is 2-of-3 on EDUCATION.

The contracts are module-scoped: the whole stack (token, ledger, hub, consumer,
credentials, ProofOfKnowledge: about twenty transactions) deploys once per test
module, and ape's isolation reverts every test's changes. `token` and `ledger`
therefore override the function-scoped fixtures of tests/conftest.py with
module-scoped ones wired the same way.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from eth_utils import keccak

from tests.contracts.oracle_signing import (
    COURSE_COMPLETED,
    CREDENTIAL_REVOKED,
    EDUCATION,
    Attestation,
    OracleSigner,
    attestation_digest,
    by_address,
    course_data,
    hub_domain,
    pack_signatures,
    revocation_digest,
)

__all__ = [
    "_lean_reverts",
    "_session_first",
    "complete_course",
    "consumer",
    "course_completion",
    "credentials",
    "domain_of",
    "forger",
    "hub",
    "make_attestation",
    "oracle_signers",
    "pok",
    "relayer",
    "sign_attestation",
    "sign_revocation",
    "token",
    "ledger",
]

AZR = 10**18
THRESHOLD = 2
#: A schema routed to the no-op TestConsumer (revocable).
TEST_SCHEMA = keccak(text="azora.test.Fact(uint256 value)")
#: TestConsumer refuses attestations about this subject (the consumer-rejection path).
REJECTED_SUBJECT = "0x000000000000000000000000000000000000bAD0"
DAILY_CAP = 1_000 * AZR
EPOCH_BUDGET = 1_000_000 * AZR
DEADLINE_WINDOW = 3_600
GENESIS_EACH = 1_000_000 * AZR

_uids = itertools.count()


def fresh_uid() -> bytes:
    """A uid never used before in this session."""
    return keccak(text=f"azora.test.uid.{next(_uids)}")


@pytest.fixture(scope="session", autouse=True)
def _session_first(
    chain: Any,
    relayer: Any,
    deployer: Any,
    governance: Any,
    minter: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    treasury: Any,
    writer: Any,
    stranger: Any,
) -> None:
    """Sets up every session fixture these modules use before any module-scoped contract: a session
    fixture first requested mid-module makes ape's isolation restart the module (and redeploy)."""


@pytest.fixture(scope="session")
def oracle_signers() -> list[OracleSigner]:
    """The three EDUCATION signers, in ascending address order."""
    return by_address(OracleSigner.from_label(str(i)) for i in range(3))


@pytest.fixture(scope="session")
def forger() -> OracleSigner:
    """A key that is not in any signer set."""
    return OracleSigner.from_label("forger")


@pytest.fixture(scope="session")
def relayer(accounts: Any) -> Any:
    """Pays the gas of submissions; holds no role."""
    return accounts[9]


@pytest.fixture(scope="module")
def token(
    project: Any, deployer: Any, governance: Any, minter: Any, alice: Any, bob: Any, treasury: Any
) -> Any:
    """As tests/conftest.py's `token` (1M AZR to alice, bob, treasury), deployed once per module."""
    contract = project.AzoraToken.deploy(
        [alice, bob, treasury], [GENESIS_EACH, GENESIS_EACH, GENESIS_EACH], sender=deployer
    )
    contract.grantRole(contract.MINTER_ROLE(), minter, sender=deployer)
    admin_role = contract.DEFAULT_ADMIN_ROLE()
    contract.grantRole(admin_role, governance, sender=deployer)
    contract.renounceRole(admin_role, deployer, sender=deployer)
    return contract


@pytest.fixture(scope="module")
def ledger(project: Any, deployer: Any, governance: Any, writer: Any) -> Any:
    """As tests/conftest.py's `ledger`, deployed once per module."""
    contract = project.Ledger.deploy(sender=deployer)
    contract.grantRole(contract.WRITER_ROLE(), writer, sender=deployer)
    admin_role = contract.DEFAULT_ADMIN_ROLE()
    contract.grantRole(admin_role, governance, sender=deployer)
    contract.renounceRole(admin_role, deployer, sender=deployer)
    return contract


@pytest.fixture(scope="module")
def hub(project: Any, deployer: Any, governance: Any, oracle_signers: list[OracleSigner]) -> Any:
    """OracleHub with EDUCATION = 2-of-3 `oracle_signers` (epoch 1); governance is admin."""
    contract = project.OracleHub.deploy(sender=deployer)
    contract.set_signers(EDUCATION, [s.address for s in oracle_signers], THRESHOLD, sender=deployer)
    admin_role = contract.DEFAULT_ADMIN_ROLE()
    contract.grantRole(admin_role, governance, sender=deployer)
    contract.renounceRole(admin_role, deployer, sender=deployer)
    return contract


@pytest.fixture(scope="module")
def consumer(project: Any, hub: Any, deployer: Any, governance: Any) -> Any:
    """The no-op TestConsumer, registered for TEST_SCHEMA (EDUCATION, revocable)."""
    contract = project.TestConsumer.deploy(hub, REJECTED_SUBJECT, sender=deployer)
    hub.register_schema(TEST_SCHEMA, EDUCATION, contract, True, sender=governance)
    return contract


@pytest.fixture
def make_attestation(hub: Any, chain: Any, alice: Any) -> Callable[..., Attestation]:
    """Factory: an attestation with a fresh uid, valid for an hour, at the domain's current epoch."""

    def _make(
        *,
        schema: bytes = TEST_SCHEMA,
        subject: Any = None,
        data: bytes = b"\x00" * 31 + b"\x2a",
        uid: bytes | None = None,
        deadline: int | None = None,
        epoch: int | None = None,
    ) -> Attestation:
        return Attestation(
            schema=schema,
            uid=fresh_uid() if uid is None else uid,
            subject=str(getattr(subject, "address", subject or alice.address)),
            data=data,
            deadline=chain.pending_timestamp + DEADLINE_WINDOW if deadline is None else deadline,
            epoch=hub.epoch(EDUCATION) if epoch is None else epoch,
        )

    return _make


@pytest.fixture
def domain_of(hub: Any, chain: Any) -> Callable[..., dict[str, Any]]:
    """The hub's EIP-712 domain, optionally for another chain id or verifying contract."""

    def _domain(chain_id: int | None = None, verifying_contract: str | None = None) -> dict[str, Any]:
        return hub_domain(
            chain.chain_id if chain_id is None else chain_id,
            hub.address if verifying_contract is None else verifying_contract,
        )

    return _domain


@pytest.fixture
def sign_attestation(
    oracle_signers: list[OracleSigner], domain_of: Callable[..., dict[str, Any]]
) -> Callable[..., bytes]:
    """Factory: the packed `signatures` of `att` by `signers` (default: the first two oracle signers)."""

    def _sign(
        att: Attestation,
        signers: Sequence[OracleSigner] | None = None,
        *,
        chain_id: int | None = None,
        verifying_contract: str | None = None,
        sort: bool = True,
    ) -> bytes:
        digest = attestation_digest(domain_of(chain_id, verifying_contract), att)
        chosen = oracle_signers[:THRESHOLD] if signers is None else signers
        return pack_signatures([signer.sign(digest) for signer in chosen], sort=sort)

    return _sign


@pytest.fixture
def sign_revocation(
    oracle_signers: list[OracleSigner], domain_of: Callable[..., dict[str, Any]]
) -> Callable[..., bytes]:
    """Factory: the packed `signatures` of a Revocation by `signers` (default: two oracle signers)."""

    def _sign(
        schema: bytes, uid: bytes, deadline: int, epoch: int, signers: Sequence[OracleSigner] | None = None
    ) -> bytes:
        digest = revocation_digest(domain_of(), schema, uid, deadline, epoch)
        chosen = oracle_signers[:THRESHOLD] if signers is None else signers
        return pack_signatures([signer.sign(digest) for signer in chosen])

    return _sign


# --- ProofOfKnowledge + Credentials ------------------------------------------------------


@pytest.fixture(scope="module")
def credentials(project: Any, deployer: Any) -> Any:
    """Credentials with the deployer still admin (the `pok` fixture finishes the wiring)."""
    return project.Credentials.deploy(sender=deployer)


@pytest.fixture(scope="module")
def pok(
    project: Any,
    deployer: Any,
    governance: Any,
    hub: Any,
    token: Any,
    ledger: Any,
    credentials: Any,
    treasury: Any,
) -> Any:
    """ProofOfKnowledge wired as deployed: MINTER, WRITER and ISSUER roles, both EDUCATION
    schemas registered (CourseCompleted revocable), governance admin of everything."""
    contract = project.ProofOfKnowledge.deploy(
        hub, token, ledger, credentials, treasury, DAILY_CAP, EPOCH_BUDGET, sender=deployer
    )
    token.grantRole(token.MINTER_ROLE(), contract, sender=governance)
    ledger.grantRole(ledger.WRITER_ROLE(), contract, sender=governance)
    credentials.grantRole(credentials.ISSUER_ROLE(), contract, sender=deployer)
    for owned in (credentials, contract):
        admin_role = owned.DEFAULT_ADMIN_ROLE()
        owned.grantRole(admin_role, governance, sender=deployer)
        owned.renounceRole(admin_role, deployer, sender=deployer)
    hub.register_schema(COURSE_COMPLETED, EDUCATION, contract, True, sender=governance)
    hub.register_schema(CREDENTIAL_REVOKED, EDUCATION, contract, False, sender=governance)
    return contract


@pytest.fixture
def course_completion(
    make_attestation: Callable[..., Attestation],
) -> Callable[..., Attestation]:
    """Factory: a CourseCompleted attestation for `learner`."""

    def _completion(learner: Any, course_id: int, score: int, difficulty: int, **kwargs: Any) -> Attestation:
        return make_attestation(
            schema=COURSE_COMPLETED, subject=learner, data=course_data(course_id, score, difficulty), **kwargs
        )

    return _completion


@pytest.fixture
def complete_course(
    pok: Any,
    hub: Any,
    relayer: Any,
    course_completion: Callable[..., Attestation],
    sign_attestation: Callable[..., bytes],
) -> Callable[..., tuple[Attestation, Any]]:
    """Factory: signs and submits a CourseCompleted; returns (attestation, receipt)."""

    def _complete(
        learner: Any, course_id: int, score: int, difficulty: int, **kwargs: Any
    ) -> tuple[Attestation, Any]:
        att = course_completion(learner, course_id, score, difficulty, **kwargs)
        receipt = hub.submit(att.as_args(), sign_attestation(att), sender=relayer)
        return att, receipt

    return _complete


def expected_reward(score: int, difficulty: int) -> tuple[int, int]:
    """The reward formula of SPEC §2.4: (learner reward, Ubuntu share) in wei."""
    multiplier_tenths = {1: 10, 2: 15, 3: 20, 4: 30}[difficulty]
    bonus_tenths = 15 if score >= 80 else 10
    reward = 10 * AZR * multiplier_tenths * bonus_tenths // 100
    return reward, reward // 10


@pytest.fixture(autouse=True)
def _lean_reverts(monkeypatch: pytest.MonkeyPatch) -> None:
    """On every revert ape traces the transaction, maps it onto the Vyper sources and prints the
    call trace: 1-3 s per revert on these contracts. These tests check revert reasons only (which
    come with the RPC error), so skip the source traceback and the printout."""
    import ape.exceptions
    from ape_ethereum.trace import Trace

    monkeypatch.setattr(ape.exceptions, "_get_ape_traceback_from_tx", lambda txn: None)
    monkeypatch.setattr(Trace, "show", lambda self, *args, **kwargs: None)
