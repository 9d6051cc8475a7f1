"""Response models of the API, separate from the indexer's table models.

Conventions every model follows:

* Addresses are served EIP-55 checksummed (`ChecksumAddress`).
* uint256 values are decimal strings of digits only (`Uint256`): JSON numbers lose
  precision beyond 2**53 and a NUMERIC read back as Decimal would print "2.55E+20".
* Every body is wrapped in an envelope carrying the chain id and the indexed block
  (`Envelope` for one object, `Page` for a keyset-paginated list).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from eth_utils import to_checksum_address
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

ZERO_ADDRESS = "0x" + "00" * 20
ZERO_HASH = "0x" + "00" * 32


def uint256(value: Any) -> int:
    """`value` (int, integral Decimal or digit string) as an int in the uint256 range."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a uint256")
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise ValueError(f"{value} is not an integer")
        value = int(value)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or not 0 <= value < 2**256:
        raise ValueError(f"{value!r} is not a uint256")
    return value


def checksum(value: Any) -> str:
    """`value` (hex string in any case, or 20 bytes) as an EIP-55 checksummed address."""
    return to_checksum_address(value)


ChecksumAddress = Annotated[
    str,
    BeforeValidator(checksum),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^0x[0-9a-fA-F]{40}$",
            "description": "EIP-55 checksummed address",
            "examples": ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"],
        }
    ),
]
# An int in Python, a digit string in JSON (str() of an int never uses E notation).
Uint256 = Annotated[
    int,
    BeforeValidator(uint256),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "uint256 as a decimal string (wei for amounts)",
            "examples": ["1000000000000000000"],
        }
    ),
]
Hex32 = Annotated[str, Field(pattern="^0x[0-9a-f]{64}$", examples=[ZERO_HASH])]

T = TypeVar("T")


class Envelope(BaseModel, Generic[T]):
    """One object, with the chain it comes from and the block the index has reached."""

    chain_id: int = Field(description="EIP-155 chain id of the indexed chain.")
    indexed_block: int = Field(description="Last block fully applied by the indexer; data is as of it.")
    data: T


class Page(BaseModel, Generic[T]):
    """One page of a keyset-paginated list. Pass `next_cursor` back as `?cursor=` for the next page."""

    chain_id: int = Field(description="EIP-155 chain id of the indexed chain.")
    indexed_block: int = Field(description="Last block fully applied by the indexer; data is as of it.")
    data: list[T]
    next_cursor: str | None = Field(description="Cursor of the next page; null on the last page.")


# --- accounts ---------------------------------------------------------------------------------------


class AccountLinks(BaseModel):
    """Where the history of an account lives."""

    transfers: str
    ledger_entries: str
    credentials: str
    rewards: str


class AccountOut(BaseModel):
    """An account's AZR balance, voting power and delegation."""

    address: ChecksumAddress
    balance: Uint256 = Field(description="AZR balance in wei.")
    votes: Uint256 = Field(description="Voting power delegated to this account (getVotes), in wei.")
    delegate: ChecksumAddress | None = Field(
        description="Whom this account delegates its votes to; null when it never delegated "
        "or withdrew its delegation (undelegated tokens carry no votes)."
    )
    links: AccountLinks


class TransferOut(BaseModel):
    """One AZR transfer (mints come from, burns go to the zero address)."""

    model_config = ConfigDict(serialize_by_alias=True)

    block_number: int
    log_index: int
    tx_hash: Hex32
    timestamp: int = Field(description="Block timestamp, unix seconds.")
    from_: ChecksumAddress = Field(serialization_alias="from")
    to: ChecksumAddress
    amount: Uint256
    direction: Literal["in", "out", "self"] = Field(description="Relative to the account queried.")


# --- token ------------------------------------------------------------------------------------------


class TokenOut(BaseModel):
    """AZR supply statistics."""

    symbol: str
    decimals: int
    total_supply: Uint256
    cap: Uint256 = Field(description="Hard cap (contract constant).")
    mintable: Uint256 = Field(description="cap - total_supply")
    holders: int = Field(description="Accounts with a non-zero balance.")
    delegated_votes: Uint256 = Field(description="Sum of every delegate's voting power.")


class DelegateOut(BaseModel):
    """A delegate and its voting power."""

    address: ChecksumAddress
    votes: Uint256
    delegators: int = Field(description="Accounts currently delegating to it.")


# --- ledger -----------------------------------------------------------------------------------------


