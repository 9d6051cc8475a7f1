"""Errors of the ethics oracle. Each docstring says what happened and how to fix it."""

from __future__ import annotations

from oracles.exceptions import OracleError


class ConstitutionError(OracleError):
    """The constitution file cannot be used: unreadable, not YAML, or invalid (a missing
    version, duplicate ids, a rule naming an unknown principle, a rule the evaluator does not
    implement, parameters of the wrong type). The message names the file and the exact place;
    fix the file (`python -m oracles.ethics --check` validates it without starting anything)."""


class EvaluatorLoadError(OracleError):
    """ETHICS_EVALUATOR does not name a usable evaluator: it must be a dotted path
    ``package.module:attribute`` to a callable that takes the `Constitution` and returns an
    object with a ``name`` and an ``evaluate(proposal, context)`` method."""


class MalformedEventError(OracleError):
    """A ProposalCreated message on the event bus cannot be parsed, or its proposal id is not
    ``hashProposal`` of its calls. The message is acknowledged and skipped (logged at error)."""
