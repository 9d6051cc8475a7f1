"""POST/GET /v1/oracles/education/completions: HMAC per platform, validation, idempotency, storage
before enqueue. No chain needed: the manifest is a stand-in giving the chain id."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from eth_abi import encode

from azora.services import free_port
from oracles.collector import RedisKeys
from oracles.education.schema import (
    CREDENTIAL_REVOKED,
    completion_uid,
    decode_course_completed,
    revocation_uid,
)
from oracles.settings import OracleSettings
from tests.api.conftest import assert_problem
from tests.oracles.conftest import (
    PLATFORM,
    PLATFORM_SECRET,
    completion_payload,
    post_completion,
    revocation_path,
    submissions,
)

CHAIN_ID = 31337
IntakeClient = Callable[..., Any]


@pytest.fixture
def settings(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> OracleSettings:
    manifest = {
        "version": 1,
        "network": "local",
        "chain_id": CHAIN_ID,
        "profile": "dev",
        "deployer": "0x" + "00" * 20,
        "admin": "0x" + "00" * 20,
        "deployed_at": "2026-11-26T00:00:00+00:00",
        "contracts": {},
    }
    path = tmp_path / "local.json"
    path.write_text(json.dumps(manifest))
    return OracleSettings(
        database_url=db_url,
        redis_url=redis_url,
        redis_prefix=redis_prefix,
        queue=f"{redis_prefix}oracles",
        manifest_path=path,
    )


def queued_ticks(settings: OracleSettings) -> int:
    """Celery messages waiting in the submitter's queue (kombu prefixes the list key)."""
    assert settings.redis_url is not None
    client = redis.Redis.from_url(settings.redis_url)
    try:
        return int(client.llen(f"{settings.redis_prefix}{settings.queue}"))
    finally:
        client.close()


