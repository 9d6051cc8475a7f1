"""The ethics oracle on anvil + PostgreSQL + Redis: proposals made on the AzoraGovernor, their
ProposalCreated published by the real indexer on the event bus, reviewed by the follower,
signed by the ETHICS signers and relayed by the submitter, down to the Governor's
`proposalReview`. Redelivery, a crash before the acknowledgement and a reorg; and the whole
lifecycle with the follower, signers, indexer and worker running as they do under `azora up`."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak
from sqlalchemy import select

from azora.governance import ProposalState
from azora.reviews import canonical_reasons
from indexer.models import EthicsReview
from indexer.runner import run_indexer
from indexer.settings import IndexerSettings
from oracles.collector import RedisKeys, SigningRequest, decode_fields
from oracles.eip712 import Attestation
from oracles.ethics.chain import GovernanceChain
from oracles.ethics.constitution import load_constitution
from oracles.ethics.cosign import ReviewCheck
from oracles.ethics.evaluator import load_evaluator
from oracles.ethics.follower import EthicsFollower
from oracles.ethics.proposal import hash_proposal
from oracles.ethics.schema import DOMAIN, PROPOSAL_REVIEWED, encode_proposal_reviewed, review_uid
from oracles.ethics.settings import EthicsSettings
from oracles.exceptions import InvalidRequestError
from oracles.keys import domain_keystores, load_keystore
from oracles.models import CONFIRMED, FAILED, OracleSubmission
from oracles.relay import Relay
from oracles.settings import OracleSettings
from oracles.signer import SignerService
from oracles.store import make_sessions
from tests.oracles.conftest import (
    Procs,
    Stack,
    attested_counts,
    run_relay,
    settings_env,
    submissions,
    transactions,
    wait_for,
)

AZR = 10**18
TREASURY_FUNDS = 1_000_000 * AZR
RATIONALE = (
    "Rationale: the spring intake doubled the scholarship waiting list; this grant funds 150 "
    "learners until the next epoch budget is voted."
)
GRANT = "# Scholarship grant\nSend 50,000 AZR from the treasury to the scholarship multisig.\n" + RATIONALE
ROTATION = "# Rotate the ETHICS signers\nReplace the ethics oracle signer set with two new keys, threshold 1."


@dataclass
class Gov:
    """The governance contracts of the test stack (ape contract objects)."""

    governor: Any
    timelock: Any
    token: Any
    hub: Any


@pytest.fixture
def gov(stack: Stack, project: Any) -> Gov:
    manifest = stack.manifest
    return Gov(
        governor=project.AzoraGovernor.at(manifest.address("AzoraGovernor")),
        timelock=project.AzoraTimelock.at(manifest.address("AzoraTimelock")),
        token=project.AzoraToken.at(manifest.address("AzoraToken")),
        hub=project.OracleHub.at(manifest.address("OracleHub")),
    )


@pytest.fixture
def proposer(accounts: Any, gov: Gov, chain: Any) -> Any:
    """Anvil account 1 (10M AZR in the dev genesis), delegated to itself; the Timelock holds 1M AZR."""
    account = accounts[1]
    gov.token.invoke_transaction("delegate", account, sender=account)
    gov.token.transfer(gov.timelock, TREASURY_FUNDS, sender=accounts[3])
    chain.mine(1)
    assert gov.hub.schemas(PROPOSAL_REVIEWED).consumer == gov.governor.address  # routed to the Governor
    return account


@pytest.fixture
def recipient(accounts: Any) -> Any:
    return accounts[7]


@pytest.fixture
def make_proposal(gov: Gov, proposer: Any) -> Callable[..., int]:
    """Factory: propose (targets, values, calldatas, description); returns the proposal id."""

    def _propose(actions: list[tuple[Any, int, bytes]], description: str) -> int:
        targets = [a[0].address if hasattr(a[0], "address") else a[0] for a in actions]
        values = [a[1] for a in actions]
        calldatas = [a[2] for a in actions]
        gov.governor.propose(targets, values, calldatas, description, sender=proposer)
        return hash_proposal(targets, values, calldatas, description)

    return _propose


def grant_action(gov: Gov, recipient: Any) -> tuple[Any, int, bytes]:
    """AzoraToken.transfer(recipient, 50,000 AZR) executed by the Timelock (5% of its funds)."""
    return (gov.token, 0, bytes(gov.token.transfer.encode_input(recipient, 50_000 * AZR)))


def rotation_action(gov: Gov) -> tuple[Any, int, bytes]:
    """OracleHub.set_signers(ETHICS, two fresh keys, 1): flagged by the constitution."""
    fresh = sorted((Account.create().address for _ in range(2)), key=lambda a: int(a, 16))
    return (gov.hub, 0, bytes(gov.hub.set_signers.encode_input(gov.hub.ETHICS(), fresh, 1)))


# --- the bus, the follower, the signers ---------------------------------------------------------


@pytest.fixture
def index(stack: Stack, db_url: str, redis_url: str, redis_prefix: str) -> Callable[[], None]:
    """Run the real indexer until caught up: it publishes what it indexed on this test's bus."""

    def _index() -> None:
        settings = IndexerSettings(
            database_url=db_url,
            rpc_url=stack.rpc_url,
            redis_url=redis_url,
            manifest_path=stack.manifest_path,
            bus_prefix=redis_prefix,
            poll_interval=0.05,
            reorg_window=64,
            backoff_base=0.01,
            backoff_max=0.2,
        )
        run_indexer(settings, follow=False)

    return _index


