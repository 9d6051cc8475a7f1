"""Decoder of Credentials (soulbound ERC-721): issued and revoked credentials. The ERC-721
``Transfer`` of a mint / burn and ERC-5192 ``Locked`` say nothing more; they go to raw_logs and
the bus only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from indexer.decoders import ContractDecoder

CONTRACT = "Credentials"
REQUIRED = ("CredentialIssued", "CredentialRevoked")


def build(abi: Iterable[Mapping[str, Any]]) -> ContractDecoder:
    """The decoder of Credentials from its compiled ABI."""
    return ContractDecoder(CONTRACT, abi, REQUIRED)
