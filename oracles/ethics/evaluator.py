"""The pluggable evaluator interface, the review it produces, and the review's reason hash.

An evaluator is any object with a ``name`` and ``evaluate(proposal, context) -> Review``.
``ETHICS_EVALUATOR`` names a factory ``package.module:attribute`` called with the loaded
`Constitution`; the default is the deterministic rules of `oracles.ethics.rules`. Another
evaluator (a model, a human panel's API) only has to return the same `Review` shape; it is
recorded by name in every review it produces.

**Reason hash.** The chain stores only ``reasonHash``; the reasons themselves are kept in
PostgreSQL (``ethics_reviews``) and served by the API. Its canonical form is defined once, in
`azora.reviews` (shared with the API, which recomputes it from stored rows).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any, Protocol, runtime_checkable

from azora.reviews import reason_hash
from oracles.ethics.constitution import Constitution
from oracles.ethics.exceptions import EvaluatorLoadError
from oracles.ethics.proposal import ContractBook, Proposal
from oracles.exceptions import OracleError

DEFAULT_EVALUATOR = "oracles.ethics.rules:RulesEvaluator"


class Verdict(IntEnum):
    """The verdict of a review, as the Governor takes it."""

    APPROVE = 1
    FLAG = 2


@dataclass(frozen=True)
class Reason:
    """One finding: which rule, under which principle, how severe, and what it found."""

    rule: str
    principle: str
    severity: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Review:
    """What an evaluator concluded about one proposal."""

    proposal_id: int
    verdict: Verdict
    reasons: tuple[Reason, ...]
    constitution_version: str
    evaluator: str

    @property
    def reasons_json(self) -> list[dict[str, str]]:
        return [r.as_dict() for r in self.reasons]

    @property
    def reason_hash(self) -> bytes:
        return reason_hash(
            self.proposal_id, int(self.verdict), self.reasons_json, self.constitution_version, self.evaluator
        )


class ChainFacts(Protocol):
    """Chain state an evaluator may consult, as of the proposal's block (read-only)."""

    def balance(self, holder: str, token: str | None) -> int:
        """`holder`'s balance of ERC-20 `token`, or of ether when `token` is None (wei)."""
        ...

    def setting(self, name: str) -> int | None:
        """A governance setting in force: ``quorum_numerator``, ``voting_period``,
        ``voting_delay`` (Governor) or ``timelock_delay`` (Timelock); None when unknown."""
        ...


@dataclass(frozen=True)
class StaticFacts:
    """Facts given as plain values (tests, dry runs). Balances by ``(holder, token or None)``
    with lowercase addresses; a missing balance is 0."""

    balances: dict[tuple[str, str | None], int]
    settings: dict[str, int]

    def balance(self, holder: str, token: str | None) -> int:
        return self.balances.get((holder.lower(), token.lower() if token else None), 0)

    def setting(self, name: str) -> int | None:
        return self.settings.get(name)


@dataclass(frozen=True)
class Context:
    """What an evaluation may use besides the proposal: the deployment and chain facts."""

    book: ContractBook
    facts: ChainFacts


@runtime_checkable
class Evaluator(Protocol):
    """The pluggable evaluator (see the module docstring)."""

    name: str

    def evaluate(self, proposal: Proposal, context: Context) -> Review: ...


def load_evaluator(path: str, constitution: Constitution) -> Evaluator:
    """The evaluator built by the factory at dotted `path` (``module:attribute``) from `constitution`."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise EvaluatorLoadError(f"ETHICS_EVALUATOR {path!r} is not of the form package.module:attribute")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise EvaluatorLoadError(f"cannot import {module_name!r} for ETHICS_EVALUATOR: {exc}") from None
    factory: Callable[[Constitution], Any] | None = getattr(module, attribute, None)
    if not callable(factory):
        raise EvaluatorLoadError(f"{path!r}: {module_name} has no callable {attribute!r}")
    try:
        evaluator = factory(constitution)
    except OracleError:
        raise  # e.g. ConstitutionError: the constitution does not suit this evaluator
    except Exception as exc:
        raise EvaluatorLoadError(
            f"{path!r} failed to build an evaluator: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(evaluator, Evaluator) or not isinstance(getattr(evaluator, "name", None), str):
        raise EvaluatorLoadError(
            f"{path!r} did not build an evaluator (a `name` and `evaluate(proposal, context)`)"
        )
    return evaluator
