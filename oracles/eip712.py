"""EIP-712 attestations and revocations of the OracleHub, and its packed signature encoding.

The hub's signing domain is ``{name: "AzoraOracleHub", version: "1", chainId,
verifyingContract: <hub>}``; the typed structs are::

    Attestation(bytes32 schema,bytes32 uid,address subject,bytes data,uint64 deadline,uint64 epoch)
    Revocation(bytes32 schema,bytes32 uid,uint64 deadline,uint64 epoch)

``signatures`` (the second argument of ``submit``/``revoke``) is Safe-style: ``threshold``
static 65-byte entries ``r ‖ s ‖ v`` in strictly ascending signer address order, then the
dynamic parts of contract (ERC-1271) signatures:

* EOA: ``(r, s, v)`` of the digest, ``v`` in {27, 28}, ``s`` in the lower half of the curve
  order (`sign_digest` guarantees it);
* ERC-1271 contract: ``r`` = the contract address, ``s`` = byte offset of ``len ‖ data``
  (at or past the static part), ``v`` = 0.

>>> domain = HubDomain(chain_id=31337, verifying_contract="0x5FbDB2315678afecb367f032d93F642f64180aa3")
>>> entry = sign_attestation(account, domain, attestation)          # one signer
>>> signatures = pack_signatures([entry_a, entry_b], threshold=2)   # sorted, deduplicated
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Any

from coincurve import PublicKey
from eth_account.messages import SignableMessage, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_typing import Hash32
from eth_utils import keccak
from eth_utils import to_checksum_address as _to_checksum_address

DOMAIN_NAME = "AzoraOracleHub"
DOMAIN_VERSION = "1"
ORACLE_DOMAINS = ("EDUCATION", "ETHICS", "MARKETPLACE", "PRICE")
ENTRY_LENGTH = 65
# secp256k1 group order; a valid signature has s <= N // 2 (the hub refuses the malleable twin).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MAX_DATA = 256


class Reason(IntEnum):
    """OracleHub.REASON_*: the `reason` of AttestationRejected and the result of check_attestation."""

    OK = 0
    EXPIRED = 1
    UID_USED = 2
    UNKNOWN_SCHEMA = 3
    STALE_EPOCH = 4
    INVALID_SIGNATURE = 5
    HIGH_S = 6
    UNAUTHORISED_SIGNER = 7
    DUPLICATE_SIGNER = 8
    UNSORTED_SIGNERS = 9
    BELOW_THRESHOLD = 10
    CONSUMER_REJECTED = 11


@lru_cache(maxsize=16_384)
def to_checksum_address(address: str) -> str:
    """EIP-55 `address` (memoised: the same signers, hub and learners come back all the time,
    and each conversion costs a keccak)."""
    return str(_to_checksum_address(address))


def reason_name(code: int) -> str:
    """The name of a REASON_* code (``REASON_<n>`` for a code this module does not know)."""
    try:
        return Reason(code).name
    except ValueError:
        return f"REASON_{code}"


def domain_id(name: str) -> bytes:
    """The hub's bytes32 id of an oracle domain: keccak256 of its name (EDUCATION, ...)."""
    return keccak(text=name)


def schema_id(definition: str) -> bytes:
    """The bytes32 id of a schema: keccak256 of its definition string."""
    return keccak(text=definition)


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
class HubDomain:
    """The EIP-712 domain of one OracleHub deployment."""

    chain_id: int
    verifying_contract: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "verifying_contract", to_checksum_address(self.verifying_contract))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }


def _bytes32(value: bytes, name: str) -> bytes:
    if len(value) != 32:
        raise ValueError(f"{name} must be 32 bytes, got {len(value)}")
    return bytes(value)


def _uint64(value: int, name: str) -> int:
    if not 0 <= value < 2**64:
        raise ValueError(f"{name} {value} is not a uint64")
    return value


