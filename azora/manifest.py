"""The deployment manifest: which Azora contracts live where on one network.

Written by ``scripts/deploy.py`` to ``deployments/<network>.json`` and read by the
indexer, the API, the oracles and the Ape console. Example::

    {
      "version": 1,
      "network": "local",
      "chain_id": 31337,
      "profile": "dev",
      "deployer": "0xf39F...",
      "admin": "0xf39F...",
      "deployed_at": "2026-11-26T01:40:00+00:00",
      "contracts": {
        "AzoraToken": {"address": "0x5FbD...", "block_number": 1, "block_hash": "0x...",
                       "tx_hash": "0x...", "abi": "abi/AzoraToken.json"},
        "Ledger": {...}
      }
    }

ABI paths are relative to the manifest's folder.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from azora.exceptions import ManifestInvalidError, ManifestNotFoundError

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class ContractDeployment:
    """One deployed contract."""

    address: str
    block_number: int
    block_hash: str
    tx_hash: str
    abi: str


@dataclass(frozen=True)
class DeploymentManifest:
    """Every Azora contract deployed on one network."""

    network: str
    chain_id: int
    profile: str
    deployer: str
    admin: str
    deployed_at: str
    contracts: dict[str, ContractDeployment] = field(default_factory=dict)
    version: int = MANIFEST_VERSION

    @property
    def start_block(self) -> int:
        """The first block the indexer needs to read."""
        return min((c.block_number for c in self.contracts.values()), default=0)

    def address(self, name: str) -> str:
        """The address of contract `name`."""
        return self.contract(name).address

    def contract(self, name: str) -> ContractDeployment:
        """The deployment record of contract `name`."""
        try:
            return self.contracts[name]
        except KeyError:
            raise ManifestInvalidError(f"the manifest has no contract named {name!r}") from None

    def to_json(self) -> str:
        """The manifest as pretty JSON."""
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeploymentManifest:
        """Parse a manifest dictionary, checking its shape."""
        try:
            contracts = {name: ContractDeployment(**c) for name, c in data["contracts"].items()}
            return cls(
                network=str(data["network"]),
                chain_id=int(data["chain_id"]),
                profile=str(data["profile"]),
                deployer=str(data["deployer"]),
                admin=str(data["admin"]),
                deployed_at=str(data["deployed_at"]),
                contracts=contracts,
                version=int(data.get("version", MANIFEST_VERSION)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ManifestInvalidError(f"malformed deployment manifest: {exc}") from exc


def load_manifest(path: Path) -> DeploymentManifest:
    """Read the manifest at `path`."""
    if not path.is_file():
        raise ManifestNotFoundError(f"no deployment manifest at {path}; run `ape run deploy` first")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ManifestInvalidError(f"{path} is not valid JSON: {exc}") from exc
    return DeploymentManifest.from_dict(data)


def save_manifest(manifest: DeploymentManifest, path: Path) -> None:
    """Write the manifest atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        handle.write(manifest.to_json())
    os.replace(tmp, path)


def load_abi(manifest_path: Path, manifest: DeploymentManifest, name: str) -> list[dict[str, Any]]:
    """The ABI of contract `name`, read from the path the manifest records."""
    abi_path = manifest_path.parent / manifest.contract(name).abi
    try:
        abi: list[dict[str, Any]] = json.loads(abi_path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ManifestInvalidError(f"cannot read the ABI of {name} at {abi_path}: {exc}") from exc
    return abi
