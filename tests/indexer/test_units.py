"""Pure parts of the indexer: adaptive ranges, decoders, the ledger chain status, the RPC client."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from azora.ledger import verify_chain
from indexer.decoders import ContractDecoder, Event, plan_event
from indexer.decoders.ledger import KINDS, kind_name
from indexer.exceptions import IndexerConfigError, RangeTooLargeError, RpcError
from indexer.handlers.ledger import ZERO_HASH, ChainStatus, advance_status, next_head, to_chain_entry
from indexer.handlers.token import transfer_rows
from indexer.ranges import AdaptiveRange, split
from indexer.rpc import RetryPolicy, RpcClient

# --- adaptive ranges ---------------------------------------------------------------------------------


def test_adaptive_range__sparse_full_ranges__doubles_up_to_max():
    ranges = AdaptiveRange(size=100, max_size=1_000, target_logs=1_000)
    sizes = []
    for _ in range(6):
        ranges.on_success(ranges.size, logs=10)
        sizes.append(ranges.size)
    assert sizes == [200, 400, 800, 1_000, 1_000, 1_000]


def test_adaptive_range__short_range_at_the_head__does_not_grow():
    ranges = AdaptiveRange(size=100, target_logs=1_000)
    ranges.on_success(blocks=3, logs=0)
    assert ranges.size == 100


def test_adaptive_range__dense_range__shrinks_in_proportion():
    ranges = AdaptiveRange(size=1_000, target_logs=1_000)
    ranges.on_success(1_000, logs=4_000)
    assert ranges.size == 250


def test_adaptive_range__busy_but_under_target__keeps_size():
    ranges = AdaptiveRange(size=1_000, target_logs=1_000)
    ranges.on_success(1_000, logs=700)
    assert ranges.size == 1_000


def test_adaptive_range__refused__halves_and_never_below_min():
    ranges = AdaptiveRange(size=64, min_size=10, target_logs=1_000)
    seen = []
    for _ in range(4):
        ranges.on_too_large(ranges.size)
        seen.append(ranges.size)
    assert seen == [32, 16, 10, 10]


def test_adaptive_range__plan__never_passes_stop():
    ranges = AdaptiveRange(size=100)
    assert ranges.plan(10, 50) == (10, 50)
    assert ranges.plan(10, 5_000) == (10, 109)


def test_split__covers_the_range_exactly():
    rng = random.Random(0)
    for _ in range(200):
        lo = rng.randint(0, 10_000)
        hi = lo + rng.randint(1, 10_000)
        (a, b), (c, d) = split(lo, hi)
        assert a == lo and d == hi and c == b + 1 and a <= b < d


def test_split__one_block__refused():
    with pytest.raises(ValueError):
        split(7, 7)


def test_adaptive_range__bad_bounds__refused():
    with pytest.raises(ValueError):
        AdaptiveRange(min_size=10, max_size=5)


# --- decoders ----------------------------------------------------------------------------------------

TRANSFER_ABI = {
    "type": "event",
    "name": "Transfer",
    "anonymous": False,
    "inputs": [
        {"name": "sender", "type": "address", "indexed": True},
        {"name": "receiver", "type": "address", "indexed": True},
        {"name": "value", "type": "uint256", "indexed": False},
    ],
}
MIXED_ABI = {
    "type": "event",
    "name": "Mixed",
    "inputs": [
        {"name": "id", "type": "bytes32", "indexed": True},
        {"name": "delta", "type": "int256", "indexed": False},
        {"name": "flag", "type": "bool", "indexed": False},
        {"name": "note", "type": "string", "indexed": False},
        {"name": "items", "type": "uint8[]", "indexed": False},
    ],
}


def _topic(value: bytes) -> str:
    return "0x" + value.rjust(32, b"\0").hex()


def test_decoder__transfer__sliced_by_hand_equals_the_abi():
    plan = plan_event(TRANSFER_ABI)
    sender, receiver, value = "0x" + "ab" * 20, "0x" + "cd" * 20, 2**255 + 12345
    topics = [plan.topic0, _topic(bytes.fromhex(sender[2:])), _topic(bytes.fromhex(receiver[2:]))]
    data = "0x" + abi_encode(["uint256"], [value]).hex()

    assert plan.topic0 == "0x" + keccak(text="Transfer(address,address,uint256)").hex()
    assert plan.static  # the generated fast path
    assert plan.decode(topics, data) == {"sender": sender, "receiver": receiver, "value": value}


def test_decoder__every_static_type__generated_code_equals_eth_abi():
    abi = {
        "type": "event",
        "name": "Static",
        "inputs": [
            {"name": "a", "type": "int256", "indexed": True},
            {"name": "b", "type": "bytes4", "indexed": True},
            {"name": "c", "type": "bool", "indexed": False},
            {"name": "d", "type": "int128", "indexed": False},
            {"name": "e", "type": "address", "indexed": False},
            {"name": "f", "type": "bytes8", "indexed": False},
            {"name": "g", "type": "uint8", "indexed": False},
        ],
    }
    plan = plan_event(abi)
    e = "0x" + "1f" * 20
    topics = [
        plan.topic0,
        "0x" + abi_encode(["int256"], [-3]).hex(),
        "0x" + abi_encode(["bytes4"], [b"\x01\x02\x03\x04"]).hex(),
    ]
    data = abi_encode(
        ["bool", "int128", "address", "bytes8", "uint8"], [True, -(2**100), e, b"abcdefgh", 255]
    )

    assert plan.static
    assert plan.decode(topics, "0x" + data.hex()) == {
        "a": -3,
        "b": "0x01020304",
        "c": True,
        "d": -(2**100),
        "e": e,
        "f": "0x" + b"abcdefgh".hex(),
        "g": 255,
    }


def test_decoder__dynamic_fields__fall_back_to_eth_abi():
    plan = plan_event(MIXED_ABI)
    ident = b"\x11" * 32
    data = "0x" + abi_encode(["int256", "bool", "string", "uint8[]"], [-5, True, "hi", [1, 2]]).hex()

    assert not plan.static
    assert plan.decode([plan.topic0, "0x" + ident.hex()], data) == {
        "id": "0x" + ident.hex(),
        "delta": -5,
        "flag": True,
        "note": "hi",
        "items": [1, 2],
    }


def test_decoder__abi_without_a_required_event__refused():
    with pytest.raises(IndexerConfigError, match="DelegateChanged"):
        ContractDecoder("AzoraToken", [TRANSFER_ABI], required=["Transfer", "DelegateChanged"])


def test_ledger_kinds__every_spec_kind_named():
    assert len(KINDS) == 15
    assert kind_name("0x" + keccak(text="UBUNTU_SHARE").hex()) == "UBUNTU_SHARE"
    assert kind_name("0x" + "42" * 32) is None


def test_transfer_rows__only_transfers__in_table_column_order():
    transfer = Event(
        "AzoraToken",
        "Transfer",
        5,
        2,
        "0xb",
        "0xt",
        "0xa",
        99,
        {"sender": "0x1", "receiver": "0x2", "value": 7},
    )
    approval = Event(
        "AzoraToken",
        "Approval",
        5,
        3,
        "0xb",
        "0xt",
        "0xa",
        99,
        {"owner": "0x1", "spender": "0x2", "value": 7},
    )
    assert transfer_rows(1, [transfer, approval]) == [(1, 5, 2, "0xt", "0x1", "0x2", 7, 99)]


# --- ledger hash chain -------------------------------------------------------------------------------


def _entries(n: int, rng: random.Random) -> list[Event]:
    head, events = b"\0" * 32, []
    for index in range(1, n + 1):
        args: dict[str, Any] = {
            "index": index,
            "kind": "0x" + keccak(text="REWARD").hex(),
            "account": "0x" + rng.randbytes(20).hex(),
            "amount": rng.randint(0, 10**24),
            "ref": "0x" + rng.randbytes(32).hex(),
            "head": ZERO_HASH,  # replaced below; the hash does not cover it
        }
        event = Event("Ledger", "Recorded", 10 + index, 0, "0xb", "0xt", "0xl", 0, args)
        head = next_head(head, event)
        args["head"] = "0x" + head.hex()
        events.append(event)
    return events


def test_next_head__matches_the_spec_formula():
    event = _entries(1, random.Random(1))[0]
    a = event.args
    expected = keccak(
        abi_encode(
            ["bytes32", "uint256", "bytes32", "address", "uint256", "bytes32", "uint256"],
            [
                b"\0" * 32,
                1,
                bytes.fromhex(a["kind"][2:]),
                a["account"],
                a["amount"],
                bytes.fromhex(a["ref"][2:]),
                11,
            ],
        )
    )
    assert next_head(b"\0" * 32, event) == expected


def test_advance_status__batches__same_as_all_at_once():
    events = _entries(20, random.Random(2))
    whole = advance_status(ChainStatus(), events)
    step = ChainStatus()
    for chunk in (events[:3], events[3:4], [], events[4:20]):
        step = advance_status(step, chunk)
    assert whole == step
    assert whole.ok and whole.verified_count == whole.entry_count == 20
    assert whole.verified_head == whole.latest_head == events[-1].args["head"]


def test_advance_status__tampered_entry__first_mismatch_and_stays_broken():
    events = _entries(10, random.Random(3))
    events[6].args["amount"] += 1
    status = advance_status(ChainStatus(), events[:8])
    assert (status.ok, status.first_mismatch, status.verified_count) == (False, 7, 6)
    assert status.verified_head == events[5].args["head"]
    later = advance_status(status, events[8:])
    assert (later.ok, later.first_mismatch, later.entry_count) == (False, 7, 10)


@pytest.mark.parametrize("tamper", [None, 0, 4, 9])
def test_advance_status__agrees_with_azora_ledger_verify_chain(tamper):
    events = _entries(10, random.Random(5))
    if tamper is not None:
        events[tamper].args["ref"] = "0x" + "77" * 32
    whole = verify_chain([to_chain_entry(e) for e in events])
    step = ChainStatus()
    for start in range(0, 10, 3):
        step = advance_status(step, events[start : start + 3])
    assert (step.ok, step.verified_count, step.first_mismatch) == (
        whole.ok,
        whole.count,
        whole.first_mismatch,
    )
    assert step.verified_head == "0x" + whole.head.hex()


def test_advance_status__gap_in_indexes__is_a_mismatch():
    events = _entries(5, random.Random(4))
    status = advance_status(ChainStatus(), events[:2] + events[3:])
    assert (status.ok, status.first_mismatch, status.verified_count) == (False, 3, 2)
    assert ChainStatus().verified_head == ZERO_HASH


# --- RPC client --------------------------------------------------------------------------------------


def _client(handler: Any, retries: int = 5) -> RpcClient:
    return RpcClient(
        "http://rpc.test", policy=RetryPolicy(retries, 0.001, 0.002), transport=httpx.MockTransport(handler)
    )


def _result(request: httpx.Request, result: Any) -> httpx.Response:
    body = json.loads(request.content)
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result})


def test_rpc__transient_failures__retried_until_success():
    replies = iter(
        [
            lambda r: httpx.Response(503),
            lambda r: httpx.Response(200, content=b'{"jsonrpc": "2.0", "id'),
            lambda r: httpx.Response(
                200, json={"jsonrpc": "2.0", "id": 1, "error": {"code": -32005, "message": "rate limited"}}
            ),
            lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow")),
            lambda r: _result(r, "0x2a"),
        ]
    )
    with _client(lambda request: next(replies)(request)) as client:
        assert client.block_number() == 42
        assert client.stats.retries == 4


def test_rpc__persistent_failure__gives_up_with_rpc_error():
    with _client(lambda request: httpx.Response(502), retries=2) as client:
        with pytest.raises(RpcError, match="after 3 attempts"):
            client.block_number()
        assert client.stats.requests == 3


def test_rpc__invalid_params__not_retried():
    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(
            200, json={"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32602, "message": "bad"}}
        )

    with _client(reply) as client:
        with pytest.raises(RpcError):
            client.call("eth_getBalance", ["0x0"])
        assert client.stats.requests == 1


@pytest.mark.parametrize(
    "message",
    [
        "query returned more than 10000 results",
        "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range",
        "block range is too wide",
        "exceed maximum block range: 5000",
    ],
)
def test_rpc__get_logs_refused_for_size__range_too_large_at_once(message):
    def reply(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        return httpx.Response(
            200, json={"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32005, "message": message}}
        )

    with _client(reply) as client:
        with pytest.raises(RangeTooLargeError):
            client.get_logs(0, 10_000, ["0x" + "00" * 20])
        assert client.stats.requests == 1 and client.stats.too_large == 1


def test_rpc__batch__results_in_call_order_whatever_the_reply_order():
    def reply(request: httpx.Request) -> httpx.Response:
        calls = json.loads(request.content)
        items = [{"jsonrpc": "2.0", "id": c["id"], "result": c["params"][0]} for c in reversed(calls)]
        return httpx.Response(200, json=items)

    with _client(reply) as client:
        assert client.batch([("echo", [n]) for n in range(5)]) == [0, 1, 2, 3, 4]


def test_retry_policy__delays_grow_with_jitter_and_cap():
    policy, rng = RetryPolicy(retries=10, base=0.1, cap=1.0), random.Random(0)
    for attempt in range(10):
        ceiling = min(1.0, 0.1 * 2**attempt)
        assert ceiling / 2 <= policy.delay(attempt, rng) <= ceiling
