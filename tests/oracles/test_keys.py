"""oracles.keys: encrypted keystores, the dev keystore set and its password, no plaintext key on disk."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from eth_account import Account

from azora.profiles import ANVIL_ACCOUNTS, keystore_signers
from oracles.exceptions import KeystoreError, KeystorePasswordMissingError
from oracles.keys import (
    create_keystore,
    domain_keystores,
    ensure_dev_keystores,
    keystore_address,
    load_keystore,
    load_relayer,
    load_signer,
)
from oracles.settings import OracleSettings


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_keystore__round_trip__same_key_and_address(tmp_path: Path) -> None:
    account = Account.create()
    path = tmp_path / "k" / "key.json"
    address = create_keystore(path, "pw", private_key=bytes(account.key), fast_kdf=True)
    assert address == account.address == keystore_address(path)
    assert load_keystore(path, "pw").key == account.key
    assert json.loads(path.read_text())["crypto"]["kdf"] == "scrypt"
    assert _mode(path) == 0o600


def test_keystore__wrong_password__keystore_error_without_the_password(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    create_keystore(path, "right", fast_kdf=True)
    with pytest.raises(KeystoreError) as caught:
        load_keystore(path, "wrong-horse")
    assert "wrong-horse" not in str(caught.value)


def test_keystore__existing_file__never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    create_keystore(path, "pw", fast_kdf=True)
    before = path.read_bytes()
    with pytest.raises(KeystoreError, match="refusing to overwrite"):
        create_keystore(path, "pw", fast_kdf=True)
    assert path.read_bytes() == before


def test_dev_keystores__no_plaintext_key_or_password_leak__private_modes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORACLE_KEYSTORE_PASSWORD", raising=False)
    signers = ensure_dev_keystores(tmp_path, domains=("EDUCATION", "PRICE"), n=3, fast_kdf=True)
    keystores = tmp_path / "keystores"
    password_file = keystores / ".password"
    password = password_file.read_text().strip()
    assert len(password) >= 32 and _mode(password_file) == 0o600 and _mode(keystores) == 0o700
    files = [p for p in keystores.rglob("*") if p.is_file()]
    keys = []
    for path in files:
        if path.suffix == ".json":
            assert _mode(path) == 0o600
            keys.append(bytes(load_keystore(path, password).key))
    assert len(keys) == 3 * 2 + 1  # two domains and the relayer
    blobs = b"".join(p.read_bytes() for p in files)
    for key in keys:
        for form in (key.hex(), key.hex().upper(), "0x" + key.hex()):
            assert form.encode() not in blobs
        assert key not in blobs
    assert signers["EDUCATION"] == sorted(signers["EDUCATION"], key=lambda a: int(a, 16))
    assert {d: list(a) for d, a in keystore_signers(keystores).items()} == signers


def test_dev_keystores__run_twice__keeps_keys_and_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORACLE_KEYSTORE_PASSWORD", raising=False)
    first = ensure_dev_keystores(tmp_path, domains=("ETHICS",), n=2, fast_kdf=True)
    password = (tmp_path / "keystores" / ".password").read_text()
    assert ensure_dev_keystores(tmp_path, domains=("ETHICS",), n=2, fast_kdf=True) == first
    assert (tmp_path / "keystores" / ".password").read_text() == password
    grown = ensure_dev_keystores(tmp_path, domains=("ETHICS",), n=3, fast_kdf=True)
    assert set(first["ETHICS"]) < set(grown["ETHICS"]) and len(grown["ETHICS"]) == 3


def test_dev_keystores__password_env_var__used_and_no_file_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORACLE_KEYSTORE_PASSWORD", "from-the-environment")
    ensure_dev_keystores(tmp_path, domains=("MARKETPLACE",), n=1, fast_kdf=True, relayer_index=None)
    assert not (tmp_path / "keystores" / ".password").exists()
    load_signer(tmp_path / "keystores", "MARKETPLACE", 0, "from-the-environment")


def test_settings__no_password_anywhere__missing_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORACLE_KEYSTORE_PASSWORD", raising=False)
    settings = OracleSettings(home=tmp_path)
    with pytest.raises(KeystorePasswordMissingError, match="ORACLE_KEYSTORE_PASSWORD"):
        settings.keystore_password_value()


def test_settings__password__never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORACLE_KEYSTORE_PASSWORD", "sup3r-secret")
    monkeypatch.setenv("ORACLE_EDUCATION_PLATFORMS", '{"moodle": "hmac-secret"}')
    settings = OracleSettings()
    assert settings.keystore_password_value() == "sup3r-secret"
    assert "sup3r-secret" not in repr(settings) and "hmac-secret" not in repr(settings)


def test_dev_relayer__is_anvil_account_0(oracle_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORACLE_KEYSTORE_PASSWORD", raising=False)
    relayer = load_relayer(OracleSettings(home=oracle_home))
    assert relayer.address == ANVIL_ACCOUNTS[0]
    assert len(domain_keystores(oracle_home / "keystores", "EDUCATION")) == 3
