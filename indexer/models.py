"""The indexer's PostgreSQL schema (SQLAlchemy 2 typed declarative models).

The API reads these tables; Alembic migrations in ``indexer/migrations`` create them.
Conventions shared by every table:

* ``chain_id`` leads every primary key, so several chains can share one database.
* Addresses are lowercase ``0x`` hex (42 characters, ``COLLATE "C"``); the API serves them
  checksummed.
  Hashes (block, transaction, bytes32 values) are lowercase ``0x`` hex (66 characters).
* uint256 values are ``NUMERIC(78, 0)`` through the `Uint256` type, which reads back as a
  Python ``int`` (never a ``Decimal`` that would print as ``2.55E+20``).
* Block timestamps are unix seconds (``BIGINT``).
* Event tables are keyed by ``(chain_id, block_number, log_index)``: the position of the
  log on the chain. A reorg deletes every row above the fork block.

Each contract's projection tables are prefixed with its domain (``token_``, ``ledger_``,
``oracle_`` for the OracleHub, ``pok_`` for ProofOfKnowledge; ``credentials``; ``governance_`` for the
Governor and its Timelock); later contracts add theirs the same way (``treasury_``...).
``ethics_reviews`` is not a projection: the ethics oracle writes it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so Alembic migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ADDRESS_LENGTH = 42
HASH_LENGTH = 66


class Uint256(TypeDecorator[int]):
    """A uint256 stored as NUMERIC(78, 0) and read back as a Python int."""

    impl = Numeric(78, 0)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else Decimal(int(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> int | None:
        return None if value is None else int(value)


def _address(**kwargs: Any) -> Any:
    # Hex compares bytewise: the "C" collation is correct and makes the address indexes ~20% cheaper.
    return mapped_column(String(ADDRESS_LENGTH, collation="C"), **kwargs)


def _hash(**kwargs: Any) -> Any:
    return mapped_column(String(HASH_LENGTH), **kwargs)


class Base(DeclarativeBase):
    """Declarative base of every indexer table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- Sync state --------------------------------------------------------------------------------------


class SyncCursor(Base):
    """Where the indexer is on one chain: one row per chain, committed with the data it covers.

    ``last_block`` is the last block whose logs are fully applied to every projection
    (``start_block - 1`` before the first batch). ``published_block`` trails it until the
    batch's events are on the Redis stream; a restart republishes the gap.
    """

    __tablename__ = "sync_cursors"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # First block the indexer reads (the earliest deploy block of the manifest).
    start_block: Mapped[int] = mapped_column(BigInteger)
    # Last fully indexed block; the API reports it as "the indexed block".
    last_block: Mapped[int] = mapped_column(BigInteger)
    # Hash of `last_block` when known (null before the first batch).
    last_block_hash: Mapped[str | None] = _hash(nullable=True)
    # The chain head seen when the last batch committed (lag = head_block - last_block).
    head_block: Mapped[int] = mapped_column(BigInteger, default=0)
    # Blocks at or below this number are treated as final (no reorg check, headers pruned).
    final_block: Mapped[int] = mapped_column(BigInteger, default=0)
    # Last block whose events were published to the event bus.
    published_block: Mapped[int] = mapped_column(BigInteger)
    # Fork block of a rollback whose `reorg` message is not yet on the bus (null: none pending).
    pending_reorg_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Comma-separated lowercase addresses indexed (a changed manifest needs --reindex).
    addresses: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Block(Base):
    """Headers of the unfinalised window (newest ``reorg_window`` blocks), used to detect reorgs.

    Older headers are pruned after each batch; a parent-hash mismatch against this table
    starts a rollback to the fork point.
    """

    __tablename__ = "blocks"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[str] = _hash()
    parent_hash: Mapped[str] = _hash()
    # Unix seconds.
    timestamp: Mapped[int] = mapped_column(BigInteger)


