"""The versioned constitution: principles, and rules that refer to them with parameters.

The file (default `oracles/ethics/constitution.yaml`, ``ETHICS_CONSTITUTION_PATH``)::

    version: 1                     # a positive integer, bumped on every change
    name: Azora constitution       # optional
    principles:
      - id: stewardship            # lowercase identifier, unique
        text: The common treasury ...
    rules:
      - id: treasury_outflow_rationale    # an id the evaluator implements, unique
        principle: stewardship            # one of the principles above
        severity: flag                    # flag (changes the verdict) or info (recorded only)
        params: {max_share_bps: 100, ...} # what the rule takes (checked by the evaluator)

`load_constitution` checks the shape and the cross references and raises `ConstitutionError`
naming the file and the place of the first problems; the evaluator then checks that it
implements every rule and that each rule's ``params`` are what it takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from oracles.ethics.exceptions import ConstitutionError

DEFAULT_CONSTITUTION = Path(__file__).resolve().parent / "constitution.yaml"
SEVERITIES = ("flag", "info")
_ID = r"^[a-z][a-z0-9_]{0,63}$"


class _Principle(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(pattern=_ID)
    text: str = Field(min_length=1)


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(pattern=_ID)
    principle: str = Field(pattern=_ID)
    severity: Literal["flag", "info"] = "flag"
    params: dict[str, Any] = Field(default_factory=dict)


class _Constitution(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    version: int = Field(ge=1)
    name: str = "constitution"
    principles: list[_Principle] = Field(min_length=1)
    rules: list[_Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> _Constitution:
        principle_ids = [p.id for p in self.principles]
        if duplicates := sorted({i for i in principle_ids if principle_ids.count(i) > 1}):
            raise ValueError(f"duplicate principle ids {duplicates}")
        rule_ids = [r.id for r in self.rules]
        if duplicates := sorted({i for i in rule_ids if rule_ids.count(i) > 1}):
            raise ValueError(f"duplicate rule ids {duplicates}")
        for rule in self.rules:
            if rule.principle not in principle_ids:
                raise ValueError(f"rule {rule.id!r} refers to unknown principle {rule.principle!r}")
        return self


@dataclass(frozen=True)
class Principle:
    """A principle of the constitution (what the rules protect)."""

    id: str
    text: str


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the constitution configures it."""

    id: str
    principle: str
    severity: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Constitution:
    """A validated constitution file."""

    version: int
    name: str
    principles: tuple[Principle, ...]
    rules: tuple[RuleSpec, ...]
    source: str = "<memory>"

    def principle(self, principle_id: str) -> Principle:
        """The principle with id `principle_id` (KeyError if there is none)."""
        for principle in self.principles:
            if principle.id == principle_id:
                return principle
        raise KeyError(principle_id)


def _where(error: Any) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top level)"


def parse_constitution(data: Any, source: str = "<memory>") -> Constitution:
    """Validate an already parsed constitution mapping; raises ConstitutionError."""
    if not isinstance(data, dict):
        raise ConstitutionError(f"{source}: expected a mapping with version, principles and rules")
    try:
        model = _Constitution.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e)}: {e['msg']}" for e in exc.errors()[:5])
        raise ConstitutionError(f"{source}: invalid constitution: {problems}") from None
    return Constitution(
        version=model.version,
        name=model.name,
        principles=tuple(Principle(p.id, p.text) for p in model.principles),
        rules=tuple(RuleSpec(r.id, r.principle, r.severity, dict(r.params)) for r in model.rules),
        source=source,
    )


def load_constitution(path: Path = DEFAULT_CONSTITUTION) -> Constitution:
    """Read and validate the constitution at `path`; raises ConstitutionError with the reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConstitutionError(f"cannot read the constitution {path}: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConstitutionError(f"{path}: not valid YAML: {exc}") from None
    return parse_constitution(data, str(path))
