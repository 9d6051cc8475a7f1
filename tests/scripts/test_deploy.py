"""The deploy script on anvil: idempotent, correct manifest, admin handed over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import ape
import pytest

from azora.deploy import deploy, manifest_is_live
from azora.exceptions import ProfileError
from azora.manifest import load_abi, load_manifest
from azora.profiles import dev_profile, get_profile
from azora.settings import PROJECT_ROOT


def _deploy(project: Any, chain: Any, deployer: Any, path: Path, **kwargs: Any) -> Any:
    return deploy(
        project=project,
        provider=chain.provider,
        deployer=deployer,
        profile=dev_profile(),
        network="local",
        manifest_path=path,
        **kwargs,
    )


def test_deploy__twice__second_run_reuses_the_first(project, chain, deployer, tmp_path):
    path = tmp_path / "local.json"
    first = _deploy(project, chain, deployer, path)
    nonce_after_first = deployer.nonce
    second = _deploy(project, chain, deployer, path)

    assert not first.reused
    assert second.reused
    assert second.manifest == first.manifest
    assert deployer.nonce == nonce_after_first  # nothing was sent the second time
    assert load_manifest(path) == first.manifest


def test_deploy__manifest__records_live_contracts_with_abis(project, chain, deployer, tmp_path):
    path = tmp_path / "local.json"
    manifest = _deploy(project, chain, deployer, path).manifest
    profile = dev_profile()

    assert manifest.chain_id == chain.chain_id
    assert manifest.profile == "dev"
    assert set(manifest.contracts) == {
        "AzoraToken",
        "Ledger",
        "OracleHub",
        "Credentials",
        "ProofOfKnowledge",
        "AzoraTimelock",
        "AzoraGovernor",
    }
    assert manifest_is_live(manifest, chain.provider)
    for name, record in manifest.contracts.items():
        assert chain.provider.get_code(record.address)
        receipt = chain.provider.get_receipt(record.tx_hash)
        assert receipt.block_number == record.block_number
        assert receipt.contract_address == record.address
        abi_names = {item["name"] for item in load_abi(path, manifest, name) if "name" in item}
        expected = {
            "AzoraToken": "delegateBySig",
            "Ledger": "record",
            "OracleHub": "submit_batch",
            "Credentials": "locked",
            "ProofOfKnowledge": "on_attestation",
            "AzoraTimelock": "execute_batch",
            "AzoraGovernor": "castVoteBySig",
        }[name]
        assert expected in abi_names

    token = project.AzoraToken.at(manifest.address("AzoraToken"))
    for allocation in profile.genesis:
        assert token.balanceOf(allocation.recipient) == allocation.amount
    assert token.totalSupply() == profile.genesis_total == 80_000_000 * 10**18


def test_deploy__proof_of_knowledge__holds_its_roles_and_schemas(project, chain, deployer, tmp_path):
    manifest = _deploy(project, chain, deployer, tmp_path / "local.json").manifest
    token = project.AzoraToken.at(manifest.address("AzoraToken"))
    ledger = project.Ledger.at(manifest.address("Ledger"))
    credentials = project.Credentials.at(manifest.address("Credentials"))
    hub = project.OracleHub.at(manifest.address("OracleHub"))
    pok = manifest.address("ProofOfKnowledge")

    assert token.hasRole(token.MINTER_ROLE(), pok)
    assert ledger.hasRole(ledger.WRITER_ROLE(), pok)
    assert credentials.hasRole(credentials.ISSUER_ROLE(), pok)
    schema = hub.schemas(project.ProofOfKnowledge.at(pok).COURSE_COMPLETED())
    assert schema.consumer == pok
    assert schema.revocable
    assert schema.domain == hub.EDUCATION()


def test_deploy__dev_keystores__become_the_oracle_signer_sets(project, chain, deployer, tmp_path):
    from eth_account import Account

    keystores = tmp_path / "keystores"
    accounts_by_domain = {d: [Account.create() for _ in range(3)] for d in ("EDUCATION", "ETHICS")}
    for domain, accts in accounts_by_domain.items():
        (keystores / domain).mkdir(parents=True)
        for i, acct in enumerate(accts):
            keystore = Account.encrypt(acct.key, "pw", iterations=2)
            (keystores / domain / f"signer-{i}.json").write_text(json.dumps(keystore))

    outcome = deploy(
        project=project,
        provider=chain.provider,
        deployer=deployer,
        profile=dev_profile(keystores),
        network="local",
        manifest_path=tmp_path / "local.json",
    )
    hub = project.OracleHub.at(outcome.manifest.address("OracleHub"))
    for domain, accts in accounts_by_domain.items():
        key = getattr(hub, domain)()
        assert hub.epoch(key) == 1
        assert hub.threshold(key) == 2
        for acct in accts:
            assert hub.is_signer(key, acct.address)
    assert hub.threshold(hub.PRICE()) == 0  # no keystores, no signer set


def test_deploy__admin_given__deployer_keeps_no_role(project, chain, deployer, governance, tmp_path):
    manifest = _deploy(project, chain, deployer, tmp_path / "local.json", admin=governance.address).manifest
    token = project.AzoraToken.at(manifest.address("AzoraToken"))
    ledger = project.Ledger.at(manifest.address("Ledger"))
    others = [
        project.OracleHub.at(manifest.address("OracleHub")),
        project.Credentials.at(manifest.address("Credentials")),
        project.ProofOfKnowledge.at(manifest.address("ProofOfKnowledge")),
    ]

    assert manifest.admin == governance.address
    for contract in (token, ledger, *others):
        admin_role = contract.DEFAULT_ADMIN_ROLE()
        assert contract.hasRole(admin_role, governance)
        assert not contract.hasRole(admin_role, deployer)
    with ape.reverts("access_control: account is missing role"):
        token.grantRole(token.MINTER_ROLE(), deployer, sender=deployer)
    with ape.reverts("token: caller is not a minter"):
        token.mint(deployer, 1, sender=deployer)
    with ape.reverts("access_control: account is missing role"):
        ledger.grantRole(ledger.WRITER_ROLE(), deployer, sender=deployer)


def test_deploy__chain_restarted__stale_manifest_redeploys(project, chain, deployer, tmp_path):
    path = tmp_path / "local.json"
    snapshot = chain.snapshot()
    first = _deploy(project, chain, deployer, path).manifest
    chain.restore(snapshot)  # the contracts are gone, as after an anvil restart

    assert not manifest_is_live(first, chain.provider)
    again = _deploy(project, chain, deployer, path)
    assert not again.reused
    assert manifest_is_live(again.manifest, chain.provider)


def test_profile__unknown_name__is_refused():
    with pytest.raises(ProfileError, match="unknown deploy profile"):
        get_profile("staging")


def test_profile__production_without_genesis_file__is_refused(monkeypatch):
    monkeypatch.delenv("AZORA_GENESIS_FILE", raising=False)
    with pytest.raises(ProfileError, match="AZORA_GENESIS_FILE"):
        get_profile("production")


def test_profile__production_genesis_file__is_read(monkeypatch, tmp_path, treasury, alice):
    genesis = tmp_path / "genesis.yaml"
    genesis.write_text(
        f'treasury: "{treasury.address}"\ngenesis:\n'
        f'  - {{recipient: "{treasury.address}", amount_azr: 40000000}}\n'
        f'  - {{recipient: "{alice.address}", amount_azr: 5}}\n'
    )
    monkeypatch.setenv("AZORA_GENESIS_FILE", str(genesis))
    profile = get_profile("production")
    assert profile.treasury == treasury.address
    assert profile.genesis_total == 40_000_005 * 10**18


def test_ape_run_deploy__twice_on_the_same_chain__one_deployment(chain, tmp_path):
    env = {
        **os.environ,
        "APE_FOUNDRY_HOST": chain.provider.uri,
        "AZORA_DEPLOYMENTS_DIR": str(tmp_path),
    }
    argv = [str(Path(sys.executable).parent / "ape"), "run", "deploy", "--network", "ethereum:local:foundry"]
    first = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr + first.stdout
    assert "Azora contracts deployed on local" in first.stdout
    manifest_text = (tmp_path / "local.json").read_text()

    second = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert second.returncode == 0, second.stderr + second.stdout
    assert "already deployed (reused)" in second.stdout
    assert (tmp_path / "local.json").read_text() == manifest_text
    data = json.loads(manifest_text)
    for record in data["contracts"].values():
        assert record["address"] in second.stdout


def test_profile__anvil_accounts__are_the_dev_mnemonic_accounts(accounts):
    from azora.profiles import ANVIL_ACCOUNTS

    assert list(ANVIL_ACCOUNTS) == [accounts[i].address for i in range(len(ANVIL_ACCOUNTS))]


def test_deploy__default__timelock_administers_every_contract(project, chain, deployer, tmp_path):
    manifest = _deploy(project, chain, deployer, tmp_path / "local.json").manifest
    timelock = project.AzoraTimelock.at(manifest.address("AzoraTimelock"))
    governor = project.AzoraGovernor.at(manifest.address("AzoraGovernor"))
    hub = project.OracleHub.at(manifest.address("OracleHub"))

    assert manifest.admin == timelock.address
    for name in ("AzoraToken", "Ledger", "OracleHub", "Credentials", "ProofOfKnowledge"):
        contract = project.get_contract(name).at(manifest.address(name))
        assert contract.hasRole(contract.DEFAULT_ADMIN_ROLE(), timelock), name
        assert not contract.hasRole(contract.DEFAULT_ADMIN_ROLE(), deployer), name
    # The Governor drives the Timelock; nobody else does, and the Timelock administers itself.
    for role in (timelock.PROPOSER_ROLE(), timelock.EXECUTOR_ROLE(), timelock.CANCELLER_ROLE()):
        assert timelock.hasRole(role, governor)
        assert not timelock.hasRole(role, deployer)
    assert timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), timelock)
    assert not timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), deployer)
    assert governor.timelock() == timelock.address
    assert governor.token() == manifest.address("AzoraToken")
    assert timelock.get_minimum_delay() == dev_profile().governance.timelock_delay
    # Constitutional reviews (ETHICS domain) are routed to the Governor and cannot be revoked.
    review = hub.schemas(governor.PROPOSAL_REVIEWED())
    assert review.domain == hub.ETHICS()
    assert review.consumer == governor.address
    assert not review.revocable


def test_deploy__default__deployer_can_do_nothing_privileged(project, chain, deployer, alice, tmp_path):
    manifest = _deploy(project, chain, deployer, tmp_path / "local.json").manifest

    def at(name: str) -> Any:
        return project.get_contract(name).at(manifest.address(name))

    token, ledger, hub, credentials, pok = (
        at("AzoraToken"),
        at("Ledger"),
        at("OracleHub"),
        at("Credentials"),
        at("ProofOfKnowledge"),
    )
    timelock, governor = at("AzoraTimelock"), at("AzoraGovernor")
    missing_role = "access_control: account is missing role"
    attempts = [
        ("token: caller is not a minter", lambda: token.mint(deployer, 1, sender=deployer)),
        (missing_role, lambda: token.grantRole(token.MINTER_ROLE(), deployer, sender=deployer)),
        (
            "ledger: caller is not a writer",
            lambda: ledger.record(ledger.REWARD(), alice, 1, b"\x01" * 32, sender=deployer),
        ),
        (missing_role, lambda: ledger.grantRole(ledger.WRITER_ROLE(), deployer, sender=deployer)),
        (
            "hub: caller is not the admin",
            lambda: hub.set_signers(hub.ETHICS(), [deployer], 1, sender=deployer),
        ),
        (
            "hub: caller is not the admin",
            lambda: hub.register_schema(b"\x02" * 32, hub.ETHICS(), alice, False, sender=deployer),
        ),
        (missing_role, lambda: hub.grantRole(hub.DEFAULT_ADMIN_ROLE(), deployer, sender=deployer)),
        (
            "credentials: caller is not an issuer",
            lambda: credentials.issue(alice, 1, 90, 2, 7, sender=deployer),
        ),
        (missing_role, lambda: credentials.grantRole(credentials.ISSUER_ROLE(), deployer, sender=deployer)),
        ("pok: caller is not the admin", lambda: pok.set_epoch_budget(1, sender=deployer)),
        ("pok: caller is not the admin", lambda: pok.set_daily_cap(1, sender=deployer)),
        ("pok: caller is not the admin", lambda: pok.set_treasury(deployer, sender=deployer)),
        (missing_role, lambda: timelock.grantRole(timelock.PROPOSER_ROLE(), deployer, sender=deployer)),
        (
            missing_role,
            lambda: timelock.schedule(token, 0, b"", b"\x00" * 32, b"\x00" * 32, 60, sender=deployer),
        ),
        ("timelock_controller: caller must be timelock", lambda: timelock.update_delay(0, sender=deployer)),
        ("governor: caller is not the timelock", lambda: governor.setVotingPeriod(1, sender=deployer)),
        ("governor: caller is not the timelock", lambda: governor.updateQuorumNumerator(0, sender=deployer)),
    ]
    for reason, attempt in attempts:
        with ape.reverts(reason):
            attempt()


def test_deploy__security_council__may_cancel_on_the_timelock(project, chain, deployer, governance, tmp_path):
    from dataclasses import replace

    profile = dev_profile()
    profile = replace(profile, governance=replace(profile.governance, security_council=governance.address))
    manifest = deploy(
        project=project,
        provider=chain.provider,
        deployer=deployer,
        profile=profile,
        network="local",
        manifest_path=tmp_path / "local.json",
    ).manifest
    timelock = project.AzoraTimelock.at(manifest.address("AzoraTimelock"))
    assert timelock.hasRole(timelock.CANCELLER_ROLE(), governance)
    assert not timelock.hasRole(timelock.PROPOSER_ROLE(), governance)
    assert not timelock.hasRole(timelock.EXECUTOR_ROLE(), governance)
