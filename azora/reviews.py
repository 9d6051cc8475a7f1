"""The reason hash of a constitutional review: one definition for the ethics oracle that
writes it and the API that checks stored reasons against the chain.

The chain stores only ``reasonHash``; the reasons are kept in PostgreSQL (``ethics_reviews``).
``reasonHash = keccak256(canonical)`` where ``canonical`` is the UTF-8 bytes of this JSON
document, serialised with sorted keys, no whitespace (separators ``,`` and ``:``) and
non-ASCII characters kept as they are::

    {"constitution_version": "1",          # the constitution's `version`, as a string
     "evaluator": "rules",                 # the evaluator's name
     "proposal_id": "1234...",             # decimal string (uint256 does not fit JSON numbers)
     "reasons": [{"message": "...", "principle": "...", "rule": "...", "severity": "flag"}, ...],
     "verdict": 2}                         # 1 approve, 2 flag

``reasons`` keep the evaluator's order, so a reason text changed after the fact no longer
matches the chain.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from eth_utils import keccak


def canonical_reasons(
    proposal_id: int,
    verdict: int,
    reasons: Sequence[Any],
    constitution_version: str,
    evaluator: str,
) -> bytes:
    """The canonical serialisation whose keccak is the reason hash (see the module docstring)."""
    document = {
        "constitution_version": str(constitution_version),
        "evaluator": evaluator,
        "proposal_id": str(proposal_id),
        "reasons": list(reasons),
        "verdict": int(verdict),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def reason_hash(
    proposal_id: int,
    verdict: int,
    reasons: Sequence[Any],
    constitution_version: str,
    evaluator: str,
) -> bytes:
    """keccak256 of `canonical_reasons` (what the Governor stores as ``reasonHash``)."""
    return keccak(canonical_reasons(proposal_id, verdict, reasons, constitution_version, evaluator))
