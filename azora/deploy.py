"""Deploy the Azora contracts with Ape and write the deployment manifest.

Used by ``scripts/deploy.py`` (``ape run deploy``), by ``azora up`` and by the tests.
Idempotent: when the manifest's contracts are still on the chain (same chain id, code
present, deploy block hash unchanged), nothing is redeployed.

Admin: by default every contract's DEFAULT_ADMIN_ROLE goes to the AzoraTimelock, which
only the AzoraGovernor can drive (propose -> vote -> queue -> execute), and the deployer
renounces every role it held. An explicit `admin` address replaces the Timelock as the
admin of the Azora contracts (tests and staged roll-outs); the Governor still owns the
Timelock either way.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from azora.exceptions import AzoraError
from azora.manifest import ContractDeployment, DeploymentManifest, load_manifest, save_manifest
from azora.profiles import DeployProfile

log = logging.getLogger("azora.deploy")

# Deployment order; later steps append (Treasury, ...).
CONTRACTS = (
    "AzoraToken",
    "Ledger",
    "OracleHub",
    "Credentials",
    "ProofOfKnowledge",
    "AzoraTimelock",
    "AzoraGovernor",
)
# The contracts whose DEFAULT_ADMIN_ROLE is handed over (the Timelock administers itself).
ADMINISTERED = ("AzoraToken", "Ledger", "OracleHub", "Credentials", "ProofOfKnowledge")


@dataclass(frozen=True)
class DeployOutcome:
    """What a deploy run did."""

    manifest: DeploymentManifest
    reused: bool


def manifest_is_live(manifest: DeploymentManifest, provider: Any) -> bool:
    """True when every contract of `manifest` is still deployed on `provider`'s chain."""
    if manifest.chain_id != provider.chain_id or set(manifest.contracts) != set(CONTRACTS):
        return False
    for record in manifest.contracts.values():
        if not provider.get_code(record.address):
            return False
        block = provider.get_block(record.block_number)
        if _hex(block.hash) != record.block_hash:
            return False
    return True


