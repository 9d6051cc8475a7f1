"""oracles.eip712: digests equal the hub's own, signatures it accepts, the packed encoding."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from eth_account import Account

from oracles.education.schema import COURSE_COMPLETED, encode_course_completed
from oracles.eip712 import (
    SECP256K1_N,
    Attestation,
    ContractSignature,
    HubDomain,
    Reason,
    Revocation,
    SignatureEntry,
    attestation_digest,
    domain_id,
    pack_signatures,
    recover_signer,
    revocation_digest,
    sign_attestation,
)
from tests.oracles.conftest import Stack, fresh_learner

EDUCATION = domain_id("EDUCATION")


def make_attestation(hub: Any, chain: Any, **overrides: Any) -> Attestation:
    values: dict[str, Any] = {
        "schema": COURSE_COMPLETED,
        "uid": secrets.token_bytes(32),
        "subject": fresh_learner(),
        "data": encode_course_completed(7, 91, 3),
        "deadline": chain.pending_timestamp + 3_600,
        "epoch": hub.epoch(EDUCATION),
    }
    values.update(overrides)
    return Attestation(**values)


def test_attestation_digest__equals_hub_hash_attestation(hub: Any, chain: Any, stack: Stack) -> None:
    att = make_attestation(hub, chain, data=b"\x01" * 200)
    assert attestation_digest(stack.domain, att) == bytes(hub.hash_attestation(att.as_args()))


def test_revocation_digest__equals_hub_hash_revocation(hub: Any, stack: Stack) -> None:
    rev = Revocation(schema=COURSE_COMPLETED, uid=secrets.token_bytes(32), deadline=2**40, epoch=3)
    expected = hub.hash_revocation(rev.schema, rev.uid, rev.deadline, rev.epoch)
    assert revocation_digest(stack.domain, rev) == bytes(expected)


def test_attestation_digest__other_chain_or_hub__differs(hub: Any, chain: Any, stack: Stack) -> None:
    att = make_attestation(hub, chain)
    digest = attestation_digest(stack.domain, att)
    assert attestation_digest(HubDomain(1, stack.hub_address), att) != digest
    assert attestation_digest(HubDomain(stack.domain.chain_id, "0x" + "11" * 20), att) != digest


def test_signed_attestation__two_of_three__accepted_and_applied_by_hub(
    hub: Any, chain: Any, stack: Stack, signer_accounts: list[Any], accounts: Any
) -> None:
    att = make_attestation(hub, chain)
    entries = [sign_attestation(account, stack.domain, att) for account in reversed(signer_accounts[1:])]
    signatures = pack_signatures(entries, threshold=2)
    assert hub.check_attestation(att.as_args(), signatures) == Reason.OK
    receipt = hub.submit(att.as_args(), signatures, sender=accounts[5])
    assert [log.uid for log in receipt.events.filter(hub.Attested)] == [att.uid]
    assert bytes(hub.schema_of(att.uid)) == COURSE_COMPLETED


def test_signed_attestation__one_signature__below_threshold(
    hub: Any, chain: Any, stack: Stack, signer_accounts: list[Any]
) -> None:
    att = make_attestation(hub, chain)
    signatures = pack_signatures([sign_attestation(signer_accounts[0], stack.domain, att)])
    assert hub.check_attestation(att.as_args(), signatures) == Reason.BELOW_THRESHOLD


def test_signed_attestation__unknown_key__unauthorised(hub: Any, chain: Any, stack: Stack) -> None:
    att = make_attestation(hub, chain)
    entries = [sign_attestation(Account.create(), stack.domain, att) for _ in range(2)]
    assert hub.check_attestation(att.as_args(), pack_signatures(entries)) == Reason.UNAUTHORISED_SIGNER


def test_pack_signatures__unsorted_duplicates__ascending_distinct_first_threshold() -> None:
    accounts = [Account.create() for _ in range(4)]
    entries = [SignatureEntry(a.address, bytes([i]) * 65) for i, a in enumerate(accounts)]
    packed = pack_signatures([*reversed(entries), entries[0]], threshold=3)
    ordered = sorted(entries, key=lambda e: int(e.signer, 16))
    assert packed == b"".join(e.signature for e in ordered[:3])
    with pytest.raises(ValueError, match="below the threshold"):
        pack_signatures(entries[:2], threshold=3)


def test_pack_signatures__contract_signer__v0_entry_with_offset_to_data() -> None:
    eoa = SignatureEntry("0x" + "ff" * 20, b"\x07" * 65)
    wallet = ContractSignature("0x" + "01" * 20, b"\xaa" * 5)
    packed = pack_signatures([eoa, wallet])
    assert packed[:32] == b"\x00" * 12 + b"\x01" * 20
    assert int.from_bytes(packed[32:64], "big") == 130 and packed[64] == 0
    assert packed[65:130] == eoa.signature
    assert packed[130:] == (5).to_bytes(32, "big") + b"\xaa" * 5


def test_sign_attestation__many_keys__low_s_and_recoverable() -> None:
    domain = HubDomain(31337, "0x" + "22" * 20)
    for _ in range(40):
        account = Account.create()
        att = Attestation(COURSE_COMPLETED, secrets.token_bytes(32), account.address, b"", 2**40, 1)
        entry = sign_attestation(account, domain, att)
        assert int.from_bytes(entry.signature[32:64], "big") <= SECP256K1_N // 2
        assert entry.signature[64] in (27, 28)
        assert recover_signer(attestation_digest(domain, att), entry.signature) == account.address


def test_recover_signer__high_s_twin_or_garbage__none() -> None:
    account = Account.create()
    digest = secrets.token_bytes(32)
    signature = bytes(account.unsafe_sign_hash(digest).signature)
    r, s, v = signature[:32], int.from_bytes(signature[32:64], "big"), signature[64]
    twin = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])
    assert recover_signer(digest, twin) is None
    assert recover_signer(digest, b"\x00" * 65) is None
    assert recover_signer(digest, signature[:64]) is None


def test_attestation__invalid_fields__refused() -> None:
    with pytest.raises(ValueError, match="uid must be 32 bytes"):
        Attestation(COURSE_COMPLETED, b"\x01", "0x" + "00" * 20, b"", 1, 1)
    with pytest.raises(ValueError, match="at most 256"):
        Attestation(COURSE_COMPLETED, b"\x01" * 32, "0x" + "00" * 20, b"\x00" * 257, 1, 1)
    with pytest.raises(ValueError, match="uint64"):
        Attestation(COURSE_COMPLETED, b"\x01" * 32, "0x" + "00" * 20, b"", 2**64, 1)
