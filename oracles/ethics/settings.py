"""Settings of the ethics oracle's follower, prefix ``ETHICS_``.

The servers, the manifest and the submitter hand-off (Redis prefix, Celery queue) are the
oracle core's `OracleSettings` (``ORACLE_*``, or ``RPC_URL`` / ``DATABASE_URL`` /
``REDIS_URL``); what is specific to the follower is here. The bus stream and prefix fall
back to the indexer's ``INDEXER_BUS_STREAM`` / ``INDEXER_BUS_PREFIX``, so one environment
configures both ends of the stream.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from oracles.ethics.constitution import DEFAULT_CONSTITUTION
from oracles.ethics.evaluator import DEFAULT_EVALUATOR


class EthicsSettings(BaseSettings):
    """What `python -m oracles.ethics` reads besides the oracle core's settings."""

    model_config = SettingsConfigDict(env_prefix="ETHICS_", extra="ignore", populate_by_name=True)

    constitution_path: Path = Field(default=DEFAULT_CONSTITUTION, description="The constitution file (YAML).")
    evaluator: str = Field(
        default=DEFAULT_EVALUATOR,
        description="Dotted path `module:attribute` of the evaluator factory (called with the constitution).",
    )
    bus_stream: str = Field(
        default="azora:events",
        validation_alias=AliasChoices("ETHICS_BUS_STREAM", "INDEXER_BUS_STREAM"),
        description="The event bus stream the indexer publishes to.",
    )
    bus_prefix: str = Field(
        default="",
        validation_alias=AliasChoices("ETHICS_BUS_PREFIX", "INDEXER_BUS_PREFIX"),
        description="Prefix of the stream key (the indexer's INDEXER_BUS_PREFIX).",
    )
    group: str = Field(default="ethics-oracle", min_length=1, description="Consumer group on the stream.")
    consumer: str = Field(
        default="ethics-1",
        min_length=1,
        description="Consumer name; stable, so a restarted follower re-reads what it had not acknowledged.",
    )
    block_ms: int = Field(default=2_000, ge=10, description="XREADGROUP block time.")
    read_count: int = Field(default=200, ge=1, le=10_000, description="Messages per read.")
    claim_idle_ms: int = Field(
        default=60_000,
        ge=1_000,
        description="Take over messages another consumer left unacknowledged this long.",
    )
    max_attempts: int = Field(
        default=5,
        ge=1,
        description="Deliveries of a message whose handling crashes (not an outage) before it is skipped.",
    )
    retry_base_seconds: float = Field(default=0.5, gt=0, description="First delay after an outage (doubles).")
    retry_max_seconds: float = Field(default=30.0, gt=0)

    @property
    def stream(self) -> str:
        """The Redis key of the event stream."""
        return f"{self.bus_prefix}{self.bus_stream}"
