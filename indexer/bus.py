"""The event bus: every committed event, published to a Redis stream.

Stream: ``<prefix>azora:events`` (``INDEXER_BUS_STREAM``, ``INDEXER_BUS_PREFIX``), capped at
about ``INDEXER_BUS_MAXLEN`` entries (``XADD MAXLEN ~``). Consumers follow it with consumer
groups (``XGROUP CREATE <stream> <group> $ MKSTREAM``, ``XREADGROUP``, ``XACK``).

Every message is a flat hash of strings. An **event** message::

    type            "event"
    id              "<chain_id>:<block_hash>:<log_index>"  -- unique per log; dedupe on it
    chain_id        "31337"
    contract        "AzoraToken"          -- manifest name of the emitting contract
    address         "0x5fbd..."           -- emitting contract, lowercase
    event           "Transfer"            -- ABI event name
    block_number    "42"
    block_hash      "0x..."
    block_timestamp "1767225600"          -- unix seconds
    log_index       "3"
    tx_hash         "0x..."
    args            '{"sender": "0x...", "receiver": "0x...", "value": "1000000000000000000"}'

``args`` is a JSON object keyed by the ABI parameter names; integers are decimal strings
(uint256 does not fit a JSON number), addresses lowercase hex, bytes ``0x`` hex.

A **reorg** message announces a rollback; consumers must forget what they derived from
events above ``fork_block`` (the replacement events follow on the stream)::

    type        "reorg"
    chain_id    "31337"
    fork_block  "41"                       -- last block kept
    fork_hash   "0x..."
    depth       "3"                        -- blocks rolled back (0 if unknown)

Delivery is at-least-once, in chain order: the sync loop publishes after the database
transaction commits and then advances ``sync_cursors.published_block``; after a crash or
a Redis outage in between, the gap is republished from ``raw_logs`` (so dedupe on ``id``).
Each batch of up to 2,000 messages is appended atomically by one Lua script call.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import redis

from indexer.decoders import Event

log = logging.getLogger("indexer.bus")

DEFAULT_STREAM = "azora:events"
_CHUNK = 2_000

# Appends a batch of messages in one round trip, atomically (all or none). ARGV: maxlen, the
# field names joined by US (0x1f), then one argument per message: its values joined by US.
# Values never contain US: they are hex, digits, identifiers or JSON (which escapes it).
_SEPARATOR = "\x1f"
_XADD_BATCH = r"""
local sep = '\31'
local maxlen = ARGV[1]
local names = {}
for name in string.gmatch(ARGV[2], '[^' .. sep .. ']+') do names[#names + 1] = name end
local nf = #names
local fields = {}
for m = 3, #ARGV do
  local message = ARGV[m]
  local start = 1
  for j = 1, nf do
    local stop = string.find(message, sep, start, true) or (#message + 1)
    fields[2 * j - 1] = names[j]
    fields[2 * j] = string.sub(message, start, stop - 1)
    start = stop + 1
  end
  if maxlen == '0' then
    redis.call('XADD', KEYS[1], '*', unpack(fields))
  else
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', unpack(fields))
  end
end
return #ARGV - 2
"""


_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _text(value: Any) -> Any:
    """JSON-ready argument: ints (uint256) as decimal strings."""
    if type(value) is int:
        return str(value)
    if isinstance(value, list):
        return [_text(v) for v in value]
    return value


EVENT_FIELDS = (
    "type",
    "id",
    "chain_id",
    "contract",
    "address",
    "event",
    "block_number",
    "block_hash",
    "block_timestamp",
    "log_index",
    "tx_hash",
    "args",
)


def event_values(chain_id: int, event: Event) -> list[str]:
    """The values of an event message, in `EVENT_FIELDS` order."""
    return [
        "event",
        f"{chain_id}:{event.block_hash}:{event.log_index}",
        str(chain_id),
        event.contract,
        event.address,
        event.name,
        str(event.block_number),
        event.block_hash,
        str(event.block_timestamp),
        str(event.log_index),
        event.tx_hash,
        _dumps({k: _text(v) for k, v in event.args.items()}),
    ]


def event_fields(chain_id: int, event: Event) -> dict[str, str]:
    """The stream fields of one event message (see the module docstring)."""
    return dict(zip(EVENT_FIELDS, event_values(chain_id, event), strict=True))


def reorg_fields(chain_id: int, fork_block: int, fork_hash: str | None, depth: int) -> dict[str, str]:
    """The stream fields of a reorg message (see the module docstring)."""
    return {
        "type": "reorg",
        "chain_id": str(chain_id),
        "fork_block": str(fork_block),
        "fork_hash": fork_hash or "",
        "depth": str(depth),
    }


class Bus(Protocol):
    """Where committed events go."""

    def publish(self, chain_id: int, events: Sequence[Event]) -> int: ...

    def publish_reorg(self, chain_id: int, fork_block: int, fork_hash: str | None, depth: int) -> None: ...

    def close(self) -> None: ...


class NullBus:
    """No event bus configured: publishing does nothing."""

    def publish(self, chain_id: int, events: Sequence[Event]) -> int:
        return 0

    def publish_reorg(self, chain_id: int, fork_block: int, fork_hash: str | None, depth: int) -> None:
        return None

    def close(self) -> None:
        return None


class RedisBus:
    """Publishes to a Redis stream: one server-side script call appends up to 2,000 messages
    (a pipeline of XADDs costs ~4x more client CPU: per-command packing and reply parsing)."""

    def __init__(self, url: str, *, stream: str = DEFAULT_STREAM, prefix: str = "", maxlen: int = 0) -> None:
        self.key = f"{prefix}{stream}"
        self.maxlen = maxlen or None
        self._redis = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
        self._xadd_batch = self._redis.register_script(_XADD_BATCH)

    def publish(self, chain_id: int, events: Sequence[Event]) -> int:
        """XADD one message per event, in order."""
        header = [str(self.maxlen or 0), _SEPARATOR.join(EVENT_FIELDS)]
        join = _SEPARATOR.join
        for start in range(0, len(events), _CHUNK):
            messages = [join(event_values(chain_id, e)) for e in events[start : start + _CHUNK]]
            self._xadd_batch(keys=[self.key], args=header + messages)
        return len(events)

    def publish_reorg(self, chain_id: int, fork_block: int, fork_hash: str | None, depth: int) -> None:
        """XADD one reorg message."""
        fields = reorg_fields(chain_id, fork_block, fork_hash, depth)
        self._redis.xadd(self.key, fields, maxlen=self.maxlen, approximate=True)  # type: ignore[arg-type]
        log.info("reorg published", extra={"stream": self.key, "fork_block": fork_block, "depth": depth})

    def close(self) -> None:
        self._redis.close()
