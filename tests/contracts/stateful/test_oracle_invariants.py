"""Stateful fuzzing of OracleHub + ProofOfKnowledge + Credentials under titanoboa.

A `RuleBasedStateMachine` relays CourseCompleted attestations, one by one and in
batches, valid or carrying one defect (expired, replayed uid, stale epoch,
forged / missing / unsorted / duplicate / high-s signature), with scores and
difficulties around the edges. It also rotates the signer set, revokes
credentials (CredentialRevoked and hub-level revocation), moves the clock over
days and epochs and tightens or relaxes the daily cap and the epoch budget. A
Python model predicts every outcome, down to the revert reason or the batch's
rejection code, and after every step the contracts must agree with it:

* no uid is accepted twice: every accepted uid is consumed under its schema,
  was announced by exactly one `Attested`, and every replay was refused;
* AZR minted by ProofOfKnowledge == the sum of rewards + Ubuntu shares
  (learners and Treasury), and no epoch ever minted more than the budget in
  force, no learner earned more in a day than the cap in force;
* at most one credential per (learner, course), ever; holdings and
  `credential_of` follow issues and revocations; two Ledger entries per reward.

Run with `HYPOTHESIS_PROFILE=quick|long pytest tests/contracts/stateful -p no:ape_test`.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import boa
import pytest
from eth_abi import encode
from hypothesis import event
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tests.contracts.oracle_signing import (
    COURSE_COMPLETED,
    CREDENTIAL_REVOKED,
    EDUCATION,
    REASON_BELOW_THRESHOLD,
    REASON_CONSUMER_REJECTED,
    REASON_DUPLICATE_SIGNER,
    REASON_EXPIRED,
    REASON_HIGH_S,
    REASON_STALE_EPOCH,
    REASON_UID_USED,
    REASON_UNAUTHORISED_SIGNER,
    REASON_UNSORTED_SIGNERS,
    Attestation,
    EcdsaEntry,
    OracleSigner,
    attestation_digest,
    course_data,
    hub_domain,
    pack_signatures,
    revocation_digest,
)
from tests.contracts.stateful import oracle_strategies as s
from tests.contracts.stateful.strategies import ACTORS, ADMIN, AZR

CONTRACTS = Path(__file__).resolve().parents[3] / "contracts"
RELAYER = ACTORS[0]
DAY = 86_400
EPOCH = 30 * DAY
DEFAULT_DAILY_CAP = 1_000 * AZR
DEFAULT_EPOCH_BUDGET = 1_000_000 * AZR

#: Each defect's revert string in `submit` and reason code in `submit_batch`.
HUB_REJECTIONS: dict[str, tuple[str, int]] = {
    s.EXPIRED: ("hub: deadline passed", REASON_EXPIRED),
    s.REPLAYED: ("hub: uid already used", REASON_UID_USED),
    s.STALE_EPOCH: ("hub: stale epoch", REASON_STALE_EPOCH),
    s.FORGED: ("hub: signer not authorised", REASON_UNAUTHORISED_SIGNER),
    s.BELOW_THRESHOLD: ("hub: below threshold", REASON_BELOW_THRESHOLD),
    s.UNSORTED: ("hub: signers not ascending", REASON_UNSORTED_SIGNERS),
    s.DUPLICATE: ("hub: duplicate signer", REASON_DUPLICATE_SIGNER),
    s.HIGH_S: ("hub: signature s too high", REASON_HIGH_S),
}


@dataclass(frozen=True)
class Stack:
    token: Any
    ledger: Any
    credentials: Any
    hub: Any
    pok: Any


@cache
def _stack() -> Stack:
    """Compiles and deploys the wired contracts once (see `_deployed_stack`)."""

    def load(name: str) -> Any:
        return boa.load_partial(str(CONTRACTS / f"{name}.vy"))

    with boa.env.prank(ADMIN):
        token = load("AzoraToken").deploy([], [])
        ledger = load("Ledger").deploy()
        credentials = load("Credentials").deploy()
        hub = load("OracleHub").deploy()
        pok = load("ProofOfKnowledge").deploy(
            hub.address,
            token.address,
            ledger.address,
            credentials.address,
            s.TREASURY,
            DEFAULT_DAILY_CAP,
            DEFAULT_EPOCH_BUDGET,
        )
        token.grantRole(token.MINTER_ROLE(), pok.address)
        ledger.grantRole(ledger.WRITER_ROLE(), pok.address)
        credentials.grantRole(credentials.ISSUER_ROLE(), pok.address)
        hub.set_signers(EDUCATION, [m.address for m in s.SIGNER_POOL[:3]], 2)
        hub.register_schema(COURSE_COMPLETED, EDUCATION, pok.address, True)
        hub.register_schema(CREDENTIAL_REVOKED, EDUCATION, pok.address, False)
    return Stack(token, ledger, credentials, hub, pok)


def expected_reward(score: int, difficulty: int) -> tuple[int, int]:
    multiplier_tenths = {1: 10, 2: 15, 3: 20, 4: 30}[difficulty]
    reward = 10 * AZR * multiplier_tenths * (15 if score >= 80 else 10) // 100
    return reward, reward // 10


@pytest.fixture(scope="module", autouse=True)
def _deployed_stack() -> Iterator[None]:
    """Deploys the stack once for this module, so every example starts from it and rolls back only
    its own changes (deploying five contracts per example would triple the run time). boa's pytest
    plugin anchors a fixture's setup until its teardown, and each Hypothesis example inside that."""
    _stack()
    yield
    _stack.cache_clear()