@pytest.fixture
def ethics_settings(redis_prefix: str) -> EthicsSettings:
    return EthicsSettings(bus_prefix=redis_prefix, block_ms=50, retry_base_seconds=0.1, retry_max_seconds=0.5)


@pytest.fixture
def make_follower(
    oracle_settings: OracleSettings, ethics_settings: EthicsSettings
) -> Iterator[Callable[..., EthicsFollower]]:
    """Factory: an in-process follower (keywords override its EthicsSettings)."""
    engines: list[Any] = []

    def _make(**overrides: Any) -> EthicsFollower:
        settings = ethics_settings.model_copy(update=overrides)
        assert oracle_settings.rpc_url and oracle_settings.database_url and oracle_settings.redis_url
        sessions = make_sessions(oracle_settings.database_url, pool_size=2)
        engines.append(sessions.kw["bind"])
        chain = GovernanceChain(oracle_settings.rpc_url, oracle_settings.manifest_path)
        return EthicsFollower(
            settings,
            oracle_settings,
            redis_client=redis.Redis.from_url(oracle_settings.redis_url),
            sessions=sessions,
            chain=chain,
            evaluator=load_evaluator(settings.evaluator, load_constitution(settings.constitution_path)),
        )

    yield _make
    for engine in engines:
        engine.dispose()


def drain(follower: EthicsFollower) -> int:
    """Handle (and acknowledge) every message on the stream the follower has not handled yet."""
    follower.ensure_group()
    return follower.drain()


def ethics_keys(stack: Stack) -> list[Any]:
    password = (stack.home / "keystores" / ".password").read_text().strip()
    return [load_keystore(p, password) for p in domain_keystores(stack.home / "keystores", DOMAIN)]


def ethics_signer_service(oracle_settings: OracleSettings, stack: Stack, keys: list[Any]) -> SignerService:
    """ETHICS signers as `python -m oracles.signer --domain ETHICS` runs them: each request is
    checked against the signer's own review (`ReviewCheck`) before it is signed."""
    assert oracle_settings.redis_url is not None and oracle_settings.rpc_url is not None
    check = ReviewCheck(
        GovernanceChain(oracle_settings.rpc_url, oracle_settings.manifest_path),
        load_evaluator(EthicsSettings().evaluator, load_constitution(EthicsSettings().constitution_path)),
    )
    return SignerService(
        redis.Redis.from_url(oracle_settings.redis_url),
        RedisKeys(oracle_settings.redis_prefix),
        DOMAIN,
        stack.domain,
        keys,
        block_ms=50,
        verify=check,
    )


@pytest.fixture
def ethics_signers(oracle_settings: OracleSettings, stack: Stack) -> Iterator[None]:
    """ETHICS signers 0 and 1 (the 2-of-3 threshold) signing in threads, as `--domain ETHICS` does."""
    service = ethics_signer_service(oracle_settings, stack, ethics_keys(stack)[:2])
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=5)


def reviews(settings: OracleSettings) -> list[EthicsReview]:
    assert settings.database_url is not None
    sessions = make_sessions(settings.database_url, pool_size=1)
    with sessions() as session:
        rows = list(session.scalars(select(EthicsReview).order_by(EthicsReview.created_at)).all())
    sessions.kw["bind"].dispose()
    return rows


