"""EIP-1559 fees for relayer transactions: a suggestion from ``eth_feeHistory`` and the bump a
replacement needs.

* tip (``maxPriorityFeePerGas``): the `priority_fee_percentile` reward of the last
  `fee_history_blocks` blocks (median of the per-block values), at least
  `min_priority_fee_wei`;
* cap (``maxFeePerGas``): twice the next block's base fee plus the tip, so the transaction
  stays includable through six consecutive full blocks (+12.5% each);
* both bounded by `max_fee_per_gas_wei`.

A replacement (same nonce) must raise both fields by at least 12.5%: `bump` multiplies by
``1 + permille / 1000`` rounding up, and never goes below the current suggestion.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from web3 import Web3

from oracles.settings import OracleSettings


@dataclass(frozen=True)
class Fees:
    """The two EIP-1559 fee fields, in wei per gas."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def __post_init__(self) -> None:
        if self.max_priority_fee_per_gas > self.max_fee_per_gas:
            raise ValueError("the priority fee cannot exceed the max fee")

    def as_tx(self) -> dict[str, int]:
        return {"maxFeePerGas": self.max_fee_per_gas, "maxPriorityFeePerGas": self.max_priority_fee_per_gas}


def fees_from_history(history: Any, settings: OracleSettings) -> Fees:
    """Fees from an ``eth_feeHistory`` answer (with one reward percentile)."""
    base_fees = list(history["baseFeePerGas"])
    next_base = int(base_fees[-1]) if base_fees else 0
    rewards = [int(block[0]) for block in history.get("reward") or [] if block]
    tip = int(statistics.median(rewards)) if rewards else 0
    tip = max(tip, settings.min_priority_fee_wei)
    cap = settings.max_fee_per_gas_wei
    tip = min(tip, cap)
    return Fees(max_fee_per_gas=min(2 * next_base + tip, cap), max_priority_fee_per_gas=tip)


def suggest_fees(w3: Web3, settings: OracleSettings) -> Fees:
    """The fees a new transaction bids now."""
    history = w3.eth.fee_history(settings.fee_history_blocks, "latest", [settings.priority_fee_percentile])
    return fees_from_history(history, settings)


def _raise(value: int, permille: int) -> int:
    # ceil(value * (1000 + permille) / 1000), and at least one wei more.
    return max(-(-value * (1000 + permille) // 1000), value + 1)


def bump(previous: Fees, permille: int, current: Fees | None = None) -> Fees:
    """The fees of a replacement of a transaction that bid `previous`: both fields raised by
    `permille` (at least 12.5% for nodes to accept it), and at least the `current` suggestion."""
    tip = _raise(previous.max_priority_fee_per_gas, permille)
    cap = _raise(previous.max_fee_per_gas, permille)
    if current is not None:
        tip = max(tip, current.max_priority_fee_per_gas)
        cap = max(cap, current.max_fee_per_gas)
    return Fees(max_fee_per_gas=max(cap, tip), max_priority_fee_per_gas=tip)
