"""The Step-3 stack (OracleHub, ProofOfKnowledge, Credentials) on the test chain, driven over raw
JSON-RPC: deploy it with dev EDUCATION keystores, sign and relay attestations, revoke, rotate
signers, change parameters, and read the contracts' own view for comparisons.

Shared by tests/indexer/test_oracle_projections.py and tests/api/test_oracle_routes.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak

from azora.deploy import deploy
from azora.manifest import DeploymentManifest
from azora.profiles import dev_profile
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
from tests.indexer.conftest import USERS, ChainDriver, selector

AZR = 10**18
ZERO = "0x" + "0" * 40
ATTESTATION_TUPLE = "(bytes32,bytes32,address,bytes,uint64,uint64)"
# Submissions issue a credential, mint twice and write the ledger twice: well above the driver's default.
GAS = 6_000_000
THRESHOLD = 2
# Learners with no genesis allocation: their AZR balance is exactly their rewards.
LEARNERS = (USERS[5], USERS[6], USERS[7])
RELAYER = USERS[8]


def write_keystores(keystore_dir: Path, domain: str, signers: Sequence[OracleSigner]) -> None:
    """Encrypted keystores of `signers` in `<keystore_dir>/<domain>/`, as `azora up` writes them."""
    folder = keystore_dir / domain
    folder.mkdir(parents=True, exist_ok=True)
    for n, signer in enumerate(signers):
        keystore = Account.encrypt(signer.key, "pw", iterations=2)
        (folder / f"signer-{n}.json").write_text(json.dumps(keystore))


def hex32(value: bytes) -> str:
    return "0x" + value.hex()


@dataclass
class OracleStack:
    """The deployed stack and the keys that sign for it; accounts are anvil's (impersonated)."""

    driver: ChainDriver
    manifest: DeploymentManifest
    manifest_path: Path
    signers: list[OracleSigner]  # the current EDUCATION signers, ascending
    spare: OracleSigner  # joins the set on rotation
    admin: str = USERS[0]
    relayer: str = RELAYER
    uids: int = 0

    @property
    def chain_id(self) -> int:
        return self.manifest.chain_id

    def address(self, name: str) -> str:
        return self.manifest.address(name).lower()

    @property
    def hub(self) -> str:
        return self.address("OracleHub")

    @property
    def pok(self) -> str:
        return self.address("ProofOfKnowledge")

    @property
    def credentials(self) -> str:
        return self.address("Credentials")

    @property
    def token(self) -> str:
        return self.address("AzoraToken")

    # --- transactions ---

    def send(self, sender: str, to: str, signature: str, types: Sequence[str], args: Sequence[Any]) -> str:
        """Send and mine one transaction; it must succeed."""
        data = "0x" + (selector(signature) + abi_encode(list(types), list(args))).hex()
        tx_hash: str = self.driver.rpc(
            "eth_sendTransaction", {"from": sender, "to": to, "data": data, "gas": hex(GAS)}
        )
        receipt = None
        deadline = time.monotonic() + 10
        while receipt is None:  # automine: mined at once, but the receipt may lag the hash
            receipt = self.driver.rpc("eth_getTransactionReceipt", tx_hash)
            if receipt is None:
                assert time.monotonic() < deadline, f"{signature} never mined"
                time.sleep(0.002)
        assert receipt["status"] == "0x1", f"{signature} reverted"
        return tx_hash

    def timestamp(self) -> int:
        return int(self.driver.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)

    def warp(self, seconds: int) -> None:
        """Move the chain's clock forward and mine a block."""
        self.driver.rpc("evm_increaseTime", hex(seconds))
        self.driver.mine()

    def fresh_uid(self) -> bytes:
        self.uids += 1
        return keccak(text=f"azora.test.indexer.uid.{self.uids}")

    def attestation(
        self,
        schema: bytes,
        subject: str,
        data: bytes,
        *,
        epoch: int | None = None,
        deadline: int | None = None,
    ) -> Attestation:
        return Attestation(
            schema=schema,
            uid=self.fresh_uid(),
            subject=subject,
            data=data,
            deadline=self.timestamp() + 3_600 if deadline is None else deadline,
            epoch=self.epoch() if epoch is None else epoch,
        )

    def completion(self, learner: str, course: int, score: int, difficulty: int, **kw: Any) -> Attestation:
        return self.attestation(COURSE_COMPLETED, learner, course_data(course, score, difficulty), **kw)

    def sign(self, att: Attestation, signers: Sequence[OracleSigner] | None = None) -> bytes:
        digest = attestation_digest(hub_domain(self.chain_id, self.hub), att)
        chosen = self.signers[:THRESHOLD] if signers is None else signers
        return pack_signatures([s.sign(digest) for s in chosen])

    def submit(self, att: Attestation, signatures: bytes | None = None) -> str:
        return self.send(
            self.relayer,
            self.hub,
            f"submit({ATTESTATION_TUPLE},bytes)",
            [ATTESTATION_TUPLE, "bytes"],
            [att.as_args(), self.sign(att) if signatures is None else signatures],
        )

    def complete(self, learner: str, course: int, score: int, difficulty: int) -> Attestation:
        att = self.completion(learner, course, score, difficulty)
        self.submit(att)
        return att

    def submit_batch(self, items: Sequence[tuple[Attestation, bytes]]) -> str:
        return self.send(
            self.relayer,
            self.hub,
            f"submit_batch({ATTESTATION_TUPLE}[],bytes[])",
            [f"{ATTESTATION_TUPLE}[]", "bytes[]"],
            [[a.as_args() for a, _ in items], [s for _, s in items]],
        )

    def revoke(self, schema: bytes, uid: bytes) -> str:
        deadline, epoch = self.timestamp() + 3_600, self.epoch()
        digest = revocation_digest(hub_domain(self.chain_id, self.hub), schema, uid, deadline, epoch)
        signatures = pack_signatures([s.sign(digest) for s in self.signers[:THRESHOLD]])
        return self.send(
            self.relayer,
            self.hub,
            "revoke(bytes32,bytes32,uint64,uint64,bytes)",
            ["bytes32", "bytes32", "uint64", "uint64", "bytes"],
            [schema, uid, deadline, epoch, signatures],
        )

    def revoke_credential(self, learner: str, token_id: int) -> Attestation:
        """Attest CredentialRevoked(tokenId): ProofOfKnowledge burns the credential."""
        att = self.attestation(CREDENTIAL_REVOKED, learner, abi_encode(["uint256"], [token_id]))
        self.submit(att)
        return att

    def set_signers(self, signers: Sequence[OracleSigner], threshold: int) -> None:
        ordered = by_address(signers)
        self.send(
            self.admin,
            self.hub,
            "set_signers(bytes32,address[],uint256)",
            ["bytes32", "address[]", "uint256"],
            [EDUCATION, [s.address for s in ordered], threshold],
        )
        self.signers = ordered

    def register_schema(self, schema: bytes, consumer: str, revocable: bool) -> None:
        self.send(
            self.admin,
            self.hub,
            "register_schema(bytes32,bytes32,address,bool)",
            ["bytes32", "bytes32", "address", "bool"],
            [schema, EDUCATION, consumer, revocable],
        )

    def set_daily_cap(self, amount: int) -> None:
        self.send(self.admin, self.pok, "set_daily_cap(uint256)", ["uint256"], [amount])

    def set_epoch_budget(self, amount: int) -> None:
        self.send(self.admin, self.pok, "set_epoch_budget(uint256)", ["uint256"], [amount])

    # --- the contracts' view ---

    def call(
        self, to: str, signature: str, types: Sequence[str], args: Sequence[Any], out: Sequence[str]
    ) -> Any:
        return self.driver.call(to, signature, types, args, out)

    def epoch(self) -> int:
        return int(self.call(self.hub, "epoch(bytes32)", ["bytes32"], [EDUCATION], ["uint64"]))

    def hub_signers(self, domain: bytes = EDUCATION) -> list[str]:
        found = self.call(self.hub, "signers(bytes32)", ["bytes32"], [domain], ["address[]"])
        return [str(a).lower() for a in found]

    def threshold(self, domain: bytes = EDUCATION) -> int:
        return int(self.call(self.hub, "threshold(bytes32)", ["bytes32"], [domain], ["uint256"]))

    def schema_of(self, uid: bytes) -> str:
        return hex32(self.call(self.hub, "schema_of(bytes32)", ["bytes32"], [uid], ["bytes32"]))

    def is_revoked(self, uid: bytes) -> bool:
        return bool(self.call(self.hub, "revoked(bytes32)", ["bytes32"], [uid], ["bool"]))

    def schema_route(self, schema: bytes) -> tuple[str, str, bool]:
        domain, consumer, revocable = self.call(
            self.hub, "schemas(bytes32)", ["bytes32"], [schema], ["(bytes32,address,bool)"]
        )
        return hex32(domain), str(consumer).lower(), bool(revocable)

    def balance_of(self, account: str) -> int:
        return int(self.call(self.token, "balanceOf(address)", ["address"], [account], ["uint256"]))

    def pok_view(self, name: str, out: str = "uint256") -> Any:
        return self.call(self.pok, f"{name}()", [], [], [out])

    def earned_today(self, learner: str) -> int:
        return int(self.call(self.pok, "earned_today(address)", ["address"], [learner], ["uint256"]))

    def credential_exists(self, token_id: int) -> bool:
        return bool(self.call(self.credentials, "exists(uint256)", ["uint256"], [token_id], ["bool"]))

    def credential(self, token_id: int) -> tuple[str, int, int, int, int]:
        learner, course, score, difficulty, block = self.call(
            self.credentials,
            "credential(uint256)",
            ["uint256"],
            [token_id],
            ["(address,uint256,uint8,uint8,uint256)"],
        )
        return str(learner).lower(), int(course), int(score), int(difficulty), int(block)