def ethics_submissions(settings: OracleSettings) -> dict[str, OracleSubmission]:
    return {uid: row for uid, row in submissions(settings).items() if row.domain == DOMAIN}


def assert_on_chain(gov: Gov, row: EthicsReview) -> None:
    """The Governor's review of `row`'s proposal is `row`: verdict, uid, and the reason hash is the
    keccak of the stored reasons' canonical form."""
    verdict, reason_hash, uid = gov.governor.proposalReview(int(row.proposal_id))
    canonical = canonical_reasons(
        int(row.proposal_id), row.verdict, row.reasons, row.constitution_version, row.evaluator
    )
    assert int(verdict) == row.verdict
    assert "0x" + bytes(reason_hash).hex() == row.reason_hash == "0x" + keccak(canonical).hex()
    assert "0x" + bytes(uid).hex() == row.uid


# --- reviews -------------------------------------------------------------------------------------


def test_follower__grant_with_rationale__approved_on_chain_with_stored_reasons(
    gov: Gov,
    recipient: Any,
    make_proposal: Callable[..., int],
    index: Callable[[], None],
    make_follower: Callable[..., EthicsFollower],
    make_relay: Callable[..., Relay],
    oracle_settings: OracleSettings,
    ethics_signers: None,
) -> None:
    pid = make_proposal([grant_action(gov, recipient)], GRANT)
    index()
    drain(make_follower())
    (row,) = reviews(oracle_settings)
    assert (int(row.proposal_id), row.verdict, row.evaluator, row.constitution_version) == (
        pid,
        1,
        "rules",
        "1",
    )
    assert [(r["rule"], r["severity"]) for r in row.reasons] == [("decoded_calls", "info")]
    assert row.reasons[0]["message"].startswith("call 1: AzoraToken.transfer(to=")
    (submission,) = ethics_submissions(oracle_settings).values()
    assert (submission.uid, submission.subject) == (row.uid, gov.governor.address.lower())
    assert gov.governor.proposalReview(pid)[0] == 0  # nothing on chain before the submitter runs
    run_relay(make_relay(), [row.uid])
    assert_on_chain(gov, row)
    assert ethics_submissions(oracle_settings)[row.uid].status == CONFIRMED


def test_follower__signer_set_change__flagged_on_chain(
    gov: Gov,
    make_proposal: Callable[..., int],
    index: Callable[[], None],
    make_follower: Callable[..., EthicsFollower],
    make_relay: Callable[..., Relay],
    oracle_settings: OracleSettings,
    ethics_signers: None,
) -> None:
    pid = make_proposal([rotation_action(gov)], ROTATION)
    index()
    drain(make_follower())
    (row,) = reviews(oracle_settings)
    assert int(row.proposal_id) == pid and row.verdict == 2
    flags = [r for r in row.reasons if r["severity"] == "flag"]
    assert [(r["rule"], r["principle"]) for r in flags] == [("oracle_signer_change", "oracle_integrity")]
    assert "replaces the ETHICS oracle signer set with 2 signers" in flags[0]["message"]
    run_relay(make_relay(), [row.uid])
    assert_on_chain(gov, row)


def review_request(
    stack: Stack, gov: Gov, proposal_id: int, verdict: int, hashed: bytes, subject: str | None = None
) -> dict[str, str]:
    """The signing request of a ProposalReviewed (as the relay publishes it)."""
    att = Attestation(
        schema=PROPOSAL_REVIEWED,
        uid=review_uid(stack.manifest.chain_id, gov.governor.address, proposal_id, hashed),
        subject=subject or gov.governor.address,
        data=encode_proposal_reviewed(proposal_id, verdict, hashed),
        deadline=int(time.time()) + 3_600,
        epoch=1,
    )
    return SigningRequest(DOMAIN, stack.domain, att).fields()


