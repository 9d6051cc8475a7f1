"""The attestation schemas the oracles know: their id, domain, and the check a signer runs
before it signs one (a signer never signs an attestation it cannot vouch for).

Each oracle module contributes its schemas; `known_schemas()` gathers them by schema id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from oracles.eip712 import Attestation, schema_id


@dataclass(frozen=True)
class SchemaSpec:
    """One attestation schema: `definition` is the string whose keccak256 is its id."""

    definition: str
    domain: str
    # Raises oracles.exceptions.InvalidRequestError when `att` must not be signed.
    validate: Callable[[Attestation], None]

    @property
    def id(self) -> bytes:
        return schema_id(self.definition)

    @property
    def name(self) -> str:
        return self.definition.split("(", 1)[0]


def known_schemas() -> dict[bytes, SchemaSpec]:
    """Every schema of every oracle module, by id."""
    from oracles.education.schema import SCHEMAS as EDUCATION

    return {spec.id: spec for spec in (*EDUCATION,)}
