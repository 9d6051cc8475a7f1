"""oracles.collector + oracles.signer on a real Redis: M-of-N assembly and the signer service."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from eth_account import Account
from eth_account.signers.local import LocalAccount

from oracles.collector import RedisKeys, SignatureCollector, SignerSet, SigningRequest
from oracles.education.schema import COURSE_COMPLETED, DOMAIN, encode_course_completed
from oracles.eip712 import Attestation, HubDomain, attestation_digest, sign_attestation
from oracles.signer import SignerService, group_name

HUB = HubDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3")


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


@pytest.fixture
def keys(redis_prefix: str) -> RedisKeys:
    return RedisKeys(redis_prefix)


@pytest.fixture
def signers() -> list[LocalAccount]:
    return sorted((Account.create() for _ in range(3)), key=lambda a: int(a.address, 16))


@pytest.fixture
def signer_set(signers: list[LocalAccount]) -> SignerSet:
    return SignerSet(epoch=1, threshold=2, signers=tuple(a.address for a in signers))


def attestation(**overrides: object) -> Attestation:
    values: dict[str, object] = {
        "schema": COURSE_COMPLETED,
        "uid": secrets.token_bytes(32),
        "subject": Account.create().address,
        "data": encode_course_completed(1, 80, 2),
        "deadline": int(time.time()) + 3_600,
        "epoch": 1,
    }
    values.update(overrides)
    return Attestation(**values)  # type: ignore[arg-type]


def test_assemble__one_of_two__none_then_two__packed_ascending(
    client: redis.Redis, keys: RedisKeys, signers: list[LocalAccount], signer_set: SignerSet
) -> None:
    collector = SignatureCollector(client, keys)
    att = attestation()
    digest = attestation_digest(HUB, att)
    collector.add(att.uid, digest, sign_attestation(signers[2], HUB, att))
    assert collector.assemble(att.uid, digest, signer_set) is None
    collector.add(att.uid, digest, sign_attestation(signers[0], HUB, att))
    packed = collector.assemble(att.uid, digest, signer_set)
    assert packed is not None and len(packed) == 130
    assert packed[:65] == sign_attestation(signers[0], HUB, att).signature
    assert packed[65:] == sign_attestation(signers[2], HUB, att).signature


def test_assemble__same_signer_twice__counts_once(
    client: redis.Redis, keys: RedisKeys, signers: list[LocalAccount], signer_set: SignerSet
) -> None:
    collector = SignatureCollector(client, keys)
    att = attestation()
    digest = attestation_digest(HUB, att)
    entry = sign_attestation(signers[1], HUB, att)
    collector.add(att.uid, digest, entry)
    collector.add(att.uid, digest, entry)
    assert collector.assemble(att.uid, digest, signer_set) is None


def test_assemble__stale_digest_unauthorised_and_forged__ignored(
    client: redis.Redis, keys: RedisKeys, signers: list[LocalAccount], signer_set: SignerSet
) -> None:
    collector = SignatureCollector(client, keys)
    att = attestation()
    digest = attestation_digest(HUB, att)
    # A signature over the previous round (other deadline) by an authorised signer.
    old = attestation(uid=att.uid, deadline=att.deadline - 60)
    collector.add(att.uid, attestation_digest(HUB, old), sign_attestation(signers[0], HUB, old))
    # A valid signature by a key outside the signer set.
    collector.add(att.uid, digest, sign_attestation(Account.create(), HUB, att))
    # An entry claiming to be signer 1 but signed by another key.
    forged = sign_attestation(Account.create(), HUB, att).signature
    client.hset(keys.signatures(att.uid), signers[1].address.lower(), f"0x{digest.hex()}:0x{forged.hex()}")
    client.hset(keys.signatures(att.uid), signers[2].address.lower(), "garbage")
    assert collector.valid_entries(att.uid, digest, signer_set) == []
    collector.add(att.uid, digest, sign_attestation(signers[1], HUB, att))
    collector.add(att.uid, digest, sign_attestation(signers[2], HUB, att))
    assert collector.assemble(att.uid, digest, signer_set) is not None


@pytest.fixture
def run_service(client: redis.Redis, keys: RedisKeys) -> Iterator[list[threading.Event]]:
    stops: list[threading.Event] = []
    yield stops
    for stop in stops:
        stop.set()


def start(service: SignerService, stops: list[threading.Event]) -> None:
    stop = threading.Event()
    stops.append(stop)
    threading.Thread(target=service.run, args=(stop,), daemon=True).start()


def wait_assembled(collector: SignatureCollector, att: Attestation, signer_set: SignerSet) -> bytes:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        packed = collector.assemble(att.uid, attestation_digest(HUB, att), signer_set)
        if packed is not None:
            return packed
        time.sleep(0.02)
    raise AssertionError("the signers did not reach the threshold")


def test_signer_processes__each_own_group__threshold_reached(
    client: redis.Redis,
    keys: RedisKeys,
    signers: list[LocalAccount],
    signer_set: SignerSet,
    run_service: list[threading.Event],
) -> None:
    collector = SignatureCollector(client, keys)
    early = attestation()
    collector.request(SigningRequest(DOMAIN, HUB, early))  # published before any signer started
    for account in signers[:2]:  # one "process" per key; the third signer is down
        start(SignerService(client, keys, DOMAIN, HUB, [account], block_ms=50), run_service)
    late = attestation()
    collector.request(SigningRequest(DOMAIN, HUB, late))
    for att in (early, late):
        packed = wait_assembled(collector, att, signer_set)
        assert len(packed) == 130
    groups = {g["name"].decode() for g in client.xinfo_groups(keys.requests(DOMAIN))}
    assert groups == {group_name(a) for a in signers[:2]}


def test_signer__refuses_other_hub_bad_payload_and_expired(
    client: redis.Redis, keys: RedisKeys, signers: list[LocalAccount], signer_set: SignerSet
) -> None:
    service = SignerService(client, keys, DOMAIN, HUB, signers[:1], block_ms=10)
    bad = [
        SigningRequest(DOMAIN, HubDomain(1, HUB.verifying_contract), attestation()),
        SigningRequest(DOMAIN, HUB, attestation(data=encode_course_completed(1, 69, 2))),
        SigningRequest(DOMAIN, HUB, attestation(data=encode_course_completed(1, 90, 5))),
        SigningRequest(DOMAIN, HUB, attestation(data=b"\x01")),
        SigningRequest(DOMAIN, HUB, attestation(deadline=int(time.time()) - 1)),
        SigningRequest(DOMAIN, HUB, attestation(schema=b"\x42" * 32)),
        SigningRequest("ETHICS", HUB, attestation()),
    ]
    for request in bad:
        assert service.handle(signers[0], request.fields()) is False
        assert client.exists(keys.signatures(request.attestation.uid)) == 0
    good = SigningRequest(DOMAIN, HUB, attestation())
    assert service.handle(signers[0], good.fields()) is True


def test_signer__restarted__signs_requests_received_but_not_acknowledged(
    client: redis.Redis, keys: RedisKeys, signers: list[LocalAccount]
) -> None:
    service = SignerService(client, keys, DOMAIN, HUB, signers[:1], block_ms=10)
    service.ensure_group(signers[0])
    att = attestation()
    SignatureCollector(client, keys).request(SigningRequest(DOMAIN, HUB, att))
    # Delivered to the signer, which died before signing and acknowledging.
    client.xreadgroup(group_name(signers[0]), "signer", {keys.requests(DOMAIN): ">"}, count=10)
    assert service.poll(signers[0], ">") == 0
    assert service.poll(signers[0], "0") == 1  # the restart's recovery pass
    assert client.hexists(keys.signatures(att.uid), signers[0].address.lower())
    assert client.xpending(keys.requests(DOMAIN), group_name(signers[0]))["pending"] == 0


def test_assemble__contract_entries__used_only_if_verified_and_only_when_eoas_fall_short(
    client: redis.Redis, keys: RedisKeys, signers: list[LocalAccount]
) -> None:
    from oracles.eip712 import ContractSignature

    wallet = Account.create().address  # stands in for an ERC-1271 signer in the set
    signer_set = SignerSet(epoch=1, threshold=2, signers=(signers[0].address, signers[1].address, wallet))
    att = attestation()
    digest = attestation_digest(HUB, att)
    asked: list[list[tuple[str, bytes, bytes]]] = []

    def verify(items: list[tuple[str, bytes, bytes]]) -> list[bool]:
        asked.append(list(items))
        return [data == b"accept" for _, _, data in items]

    unverified = SignatureCollector(client, keys)
    verified = SignatureCollector(client, keys, verify_contracts=verify)  # type: ignore[arg-type]
    verified.add(att.uid, digest, sign_attestation(signers[0], HUB, att))
    verified.add(att.uid, digest, ContractSignature(wallet, b"refuse"))
    assert verified.assemble(att.uid, digest, signer_set) is None
    assert asked == [[(wallet.lower(), digest, b"refuse")]]
    verified.add(att.uid, digest, ContractSignature(wallet, b"accept"))  # replaces the wallet's entry
    packed = verified.assemble(att.uid, digest, signer_set)
    assert packed is not None and packed.endswith(b"accept")  # the contract's data, after the entries
    wallet_entry = next(e for e in (packed[:65], packed[65:130]) if e[64] == 0)  # v = 0: a contract
    assert int.from_bytes(wallet_entry[:32], "big") == int(wallet, 16)
    assert unverified.assemble(att.uid, digest, signer_set) is None  # no verifier: never trusted
    # Enough EOAs: the contract is not asked at all.
    asked.clear()
    verified.add(att.uid, digest, sign_attestation(signers[1], HUB, att))
    packed = verified.assemble(att.uid, digest, signer_set)
    assert packed is not None and len(packed) == 130 and asked == []


def test_signer__check_needs_the_rpc_and_it_is_down__request_kept_then_signed(
    client: redis.Redis,
    keys: RedisKeys,
    signers: list[LocalAccount],
    signer_set: SignerSet,
    run_service: list[threading.Event],
) -> None:
    from oracles.exceptions import RpcUnavailableError

    calls: list[bytes] = []

    def verify(request: SigningRequest) -> None:  # an ETHICS-style check that reads the chain
        calls.append(request.attestation.uid)
        if len(calls) <= 2:
            raise RpcUnavailableError("RPC unavailable: ConnectionError")

    att = attestation()
    SignatureCollector(client, keys).request(SigningRequest(DOMAIN, HUB, att))
    start(SignerService(client, keys, DOMAIN, HUB, signers[:1], block_ms=20, verify=verify), run_service)
    start(SignerService(client, keys, DOMAIN, HUB, signers[1:2], block_ms=20), run_service)
    wait_assembled(SignatureCollector(client, keys), att, signer_set)
    assert calls == [att.uid] * 3  # refused twice by the outage, read again, signed on the third
    deadline = time.monotonic() + 5  # acknowledged right after the signature is stored

    def pending() -> int:
        return int(client.xpending(keys.requests(DOMAIN), group_name(signers[0]))["pending"])

    while pending() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert pending() == 0
