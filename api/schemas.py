"""Response models of the API, separate from the indexer's table models.

Conventions every model follows:

* Addresses are served EIP-55 checksummed (`ChecksumAddress`).
* uint256 values are decimal strings of digits only (`Uint256`): JSON numbers lose
  precision beyond 2**53 and a NUMERIC read back as Decimal would print "2.55E+20".
* Every body is wrapped in an envelope carrying the chain id and the indexed block
  (`Envelope` for one object, `Page` for a keyset-paginated list).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from eth_utils import to_checksum_address
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
    field_validator,
    model_validator,
)

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


# --- wallet-signed write relays (api/relay, api/routes/relay.py) ----------------------------------


def _address_in(value: Any) -> str:
    """An address in any letter case (0x + 40 hex digits), as EIP-55 checksummed."""
    if not isinstance(value, str) or _ADDRESS_IN.fullmatch(value) is None:
        raise ValueError("not an address; expected 0x followed by 40 hex digits")
    return to_checksum_address(value)


def _hex_bytes(value: Any) -> bytes:
    """A 0x-prefixed hex string (even length) as bytes."""
    if not isinstance(value, str) or _HEX_IN.fullmatch(value) is None:
        raise ValueError("expected 0x followed by an even number of hex digits")
    return bytes.fromhex(value[2:])


_ADDRESS_IN = re.compile(r"0x[0-9a-fA-F]{40}")
_HEX_IN = re.compile(r"0x(?:[0-9a-fA-F]{2})*")

AddressIn = Annotated[
    str,
    BeforeValidator(_address_in),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^0x[0-9a-fA-F]{40}$",
            "description": "Address, any letter case",
            "examples": ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"],
        }
    ),
]


def _hex_schema(n: int | None, description: str) -> dict[str, Any]:
    digits = "*" if n is None else f"{{{2 * n}}}"
    pattern = f"^0x([0-9a-fA-F]{{2}}){digits}$" if n is None else f"^0x[0-9a-fA-F]{digits}$"
    return {"type": "string", "pattern": pattern, "description": description}


def _sized(n: int) -> Any:
    def check(value: bytes) -> bytes:
        if len(value) != n:
            raise ValueError(f"expected {n} bytes (0x + {2 * n} hex digits), got {len(value)}")
        return value

    return AfterValidator(check)


Bytes32In = Annotated[
    bytes, BeforeValidator(_hex_bytes), _sized(32), WithJsonSchema(_hex_schema(32, "32 bytes, hex"))
]
SignatureIn = Annotated[
    bytes,
    BeforeValidator(_hex_bytes),
    _sized(65),
    WithJsonSchema(_hex_schema(65, "65-byte signature r || s || v, hex (eth_signTypedData_v4)")),
]
MAX_RAW_TRANSACTION_BYTES = 64 * 1024
RawTransactionHex = Annotated[
    bytes,
    BeforeValidator(_hex_bytes),
    WithJsonSchema(_hex_schema(None, f"Signed transaction, hex (at most {MAX_RAW_TRANSACTION_BYTES} bytes)")),
]


class DelegationIn(BaseModel):
    """An ERC-5805 delegation signed by the delegator: EIP-712 `Delegation(address delegatee,uint256
    nonce,uint256 expiry)` under the AzoraToken domain (name "Azora", version "1"). Send either
    `v`, `r`, `s` or the 65-byte `signature`."""

    model_config = ConfigDict(extra="forbid")

    delegatee: AddressIn = Field(description="Who receives the delegator's votes (0x0 withdraws them).")
    nonce: Uint256 = Field(description="The delegator's `nonces()` on the token (shared with permit).")
    expiry: Uint256 = Field(description="Unix time after which the signature is void.")
    v: int | None = Field(default=None, ge=0, le=255, description="27 or 28 (0 / 1 accepted).")
    r: Bytes32In | None = None
    s: Bytes32In | None = None
    signature: SignatureIn | None = Field(default=None, description="r || s || v, instead of v, r, s.")
    delegator: AddressIn | None = Field(
        default=None, description="Optional: the expected signer; a signature recovering to another is a 422."
    )

    @model_validator(mode="after")
    def _one_signature_form(self) -> DelegationIn:
        parts = (self.v, self.r, self.s)
        if self.signature is not None:
            if any(part is not None for part in parts):
                raise ValueError("send either `signature` or `v`, `r`, `s`, not both")
        elif any(part is None for part in parts):
            raise ValueError("a signature is required: `signature`, or all of `v`, `r`, `s`")
        return self


class DelegationRelayedOut(BaseModel):
    """A relayed `delegateBySig`: broadcast, not yet mined. Follow `tx_hash` on any node or wait
    for the indexer (`GET /v1/accounts/{delegator}`)."""

    chain_id: int
    tx_hash: Hex32
    delegator: ChecksumAddress = Field(description="The signer, recovered from the signature.")
    delegatee: ChecksumAddress
    relayer: ChecksumAddress = Field(description="The API relayer that pays the gas.")


class VoteIn(BaseModel):
    """A ballot signed by the voter: EIP-712 `Ballot(uint256 proposalId,uint8 support,address voter,
    uint256 nonce)` under the AzoraGovernor domain (name "AzoraGovernor", version "1"), with
    nonce = the governor's `nonces(voter)`."""

    model_config = ConfigDict(extra="forbid")

    proposal_id: Uint256
    support: Literal[0, 1, 2] = Field(description="0 against, 1 for, 2 abstain.")
    voter: AddressIn
    signature: SignatureIn
    reason: str | None = Field(
        default=None,
        description="Not relayable: AzoraGovernor has no castVoteWithReasonAndParamsBySig, so a reason is "
        "refused (422). Vote with a reason by sending castVoteWithReason through POST /v1/tx.",
    )


