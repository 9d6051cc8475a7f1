"""Settings of the oracle services (signers, submitter worker, intake), prefix ``ORACLE_``.

The server URLs fall back to the conventional unprefixed names (``RPC_URL``,
``DATABASE_URL``, ``REDIS_URL``) like every Azora service. Secrets have no default:

* ``ORACLE_KEYSTORE_PASSWORD`` decrypts the signer and relayer keystores. When it is
  unset, `keystore_password()` falls back to ``<keystore dir>/.password``, the random
  password `oracles.keys.ensure_dev_keystores` writes for a dev stack (mode 0600).
* ``ORACLE_EDUCATION_PLATFORMS`` is a JSON object ``{"platform": "hmac secret"}``.

Nothing here is ever logged: secrets are `SecretStr` and print as ``**********``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from azora.db import sqlalchemy_url
from azora.settings import PROJECT_ROOT, get_settings
from oracles.exceptions import KeystorePasswordMissingError, OracleConfigError

PASSWORD_FILE = ".password"
RELAYER_DIR = "relayer"


def _default_manifest() -> Path:
    return get_settings().manifest_path()


class OracleSettings(BaseSettings):
    """Everything the oracle processes need; each process reads only what it uses."""

    model_config = SettingsConfigDict(env_prefix="ORACLE_", extra="ignore", populate_by_name=True)

    # Where things are.
    home: Path = Field(
        default=PROJECT_ROOT / ".azora",
        validation_alias=AliasChoices("ORACLE_HOME", "AZORA_HOME"),
        description="Data directory; keystores live in <home>/keystores unless ORACLE_KEYSTORE_DIR is set.",
    )
    keystore_dir: Path | None = Field(default=None, description="Signer keystores: <dir>/<DOMAIN>/*.json.")
    keystore_password: SecretStr | None = Field(
        default=None, description="Password of every keystore (no default; dev falls back to .password)."
    )
    relayer_keystore: Path | None = Field(
        default=None, description="Keystore of the relayer key that pays gas (default <keystores>/relayer/)."
    )
    manifest_path: Path = Field(default_factory=_default_manifest, description="Deployment manifest.")
    rpc_url: str | None = Field(default=None, validation_alias=AliasChoices("ORACLE_RPC_URL", "RPC_URL"))
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ORACLE_DATABASE_URL", "DATABASE_URL")
    )
    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ORACLE_REDIS_URL", "REDIS_URL"),
        description="Redis: Celery broker, signature collection, locks.",
    )
    redis_prefix: str = Field(default="", description="Prefix of every Redis key (tests use a unique one).")
    queue: str = Field(default="azora.oracles", description="Celery queue of the submitter tasks.")

    # Signatures.
    attestation_ttl_seconds: int = Field(default=3_600, ge=60, description="Deadline = chain time + this.")
    deadline_margin_seconds: int = Field(
        default=120, ge=0, description="Re-sign an attestation whose deadline is closer than this."
    )
    signature_timeout_seconds: float = Field(
        default=30.0, gt=0, description="Publish the signing request again when the threshold is not met."
    )
    max_sign_attempts: int = Field(
        default=5, ge=1, description="Signing rounds (expired / stale epoch) before a submission fails."
    )

    # Transactions.
    batch_size: int = Field(default=32, ge=1, le=64, description="Attestations per submit_batch (hub: 64).")
    max_pending_txs: int = Field(default=4, ge=1, description="Unconfirmed transactions per relayer.")
    confirmations: int = Field(default=0, ge=0, description="Blocks on top of a receipt before confirmed.")
    replace_after_seconds: float = Field(
        default=60.0, gt=0, description="Replace a transaction still pending after this (same nonce)."
    )
    drop_after_seconds: float = Field(
        default=30.0,
        ge=0,
        description="Give up a nonce taken by a transaction we do not know only after this long (a node "
        "may report the new nonce before it serves the receipt of ours).",
    )
    fee_bump_permille: int = Field(
        default=125, ge=125, description="Replacement fee increase in per mille (125 = 12.5%, the minimum)."
    )
    fee_history_blocks: int = Field(default=10, ge=1, le=1024)
    priority_fee_percentile: float = Field(default=50.0, ge=0, le=100)
    min_priority_fee_wei: int = Field(default=1_000_000_000, ge=0, description="Tip floor (1 gwei).")
    max_fee_per_gas_wei: int = Field(
        default=500_000_000_000, gt=0, description="Never bid more than this per gas (500 gwei)."
    )
    gas_margin_percent: int = Field(default=25, ge=0, description="Added to eth_estimateGas.")
    rpc_timeout_seconds: float = Field(default=10.0, gt=0)
    max_tx_attempts: int = Field(
        default=5, ge=1, description="Reverted or dropped sends of one submission before it fails."
    )

    # The worker's loop.
    poll_interval_seconds: float = Field(default=1.0, gt=0, description="Tick period while work is pending.")
    idle_interval_seconds: float = Field(default=5.0, gt=0, description="Tick period when idle.")
    backoff_base_seconds: float = Field(default=0.5, gt=0, description="First retry delay (doubles).")
    backoff_max_seconds: float = Field(default=30.0, gt=0)
    lock_ttl_seconds: float = Field(
        default=30.0, gt=0, description="Expiry of the relayer and uid locks (a killed worker's lapse)."
    )

    # Signer processes.
    signer_block_ms: int = Field(default=1_000, ge=10, description="XREADGROUP block time.")

    # Education intake: {"platform": "hmac secret"} as JSON.
    education_platforms: dict[str, SecretStr] = Field(default_factory=dict)

    @field_validator("database_url")
    @classmethod
    def _psycopg_driver(cls, value: str | None) -> str | None:
        return None if value is None else sqlalchemy_url(value)

    @property
    def keystores(self) -> Path:
        """The keystore directory: ORACLE_KEYSTORE_DIR or <home>/keystores."""
        return self.keystore_dir or self.home / "keystores"

    @property
    def relayer_keystore_path(self) -> Path:
        """The relayer's keystore: ORACLE_RELAYER_KEYSTORE, else the only file in <keystores>/relayer/."""
        if self.relayer_keystore is not None:
            return self.relayer_keystore
        found = sorted((self.keystores / RELAYER_DIR).glob("*.json"))
        if len(found) != 1:
            raise OracleConfigError(
                f"no single relayer keystore in {self.keystores / RELAYER_DIR}; "
                "set ORACLE_RELAYER_KEYSTORE (or run ensure_dev_keystores for a dev stack)"
            )
        return found[0]

    def keystore_password_value(self) -> str:
        """ORACLE_KEYSTORE_PASSWORD, else the dev password file; never a built-in default."""
        if self.keystore_password is not None:
            return self.keystore_password.get_secret_value()
        path = self.keystores / PASSWORD_FILE
        if path.is_file():
            return path.read_text().strip()
        raise KeystorePasswordMissingError(
            f"set ORACLE_KEYSTORE_PASSWORD (no {path} dev password file either)"
        )

    def require(self, *names: str) -> None:
        """Raise OracleConfigError naming the first of `names` (rpc_url, database_url, redis_url) unset."""
        for name in names:
            if getattr(self, name) is None:
                variable = f"ORACLE_{name.upper()} or {name.upper()}"
                raise OracleConfigError(f"{name} is not set: set {variable}")


@lru_cache
def get_oracle_settings() -> OracleSettings:
    """The process-wide settings (read once from the environment)."""
    return OracleSettings()
