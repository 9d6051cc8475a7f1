"""Event decoders built from the compiled ABIs of the deployment manifest.

One module per contract (`token`, `ledger`, ...) names the contract, the events its
handler needs, and any enrichment. They all build on `ContractDecoder`, which compiles
every event of an ABI into a decoding plan once:

* static fields (address, uintN, intN, bool, bytesN) are sliced straight out of the
  topics / data hex strings by a function generated from the ABI -- no eth-abi call, no
  per-field loop, which is what keeps backfill above 20k events/s;
* events with dynamic non-indexed fields (string, bytes, arrays, tuples) fall back to
  ``eth_abi.decode``; indexed dynamic fields are their keccak hash, as on chain.

Decoded values: addresses ``0x`` hex, integers ``int``, bool ``bool``, fixed bytes ``0x``
hex; dynamic values as eth-abi returns them, with bytes as ``0x`` hex, arrays and tuples as
lists and addresses lowercased like the sliced ones. Hex is taken as the node
sends it: JSON-RPC nodes encode lowercase, so addresses come out lowercase without a
``.lower()`` per field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from eth_utils import keccak
from eth_utils.abi import collapse_if_tuple

from indexer.exceptions import IndexerConfigError

Decode = Callable[[Sequence[str], str], dict[str, Any]]


class Event(NamedTuple):
    """A decoded log, with its position on the chain."""

    contract: str
    name: str
    block_number: int
    log_index: int
    block_hash: str
    tx_hash: str
    address: str
    block_timestamp: int
    args: dict[str, Any]


def _signed(value: int) -> int:
    return value - (1 << 256) if value >> 255 else value


def _word_expression(abi_type: str, topic: int | None, word: int | None) -> str | None:
    """Python source decoding one static value from ``topics[topic]`` (0x + 64 hex) or from
    data word ``word`` (``data`` is 0x + 64 hex per word); None if `abi_type` is not static."""
    if topic is not None:
        full, tail = f"topics[{topic}]", f"topics[{topic}][26:]"
    else:
        start = 2 + 64 * (word or 0)
        full, tail = f"data[{start}:{start + 64}]", f"data[{start + 24}:{start + 64}]"
    if abi_type == "address":
        return f'"0x" + {tail}'
    if abi_type == "bool":
        return f"int({full}, 16) != 0"
    if abi_type.startswith("uint") and abi_type[4:].isdigit():
        return f"int({full}, 16)"
    if abi_type.startswith("int") and abi_type[3:].isdigit():
        return f"_signed(int({full}, 16))"
    if abi_type.startswith("bytes") and abi_type[5:].isdigit():
        size = int(abi_type[5:])
        if topic is not None:
            return full if size == 32 else f"{full}[: {2 + 2 * size}]"
        start = 2 + 64 * (word or 0)
        return f'"0x" + data[{start}:{start + 2 * size}]'
    return None


def _tuple_types(abi_type: str) -> list[str]:
    """The component types of a tuple type ``(t1,t2,...)`` (nested tuples kept whole)."""
    if not abi_type.startswith("(") or not abi_type.endswith(")"):
        return []
    parts, depth, start = [], 0, 1
    for i, char in enumerate(abi_type[1:-1], start=1):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(abi_type[start:i])
            start = i + 1
    parts.append(abi_type[start:-1])
    return parts


def _plain(value: Any, abi_type: str = "") -> Any:
    """eth-abi output of type `abi_type` made JSON-friendly and shaped like the sliced fields:
    bytes as 0x hex, tuples and arrays as lists, addresses lowercase (eth-abi checksums them)."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str):
        return value.lower() if abi_type == "address" else value
    if isinstance(value, tuple | list):
        if abi_type.endswith("]"):
            element = abi_type[: abi_type.rindex("[")]
            return [_plain(v, element) for v in value]
        types = _tuple_types(abi_type)
        if len(types) != len(value):
            types = [""] * len(value)
        return [_plain(v, t) for v, t in zip(value, types, strict=True)]
    return value


