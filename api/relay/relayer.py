"""The API relayer: sends the gasless delegations and votes from its own key, paying the gas.

Nonces are safe under concurrent requests, in one process and across API replicas sharing a
Redis: sending (nonce choice, signing, broadcast) runs under an asyncio lock *and* a Redis lock
per relayer key, and the nonce is the larger of the node's pending count and one past the last
nonce this relayer sent (remembered for `relay_nonce_memory_seconds`, in Redis and in memory), so
a node that has not yet counted our previous transaction cannot make us reuse its nonce.
Without Redis (or when it is down) only the process lock applies: run one API process then.

Fees are EIP-1559: the tip is the median `relay_priority_fee_percentile` reward of the last
`relay_fee_history_blocks` blocks (at least `relay_min_priority_fee_wei`), the cap twice the next
base fee plus the tip (includable through six full blocks), both bounded by
`relay_max_fee_per_gas_wei`. The gas limit is the node's estimate plus `relay_gas_margin_percent`,
never above `relay_max_gas`.

**Stuck transactions.** Every transaction sent is recorded (nonce, call, gas, fees, every hash
it was broadcast under) in Redis, or in memory without it, for `relay_sent_ttl_seconds`.
`replace_stuck`, run every `relay_replace_check_seconds` by the API, re-sends any that is still
unmined after `relay_replace_after_seconds` with the same nonce and call and both fees raised by
12.5% (rounded up, at least the current suggestion, never above the cap): an underpriced
transaction would otherwise hold every later one of the relayer. `GET
/v1/relay/transactions/{hash}` follows a transaction by any of its hashes to the one mined.
"""

from __future__ import annotations

import asyncio
import json
import logging
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import HexStr
from eth_utils import keccak, to_checksum_address
from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from api.relay.contracts import Chain
from api.relay.exceptions import GasCapExceededError, RelayUnavailableError
from api.rpc import RpcCallError
from api.settings import ApiSettings

log = logging.getLogger("azora.api.relay")


