# pragma version 0.4.3
# pragma nonreentrancy on
"""
@title Test Attestation Consumer
@license MIT
@notice A no-op OracleHub consumer for the hub's tests and gas benchmark:
        it accepts every attestation from its hub and does nothing (no
        storage, no event, so the benchmark measures the hub alone), except
        for one `rejected_subject`, which it refuses (to exercise the
        consumer-rejection path of `submit_batch`). Never deployed outside tests.
@custom:security Only the hub may call the hooks.
"""

from ..interfaces import IAttestationConsumer

implements: IAttestationConsumer


# @dev The hub allowed to call the hooks.
HUB: public(immutable(address))

# @dev The subject whose attestations are refused.
REJECTED_SUBJECT: public(immutable(address))


@deploy
def __init__(hub: address, rejected_subject: address):
    """
    @notice Deploys the consumer.
    @param hub The hub allowed to call it.
    @param rejected_subject The subject it refuses (the zero address for none).
    """
    HUB = hub
    REJECTED_SUBJECT = rejected_subject


@external
def on_attestation(schema: bytes32, uid: bytes32, subject: address, data: Bytes[256]):
    """
    @notice Accepts the attestation. Only the hub; refuses REJECTED_SUBJECT.
    @param schema The schema.
    @param uid The uid.
    @param subject The subject.
    @param data The payload.
    """
    assert msg.sender == HUB, "consumer: caller is not the hub"
    assert subject != REJECTED_SUBJECT, "consumer: subject rejected"


@external
def on_revocation(schema: bytes32, uid: bytes32):
    """
    @notice Accepts the revocation. Only the hub.
    @param schema The schema.
    @param uid The uid.
    """
    assert msg.sender == HUB, "consumer: caller is not the hub"