@dataclass(frozen=True)
class EventPlan:
    """How to decode one event: its topic0 and a decoding function compiled from the ABI."""

    name: str
    signature: str
    topic0: str
    # True when every field is sliced from hex by generated code (no eth-abi call).
    static: bool
    decode: Decode


def plan_event(item: Mapping[str, Any]) -> EventPlan:
    """Compile the decoding plan of one ABI event entry.

    Static fields become one generated expression each, e.g. for ``Transfer``::

        def decode(topics, data):
            return {'sender': "0x" + topics[1][26:], 'receiver': "0x" + topics[2][26:],
                    'value': int(data[2:66], 16)}
    """
    inputs = list(item.get("inputs", []))
    types = [collapse_if_tuple(dict(i)) for i in inputs]
    signature = f"{item['name']}({','.join(types)})"
    names = [str(entry.get("name") or f"arg{i}") for i, entry in enumerate(inputs)]
    fields: list[str] = []
    data_names: list[str] = []
    data_types: list[str] = []
    topic = 1
    for entry, abi_type, name in zip(inputs, types, names, strict=True):
        if entry.get("indexed"):
            # Indexed dynamic values are their keccak hash: keep the topic.
            expression = _word_expression(abi_type, topic, None) or f"topics[{topic}]"
            fields.append(f"{name!r}: {expression}")
            topic += 1
        else:
            data_names.append(name)
            data_types.append(abi_type)
    words = [_word_expression(t, None, i) for i, t in enumerate(data_types)]
    static = all(w is not None for w in words)
    if static:
        fields += [f"{name!r}: {w}" for name, w in zip(data_names, words, strict=True)]
    source = f"def decode(topics, data):\n    return {{{', '.join(fields)}}}\n"
    namespace: dict[str, Any] = {"_signed": _signed}
    exec(compile(source, f"<decoder {signature}>", "exec"), namespace)  # generated from the ABI only
    head: Decode = namespace["decode"]
    decode = head if static else _with_abi_data(head, tuple(data_names), tuple(data_types))
    return EventPlan(
        name=str(item["name"]),
        signature=signature,
        topic0="0x" + keccak(text=signature).hex(),
        static=static,
        decode=decode,
    )


def _with_abi_data(head: Decode, names: tuple[str, ...], types: tuple[str, ...]) -> Decode:
    """`head` (the indexed fields) plus the data fields decoded by eth-abi."""
    from eth_abi import decode as abi_decode  # only events with dynamic data need it

    def decode(topics: Sequence[str], data: str) -> dict[str, Any]:
        args = head(topics, data)
        values = abi_decode(list(types), bytes.fromhex(data[2:]))
        args.update((n, _plain(v, t)) for n, v, t in zip(names, values, types, strict=True))
        return args

    return decode


class ContractDecoder:
    """Decodes every event of one contract from its ABI (anonymous events are skipped)."""

    def __init__(self, contract: str, abi: Iterable[Mapping[str, Any]], required: Iterable[str] = ()) -> None:
        self.contract = contract
        self.plans: dict[str, EventPlan] = {}
        for item in abi:
            if item.get("type") == "event" and not item.get("anonymous"):
                plan = plan_event(item)
                self.plans[plan.topic0] = plan
        names = {p.name for p in self.plans.values()}
        missing = sorted(set(required) - names)
        if missing:
            raise IndexerConfigError(f"the ABI of {contract} has no event(s) {', '.join(missing)}")

    def topic0(self, name: str) -> str:
        """The topic0 of event `name`."""
        for plan in self.plans.values():
            if plan.name == name:
                return plan.topic0
        raise KeyError(name)

    def plan(self, topic0: str) -> EventPlan | None:
        """The plan for a log whose first topic is `topic0` (None: not an event of this ABI)."""
        return self.plans.get(topic0)
