"""Decoder of ProofOfKnowledge: paid rewards and the parameter changes (Ubuntu-share receiver,
per-learner daily cap, per-epoch budget). The constructor emits the three parameter events
with their deploy-time values, so the index knows every parameter without a view call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from indexer.decoders import ContractDecoder

CONTRACT = "ProofOfKnowledge"
REQUIRED = ("RewardPaid", "TreasuryChanged", "DailyCapChanged", "EpochBudgetChanged")

# ProofOfKnowledge.DAY and EPOCH_DURATION (contract constants): the daily cap counts per UTC day
# (block.timestamp // DAY), the budget per epoch (block.timestamp // EPOCH_DURATION).
DAY = 86_400
EPOCH_DURATION = 30 * DAY

# Parameter event -> the parameter it changes.
PARAMETER_EVENTS = {
    "TreasuryChanged": "treasury",
    "DailyCapChanged": "daily_cap",
    "EpochBudgetChanged": "epoch_budget",
}


def build(abi: Iterable[Mapping[str, Any]]) -> ContractDecoder:
    """The decoder of ProofOfKnowledge from its compiled ABI."""
    return ContractDecoder(CONTRACT, abi, REQUIRED)