@dataclass(frozen=True)
class Fees:
    """The two EIP-1559 fee fields, in wei per gas."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int


@dataclass(frozen=True)
class SentTransaction:
    """A transaction the relayer broadcast."""

    tx_hash: str
    nonce: int
    gas: int
    fees: Fees


# Replacement fees: × 9/8 (+12.5%, above the 10% most nodes require), rounded up.
BUMP_NUMERATOR, BUMP_DENOMINATOR = 9, 8


@dataclass
class SentRecord:
    """A relayer transaction as sent: its nonce and call, and every broadcast of it (oldest first)."""

    nonce: int
    to: str
    data: str  # 0x hex
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int
    hashes: list[str]
    sent_at: float  # wall-clock time of the latest broadcast

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str | bytes) -> SentRecord:
        return cls(**json.loads(raw))


def bumped_fees(record: SentRecord, suggested: Fees | None, cap: int) -> Fees | None:
    """The fees of `record`'s replacement: both raised by 12.5% (rounded up), at least `suggested`,
    within `cap`; None when the cap leaves no room for the 10% raise nodes require."""

    def _raise(fee: int) -> int:
        return -(-fee * BUMP_NUMERATOR // BUMP_DENOMINATOR)

    tip = max(_raise(record.max_priority_fee_per_gas), suggested.max_priority_fee_per_gas if suggested else 0)
    max_fee = max(_raise(record.max_fee_per_gas), suggested.max_fee_per_gas if suggested else 0, tip)
    max_fee = min(max_fee, cap)
    tip = min(tip, max_fee)
    if max_fee * 10 < record.max_fee_per_gas * 11 or tip * 10 < record.max_priority_fee_per_gas * 11:
        return None
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)


class Relayer:
    """Sends transactions from `account` on `chain_id`."""

    def __init__(
        self,
        account: LocalAccount,
        chain: Chain,
        chain_id: int,
        settings: ApiSettings,
        redis: Redis | None,
    ) -> None:
        self.account = account
        self.address = to_checksum_address(account.address)
        self.chain = chain
        self.chain_id = chain_id
        self.settings = settings
        self.redis = redis
        base = f"{settings.relay_redis_prefix}relayer:{{{chain_id}:{self.address.lower()}}}:"
        self.lock_key = base + "lock"
        self.nonce_key = base + "next-nonce"
        self.sent_key = base + "sent"
        self._sent: dict[int, SentRecord] = {}  # only without Redis (or while it is down)
        self._lock = asyncio.Lock()
        self._memory: tuple[int, float] | None = None  # (next nonce, monotonic time it was set)
        self._last_redis_warning = 0.0

    # --- gas and fees ----------------------------------------------------------------------------

    async def estimate_gas(self, to: str, data: bytes) -> int:
        """The gas limit of a call from the relayer: the estimate plus the margin, within the cap.

        A revert raises `api.relay.contracts.CallReverted` (nothing was sent)."""
        tx = {"from": self.address, "to": to, "data": "0x" + data.hex()}
        try:
            estimate = int(await self.chain.request("eth_estimateGas", [tx]), 16)
        except RpcCallError as exc:
            raise RelayUnavailableError(f"the node could not estimate the gas ({exc})") from exc
        cap = self.settings.relay_max_gas
        if estimate > cap:
            raise GasCapExceededError(
                f"the call needs {estimate} gas, more than the relay cap of {cap}",
                max_gas=cap,
                gas=estimate,
            )
        return min(cap, estimate * (100 + self.settings.relay_gas_margin_percent) // 100)

    async def suggest_fees(self) -> Fees:
        """The fees a new relayer transaction bids now (see the module docstring)."""
        s = self.settings
        history = await self.chain.read(
            "eth_feeHistory", [hex(s.relay_fee_history_blocks), "latest", [s.relay_priority_fee_percentile]]
        )
        base_fees = [int(fee, 16) for fee in history.get("baseFeePerGas") or []]
        next_base = base_fees[-1] if base_fees else 0
        rewards = [int(block[0], 16) for block in history.get("reward") or [] if block]
        tip = max(int(statistics.median(rewards)) if rewards else 0, s.relay_min_priority_fee_wei)
        cap = s.relay_max_fee_per_gas_wei
        if next_base + min(tip, cap) > cap:
            raise RelayUnavailableError(
                f"the base fee ({next_base} wei) is above the relayer's cap "
                f"(API_RELAY_MAX_FEE_PER_GAS_WEI = {cap}); retry later",
                headers={"Retry-After": "30"},
            )
        tip = min(tip, cap)
        return Fees(max_fee_per_gas=min(2 * next_base + tip, cap), max_priority_fee_per_gas=tip)

    # --- sending ---------------------------------------------------------------------------------

    async def send(self, to: str, data: bytes, gas: int, fees: Fees) -> SentTransaction:
        """Sign and broadcast a call to `to`; returns once the node accepted it (not mined)."""
        async with self._locked():
            for attempt in (1, 2):
                nonce = await self._next_nonce()
                raw, tx_hash = self._sign(nonce, to, data, gas, fees)
                try:
                    await self.chain.request("eth_sendRawTransaction", ["0x" + raw.hex()])
                except RpcCallError as exc:
                    message = str(exc).lower()
                    if "already known" in message or "already imported" in message:
                        pass  # the same bytes are in the pool: this is our transaction
                    elif "nonce too low" in message and attempt == 1:
                        log.warning("relayer nonce was taken; reading it again", extra={"nonce": nonce})
                        await self._forget()
                        continue
                    elif "insufficient funds" in message:
                        log.error("the API relayer is out of funds", extra={"relayer": self.address})
                        raise RelayUnavailableError(
                            "the relayer cannot pay for gas right now; retry later",
                            headers={"Retry-After": "60"},
                        ) from exc
                    else:
                        raise RelayUnavailableError(
                            f"the node refused the relayer's transaction: {exc}", headers={"Retry-After": "5"}
                        ) from exc
                await self._remember(nonce + 1)
                await self._store(
                    SentRecord(
                        nonce=nonce,
                        to=to,
                        data="0x" + data.hex(),
                        gas=gas,
                        max_fee_per_gas=fees.max_fee_per_gas,
                        max_priority_fee_per_gas=fees.max_priority_fee_per_gas,
                        hashes=[tx_hash],
                        sent_at=time.time(),
                    )
                )
                return SentTransaction(tx_hash=tx_hash, nonce=nonce, gas=gas, fees=fees)
        raise RelayUnavailableError("the relayer's nonce kept moving; retry", headers={"Retry-After": "1"})

    def _sign(self, nonce: int, to: str, data: bytes, gas: int, fees: Fees) -> tuple[bytes, str]:
        """The signed EIP-1559 transaction and its hash."""
        signed = self.account.sign_transaction(
            {
                "type": 2,
                "chainId": self.chain_id,
                "nonce": nonce,
                "to": HexStr(to),
                "value": 0,
                "data": data,
                "gas": gas,
                "maxFeePerGas": fees.max_fee_per_gas,
                "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
            }
        )
        raw = bytes(signed.raw_transaction)
        return raw, "0x" + keccak(raw).hex()

    # --- stuck transactions ----------------------------------------------------------------------

    async def replace_stuck(self) -> list[SentTransaction]:
        """Re-send every recorded transaction still unmined after `relay_replace_after_seconds`
        (same nonce and call, fees +12.5%); returns the replacements broadcast. Records of mined
        nonces older than `relay_sent_ttl_seconds` are dropped."""
        records = await self._records()
        if not records:
            return []
        mined = int(await self.chain.read("eth_getTransactionCount", [self.address, "latest"]), 16)
        now = time.time()
        ttl = self.settings.relay_sent_ttl_seconds
        await self._drop([r.nonce for r in records if r.nonce < mined and now - r.sent_at > ttl])
        after = self.settings.relay_replace_after_seconds
        stuck = sorted(
            (r for r in records if r.nonce >= mined and now - r.sent_at >= after), key=lambda r: r.nonce
        )
        if not stuck:
            return []
        try:
            suggested: Fees | None = await self.suggest_fees()
        except RelayUnavailableError:
            suggested = None  # the base fee is above the cap: raise within the cap anyway
        out: list[SentTransaction] = []
        async with self._locked():
            for record in stuck:
                sent = await self._replace(record, suggested)
                if sent is not None:
                    out.append(sent)
        return out

    async def _replace(self, record: SentRecord, suggested: Fees | None) -> SentTransaction | None:
        fees = bumped_fees(record, suggested, self.settings.relay_max_fee_per_gas_wei)
        if fees is None:
            log.warning(
                "a relayer transaction is stuck at the fee cap (API_RELAY_MAX_FEE_PER_GAS_WEI)",
                extra={"nonce": record.nonce, "tx_hash": record.hashes[-1]},
            )
            return None
        raw, tx_hash = self._sign(record.nonce, record.to, bytes.fromhex(record.data[2:]), record.gas, fees)
        try:
            await self.chain.request("eth_sendRawTransaction", ["0x" + raw.hex()])
        except RpcCallError as exc:
            message = str(exc).lower()
            if "nonce too low" in message:
                return None  # mined meanwhile: nothing to replace
            if "already known" not in message and "already imported" not in message:
                log.warning(
                    "the node refused a replacement", extra={"nonce": record.nonce, "error": str(exc)}
                )
                return None
        record.hashes.append(tx_hash)
        record.max_fee_per_gas = fees.max_fee_per_gas
        record.max_priority_fee_per_gas = fees.max_priority_fee_per_gas
        record.sent_at = time.time()
        await self._store(record)
        log.info(
            "stuck relayer transaction replaced",
            extra={"nonce": record.nonce, "replaced": record.hashes[-2], "tx_hash": tx_hash},
        )
        return SentTransaction(tx_hash=tx_hash, nonce=record.nonce, gas=record.gas, fees=fees)

    async def lookup(self, tx_hash: str) -> SentRecord | None:
        """The recorded transaction one of whose broadcasts is `tx_hash` (lowercase 0x hex)."""
        for record in await self._records():
            if tx_hash in record.hashes:
                return record
        return None

    async def _records(self) -> list[SentRecord]:
        records = dict(self._sent)
        if self.redis is not None:
            try:
                stored: Any = await self.redis.hgetall(self.sent_key)
            except RedisError as exc:
                self._warn_redis(exc)
            else:
                for raw in stored.values():
                    record = SentRecord.from_json(raw)
                    records[record.nonce] = record
        return list(records.values())

    async def _store(self, record: SentRecord) -> None:
        """Record `record` in Redis; in this process's memory only without Redis (or while it is
        down), so the records are not kept twice and memory does not grow with every relay."""
        if self.redis is not None:
            try:
                await self.redis.hset(self.sent_key, str(record.nonce), record.to_json())
                await self.redis.expire(self.sent_key, int(self.settings.relay_sent_ttl_seconds))
            except RedisError as exc:
                self._warn_redis(exc)
            else:
                self._sent.pop(record.nonce, None)
                return
        self._sent[record.nonce] = record

    async def _drop(self, nonces: list[int]) -> None:
        for nonce in nonces:
            self._sent.pop(nonce, None)
        if nonces and self.redis is not None:
            try:
                await self.redis.hdel(self.sent_key, *[str(n) for n in nonces])
            except RedisError as exc:
                self._warn_redis(exc)

    @asynccontextmanager
    async def _locked(self) -> AsyncIterator[None]:
        """The process lock, then the Redis lock shared with other API processes (when available)."""
        ttl = self.settings.relay_lock_ttl_seconds
        async with self._lock:
            lock = None
            if self.redis is not None:
                lock = self.redis.lock(self.lock_key, timeout=ttl, blocking_timeout=ttl, thread_local=False)
                try:
                    acquired = await lock.acquire()
                except RedisError as exc:
                    self._warn_redis(exc)
                    lock = None
                else:
                    if not acquired:
                        raise RelayUnavailableError(
                            "the relayer is busy (another API process holds its lock); retry",
                            headers={"Retry-After": "1"},
                        )
            try:
                yield
            finally:
                if lock is not None:
                    try:
                        await lock.release()
                    except (LockError, RedisError) as exc:
                        log.warning(
                            "the relayer lock expired while sending; raise API_RELAY_LOCK_TTL_SECONDS",
                            extra={"error": repr(exc)},
                        )

    async def _next_nonce(self) -> int:
        pending = int(await self.chain.read("eth_getTransactionCount", [self.address, "pending"]), 16)
        return max(pending, await self._remembered())

    async def _remembered(self) -> int:
        """One past the last nonce sent, if sent within the memory period (else 0)."""
        remembered = 0
        if self._memory is not None:
            nonce, at = self._memory
            if time.monotonic() - at < self.settings.relay_nonce_memory_seconds:
                remembered = nonce
        if self.redis is not None:
            try:
                stored = await self.redis.get(self.nonce_key)
            except RedisError as exc:
                self._warn_redis(exc)
            else:
                if stored is not None:
                    remembered = max(remembered, int(stored))
        return remembered

    async def _remember(self, next_nonce: int) -> None:
        memory = self.settings.relay_nonce_memory_seconds
        self._memory = (next_nonce, time.monotonic())
        if self.redis is not None and memory > 0:
            try:
                await self.redis.set(self.nonce_key, next_nonce, px=int(memory * 1000))
            except RedisError as exc:
                self._warn_redis(exc)

    async def _forget(self) -> None:
        self._memory = None
        if self.redis is not None:
            try:
                await self.redis.delete(self.nonce_key)
            except RedisError as exc:
                self._warn_redis(exc)

    def _warn_redis(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._last_redis_warning >= 60:
            self._last_redis_warning = now
            log.warning(
                "Redis unavailable: relayer nonces are serialised in this process only",
                extra={"error": repr(exc)},
            )
