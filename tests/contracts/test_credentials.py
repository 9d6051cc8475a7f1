"""Credentials: soulbound ERC-721 + ERC-5192, one per (learner, course), on-chain JSON metadata."""

from __future__ import annotations

import json
from typing import Any

import ape
import pytest

from tests.contracts.oracle_fixtures import *  # noqa: F403 - the fixtures of oracle_fixtures.__all__

TOKEN_ID = 0xA11CE
DATA_URI_PREFIX = "data:application/json;utf8,"


@pytest.fixture(scope="module")
def issuer(minter: Any) -> Any:
    """Holds ISSUER_ROLE (stands in for ProofOfKnowledge)."""
    return minter


@pytest.fixture(scope="module")
def soulbound(credentials: Any, deployer: Any, governance: Any, issuer: Any) -> Any:
    """Credentials with `issuer` as ISSUER_ROLE and governance as admin."""
    credentials.grantRole(credentials.ISSUER_ROLE(), issuer, sender=deployer)
    admin_role = credentials.DEFAULT_ADMIN_ROLE()
    credentials.grantRole(admin_role, governance, sender=deployer)
    credentials.renounceRole(admin_role, deployer, sender=deployer)
    return credentials


@pytest.fixture
def issued(soulbound: Any, issuer: Any, alice: Any) -> Any:
    """The receipt of alice's credential TOKEN_ID for course 42 (score 87, difficulty 3)."""
    return soulbound.issue(alice, 42, 87, 3, TOKEN_ID, sender=issuer)


def test_metadata__name_symbol_and_no_dormant_owner(soulbound: Any, deployer: Any) -> None:
    assert (soulbound.name(), soulbound.symbol()) == ("Azora Credentials", "AZC")
    assert soulbound.totalSupply() == 0


def test_supports_interface__erc721_and_erc5192(soulbound: Any) -> None:
    for interface_id in ("0x01ffc9a7", "0x80ac58cd", "0x5b5e139f", "0x780e9d63", "0x7965db0b", "0xb45a3c0e"):
        assert soulbound.supportsInterface(interface_id), interface_id
    # No EIP-4494 permit (approvals are impossible) and nothing random.
    for interface_id in ("0x589c5ce2", "0x49064906", "0xffffffff"):
        assert not soulbound.supportsInterface(interface_id), interface_id


def test_issue__mints_locked_credential_with_events(soulbound: Any, issued: Any, alice: Any) -> None:
    assert soulbound.ownerOf(TOKEN_ID) == alice.address and soulbound.balanceOf(alice) == 1
    assert soulbound.locked(TOKEN_ID) and soulbound.exists(TOKEN_ID)
    assert soulbound.credential_of(alice, 42) == TOKEN_ID
    assert soulbound.tokenOfOwnerByIndex(alice, 0) == TOKEN_ID and soulbound.totalSupply() == 1
    assert [log.tokenId for log in soulbound.Locked.from_receipt(issued)] == [TOKEN_ID]
    (log,) = soulbound.CredentialIssued.from_receipt(issued)
    assert (log.token_id, log.learner, log.course_id, log.score, log.difficulty) == (
        TOKEN_ID,
        alice.address,
        42,
        87,
        3,
    )
    assert tuple(soulbound.credential(TOKEN_ID)) == (alice.address, 42, 87, 3, issued.block_number)


def test_token_uri__on_chain_json(soulbound: Any, issued: Any) -> None:
    uri = soulbound.tokenURI(TOKEN_ID)
    assert uri.startswith(DATA_URI_PREFIX)
    metadata = json.loads(uri[len(DATA_URI_PREFIX) :])
    assert metadata["name"] == "Azora Credential: course 42"
    attributes = {item["trait_type"]: item["value"] for item in metadata["attributes"]}
    assert attributes == {
        "course_id": "42",
        "score": 87,
        "difficulty": 3,
        "issued_block": issued.block_number,
    }