class VoteRelayedOut(BaseModel):
    """A relayed `castVoteBySig`: broadcast, not yet mined."""

    chain_id: int
    tx_hash: Hex32
    proposal_id: Uint256
    voter: ChecksumAddress
    support: int
    weight: Uint256 = Field(description="The voter's votes at the proposal's snapshot.")
    relayer: ChecksumAddress


class RawTransactionIn(BaseModel):
    """A transaction the user signed in full (EIP-1559, EIP-2930 or legacy EIP-155): the user pays gas."""

    model_config = ConfigDict(extra="forbid")

    raw_transaction: RawTransactionHex = Field(examples=["0x02f8..."])

    @field_validator("raw_transaction")
    @classmethod
    def _not_too_large(cls, value: bytes) -> bytes:
        if not value:
            raise ValueError("the raw transaction is empty")
        if len(value) > MAX_RAW_TRANSACTION_BYTES:
            raise ValueError(f"the raw transaction exceeds {MAX_RAW_TRANSACTION_BYTES} bytes")
        return value


class RawTransactionRelayedOut(BaseModel):
    """A broadcast user transaction, not yet mined."""

    chain_id: int
    tx_hash: Hex32
    from_: ChecksumAddress = Field(alias="from", description="The sender recovered from the signature.")
    to: ChecksumAddress = Field(description="The Azora contract it calls.")
    contract: str = Field(description="That contract's name in the deployment manifest.")
    nonce: int

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class RelayedTransactionOut(BaseModel):
    """A transaction the API relayer sent, found by any of its hashes: a stuck one is re-sent with
    the same nonce and higher fees under a new hash, and at most one of them is mined."""

    chain_id: int
    tx_hash: Hex32 = Field(description="The hash asked for.")
    relayer: ChecksumAddress
    nonce: int
    to: ChecksumAddress
    status: Literal["pending", "mined"]
    hashes: list[Hex32] = Field(description="Every broadcast of this nonce, oldest first.")
    mined_tx_hash: Hex32 | None = Field(description="The broadcast that was mined.")
    block_number: int | None
    receipt_status: int | None = Field(description="1 if the mined call succeeded, 0 if it reverted.")


# --- governance (AzoraGovernor + AzoraTimelock) -----------------------------------------------------

ProposalState = Literal[
    "pending", "active", "canceled", "defeated", "succeeded", "queued", "expired", "executed"
]
SupportName = Literal["against", "for", "abstain"]


class VoteTotalsOut(BaseModel):
    """A proposal's votes (proposalVotes) and how many accounts cast them."""

    model_config = ConfigDict(serialize_by_alias=True)

    against: Uint256
    for_: Uint256 = Field(serialization_alias="for")
    abstain: Uint256
    voters: int


class ChainEventOut(BaseModel):
    """Where a lifecycle event of a proposal happened."""

    block_number: int
    tx_hash: Hex32
    timestamp: int


class ProposalLinks(BaseModel):
    """Where a proposal's details live."""

    self: str
    votes: str


