"""The EDUCATION domain's schemas (consumed by ProofOfKnowledge) and their encodings.

* ``azora.education.CourseCompleted(uint256 courseId,uint8 score,uint8 difficulty)``:
  data = ``abi_encode(uint256 courseId, uint8 score, uint8 difficulty)``; the subject is the
  learner. The contract pays scores 70..100 and difficulties 1..4 and refuses the rest.
* ``azora.education.CredentialRevoked(uint256 tokenId)``: data = ``abi_encode(uint256 tokenId)``.

A completion's uid is ``keccak256(abi_encode(string "azora.education.completion", string
platform, string completion_id))``: deterministic, so a platform retrying a completion can
never mint twice, and unambiguous (ABI strings carry their length). The uid of the
revocation of a completion's credential is ``keccak256(abi_encode(string
"azora.education.revocation", bytes32 completion_uid))``: one per completion.
"""

from __future__ import annotations

import time

from eth_abi import decode, encode
from eth_utils import keccak

from oracles.eip712 import Attestation
from oracles.exceptions import InvalidRequestError
from oracles.schemas import Deferral, SchemaSpec

DOMAIN = "EDUCATION"
COURSE_COMPLETED_DEFINITION = "azora.education.CourseCompleted(uint256 courseId,uint8 score,uint8 difficulty)"
CREDENTIAL_REVOKED_DEFINITION = "azora.education.CredentialRevoked(uint256 tokenId)"
COURSE_COMPLETED = keccak(text=COURSE_COMPLETED_DEFINITION)
CREDENTIAL_REVOKED = keccak(text=CREDENTIAL_REVOKED_DEFINITION)

PASSING_SCORE = 70
MAX_SCORE = 100
DIFFICULTIES = (1, 2, 3, 4)
UID_NAMESPACE = "azora.education.completion"
REVOCATION_NAMESPACE = "azora.education.revocation"
ZERO_ADDRESS = "0x" + "00" * 20


def completion_uid(platform: str, completion_id: str) -> bytes:
    """The attestation uid of `platform`'s completion `completion_id`."""
    return keccak(encode(["string", "string", "string"], [UID_NAMESPACE, platform, completion_id]))


def revocation_uid(completion: bytes) -> bytes:
    """The attestation uid of the revocation of the credential earned by the completion `completion`."""
    return keccak(encode(["string", "bytes32"], [REVOCATION_NAMESPACE, completion]))


def encode_credential_revoked(token_id: int) -> bytes:
    """CredentialRevoked data: abi_encode(uint256 tokenId)."""
    return encode(["uint256"], [token_id])


def encode_course_completed(course_id: int, score: int, difficulty: int) -> bytes:
    """CourseCompleted data: abi_encode(uint256 courseId, uint8 score, uint8 difficulty)."""
    return encode(["uint256", "uint8", "uint8"], [course_id, score, difficulty])


def decode_course_completed(data: bytes) -> tuple[int, int, int]:
    """(courseId, score, difficulty) of CourseCompleted data; ValueError when malformed."""
    if len(data) != 96:
        raise ValueError(f"CourseCompleted data is 96 bytes, got {len(data)}")
    try:
        course_id, score, difficulty = decode(["uint256", "uint8", "uint8"], data)
    except Exception as exc:  # eth-abi raises several decoding error types
        raise ValueError(f"malformed CourseCompleted data: {exc}") from exc
    return int(course_id), int(score), int(difficulty)


def _live(att: Attestation) -> None:
    if att.deadline <= int(time.time()):
        raise InvalidRequestError("the attestation's deadline has passed")
    if att.subject.lower() == ZERO_ADDRESS:
        raise InvalidRequestError("the subject is the zero address")


def validate_course_completed(att: Attestation) -> None:
    """A signer attests a completion only with a passing score and a known difficulty."""
    _live(att)
    try:
        _, score, difficulty = decode_course_completed(att.data)
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from exc
    if not PASSING_SCORE <= score <= MAX_SCORE:
        raise InvalidRequestError(f"score {score} is outside {PASSING_SCORE}..{MAX_SCORE}")
    if difficulty not in DIFFICULTIES:
        raise InvalidRequestError(f"difficulty {difficulty} is not one of {DIFFICULTIES}")


def validate_credential_revoked(att: Attestation) -> None:
    _live(att)
    if len(att.data) != 32:
        raise InvalidRequestError("CredentialRevoked data is abi_encode(uint256 tokenId): 32 bytes")


# ProofOfKnowledge's limits: a learner's daily cap (UTC days) and the 30-day epoch budget. A
# completion over either reverts without consuming its uid; it is sent again next period.
DEFERRALS = (
    Deferral("pok: daily cap exceeded", "DAILY_CAP_EXCEEDED", 86_400),
    Deferral("pok: epoch budget exhausted", "EPOCH_BUDGET_EXHAUSTED", 30 * 86_400),
)

SCHEMAS = (
    SchemaSpec(COURSE_COMPLETED_DEFINITION, DOMAIN, validate_course_completed, DEFERRALS),
    SchemaSpec(CREDENTIAL_REVOKED_DEFINITION, DOMAIN, validate_credential_revoked),
)