def test_post__signed_valid__202_stored_queued_then_tick_enqueued(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    client = intake_client(settings)
    payload = completion_payload(learner="0x70997970c51812dc3a010c7d01b50e0d17dc79c8", course_id=2**200)
    response = post_completion(client, payload)
    assert response.status_code == 202, response.text
    body = response.json()
    uid = "0x" + completion_uid(PLATFORM, payload["completion_id"]).hex()
    assert body["id"] == uid and response.headers["location"].endswith(f"/education/completions/{uid}")
    assert body["learner"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    assert body["course_id"] == str(2**200) and body["status"] == "queued"
    assert (body["chain_id"], body["platform"], body["score"], body["difficulty"]) == (
        CHAIN_ID,
        PLATFORM,
        88,
        3,
    )
    row = submissions(settings)[uid]
    assert row.status == "queued" and row.subject == payload["learner"]
    assert decode_course_completed(row.data) == (2**200, 88, 3)
    assert queued_ticks(settings) == 1
    assert redis.Redis.from_url(str(settings.redis_url)).exists(RedisKeys(settings.redis_prefix).tick())


def test_post__score_as_digit_string_course__accepted(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    response = post_completion(intake_client(settings), completion_payload(course_id="12345"))
    assert response.status_code == 202 and response.json()["course_id"] == "12345"


@pytest.mark.parametrize(
    ("case", "kwargs"),
    [
        ("no headers", {"headers": {"X-Azora-Platform": "", "X-Azora-Signature": ""}}),
        ("wrong secret", {"secret": "not-the-secret"}),
        ("unknown platform", {"platform": "coursera-x"}),
        ("bare garbage", {"headers": {"X-Azora-Signature": "sha256=" + "00" * 32}}),
    ],
)
def test_post__bad_authentication__401_and_nothing_stored(
    intake_client: IntakeClient, settings: OracleSettings, case: str, kwargs: dict[str, Any]
) -> None:
    response = post_completion(intake_client(settings), completion_payload(score=5), **kwargs)
    body = assert_problem(response, 401, type_suffix="unauthorized")
    assert "HMAC" in response.headers["www-authenticate"] and PLATFORM_SECRET not in response.text
    assert body["detail"].startswith("missing or invalid X-Azora-Platform")
    assert submissions(settings) == {}


def test_post__body_tampered_after_signing__401(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    from oracles.education.intake import sign_body

    payload = completion_payload()
    signature = sign_body(PLATFORM_SECRET, json.dumps(payload).encode())
    payload["score"] = 100
    response = post_completion(intake_client(settings), payload, headers={"X-Azora-Signature": signature})
    assert_problem(response, 401)


@pytest.mark.parametrize(
    ("change", "location"),
    [
        ({"learner": "0x1234"}, "body.learner"),
        ({"learner": "0x" + "00" * 20}, "body.learner"),
        ({"score": 101}, "body.score"),
        ({"score": "90"}, "body.score"),
        ({"difficulty": 0}, "body.difficulty"),
        ({"difficulty": 5}, "body.difficulty"),
        ({"course_id": -1}, "body.course_id"),
        ({"course_id": 2**256}, "body.course_id"),
        ({"completion_id": ""}, "body.completion_id"),
        ({"completion_id": "has space"}, "body.completion_id"),
        ({"bonus": True}, "body.bonus"),
    ],
)
def test_post__invalid_field__422_problem_naming_it(
    intake_client: IntakeClient, settings: OracleSettings, change: dict[str, Any], location: str
) -> None:
    response = post_completion(intake_client(settings), completion_payload(**change))
    body = assert_problem(response, 422, type_suffix="invalid-request")
    assert location in [error["location"] for error in body["errors"]], body
    assert submissions(settings) == {}


def test_post__not_json__422(intake_client: IntakeClient, settings: OracleSettings) -> None:
    body = assert_problem(post_completion(intake_client(settings), b"{not json"), 422)
    assert body["errors"][0]["type"] == "json_invalid"


def test_post__score_below_passing__422_score_problem(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    response = post_completion(intake_client(settings), completion_payload(score=69))
    body = assert_problem(response, 422, type_suffix="score-below-passing")
    assert (body["score"], body["passing_score"]) == (69, 70) and "below the passing score 70" in body[
        "detail"
    ]
    assert submissions(settings) == {}


def test_post__same_completion_twice__409_with_the_existing_status(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    client = intake_client(settings)
    payload = completion_payload()
    first = post_completion(client, payload).json()
    again = post_completion(client, {**payload, "score": 99})
    body = assert_problem(again, 409, type_suffix="duplicate-completion")
    assert body["id"] == first["id"] and body["completion"]["status"] == "queued"
    assert body["completion"]["score"] == 88 and again.headers["location"].endswith(first["id"])
    assert len(submissions(settings)) == 1


def test_post__same_learner_and_course_other_completion__409(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    client = intake_client(settings)
    payload = completion_payload()
    first = post_completion(client, payload).json()
    other = completion_payload(
        learner=payload["learner"].upper().replace("0X", "0x"), course_id=payload["course_id"]
    )
    body = assert_problem(post_completion(client, other), 409)
    assert body["id"] == first["id"]


def test_get__status__then_404_and_422(intake_client: IntakeClient, settings: OracleSettings) -> None:
    client = intake_client(settings)
    created = post_completion(client, completion_payload()).json()
    read = client.get(f"/v1/oracles/education/completions/{created['id'].upper().replace('0X', '0x')}")
    assert read.status_code == 200 and read.json() == created
    assert_problem(client.get("/v1/oracles/education/completions/0x" + "ab" * 32), 404)
    assert_problem(client.get("/v1/oracles/education/completions/42"), 422)


def test_post__broker_unreachable__still_stored_queued_202(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    response = post_completion(intake_client(down), completion_payload())
    assert response.status_code == 202
    assert submissions(settings)[response.json()["id"]].status == "queued"
    assert queued_ticks(settings) == 0


def test_openapi__documents_the_signed_body_and_problems(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    spec = intake_client(settings).get("/openapi.json").json()
    post = spec["paths"]["/v1/oracles/education/completions"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"completion_id", "learner", "course_id", "score", "difficulty"}
    assert {"202", "401", "409", "422"} <= set(post["responses"])
    assert "application/problem+json" in post["responses"]["409"]["content"]


# --- POST /v1/oracles/education/completions:batch ------------------------------------------------

BATCH_PATH = "/v1/oracles/education/completions:batch"


def post_batch(
    client: Any,
    items: list[Any] | bytes,
    *,
    secret: str = PLATFORM_SECRET,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST a batch signed like a platform does (the HMAC covers the raw array)."""
    from oracles.education.intake import sign_body

    body = items if isinstance(items, bytes) else json.dumps(items).encode()
    sent = {
        "Content-Type": "application/json",
        "X-Azora-Platform": PLATFORM,
        "X-Azora-Signature": sign_body(secret, body),
    }
    sent.update(headers or {})
    return client.post(BATCH_PATH, content=body, headers=sent)


def test_post_batch__valid_items__200_each_202_stored_queued_one_tick(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    items = [completion_payload() for _ in range(5)]
    response = post_batch(intake_client(settings), items)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["invalid"]) == (5, 0, 0)
    uids = ["0x" + completion_uid(PLATFORM, item["completion_id"]).hex() for item in items]
    assert [(r["index"], r["status"], r["id"]) for r in body["results"]] == [
        (i, 202, uid) for i, uid in enumerate(uids)
    ]
    assert all(r["completion"]["status"] == "queued" and r["problem"] is None for r in body["results"])
    rows = submissions(settings)
    assert sorted(rows) == sorted(uids) and all(row.status == "queued" for row in rows.values())
    assert queued_ticks(settings) == 1


def test_post_batch__invalid_low_score_and_duplicates__per_item_status_in_order(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    client = intake_client(settings)
    earlier = completion_payload()
    stored = post_completion(client, earlier).json()
    fresh = completion_payload()
    items: list[Any] = [
        fresh,
        completion_payload(learner="0x1234"),
        completion_payload(score=69),
        {**earlier, "score": 99},  # reported before this batch
        {**fresh, "score": 71},  # same completion id earlier in this batch
        completion_payload(learner=fresh["learner"], course_id=fresh["course_id"]),  # same learner + course
        "not an object",
    ]
    body = post_batch(client, items).json()
    assert [r["status"] for r in body["results"]] == [202, 422, 422, 409, 409, 409, 422]
    assert (body["accepted"], body["duplicates"], body["invalid"]) == (1, 3, 3)
    results = body["results"]
    first_id = results[0]["id"]
    assert [r["id"] for r in results[3:6]] == [stored["id"], first_id, first_id]
    assert results[3]["completion"]["score"] == 88 and results[4]["completion"]["score"] == 88
    assert results[3]["problem"]["type"].endswith("duplicate-completion")
    assert results[1]["problem"]["type"].endswith("invalid-request")
    assert [e["location"] for e in results[1]["problem"]["errors"]] == ["body.1.learner"]
    assert results[2]["problem"]["type"].endswith("score-below-passing")
    assert (results[2]["problem"]["score"], results[2]["problem"]["passing_score"]) == (69, 70)
    assert results[6]["problem"]["errors"][0]["location"] == "body.6"
    assert sorted(submissions(settings)) == sorted([stored["id"], first_id])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[not json", "invalid JSON"),
        (json.dumps({"completion_id": "c-1"}).encode(), "JSON array"),
        (b"[]", "JSON array"),
        (json.dumps([completion_payload(completion_id=f"c-{i}") for i in range(501)]).encode(), "JSON array"),
    ],
)
def test_post_batch__not_an_array_of_1_to_500__422_nothing_stored(
    intake_client: IntakeClient, settings: OracleSettings, body: bytes, message: str
) -> None:
    problem = assert_problem(post_batch(intake_client(settings), body), 422, type_suffix="invalid-request")
    assert message in problem["detail"]
    assert submissions(settings) == {}
    assert queued_ticks(settings) == 0


def test_post_batch__bad_hmac_or_too_large__401_413_nothing_stored(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    from oracles.education.intake import MAX_BATCH_BODY_BYTES

    client = intake_client(settings)
    assert_problem(post_batch(client, [completion_payload()], secret="not-the-secret"), 401)
    padded = json.dumps([completion_payload()]).encode() + b" " * MAX_BATCH_BODY_BYTES
    assert_problem(post_batch(client, padded), 413)
    assert submissions(settings) == {}


def test_post_batch__only_duplicates__no_tick_enqueued(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    client = intake_client(settings)
    items = [completion_payload() for _ in range(2)]
    assert post_batch(client, items).json()["accepted"] == 2
    again = post_batch(client, items).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert queued_ticks(settings) == 1  # the first batch's


def test_get__deferred_submission__status_deferred_with_retry_at(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import update

    from oracles.models import OracleSubmission
    from oracles.store import make_sessions

    client = intake_client(settings)
    created = post_completion(client, completion_payload()).json()
    assert settings.database_url is not None
    sessions = make_sessions(settings.database_url, pool_size=1)
    with sessions() as session, session.begin():  # what the relay writes when it defers one
        session.execute(
            update(OracleSubmission)
            .where(OracleSubmission.uid == created["id"])
            .values(deadline=1_800_000_000, reason="DAILY_CAP_EXCEEDED", detail="deferred until ...")
        )
    sessions.kw["bind"].dispose()
    read = client.get(f"/v1/oracles/education/completions/{created['id']}").json()
    assert (read["status"], read["reason"]) == ("deferred", "DAILY_CAP_EXCEEDED")
    assert datetime.fromisoformat(read["retry_at"]) == datetime.fromtimestamp(1_800_000_000, UTC)
    assert created["retry_at"] is None


# --- POST/GET /v1/oracles/education/completions/{id}/revocation -----------------------------------


def mark_confirmed(settings: OracleSettings, uid: str) -> None:
    """What the relay writes once the completion's attestation is applied (here without a chain)."""
    set_submission(settings, uid, status="confirmed", tx_hash="0x" + "cd" * 32, block_number=7)


def set_submission(settings: OracleSettings, uid: str, **values: Any) -> None:
    from sqlalchemy import update

    from oracles.models import OracleSubmission
    from oracles.store import make_sessions

    assert settings.database_url is not None
    sessions = make_sessions(settings.database_url, pool_size=1)
    with sessions() as session, session.begin():
        session.execute(update(OracleSubmission).where(OracleSubmission.uid == uid).values(**values))
    sessions.kw["bind"].dispose()


def revoke(client: Any, uid: str, payload: Any, **kwargs: Any) -> Any:
    return post_completion(client, payload, path=revocation_path(uid), **kwargs)


def test_revocation__confirmed_completion__202_queued_credential_revoked_attestation(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    client = intake_client(settings)
    completion = post_completion(client, completion_payload()).json()
    mark_confirmed(settings, completion["id"])
    response = revoke(client, completion["id"], {"statement": "  final exam plagiarised (case 77)  "})
    assert response.status_code == 202, response.text
    body = response.json()
    uid = "0x" + revocation_uid(bytes.fromhex(completion["id"][2:])).hex()
    assert (body["id"], body["completion"], body["status"]) == (uid, completion["id"], "queued")
    assert (body["learner"], body["course_id"]) == (completion["learner"], completion["course_id"])
    assert body["statement"] == "final exam plagiarised (case 77)" and body["platform"] == PLATFORM
    assert response.headers["location"].endswith(revocation_path(completion["id"]))
    row = submissions(settings)[uid]
    assert (row.status, row.domain, row.schema) == ("queued", "EDUCATION", "0x" + CREDENTIAL_REVOKED.hex())
    assert row.subject == completion["learner"].lower()
    assert row.data == encode(["uint256"], [int(completion["id"], 16)])  # the credential's token id
    assert queued_ticks(settings) == 1  # the completion's tick was still pending: it covers both
    read = client.get(revocation_path(completion["id"].upper().replace("0X", "0x")))
    assert read.status_code == 200 and read.json() == body


def test_revocation__asked_twice__409_with_the_existing_one(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    client = intake_client(settings)
    completion = post_completion(client, completion_payload()).json()
    mark_confirmed(settings, completion["id"])
    first = revoke(client, completion["id"], {"statement": "first"}).json()
    again = revoke(client, completion["id"], {"statement": "second"})
    body = assert_problem(again, 409, type_suffix="duplicate-revocation")
    assert body["id"] == first["id"] and body["revocation"]["statement"] == "first"
    assert again.headers["location"].endswith(revocation_path(completion["id"]))
    assert len(submissions(settings)) == 2


@pytest.mark.parametrize("status", ["queued", "failed"])
def test_revocation__completion_not_confirmed__409_not_revocable_nothing_stored(
    intake_client: IntakeClient, settings: OracleSettings, status: str
) -> None:
    client = intake_client(settings)
    completion = post_completion(client, completion_payload()).json()
    if status == "failed":
        set_submission(settings, completion["id"], status="failed", reason="CONSUMER_REJECTED")
    body = assert_problem(
        revoke(client, completion["id"], {"statement": "too early"}), 409, type_suffix="not-revocable"
    )
    assert (body["completion_status"], body["id"]) == (status, completion["id"])
    assert f"is {status}: only a confirmed completion" in body["detail"]
    assert set(submissions(settings)) == {completion["id"]}
    assert_problem(client.get(revocation_path(completion["id"])), 404)


def test_revocation__unknown_or_other_platforms_completion__404(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    client = intake_client(settings, other="s2")
    completion = post_completion(client, completion_payload()).json()
    mark_confirmed(settings, completion["id"])
    body = assert_problem(revoke(client, "0x" + "ab" * 32, {"statement": "x"}), 404)
    assert "reported no completion" in body["detail"]
    assert_problem(revoke(client, completion["id"], {"statement": "x"}, platform="other", secret="s2"), 404)
    assert len(submissions(settings)) == 1


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"statement": ""}, 422),
        ({"statement": "   "}, 422),
        ({"statement": "x" * 2001}, 422),
        ({}, 422),
        ({"statement": "ok", "extra": 1}, 422),
        (b"not json", 422),
    ],
)
def test_revocation__invalid_body__422_nothing_stored(
    intake_client: IntakeClient, settings: OracleSettings, payload: Any, status: int
) -> None:
    client = intake_client(settings)
    completion = post_completion(client, completion_payload()).json()
    mark_confirmed(settings, completion["id"])
    assert_problem(revoke(client, completion["id"], payload), status)
    assert set(submissions(settings)) == {completion["id"]}


def test_revocation__bad_hmac__401_and_bad_id__422(
    intake_client: IntakeClient, settings: OracleSettings
) -> None:
    client = intake_client(settings)
    completion = post_completion(client, completion_payload()).json()
    mark_confirmed(settings, completion["id"])
    assert_problem(revoke(client, completion["id"], {"statement": "x"}, secret="wrong"), 401)
    assert_problem(revoke(client, "42", {"statement": "x"}), 422)
    assert set(submissions(settings)) == {completion["id"]}
