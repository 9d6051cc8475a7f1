"""Decoder of AzoraToken (AZR): ERC-20 transfers and approvals, ERC-5805 delegation, roles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from indexer.decoders import ContractDecoder

CONTRACT = "AzoraToken"
# Events the token handler projects; the rest (Approval, Role*) go to raw_logs and the bus only.
REQUIRED = ("Transfer", "DelegateChanged", "DelegateVotesChanged")


def build(abi: Iterable[Mapping[str, Any]]) -> ContractDecoder:
    """The decoder of AzoraToken from its compiled ABI."""
    return ContractDecoder(CONTRACT, abi, REQUIRED)
