"""The submission state machine, one `Relay.tick()` at a time per relayer key.

Statuses of an `OracleSubmission` and who moves them::

    queued ──(threshold of signatures collected)──────────────▶ signed
    signed ──(batch recorded in oracle_transactions)──────────▶ sent
    sent   ──(receipt: Attested)─────────────────────────────▶ confirmed
    sent   ──(receipt: AttestationRejected(reason))──────────▶ failed (reason name)
    sent   ──(consumer refusal its schema defers, e.g. the daily cap)──▶ deferred
    deferred ──(chain time reaches the retry time)───────────▶ queued (new signing round)
    any    ──(the hub already has the uid)────────────────────▶ confirmed (the applying tx)
    signed/sent ──(EXPIRED or STALE_EPOCH)───────────────────▶ queued (new signing round)
    sent   ──(reverted, or nonce taken by another tx)────────▶ signed (up to max_tx_attempts)

(`deferred` is stored as queued without a signing round; see `oracles.models`.)

A tick, holding the relayer's Redis lock (after a first round of steps 1-3, up to
`TICK_PASSES` rounds run step 4 in a second thread while this one repeats 2-3, as long as a
round does anything: signatures that come back during a flush are sent in the same tick):

1. **track** every pending transaction of the relayer, nonce by nonce: a receipt settles the
   nonce's submissions from the hub's logs; a nonce consumed by a transaction we do not know
   releases its submissions (after checking the hub); a transaction the node lost is
   rebroadcast from its stored raw bytes; one pending longer than `replace_after_seconds` is
   replaced (same nonce, both fees raised by at least 12.5%).
2. **collect** signatures of queued submissions; a threshold of valid ones makes them signed.
3. **request** signatures (publish on the signers' stream) for queued submissions that have no
   current request: a new round (fresh deadline, current epoch) when there is none or it went
   stale, a re-publication when signers have been silent for `signature_timeout_seconds`.
4. **flush** signed submissions into `submit_batch` (or `submit` for one), up to
   `max_pending_txs` unconfirmed transactions; when that many are out, track again (a node
   that mines at once has usually mined them) and go on while slots free up.

Cost per batch: the preflight reads (`schema_of`, `check_attestation` of every uid) travel as
one JSON-RPC batch; the gas limit comes from the per-schema gas learned from an earlier full
estimate, checked by a single `eth_call` (the full estimate, which binary-searches on the
node, runs only for a schema not seen yet or when that check fails); fees are suggested once
per tick.

A uid is never sent twice: each is claimed with a Redis lock and a row lock, the hub's
`schema_of(uid)` and `check_attestation` are read right before sending, and the transaction is
recorded (raw bytes, nonce) in the same database transaction that marks its submissions
sent, *before* it is broadcast. Until that nonce is consumed on chain, the uid travels only in
transactions with that nonce (replacements), so at most one of them can be mined.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from eth_account.signers.local import LocalAccount
from eth_account.typed_transactions import TypedTransaction
from hexbytes import HexBytes
from redis.lock import Lock
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.exceptions import ContractLogicError, TransactionNotFound, Web3RPCError
from web3.types import AccessList, Nonce, TxParams, Wei

from oracles.chain import HubClient, rpc_guard
from oracles.collector import RedisKeys, SignatureCollector, SignerSet, SigningRequest
from oracles.eip712 import Attestation, Reason, attestation_digest, reason_name
from oracles.fees import Fees, bump, suggest_fees
from oracles.models import (
    CONFIRMED,
    FAILED,
    QUEUED,
    SENT,
    SIGNED,
    TX_DROPPED,
    TX_MINED,
    TX_PENDING,
    TX_REPLACED,
    OracleSubmission,
    OracleTransaction,
    is_deferred,
)
from oracles.nonce import NonceManager
from oracles.schemas import Deferral, SchemaSpec, known_schemas
from oracles.settings import OracleSettings
from oracles.store import open_counts, waiting, waiting_count

log = logging.getLogger("oracles.relay")

# Rows handled per query by the signature steps.
SIGNING_PAGE = 500
RESIGN_REASONS = (Reason.EXPIRED, Reason.STALE_EPOCH)
# Revert strings of OracleHub.submit, to name the reason of a single submission the node refuses.
HUB_REVERTS = {
    "hub: deadline passed": Reason.EXPIRED,
    "hub: uid already used": Reason.UID_USED,
    "hub: unknown schema": Reason.UNKNOWN_SCHEMA,
    "hub: stale epoch": Reason.STALE_EPOCH,
    "hub: invalid signature": Reason.INVALID_SIGNATURE,
    "hub: signature s too high": Reason.HIGH_S,
    "hub: signer not authorised": Reason.UNAUTHORISED_SIGNER,
    "hub: duplicate signer": Reason.DUPLICATE_SIGNER,
    "hub: signers not ascending": Reason.UNSORTED_SIGNERS,
    "hub: below threshold": Reason.BELOW_THRESHOLD,
}
_ALREADY_KNOWN = ("already known", "already imported", "known transaction")
# Rounds of flush (one thread) alongside collect + request (the other) per tick.
TICK_PASSES = 10
# Gas of a batch transaction beyond its attestations' (intrinsic 21,000, the call, the loop).
BATCH_BASE_GAS = 60_000
_UNLOCK = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


@dataclass
class TickReport:
    """What one tick did (`open` = submissions not yet confirmed or failed afterwards)."""

    requested: int = 0
    signed: int = 0
    sent: int = 0
    replaced: int = 0
    confirmed: int = 0
    failed: int = 0
    deferred: int = 0
    open: int = 0

    def as_log(self) -> dict[str, int]:
        return dict(self.__dict__)

    def add(self, other: TickReport) -> None:
        """Add `other`'s counts (all but `open`) to this report."""
        for name, value in other.__dict__.items():
            if name != "open":
                setattr(self, name, getattr(self, name) + value)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _uid(row: OracleSubmission) -> bytes:
    return bytes.fromhex(row.uid[2:])