def test_ethics_signer__signs_only_the_review_it_reaches_itself(
    gov: Gov,
    stack: Stack,
    make_proposal: Callable[..., int],
    index: Callable[[], None],
    make_follower: Callable[..., EthicsFollower],
    oracle_settings: OracleSettings,
) -> None:
    pid = make_proposal([rotation_action(gov)], ROTATION)
    index()
    drain(make_follower())
    (row,) = reviews(oracle_settings)  # the follower's review: flagged
    reason_hash = bytes.fromhex(row.reason_hash[2:])
    service = ethics_signer_service(oracle_settings, stack, ethics_keys(stack)[:1])
    (key,) = service.accounts

    def request(proposal_id: int, verdict: int, hashed: bytes, subject: str | None = None) -> dict[str, str]:
        return review_request(stack, gov, proposal_id, verdict, hashed, subject)

    assert service.sign(key, request(pid, 2, reason_hash)) is not None  # its own review
    refused = [
        (request(pid, 1, reason_hash), "own review of proposal .* differs: verdict 2"),  # approve a flag
        (request(pid, 2, keccak(b"other reasons")), "differs"),
        (request(pid + 1, 2, reason_hash), f"no ProposalCreated of proposal {pid + 1}"),
        (request(pid, 2, reason_hash, subject=gov.token.address), "not this deployment's Governor"),
    ]
    for fields, message in refused:
        with pytest.raises(InvalidRequestError, match=message):
            service.check(fields)
        assert service.sign(key, fields) is None


def test_ethics_signer__a_proposal_not_utf8_on_chain__other_reviews_still_signed(
    gov: Gov,
    stack: Stack,
    proposer: Any,
    recipient: Any,
    chain: Any,
    make_proposal: Callable[..., int],
    index: Callable[[], None],
    make_follower: Callable[..., EthicsFollower],
    oracle_settings: OracleSettings,
) -> None:
    # A string is ABI-encoded as its bytes: the Governor takes a description that is not UTF-8.
    # The follower leaves that proposal unreviewed; the signers must still read the Governor's
    # ProposalCreated logs past it to check the reviews of the others.
    target, value, data = grant_action(gov, recipient)
    calldata = keccak(text="propose(address[],uint256[],bytes[],string)")[:4] + abi_encode(
        ["address[]", "uint256[]", "bytes[]", "bytes"],
        [[target.address], [value], [data], GRANT.encode() + b" \xff\xfe"],
    )
    chain.provider.web3.eth.send_transaction(
        {"from": proposer.address, "to": gov.governor.address, "data": "0x" + calldata.hex()}
    )
    pid = make_proposal([rotation_action(gov)], ROTATION)
    index()
    drain(make_follower())
    (row,) = reviews(oracle_settings)
    assert int(row.proposal_id) == pid
    service = ethics_signer_service(oracle_settings, stack, ethics_keys(stack)[:1])
    (key,) = service.accounts
    fields = review_request(stack, gov, pid, row.verdict, bytes.fromhex(row.reason_hash[2:]))
    assert service.sign(key, fields) is not None


def test_follower__event_redelivered_and_crash_before_ack__submits_nothing_twice(
    gov: Gov,
    recipient: Any,
    stack: Stack,
    make_proposal: Callable[..., int],
    index: Callable[[], None],
    make_follower: Callable[..., EthicsFollower],
    make_relay: Callable[..., Relay],
    oracle_settings: OracleSettings,
    ethics_settings: EthicsSettings,
    ethics_signers: None,
) -> None:
    pid = make_proposal([grant_action(gov, recipient)], GRANT)
    index()
    client = redis.Redis.from_url(str(oracle_settings.redis_url))
    published: Any = client.xrange(ethics_settings.stream)
    (created,) = [decode_fields(f) for _, f in published if f.get(b"event") == b"ProposalCreated"]
    # A crash after the rows were committed and before the XACK: the message stays pending.
    crashed = make_follower()
    crashed.ensure_group()
    client.xreadgroup(ethics_settings.group, ethics_settings.consumer, {ethics_settings.stream: ">"})
    assert crashed.handle(created).action == "reviewed"
    # The restarted follower re-reads its pending messages first; then the bus redelivers.
    restarted = make_follower()
    drain(restarted)
    assert client.xpending(ethics_settings.stream, ethics_settings.group)["pending"] == 0
    (row,) = reviews(oracle_settings)
    run_relay(make_relay(), [row.uid])
    client.xadd(ethics_settings.stream, created)  # type: ignore[arg-type]
    drain(restarted)
    another_group = make_follower(group="ethics-oracle-replay")  # a whole second pass over the stream
    drain(another_group)
    assert another_group.handle(created).action == "already-reviewed"

    assert len(reviews(oracle_settings)) == 1 and list(ethics_submissions(oracle_settings)) == [row.uid]
    assert attested_counts(stack)[row.uid] == 1
    assert len(transactions(oracle_settings)) == 1
    assert_on_chain(gov, row)
    assert int(row.proposal_id) == pid