def deploy_stack(project: Any, chain: Any, accounts: Any, tmp_path: Path, driver: ChainDriver) -> OracleStack:
    """Deploy with the dev profile and three EDUCATION keystores (2-of-3); accounts[0] is admin."""
    signers = by_address(OracleSigner.from_label(f"indexer-{i}") for i in range(3))
    keystore_dir = tmp_path / "keystores"
    write_keystores(keystore_dir, "EDUCATION", signers)
    manifest_path = tmp_path / "deployments" / "local.json"
    outcome = deploy(
        project=project,
        provider=chain.provider,
        deployer=accounts[0],
        admin=accounts[0].address,  # direct admin powers for the test (default: the Timelock)
        profile=dev_profile(keystore_dir),
        network="local",
        manifest_path=manifest_path,
        force=True,
    )
    return OracleStack(
        driver=driver,
        manifest=outcome.manifest,
        manifest_path=manifest_path,
        signers=signers,
        spare=OracleSigner.from_label("indexer-spare"),
    )


# --- a scripted history ----------------------------------------------------------------------------

REASON_STALE_EPOCH = 4
REASON_BELOW_THRESHOLD = 10
REASON_CONSUMER_REJECTED = 11
MONTH = 31 * 86_400


@dataclass
class Activity:
    """What a scripted history did, for the comparisons."""

    applied: list[Attestation] = field(default_factory=list)
    rejected: list[tuple[Attestation, int]] = field(default_factory=list)  # (attestation, REASON_*)

    @property
    def uids(self) -> list[bytes]:
        return [a.uid for a in self.applied] + [a.uid for a, _ in self.rejected]

    def merge(self, other: Activity) -> Activity:
        return Activity(self.applied + other.applied, self.rejected + other.rejected)


