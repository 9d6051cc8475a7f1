"""Signer and relayer keys in encrypted Ethereum keystores (Web3 Secret Storage v3).

Layout under the keystore directory (``<AZORA_HOME>/keystores`` by default)::

    .password                 dev only: the random password ensure_dev_keystores generated (0600)
    EDUCATION/signer-0.json   one keystore per signer key, per oracle domain (0600)
    EDUCATION/signer-1.json
    ...
    relayer/relayer.json      the key that pays gas for submissions

The address is in clear in every keystore (``azora.profiles.keystore_signers`` reads the
dev signer sets from it without the password); the key is scrypt-encrypted. Keys are
decrypted in memory only, never logged, never written in clear.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import tempfile
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from azora.profiles import ANVIL_ACCOUNTS
from oracles.eip712 import ORACLE_DOMAINS
from oracles.exceptions import KeystoreError
from oracles.settings import PASSWORD_FILE, RELAYER_DIR, OracleSettings

log = logging.getLogger("oracles.keys")

PASSWORD_ENV = "ORACLE_KEYSTORE_PASSWORD"
# scrypt work factor of dev keystores (`fast_kdf=True`): milliseconds instead of ~1 s per key.
# Production keystores keep eth-account's default (n = 2**18).
DEV_SCRYPT_N = 2**10
# The public anvil / hardhat development mnemonic. Only ever used to derive the dev relayer of
# a local chain (anvil account `index`); the derived address is checked against the known list.
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically with mode 0600 (directory 0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_keystore(
    path: Path, password: str, *, private_key: bytes | None = None, fast_kdf: bool = False
) -> str:
    """Encrypt `private_key` (a new random key by default) into a keystore at `path`; return its address.

    `fast_kdf` lowers the scrypt work factor for dev stacks only."""
    if path.exists():
        raise KeystoreError(f"{path} already exists; refusing to overwrite a keystore")
    account = Account.from_key(private_key) if private_key is not None else Account.create()
    keystore = Account.encrypt(
        account.key, password, kdf="scrypt", iterations=DEV_SCRYPT_N if fast_kdf else None
    )
    write_private(path, json.dumps(keystore))
    return str(account.address)


def keystore_address(path: Path) -> str:
    """The checksummed address of the keystore at `path` (read without decrypting)."""
    try:
        return to_checksum_address("0x" + str(json.loads(path.read_text())["address"]).removeprefix("0x"))
    except (OSError, ValueError, KeyError) as exc:
        raise KeystoreError(f"unreadable keystore {path}: {exc}") from exc


def load_keystore(path: Path, password: str) -> LocalAccount:
    """Decrypt the keystore at `path`."""
    try:
        keystore = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KeystoreError(f"unreadable keystore {path}: {exc}") from exc
    try:
        key = Account.decrypt(keystore, password)
    except ValueError as exc:  # "MAC mismatch": wrong password, or a corrupted file
        raise KeystoreError(f"cannot decrypt {path}: wrong password or corrupted keystore") from exc
    account: LocalAccount = Account.from_key(key)
    return account


def domain_keystores(keystore_dir: Path, domain: str) -> list[Path]:
    """The keystores of `domain`, in file-name order (`--index` counts in this order)."""
    return sorted((keystore_dir / domain).glob("*.json"))


def load_signer(keystore_dir: Path, domain: str, index: int, password: str) -> LocalAccount:
    """The `index`-th signer key of `domain`."""
    paths = domain_keystores(keystore_dir, domain)
    if not 0 <= index < len(paths):
        raise KeystoreError(
            f"{domain} has {len(paths)} keystores in {keystore_dir / domain}; no index {index}"
        )
    return load_keystore(paths[index], password)


def load_relayer(settings: OracleSettings) -> LocalAccount:
    """The relayer key (ORACLE_RELAYER_KEYSTORE, or the dev one under <keystores>/relayer/)."""
    return load_keystore(settings.relayer_keystore_path, settings.keystore_password_value())


def dev_password(keystore_dir: Path, env_var: str = PASSWORD_ENV, filename: str = PASSWORD_FILE) -> str:
    """`env_var` (default ORACLE_KEYSTORE_PASSWORD) if set, else the dev password file `filename`
    in `keystore_dir`, created (random, 0600) if missing."""
    if env := os.environ.get(env_var):
        return env
    path = keystore_dir / filename
    if path.is_file():
        return path.read_text().strip()
    password = secrets.token_urlsafe(32)
    write_private(path, password + "\n")
    log.info("generated a dev keystore password", extra={"path": str(path)})
    return password


def anvil_key(index: int) -> bytes:
    """The private key of anvil dev account `index` (derived from the public dev mnemonic)."""
    Account.enable_unaudited_hdwallet_features()
    account = Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    if index >= len(ANVIL_ACCOUNTS) or account.address != ANVIL_ACCOUNTS[index]:
        raise KeystoreError(f"anvil account {index} is not a known dev account")
    return bytes(account.key)


def ensure_dev_keystores(
    home: Path,
    domains: tuple[str, ...] = ORACLE_DOMAINS,
    n: int = 3,
    *,
    fast_kdf: bool = False,
    relayer_index: int | None = 0,
) -> dict[str, list[str]]:
    """Make sure `<home>/keystores` holds `n` signer keystores per domain (new random keys) and,
    unless `relayer_index` is None, the dev relayer keystore (anvil account `relayer_index`).

    The password is ORACLE_KEYSTORE_PASSWORD, else `<home>/keystores/.password` (generated on
    first use). `fast_kdf` (dev stacks, tests) keeps scrypt cheap. Existing keystores are kept.
    Returns each domain's signer addresses in ascending order (the order the hub wants)."""
    keystore_dir = home / "keystores"
    keystore_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    password = dev_password(keystore_dir)
    signers: dict[str, list[str]] = {}
    for domain in domains:
        existing = domain_keystores(keystore_dir, domain)
        index = len(existing)
        while len(existing) < n:
            path = keystore_dir / domain / f"signer-{index}.json"
            index += 1
            if path.exists():
                continue
            create_keystore(path, password, fast_kdf=fast_kdf)
            existing.append(path)
        addresses = [keystore_address(p) for p in domain_keystores(keystore_dir, domain)]
        signers[domain] = sorted(addresses, key=lambda a: int(a, 16))
    if relayer_index is not None:
        relayer = keystore_dir / RELAYER_DIR / "relayer.json"
        if not relayer.exists():
            address = create_keystore(
                relayer, password, private_key=anvil_key(relayer_index), fast_kdf=fast_kdf
            )
            log.info("dev relayer keystore written", extra={"address": address})
    log.info(
        "dev keystores ready", extra={"dir": str(keystore_dir), "domains": ",".join(domains), "per_domain": n}
    )
    return signers
