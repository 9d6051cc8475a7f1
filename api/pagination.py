"""Keyset pagination with opaque, validated cursors.

A list endpoint orders its rows by a unique key (for transfers: block number, log
index) and returns at most `limit` rows plus ``next_cursor``, the key of the last
row encoded as base64url JSON ``{"r": <resource>, "k": [<key parts>]}``. The next
request continues strictly after that key, so pages never skip or repeat a row
while the indexer appends new ones, and no OFFSET scan is ever needed.

A cursor is checked before it reaches SQL: it must decode, name this resource,
and carry the expected number of parts with the expected types and ranges. A
cursor that fails any check is a 400 `invalid-cursor` problem, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

from api.exceptions import InvalidCursorError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_CURSOR_LENGTH = 512

_ADDRESS_RE = re.compile(r"^0x[0-9a-f]{40}$")


class Part(enum.Enum):
    """The type of one cursor part, checked when a cursor comes back."""

    BIGINT = "bigint"  # a BIGINT column: 0 <= n < 2**63
    UINT256 = "uint256"  # a NUMERIC(78, 0) column: 0 <= n < 2**256
    ADDRESS = "address"  # a lowercase 0x address column


CursorKey = tuple[Any, ...]


@dataclass(frozen=True)
class PageParams:
    """`?limit=&cursor=` of one request; the cursor is still opaque here."""

    limit: int
    cursor: str | None

    def key(self, resource: str, parts: Sequence[Part]) -> CursorKey | None:
        """The keyset position the cursor encodes (None on the first page)."""
        if self.cursor is None:
            return None
        return decode_cursor(self.cursor, resource, parts)


def page_params(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1..{MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            description="`next_cursor` of the previous page; omit for the first page.",
        ),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, cursor=cursor or None)


PageDep = Annotated[PageParams, Depends(page_params)]


def encode_cursor(resource: str, key: Sequence[Any]) -> str:
    """The opaque cursor for the position `key` of `resource`."""
    raw = json.dumps({"r": resource, "k": list(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, resource: str, parts: Sequence[Part]) -> CursorKey:
    """The key inside `cursor`, checked against `resource` and the expected `parts`."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursorError("the cursor is too long")
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        payload: Any = json.loads(raw)
    except (UnicodeError, binascii.Error, ValueError):
        raise InvalidCursorError("the cursor is not valid base64url JSON") from None
    if not isinstance(payload, dict) or set(payload) != {"r", "k"}:
        raise InvalidCursorError("the cursor is malformed")
    if payload["r"] != resource:
        raise InvalidCursorError(f"the cursor belongs to another list, not to {resource}")
    key = payload["k"]
    if not isinstance(key, list) or len(key) != len(parts):
        raise InvalidCursorError("the cursor is malformed")
    for value, part in zip(key, parts, strict=True):
        if not _part_ok(value, part):
            raise InvalidCursorError("the cursor holds an out-of-range position")
    return tuple(key)


def _part_ok(value: Any, part: Part) -> bool:
    if part is Part.ADDRESS:
        return isinstance(value, str) and _ADDRESS_RE.match(value) is not None
    # bool is an int subclass; JSON `true` is not a position.
    if type(value) is not int or value < 0:
        return False
    return value < (2**63 if part is Part.BIGINT else 2**256)


def next_cursor(resource: str, rows: Sequence[Any], limit: int, key: Any) -> str | None:
    """The cursor after the last of `rows` when more rows exist (the query fetched `limit + 1`)."""
    if len(rows) <= limit:
        return None
    return encode_cursor(resource, key(rows[limit - 1]))
