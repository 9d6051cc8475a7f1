"""The indexer's settings, read from the environment (prefix ``INDEXER_``).

``INDEXER_DATABASE_URL`` / ``INDEXER_RPC_URL`` / ``INDEXER_REDIS_URL`` fall back to the
conventional ``DATABASE_URL`` / ``RPC_URL`` / ``REDIS_URL``, like `azora.settings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from azora.db import sqlalchemy_url
from azora.settings import PROJECT_ROOT

BlockTag = Literal["latest", "safe", "finalized"]


class IndexerSettings(BaseSettings):
    """Settings of the chain -> PostgreSQL indexer."""

    model_config = SettingsConfigDict(env_prefix="INDEXER_", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("INDEXER_DATABASE_URL", "DATABASE_URL"),
        description="PostgreSQL URL (postgresql:// or postgresql+psycopg://).",
    )
    rpc_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("INDEXER_RPC_URL", "RPC_URL"),
        description="JSON-RPC endpoint of the chain.",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("INDEXER_REDIS_URL", "REDIS_URL"),
        description="Redis for the event bus; unset disables publishing.",
    )
    manifest_path: Path = Field(
        default=PROJECT_ROOT / "deployments" / "local.json", description="Deployment manifest to index."
    )

    # Which blocks are indexed and which are final.
    confirmations: int = Field(default=0, ge=0, description="Index up to head - confirmations (0 on anvil).")
    head_tag: BlockTag = Field(
        default="latest", description="Head to follow: latest (minus confirmations), safe or finalized."
    )
    reorg_window: int = Field(
        default=128,
        ge=1,
        description="Blocks below the head kept unfinalised (headers stored, reorgs handled).",
    )
    finality_tag: Literal["none", "safe", "finalized"] = Field(
        default="none",
        description="Also treat blocks at or below this tag as final (real networks: finalized).",
    )

    # eth_getLogs ranges.
    initial_range: int = Field(default=100, ge=1, description="First eth_getLogs block range (grows x2).")
    min_range: int = Field(default=1, ge=1)
    max_range: int = Field(default=100_000, ge=1, description="Largest eth_getLogs block range.")
    target_logs: int = Field(
        default=20_000, ge=1, description="Ranges grow while a response holds fewer logs than this."
    )
    concurrency: int = Field(default=4, ge=1, le=64, description="eth_getLogs requests in flight.")
    header_batch: int = Field(default=200, ge=1, description="eth_getBlockByNumber calls per JSON-RPC batch.")

    # RPC robustness.
    rpc_timeout: float = Field(default=30.0, gt=0, description="Seconds per HTTP request.")
    rpc_retries: int = Field(default=8, ge=0, description="Retries of a failed call before giving up.")
    backoff_base: float = Field(default=0.2, gt=0, description="First retry delay in seconds (doubles).")
    backoff_max: float = Field(default=10.0, gt=0, description="Longest retry delay in seconds.")

    # Loop.
    poll_interval: float = Field(default=1.0, gt=0, description="Seconds between head polls when caught up.")

    # Event bus.
    bus_stream: str = Field(default="azora:events", description="Redis stream name (without prefix).")
    bus_prefix: str = Field(default="", description="Key prefix (tests use a unique one).")
    bus_maxlen: int = Field(default=1_000_000, ge=0, description="Approximate stream cap (0: unbounded).")

    @field_validator("database_url")
    @classmethod
    def _psycopg_driver(cls, value: str | None) -> str | None:
        """Accept plain postgresql:// URLs and use the psycopg 3 driver."""
        return None if value is None else sqlalchemy_url(value)