def test_follower__proposal_removed_by_reorg__not_reviewed_then_recreated__reviewed(
    gov: Gov,
    chain: Any,
    recipient: Any,
    make_proposal: Callable[..., int],
    index: Callable[[], None],
    make_follower: Callable[..., EthicsFollower],
    make_relay: Callable[..., Relay],
    oracle_settings: OracleSettings,
    ethics_signers: None,
) -> None:
    follower = make_follower()
    relay = make_relay()
    before = chain.snapshot()
    pid = make_proposal([grant_action(gov, recipient)], GRANT)
    index()
    drain(follower)  # reviewed and queued, not sent yet
    (row,) = reviews(oracle_settings)
    assert ethics_submissions(oracle_settings)[row.uid].status == "queued"

    chain.restore(before)  # the proposal's block is gone ...
    chain.mine(3)  # ... replaced by a longer branch without it
    index()  # the indexer rolls back and publishes a reorg notice
    drain(follower)
    cancelled = ethics_submissions(oracle_settings)[row.uid]
    assert (cancelled.status, cancelled.reason) == (FAILED, "REORGED")
    relay.tick()
    assert transactions(oracle_settings) == []  # nothing sent for the vanished proposal
    with pytest.raises(Exception, match="governor: unknown proposal"):
        gov.governor.state(pid)

    assert make_proposal([grant_action(gov, recipient)], GRANT) == pid  # proposed again, same id
    index()
    drain(follower)
    assert [r.uid for r in reviews(oracle_settings)] == [row.uid]  # same reasons, same uid: revived
    run_relay(relay, [row.uid])
    assert ethics_submissions(oracle_settings)[row.uid].status == CONFIRMED
    assert_on_chain(gov, row)


def test_follower__message_not_matching_the_chain__not_reviewed(
    gov: Gov,
    recipient: Any,
    make_proposal: Callable[..., int],
    index: Callable[[], None],
    make_follower: Callable[..., EthicsFollower],
    oracle_settings: OracleSettings,
    ethics_settings: EthicsSettings,
) -> None:
    make_proposal([grant_action(gov, recipient)], GRANT)
    index()
    follower = make_follower()
    published: Any = follower.redis.xrange(ethics_settings.stream)
    (created,) = [decode_fields(f) for _, f in published if f.get(b"event") == b"ProposalCreated"]
    args = json.loads(created["args"])
    earlier_block = {**created, "block_number": str(int(created["block_number"]) - 1)}
    other_tx = {**created, "tx_hash": "0x" + "ab" * 32}
    other_text = {**created, "args": json.dumps({**args, "description": GRANT + " (and more)"})}
    assert follower.handle(earlier_block).action == "not-on-chain"
    assert follower.handle(other_tx).action == "not-on-chain"
    assert follower.handle(other_text).action == "invalid"
    assert reviews(oracle_settings) == [] and ethics_submissions(oracle_settings) == {}
    assert follower.handle(created).action == "reviewed"


def test_follower__event_of_closed_proposal__not_reviewed(
    gov: Gov,
    chain: Any,
    recipient: Any,
    make_proposal: Callable[..., int],
    index: Callable[[], None],
    make_follower: Callable[..., EthicsFollower],
    oracle_settings: OracleSettings,
) -> None:
    pid = make_proposal([grant_action(gov, recipient)], GRANT)
    chain.mine(int(gov.governor.votingDelay()) + int(gov.governor.votingPeriod()) + 1)
    assert gov.governor.state(pid) == ProposalState.DEFEATED
    index()
    drain(make_follower())
    assert reviews(oracle_settings) == [] and ethics_submissions(oracle_settings) == {}


# --- the whole lifecycle, processes as under `azora up` -----------------------------------------


