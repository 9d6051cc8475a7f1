"""The ethics oracle's follower: reviews every new proposal it reads on the event bus.

It reads ``<prefix>azora:events`` through a consumer group (``ETHICS_GROUP``, default
``ethics-oracle``, created at the start of the stream, so proposals made before the oracle
first ran are reviewed too) and handles two kinds of messages:

**ProposalCreated** of the deployment's AzoraGovernor:

1. parse the args; the proposal id must be ``hashProposal`` of the calls (so the calls and
   the description cannot be misreported), and the transaction must have emitted that
   ProposalCreated in that block of the current chain (so the block the facts are read at
   cannot be either): the follower trusts the chain, not the bus;
2. skip it unless the Governor knows the proposal *now* and it is Pending or Active (a
   proposal removed by a reorg is not reviewed; a closed one cannot take a review);
3. skip it when it already has a live review (a row in ``ethics_reviews`` whose submission
   has not failed) -- a redelivered event submits nothing;
4. decode the calls, read the chain facts at the event's block, evaluate;
5. in one database transaction: the ``oracle_submissions`` row (schema ProposalReviewed,
   ETHICS domain, subject = the Governor, deterministic uid) and the ``ethics_reviews`` row
   (the reasons); a submission of the same uid that failed because its proposal vanished
   (``REORGED`` or the Governor's ``CONSUMER_REJECTED``) is put back in the queue;
6. ask the submitter for a tick (best effort: the worker's own ticks pick the row up anyway);
7. acknowledge the message.

**reorg** (``fork_block``): every ETHICS submission not yet sent (queued, signed), or
confirmed above the fork block, whose proposal the Governor no longer knows is marked
``failed`` with reason ``REORGED``: it is never sent, and if the proposal comes back on the
new branch its ProposalCreated revives it (same reasons, same uid).

Delivery is at least once; everything above is idempotent. A message is acknowledged only
after its rows are committed: a crash before that leaves it pending for this consumer, which
re-reads its pending messages first when it starts (``ETHICS_CONSUMER`` is a stable name),
and messages another consumer left pending for ``ETHICS_CLAIM_IDLE_MS`` are claimed. An
outage (RPC, PostgreSQL, Redis) is retried with backoff without acknowledging; a message
whose handling crashes ``ETHICS_MAX_ATTEMPTS`` times is skipped with an error log.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis
from celery import Celery
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from azora.governance import ProposalState
from indexer.models import EthicsReview
from oracles.collector import RedisKeys, SignatureCollector, decode_fields
from oracles.ethics.chain import GovernanceChain
from oracles.ethics.evaluator import Context, Evaluator, Review
from oracles.ethics.exceptions import MalformedEventError
from oracles.ethics.proposal import Proposal, proposal_from_event
from oracles.ethics.schema import DOMAIN, PROPOSAL_REVIEWED, encode_proposal_reviewed, review_uid
from oracles.ethics.settings import EthicsSettings
from oracles.exceptions import RpcUnavailableError
from oracles.models import CONFIRMED, FAILED, QUEUED, SIGNED, OracleSubmission
from oracles.settings import OracleSettings
from oracles.store import new_submission
from oracles.submitter import enqueue_tick

log = logging.getLogger("oracles.ethics")

GOVERNOR = "AzoraGovernor"
REORGED = "REORGED"
# Failures that mean "the Governor did not know the proposal": revived when it is back.
REVIVABLE = (REORGED, "CONSUMER_REJECTED")
# How often (in polls) to look for messages a dead consumer left unacknowledged.
CLAIM_EVERY_POLLS = 30
REVIEWABLE_STATES = (ProposalState.PENDING, ProposalState.ACTIVE)
# Outages: retried with backoff, the message left unacknowledged.
TRANSIENT_ERRORS = (
    RpcUnavailableError,
    OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


@dataclass(frozen=True)
class Outcome:
    """What handling one bus message did."""

    # reviewed | revived | duplicate | already-reviewed | not-on-chain | closed | reorg | ignored | invalid
    action: str
    proposal_id: int | None = None
    uid: str | None = None
    verdict: int | None = None
    detail: str = ""


class EthicsFollower:
    """Follows the event bus and turns ProposalCreated into queued ProposalReviewed submissions."""

    def __init__(
        self,
        settings: EthicsSettings,
        oracle_settings: OracleSettings,
        *,
        redis_client: redis.Redis,
        sessions: sessionmaker[Session],
        chain: GovernanceChain,
        evaluator: Evaluator,
        celery: Celery | None = None,
    ) -> None:
        self.settings = settings
        self.oracle_settings = oracle_settings
        self.redis = redis_client
        self.sessions = sessions
        self.chain = chain
        self.evaluator = evaluator
        self.celery = celery
        self.chain_id = chain.chain_id
        self.governor = chain.governor_address
        self.stream = settings.stream
        self.collector = SignatureCollector(redis_client, RedisKeys(oracle_settings.redis_prefix))
        self._failures: dict[str, int] = {}
        self._backlog = True  # read our pending messages first ("0"), then new ones (">")

    # --- one message -----------------------------------------------------------------------------

    def handle(self, fields: Mapping[str, str]) -> Outcome:
        """Handle one bus message (see the module docstring); raises only on outages and bugs."""
        kind = fields.get("type")
        if fields.get("chain_id") != str(self.chain_id):
            return Outcome("ignored")
        if kind == "reorg":
            return self.handle_reorg(int(fields["fork_block"]))
        if (
            kind != "event"
            or fields.get("event") != "ProposalCreated"
            or fields.get("contract") != GOVERNOR
            or fields.get("address", "").lower() != self.governor.lower()
        ):
            return Outcome("ignored")
        try:
            args = json.loads(fields["args"])
            proposal = proposal_from_event(args, int(fields["block_number"]), self.chain.book)
            tx_hash = fields["tx_hash"]
        except (KeyError, ValueError, MalformedEventError) as exc:
            log.error(
                "malformed ProposalCreated skipped", extra={"id": fields.get("id", "?"), "error": str(exc)}
            )
            return Outcome("invalid", detail=str(exc))
        if not self.chain.created_in(tx_hash, proposal.block_number, proposal.proposal_id):
            log.info(
                "ProposalCreated not on the current chain (reorged out?): not reviewed",
                extra={"proposal_id": proposal.proposal_id, "tx_hash": tx_hash},
            )
            return Outcome("not-on-chain", proposal.proposal_id)
        return self.review(proposal)

    def review(self, proposal: Proposal) -> Outcome:
        """Review `proposal` unless it is gone, closed or already reviewed; persist and enqueue."""
        pid = proposal.proposal_id
        state = self.chain.proposal_state(pid)
        if state is None:
            log.info("proposal not on chain (removed by a reorg?): not reviewed", extra={"proposal_id": pid})
            return Outcome("not-on-chain", pid)
        if state not in REVIEWABLE_STATES:
            log.info(
                "proposal no longer takes reviews",
                extra={"proposal_id": pid, "state": ProposalState(state).name},
            )
            return Outcome("closed", pid, detail=ProposalState(state).name)
        if (live := self._live_review(pid)) is not None:
            return Outcome("already-reviewed", pid, uid=live)
        review = self.evaluator.evaluate(
            proposal, Context(book=self.chain.book, facts=self.chain.facts(proposal.block_number))
        )
        reason_hash = review.reason_hash
        uid = review_uid(self.chain_id, self.governor, pid, reason_hash)
        action = self._persist(review, reason_hash, uid)
        if action in ("reviewed", "revived"):
            self._kick()
        uid_hex = "0x" + uid.hex()
        log.info(
            "proposal reviewed" if action != "duplicate" else "review already queued",
            extra={
                "proposal_id": pid,
                "verdict": int(review.verdict),
                "reasons": sum(r.severity == "flag" for r in review.reasons),
                "reason_hash": "0x" + reason_hash.hex(),
                "uid": uid_hex,
                "action": action,
            },
        )
        return Outcome(action, pid, uid=uid_hex, verdict=int(review.verdict))

    def _live_review(self, proposal_id: int) -> str | None:
        """The uid of a review of `proposal_id` whose submission has not failed, if any."""
        with self.sessions() as session:
            return session.scalar(
                select(OracleSubmission.uid)
                .join(
                    EthicsReview,
                    (EthicsReview.chain_id == OracleSubmission.chain_id)
                    & (EthicsReview.uid == OracleSubmission.uid),
                )
                .where(
                    EthicsReview.chain_id == self.chain_id,
                    EthicsReview.proposal_id == proposal_id,
                    OracleSubmission.status != FAILED,
                )
                .limit(1)
            )

    def _persist(self, review: Review, reason_hash: bytes, uid: bytes) -> str:
        """Store the submission and the reasons in one transaction: reviewed | revived | duplicate."""
        for attempt in (1, 2):
            try:
                with self.sessions() as session, session.begin():
                    action = self._upsert_submission(session, review, uid)
                    session.execute(
                        pg_insert(EthicsReview)
                        .values(
                            chain_id=self.chain_id,
                            proposal_id=review.proposal_id,
                            reason_hash="0x" + reason_hash.hex(),
                            verdict=int(review.verdict),
                            reasons=review.reasons_json,
                            constitution_version=review.constitution_version,
                            evaluator=review.evaluator,
                            uid="0x" + uid.hex(),
                        )
                        .on_conflict_do_nothing()
                    )
                return action
            except IntegrityError:  # a concurrent consumer inserted the same uid first
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _upsert_submission(self, session: Session, review: Review, uid: bytes) -> str:
        existing = session.scalar(
            select(OracleSubmission)
            .where(OracleSubmission.chain_id == self.chain_id, OracleSubmission.uid == "0x" + uid.hex())
            .with_for_update()
        )
        if existing is None:
            session.add(
                new_submission(
                    chain_id=self.chain_id,
                    uid=uid,
                    domain=DOMAIN,
                    schema=PROPOSAL_REVIEWED,
                    subject=self.governor,
                    data=encode_proposal_reviewed(
                        review.proposal_id, int(review.verdict), review.reason_hash
                    ),
                )
            )
            session.flush()
            return "reviewed"
        if existing.status == FAILED and existing.reason in REVIVABLE:
            _requeue(existing, f"revived: the proposal is on chain again (was {existing.reason})")
            return "revived"
        return "duplicate"

    def handle_reorg(self, fork_block: int) -> Outcome:
        """Cancel the reviews of proposals a reorg removed (see the module docstring)."""
        with self.sessions() as session:
            rows = session.execute(
                select(OracleSubmission.uid, EthicsReview.proposal_id)
                .join(
                    EthicsReview,
                    (EthicsReview.chain_id == OracleSubmission.chain_id)
                    & (EthicsReview.uid == OracleSubmission.uid),
                )
                .where(
                    OracleSubmission.chain_id == self.chain_id,
                    OracleSubmission.domain == DOMAIN,
                    OracleSubmission.status.in_((QUEUED, SIGNED))
                    | ((OracleSubmission.status == CONFIRMED) & (OracleSubmission.block_number > fork_block)),
                )
            ).all()
        gone = {uid: int(pid) for uid, pid in rows if self.chain.proposal_state(int(pid)) is None}
        cancelled = []
        if gone:
            with self.sessions() as session, session.begin():
                for row in session.scalars(
                    select(OracleSubmission)
                    .where(OracleSubmission.chain_id == self.chain_id, OracleSubmission.uid.in_(list(gone)))
                    .with_for_update()
                ).all():
                    sent = row.status not in (QUEUED, SIGNED, CONFIRMED)
                    if sent or (row.status == CONFIRMED and (row.block_number or 0) <= fork_block):
                        continue  # in flight: the Governor refuses it (CONSUMER_REJECTED), revivable
                    row.status = FAILED
                    row.reason = REORGED
                    row.reason_code = None
                    row.detail = f"proposal {gone[row.uid]} removed by a reorg above block {fork_block}"
                    cancelled.append(row.uid)
            self.collector.forget(bytes.fromhex(uid[2:]) for uid in cancelled)
        log.info("reorg handled", extra={"fork_block": fork_block, "cancelled": len(cancelled)})
        return Outcome("reorg", detail=f"cancelled {len(cancelled)}")

    def _kick(self) -> None:
        if self.celery is None:
            return
        try:
            enqueue_tick(self.redis, self.celery, self.oracle_settings)
        except Exception as exc:  # kombu and redis raise many types; the row is safe either way
            log.warning("could not enqueue a tick", extra={"error": f"{type(exc).__name__}: {exc}"})

    # --- the stream ------------------------------------------------------------------------------

    def ensure_group(self) -> None:
        """Create the consumer group at the start of the stream (no-op when it exists)."""
        try:
            self.redis.xgroup_create(self.stream, self.settings.group, id="0", mkstream=True)
        except redis.exceptions.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def poll(self, block_ms: int | None = None) -> int:
        """Read and handle one page: our pending messages while there are any, then new ones.
        Returns how many messages were read; raises on an outage (nothing after it is acked)."""
        cursor = "0" if self._backlog else ">"
        reply: Any = self.redis.xreadgroup(
            self.settings.group,
            self.settings.consumer,
            {self.stream: cursor},
            count=self.settings.read_count,
            block=None if self._backlog else block_ms,
        )
        entries = reply[0][1] if reply else []
        if self._backlog and not entries:
            self._backlog = False
        for entry_id, raw in entries:
            self._process(entry_id, raw)
        return len(entries)

    def drain(self) -> int:
        """Handle every message available now (pending ones first) without blocking; returns how
        many were read."""
        total = 0
        while True:
            backlog = self._backlog
            read = self.poll(block_ms=None)
            total += read
            if read == 0 and not backlog:
                return total

    def claim(self) -> int:
        """Take over messages other consumers left unacknowledged for `claim_idle_ms`; they are
        handled by the next `poll` (as our pending ones)."""
        reply: Any = self.redis.xautoclaim(
            self.stream,
            self.settings.group,
            self.settings.consumer,
            min_idle_time=self.settings.claim_idle_ms,
            start_id="0-0",
            count=self.settings.read_count,
            justid=True,
        )
        claimed = reply[1] if reply else []
        if claimed:
            self._backlog = True
            log.info("claimed idle messages", extra={"count": len(claimed)})
        return len(claimed)

    def _process(self, entry_id: Any, raw: Any) -> None:
        key = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
        if raw:  # a pending entry trimmed from the stream comes back empty
            try:
                self.handle(decode_fields(raw))
            except TRANSIENT_ERRORS:
                self._backlog = True  # re-read from this message once the outage is over
                raise
            except Exception:
                count = self._failures.get(key, 0) + 1
                self._failures[key] = count
                if count < self.settings.max_attempts:
                    self._backlog = True
                    raise
                log.exception(
                    "message skipped after repeated failures", extra={"entry": key, "attempts": count}
                )
        self._failures.pop(key, None)
        self.redis.xack(self.stream, self.settings.group, entry_id)

    def run(self, stop: threading.Event) -> None:
        """Follow the bus until `stop` is set, surviving outages (backoff, nothing acknowledged)."""
        delay = self.settings.retry_base_seconds
        polls = 0
        while not stop.is_set():
            try:
                self.ensure_group()
                polls += 1
                if polls % CLAIM_EVERY_POLLS == 1:
                    self.claim()
                self.poll(self.settings.block_ms)
                delay = self.settings.retry_base_seconds
            except TRANSIENT_ERRORS as exc:
                log.warning(
                    "outage; retrying", extra={"error": f"{type(exc).__name__}: {exc}", "retry_in": delay}
                )
                stop.wait(delay)
                delay = min(delay * 2, self.settings.retry_max_seconds)
            except Exception:
                log.exception("message handling failed; retrying", extra={"retry_in": delay})
                stop.wait(delay)
                delay = min(delay * 2, self.settings.retry_max_seconds)


def _requeue(row: OracleSubmission, detail: str) -> None:
    """A failed submission back to queued for a fresh signing round (as the relay's re-sign does)."""
    row.status = QUEUED
    row.digest = row.epoch = row.deadline = None
    row.signatures = None
    row.requested_at = None
    row.relayer = row.nonce = None
    row.tx_hash = None
    row.block_number = None
    row.sign_rounds = 0
    row.tx_attempts = 0
    row.reason = row.reason_code = None
    row.detail = detail
