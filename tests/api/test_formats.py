"""Unit tests of the wire formats: uint256 strings, checksummed addresses, cursors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from api.deps import parse_address
from api.exceptions import InvalidCursorError
from api.pagination import Part, decode_cursor, encode_cursor
from api.schemas import DelegateOut, uint256


def test_uint256__decimal_in_e_notation__digits_only() -> None:
    value = Decimal("2.55E+20")
    assert str(value) == "2.55E+20"  # what the API must never print

    out = DelegateOut.model_validate({"address": "0x" + "ab" * 20, "votes": value, "delegators": 0})

    assert out.model_dump(mode="json")["votes"] == "255000000000000000000"


@pytest.mark.parametrize("value", [Decimal("1.5"), -1, 2**256, True, "1e3", Decimal("NaN")])
def test_uint256__not_a_uint256__rejected(value: object) -> None:
    with pytest.raises(ValueError):
        uint256(value)


def test_uint256__max__exact() -> None:
    out = DelegateOut(address="0x" + "ab" * 20, votes=2**256 - 1, delegators=0).model_dump(mode="json")

    assert out["votes"] == str(2**256 - 1)
    assert out["address"] == "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"


def test_parse_address__any_case__lowercase() -> None:
    assert (
        parse_address("0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266")
        == "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
    )


@pytest.mark.parametrize(
    "key", [(0, 0), (2**63 - 1, 7), (123, 2**31)], ids=["zero", "max-bigint", "big-log-index"]
)
def test_cursor__round_trip(key: tuple[int, int]) -> None:
    cursor = encode_cursor("transfers", key)

    assert "=" not in cursor and "+" not in cursor and "/" not in cursor
    assert decode_cursor(cursor, "transfers", (Part.BIGINT, Part.BIGINT)) == key


def test_cursor__uint256_and_address_parts__round_trip() -> None:
    key = (2**256 - 1, "0x" + "0f" * 20)

    assert decode_cursor(encode_cursor("d", key), "d", (Part.UINT256, Part.ADDRESS)) == key


@pytest.mark.parametrize(
    ("resource", "key", "parts"),
    [
        ("transfers", (1, 2), (Part.BIGINT,)),
        ("other", (1,), (Part.BIGINT,)),
        ("d", (2**256, "0x" + "0f" * 20), (Part.UINT256, Part.ADDRESS)),
        ("d", (1, "0x" + "0F" * 20), (Part.UINT256, Part.ADDRESS)),
        ("transfers", (2**63,), (Part.BIGINT,)),
        ("transfers", (1.5,), (Part.BIGINT,)),
    ],
)
def test_cursor__wrong_shape_or_range__invalid(
    resource: str, key: tuple[object, ...], parts: tuple[Part, ...]
) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(encode_cursor(resource, key), "transfers" if resource == "other" else resource, parts)
