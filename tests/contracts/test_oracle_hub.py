"""OracleHub: signer sets and epochs, EIP-712 attestations, Safe-style signatures, batches, revocation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_utils import keccak

from tests.contracts.oracle_fixtures import *  # noqa: F403 - the fixtures of oracle_fixtures.__all__
from tests.contracts.oracle_fixtures import REJECTED_SUBJECT, TEST_SCHEMA
from tests.contracts.oracle_signing import (
    EDUCATION,
    ETHICS,
    MARKETPLACE,
    PRICE,
    REASON_BELOW_THRESHOLD,
    REASON_CONSUMER_REJECTED,
    REASON_DUPLICATE_SIGNER,
    REASON_EXPIRED,
    REASON_HIGH_S,
    REASON_STALE_EPOCH,
    REASON_UID_USED,
    REASON_UNAUTHORISED_SIGNER,
    REASON_UNSORTED_SIGNERS,
    Attestation,
    ContractEntry,
    Entry,
    OracleSigner,
    attestation_digest,
    pack_signatures,
)

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def rejected(hub: Any, receipt: Any) -> list[tuple[bytes, int]]:
    """(uid, reason) of every AttestationRejected in a receipt."""
    return [(bytes(log.uid), log.reason) for log in hub.AttestationRejected.from_receipt(receipt)]


def attested(hub: Any, receipt: Any) -> list[bytes]:
    return [bytes(log.uid) for log in hub.Attested.from_receipt(receipt)]


# --- deployment, EIP-712 domain ---------------------------------------------------------


def test_domains__are_keccak_of_their_names(hub: Any) -> None:
    assert bytes(hub.EDUCATION()) == EDUCATION == keccak(text="EDUCATION")
    assert bytes(hub.ETHICS()) == ETHICS
    assert bytes(hub.MARKETPLACE()) == MARKETPLACE
    assert bytes(hub.PRICE()) == PRICE


def test_eip712_domain__names_hub_chain_and_contract(hub: Any, chain: Any) -> None:
    fields, name, version, chain_id, verifying_contract, salt, extensions = hub.eip712Domain()
    assert (name, version, chain_id, verifying_contract) == (
        "AzoraOracleHub",
        "1",
        chain.chain_id,
        hub.address,
    )
    assert fields == b"\x0f" and salt == b"\x00" * 32 and list(extensions) == []


def test_hash_attestation__matches_eip712_typed_data(
    hub: Any, make_attestation: Callable[..., Attestation], domain_of: Callable[..., dict]
) -> None:
    att = make_attestation(data=b"\x01\x02\x03")
    assert bytes(hub.hash_attestation(att.as_args())) == attestation_digest(domain_of(), att)


def test_signer_set__is_2_of_3_at_epoch_1(hub: Any, oracle_signers: list[OracleSigner], forger: Any) -> None:
    assert hub.epoch(EDUCATION) == 1 and hub.threshold(EDUCATION) == 2
    assert list(hub.signers(EDUCATION)) == [s.address for s in oracle_signers]
    assert all(hub.is_signer(EDUCATION, s.address) for s in oracle_signers)
    assert not hub.is_signer(EDUCATION, forger.address)
    assert hub.epoch(ETHICS) == 0 and hub.threshold(ETHICS) == 0


# --- submit: the happy paths ------------------------------------------------------------


def test_submit__valid_2_of_3__consumes_uid_and_logs_attested(
    hub: Any, consumer: Any, relayer: Any, make_attestation: Callable[..., Attestation], sign_attestation: Any
) -> None:
    att = make_attestation(data=b"payload")
    assert hub.check_attestation(att.as_args(), sign_attestation(att)) == 0
    receipt = hub.submit(att.as_args(), sign_attestation(att), sender=relayer)
    assert bytes(hub.schema_of(att.uid)) == TEST_SCHEMA
    (log,) = hub.Attested.from_receipt(receipt)
    assert bytes(log.event_arguments["schema"]) == TEST_SCHEMA and bytes(log.uid) == att.uid
    assert log.subject == att.subject and log.relayer == relayer.address
    assert bytes(log.data_hash) == keccak(b"payload")


def test_submit__any_two_of_three_signers__accepted(
    hub: Any,
    consumer: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    make_attestation: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    for pair in ([0, 2], [1, 2]):
        att = make_attestation()
        signatures = sign_attestation(att, [oracle_signers[i] for i in pair])
        hub.submit(att.as_args(), signatures, sender=relayer)
        assert bytes(hub.schema_of(att.uid)) == TEST_SCHEMA


def test_submit__extra_signatures_beyond_threshold__ignored(
    hub: Any,
    consumer: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    make_attestation: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    att = make_attestation()
    hub.submit(att.as_args(), sign_attestation(att, oracle_signers) + b"\xff" * 40, sender=relayer)
    assert bytes(hub.schema_of(att.uid)) == TEST_SCHEMA


def test_submit__erc1271_contract_signer__accepted(
    project: Any,
    hub: Any,
    consumer: Any,
    deployer: Any,
    governance: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    make_attestation: Callable[..., Attestation],
    domain_of: Callable[..., dict],
) -> None:
    wallet_owner = OracleSigner.from_label("wallet-owner")
    wallet = project.TestERC1271Signer.deploy(wallet_owner.address, sender=deployer)
    signers = [oracle_signers[0].address, wallet.address]
    hub.set_signers(EDUCATION, signers, 2, sender=governance)
    att = make_attestation()
    digest = attestation_digest(domain_of(), att)
    entries: list[Entry] = [
        oracle_signers[0].sign(digest),
        ContractEntry(wallet.address, wallet_owner.sign(digest).signature),
    ]

    hub.submit(att.as_args(), pack_signatures(entries), sender=relayer)

    assert bytes(hub.schema_of(att.uid)) == TEST_SCHEMA


def test_submit__erc1271_signer_refuses_or_bad_offset__reverts(
    project: Any,
    hub: Any,
    consumer: Any,
    deployer: Any,
    governance: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    forger: OracleSigner,
    make_attestation: Callable[..., Attestation],
    domain_of: Callable[..., dict],
) -> None:
    owner = OracleSigner.from_label("wallet-owner")
    wallet = project.TestERC1271Signer.deploy(owner.address, sender=deployer)
    hub.set_signers(EDUCATION, [oracle_signers[0].address, wallet.address], 2, sender=governance)
    att = make_attestation()
    digest = attestation_digest(domain_of(), att)
    # Signed by a key the wallet does not belong to.
    entries: list[Entry] = [
        oracle_signers[0].sign(digest),
        ContractEntry(wallet.address, forger.sign(digest).signature),
    ]
    with ape.reverts("hub: invalid signature"):
        hub.submit(att.as_args(), pack_signatures(entries), sender=relayer)
    # The owner's signature, but the entry's data offset points into the static part.
    good = pack_signatures(
        [oracle_signers[0].sign(digest), ContractEntry(wallet.address, owner.sign(digest).signature)]
    )
    wallet_entry = 65 if int(wallet.address, 16) > int(oracle_signers[0].address, 16) else 0
    inside = bytearray(good)
    inside[wallet_entry + 32 : wallet_entry + 64] = (64).to_bytes(32, "big")
    with ape.reverts("hub: invalid signature"):
        hub.submit(att.as_args(), bytes(inside), sender=relayer)
    hub.submit(att.as_args(), good, sender=relayer)


# --- submit: every rejection, with its reason -------------------------------------------


def test_submit__forged_signer__reverts(
    hub: Any,
    consumer: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    forger: OracleSigner,
    make_attestation: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    att = make_attestation()
    with ape.reverts("hub: signer not authorised"):
        hub.submit(att.as_args(), sign_attestation(att, [oracle_signers[0], forger]), sender=relayer)


def test_submit__duplicate_signer__reverts(
    hub: Any,
    consumer: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    make_attestation: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    att = make_attestation()
    with ape.reverts("hub: duplicate signer"):
        hub.submit(att.as_args(), sign_attestation(att, [oracle_signers[1]] * 2), sender=relayer)


def test_submit__signatures_in_descending_order__reverts(
    hub: Any,
    consumer: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    make_attestation: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    att = make_attestation()
    signatures = sign_attestation(att, [oracle_signers[2], oracle_signers[0]], sort=False)
    with ape.reverts("hub: signers not ascending"):
        hub.submit(att.as_args(), signatures, sender=relayer)


def test_submit__below_threshold__reverts(
    hub: Any,
    consumer: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    make_attestation: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    att = make_attestation()
    with ape.reverts("hub: below threshold"):
        hub.submit(att.as_args(), sign_attestation(att, oracle_signers[:1]), sender=relayer)
    with ape.reverts("hub: below threshold"):
        hub.submit(att.as_args(), b"", sender=relayer)


def test_submit__expired_deadline__reverts(
    hub: Any, consumer: Any, relayer: Any, chain: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    att = make_attestation(deadline=chain.pending_timestamp - 1)
    with ape.reverts("hub: deadline passed"):
        hub.submit(att.as_args(), sign_attestation(att), sender=relayer)


def test_submit__old_epoch_after_rotation__reverts(
    hub: Any,
    consumer: Any,
    governance: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    forger: OracleSigner,
    make_attestation: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    old = make_attestation()
    old_signatures = sign_attestation(old)
    # Rotate: the same signers stay, so only the epoch voids the signatures.
    receipt = hub.set_signers(EDUCATION, [s.address for s in oracle_signers], 2, sender=governance)
    assert hub.epoch(EDUCATION) == 2
    (log,) = hub.SignersChanged.from_receipt(receipt)
    assert (bytes(log.domain), log.epoch, log.threshold) == (EDUCATION, 2, 2)
    with ape.reverts("hub: stale epoch"):
        hub.submit(old.as_args(), old_signatures, sender=relayer)
    # Rotate the first signer out: its old-epoch signatures are stale too, new ones unauthorised.
    new_set = [oracle_signers[1].address, oracle_signers[2].address, forger.address]
    hub.set_signers(EDUCATION, new_set, 2, sender=governance)
    assert not hub.is_signer(EDUCATION, oracle_signers[0].address)
    with ape.reverts("hub: stale epoch"):
        hub.submit(old.as_args(), old_signatures, sender=relayer)
    fresh = make_attestation()
    with ape.reverts("hub: signer not authorised"):
        hub.submit(fresh.as_args(), sign_attestation(fresh, oracle_signers[:2]), sender=relayer)
    hub.submit(fresh.as_args(), sign_attestation(fresh, [oracle_signers[1], forger]), sender=relayer)


def test_submit__replayed_uid__reverts(
    hub: Any, consumer: Any, relayer: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    att = make_attestation()
    hub.submit(att.as_args(), sign_attestation(att), sender=relayer)
    with ape.reverts("hub: uid already used"):
        hub.submit(att.as_args(), sign_attestation(att), sender=relayer)
    # The same uid under other fields is still a replay.
    other = make_attestation(uid=att.uid, data=b"other")
    with ape.reverts("hub: uid already used"):
        hub.submit(other.as_args(), sign_attestation(other), sender=relayer)


def test_submit__signed_for_another_chain__reverts(
    hub: Any, consumer: Any, relayer: Any, chain: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    att = make_attestation()
    signatures = sign_attestation(att, chain_id=chain.chain_id + 1)
    with ape.reverts("hub: signer not authorised"):
        hub.submit(att.as_args(), signatures, sender=relayer)


def test_submit__signed_for_another_verifying_contract__reverts(
    hub: Any, consumer: Any, relayer: Any, token: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    att = make_attestation()
    signatures = sign_attestation(att, verifying_contract=token.address)
    with ape.reverts("hub: signer not authorised"):
        hub.submit(att.as_args(), signatures, sender=relayer)


def test_submit__high_s_malleated_signature__reverts(
    hub: Any,
    consumer: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    make_attestation: Callable[..., Attestation],
    domain_of: Callable[..., dict],
) -> None:
    att = make_attestation()
    digest = attestation_digest(domain_of(), att)
    low, other = oracle_signers[0].sign(digest), oracle_signers[1].sign(digest)
    with ape.reverts("hub: signature s too high"):
        hub.submit(att.as_args(), pack_signatures([low.high_s(), other]), sender=relayer)
    hub.submit(att.as_args(), pack_signatures([low, other]), sender=relayer)


def test_submit__tampered_fields__reverts(
    hub: Any, consumer: Any, relayer: Any, bob: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    att = make_attestation()
    signatures = sign_attestation(att)
    tampered = Attestation(att.schema, att.uid, bob.address, att.data, att.deadline, att.epoch)
    with ape.reverts("hub: signer not authorised"):
        hub.submit(tampered.as_args(), signatures, sender=relayer)


def test_submit__malformed_signature__reverts(
    hub: Any, consumer: Any, relayer: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    att = make_attestation()
    bad_v = bytearray(sign_attestation(att))
    bad_v[64] = 29
    with ape.reverts("hub: invalid signature"):
        hub.submit(att.as_args(), bytes(bad_v), sender=relayer)
    # A contract entry whose r is not an address.
    with ape.reverts("hub: invalid signature"):
        hub.submit(att.as_args(), b"\xff" * 64 + b"\x00" + bad_v[65:], sender=relayer)


def test_submit__unknown_schema__reverts(
    hub: Any, consumer: Any, relayer: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    att = make_attestation(schema=keccak(text="azora.test.Unregistered()"))
    with ape.reverts("hub: unknown schema"):
        hub.submit(att.as_args(), sign_attestation(att), sender=relayer)


def test_submit__consumer_refuses__reverts_with_its_reason(
    hub: Any, consumer: Any, relayer: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    att = make_attestation(subject=REJECTED_SUBJECT)
    with ape.reverts("consumer: subject rejected"):
        hub.submit(att.as_args(), sign_attestation(att), sender=relayer)
    assert bytes(hub.schema_of(att.uid)) == b"\x00" * 32


# --- submit_batch -------------------------------------------------------------------------


def test_submit_batch__bad_attestations__skipped_with_reasons(
    hub: Any, consumer: Any, relayer: Any, chain: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    good = [make_attestation() for _ in range(3)]
    expired = make_attestation(deadline=chain.pending_timestamp - 1)
    refused = make_attestation(subject=REJECTED_SUBJECT)
    duplicate = good[0]
    batch = [good[0], expired, good[1], refused, duplicate, good[2]]
    signatures = [sign_attestation(att) for att in batch]

    receipt = hub.submit_batch([att.as_args() for att in batch], signatures, sender=relayer)

    assert receipt.return_value == 3
    assert attested(hub, receipt) == [att.uid for att in good]
    assert rejected(hub, receipt) == [
        (expired.uid, REASON_EXPIRED),
        (refused.uid, REASON_CONSUMER_REJECTED),
        (duplicate.uid, REASON_UID_USED),
    ]
    # Skipped uids stay unused: a fixed resubmission goes through.
    assert bytes(hub.schema_of(expired.uid)) == b"\x00" * 32
    assert bytes(hub.schema_of(refused.uid)) == b"\x00" * 32
    retry = make_attestation(uid=expired.uid)
    hub.submit(retry.as_args(), sign_attestation(retry), sender=relayer)


def test_submit_batch__signature_failures__reported_per_attestation(
    hub: Any,
    consumer: Any,
    relayer: Any,
    oracle_signers: list[OracleSigner],
    forger: OracleSigner,
    make_attestation: Any,
    sign_attestation: Any,
    domain_of: Callable[..., dict],
) -> None:
    forged, malleated, unsorted, duplicate, short, valid = (make_attestation() for _ in range(6))
    digest = attestation_digest(domain_of(), malleated)
    first, second = oracle_signers[0].sign(digest), oracle_signers[1].sign(digest)
    batch = [forged, malleated, unsorted, duplicate, short, valid]
    signatures = [
        sign_attestation(forged, [forger, oracle_signers[0]]),
        pack_signatures([first.high_s(), second]),
        sign_attestation(unsorted, [oracle_signers[1], oracle_signers[0]], sort=False),
        sign_attestation(duplicate, [oracle_signers[2]] * 2),
        sign_attestation(short, oracle_signers[:1]),
        sign_attestation(valid),
    ]

    receipt = hub.submit_batch([att.as_args() for att in batch], signatures, sender=relayer)

    assert attested(hub, receipt) == [valid.uid]
    assert rejected(hub, receipt) == [
        (forged.uid, REASON_UNAUTHORISED_SIGNER),
        (malleated.uid, REASON_HIGH_S),
        (unsorted.uid, REASON_UNSORTED_SIGNERS),
        (duplicate.uid, REASON_DUPLICATE_SIGNER),
        (short.uid, REASON_BELOW_THRESHOLD),
    ]


def test_submit_batch__stale_epoch__reported_before_signature_failures(
    hub: Any,
    consumer: Any,
    relayer: Any,
    governance: Any,
    oracle_signers: list[OracleSigner],
    forger: OracleSigner,
    make_attestation: Any,
    sign_attestation: Any,
) -> None:
    forged, valid = make_attestation(), make_attestation()
    signatures = [sign_attestation(forged, [forger, oracle_signers[0]]), sign_attestation(valid)]
    hub.set_signers(EDUCATION, [s.address for s in oracle_signers], 2, sender=governance)

    receipt = hub.submit_batch([forged.as_args(), valid.as_args()], signatures, sender=relayer)

    assert receipt.return_value == 0
    assert rejected(hub, receipt) == [(forged.uid, REASON_STALE_EPOCH), (valid.uid, REASON_STALE_EPOCH)]


def test_submit_batch__length_mismatch__reverts(
    hub: Any, consumer: Any, relayer: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    att = make_attestation()
    with ape.reverts("hub: length mismatch"):
        hub.submit_batch([att.as_args()], [], sender=relayer)


def test_check_attestation__returns_the_reason_without_state_change(
    hub: Any, consumer: Any, chain: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    expired = make_attestation(deadline=chain.pending_timestamp - 10)
    assert hub.check_attestation(expired.as_args(), sign_attestation(expired)) == REASON_EXPIRED


# --- revoke -------------------------------------------------------------------------------


@pytest.fixture
def attested_uid(
    hub: Any, consumer: Any, relayer: Any, make_attestation: Any, sign_attestation: Any
) -> bytes:
    att = make_attestation()
    hub.submit(att.as_args(), sign_attestation(att), sender=relayer)
    return att.uid


def test_revoke__signed_revocation__marks_revoked_and_logs(
    hub: Any, consumer: Any, relayer: Any, chain: Any, attested_uid: bytes, sign_revocation: Any
) -> None:
    deadline = chain.pending_timestamp + 600
    signatures = sign_revocation(TEST_SCHEMA, attested_uid, deadline, 1)
    receipt = hub.revoke(TEST_SCHEMA, attested_uid, deadline, 1, signatures, sender=relayer)
    assert hub.revoked(attested_uid)
    (log,) = hub.Revoked.from_receipt(receipt)
    assert (bytes(log.event_arguments["schema"]), bytes(log.uid)) == (TEST_SCHEMA, attested_uid)
    with ape.reverts("hub: already revoked"):
        hub.revoke(TEST_SCHEMA, attested_uid, deadline, 1, signatures, sender=relayer)


def test_revoke__invalid_requests__revert_with_reason(
    hub: Any,
    consumer: Any,
    governance: Any,
    relayer: Any,
    chain: Any,
    oracle_signers: list[OracleSigner],
    attested_uid: bytes,
    sign_revocation: Any,
) -> None:
    deadline = chain.pending_timestamp + 600
    never = keccak(text="never attested")
    with ape.reverts("hub: uid not attested"):
        hub.revoke(
            TEST_SCHEMA, never, deadline, 1, sign_revocation(TEST_SCHEMA, never, deadline, 1), sender=relayer
        )
    with ape.reverts("hub: deadline passed"):
        past = chain.pending_timestamp - 1
        hub.revoke(
            TEST_SCHEMA,
            attested_uid,
            past,
            1,
            sign_revocation(TEST_SCHEMA, attested_uid, past, 1),
            sender=relayer,
        )
    one_signer = sign_revocation(TEST_SCHEMA, attested_uid, deadline, 1, oracle_signers[:1])
    with ape.reverts("hub: below threshold"):
        hub.revoke(TEST_SCHEMA, attested_uid, deadline, 1, one_signer, sender=relayer)
    with ape.reverts("hub: stale epoch"):
        hub.revoke(
            TEST_SCHEMA,
            attested_uid,
            deadline,
            0,
            sign_revocation(TEST_SCHEMA, attested_uid, deadline, 0),
            sender=relayer,
        )
    other = keccak(text="azora.test.Other()")
    with ape.reverts("hub: unknown schema"):
        hub.revoke(
            other,
            attested_uid,
            deadline,
            1,
            sign_revocation(other, attested_uid, deadline, 1),
            sender=relayer,
        )
    hub.register_schema(TEST_SCHEMA, EDUCATION, consumer, False, sender=governance)
    with ape.reverts("hub: schema not revocable"):
        hub.revoke(
            TEST_SCHEMA,
            attested_uid,
            deadline,
            1,
            sign_revocation(TEST_SCHEMA, attested_uid, deadline, 1),
            sender=relayer,
        )


# --- administration -----------------------------------------------------------------------


def test_set_signers__not_admin__reverts(hub: Any, stranger: Any, deployer: Any) -> None:
    for caller in (stranger, deployer):
        with ape.reverts("hub: caller is not the admin"):
            hub.set_signers(EDUCATION, [stranger.address], 1, sender=caller)


def test_register_schema__not_admin__reverts(hub: Any, consumer: Any, stranger: Any) -> None:
    with ape.reverts("hub: caller is not the admin"):
        hub.register_schema(TEST_SCHEMA, EDUCATION, consumer, True, sender=stranger)


def test_set_signers__invalid_sets__revert(hub: Any, governance: Any, alice: Any, bob: Any) -> None:
    with ape.reverts("hub: invalid threshold"):
        hub.set_signers(ETHICS, [alice.address, bob.address], 3, sender=governance)
    with ape.reverts("hub: invalid threshold"):
        hub.set_signers(ETHICS, [alice.address], 0, sender=governance)
    with ape.reverts("hub: invalid threshold"):
        hub.set_signers(ETHICS, [], 1, sender=governance)
    with ape.reverts("hub: duplicate signer"):
        hub.set_signers(ETHICS, [alice.address, bob.address, alice.address], 2, sender=governance)
    with ape.reverts("hub: zero signer"):
        hub.set_signers(ETHICS, [ZERO_ADDRESS], 1, sender=governance)
    with ape.reverts("hub: empty domain"):
        hub.set_signers(b"\x00" * 32, [alice.address], 1, sender=governance)


def test_set_signers__empty_set__disables_domain(
    hub: Any, consumer: Any, governance: Any, relayer: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    hub.set_signers(EDUCATION, [], 0, sender=governance)
    assert hub.epoch(EDUCATION) == 2 and list(hub.signers(EDUCATION)) == []
    att = make_attestation()
    with ape.reverts("hub: signer not authorised"):
        hub.submit(att.as_args(), sign_attestation(att), sender=relayer)


def test_register_schema__invalid__reverts(hub: Any, consumer: Any, governance: Any, alice: Any) -> None:
    with ape.reverts("hub: consumer is not a contract"):
        hub.register_schema(TEST_SCHEMA, EDUCATION, alice.address, True, sender=governance)
    with ape.reverts("hub: empty schema"):
        hub.register_schema(b"\x00" * 32, EDUCATION, consumer, True, sender=governance)
    with ape.reverts("hub: empty domain"):
        hub.register_schema(TEST_SCHEMA, b"\x00" * 32, consumer, True, sender=governance)


def test_register_schema__logs_and_unregisters_with_empty_consumer(
    hub: Any, consumer: Any, governance: Any, relayer: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    receipt = hub.register_schema(TEST_SCHEMA, PRICE, consumer, False, sender=governance)
    (log,) = hub.SchemaRegistered.from_receipt(receipt)
    assert (bytes(log.event_arguments["schema"]), bytes(log.domain), log.consumer, log.revocable) == (
        TEST_SCHEMA,
        PRICE,
        consumer.address,
        False,
    )
    hub.register_schema(TEST_SCHEMA, EDUCATION, ZERO_ADDRESS, False, sender=governance)
    att = make_attestation()
    with ape.reverts("hub: unknown schema"):
        hub.submit(att.as_args(), sign_attestation(att), sender=relayer)


def test_consumer__non_hub_caller__reverts(consumer: Any, stranger: Any) -> None:
    with ape.reverts("consumer: caller is not the hub"):
        consumer.on_attestation(TEST_SCHEMA, b"\x01" * 32, stranger.address, b"", sender=stranger)
    with ape.reverts("consumer: caller is not the hub"):
        consumer.on_revocation(TEST_SCHEMA, b"\x01" * 32, sender=stranger)