class OracleMachine(RuleBasedStateMachine):
    """The attestation pipeline against a Python model of uids, signer epochs, caps and credentials."""

    def __init__(self) -> None:
        super().__init__()
        stack = _stack()
        self._anchor = boa.env.anchor()
        self._anchor.__enter__()
        self.token, self.ledger, self.credentials = stack.token, stack.ledger, stack.credentials
        self.hub, self.pok = stack.hub, stack.pok
        self.domain = hub_domain(boa.env.evm.patch.chain_id, self.hub.address)
        self.members: list[OracleSigner] = list(s.SIGNER_POOL[:3])
        self.threshold = 2
        self.epoch = 1
        self.serial = 0
        # uid -> schema of every attestation the hub accepted, and how often `Attested` named it.
        self.accepted: dict[bytes, bytes] = {}
        self.attested: Counter[bytes] = Counter()
        self.refused: list[bytes] = []
        self.completions: list[bytes] = []
        self.revoked: set[bytes] = set()
        self.daily_cap = DEFAULT_DAILY_CAP
        self.epoch_budget = DEFAULT_EPOCH_BUDGET
        self.earned: dict[tuple[str, int], int] = {}
        self.minted: dict[int, int] = {}
        # The largest cap / budget in force at any reward of that day / epoch.
        self.cap_at_reward: dict[int, int] = {}
        self.budget_at_reward: dict[int, int] = {}
        self.rewards: Counter[str] = Counter()
        # How many accepted uids were already compared with the hub.
        self.checked_uids = 0
        self.shares = 0
        self.live: dict[tuple[str, int], int] = {}
        self.issued: Counter[tuple[str, int]] = Counter()

    # -- model helpers ------------------------------------------------------------------

    @property
    def now(self) -> int:
        return int(boa.env.evm.patch.timestamp)

    def fresh_uid(self) -> bytes:
        self.serial += 1
        return self.serial.to_bytes(32, "big")

    def sign(self, att: Attestation, signers: list[OracleSigner]) -> list[EcdsaEntry]:
        digest = attestation_digest(self.domain, att)
        return [signer.sign(digest) for signer in signers]

    def quorum(self) -> list[OracleSigner]:
        """`threshold` current members, rotating with the serial so every member signs sometimes."""
        start = self.serial % len(self.members)
        rotated = self.members[start:] + self.members[:start]
        return rotated[: self.threshold]

    def build(self, completion: s.Completion) -> tuple[Attestation, bytes, str]:
        """The attestation, its packed signatures and the defect it really carries."""
        defect = completion.defect
        if defect == s.REPLAYED and not self.accepted:
            defect = s.VALID
        if defect in (s.UNSORTED, s.DUPLICATE) and self.threshold < 2:
            defect = s.VALID
        uid = (
            sorted(self.accepted)[self.serial % len(self.accepted)]
            if defect == s.REPLAYED
            else self.fresh_uid()
        )
        att = Attestation(
            schema=COURSE_COMPLETED,
            uid=uid,
            subject=completion.learner,
            data=course_data(completion.course_id, completion.score, completion.difficulty),
            deadline=self.now - 1 if defect == s.EXPIRED else self.now + 3_600,
            epoch=self.epoch + 1 if defect == s.STALE_EPOCH else self.epoch,
        )
        signers = self.quorum()
        if defect == s.FORGED:
            signers = [*signers[:-1], s.FORGER]
        elif defect == s.BELOW_THRESHOLD:
            signers = signers[:-1]
        elif defect == s.DUPLICATE:
            signers = [signers[0]] * len(signers)
        entries = self.sign(att, signers)
        if defect == s.HIGH_S:
            entries[0] = entries[0].high_s()
        if defect == s.UNSORTED:
            return (
                att,
                pack_signatures(sorted(entries, key=lambda e: int(e.signer, 16), reverse=True), sort=False),
                defect,
            )
        if defect == s.HIGH_S:
            high = entries[0]
            ordered = sorted(entries, key=lambda e: int(e.signer, 16))
            # The malleated entry must be read first for its reason to show.
            return att, pack_signatures([high, *(e for e in ordered if e is not high)], sort=False), defect
        return att, pack_signatures(entries), defect

    def predict(self, att: Attestation, completion: s.Completion, defect: str) -> str | None:
        """The revert reason of `submit(att)`, or None if it goes through; applies it to the model."""
        if defect != s.VALID:
            return HUB_REJECTIONS[defect][0]
        score, difficulty = completion.score, completion.difficulty
        if score < 70:
            return "pok: score below passing"
        if score > 100:
            return "pok: score above maximum"
        if not 1 <= difficulty <= 4:
            return "pok: invalid difficulty"
        reward, share = expected_reward(score, difficulty)
        day, epoch = self.now // DAY, self.now // EPOCH
        earned = self.earned.get((completion.learner, day), 0) + reward
        if earned > self.daily_cap:
            return "pok: daily cap exceeded"
        minted = self.minted.get(epoch, 0) + reward + share
        if minted > self.epoch_budget:
            return "pok: epoch budget exhausted"
        pair = (completion.learner, completion.course_id)
        if self.issued[pair]:
            return "credentials: already issued"
        self.earned[(completion.learner, day)] = earned
        self.minted[epoch] = minted
        self.cap_at_reward[day] = max(self.cap_at_reward.get(day, 0), self.daily_cap)
        self.budget_at_reward[epoch] = max(self.budget_at_reward.get(epoch, 0), self.epoch_budget)
        self.rewards[completion.learner] += reward
        self.shares += share
        self.issued[pair] += 1
        self.live[pair] = int.from_bytes(att.uid, "big")
        self.accepted[att.uid] = COURSE_COMPLETED
        self.completions.append(att.uid)
        return None

    def act(self, reason: str | None, call: Callable[..., Any], *args: Any) -> Any:
        """Calls `call(*args)` as the relayer; it must revert with `reason` unless that is None."""
        expectation = boa.reverts(reason) if reason else contextlib.nullcontext()
        with boa.env.prank(RELAYER), expectation:
            return call(*args)

    def attested_uids(self, contract: Any) -> list[bytes]:
        logs = [log for log in contract.get_logs() if type(log).__name__ == "Attested"]
        for log in logs:
            self.attested[bytes(log.uid)] += 1
        return [bytes(log.uid) for log in logs]

    # -- rules ----------------------------------------------------------------------------

    @rule(completion=s.completions)
    def submit(self, completion: s.Completion) -> None:
        att, signatures, defect = self.build(completion)
        reason = self.predict(att, completion, defect)
        event(f"submit: {reason or 'applied'}")
        self.act(reason, self.hub.submit, att.as_args(), signatures)
        if reason is None:
            assert self.attested_uids(self.hub) == [att.uid]
        elif defect != s.REPLAYED:
            self.refused.append(att.uid)

    @rule(batch=s.batches)
    def submit_batch(self, batch: list[s.Completion]) -> None:
        atts, signatures, applied, rejected = [], [], [], []
        for completion in batch:
            att, packed, defect = self.build(completion)
            reason = self.predict(att, completion, defect)
            event(f"batch item: {reason or 'applied'}")
            atts.append(att.as_args())
            signatures.append(packed)
            if reason is None:
                applied.append(att.uid)
            else:
                code = HUB_REJECTIONS[defect][1] if defect != s.VALID else REASON_CONSUMER_REJECTED
                rejected.append((att.uid, code))
                if defect != s.REPLAYED:
                    self.refused.append(att.uid)
        count = self.act(None, self.hub.submit_batch, atts, signatures)
        assert count == len(applied)
        logs = self.hub.get_logs()
        assert self.attested_uids(self.hub) == applied
        assert [
            (bytes(log.uid), log.reason) for log in logs if type(log).__name__ == "AttestationRejected"
        ] == rejected

    @rule(mask=s.signer_masks, draw=s.threshold_draws)
    def rotate_signers(self, mask: int, draw: int) -> None:
        members = [signer for i, signer in enumerate(s.SIGNER_POOL) if mask >> i & 1]
        threshold = 1 + (draw - 1) % len(members)
        with boa.env.prank(ADMIN):
            self.hub.set_signers(EDUCATION, [m.address for m in members], threshold)
        self.members, self.threshold, self.epoch = members, threshold, self.epoch + 1

    @rule(learner=s.learners, course=s.courses)
    def revoke_credential(self, learner: str, course: int) -> None:
        pair = (learner, course)
        token_id = self.live.get(pair) or int.from_bytes(self.fresh_uid(), "big")
        att = Attestation(
            schema=CREDENTIAL_REVOKED,
            uid=self.fresh_uid(),
            subject=learner,
            data=encode(["uint256"], [token_id]),
            deadline=self.now + 600,
            epoch=self.epoch,
        )
        signatures = pack_signatures(self.sign(att, self.quorum()))
        reason = None if pair in self.live else "credentials: unknown credential"
        event(f"CredentialRevoked: {reason or 'burned'}")
        self.act(reason, self.hub.submit, att.as_args(), signatures)
        if reason is None:
            self.attested_uids(self.hub)
            self.accepted[att.uid] = CREDENTIAL_REVOKED
            del self.live[pair]

    @rule(pick=s.picks)
    def revoke_completion(self, pick: int) -> None:
        """Hub-level revocation of a CourseCompleted: of an accepted one (sometimes already
        revoked), or of a uid never attested."""
        uid = self.completions[pick % len(self.completions)] if self.completions else self.fresh_uid()
        deadline = self.now + 600
        digest = revocation_digest(self.domain, COURSE_COMPLETED, uid, deadline, self.epoch)
        signatures = pack_signatures([signer.sign(digest) for signer in self.quorum()])
        reason = None
        if uid in self.revoked:
            reason = "hub: already revoked"
        elif uid not in self.completions:
            reason = "hub: uid not attested"
        event(f"revoke: {reason or 'revoked'}")
        self.act(reason, self.hub.revoke, COURSE_COMPLETED, uid, deadline, self.epoch, signatures)
        if reason is None:
            self.revoked.add(uid)
            token_id = int.from_bytes(uid, "big")
            self.live = {pair: live_id for pair, live_id in self.live.items() if live_id != token_id}

    @rule(daily_cap=s.daily_caps, epoch_budget=s.epoch_budgets)
    def set_limits(self, daily_cap: int, epoch_budget: int) -> None:
        with boa.env.prank(ADMIN):
            self.pok.set_daily_cap(daily_cap)
            self.pok.set_epoch_budget(epoch_budget)
        self.daily_cap, self.epoch_budget = daily_cap, epoch_budget

    @rule(seconds=s.time_steps)
    def advance(self, seconds: int) -> None:
        boa.env.time_travel(seconds=seconds)

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def no_uid_accepted_twice(self) -> None:
        assert all(count == 1 for count in self.attested.values())
        assert set(self.attested) == set(self.accepted)
        # The uids accepted or refused since the last step (all of them again in teardown).
        for uid in list(self.accepted)[self.checked_uids :]:
            assert self.hub.schema_of(uid) == self.accepted[uid]
        self.checked_uids = len(self.accepted)
        for uid in self.refused[-4:]:
            assert self.hub.schema_of(uid) == b"\x00" * 32

    @invariant()
    def minted_equals_rewards_and_shares_within_limits(self) -> None:
        total = sum(self.rewards.values()) + self.shares
        assert self.token.totalSupply() == total
        assert self.token.balanceOf(s.TREASURY) == self.shares
        for learner in s.LEARNERS:
            assert self.token.balanceOf(learner) == self.rewards[learner]
            assert self.pok.earned_today(learner) == self.earned.get((learner, self.now // DAY), 0)
        assert self.pok.epoch_minted() == self.minted.get(self.now // EPOCH, 0)
        assert all(minted <= self.budget_at_reward[epoch] for epoch, minted in self.minted.items())
        assert all(earned <= self.cap_at_reward[day] for (_, day), earned in self.earned.items())
        assert self.ledger.count() == 2 * len(self.completions)

    @invariant()
    def one_credential_per_learner_and_course(self) -> None:
        assert all(count <= 1 for count in self.issued.values())
        assert self.credentials.totalSupply() == len(self.live)
        for learner in s.LEARNERS:
            held = [token_id for (owner, _), token_id in self.live.items() if owner == learner]
            assert self.credentials.balanceOf(learner) == len(held)
        for (learner, course), token_id in self.live.items():
            assert self.credentials.credential_of(learner, course) == token_id
            assert self.credentials.ownerOf(token_id) == learner

    # -- teardown -------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            # Skip the sweep when a step already failed: its error is the one to report.
            if sys.exc_info()[1] is None:
                self.sweep()
        finally:
            self._anchor.__exit__(None, None, None)

    def sweep(self) -> None:
        """Everything the per-step invariants check only incrementally."""
        for uid, schema in self.accepted.items():
            assert self.hub.schema_of(uid) == schema
        for uid in self.refused:
            if uid not in self.accepted:
                assert self.hub.schema_of(uid) == b"\x00" * 32
        for uid in self.completions:
            assert self.hub.revoked(uid) == (uid in self.revoked)
        for learner in s.LEARNERS:
            for course in range(1, 7):
                assert self.credentials.credential_of(learner, course) == self.live.get((learner, course), 0)


TestOracles = OracleMachine.TestCase
