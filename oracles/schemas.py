"""The attestation schemas the oracles know: their id, domain, and the check a signer runs
before it signs one (a signer never signs an attestation it cannot vouch for).

Each oracle module contributes its schemas; `known_schemas()` gathers them by schema id.

A schema may also name the consumer refusals that only last until a period ends
(`Deferral`): ProofOfKnowledge's per-learner daily cap and per-epoch budget. The submitter
defers such an attestation to the start of the next period instead of failing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oracles.eip712 import Attestation, schema_id


@dataclass(frozen=True)
class Deferral:
    """A consumer refusal that lifts when the consumer's period (day, epoch) ends: the
    attestation is signed and sent again once chain time reaches the next period."""

    # The consumer's revert string (matched as a substring of the node's error message).
    revert: str
    # The name the submission records while it waits (e.g. DAILY_CAP_EXCEEDED).
    reason: str
    # The consumer's period in seconds of block time (86_400 = UTC days: timestamp // 86_400).
    period_seconds: int

    def retry_at(self, chain_time: int) -> int:
        """The start of the period after the one `chain_time` is in."""
        return (chain_time // self.period_seconds + 1) * self.period_seconds


@dataclass(frozen=True)
class SchemaSpec:
    """One attestation schema: `definition` is the string whose keccak256 is its id."""

    definition: str
    domain: str
    # Raises oracles.exceptions.InvalidRequestError when `att` must not be signed.
    validate: Callable[[Attestation], None]
    # Consumer refusals to retry in a later period instead of failing.
    deferrals: tuple[Deferral, ...] = ()

    def deferral(self, message: str) -> Deferral | None:
        """The deferral whose revert string `message` (a node's error) contains, if any."""
        return next((d for d in self.deferrals if d.revert in message), None)

    @property
    def id(self) -> bytes:
        return schema_id(self.definition)

    @property
    def name(self) -> str:
        return self.definition.split("(", 1)[0]


def known_schemas() -> dict[bytes, SchemaSpec]:
    """Every schema of every oracle module, by id."""
    from oracles.education.schema import SCHEMAS as EDUCATION
    from oracles.ethics.schema import SCHEMAS as ETHICS

    return {spec.id: spec for spec in (*EDUCATION, *ETHICS)}
