"""Settings of the REST API.

One `ApiSettings` object read from the environment with the prefix ``API_``. The three
server URLs also answer to their conventional unprefixed names (``DATABASE_URL``,
``REDIS_URL``, ``RPC_URL``), so one environment drives every Azora service::

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/azora \
    REDIS_URL=redis://127.0.0.1:6379/0 RPC_URL=http://127.0.0.1:8545 \
    uvicorn api.main:create_app --factory
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from azora.settings import PROJECT_ROOT
from azora.settings import get_settings as get_azora_settings

ASYNC_DRIVER = "postgresql+psycopg"
# The API relayer's keystore and dev password file, under <home>/keystores/ (see api/relay/keys.py).
RELAYER_DIR = "api-relayer"
RELAYER_KEYSTORE = "relayer.json"
RELAYER_PASSWORD_FILE = ".password"


def async_database_url(url: str) -> str:
    """`url` with the async psycopg 3 driver (``postgresql+psycopg://``), whatever scheme it came with."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError("the database URL must look like postgresql://user@host:5432/name")
    if scheme in ("postgres", "postgresql") or scheme.startswith("postgresql+"):
        return f"{ASYNC_DRIVER}://{rest}"
    raise ValueError(f"unsupported database scheme {scheme!r}; the API needs PostgreSQL")


class ApiSettings(BaseSettings):
    """Everything the API process needs to know. The database URL is the only required value."""

    model_config = SettingsConfigDict(env_prefix="API_", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        validation_alias=AliasChoices("API_DATABASE_URL", "DATABASE_URL"),
        description="PostgreSQL with the indexer's tables; any postgres:// scheme (psycopg async is used).",
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("API_REDIS_URL", "REDIS_URL"),
        description="Redis for the per-IP rate limit; unset disables rate limiting.",
    )
    rpc_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("API_RPC_URL", "RPC_URL"),
        description="JSON-RPC node `/ready` compares the indexer's cursor with; unset, `/ready` fails.",
    )
    chain_id: int | None = Field(
        default=None,
        description="Chain to serve when the database indexes several; default: the only one indexed.",
    )
    rate_limit_per_minute: int = Field(default=600, ge=1, description="Requests per client IP per minute.")
    rate_limit_prefix: str = Field(default="azora:api:ratelimit:", description="Redis key prefix.")
    rate_limit_exempt_paths: tuple[str, ...] = Field(
        default=("/health", "/metrics"), description="Paths never rate limited (probes and scrapers)."
    )
    cors_origins: list[str] = Field(default_factory=list, description='Allowed CORS origins, e.g. ["*"].')
    default_page_limit: int = Field(default=50, ge=1)
    max_page_limit: int = Field(default=500, ge=1)
    ready_max_lag_blocks: int | None = Field(
        default=None, ge=0, description="`/ready` answers 503 when the indexer lags more blocks than this."
    )
    ledger_recompute_max_entries: int = Field(
        default=200_000, ge=0, description="Largest ledger `/v1/ledger/verify?recompute=true` walks."
    )
    rpc_timeout_seconds: float = Field(default=2.0, gt=0)
    db_pool_size: int = Field(default=10, ge=1)
    db_statement_timeout_ms: int = Field(
        default=5_000, ge=0, description="PostgreSQL statement_timeout of API sessions (0 = none)."
    )

    # Wallet-signed write relays (api/relay, docs/api-relays.md).
    home: Path = Field(
        default=PROJECT_ROOT / ".azora",
        validation_alias=AliasChoices("API_HOME", "AZORA_HOME"),
        description="Data directory; the dev relayer keystore is <home>/keystores/api-relayer/relayer.json.",
    )
    manifest_path: Path = Field(
        default_factory=lambda: get_azora_settings().manifest_path(),
        description="Deployment manifest: the contracts relays may target and the chain id they must carry.",
    )
    relayer_keystore: Path | None = Field(
        default=None, description="Keystore of the key that pays gas for relayed delegations and votes."
    )
    relayer_keystore_password: SecretStr | None = Field(
        default=None,
        description="Its password (no default; a dev stack falls back to the 0600 .password file beside it).",
    )
    relay_max_gas: int = Field(
        default=1_000_000, ge=21_000, description="Largest gas limit of a relayed transaction (ours or raw)."
    )
    relay_gas_margin_percent: int = Field(default=25, ge=0, description="Added to eth_estimateGas.")
    relay_max_fee_per_gas_wei: int = Field(
        default=500_000_000_000, gt=0, description="The relayer never bids more than this per gas (500 gwei)."
    )
    relay_min_priority_fee_wei: int = Field(default=1_000_000_000, ge=0, description="Tip floor (1 gwei).")
    relay_fee_history_blocks: int = Field(default=10, ge=1, le=1024)
    relay_priority_fee_percentile: float = Field(default=50.0, ge=0, le=100)
    relay_rate_limit_per_address: int = Field(
        default=30, ge=1, description="Relays per signer address (delegator, voter, sender) per window."
    )
    relay_rate_limit_window_seconds: int = Field(default=3_600, ge=1)
    relay_lock_ttl_seconds: float = Field(
        default=10.0, gt=0, description="Expiry of the relayer's Redis nonce lock (a killed process's lapse)."
    )
    relay_nonce_memory_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How long the last nonce sent is trusted over a node that has not seen it yet.",
    )
    relay_redis_prefix: str = Field(
        default="azora:api:relay:", description="Redis prefix of the relayer lock, nonce and address limits."
    )
    relay_replace_after_seconds: float = Field(
        default=60.0,
        gt=0,
        description="A relayer transaction still pending this long is replaced (same nonce, fees +12.5%).",
    )
    relay_replace_check_seconds: float = Field(
        default=15.0, ge=0, description="How often the API looks for stuck relayer transactions (0: never)."
    )
    relay_sent_ttl_seconds: float = Field(
        default=86_400.0,
        gt=0,
        description="How long a relayed transaction's record (for GET /v1/relay/transactions) is kept.",
    )
    relay_simulate_raw_transactions: bool = Field(
        default=True, description="eth_call a raw transaction before broadcasting it (a revert is a 422)."
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @property
    def relayer_keystore_path(self) -> Path:
        """API_RELAYER_KEYSTORE, else the dev keystore under <home>/keystores/api-relayer/."""
        return self.relayer_keystore or self.home / "keystores" / RELAYER_DIR / RELAYER_KEYSTORE


@lru_cache
def get_api_settings() -> ApiSettings:
    """The process-wide settings (read once from the environment)."""
    return ApiSettings()  # type: ignore[call-arg]  # database_url comes from the environment