def completions_and_rejections(stack: OracleStack) -> Activity:
    """Two single completions; a batch with two good items, one under-signed and one the consumer
    refuses (score 50); then a month later (a new budget epoch) one more completion."""
    activity = Activity()
    l0, l1, l2 = LEARNERS
    activity.applied += [stack.complete(l0, 101, 85, 2), stack.complete(l1, 101, 75, 1)]
    good = [stack.completion(l0, 102, 90, 4), stack.completion(l2, 103, 70, 3)]
    under_signed = stack.completion(l1, 104, 95, 1)
    failing = stack.completion(l1, 105, 50, 1)
    stack.submit_batch(
        [
            (good[0], stack.sign(good[0])),
            (under_signed, stack.sign(under_signed, stack.signers[:1])),
            (good[1], stack.sign(good[1])),
            (failing, stack.sign(failing)),
        ]
    )
    activity.applied += good
    activity.rejected += [(under_signed, REASON_BELOW_THRESHOLD), (failing, REASON_CONSUMER_REJECTED)]
    stack.warp(MONTH)
    activity.applied.append(stack.complete(l2, 106, 80, 1))
    return activity


def revocations_rotation_and_budget(stack: OracleStack, first: Activity) -> Activity:
    """Revoke l1's first completion (hub.revoke burns its credential) and attest the revocation of
    l2's first credential; make CredentialRevoked revocable (a re-registration); lower the daily
    cap and the epoch budget (80 AZR); one completion fits,
    the next is over budget (rejected in its batch); rotate the signers (epoch + 1): a batch with
    an attestation of the old epoch (rejected) and one of the new epoch (applied)."""
    activity = Activity()
    l0, l1, l2 = LEARNERS
    by_learner_course = {(a.subject, a.data[:32]): a for a in first.applied}
    revoked = by_learner_course[(l1, (101).to_bytes(32, "big"))]
    stack.revoke(COURSE_COMPLETED, revoked.uid)
    burned = by_learner_course[(l2, (103).to_bytes(32, "big"))]
    activity.applied.append(stack.revoke_credential(l2, int.from_bytes(burned.uid, "big")))
    stack.register_schema(CREDENTIAL_REVOKED, stack.pok, True)
    stack.set_daily_cap(500 * AZR)
    stack.set_epoch_budget(80 * AZR)
    activity.applied.append(stack.complete(l0, 107, 100, 3))  # 33 AZR minted: 49.5 of 80 used
    over = stack.completion(l1, 108, 100, 4)  # 49.5 more: over budget
    stack.submit_batch([(over, stack.sign(over))])
    activity.rejected.append((over, REASON_CONSUMER_REJECTED))
    old_signers = list(stack.signers)
    stale = stack.completion(l1, 109, 72, 2)
    stack.set_signers([*stack.signers[:2], stack.spare], THRESHOLD)
    fresh = stack.completion(l1, 109, 72, 2)
    stack.submit_batch([(stale, stack.sign(stale, old_signers[:THRESHOLD])), (fresh, stack.sign(fresh))])
    activity.rejected.append((stale, REASON_STALE_EPOCH))
    activity.applied.append(fresh)
    return activity