@dataclass(frozen=True)
class Attestation:
    """OracleHub's `Attestation` struct. `as_args()` is what `submit` takes."""

    schema: bytes
    uid: bytes
    subject: str
    data: bytes
    deadline: int
    epoch: int

    def __post_init__(self) -> None:
        _bytes32(self.schema, "schema")
        _bytes32(self.uid, "uid")
        _uint64(self.deadline, "deadline")
        _uint64(self.epoch, "epoch")
        if len(self.data) > MAX_DATA:
            raise ValueError(f"data is {len(self.data)} bytes; the hub takes at most {MAX_DATA}")
        object.__setattr__(self, "subject", to_checksum_address(self.subject))

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

    def to_json(self) -> dict[str, str]:
        """A flat dict of strings (hex for bytes), for Redis hashes and streams."""
        return {
            "schema": "0x" + self.schema.hex(),
            "uid": "0x" + self.uid.hex(),
            "subject": self.subject,
            "data": "0x" + self.data.hex(),
            "deadline": str(self.deadline),
            "epoch": str(self.epoch),
        }

    @classmethod
    def from_json(cls, fields: Mapping[str, str]) -> Attestation:
        """The inverse of `to_json`; raises ValueError (or KeyError) on a malformed mapping."""
        return cls(
            schema=bytes.fromhex(fields["schema"].removeprefix("0x")),
            uid=bytes.fromhex(fields["uid"].removeprefix("0x")),
            subject=fields["subject"],
            data=bytes.fromhex(fields["data"].removeprefix("0x")),
            deadline=int(fields["deadline"]),
            epoch=int(fields["epoch"]),
        )


@dataclass(frozen=True)
class Revocation:
    """The EIP-712 `Revocation` struct (the arguments of `revoke` besides the signatures)."""

    schema: bytes
    uid: bytes
    deadline: int
    epoch: int

    def __post_init__(self) -> None:
        _bytes32(self.schema, "schema")
        _bytes32(self.uid, "uid")
        _uint64(self.deadline, "deadline")
        _uint64(self.epoch, "epoch")

    def message(self) -> dict[str, Any]:
        return {"schema": self.schema, "uid": self.uid, "deadline": self.deadline, "epoch": self.epoch}


def _signable(
    domain: HubDomain, primary: str, fields: list[dict[str, str]], message: dict
) -> SignableMessage:
    return encode_typed_data(
        full_message={
            "types": {"EIP712Domain": _DOMAIN_TYPE, primary: fields},
            "primaryType": primary,
            "domain": domain.as_dict(),
            "message": message,
        }
    )


def _digest(signable: SignableMessage) -> bytes:
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def attestation_signable(domain: HubDomain, att: Attestation) -> SignableMessage:
    return _signable(domain, "Attestation", _ATTESTATION_TYPE, att.message())


def revocation_signable(domain: HubDomain, rev: Revocation) -> SignableMessage:
    return _signable(domain, "Revocation", _REVOCATION_TYPE, rev.message())


def _type_hash(primary: str, fields: list[dict[str, str]]) -> bytes:
    return keccak(text=primary + "(" + ",".join(f"{field['type']} {field['name']}" for field in fields) + ")")


_DOMAIN_TYPEHASH = _type_hash("EIP712Domain", _DOMAIN_TYPE)
_ATTESTATION_TYPEHASH = _type_hash("Attestation", _ATTESTATION_TYPE)


@lru_cache(maxsize=64)
def domain_separator(domain: HubDomain) -> bytes:
    """The EIP-712 domain separator of `domain` (= hashStruct(EIP712Domain))."""
    return keccak(
        _DOMAIN_TYPEHASH
        + keccak(text=DOMAIN_NAME)
        + keccak(text=DOMAIN_VERSION)
        + domain.chain_id.to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(domain.verifying_contract[2:])
    )


def attestation_digest(domain: HubDomain, att: Attestation) -> bytes:
    """The digest the signers of `att` sign (= OracleHub.hash_attestation). Encoded by hand
    (every field is static or `bytes`): the same bytes as `attestation_signable`'s digest,
    about ten times cheaper, which matters to a relay and signers hashing thousands a minute."""
    struct_hash = keccak(
        _ATTESTATION_TYPEHASH
        + att.schema
        + att.uid
        + bytes(12)
        + bytes.fromhex(att.subject[2:])
        + keccak(att.data)
        + att.deadline.to_bytes(32, "big")
        + att.epoch.to_bytes(32, "big")
    )
    return keccak(b"\x19\x01" + domain_separator(domain) + struct_hash)


