"""Decoder of the Ledger: ``Recorded`` entries, with the kind's name resolved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from azora.ledger import KIND_NAMES, kind_id
from indexer.decoders import ContractDecoder

CONTRACT = "Ledger"
REQUIRED = ("Recorded",)

# SPEC 2.2: each kind is the keccak256 of its name (the names live in azora.ledger).
KINDS: dict[str, str] = {"0x" + kind_id(name).hex(): name for name in KIND_NAMES}


def kind_name(kind: str) -> str | None:
    """The name of a bytes32 kind (0x hex), or None for an unknown kind."""
    return KINDS.get(kind.lower())


def build(abi: Iterable[Mapping[str, Any]]) -> ContractDecoder:
    """The decoder of the Ledger from its compiled ABI."""
    return ContractDecoder(CONTRACT, abi, REQUIRED)