class ProposalOut(BaseModel):
    """A proposal as listed: its state at the indexed block, votes, quorum and review verdict."""

    proposal_id: Uint256 = Field(description="hashProposal(targets, values, calldatas, descriptionHash).")
    proposer: ChecksumAddress
    title: str = Field(description="First line of the description (leading '#' and spaces removed).")
    description_hash: Hex32 = Field(description="keccak256 of the description (queue / execute take it).")
    state: ProposalState = Field(description="state(id) at the indexed block.")
    vote_start: int = Field(description="Snapshot block: votes are read at it; voting opens after it.")
    vote_end: int = Field(description="Deadline: the last block of voting.")
    votes: VoteTotalsOut
    quorum: Uint256 | None = Field(
        description="quorum(snapshot): for + abstain must reach it; null until the snapshot block is indexed."
    )
    quorum_reached: bool | None
    review_verdict: Literal["approve", "flag"] | None = Field(
        description="The constitutional review in force (flag: queueing needs for >= 2/3 of for + against)."
    )
    eta: int | None = Field(description="Unix time from which the queued proposal can execute.")
    created_block: int
    created_tx_hash: Hex32
    created_timestamp: int
    links: ProposalLinks


class ProposalActionOut(BaseModel):
    """One call of a proposal."""

    index: int
    target: ChecksumAddress
    value: Uint256 = Field(description="Wei sent with the call.")
    signature: str = Field(description="Empty in OpenZeppelin v5 style: the selector leads the calldata.")
    calldata: str = Field(pattern="^0x([0-9a-f]{2})*$")


class ReviewReasonOut(BaseModel):
    """One finding of the ethics oracle."""

    rule: str
    principle: str
    severity: str
    message: str


class ProposalReviewOut(BaseModel):
    """The constitutional review in force and, when the ethics oracle's stored reasons hash to the
    on-chain reason hash, those reasons."""

    verdict: int = Field(description="1 approve, 2 flag.")
    verdict_name: Literal["approve", "flag"] | None
    reason_hash: Hex32
    uid: Hex32 = Field(description="The OracleHub attestation that carried the verdict.")
    block_number: int
    reasons_verified: bool = Field(
        description="True when stored reasons exist and keccak256 of their canonical form equals reason_hash."
    )
    reasons: list[ReviewReasonOut] | None = Field(description="Null unless reasons_verified.")
    constitution_version: str | None
    evaluator: str | None
    history: int = Field(description="Reviews posted for this proposal (the latest is in force).")


class ProposalDetailOut(ProposalOut):
    """A proposal in full: description, actions, quorum, review with reasons, lifecycle events."""

    description: str
    actions: list[ProposalActionOut]
    quorum_numerator: Uint256 | None = Field(description="Percent of the supply in force at the snapshot.")
    review: ProposalReviewOut | None
    queued: ChainEventOut | None
    executed: ChainEventOut | None
    canceled: ChainEventOut | None
    expires_at: int | None = Field(description="eta + the grace period in force: Expired from then on.")


class VoteOut(BaseModel):
    """One vote (castVote, castVoteWithReason or castVoteBySig)."""

    proposal_id: Uint256
    voter: ChecksumAddress
    support: int = Field(description="0 against, 1 for, 2 abstain.")
    support_name: SupportName
    weight: Uint256 = Field(description="The voter's votes at the proposal's snapshot.")
    reason: str
    block_number: int
    log_index: int
    tx_hash: Hex32
    timestamp: int


class GovernanceSettingOut(BaseModel):
    """A governance setting in force and the block that set it."""

    value: Uint256
    updated_block: int


class GovernanceSettingsOut(BaseModel):
    """The Governor's and the Timelock's settings (null until their event is indexed)."""

    voting_delay: GovernanceSettingOut | None = Field(description="Blocks from proposal to snapshot.")
    voting_period: GovernanceSettingOut | None = Field(description="Blocks of voting.")
    proposal_threshold: GovernanceSettingOut | None = Field(description="Past votes a proposer needs (wei).")
    quorum_numerator: GovernanceSettingOut | None = Field(description="Percent of the past total supply.")
    grace_period: GovernanceSettingOut | None = Field(description="Seconds a queued proposal can execute.")
    timelock_min_delay: GovernanceSettingOut | None = Field(description="Seconds between queue and execute.")


class GovernanceOut(BaseModel):
    """Governance at the indexed block: contracts, settings, the quorum a vote would need now,
    and how many proposals are in each state."""

    governor: ChecksumAddress | None
    timelock: ChecksumAddress | None
    as_of: int | None = Field(description="Timestamp of the indexed block.")
    settings: GovernanceSettingsOut
    quorum_denominator: int
    total_supply: Uint256 = Field(description="AZR supply at the indexed block.")
    quorum_now: Uint256 | None = Field(description="quorum_numerator x total_supply / 100.")
    proposals: dict[str, int] = Field(description="Proposal count per state (states with none omitted).")