def cast_by_signature(gov: Gov, chain: Any, voter: Any, relayer: Any, pid: int, support: int) -> None:
    """A gasless vote: `voter` signs the EIP-712 Ballot, `relayer` sends castVoteBySig."""
    nonce = int(gov.governor.nonces(voter))
    signed = Account.sign_typed_data(
        voter.private_key,
        {
            "name": "AzoraGovernor",
            "version": "1",
            "chainId": chain.chain_id,
            "verifyingContract": gov.governor.address,
        },
        {
            "Ballot": [
                {"name": "proposalId", "type": "uint256"},
                {"name": "support", "type": "uint8"},
                {"name": "voter", "type": "address"},
                {"name": "nonce", "type": "uint256"},
            ]
        },
        {"proposalId": pid, "support": support, "voter": voter.address, "nonce": nonce},
    )
    gov.governor.castVoteBySig(pid, support, voter, bytes(signed.signature), sender=relayer)


def test_e2e__delegate_propose_review_gasless_votes_queue_execute__flagged_needs_supermajority(
    gov: Gov,
    chain: Any,
    accounts: Any,
    recipient: Any,
    stack: Stack,
    make_proposal: Callable[..., int],
    oracle_settings: OracleSettings,
    ethics_settings: EthicsSettings,
    procs: Procs,
    db_url: str,
    redis_url: str,
    redis_prefix: str,
) -> None:
    voter = accounts[2]
    gov.token.transfer(accounts[8], 4_000_000 * AZR, sender=voter)  # 6M left: 10M for vs 6M against = 62.5%
    gov.token.invoke_transaction("delegate", voter, sender=voter)
    chain.mine(1)
    stop = threading.Event()
    indexer_settings = IndexerSettings(
        database_url=db_url,
        rpc_url=stack.rpc_url,
        redis_url=redis_url,
        manifest_path=stack.manifest_path,
        bus_prefix=redis_prefix,
        poll_interval=0.1,
    )
    indexer = threading.Thread(
        target=run_indexer, args=(indexer_settings,), kwargs={"stop_event": stop}, daemon=True
    )
    indexer.start()
    env = {**settings_env(oracle_settings), "INDEXER_BUS_PREFIX": redis_prefix}
    procs._spawn("ethics", [sys.executable, "-m", "oracles.ethics"], env)
    procs._spawn("signers", [sys.executable, "-m", "oracles.signer", "--domain", "ETHICS", "--all"], env)
    procs.worker(oracle_settings)
    try:
        grant = make_proposal([grant_action(gov, recipient)], GRANT)
        rotation = make_proposal([rotation_action(gov)], ROTATION)
        try:
            wait_for(
                lambda: all(gov.governor.proposalReview(p)[0] != 0 for p in (grant, rotation)),
                60,
                "both proposals reviewed on chain",
                interval=0.3,
            )
        except AssertionError:
            raise AssertionError(procs.logs()) from None
        assert [int(gov.governor.proposalReview(p)[0]) for p in (grant, rotation)] == [1, 2]
        for row in reviews(oracle_settings):
            assert_on_chain(gov, row)

        relayer = accounts[9]  # pays the gas of every vote
        chain.mine(int(gov.governor.votingDelay()))
        for pid in (grant, rotation):
            cast_by_signature(gov, chain, accounts[1], relayer, pid, 1)
            cast_by_signature(gov, chain, voter, relayer, pid, 1 if pid == grant else 0)
        assert not gov.governor.hasVoted(grant, relayer) and gov.governor.hasVoted(grant, voter)
        chain.mine(int(gov.governor.votingPeriod()) + 1)
        assert gov.governor.state(grant) == ProposalState.SUCCEEDED
        # Quorum and a majority, but flagged: 62.5% is short of the two thirds it needs.
        against, for_, _ = gov.governor.proposalVotes(rotation)
        assert for_ > against and 3 * for_ < 2 * (for_ + against)
        assert gov.governor.state(rotation) == ProposalState.DEFEATED

        target, value, calldata = grant_action(gov, recipient)
        args = ([target.address], [value], [calldata], keccak(text=GRANT))
        gov.governor.queue(*args, sender=relayer)
        chain.pending_timestamp += int(gov.timelock.get_minimum_delay()) + 1
        before = int(gov.token.balanceOf(recipient))
        gov.governor.execute(*args, sender=relayer)
        assert gov.governor.state(grant) == ProposalState.EXECUTED
        assert int(gov.token.balanceOf(recipient)) - before == 50_000 * AZR
    finally:
        stop.set()
        indexer.join(timeout=10)