def revocation_digest(domain: HubDomain, rev: Revocation) -> bytes:
    """The digest the signers of a revocation sign (= OracleHub.hash_revocation)."""
    return _digest(revocation_signable(domain, rev))


@dataclass(frozen=True)
class SignatureEntry:
    """An EOA signer's 65-byte signature `r ‖ s ‖ v` (v in {27, 28}, low s)."""

    signer: str
    signature: bytes

    def __post_init__(self) -> None:
        if len(self.signature) != ENTRY_LENGTH:
            raise ValueError(f"a signature entry is {ENTRY_LENGTH} bytes, got {len(self.signature)}")
        object.__setattr__(self, "signer", to_checksum_address(self.signer))


@dataclass(frozen=True)
class ContractSignature:
    """An ERC-1271 signer and the data its `isValidSignature(digest, data)` is given."""

    signer: str
    data: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "signer", to_checksum_address(self.signer))


Entry = SignatureEntry | ContractSignature


def _low_s(signature: bytes) -> bytes:
    """`signature` with s in the lower half of the curve order (flipping v with it)."""
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    if s <= SECP256K1_N // 2:
        return signature
    return r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])


def _sign(account: LocalAccount, signable: SignableMessage) -> SignatureEntry:
    signed = account.sign_message(signable)
    return SignatureEntry(account.address, _low_s(bytes(signed.signature)))


def sign_attestation(account: LocalAccount, domain: HubDomain, att: Attestation) -> SignatureEntry:
    """`account`'s signature of `att` on `domain`."""
    return _sign(account, attestation_signable(domain, att))


def sign_digest(account: LocalAccount, digest: bytes) -> SignatureEntry:
    """`account`'s signature of an EIP-712 `digest` it has computed itself (`attestation_digest`):
    the same bytes as `sign_attestation`, without hashing the typed data twice."""
    if len(digest) != 32:
        raise ValueError(f"a digest is 32 bytes, got {len(digest)}")
    signed = account.unsafe_sign_hash(Hash32(digest))
    return SignatureEntry(account.address, _low_s(bytes(signed.signature)))


def sign_revocation(account: LocalAccount, domain: HubDomain, rev: Revocation) -> SignatureEntry:
    """`account`'s signature of a revocation on `domain`."""
    return _sign(account, revocation_signable(domain, rev))


def recover_signer(digest: bytes, signature: bytes) -> str | None:
    """The checksummed address that signed `digest`, or None for a malformed or high-s signature."""
    if len(signature) != ENTRY_LENGTH or signature[64] not in (27, 28):
        return None
    if int.from_bytes(signature[32:64], "big") > SECP256K1_N // 2:
        return None
    try:
        public_key = PublicKey.from_signature_and_message(
            signature[:64] + bytes([signature[64] - 27]), digest, hasher=None
        ).format(compressed=False)
    except Exception:  # coincurve raises ValueError / TypeError for garbage
        return None
    return to_checksum_address("0x" + keccak(public_key[1:])[12:].hex())


def pack_signatures(entries: Iterable[Entry], threshold: int | None = None) -> bytes:
    """The hub's `signatures` bytes: one entry per distinct signer, ascending by address, the
    first `threshold` of them when given (the hub reads no more), then contract signature data."""
    distinct: dict[int, Entry] = {}
    for entry in entries:
        distinct.setdefault(int(entry.signer, 16), entry)
    ordered = [distinct[key] for key in sorted(distinct)]
    if threshold is not None:
        if len(ordered) < threshold:
            raise ValueError(f"{len(ordered)} distinct signers, below the threshold {threshold}")
        ordered = ordered[:threshold]
    static, dynamic = b"", b""
    base = ENTRY_LENGTH * len(ordered)
    for entry in ordered:
        if isinstance(entry, ContractSignature):
            offset = base + len(dynamic)
            static += int(entry.signer, 16).to_bytes(32, "big") + offset.to_bytes(32, "big") + b"\x00"
            dynamic += len(entry.data).to_bytes(32, "big") + entry.data
        else:
            static += entry.signature
    return static + dynamic