class RawLog(Base):
    """Every log of every indexed Azora contract, undecoded: the source of every projection."""

    __tablename__ = "raw_logs"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_hash: Mapped[str] = _hash()
    tx_hash: Mapped[str] = _hash()
    tx_index: Mapped[int] = mapped_column(Integer)
    # The emitting contract, lowercase.
    address: Mapped[str] = _address()
    # topic0 is the event signature hash; null topics are absent.
    topic0: Mapped[str | None] = _hash(nullable=True)
    topic1: Mapped[str | None] = _hash(nullable=True)
    topic2: Mapped[str | None] = _hash(nullable=True)
    topic3: Mapped[str | None] = _hash(nullable=True)
    # ABI-encoded non-indexed fields, 0x hex.
    data: Mapped[str] = mapped_column(Text)
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


# --- AzoraToken projections --------------------------------------------------------------------------


class TokenTransfer(Base):
    """Every AZR ``Transfer``; mints come from and burns go to the zero address."""

    __tablename__ = "token_transfers"
    __table_args__ = (
        Index(None, "chain_id", "from_address", "block_number"),
        Index(None, "chain_id", "to_address", "block_number"),
    )

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    from_address: Mapped[str] = _address()
    to_address: Mapped[str] = _address()
    amount: Mapped[int] = mapped_column(Uint256)
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class TokenBalance(Base):
    """Current AZR balance of every account that ever held or sent AZR (zero address excluded)."""

    __tablename__ = "token_balances"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account: Mapped[str] = _address(primary_key=True)
    balance: Mapped[int] = mapped_column(Uint256)


class TokenSupply(Base):
    """Total supply after each block that minted or burned; the latest row is the current supply."""

    __tablename__ = "token_supply"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    total_supply: Mapped[int] = mapped_column(Uint256)
    # Minted / burned within this block.
    minted: Mapped[int] = mapped_column(Uint256)
    burned: Mapped[int] = mapped_column(Uint256)