class LedgerEntryOut(BaseModel):
    """One entry of the hash-chained Ledger."""

    index: int = Field(description="1-based entry number.")
    kind: Hex32 = Field(description="keccak256 of the kind name.")
    kind_name: str | None = Field(description="REWARD, FEE, ... (null for an unknown kind).")
    account: ChecksumAddress
    amount: Uint256
    ref: Hex32
    head: Hex32 = Field(description="Chain hash after this entry, as the contract emitted it.")
    block_number: int
    log_index: int
    tx_hash: Hex32
    timestamp: int


class LedgerRecomputeOut(BaseModel):
    """The hash chain recomputed by the API from the stored entries."""

    ok: bool
    count: int
    head: Hex32
    first_mismatch: int | None


class LedgerVerifyOut(BaseModel):
    """Whether the ledger's hash chain recomputes to the heads the contract emitted."""

    ok: bool = Field(description="Entries 1..count are contiguous and every emitted head matches.")
    count: int = Field(description="Entries indexed.")
    verified_count: int = Field(description="Length of the prefix that recomputes correctly.")
    head: Hex32 = Field(description="Head emitted by the latest entry.")
    verified_head: Hex32 = Field(description="Recomputed head after `verified_count` entries.")
    first_mismatch: int | None = Field(description="First entry breaking the chain; null when ok.")
    checked_block: int = Field(description="Indexed block the indexer checked at.")
    recomputed: LedgerRecomputeOut | None = Field(
        default=None, description="Present with ?recompute=true: the API's own recomputation."
    )


# --- health -----------------------------------------------------------------------------------------


class HealthOut(BaseModel):
    """Liveness: the process answers."""

    status: Literal["ok"]


class CheckOut(BaseModel):
    """One readiness check."""

    ok: bool
    latency_ms: float | None = None
    error: str | None = None


class ReadyOut(BaseModel):
    """Readiness: database and RPC reachable, and how far the indexer trails the chain head."""

    status: Literal["ready", "not_ready"]
    chain_id: int | None
    indexed_block: int | None
    head_block: int | None = Field(description="eth_blockNumber of the RPC node.")
    lag_blocks: int | None = Field(description="head_block - indexed_block (0 when the index is ahead).")
    checks: dict[str, CheckOut]


class ProblemOut(BaseModel):
    """An RFC 9457 problem (media type application/problem+json)."""

    model_config = ConfigDict(extra="allow")

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


# --- attestations (OracleHub) -------------------------------------------------------------------------


class RejectionOut(BaseModel):
    """An attestation `submit_batch` skipped (its uid stays unused and may be submitted again)."""

    uid: Hex32
    schema_: Hex32 = Field(alias="schema")
    schema_name: str | None = Field(description="The schema string, when the deployment knows it.")
    reason: int = Field(description="OracleHub REASON_* code.")
    reason_name: str | None = Field(description="EXPIRED, STALE_EPOCH, CONSUMER_REJECTED, ...")
    block_number: int
    log_index: int
    tx_hash: Hex32
    timestamp: int

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class AttestationOut(BaseModel):
    """An attestation the OracleHub verified and delivered to its schema's consumer."""

    uid: Hex32
    schema_: Hex32 = Field(alias="schema", description="keccak256 of the schema string.")
    schema_name: str | None = Field(description="The schema string, when the deployment knows it.")
    subject: ChecksumAddress
    data_hash: Hex32 = Field(description="keccak256 of the payload delivered to the consumer.")
    relayer: ChecksumAddress = Field(description="Who submitted (and paid for) it.")
    block_number: int
    log_index: int
    tx_hash: Hex32
    timestamp: int
    revoked: bool
    revoked_block: int | None
    revoked_tx_hash: Hex32 | None
    revoked_timestamp: int | None

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class AttestationLinks(BaseModel):
    """Where the effects of an attestation live."""

    credential: str | None = Field(description="The credential a CourseCompleted attestation earned.")
    rewards: str | None = Field(description="The subject's rewards (CourseCompleted).")


class AttestationDetailOut(AttestationOut):
    """An attestation, its schema's current route and earlier refused submissions of its uid."""

    domain: Hex32 | None = Field(description="The oracle domain the schema is routed to now.")
    domain_name: str | None
    rejections: list[RejectionOut] = Field(description="Batch rejections of this uid before it was applied.")
    links: AttestationLinks


# --- credentials --------------------------------------------------------------------------------------


class CredentialOut(BaseModel):
    """A soulbound course credential; a revoked one is burned on chain and kept here, flagged."""

    token_id: Uint256
    uid: Hex32 = Field(description="The token id as bytes32: the CourseCompleted attestation that earned it.")
    learner: ChecksumAddress
    course_id: Uint256
    score: int
    difficulty: int
    issued_block: int
    issued_tx_hash: Hex32
    issued_timestamp: int
    revoked: bool
    revoked_block: int | None
    revoked_tx_hash: Hex32 | None
    revoked_timestamp: int | None
    attestation: str = Field(description="Link to the attestation that earned it.")


