"""Errors of the oracle services. Each docstring says what happened and how to fix it."""

from __future__ import annotations


class OracleError(Exception):
    """Base class of every oracle error."""


class KeystoreError(OracleError):
    """A keystore cannot be read or decrypted. Check the path and ORACLE_KEYSTORE_PASSWORD; in dev,
    `<AZORA_HOME>/keystores/.password` holds the generated password."""


class KeystorePasswordMissingError(KeystoreError):
    """No keystore password: set ORACLE_KEYSTORE_PASSWORD (there is no default). In dev,
    `ensure_dev_keystores` writes one to `<AZORA_HOME>/keystores/.password` and it is used when the
    variable is unset."""


class OracleConfigError(OracleError):
    """The oracle settings are incomplete (no RPC, database or Redis URL, no manifest, no relayer
    keystore). The message names what is missing and the ORACLE_* variable that sets it."""


class InvalidRequestError(OracleError):
    """A signing request is malformed or asks for something this signer will not attest (wrong chain
    or hub, unknown schema, invalid payload, expired). The request is acknowledged and skipped."""


class RpcUnavailableError(OracleError):
    """The JSON-RPC node did not answer (connection refused, timeout, 5xx). The submitter backs off
    and retries; check RPC_URL / ORACLE_RPC_URL if it persists."""


class UnknownCompletionError(OracleError):
    """No completion with this id was reported by this platform (the id is the completion's
    attestation uid, as returned by the intake)."""


class CompletionNotConfirmedError(OracleError):
    """The completion is not confirmed, so there is no credential on chain to revoke yet. Its
    current status is in ``status``."""

    def __init__(self, message: str, status: str) -> None:
        super().__init__(message)
        self.status = status
