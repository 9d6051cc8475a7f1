"""One nonce manager per relayer key: a Redis lock serialises everything that sends from the
key (across processes and machines), and the next nonce is the larger of the node's pending
nonce and one past the highest nonce this relayer has recorded as pending in PostgreSQL (so a
transaction recorded but not yet accepted by the node keeps its slot)."""

from __future__ import annotations

import redis
from redis.lock import Lock
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web3 import Web3

from oracles.chain import rpc_guard
from oracles.models import TX_PENDING, OracleTransaction


class NonceManager:
    """Nonces of one relayer on one chain."""

    def __init__(
        self, client: redis.Redis, lock_key: str, w3: Web3, relayer: str, chain_id: int, lock_ttl: float
    ) -> None:
        self.redis = client
        self.lock_key = lock_key
        self.w3 = w3
        self.relayer = Web3.to_checksum_address(relayer)
        self.chain_id = chain_id
        self.lock_ttl = lock_ttl

    def lock(self) -> Lock:
        """The relayer's lock (expires after `lock_ttl` if its holder dies; `reacquire` renews it)."""
        return self.redis.lock(self.lock_key, timeout=self.lock_ttl, blocking=False, thread_local=False)

    def chain_nonce(self, block: str = "pending") -> int:
        with rpc_guard():
            return int(self.w3.eth.get_transaction_count(self.relayer, block))  # type: ignore[arg-type]

    def next_nonce(self, session: Session) -> int:
        """The nonce of the relayer's next new transaction (call with the lock held)."""
        recorded = session.scalar(
            select(func.max(OracleTransaction.nonce)).where(
                OracleTransaction.chain_id == self.chain_id,
                OracleTransaction.relayer == self.relayer.lower(),
                OracleTransaction.status == TX_PENDING,
            )
        )
        pending = self.chain_nonce("pending")
        return max(pending, int(recorded) + 1) if recorded is not None else pending
