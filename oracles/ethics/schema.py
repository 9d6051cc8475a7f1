"""The ETHICS domain's schema (consumed by AzoraGovernor) and its encoding.

* ``azora.ethics.ProposalReviewed(uint256 proposalId,uint8 verdict,bytes32 reasonHash)``:
  data = ``abi_encode(uint256 proposalId, uint8 verdict, bytes32 reasonHash)`` (96 bytes);
  verdict 1 = approve, 2 = flag. The **subject is the Governor's address**: the attestation is
  a statement about one of its proposals, so filtering the hub's ``Attested`` log by subject
  finds every review of a Governor (the proposer is in the proposal itself).

A review's uid is ``keccak256(abi_encode(string "azora.ethics.review", uint256 chainId,
address governor, uint256 proposalId, bytes32 reasonHash))``: the same reasons for the same
proposal always give the same uid, so reprocessing an event (a crash, a redelivery on the
bus) can never submit a review twice, and the hub refuses a used uid anyway. Different
reasons (a new constitution version) give a new uid: a later review, which the Governor lets
replace the earlier one while voting is open.
"""

from __future__ import annotations

import time

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from oracles.eip712 import Attestation
from oracles.exceptions import InvalidRequestError
from oracles.schemas import SchemaSpec

DOMAIN = "ETHICS"
PROPOSAL_REVIEWED_DEFINITION = (
    "azora.ethics.ProposalReviewed(uint256 proposalId,uint8 verdict,bytes32 reasonHash)"
)
PROPOSAL_REVIEWED = keccak(text=PROPOSAL_REVIEWED_DEFINITION)
UID_NAMESPACE = "azora.ethics.review"
APPROVE = 1
FLAG = 2
VERDICTS = (APPROVE, FLAG)
ZERO_ADDRESS = "0x" + "00" * 20
ZERO32 = b"\x00" * 32


def review_uid(chain_id: int, governor: str, proposal_id: int, reason_hash: bytes) -> bytes:
    """The attestation uid of the review `reason_hash` of `governor`'s proposal `proposal_id`."""
    return keccak(
        encode(
            ["string", "uint256", "address", "uint256", "bytes32"],
            [UID_NAMESPACE, chain_id, to_checksum_address(governor), proposal_id, reason_hash],
        )
    )


def encode_proposal_reviewed(proposal_id: int, verdict: int, reason_hash: bytes) -> bytes:
    """ProposalReviewed data: abi_encode(uint256 proposalId, uint8 verdict, bytes32 reasonHash)."""
    return encode(["uint256", "uint8", "bytes32"], [proposal_id, verdict, reason_hash])


def decode_proposal_reviewed(data: bytes) -> tuple[int, int, bytes]:
    """(proposalId, verdict, reasonHash) of ProposalReviewed data; ValueError when malformed."""
    if len(data) != 96:
        raise ValueError(f"ProposalReviewed data is 96 bytes, got {len(data)}")
    try:
        proposal_id, verdict, reason_hash = decode(["uint256", "uint8", "bytes32"], data)
    except Exception as exc:  # eth-abi raises several decoding error types
        raise ValueError(f"malformed ProposalReviewed data: {exc}") from exc
    return int(proposal_id), int(verdict), bytes(reason_hash)


def validate_proposal_reviewed(att: Attestation) -> None:
    """A signer attests a review only with a live deadline, a governor subject, a known verdict
    and a non-zero proposal id and reason hash."""
    if att.deadline <= int(time.time()):
        raise InvalidRequestError("the attestation's deadline has passed")
    if att.subject.lower() == ZERO_ADDRESS:
        raise InvalidRequestError("the subject (the governor) is the zero address")
    try:
        proposal_id, verdict, reason_hash = decode_proposal_reviewed(att.data)
    except ValueError as exc:
        raise InvalidRequestError(str(exc)) from exc
    if verdict not in VERDICTS:
        raise InvalidRequestError(f"verdict {verdict} is not 1 (approve) or 2 (flag)")
    if proposal_id == 0:
        raise InvalidRequestError("proposal id 0")
    if reason_hash == ZERO32:
        raise InvalidRequestError("zero reason hash")


SCHEMAS = (SchemaSpec(PROPOSAL_REVIEWED_DEFINITION, DOMAIN, validate_proposal_reviewed),)