class TokenDelegationChange(Base):
    """Every ``DelegateChanged``: the delegation history of each holder."""

    __tablename__ = "token_delegation_changes"
    __table_args__ = (Index(None, "chain_id", "delegator", "block_number"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    delegator: Mapped[str] = _address()
    from_delegate: Mapped[str] = _address()
    to_delegate: Mapped[str] = _address()
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class TokenDelegation(Base):
    """Current delegate of every holder that ever delegated (the zero address: votes withdrawn)."""

    __tablename__ = "token_delegations"
    __table_args__ = (Index(None, "chain_id", "delegate"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delegator: Mapped[str] = _address(primary_key=True)
    delegate: Mapped[str] = _address()
    # Position of the DelegateChanged that set it.
    block_number: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(Integer)


class TokenVotesChange(Base):
    """Every ``DelegateVotesChanged``: the voting-power history of each delegate.

    Votes of `delegate` at the end of block t = ``new_votes`` of its last row with
    ``block_number <= t`` (0 without one), as ``getPastVotes`` computes it.
    """

    __tablename__ = "token_votes_history"
    __table_args__ = (Index(None, "chain_id", "delegate", "block_number"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    delegate: Mapped[str] = _address()
    previous_votes: Mapped[int] = mapped_column(Uint256)
    new_votes: Mapped[int] = mapped_column(Uint256)
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class TokenVotes(Base):
    """Current voting power of every delegate that ever had votes (``getVotes``)."""

    __tablename__ = "token_votes"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delegate: Mapped[str] = _address(primary_key=True)
    votes: Mapped[int] = mapped_column(Uint256)
    # Position of the DelegateVotesChanged that set it.
    block_number: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(Integer)


# --- Ledger projections ------------------------------------------------------------------------------


class LedgerEntry(Base):
    """Every ``Recorded`` entry of the Ledger, with the chain hash the contract emitted after it."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index(None, "chain_id", "account", "entry_index"),
        Index(None, "chain_id", "kind_name", "entry_index"),
        Index(None, "chain_id", "block_number", "log_index"),
    )

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # The 1-based entry number (`index` of the event).
    entry_index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # bytes32 kind (keccak256 of its name) and the name when it is a known kind.
    kind: Mapped[str] = _hash()
    kind_name: Mapped[str | None] = mapped_column(String(32), nullable=True)
    account: Mapped[str] = _address()
    amount: Mapped[int] = mapped_column(Uint256)
    ref: Mapped[str] = _hash()
    # head_n as emitted by the contract.
    head: Mapped[str] = _hash()
    block_number: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(Integer)
    tx_hash: Mapped[str] = _hash()
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class LedgerStatus(Base):
    """Result of recomputing the ledger hash chain, updated after every batch (one row per chain).

    ``ok`` is true when entries 1..entry_count are contiguous and every emitted head equals
    the recomputed one; otherwise ``first_mismatch`` is the first entry that breaks the chain.
    """

    __tablename__ = "ledger_status"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # Entries indexed so far (the highest entry index).
    entry_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # Length of the prefix whose recomputed heads match the emitted ones.
    verified_count: Mapped[int] = mapped_column(BigInteger, default=0)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    # Recomputed head after `verified_count` entries (0x00..00 when empty).
    verified_head: Mapped[str] = _hash()
    # Head emitted by the latest entry (0x00..00 when empty).
    latest_head: Mapped[str] = _hash()
    first_mismatch: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The indexed block this status was computed at.
    checked_block: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


# --- OracleHub projections ---------------------------------------------------------------------------


class OracleAttestation(Base):
    """Every applied attestation (``Attested``), and whether it was revoked since (``Revoked``).

    A uid is consumed once, so it keys the row. ``data_hash`` is keccak256 of the payload the
    consumer received (the payload itself is in the transaction's calldata, not in the log).
    """

    __tablename__ = "oracle_attestations"
    __table_args__ = (
        Index(None, "chain_id", "block_number", "log_index"),
        Index(None, "chain_id", "schema", "block_number", "log_index"),
        Index(None, "chain_id", "subject", "block_number", "log_index"),
    )

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    uid: Mapped[str] = _hash(primary_key=True)
    schema: Mapped[str] = _hash()
    subject: Mapped[str] = _address()
    data_hash: Mapped[str] = _hash()
    # Who relayed (paid for) the submission.
    relayer: Mapped[str] = _address()
    block_number: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(Integer)
    tx_hash: Mapped[str] = _hash()
    block_timestamp: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Position of the ``Revoked`` event (null while not revoked).
    revoked_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_log_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revoked_tx_hash: Mapped[str | None] = _hash(nullable=True)
    revoked_timestamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class OracleRejection(Base):
    """Every attestation ``submit_batch`` skipped (``AttestationRejected``); its uid stays unused."""

    __tablename__ = "oracle_rejections"
    __table_args__ = (Index(None, "chain_id", "uid"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    schema: Mapped[str] = _hash()
    uid: Mapped[str] = _hash()
    # OracleHub.REASON_* code (1..11).
    reason: Mapped[int] = mapped_column(SmallInteger)
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class OracleSchemaChange(Base):
    """Every ``SchemaRegistered``: the routing history of each schema (zero consumer = unregistered)."""

    __tablename__ = "oracle_schema_changes"
    __table_args__ = (Index(None, "chain_id", "schema", "block_number"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    schema: Mapped[str] = _hash()
    domain: Mapped[str] = _hash()
    consumer: Mapped[str] = _address()
    revocable: Mapped[bool] = mapped_column(Boolean)
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class OracleSchema(Base):
    """Current route of every schema ever registered (``OracleHub.schemas``)."""

    __tablename__ = "oracle_schemas"
    __table_args__ = (Index(None, "chain_id", "domain"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    schema: Mapped[str] = _hash(primary_key=True)
    domain: Mapped[str] = _hash()
    # The zero address: unregistered.
    consumer: Mapped[str] = _address()
    revocable: Mapped[bool] = mapped_column(Boolean)
    # Position of the SchemaRegistered that set it.
    block_number: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(Integer)


class OracleSignerSetChange(Base):
    """Every ``SignersChanged``: the signer-set history of each domain, one row per epoch."""

    __tablename__ = "oracle_signer_set_changes"
    __table_args__ = (Index(None, "chain_id", "domain", "block_number"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    domain: Mapped[str] = _hash()
    epoch: Mapped[int] = mapped_column(BigInteger)
    threshold: Mapped[int] = mapped_column(Integer)
    # Lowercase addresses in the order they were set (empty with threshold 0: domain disabled).
    signers: Mapped[list[str]] = mapped_column(ARRAY(String(ADDRESS_LENGTH)))
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class OracleSignerSet(Base):
    """Current signer set of every domain ever configured (``signers`` / ``threshold`` / ``epoch``)."""

    __tablename__ = "oracle_signer_sets"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    domain: Mapped[str] = _hash(primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger)
    threshold: Mapped[int] = mapped_column(Integer)
    signers: Mapped[list[str]] = mapped_column(ARRAY(String(ADDRESS_LENGTH)))
    # Position of the SignersChanged that set it.
    block_number: Mapped[int] = mapped_column(BigInteger)
    log_index: Mapped[int] = mapped_column(Integer)
    tx_hash: Mapped[str] = _hash()
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


# --- ProofOfKnowledge projections --------------------------------------------------------------------


class PokReward(Base):
    """Every ``RewardPaid``: a learner's reward for a course completion and the Treasury's Ubuntu share."""

    __tablename__ = "pok_rewards"
    __table_args__ = (
        Index(None, "chain_id", "learner", "block_number", "log_index"),
        Index(None, "chain_id", "uid"),
        Index(None, "chain_id", "epoch"),
    )

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    learner: Mapped[str] = _address()
    course_id: Mapped[int] = mapped_column(Uint256)
    # The completion attestation (= the credential's token id).
    uid: Mapped[str] = _hash()
    reward: Mapped[int] = mapped_column(Uint256)
    ubuntu_share: Mapped[int] = mapped_column(Uint256)
    # Budget epoch: block_timestamp // 2,592,000.
    epoch: Mapped[int] = mapped_column(BigInteger)
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class PokEpoch(Base):
    """What ProofOfKnowledge minted in each budget epoch with a reward (``epoch_minted``)."""

    __tablename__ = "pok_epochs"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    completions: Mapped[int] = mapped_column(BigInteger)
    rewards: Mapped[int] = mapped_column(Uint256)
    ubuntu_shares: Mapped[int] = mapped_column(Uint256)
    # rewards + ubuntu_shares: the part of the epoch budget used.
    minted: Mapped[int] = mapped_column(Uint256)
    first_block: Mapped[int] = mapped_column(BigInteger)
    last_block: Mapped[int] = mapped_column(BigInteger)


class PokParameterChange(Base):
    """Every ``TreasuryChanged`` / ``DailyCapChanged`` / ``EpochBudgetChanged``, with all three
    parameters as they stand after it: the latest row is the current configuration.

    The constructor emits the three events, so every parameter is known from the deploy block
    on; a column is null only while its first event is not yet indexed.
    """

    __tablename__ = "pok_parameter_changes"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    # Which one changed: treasury, daily_cap or epoch_budget.
    parameter: Mapped[str] = mapped_column(String(16))
    treasury: Mapped[str | None] = _address(nullable=True)
    daily_cap: Mapped[int | None] = mapped_column(Uint256, nullable=True)
    epoch_budget: Mapped[int | None] = mapped_column(Uint256, nullable=True)
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


# --- Credentials projections -------------------------------------------------------------------------


class Credential(Base):
    """Every credential ever issued (``CredentialIssued``), revoked ones included (``CredentialRevoked``
    burns the token on chain; here it stays, flagged). The token id is the completion's uid."""

    __tablename__ = "credentials"
    __table_args__ = (Index(None, "chain_id", "learner", "issued_block", "issued_log_index"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token_id: Mapped[int] = mapped_column(Uint256, primary_key=True)
    learner: Mapped[str] = _address()
    course_id: Mapped[int] = mapped_column(Uint256)
    score: Mapped[int] = mapped_column(SmallInteger)
    difficulty: Mapped[int] = mapped_column(SmallInteger)
    # Position of the CredentialIssued (issued_block is the block `credential()` reports).
    issued_block: Mapped[int] = mapped_column(BigInteger)
    issued_log_index: Mapped[int] = mapped_column(Integer)
    issued_tx_hash: Mapped[str] = _hash()
    issued_timestamp: Mapped[int] = mapped_column(BigInteger)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Position of the CredentialRevoked (null while live).
    revoked_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    revoked_log_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revoked_tx_hash: Mapped[str | None] = _hash(nullable=True)
    revoked_timestamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


# --- AzoraGovernor + AzoraTimelock projections -------------------------------------------------------


class GovernanceProposal(Base):
    """Every proposal (``ProposalCreated``) with what happened to it since: votes counted, the
    constitutional review in force, queueing, execution or cancellation.

    The lifecycle state is not stored: it depends on the block and the time (Pending -> Active ->
    Defeated / Succeeded -> Queued -> Expired / Executed, or Canceled by its proposer or by a
    veto on the Timelock), so readers derive it from these columns
    at the indexed block with `indexer.handlers.governor.state_sql`, exactly as ``state(id)``
    computes it on chain.
    """

    __tablename__ = "governance_proposals"
    __table_args__ = (
        Index(None, "chain_id", "created_block", "created_log_index"),
        Index(None, "chain_id", "proposer", "created_block", "created_log_index"),
        Index(None, "chain_id", "timelock_id"),
    )

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # hashProposal(targets, values, calldatas, keccak256(description)).
    proposal_id: Mapped[int] = mapped_column(Uint256, primary_key=True)
    proposer: Mapped[str] = _address()
    description: Mapped[str] = mapped_column(Text)
    # keccak256 of the UTF-8 description (what queue / execute / cancel take).
    description_hash: Mapped[str] = _hash()
    # voteStart (the snapshot block) and voteEnd (the last block of voting).
    snapshot: Mapped[int] = mapped_column(BigInteger)
    deadline: Mapped[int] = mapped_column(BigInteger)
    action_count: Mapped[int] = mapped_column(Integer)
    # Position of the ProposalCreated.
    created_block: Mapped[int] = mapped_column(BigInteger)
    created_log_index: Mapped[int] = mapped_column(Integer)
    created_tx_hash: Mapped[str] = _hash()
    created_timestamp: Mapped[int] = mapped_column(BigInteger)
    # Sums of the VoteCast weights (proposalVotes) and the number of voters.
    against_votes: Mapped[int] = mapped_column(Uint256)
    for_votes: Mapped[int] = mapped_column(Uint256)
    abstain_votes: Mapped[int] = mapped_column(Uint256)
    voters: Mapped[int] = mapped_column(Integer)
    # quorum(snapshot) = total supply at the snapshot x the numerator in force at it / 100; null
    # until the snapshot block is indexed.
    quorum: Mapped[int | None] = mapped_column(Uint256, nullable=True)
    quorum_numerator: Mapped[int | None] = mapped_column(Uint256, nullable=True)
    # The review in force (the latest ProposalReviewed; null: never reviewed).
    review_verdict: Mapped[int | None] = mapped_column(SmallInteger, nullable=True)
    review_reason_hash: Mapped[str | None] = _hash(nullable=True)
    review_uid: Mapped[str | None] = _hash(nullable=True)
    review_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    review_log_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # ProposalQueued: etaSeconds and the event's position (null while not queued).
    eta: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    queued_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    queued_tx_hash: Mapped[str | None] = _hash(nullable=True)
    queued_timestamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # The Timelock operation id it was queued under (proposalTimelockId; null while not queued).
    # A Timelock ``Cancelled`` of it (a canceller's veto) stamps canceled_* below, as ``state(id)``
    # turns Canceled on chain.
    timelock_id: Mapped[str | None] = _hash(nullable=True)
    executed_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    executed_tx_hash: Mapped[str | None] = _hash(nullable=True)
    executed_timestamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    canceled_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    canceled_tx_hash: Mapped[str | None] = _hash(nullable=True)
    canceled_timestamp: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class GovernanceProposalAction(Base):
    """The calls of a proposal, in order (``targets[i]``, ``values[i]``, ``calldatas[i]``)."""

    __tablename__ = "governance_proposal_actions"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(Uint256, primary_key=True)
    action_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = _address()
    # Wei sent with the call.
    value: Mapped[int] = mapped_column(Uint256)
    # ``signatures[i]`` of the event (empty in OpenZeppelin v5 style: the selector is in the calldata).
    signature: Mapped[str] = mapped_column(Text)
    # 0x hex.
    calldata: Mapped[str] = mapped_column(Text)
    # The block of the proposal's ProposalCreated (rolled back with it).
    block_number: Mapped[int] = mapped_column(BigInteger)


class GovernanceVote(Base):
    """Every ``VoteCast`` (castVote, castVoteWithReason, castVoteBySig): one per voter and proposal."""

    __tablename__ = "governance_votes"
    __table_args__ = (
        Index(None, "chain_id", "proposal_id", "voter", unique=True),
        Index(None, "chain_id", "proposal_id", "block_number", "log_index"),
        Index(None, "chain_id", "voter", "block_number", "log_index"),
    )

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    proposal_id: Mapped[int] = mapped_column(Uint256)
    voter: Mapped[str] = _address()
    # 0 against, 1 for, 2 abstain.
    support: Mapped[int] = mapped_column(SmallInteger)
    # The voter's votes at the proposal's snapshot.
    weight: Mapped[int] = mapped_column(Uint256)
    # Empty for castVote / castVoteBySig.
    reason: Mapped[str] = mapped_column(Text)
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class GovernanceReview(Base):
    """Every ``ProposalReviewed``: the constitutional-review history of each proposal (the latest
    one is in force and copied onto its proposal)."""

    __tablename__ = "governance_reviews"
    __table_args__ = (Index(None, "chain_id", "proposal_id", "block_number", "log_index"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    proposal_id: Mapped[int] = mapped_column(Uint256)
    # 1 approve, 2 flag.
    verdict: Mapped[int] = mapped_column(SmallInteger)
    # keccak256 of the reasons (kept off chain, in `ethics_reviews`).
    reason_hash: Mapped[str] = _hash()
    # The OracleHub attestation that carried it.
    uid: Mapped[str] = _hash()
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class GovernanceSettingChange(Base):
    """Every governance setting change, the constructors' initial values included: the Governor's
    voting delay / period, proposal threshold, quorum numerator and grace period, and the
    Timelock's minimum delay. A setting's value at block t is ``new_value`` of its last row with
    ``block_number <= t`` (the quorum numerator is checkpointed exactly so on chain)."""

    __tablename__ = "governance_setting_changes"
    __table_args__ = (Index(None, "chain_id", "setting", "block_number", "log_index"),)

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    block_number: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    log_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    tx_hash: Mapped[str] = _hash()
    # The emitting contract (Governor or Timelock), lowercase.
    contract: Mapped[str] = _address()
    # voting_delay, voting_period, proposal_threshold, quorum_numerator, grace_period, timelock_min_delay.
    setting: Mapped[str] = mapped_column(String(24))
    old_value: Mapped[int] = mapped_column(Uint256)
    new_value: Mapped[int] = mapped_column(Uint256)
    block_timestamp: Mapped[int] = mapped_column(BigInteger)


class EthicsReview(Base):
    """The ethics oracle's reasons behind a review verdict, kept off chain: the chain holds only
    their keccak (``reason_hash``). Written by the ethics oracle, not by the indexer (a reorg or a
    re-index leaves it alone); the API shows the reasons of the review in force on chain."""

    __tablename__ = "ethics_reviews"

    chain_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(Uint256, primary_key=True)
    # '0x' + 64 lowercase hex digits.
    reason_hash: Mapped[str] = mapped_column(Text, primary_key=True)
    # 1 approve, 2 flag.
    verdict: Mapped[int] = mapped_column(SmallInteger)
    # [{"rule": ..., "principle": ..., "severity": ..., "message": ...}, ...]
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    constitution_version: Mapped[str] = mapped_column(Text)
    # Which evaluator produced it (the default: deterministic rules).
    evaluator: Mapped[str] = mapped_column(Text)
    # The attestation uid submitted to the OracleHub (0x hex).
    uid: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