# --- rewards (ProofOfKnowledge) -----------------------------------------------------------------------


class RewardOut(BaseModel):
    """One rewarded course completion."""

    course_id: Uint256
    uid: Hex32 = Field(description="The CourseCompleted attestation (= the credential's token id).")
    reward: Uint256 = Field(description="AZR minted to the learner, in wei.")
    ubuntu_share: Uint256 = Field(description="AZR minted to the Treasury on top, in wei.")
    epoch: int = Field(description="Budget epoch: block timestamp // 2,592,000.")
    block_number: int
    log_index: int
    tx_hash: Hex32
    timestamp: int


class EpochBudgetOut(BaseModel):
    """One budget epoch: what ProofOfKnowledge minted (rewards + Ubuntu shares) against its budget."""

    epoch: int
    starts_at: int = Field(description="Unix seconds.")
    ends_at: int = Field(description="Unix seconds (exclusive).")
    completions: int
    rewards: Uint256
    ubuntu_shares: Uint256
    used: Uint256 = Field(description="rewards + ubuntu_shares (epoch_minted).")
    budget: Uint256 | None = Field(
        description="The budget in force at the end of the epoch (the current one: now); null if not indexed."
    )
    left: Uint256 | None = Field(description="max(0, budget - used); null if the budget is not indexed.")


class DailyCapOut(BaseModel):
    """A learner's earnings on one UTC day against the per-learner daily cap."""

    day: int = Field(description="block timestamp // 86,400.")
    earned: Uint256
    daily_cap: Uint256 | None
    left: Uint256 | None


class RewardTotalsOut(BaseModel):
    """Everything a learner has earned."""

    completions: int
    reward: Uint256
    ubuntu_share: Uint256 = Field(description="What the learner's completions minted to the Treasury.")


class AccountRewardsSummaryOut(BaseModel):
    """A learner's totals, today's cap use and the current epoch's budget, as of the indexed block."""

    learner: ChecksumAddress
    as_of: int | None = Field(description="Timestamp of the indexed block (null if unknown).")
    totals: RewardTotalsOut
    today: DailyCapOut | None
    epoch: EpochBudgetOut | None


class AccountRewardsPage(Page[RewardOut]):
    """A learner's rewards, newest first, with a summary (the same on every page)."""

    summary: AccountRewardsSummaryOut


class RewardParametersOut(BaseModel):
    """ProofOfKnowledge's parameters as its events set them."""

    treasury: ChecksumAddress | None = Field(description="Receiver of the Ubuntu share.")
    daily_cap: Uint256 | None = Field(description="Most AZR (wei) one learner may earn per UTC day.")
    epoch_budget: Uint256 | None = Field(description="Most AZR (wei) minted per 30-day epoch.")
    updated_block: int | None = Field(description="Block of the latest parameter change.")


class RewardsOut(BaseModel):
    """ProofOfKnowledge's parameters and the current epoch's budget."""

    as_of: int | None = Field(description="Timestamp of the indexed block (null if unknown).")
    parameters: RewardParametersOut
    epoch: EpochBudgetOut | None


# --- oracle signer sets -------------------------------------------------------------------------------


class SchemaRouteOut(BaseModel):
    """Where a schema's attestations go."""

    schema_: Hex32 = Field(alias="schema")
    name: str | None
    consumer: ChecksumAddress | None = Field(description="Null when the schema was unregistered.")
    revocable: bool
    block_number: int = Field(description="Block of the registration in force.")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class OracleDomainOut(BaseModel):
    """An oracle domain: its current signer set (epoch 0 / no signers before the first) and schemas."""

    domain: Hex32
    name: str | None = Field(description="EDUCATION, ETHICS, MARKETPLACE, PRICE (null if unknown).")
    epoch: int = Field(description="Attestations must carry this epoch.")
    threshold: int
    signers: list[ChecksumAddress] = Field(description="In the order they were set.")
    updated_block: int | None
    updated_tx_hash: Hex32 | None
    updated_timestamp: int | None
    schemas: list[SchemaRouteOut]


class SignerSetOut(BaseModel):
    """One signer set of a domain (one epoch)."""

    domain: Hex32
    name: str | None
    epoch: int
    threshold: int
    signers: list[ChecksumAddress]
    block_number: int
    log_index: int
    tx_hash: Hex32
    timestamp: int
