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