def test_token_uri__largest_values__fits(soulbound: Any, issuer: Any, bob: Any) -> None:
    course = 2**256 - 1
    soulbound.issue(bob, course, 255, 255, 2**256 - 1, sender=issuer)
    metadata = json.loads(soulbound.tokenURI(2**256 - 1)[len(DATA_URI_PREFIX) :])
    assert metadata["attributes"][0]["value"] == str(course)


def test_issue__same_learner_and_course__reverts(
    soulbound: Any, issued: Any, issuer: Any, alice: Any
) -> None:
    with ape.reverts("credentials: already issued"):
        soulbound.issue(alice, 42, 100, 4, TOKEN_ID + 1, sender=issuer)


def test_issue__invalid__reverts(soulbound: Any, issued: Any, issuer: Any, alice: Any, bob: Any) -> None:
    with ape.reverts("credentials: zero token id"):
        soulbound.issue(alice, 1, 90, 1, 0, sender=issuer)
    with ape.reverts("erc721: token already minted"):
        soulbound.issue(bob, 42, 90, 1, TOKEN_ID, sender=issuer)
    with ape.reverts("erc721: mint to the zero address"):
        soulbound.issue("0x0000000000000000000000000000000000000000", 1, 90, 1, 7, sender=issuer)


def test_issue_and_revoke__not_issuer__revert(
    soulbound: Any, issued: Any, stranger: Any, governance: Any
) -> None:
    for caller in (stranger, governance):
        with ape.reverts("credentials: caller is not an issuer"):
            soulbound.issue(stranger, 1, 90, 1, 5, sender=caller)
        with ape.reverts("credentials: caller is not an issuer"):
            soulbound.revoke(TOKEN_ID, sender=caller)


def test_transfers_and_approvals__revert_soulbound(soulbound: Any, issued: Any, alice: Any, bob: Any) -> None:
    with ape.reverts("credentials: soulbound"):
        soulbound.transferFrom(alice, bob, TOKEN_ID, sender=alice)
    with ape.reverts("credentials: soulbound"):
        soulbound.safeTransferFrom(alice, bob, TOKEN_ID, sender=alice)
    with ape.reverts("credentials: soulbound"):
        soulbound.safeTransferFrom(alice, bob, TOKEN_ID, b"data", sender=alice)
    with ape.reverts("credentials: soulbound"):
        soulbound.approve(bob, TOKEN_ID, sender=alice)
    with ape.reverts("credentials: soulbound"):
        soulbound.setApprovalForAll(bob, True, sender=alice)
    assert soulbound.ownerOf(TOKEN_ID) == alice.address
    assert soulbound.getApproved(TOKEN_ID) == "0x0000000000000000000000000000000000000000"
    assert not soulbound.isApprovedForAll(alice, bob)


def test_revoke__burns_and_keeps_pair_spent(soulbound: Any, issued: Any, issuer: Any, alice: Any) -> None:
    receipt = soulbound.revoke(TOKEN_ID, sender=issuer)
    (log,) = soulbound.CredentialRevoked.from_receipt(receipt)
    assert (log.token_id, log.learner, log.course_id) == (TOKEN_ID, alice.address, 42)
    assert not soulbound.exists(TOKEN_ID) and soulbound.credential_of(alice, 42) == 0
    assert soulbound.balanceOf(alice) == 0 and soulbound.totalSupply() == 0
    with ape.reverts("erc721: invalid token ID"):
        soulbound.locked(TOKEN_ID)
    with ape.reverts("erc721: invalid token ID"):
        soulbound.tokenURI(TOKEN_ID)
    with ape.reverts("credentials: unknown credential"):
        soulbound.revoke(TOKEN_ID, sender=issuer)
    with ape.reverts("credentials: already issued"):
        soulbound.issue(alice, 42, 99, 3, TOKEN_ID + 1, sender=issuer)