def deploy(
    *,
    project: Any,
    provider: Any,
    deployer: Any,
    profile: DeployProfile,
    network: str,
    manifest_path: Path,
    admin: str | None = None,
    force: bool = False,
) -> DeployOutcome:
    """Deploy every Azora contract on `provider` with `profile`, wire their roles, hand admin
    to the Timelock (or to `admin`), write the manifest."""
    if manifest_path.is_file() and not force:
        existing = load_manifest(manifest_path)
        if manifest_is_live(existing, provider):
            log.info("deployment already live network=%s chain_id=%s", network, existing.chain_id)
            return DeployOutcome(manifest=existing, reused=True)
        log.info("manifest at %s is stale; deploying afresh", manifest_path)

    if admin is not None and not int(admin, 16):
        raise AzoraError("the admin cannot be the zero address")
    gov = profile.governance

    recipients = [a.recipient for a in profile.genesis]
    amounts = [a.amount for a in profile.genesis]
    token = project.AzoraToken.deploy(recipients, amounts, sender=deployer)
    ledger = project.Ledger.deploy(sender=deployer)
    hub = project.OracleHub.deploy(sender=deployer)
    credentials = project.Credentials.deploy(sender=deployer)
    pok = project.ProofOfKnowledge.deploy(
        hub,
        token,
        ledger,
        credentials,
        profile.treasury,
        profile.daily_cap,
        profile.epoch_budget,
        sender=deployer,
    )
    # The Timelock starts with the deployer as its temporary admin (to grant the Governor's
    # roles) and no proposer; the deployer renounces that admin below.
    timelock = project.AzoraTimelock.deploy(gov.timelock_delay, [], [], deployer, sender=deployer)
    governor = project.AzoraGovernor.deploy(
        token,
        timelock,
        hub,
        gov.voting_delay,
        gov.voting_period,
        gov.proposal_threshold,
        gov.quorum_numerator,
        gov.grace_period,
        sender=deployer,
    )
    deployed = {
        "AzoraToken": token,
        "Ledger": ledger,
        "OracleHub": hub,
        "Credentials": credentials,
        "ProofOfKnowledge": pok,
        "AzoraTimelock": timelock,
        "AzoraGovernor": governor,
    }

    # ProofOfKnowledge mints rewards, writes the ledger and issues credentials.
    token.grantRole(token.MINTER_ROLE(), pok, sender=deployer)
    ledger.grantRole(ledger.WRITER_ROLE(), pok, sender=deployer)
    credentials.grantRole(credentials.ISSUER_ROLE(), pok, sender=deployer)
    education = hub.EDUCATION()
    hub.register_schema(pok.COURSE_COMPLETED(), education, pok, True, sender=deployer)
    hub.register_schema(pok.CREDENTIAL_REVOKED(), education, pok, False, sender=deployer)
    # Constitutional review: ETHICS-signed ProposalReviewed verdicts go to the Governor.
    hub.register_schema(governor.PROPOSAL_REVIEWED(), hub.ETHICS(), governor, False, sender=deployer)
    for domain, signers in profile.oracle_signers.items():
        threshold = min(profile.oracle_threshold, len(signers))
        hub.set_signers(getattr(hub, domain)(), list(signers), threshold, sender=deployer)

    # The Governor proposes, executes and cancels on the Timelock; a security council may veto.
    for role in (timelock.PROPOSER_ROLE(), timelock.EXECUTOR_ROLE(), timelock.CANCELLER_ROLE()):
        timelock.grantRole(role, governor, sender=deployer)
    if gov.security_council:
        timelock.grantRole(timelock.CANCELLER_ROLE(), gov.security_council, sender=deployer)
    timelock.renounceRole(timelock.DEFAULT_ADMIN_ROLE(), deployer.address, sender=deployer)

    admin_address = admin or timelock.address
    if admin_address.lower() != deployer.address.lower():
        for name in ADMINISTERED:
            contract = deployed[name]
            role = contract.DEFAULT_ADMIN_ROLE()
            contract.grantRole(role, admin_address, sender=deployer)
            contract.renounceRole(role, deployer.address, sender=deployer)

    abi_dir = manifest_path.parent / "abi"
    abi_dir.mkdir(parents=True, exist_ok=True)
    records: dict[str, ContractDeployment] = {}
    for name, contract in deployed.items():
        abi_path = abi_dir / f"{name}.json"
        abi = [item.model_dump(mode="json", by_alias=True) for item in contract.contract_type.abi]
        abi_path.write_text(json.dumps(abi, indent=1) + "\n")
        receipt = contract.creation_metadata.receipt
        block = provider.get_block(receipt.block_number)
        records[name] = ContractDeployment(
            address=contract.address,
            block_number=receipt.block_number,
            block_hash=_hex(block.hash),
            tx_hash=_hex(receipt.txn_hash),
            abi=str(abi_path.relative_to(manifest_path.parent)),
        )

    manifest = DeploymentManifest(
        network=network,
        chain_id=provider.chain_id,
        profile=profile.name,
        deployer=deployer.address,
        admin=admin_address,
        deployed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        contracts=records,
    )
    save_manifest(manifest, manifest_path)
    log.info("deployed network=%s chain_id=%s manifest=%s", network, manifest.chain_id, manifest_path)
    return DeployOutcome(manifest=manifest, reused=False)


def _hex(value: Any) -> str:
    """A hash (bytes, HexBytes or str) as 0x-prefixed lowercase hex."""
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    return "0x" + bytes(value).hex()


def network_label(network: Any) -> str:
    """The manifest name of an ape network: `local`, `sepolia`, or `<ecosystem>-<network>` off Ethereum."""
    ecosystem = network.ecosystem.name
    return str(network.name) if ecosystem == "ethereum" else f"{ecosystem}-{network.name}"