def attestation_of(row: OracleSubmission) -> Attestation:
    """The attestation of a submission's current signing round."""
    if row.deadline is None or row.epoch is None:
        raise ValueError(f"submission {row.uid} has no signing round yet")
    return Attestation(
        schema=bytes.fromhex(row.schema[2:]),
        uid=_uid(row),
        subject=row.subject,
        data=bytes(row.data),
        deadline=int(row.deadline),
        epoch=int(row.epoch),
    )


class Relay:
    """Moves the submissions of one chain through their statuses, sending from one relayer key."""

    def __init__(
        self,
        settings: OracleSettings,
        *,
        sessions: sessionmaker[Session],
        redis_client: redis.Redis,
        hub: HubClient,
        relayer: LocalAccount,
        clock: Callable[[], float] = time.time,
        schemas: dict[bytes, SchemaSpec] | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.redis = redis_client
        self.hub = hub
        self.w3: Web3 = hub.w3
        self.chain_id = hub.chain_id
        self.relayer = relayer
        self.address = Web3.to_checksum_address(relayer.address)
        self.keys = RedisKeys(settings.redis_prefix)
        self.collector = SignatureCollector(
            redis_client, self.keys, verify_contracts=self.hub.contract_signatures_valid
        )
        self.nonces = NonceManager(
            redis_client,
            self.keys.relayer_lock(self.chain_id, self.address),
            self.w3,
            self.address,
            self.chain_id,
            settings.lock_ttl_seconds,
        )
        self.clock = clock
        self.schemas = schemas if schemas is not None else known_schemas()
        self._lock: Lock | None = None
        self._signer_sets: dict[str, SignerSet] = {}
        self._chain_time: int | None = None
        self._tick_fees: Fees | None = None
        self._gas_cap: int | None = None
        # Per schema (hex id): the most gas one attestation of it has needed in a batch.
        self._item_gas: dict[str, int] = {}
        self._finished: list[bytes] = []
        # Nonces seen consumed without a receipt of ours, and since when (see _taken_long_enough).
        self._taken_since: dict[int, float] = {}
        self._unlock = self.redis.register_script(_UNLOCK)

    # --- the tick --------------------------------------------------------------------------------

    def tick(self) -> TickReport | None:
        """One pass over every open submission; None when another process holds the relayer lock."""
        lock = self.nonces.lock()
        if not lock.acquire():
            return None
        self._lock = lock
        self._signer_sets.clear()
        self._chain_time = self._tick_fees = self._gas_cap = None
        report = TickReport()
        try:
            self.track(report)
            self.collect(report)
            self.request_signatures(report)
            with ThreadPoolExecutor(1, thread_name_prefix="relay-flush") as sender:
                for _ in range(TICK_PASSES):
                    # Send what is signed while this thread collects what the signers answered
                    # meanwhile (the flush picks those up too) and requests for new submissions.
                    sending = TickReport()
                    flushed = sender.submit(self.flush, sending)
                    before = (report.signed, report.requested)
                    self.collect(report)
                    self.request_signatures(report)
                    flushed.result()
                    report.add(sending)
                    if sending.sent == 0 and (report.signed, report.requested) == before:
                        break
            with self.sessions() as session:
                total = sum(open_counts(session, self.chain_id).values())
                # Deferred submissions waiting for their period do not keep the worker busy.
                report.open = total - waiting_count(session, self.chain_id, self._block_time())
            self.collector.forget(self._finished)  # final outcomes need their signatures no more
        finally:
            self._finished.clear()
            self._lock = None
            try:
                lock.release()
            except redis.exceptions.LockError:
                log.warning("the relayer lock expired during the tick; raise ORACLE_LOCK_TTL_SECONDS")
        if any(v for k, v in report.as_log().items() if k != "open"):
            log.info("tick", extra=report.as_log())
        return report

    def _renew_lock(self) -> None:
        """Renew the relayer lock before sending; raises LockNotOwnedError if another process took it."""
        if self._lock is not None:
            self._lock.reacquire()

    def _now(self) -> float:
        return self.clock()

    def _signer_set(self, domain: str) -> SignerSet:
        if domain not in self._signer_sets:
            self._signer_sets[domain] = self.hub.signer_set(domain)
        return self._signer_sets[domain]

    def _block_time(self) -> int:
        if self._chain_time is None:
            self._chain_time = self.hub.chain_time()
        return self._chain_time

    # --- signatures ------------------------------------------------------------------------------

    def collect(self, report: TickReport) -> None:
        """queued -> signed once a threshold of valid signatures over the current digest is in Redis."""
        with self.sessions() as session, session.begin():
            rows = session.scalars(
                select(OracleSubmission)
                .where(
                    OracleSubmission.chain_id == self.chain_id,
                    OracleSubmission.status == QUEUED,
                    OracleSubmission.digest.is_not(None),
                )
                .order_by(OracleSubmission.id)
                .limit(SIGNING_PAGE)
                .with_for_update(skip_locked=True)
            ).all()
            current = []
            for row in rows:
                signer_set = self._signer_set(row.domain)
                if row.epoch != signer_set.epoch or row.digest is None:
                    continue  # a new round is requested below
                current.append((row, signer_set))
            assembled = self.collector.assemble_many(
                [(_uid(row), bytes.fromhex(str(row.digest)[2:]), signer_set) for row, signer_set in current]
            )
            for (row, _), packed in zip(current, assembled, strict=True):
                if packed is not None:
                    row.signatures = packed
                    row.status = SIGNED
                    report.signed += 1

    def request_signatures(self, report: TickReport) -> None:
        """Publish signing requests for queued submissions without a live one (deferred ones once
        their retry time has come)."""
        now = self._now()
        with self.sessions() as session, session.begin():
            rows = session.scalars(
                select(OracleSubmission)
                .where(
                    OracleSubmission.chain_id == self.chain_id,
                    OracleSubmission.status == QUEUED,
                    ~waiting(self._block_time()),
                )
                .order_by(OracleSubmission.id)
                .limit(SIGNING_PAGE)
                .with_for_update(skip_locked=True)
            ).all()
            unconfigured: set[str] = set()
            requests: list[SigningRequest] = []
            for row in rows:
                signer_set = self._signer_set(row.domain)
                if signer_set.threshold == 0:
                    unconfigured.add(row.domain)
                    continue
                current = (
                    row.digest is not None
                    and row.epoch == signer_set.epoch
                    and row.deadline is not None
                    and row.deadline - self.settings.deadline_margin_seconds > self._block_time()
                )
                if current:
                    waited = now - row.requested_at.timestamp() if row.requested_at else float("inf")
                    if waited < self.settings.signature_timeout_seconds:
                        continue
                else:
                    if row.sign_rounds >= self.settings.max_sign_attempts:
                        self._fail(
                            row,
                            "SIGNING_FAILED",
                            detail=f"no threshold of signatures after {row.sign_rounds} signing rounds",
                        )
                        report.failed += 1
                        continue
                    if row.digest is None and row.deadline is not None:  # a deferral's time has come
                        row.detail = f"signing again after {row.reason} (deferred until {row.deadline})"
                        row.reason = None
                    row.epoch = signer_set.epoch
                    row.deadline = self._block_time() + self.settings.attestation_ttl_seconds
                    row.digest = _hex(attestation_digest(self.hub.domain, attestation_of(row)))
                    row.sign_rounds += 1
                requests.append(
                    SigningRequest(
                        domain=row.domain,
                        hub=self.hub.domain,
                        attestation=attestation_of(row),
                        digest=bytes.fromhex(str(row.digest)[2:]),
                    )
                )
                row.requested_at = _utcnow()
                report.requested += 1
            self.collector.request_many(requests)  # before the commit: a lost publication is redone
        for domain in sorted(unconfigured):
            log.warning("domain has no signer set on the hub; its submissions wait", extra={"domain": domain})

    # --- sending ---------------------------------------------------------------------------------

    def flush(self, report: TickReport) -> None:
        """signed -> sent, in batches, while fewer than `max_pending_txs` transactions are
        unconfirmed; at the limit, track again and go on while that settles some."""
        while True:
            if self.in_flight() >= self.settings.max_pending_txs and (
                not self.track(report) or self.in_flight() >= self.settings.max_pending_txs
            ):
                return
            if not self._send_batch(report):
                return

    def in_flight(self) -> int:
        """How many nonces of this relayer have a transaction not mined yet (as recorded)."""
        with self.sessions() as session:
            count = session.scalar(
                select(func.count(distinct(OracleTransaction.nonce))).where(
                    OracleTransaction.chain_id == self.chain_id,
                    OracleTransaction.relayer == self.address.lower(),
                    OracleTransaction.status == TX_PENDING,
                )
            )
        return int(count or 0)

    def _lock_uids(self, uids: Sequence[str]) -> dict[str, str]:
        """Take the per-uid locks that are free; returns uid -> lock token for the ones taken."""
        token = f"{self.address.lower()}:{time.monotonic_ns()}"
        ttl = int(self.settings.lock_ttl_seconds * 1000)
        pipe = self.redis.pipeline()
        for uid in uids:
            pipe.set(self.keys.uid_lock(self.chain_id, uid), token, nx=True, px=ttl)
        return {uid: token for uid, taken in zip(uids, pipe.execute(), strict=True) if taken}

    def _unlock_uids(self, tokens: dict[str, str]) -> None:
        for uid, token in tokens.items():
            self._unlock(keys=[self.keys.uid_lock(self.chain_id, uid)], args=[token])

    def _send_batch(self, report: TickReport) -> bool:
        """Claim up to `batch_size` signed submissions and send them; False when there was nothing to do."""
        tokens: dict[str, str] = {}
        tx: OracleTransaction | None = None
        try:
            with self.sessions() as session:
                with session.begin():
                    rows = session.scalars(
                        select(OracleSubmission)
                        .where(OracleSubmission.chain_id == self.chain_id, OracleSubmission.status == SIGNED)
                        .order_by(OracleSubmission.id)
                        .limit(self.settings.batch_size)
                        .with_for_update(skip_locked=True)
                    ).all()
                    if not rows:
                        return False
                    tokens = self._lock_uids([row.uid for row in rows])
                    claimed = [row for row in rows if row.uid in tokens]
                    if not claimed:
                        return False
                    ready = self._preflight(claimed, report)
                    if ready:
                        tx = self._build(session, ready, report)
                        if tx is not None:
                            session.add(tx)
            if tx is not None:
                self._broadcast(tx)
            return True
        finally:
            self._unlock_uids(tokens)

    def _preflight(
        self, rows: list[OracleSubmission], report: TickReport
    ) -> list[tuple[OracleSubmission, Attestation]]:
        """The hub's view of each uid right before sending: the ones still to send, the rest settled."""
        atts = [attestation_of(row) for row in rows]
        views = self.hub.preflight(
            [(att, bytes(row.signatures or b"")) for row, att in zip(rows, atts, strict=True)]
        )
        ready = []
        for row, att, (is_used, code) in zip(rows, atts, views, strict=True):
            if is_used:
                self._resolve_used(row)
                report.confirmed += 1
            elif code in RESIGN_REASONS:
                self._resign(row, reason_name(code))
            elif code != Reason.OK:
                self._fail(row, reason_name(code), code, "refused by check_attestation before sending")
                report.failed += 1
            else:
                ready.append((row, att))
        return ready

    def _build(
        self, session: Session, ready: list[tuple[OracleSubmission, Attestation]], report: TickReport
    ) -> OracleTransaction | None:
        """Sign the transaction carrying `ready` and mark them sent (in `session`); None if none is sent."""
        if len(ready) == 1:
            row, att = ready[0]
            method, data = (
                "submit",
                self.hub.calldata("submit", [att.as_args(), bytes(row.signatures or b"")]),
            )
        else:
            method = "submit_batch"
            data = self.hub.calldata(
                "submit_batch",
                [[att.as_args() for _, att in ready], [bytes(row.signatures or b"") for row, _ in ready]],
            )
        rows = [row for row, _ in ready]
        gas = self._known_batch_gas(data, rows) if method == "submit_batch" else None
        if gas is None:
            try:
                with rpc_guard():
                    estimate = self.w3.eth.estimate_gas(self._call_params(data))
            except ContractLogicError as exc:
                message = str(exc.message or exc)
                if method == "submit":
                    self._refused(ready[0][0], message, report)
                else:
                    for row, _ in ready:
                        self._retry_send(row, f"submit_batch gas estimate reverted: {message}")
                return None
            gas = estimate * (100 + self.settings.gas_margin_percent) // 100
            if method == "submit_batch":
                gas = self._batch_gas(data, gas)
                self._learn_gas(rows, gas)
        fees = self._fees()
        self._renew_lock()
        nonce = self.nonces.next_nonce(session)
        unsigned: TxParams = {
            "type": 2,
            "chainId": self.chain_id,
            "nonce": Nonce(nonce),
            "to": self.hub.address,
            "value": Wei(0),
            "data": HexBytes(data),
            "gas": gas,
            "maxFeePerGas": Wei(fees.max_fee_per_gas),
            "maxPriorityFeePerGas": Wei(fees.max_priority_fee_per_gas),
            "accessList": AccessList([]),
        }
        signed = self.relayer.sign_transaction(unsigned)  # type: ignore[arg-type]
        tx = OracleTransaction(
            tx_hash=_hex(signed.hash),
            chain_id=self.chain_id,
            relayer=self.address.lower(),
            nonce=nonce,
            method=method,
            size=len(ready),
            raw=bytes(signed.raw_transaction),
            gas=gas,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            status=TX_PENDING,
        )
        for row, _ in ready:
            row.status = SENT
            row.relayer = self.address.lower()
            row.nonce = nonce
            row.tx_hash = tx.tx_hash
        report.sent += len(ready)
        log.info(
            "transaction signed",
            extra={"tx_hash": tx.tx_hash, "nonce": nonce, "method": method, "size": len(ready), "gas": gas},
        )
        return tx

    def _cap(self) -> int:
        """The latest block's gas limit (once per tick)."""
        if self._gas_cap is None:
            self._gas_cap = int(self.call(lambda: self.w3.eth.get_block("latest"))["gasLimit"])
        return self._gas_cap

    def _call_params(self, data: bytes, gas: int | None = None) -> TxParams:
        """eth_call / eth_estimateGas parameters of hub calldata sent by this relayer."""
        params: TxParams = {"from": self.address, "to": self.hub.address, "data": HexBytes(data)}
        if gas is not None:
            params["gas"] = gas
        return params

    def _applied(self, data: bytes, gas: int) -> int:
        """How many attestations `submit_batch` calldata applies with `gas` (an eth_call; 0 when
        the whole call runs out of gas, which nodes report as an RPC error, not a revert)."""
        try:
            with rpc_guard():
                return int.from_bytes(bytes(self.w3.eth.call(self._call_params(data, gas)))[:32], "big")
        except Web3RPCError as exc:
            if "out of gas" in str(exc).lower().replace("outofgas", "out of gas"):
                return 0
            raise

    def _known_batch_gas(self, data: bytes, rows: Sequence[OracleSubmission]) -> int | None:
        """The gas limit of a batch from the gas its schemas needed before, if one `eth_call` at
        that limit applies every attestation; None (a full estimate follows) otherwise."""
        try:
            per_item = [self._item_gas[row.schema] for row in rows]
        except KeyError:
            return None
        gas = min(self._cap(), BATCH_BASE_GAS + sum(per_item))
        try:
            applied = self._applied(data, gas)
        except ContractLogicError:
            return None
        return gas if applied == len(rows) else None

    def _learn_gas(self, rows: Sequence[OracleSubmission], gas: int) -> None:
        """Remember what a fully estimated batch needed per attestation (the largest seen)."""
        per_item = -(-max(gas - BATCH_BASE_GAS, 0) // len(rows))
        for schema in {row.schema for row in rows}:
            self._item_gas[schema] = max(self._item_gas.get(schema, 0), per_item)

    def _batch_gas(self, data: bytes, gas: int) -> int:
        """Enough gas for every attestation of a batch to be applied.

        `submit_batch` does not revert when a consumer call runs out of gas: it skips the item
        (AttestationRejected, CONSUMER_REJECTED). eth_estimateGas therefore finds a limit at
        which some items are skipped; raise it until the batch applies as many attestations as
        with the whole block's gas."""
        cap = self._cap()
        applied = self._applied(data, cap)
        while gas < cap and self._applied(data, gas) < applied:
            gas = min(cap, gas * 3 // 2)
        return gas

    def _fees(self) -> Fees:
        """The fee suggestion (once per tick)."""
        if self._tick_fees is None:
            with rpc_guard():
                self._tick_fees = suggest_fees(self.w3, self.settings)
        return self._tick_fees

    def _broadcast(self, tx: OracleTransaction) -> bool:
        """Hand the raw transaction to the node (again); True when the node has it."""
        error: str | None = None
        try:
            with rpc_guard():
                self.w3.eth.send_raw_transaction(tx.raw)
            accepted = True
        except (Web3RPCError, ValueError) as exc:
            message = str(exc)
            accepted = any(marker in message.lower() for marker in _ALREADY_KNOWN)
            if not accepted:
                error = message[:500]
                log.warning(
                    "the node refused a transaction",
                    extra={"tx_hash": tx.tx_hash, "nonce": tx.nonce, "error": error},
                )
        with self.sessions() as session, session.begin():
            row = session.get(OracleTransaction, tx.tx_hash)
            if row is not None:
                row.error = error
                if accepted:
                    row.broadcast_at = _utcnow()
        if accepted:
            tx.broadcast_at = _utcnow()
        return accepted

    # --- tracking --------------------------------------------------------------------------------

    def track(self, report: TickReport) -> int:
        """Settle, release, rebroadcast or replace every pending transaction of the relayer;
        returns how many nonces were settled or released."""
        with self.sessions() as session:
            pending = session.scalars(
                select(OracleTransaction)
                .where(
                    OracleTransaction.chain_id == self.chain_id,
                    OracleTransaction.relayer == self.address.lower(),
                    OracleTransaction.status == TX_PENDING,
                )
                .order_by(OracleTransaction.nonce, OracleTransaction.created_at)
            ).all()
        if not pending:
            return 0
        # The mined nonce first: a nonce below it without a receipt of ours was taken by another tx.
        latest = self.nonces.chain_nonce("latest")
        head = self.call(lambda: self.w3.eth.block_number) if self.settings.confirmations else 0
        slots: dict[int, list[OracleTransaction]] = defaultdict(list)
        for tx in pending:
            slots[tx.nonce].append(tx)
        done = 0
        receipts = self.hub.receipts([tx.tx_hash for tx in pending])
        for nonce, attempts in sorted(slots.items()):
            mined, receipt = next(
                ((tx, receipts[tx.tx_hash]) for tx in attempts if tx.tx_hash in receipts), (None, None)
            )
            if mined is not None and receipt is not None:
                confirmations = self.settings.confirmations
                if confirmations == 0 or head - int(receipt["blockNumber"]) >= confirmations:
                    self._settle(nonce, attempts, mined, receipt, report)
                    done += 1
            elif nonce < latest:
                if self._taken_long_enough(nonce, attempts):
                    self._drop(nonce, attempts, report)
                    done += 1
            else:
                self._taken_since.pop(nonce, None)
                self._nudge(nonce, attempts, report)
        return done

    def call(self, fn: Callable[[], Any]) -> Any:
        with rpc_guard():
            return fn()

    def _taken_long_enough(self, nonce: int, attempts: list[OracleTransaction]) -> bool:
        """Whether a nonce consumed without a receipt of ours is really taken by another transaction.

        Nodes can report the account's new nonce before they serve the receipt (anvil does),
        so a nonce is given up only when no attempt is known in a block and the situation has
        lasted `drop_after_seconds`."""
        for tx in attempts:
            try:
                with rpc_guard():
                    found = self.w3.eth.get_transaction(HexBytes(tx.tx_hash))
            except TransactionNotFound:
                continue
            if found.get("blockNumber") is not None:
                return False  # mined: its receipt comes with a later tick
        first_seen = self._taken_since.setdefault(nonce, self._now())
        if self._now() - first_seen < self.settings.drop_after_seconds:
            return False
        del self._taken_since[nonce]
        return True

    def _node_knows(self, tx_hash: str) -> bool:
        try:
            with rpc_guard():
                self.w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return False
        return True

    def _slot(self, session: Session, nonce: int) -> list[OracleSubmission]:
        return list(
            session.scalars(
                select(OracleSubmission)
                .where(
                    OracleSubmission.chain_id == self.chain_id,
                    OracleSubmission.relayer == self.address.lower(),
                    OracleSubmission.nonce == nonce,
                    OracleSubmission.status == SENT,
                )
                .order_by(OracleSubmission.id)
                .with_for_update()
            ).all()
        )

    def _settle(
        self,
        nonce: int,
        attempts: list[OracleTransaction],
        mined: OracleTransaction,
        receipt: Any,
        report: TickReport,
    ) -> None:
        """A transaction of this nonce was mined: apply its logs to the submissions it carried."""
        block = int(receipt["blockNumber"])
        status = int(receipt["status"])
        with self.sessions() as session, session.begin():
            for attempt in attempts:
                row = session.get(OracleTransaction, attempt.tx_hash)
                if row is None:
                    continue
                if attempt.tx_hash == mined.tx_hash:
                    row.status, row.block_number, row.receipt_status = TX_MINED, block, status
                else:
                    row.status = TX_REPLACED
            outcome = self.hub.outcome(receipt) if status == 1 else None
            for sub in self._slot(session, nonce):
                uid = _uid(sub)
                if outcome is not None and uid in outcome.attested:
                    self._confirm(sub, mined.tx_hash, block)
                elif outcome is not None and uid in outcome.rejected:
                    self._rejected(sub, outcome.rejected[uid], mined.tx_hash, block)
                else:
                    self._reverted(sub, mined.tx_hash)
                if sub.status == CONFIRMED:
                    report.confirmed += 1
                elif sub.status == FAILED:
                    report.failed += 1
                elif is_deferred(sub):
                    report.deferred += 1
        log.info(
            "transaction mined",
            extra={"tx_hash": mined.tx_hash, "nonce": nonce, "block": block, "status": status},
        )

    def _drop(self, nonce: int, attempts: list[OracleTransaction], report: TickReport) -> None:
        """The nonce was consumed by a transaction we did not record: ours will never be mined."""
        with self.sessions() as session, session.begin():
            subs = self._slot(session, nonce)
            used = self.hub.used([_uid(sub) for sub in subs]) if subs else []
            applied: dict[str, int | None] = {}
            for sub, is_used in zip(subs, used, strict=True):
                if is_used:
                    self._resolve_used(sub)
                    report.confirmed += 1
                    if sub.tx_hash is not None:
                        applied[sub.tx_hash] = sub.block_number
                else:
                    self._retry_send(sub, f"nonce {nonce} was consumed by another transaction")
            for attempt in attempts:
                row = session.get(OracleTransaction, attempt.tx_hash)
                if row is None:
                    continue
                if attempt.tx_hash in applied:  # ours after all: the hub's log names it
                    row.status, row.block_number = TX_MINED, applied[attempt.tx_hash]
                else:
                    row.status = TX_DROPPED
                    row.error = "nonce consumed by another transaction"
        log.warning("transaction dropped", extra={"nonce": nonce, "submissions": len(used)})

    def _nudge(self, nonce: int, attempts: list[OracleTransaction], report: TickReport) -> None:
        """Keep an unmined nonce moving: (re)broadcast it, or replace it once it is stuck."""
        best = max(attempts, key=lambda tx: (tx.max_fee_per_gas, tx.created_at))
        if best.broadcast_at is None or not self._node_knows(best.tx_hash):
            self._broadcast(best)
            return
        if self._now() - best.broadcast_at.timestamp() >= self.settings.replace_after_seconds:
            self._replace(nonce, best, report)

    def _replace(self, nonce: int, stuck: OracleTransaction, report: TickReport) -> None:
        """Send the same transaction again with the same nonce and both fees raised."""
        previous = Fees(int(stuck.max_fee_per_gas), int(stuck.max_priority_fee_per_gas))
        fees = bump(previous, self.settings.fee_bump_permille, self._fees())
        if fees.max_fee_per_gas > self.settings.max_fee_per_gas_wei:
            log.warning(
                "not replacing: the bumped fee exceeds ORACLE_MAX_FEE_PER_GAS_WEI",
                extra={"tx_hash": stuck.tx_hash, "nonce": nonce, "max_fee": fees.max_fee_per_gas},
            )
            return
        self._renew_lock()
        fields = TypedTransaction.from_bytes(HexBytes(stuck.raw)).as_dict()
        unsigned = {
            "type": 2,
            "chainId": fields["chainId"],
            "nonce": fields["nonce"],
            "to": Web3.to_checksum_address(fields["to"]),
            "value": fields["value"],
            "data": fields["data"],
            "gas": fields["gas"],
            "accessList": fields["accessList"],
            **fees.as_tx(),
        }
        signed = self.relayer.sign_transaction(unsigned)
        replacement = OracleTransaction(
            tx_hash=_hex(signed.hash),
            chain_id=self.chain_id,
            relayer=self.address.lower(),
            nonce=nonce,
            method=stuck.method,
            size=stuck.size,
            raw=bytes(signed.raw_transaction),
            gas=stuck.gas,
            max_fee_per_gas=fees.max_fee_per_gas,
            max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
            status=TX_PENDING,
        )
        with self.sessions() as session, session.begin():
            session.add(replacement)
            for sub in self._slot(session, nonce):
                sub.tx_hash = replacement.tx_hash
        report.replaced += 1
        log.info(
            "transaction replaced",
            extra={
                "nonce": nonce,
                "old": stuck.tx_hash,
                "new": replacement.tx_hash,
                "max_fee": fees.max_fee_per_gas,
                "tip": fees.max_priority_fee_per_gas,
            },
        )
        self._broadcast(replacement)

    # --- outcomes --------------------------------------------------------------------------------

    def _confirm(
        self, row: OracleSubmission, tx_hash: str | None, block: int | None, detail: str | None = None
    ) -> None:
        self._finished.append(_uid(row))
        row.status = CONFIRMED
        row.tx_hash = tx_hash
        row.block_number = block
        row.reason = row.reason_code = None
        row.detail = detail

    def _fail(
        self, row: OracleSubmission, reason: str, code: int | None = None, detail: str | None = None
    ) -> None:
        self._finished.append(_uid(row))
        row.status = FAILED
        row.reason = reason
        row.reason_code = code
        row.detail = detail
        log.warning("submission failed", extra={"uid": row.uid, "reason": reason, "detail": detail or ""})

    def _resign(self, row: OracleSubmission, why: str) -> None:
        """Back to queued for a new signing round (fresh deadline, current epoch)."""
        row.status = QUEUED
        row.digest = row.epoch = row.deadline = None
        row.signatures = None
        row.requested_at = None
        row.relayer = row.nonce = None
        row.detail = f"signing again after {why}"

    def _retry_send(self, row: OracleSubmission, why: str) -> None:
        """Back to signed for another transaction, until `max_tx_attempts` sends have failed."""
        row.tx_attempts += 1
        row.relayer = row.nonce = None
        if row.tx_attempts >= self.settings.max_tx_attempts:
            self._fail(row, "TX_FAILED", detail=f"{row.tx_attempts} transactions failed; last: {why}")
        else:
            row.status = SIGNED
            row.detail = why

    def _resolve_used(self, row: OracleSubmission) -> None:
        """The hub already consumed the uid: confirmed, with the transaction that applied it."""
        found = self.hub.attested_in(_uid(row))
        if found is None:
            self._confirm(row, None, None, "the hub reports the uid used; its Attested log was not found")
        else:
            tx_hash, block = found
            ours = row.tx_hash == tx_hash
            self._confirm(row, tx_hash, block, None if ours else "applied by another transaction")

    def _rejected(self, row: OracleSubmission, code: int, tx_hash: str, block: int | None = None) -> None:
        if code == Reason.UID_USED:
            self._resolve_used(row)
        elif code in RESIGN_REASONS:
            self._resign(row, reason_name(code))
        elif code == Reason.CONSUMER_REJECTED:
            self._consumer_rejected(row, tx_hash, block)
        else:
            self._fail(row, reason_name(code), code, f"AttestationRejected in {tx_hash}")

    def _consumer_rejected(self, row: OracleSubmission, tx_hash: str, block: int | None) -> None:
        """A batch's consumer refused the uid (the batch only logs CONSUMER_REJECTED): replay it
        alone with `eth_call` to learn why. A refusal its schema defers waits for the next period;
        one that no longer happens (the consumer ran out of gas, or its period has turned) is
        sent again; any other fails with the consumer's revert string."""
        att = attestation_of(row)
        message = self.hub.submit_error(att, bytes(row.signatures or b""), self.address)
        where = f"AttestationRejected in {tx_hash}"
        if message is None:
            self._retry_send(row, f"{where}; the consumer accepts it now")
            return
        deferral = self._deferral(row, message)
        if deferral is not None:
            when = self._time_of(block) if block is not None else self._block_time()
            self._defer(row, deferral, when, f"{where}: {message}")
            return
        hub_code = next((reason for text, reason in HUB_REVERTS.items() if text in message), None)
        if hub_code == Reason.UID_USED:
            self._resolve_used(row)
        elif hub_code in RESIGN_REASONS:
            self._resign(row, reason_name(hub_code))
        else:
            code = hub_code if hub_code is not None else Reason.CONSUMER_REJECTED
            self._fail(row, code.name, int(code), f"{where}: {message}"[:500])

    def _deferral(self, row: OracleSubmission, message: str) -> Deferral | None:
        spec = self.schemas.get(bytes.fromhex(row.schema[2:]))
        return spec.deferral(message) if spec is not None else None

    def _time_of(self, block: int) -> int:
        return int(self.call(lambda: self.w3.eth.get_block(block))["timestamp"])

    def _defer(self, row: OracleSubmission, deferral: Deferral, chain_time: int, why: str) -> None:
        """Wait for the consumer's next period: no signing round until then (the new round gets
        a fresh deadline and new signatures); the rounds already used are forgiven."""
        self._finished.append(_uid(row))  # its signatures will never be used
        retry = deferral.retry_at(chain_time)
        row.status = QUEUED
        row.digest = row.epoch = None
        row.signatures = None
        row.requested_at = None
        row.relayer = row.nonce = None
        row.deadline = retry
        row.sign_rounds = 0
        row.reason = deferral.reason
        row.reason_code = None
        row.detail = f"deferred until chain time {retry}: {why}"[:500]
        log.info("submission deferred", extra={"uid": row.uid, "reason": deferral.reason, "retry_at": retry})

    def _reverted(self, row: OracleSubmission, tx_hash: str) -> None:
        """The carrying transaction reverted (or did not mention the uid): ask the hub why."""
        att = attestation_of(row)
        if self.hub.used([att.uid])[0]:
            self._resolve_used(row)
            return
        code = self.hub.check([(att, bytes(row.signatures or b""))])[0]
        if code in RESIGN_REASONS:
            self._resign(row, reason_name(code))
        elif code != Reason.OK:
            self._fail(row, reason_name(code), code, f"transaction {tx_hash} reverted")
        else:
            self._retry_send(row, f"transaction {tx_hash} reverted")

    def _refused(self, row: OracleSubmission, message: str, report: TickReport) -> None:
        """`submit` of a single attestation would revert (seen at gas estimation)."""
        code = next(
            (reason for text, reason in HUB_REVERTS.items() if text in message), Reason.CONSUMER_REJECTED
        )
        deferral = self._deferral(row, message) if code == Reason.CONSUMER_REJECTED else None
        if deferral is not None:
            self._defer(row, deferral, self._block_time(), message)
            report.deferred += 1
        elif code == Reason.UID_USED:
            self._resolve_used(row)
            report.confirmed += 1
        elif code in RESIGN_REASONS:
            self._resign(row, code.name)
        else:
            self._fail(row, code.name, int(code), message[:500])
            report.failed += 1
