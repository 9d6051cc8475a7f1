"""ProofOfKnowledge through the hub: rewards, Ubuntu share, caps, budget, ledger entries, credentials."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from eth_abi import encode
from eth_utils import keccak

from tests.contracts.oracle_fixtures import *  # noqa: F403 - the fixtures of oracle_fixtures.__all__
from tests.contracts.oracle_fixtures import AZR, DAILY_CAP, EPOCH_BUDGET, expected_reward
from tests.contracts.oracle_signing import COURSE_COMPLETED, CREDENTIAL_REVOKED, EDUCATION, Attestation

DAY = 86_400
EPOCH = 30 * DAY
REWARD = keccak(text="REWARD")
UBUNTU_SHARE = keccak(text="UBUNTU_SHARE")
GRID_SCORES = (70, 79, 80, 100)


def start_of_next(chain: Any, period: int) -> int:
    """Moves the next block to 100 s into the next day / epoch; returns that timestamp."""
    timestamp = (chain.pending_timestamp // period + 1) * period + 100
    chain.pending_timestamp = timestamp
    return timestamp


# --- the reward formula -------------------------------------------------------------------


def test_constants__match_spec(pok: Any) -> None:
    assert bytes(pok.COURSE_COMPLETED()) == COURSE_COMPLETED
    assert bytes(pok.CREDENTIAL_REVOKED()) == CREDENTIAL_REVOKED
    assert pok.daily_cap() == DAILY_CAP and pok.epoch_budget() == EPOCH_BUDGET
    assert pok.BASE_REWARD() == 10 * AZR and pok.UBUNTU_SHARE_PERCENT() == 10


def test_reward_for__every_score_and_difficulty__matches_formula(pok: Any) -> None:
    for difficulty in range(1, 5):
        for score in range(70, 101):
            assert tuple(pok.reward_for(score, difficulty)) == expected_reward(score, difficulty), (
                score,
                difficulty,
            )
    # Spot values: 10 AZR x 3 x 1.5 and the plain base.
    assert tuple(pok.reward_for(80, 4)) == (45 * AZR, 45 * AZR // 10)
    assert tuple(pok.reward_for(70, 1)) == (10 * AZR, AZR)


def test_reward_for__out_of_range__reverts(pok: Any) -> None:
    with ape.reverts("pok: score below passing"):
        pok.reward_for(69, 1)
    with ape.reverts("pok: score above maximum"):
        pok.reward_for(101, 1)
    for difficulty in (0, 5):
        with ape.reverts("pok: invalid difficulty"):
            pok.reward_for(80, difficulty)


def test_course_completed__grid_in_one_batch__pays_every_reward_and_share(
    pok: Any,
    hub: Any,
    token: Any,
    ledger: Any,
    alice: Any,
    treasury: Any,
    relayer: Any,
    course_completion: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    grid = [(score, difficulty) for difficulty in range(1, 5) for score in GRID_SCORES]
    atts = [course_completion(alice, 100 + i, score, d) for i, (score, d) in enumerate(grid)]
    learner_before, treasury_before = token.balanceOf(alice), token.balanceOf(treasury)

    receipt = hub.submit_batch(
        [a.as_args() for a in atts], [sign_attestation(a) for a in atts], sender=relayer
    )

    assert list(hub.AttestationRejected.from_receipt(receipt)) == []
    paid = pok.RewardPaid.from_receipt(receipt)
    assert [(log.courseId, log.reward, log.ubuntu_share) for log in paid] == [
        (100 + i, *expected_reward(score, d)) for i, (score, d) in enumerate(grid)
    ]
    total_reward = sum(expected_reward(score, d)[0] for score, d in grid)
    total_share = sum(expected_reward(score, d)[1] for score, d in grid)
    assert token.balanceOf(alice) - learner_before == total_reward == 375 * AZR
    assert token.balanceOf(treasury) - treasury_before == total_share
    assert ledger.count() == 2 * len(grid)
    assert pok.earned_today(alice) == total_reward
    assert pok.epoch_minted() == total_reward + total_share


# --- one completion, end to end -----------------------------------------------------------


def test_course_completed__mints_records_and_issues_credential(
    pok: Any,
    token: Any,
    ledger: Any,
    credentials: Any,
    alice: Any,
    treasury: Any,
    complete_course: Callable[..., tuple[Attestation, Any]],
) -> None:
    treasury_before = token.balanceOf(treasury)
    att, receipt = complete_course(alice, 7, 85, 3)

    reward, share = 30 * AZR, 3 * AZR
    assert token.balanceOf(alice) - 1_000_000 * AZR == reward
    assert token.balanceOf(treasury) - treasury_before == share
    (paid,) = pok.RewardPaid.from_receipt(receipt)
    assert (paid.learner, paid.courseId, bytes(paid.uid)) == (alice.address, 7, att.uid)
    assert (paid.reward, paid.ubuntu_share, paid.epoch) == (reward, share, pok.current_epoch())
    entries = [
        (bytes(log.kind), log.account, log.amount, bytes(log.ref))
        for log in ledger.Recorded.from_receipt(receipt)
    ]
    assert entries == [
        (REWARD, alice.address, reward, att.uid),
        (UBUNTU_SHARE, treasury.address, share, att.uid),
    ]
    token_id = int.from_bytes(att.uid, "big")
    assert credentials.credential_of(alice, 7) == token_id
    assert credentials.ownerOf(token_id) == alice.address
    learner, course_id, score, difficulty, issued_block = credentials.credential(token_id)
    assert (learner, course_id, score, difficulty, issued_block) == (
        alice.address,
        7,
        85,
        3,
        receipt.block_number,
    )


@pytest.mark.parametrize(
    ("score", "difficulty", "reason"),
    [
        (69, 2, "pok: score below passing"),
        (0, 1, "pok: score below passing"),
        (101, 2, "pok: score above maximum"),
        (80, 0, "pok: invalid difficulty"),
        (80, 5, "pok: invalid difficulty"),
    ],
)
def test_course_completed__invalid_score_or_difficulty__reverts(
    pok: Any,
    hub: Any,
    alice: Any,
    relayer: Any,
    course_completion: Callable[..., Attestation],
    sign_attestation: Any,
    score: int,
    difficulty: int,
    reason: str,
) -> None:
    att = course_completion(alice, 1, score, difficulty)
    with ape.reverts(reason):
        hub.submit(att.as_args(), sign_attestation(att), sender=relayer)
    assert bytes(hub.schema_of(att.uid)) == b"\x00" * 32


def test_course_completed__malformed_data__reverts(
    pok: Any, hub: Any, alice: Any, relayer: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    att = make_attestation(schema=COURSE_COMPLETED, subject=alice, data=encode(["uint256"], [1]))
    with ape.reverts("pok: malformed data"):
        hub.submit(att.as_args(), sign_attestation(att), sender=relayer)
    revocation = make_attestation(schema=CREDENTIAL_REVOKED, subject=alice, data=b"\x01" * 31)
    with ape.reverts("pok: malformed data"):
        hub.submit(revocation.as_args(), sign_attestation(revocation), sender=relayer)


def test_course_completed__same_course_twice__refused(
    pok: Any,
    hub: Any,
    token: Any,
    alice: Any,
    relayer: Any,
    complete_course: Callable[..., tuple[Attestation, Any]],
    course_completion: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    complete_course(alice, 3, 90, 2)
    balance = token.balanceOf(alice)
    again = course_completion(alice, 3, 100, 4)
    with ape.reverts("credentials: already issued"):
        hub.submit(again.as_args(), sign_attestation(again), sender=relayer)
    assert token.balanceOf(alice) == balance
    assert bytes(hub.schema_of(again.uid)) == b"\x00" * 32


# --- caps ---------------------------------------------------------------------------------


def test_daily_cap__exceeded__reverts_until_next_utc_day(
    pok: Any,
    hub: Any,
    governance: Any,
    chain: Any,
    alice: Any,
    bob: Any,
    relayer: Any,
    complete_course: Callable[..., tuple[Attestation, Any]],
    course_completion: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    receipt = pok.set_daily_cap(20 * AZR, sender=governance)
    (log,) = pok.DailyCapChanged.from_receipt(receipt)
    assert (log.previous, log.current) == (DAILY_CAP, 20 * AZR)
    start_of_next(chain, DAY)
    complete_course(alice, 1, 70, 1)
    complete_course(alice, 2, 75, 1)
    assert pok.earned_today(alice) == 20 * AZR
    over = course_completion(alice, 3, 70, 1)
    with ape.reverts("pok: daily cap exceeded"):
        hub.submit(over.as_args(), sign_attestation(over), sender=relayer)
    complete_course(bob, 3, 70, 1)  # the cap is per learner

    start_of_next(chain, DAY)
    retry = course_completion(alice, 3, 70, 1, uid=over.uid)
    hub.submit(retry.as_args(), sign_attestation(retry), sender=relayer)
    assert pok.earned_today(alice) == 10 * AZR


def test_daily_cap__default__is_1000_azr(
    pok: Any, chain: Any, alice: Any, complete_course: Callable[..., tuple[Attestation, Any]]
) -> None:
    # 22 x 45 AZR = 990 AZR fit, the 23rd (1,035 AZR) does not.
    start_of_next(chain, DAY)
    for course in range(22):
        complete_course(alice, 500 + course, 100, 4)
    assert pok.earned_today(alice) == 990 * AZR
    with ape.reverts("pok: daily cap exceeded"):
        complete_course(alice, 600, 100, 4)


def test_epoch_budget__exhausted__reverts_until_next_epoch(
    pok: Any,
    hub: Any,
    governance: Any,
    chain: Any,
    alice: Any,
    bob: Any,
    carol: Any,
    relayer: Any,
    complete_course: Callable[..., tuple[Attestation, Any]],
    course_completion: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    receipt = pok.set_epoch_budget(22 * AZR, sender=governance)
    (log,) = pok.EpochBudgetChanged.from_receipt(receipt)
    assert (log.previous, log.current) == (EPOCH_BUDGET, 22 * AZR)
    start_of_next(chain, EPOCH)
    complete_course(alice, 1, 70, 1)  # 10 + 1 AZR
    complete_course(bob, 1, 70, 1)  # 22 AZR: exactly the budget
    assert pok.epoch_minted() == 22 * AZR
    over = course_completion(carol, 1, 70, 1)
    with ape.reverts("pok: epoch budget exhausted"):
        hub.submit(over.as_args(), sign_attestation(over), sender=relayer)

    epoch = start_of_next(chain, EPOCH) // EPOCH
    retry = course_completion(carol, 1, 70, 1, uid=over.uid)
    receipt = hub.submit(retry.as_args(), sign_attestation(retry), sender=relayer)
    (paid,) = pok.RewardPaid.from_receipt(receipt)
    assert paid.epoch == epoch and pok.epoch_minted() == 11 * AZR


# --- treasury and administration ----------------------------------------------------------


def test_set_treasury__redirects_ubuntu_share(
    pok: Any, token: Any, governance: Any, alice: Any, carol: Any, complete_course: Any
) -> None:
    receipt = pok.set_treasury(carol, sender=governance)
    (log,) = pok.TreasuryChanged.from_receipt(receipt)
    assert log.current == carol.address
    complete_course(alice, 1, 80, 2)  # 15 x 1.5 = 22.5 AZR, share 2.25 AZR
    assert token.balanceOf(carol) == 225 * AZR // 100
    with ape.reverts("pok: zero treasury"):
        pok.set_treasury("0x0000000000000000000000000000000000000000", sender=governance)


def test_setters__not_admin__revert(pok: Any, stranger: Any) -> None:
    with ape.reverts("pok: caller is not the admin"):
        pok.set_treasury(stranger, sender=stranger)
    with ape.reverts("pok: caller is not the admin"):
        pok.set_daily_cap(1, sender=stranger)
    with ape.reverts("pok: caller is not the admin"):
        pok.set_epoch_budget(1, sender=stranger)


def test_hooks__non_hub_caller__revert(pok: Any, stranger: Any) -> None:
    with ape.reverts("pok: caller is not the hub"):
        pok.on_attestation(
            COURSE_COMPLETED, b"\x01" * 32, stranger, encode(["uint256"] * 3, [1, 90, 1]), sender=stranger
        )
    with ape.reverts("pok: caller is not the hub"):
        pok.on_revocation(COURSE_COMPLETED, b"\x01" * 32, sender=stranger)


def test_unrouted_schema__reverts(
    pok: Any, hub: Any, governance: Any, relayer: Any, make_attestation: Any, sign_attestation: Any
) -> None:
    schema = keccak(text="azora.education.Unknown()")
    hub.register_schema(schema, EDUCATION, pok, True, sender=governance)
    att = make_attestation(schema=schema)
    with ape.reverts("pok: unknown schema"):
        hub.submit(att.as_args(), sign_attestation(att), sender=relayer)


def test_deploy__zero_treasury__reverts(
    project: Any, deployer: Any, hub: Any, token: Any, ledger: Any, credentials: Any
) -> None:
    zero = "0x0000000000000000000000000000000000000000"
    with ape.reverts("pok: zero treasury"):
        project.ProofOfKnowledge.deploy(hub, token, ledger, credentials, zero, 1, 1, sender=deployer)


# --- revocation ---------------------------------------------------------------------------


def test_credential_revoked__burns_credential_and_keeps_reward(
    pok: Any,
    hub: Any,
    token: Any,
    credentials: Any,
    alice: Any,
    relayer: Any,
    complete_course: Callable[..., tuple[Attestation, Any]],
    make_attestation: Any,
    course_completion: Callable[..., Attestation],
    sign_attestation: Any,
) -> None:
    att, _ = complete_course(alice, 9, 95, 1)
    token_id = int.from_bytes(att.uid, "big")
    balance = token.balanceOf(alice)
    revocation = make_attestation(
        schema=CREDENTIAL_REVOKED, subject=alice, data=encode(["uint256"], [token_id])
    )

    receipt = hub.submit(revocation.as_args(), sign_attestation(revocation), sender=relayer)

    (log,) = credentials.CredentialRevoked.from_receipt(receipt)
    assert (log.token_id, log.learner, log.course_id) == (token_id, alice.address, 9)
    assert not credentials.exists(token_id) and credentials.credential_of(alice, 9) == 0
    assert credentials.balanceOf(alice) == 0
    assert token.balanceOf(alice) == balance  # not clawed back
    again = course_completion(alice, 9, 95, 1)
    with ape.reverts("credentials: already issued"):
        hub.submit(again.as_args(), sign_attestation(again), sender=relayer)
    unknown = make_attestation(schema=CREDENTIAL_REVOKED, subject=alice, data=encode(["uint256"], [token_id]))
    with ape.reverts("credentials: unknown credential"):
        hub.submit(unknown.as_args(), sign_attestation(unknown), sender=relayer)


def test_hub_revocation_of_completion__burns_credential_if_still_live(
    pok: Any,
    hub: Any,
    credentials: Any,
    chain: Any,
    alice: Any,
    relayer: Any,
    complete_course: Callable[..., tuple[Attestation, Any]],
    make_attestation: Any,
    sign_attestation: Any,
    sign_revocation: Any,
) -> None:
    deadline = chain.pending_timestamp + 600
    live, _ = complete_course(alice, 4, 88, 2)
    signatures = sign_revocation(COURSE_COMPLETED, live.uid, deadline, live.epoch)
    receipt = hub.revoke(COURSE_COMPLETED, live.uid, deadline, live.epoch, signatures, sender=relayer)
    assert hub.revoked(live.uid)
    assert [log.token_id for log in credentials.CredentialRevoked.from_receipt(receipt)] == [
        int.from_bytes(live.uid, "big")
    ]
    assert credentials.credential_of(alice, 4) == 0
    # Already burned through CredentialRevoked: the revocation still goes through.
    burned, _ = complete_course(alice, 5, 88, 2)
    data = encode(["uint256"], [int.from_bytes(burned.uid, "big")])
    revocation = make_attestation(schema=CREDENTIAL_REVOKED, subject=alice, data=data)
    hub.submit(revocation.as_args(), sign_attestation(revocation), sender=relayer)
    signatures = sign_revocation(COURSE_COMPLETED, burned.uid, deadline, burned.epoch)
    receipt = hub.revoke(COURSE_COMPLETED, burned.uid, deadline, burned.epoch, signatures, sender=relayer)
    assert hub.revoked(burned.uid)
    assert list(credentials.CredentialRevoked.from_receipt(receipt)) == []


def test_on_revocation__credential_revoked_schema__reverts(
    pok: Any,
    hub: Any,
    governance: Any,
    chain: Any,
    alice: Any,
    relayer: Any,
    make_attestation: Any,
    sign_attestation: Any,
    sign_revocation: Any,
    complete_course: Callable[..., tuple[Attestation, Any]],
) -> None:
    att, _ = complete_course(alice, 6, 90, 1)
    hub.register_schema(CREDENTIAL_REVOKED, EDUCATION, pok, True, sender=governance)
    data = encode(["uint256"], [int.from_bytes(att.uid, "big")])
    revocation = make_attestation(schema=CREDENTIAL_REVOKED, subject=alice, data=data)
    hub.submit(revocation.as_args(), sign_attestation(revocation), sender=relayer)
    deadline = chain.pending_timestamp + 600
    signatures = sign_revocation(CREDENTIAL_REVOKED, revocation.uid, deadline, revocation.epoch)
    with ape.reverts("pok: schema not revocable"):
        hub.revoke(CREDENTIAL_REVOKED, revocation.uid, deadline, revocation.epoch, signatures, sender=relayer)
