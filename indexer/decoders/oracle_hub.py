"""Decoder of the OracleHub: attestations, revocations, batch rejections, schema routes and
signer sets; plus the names of the hashes and codes those events carry.

Domains and schemas are keccak256 hashes on chain; `domain_name` and `schema_name` give the
names of the ones the Azora deployment knows (SPEC 2.3, 2.4), `reason_name` the
``REASON_*`` constant behind an ``AttestationRejected`` code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from eth_utils import keccak

from indexer.decoders import ContractDecoder

CONTRACT = "OracleHub"
REQUIRED = ("Attested", "Revoked", "AttestationRejected", "SchemaRegistered", "SignersChanged")


def _hash(text: str) -> str:
    return "0x" + keccak(text=text).hex()


# OracleHub.EDUCATION, ETHICS, MARKETPLACE, PRICE: keccak256 of the name.
DOMAIN_NAMES = ("EDUCATION", "ETHICS", "MARKETPLACE", "PRICE")
DOMAINS: dict[str, str] = {_hash(name): name for name in DOMAIN_NAMES}

# The schema strings of the deployed consumers (ProofOfKnowledge.COURSE_COMPLETED, ...).
SCHEMA_DEFINITIONS = (
    "azora.education.CourseCompleted(uint256 courseId,uint8 score,uint8 difficulty)",
    "azora.education.CredentialRevoked(uint256 tokenId)",
)
SCHEMAS: dict[str, str] = {_hash(definition): definition for definition in SCHEMA_DEFINITIONS}
COURSE_COMPLETED = _hash(SCHEMA_DEFINITIONS[0])

# OracleHub.REASON_* by code.
REASONS: dict[int, str] = {
    1: "EXPIRED",
    2: "UID_USED",
    3: "UNKNOWN_SCHEMA",
    4: "STALE_EPOCH",
    5: "INVALID_SIGNATURE",
    6: "HIGH_S",
    7: "UNAUTHORISED_SIGNER",
    8: "DUPLICATE_SIGNER",
    9: "UNSORTED_SIGNERS",
    10: "BELOW_THRESHOLD",
    11: "CONSUMER_REJECTED",
}


def domain_name(domain: str) -> str | None:
    """The name of a bytes32 domain (0x hex), or None for a domain the deployment does not name."""
    return DOMAINS.get(domain.lower())


def schema_name(schema: str) -> str | None:
    """The schema string of a bytes32 schema (0x hex), or None for an unknown schema."""
    return SCHEMAS.get(schema.lower())


def reason_name(reason: int) -> str | None:
    """The REASON_* name of a rejection code, or None for an unknown code."""
    return REASONS.get(reason)


def build(abi: Iterable[Mapping[str, Any]]) -> ContractDecoder:
    """The decoder of the OracleHub from its compiled ABI."""
    return ContractDecoder(CONTRACT, abi, REQUIRED)
