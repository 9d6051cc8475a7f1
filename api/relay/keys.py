"""The API relayer's key: an encrypted keystore (Web3 Secret Storage v3), never the oracle relayer's.

Layout (dev)::

    <home>/keystores/api-relayer/relayer.json   the key that pays gas for relayed delegations and votes
    <home>/keystores/api-relayer/.password      dev only: its random password (0600)

Production sets ``API_RELAYER_KEYSTORE`` and ``API_RELAYER_KEYSTORE_PASSWORD`` (a secret with no
default). On a dev stack, `ensure_dev_relayer_keystore` encrypts anvil account 7 (the oracle
submitter pays from account 8: two keys, two independent nonce sequences). The key is decrypted
in memory only, never logged, never written in clear.
"""

from __future__ import annotations

import logging
from pathlib import Path

from eth_account.signers.local import LocalAccount

from api.relay.exceptions import RelayUnavailableError
from api.settings import RELAYER_DIR, RELAYER_KEYSTORE, RELAYER_PASSWORD_FILE, ApiSettings
from oracles.exceptions import KeystoreError
from oracles.keys import anvil_key, create_keystore, dev_password, keystore_address, load_keystore

log = logging.getLogger("azora.api.relay")

PASSWORD_ENV = "API_RELAYER_KEYSTORE_PASSWORD"
# anvil account 7 (0x14dC79964da2C08b23698B3D3cc7Ca32193d9955); the oracle relayer is account 8.
DEV_RELAYER_INDEX = 7


def relayer_password(settings: ApiSettings) -> str:
    """API_RELAYER_KEYSTORE_PASSWORD, else the .password file beside the keystore; no built-in default."""
    if settings.relayer_keystore_password is not None:
        return settings.relayer_keystore_password.get_secret_value()
    path = settings.relayer_keystore_path.parent / RELAYER_PASSWORD_FILE
    if path.is_file():
        return path.read_text().strip()
    raise RelayUnavailableError(
        f"the relayer keystore password is not set: set {PASSWORD_ENV} (no dev password file {path})"
    )


def load_relayer(settings: ApiSettings) -> LocalAccount:
    """Decrypt the relayer key (slow on purpose: scrypt; call it off the event loop)."""
    path = settings.relayer_keystore_path
    if not path.is_file():
        raise RelayUnavailableError(
            f"no relayer keystore at {path}: set API_RELAYER_KEYSTORE "
            "(a dev stack creates one with api.relay.keys.ensure_dev_relayer_keystore)"
        )
    try:
        return load_keystore(path, relayer_password(settings))
    except KeystoreError as exc:
        raise RelayUnavailableError(f"cannot load the relayer key: {exc}") from exc


def ensure_dev_relayer_keystore(home: Path, *, index: int = DEV_RELAYER_INDEX, fast_kdf: bool = True) -> str:
    """Make sure `<home>/keystores/api-relayer/relayer.json` exists, encrypting anvil account `index`
    (default 7); return its address. An existing keystore is kept whatever its key.

    The password is API_RELAYER_KEYSTORE_PASSWORD when set, else `.password` beside the keystore,
    generated (random, 0600) on first use. `fast_kdf` keeps scrypt cheap: dev stacks and tests only."""
    directory = home / "keystores" / RELAYER_DIR
    path = directory / RELAYER_KEYSTORE
    if path.exists():
        return keystore_address(path)
    password = dev_password(directory, PASSWORD_ENV, RELAYER_PASSWORD_FILE)
    address = create_keystore(path, password, private_key=anvil_key(index), fast_kdf=fast_kdf)
    log.info("dev API relayer keystore written", extra={"address": address, "path": str(path)})
    return address
