"""oracles.fees: EIP-1559 suggestion from fee history, and the replacement bump (>= 12.5%)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oracles.fees import Fees, bump, fees_from_history
from oracles.settings import OracleSettings

GWEI = 10**9


def settings(**overrides: int) -> OracleSettings:
    return OracleSettings(min_priority_fee_wei=GWEI, max_fee_per_gas_wei=500 * GWEI, **overrides)  # type: ignore[arg-type]


def test_fees_from_history__median_tip_and_twice_next_base() -> None:
    history = {
        "baseFeePerGas": [10 * GWEI, 12 * GWEI, 14 * GWEI],
        "reward": [[2 * GWEI], [3 * GWEI], [5 * GWEI]],
    }
    assert fees_from_history(history, settings()) == Fees(2 * 14 * GWEI + 3 * GWEI, 3 * GWEI)


def test_fees_from_history__zero_base_fee_chain__tip_floor() -> None:
    history = {"baseFeePerGas": [0, 0], "reward": [[0]]}
    assert fees_from_history(history, settings()) == Fees(GWEI, GWEI)


def test_fees_from_history__spike__capped() -> None:
    history = {"baseFeePerGas": [900 * GWEI], "reward": []}
    fees = fees_from_history(history, settings())
    assert fees.max_fee_per_gas == 500 * GWEI and fees.max_priority_fee_per_gas == GWEI


@given(
    tip=st.integers(min_value=0, max_value=10**12),
    extra=st.integers(min_value=0, max_value=10**12),
    permille=st.integers(min_value=125, max_value=1_000),
)
def test_bump__any_fees__both_fields_up_at_least_permille(tip: int, extra: int, permille: int) -> None:
    previous = Fees(tip + extra, tip)
    new = bump(previous, permille)
    for old, bumped in (
        (previous.max_fee_per_gas, new.max_fee_per_gas),
        (previous.max_priority_fee_per_gas, new.max_priority_fee_per_gas),
    ):
        assert bumped * 1000 >= old * (1000 + permille) and bumped > old
    assert new.max_priority_fee_per_gas <= new.max_fee_per_gas


def test_bump__market_moved_up__follows_the_market() -> None:
    new = bump(Fees(2 * GWEI, GWEI), 125, current=Fees(40 * GWEI, 3 * GWEI))
    assert new == Fees(40 * GWEI, 3 * GWEI)


def test_fees__tip_above_cap__refused() -> None:
    with pytest.raises(ValueError):
        Fees(1, 2)
