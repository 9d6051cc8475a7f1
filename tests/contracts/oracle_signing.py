"""EIP-712 attestations for the OracleHub and its Safe-style signature encoding, framework-free.

Shared by the ape fixtures (oracle_fixtures.py), the titanoboa state machine
(stateful/test_oracle_invariants.py) and the gas benchmark (bench/gas_oracles.py).

The hub reads `signatures` as `threshold` static 65-byte entries `r ‖ s ‖ v`,
ordered by strictly ascending signer address, then the dynamic parts:

* EOA: the ECDSA signature of the digest, `v` in {27, 28}, low-s;
* ERC-1271 contract: `r` = the contract's address, `s` = the byte offset of
  `len ‖ data` (at or past the static part), `v` = 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

# secp256k1 group order: (r, s, v) has the malleable twin (r, N - s, v ^ 1).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

EDUCATION = keccak(text="EDUCATION")
ETHICS = keccak(text="ETHICS")
MARKETPLACE = keccak(text="MARKETPLACE")
PRICE = keccak(text="PRICE")

COURSE_COMPLETED = keccak(
    text="azora.education.CourseCompleted(uint256 courseId,uint8 score,uint8 difficulty)"
)
CREDENTIAL_REVOKED = keccak(text="azora.education.CredentialRevoked(uint256 tokenId)")

# OracleHub.REASON_* codes (the `reason` of AttestationRejected).
REASON_EXPIRED = 1
REASON_UID_USED = 2
REASON_UNKNOWN_SCHEMA = 3
REASON_STALE_EPOCH = 4
REASON_INVALID_SIGNATURE = 5
REASON_HIGH_S = 6
REASON_UNAUTHORISED_SIGNER = 7
REASON_DUPLICATE_SIGNER = 8
REASON_UNSORTED_SIGNERS = 9
REASON_BELOW_THRESHOLD = 10
REASON_CONSUMER_REJECTED = 11

_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_ATTESTATION_TYPE = [
    {"name": "schema", "type": "bytes32"},
    {"name": "uid", "type": "bytes32"},
    {"name": "subject", "type": "address"},
    {"name": "data", "type": "bytes"},
    {"name": "deadline", "type": "uint64"},
    {"name": "epoch", "type": "uint64"},
]
_REVOCATION_TYPE = [
    {"name": "schema", "type": "bytes32"},
    {"name": "uid", "type": "bytes32"},
    {"name": "deadline", "type": "uint64"},
    {"name": "epoch", "type": "uint64"},
]


@dataclass(frozen=True)
class Attestation:
    """OracleHub's `Attestation` struct; `as_args()` is what `submit` takes."""

    schema: bytes
    uid: bytes
    subject: str
    data: bytes
    deadline: int
    epoch: int

    def as_args(self) -> tuple[bytes, bytes, str, bytes, int, int]:
        return (self.schema, self.uid, self.subject, self.data, self.deadline, self.epoch)

    def message(self) -> dict[str, Any]:
        return {
            "schema": self.schema,
            "uid": self.uid,
            "subject": self.subject,
            "data": self.data,
            "deadline": self.deadline,
            "epoch": self.epoch,
        }


def uid_for(label: str) -> bytes:
    """A deterministic attestation uid."""
    return keccak(text=f"azora.test.uid.{label}")


def course_data(course_id: int, score: int, difficulty: int) -> bytes:
    """CourseCompleted payload: abi_encode(courseId, score, difficulty)."""
    return encode(["uint256", "uint8", "uint8"], [course_id, score, difficulty])


def hub_domain(chain_id: int, hub: str) -> dict[str, Any]:
    """The hub's EIP-712 domain on `chain_id`."""
    return {"name": "AzoraOracleHub", "version": "1", "chainId": chain_id, "verifyingContract": hub}


def _digest(domain: dict[str, Any], primary: str, fields: list[dict[str, str]], message: dict) -> bytes:
    typed = {
        "types": {"EIP712Domain": _DOMAIN_TYPE, primary: fields},
        "primaryType": primary,
        "domain": domain,
        "message": message,
    }
    signable = encode_typed_data(full_message=typed)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def attestation_digest(domain: dict[str, Any], att: Attestation) -> bytes:
    return _digest(domain, "Attestation", _ATTESTATION_TYPE, att.message())


def revocation_digest(domain: dict[str, Any], schema: bytes, uid: bytes, deadline: int, epoch: int) -> bytes:
    message = {"schema": schema, "uid": uid, "deadline": deadline, "epoch": epoch}
    return _digest(domain, "Revocation", _REVOCATION_TYPE, message)


@dataclass(frozen=True)
class EcdsaEntry:
    """An EOA's 65-byte signature `r ‖ s ‖ v`."""

    signer: str
    signature: bytes

    def high_s(self) -> EcdsaEntry:
        """The malleable twin: recovers to the same signer, but with s above N/2."""
        r, s, v = self.signature[:32], int.from_bytes(self.signature[32:64], "big"), self.signature[64]
        twin = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])
        return EcdsaEntry(self.signer, twin)


@dataclass(frozen=True)
class ContractEntry:
    """An ERC-1271 signer and the data its `isValidSignature` is given."""

    signer: str
    data: bytes


Entry = EcdsaEntry | ContractEntry


@dataclass(frozen=True)
class OracleSigner:
    """An oracle signing key (never funded: the hub only needs its signatures)."""

    key: bytes

    @property
    def address(self) -> str:
        return str(Account.from_key(self.key).address)

    def sign(self, digest: bytes) -> EcdsaEntry:
        signed = Account.unsafe_sign_hash(digest, self.key)
        return EcdsaEntry(self.address, bytes(signed.signature))

    @classmethod
    def from_label(cls, label: str) -> OracleSigner:
        return cls(keccak(text=f"azora.oracle.signer.{label}"))


def by_address(items: Iterable[Any]) -> list[Any]:
    """`items` (anything with `.address` or `.signer`) in ascending address order."""

    def key(item: Any) -> int:
        return int(getattr(item, "signer", None) or item.address, 16)

    return sorted(items, key=key)


def pack_signatures(entries: Sequence[Entry], *, sort: bool = True) -> bytes:
    """The hub's `signatures` bytes; `sort=False` keeps the given order (to test the ordering check)."""
    ordered = by_address(entries) if sort else list(entries)
    static, dynamic = b"", b""
    base = 65 * len(ordered)
    for entry in ordered:
        if isinstance(entry, ContractEntry):
            offset = base + len(dynamic)
            static += int(entry.signer, 16).to_bytes(32, "big") + offset.to_bytes(32, "big") + b"\x00"
            dynamic += len(entry.data).to_bytes(32, "big") + entry.data
        else:
            static += entry.signature
    return static + dynamic


def checksum(address: Any) -> str:
    return to_checksum_address(str(getattr(address, "address", address)))
