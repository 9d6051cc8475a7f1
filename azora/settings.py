"""The kernel's settings: where the chain, database, Redis and local state are.

One `AzoraSettings` object, read from the environment (prefix ``AZORA_``). The three
server URLs also answer to their conventional unprefixed names (``RPC_URL``,
``DATABASE_URL``, ``REDIS_URL``): when set, the real servers are used instead of the
embedded ones that ``azora up`` starts.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class AzoraSettings(BaseSettings):
    """Settings shared by every Azora service."""

    model_config = SettingsConfigDict(env_prefix="AZORA_", extra="ignore")

    home: Path = Field(default=PROJECT_ROOT / ".azora", description="Data directory of embedded services.")
    deployments_dir: Path = Field(default=PROJECT_ROOT / "deployments", description="Deployment manifests.")
    network: str = Field(default="local", description="Manifest name: local, sepolia, mainnet.")
    ape_network: str = Field(default="ethereum:local:foundry", description="Ape network choice for deploys.")
    profile: str = Field(default="dev", description="Deploy profile: dev or production.")
    admin: str | None = Field(default=None, description="Address that receives every admin role.")
    anvil_port: int = 8545
    api_port: int = 8000
    redis_port: int = Field(default=6390, description="Port of the embedded Redis (a free one if taken).")
    rpc_url: str | None = Field(default=None, validation_alias=AliasChoices("AZORA_RPC_URL", "RPC_URL"))
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("AZORA_DATABASE_URL", "DATABASE_URL")
    )
    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("AZORA_REDIS_URL", "REDIS_URL"))

    def manifest_path(self, network: str | None = None) -> Path:
        """Where the deployment manifest of `network` (default: this network) lives."""
        return self.deployments_dir / f"{network or self.network}.json"


@lru_cache
def get_settings() -> AzoraSettings:
    """The process-wide settings (read once from the environment)."""
    return AzoraSettings()
