"""Named deploy profiles: every deploy-time parameter of the contracts in one place.

``dev`` uses short timings and funds the anvil demo accounts; ``production`` uses the
SPEC defaults and takes its genesis allocation from a YAML file, because real
recipients never belong in the repository.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from azora.exceptions import ProfileError

AZR = 10**18

# The anvil development accounts (mnemonic "test test ... junk"), by index. Public test
# addresses, never used outside local chains.
ANVIL_ACCOUNTS = (
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
    "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
    "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
    "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
    "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
)


@dataclass(frozen=True)
class Allocation:
    """One genesis allocation."""

    recipient: str
    amount: int


@dataclass(frozen=True)
class GovernanceParams:
    """AzoraGovernor + AzoraTimelock parameters (SPEC 2.6). Block counts for the voting
    window (the token's clock is the block number), seconds for the timelock."""

    voting_delay: int = 7_200  # blocks from proposal to snapshot (~1 day)
    voting_period: int = 50_400  # blocks of voting (~1 week)
    proposal_threshold: int = 100_000 * AZR  # past votes a proposer needs
    quorum_numerator: int = 4  # percent of the past total supply (for + abstain)
    timelock_delay: int = 2 * 86_400  # seconds between queue and execute
    grace_period: int = 14 * 86_400  # seconds a queued proposal stays executable
    # Optional veto: gets the timelock's CANCELLER_ROLE next to the Governor.
    security_council: str | None = None


# Short settings for local chains (SPEC 2.6): the whole lifecycle fits in a demo.
DEV_GOVERNANCE = GovernanceParams(voting_delay=1, voting_period=20, timelock_delay=60)


@dataclass(frozen=True)
class DeployProfile:
    """Deploy-time parameters of the Azora contracts."""

    name: str
    treasury: str
    genesis: tuple[Allocation, ...]
    # Oracle signer sets by domain name (EDUCATION, ETHICS, MARKETPLACE, PRICE) and their threshold.
    oracle_signers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    oracle_threshold: int = 2
    # ProofOfKnowledge (SPEC 2.4): per-learner daily cap and 30-day epoch budget, in wei.
    daily_cap: int = 1_000 * AZR
    epoch_budget: int = 1_000_000 * AZR
    governance: GovernanceParams = field(default_factory=GovernanceParams)

    @property
    def genesis_total(self) -> int:
        """The AZR minted at deployment, in wei."""
        return sum(a.amount for a in self.genesis)


ORACLE_DOMAINS = ("EDUCATION", "ETHICS", "MARKETPLACE", "PRICE")


def keystore_signers(keystore_dir: Path) -> dict[str, tuple[str, ...]]:
    """Signer addresses of the keystores in `<keystore_dir>/<DOMAIN>/*.json` (the address is in clear)."""
    signers: dict[str, tuple[str, ...]] = {}
    for domain in ORACLE_DOMAINS:
        addresses = []
        for path in sorted((keystore_dir / domain).glob("*.json")):
            try:
                addresses.append("0x" + str(json.loads(path.read_text())["address"]).removeprefix("0x"))
            except (OSError, ValueError, KeyError) as exc:
                raise ProfileError(f"unreadable keystore {path}: {exc}") from exc
        if addresses:
            signers[domain] = tuple(sorted(addresses, key=lambda a: int(a, 16)))
    return signers


def dev_profile(keystore_dir: Path | None = None) -> DeployProfile:
    """Local chains: the Treasury stand-in gets 40M AZR, demo accounts 1-4 get 10M each; the oracle
    signers are the dev keystores that `azora up` generates (2-of-3 per domain)."""
    treasury = ANVIL_ACCOUNTS[9]
    genesis = (Allocation(treasury, 40_000_000 * AZR),) + tuple(
        Allocation(address, 10_000_000 * AZR) for address in ANVIL_ACCOUNTS[1:5]
    )
    signers = keystore_signers(keystore_dir) if keystore_dir is not None else {}
    return DeployProfile(
        name="dev", treasury=treasury, genesis=genesis, oracle_signers=signers, governance=DEV_GOVERNANCE
    )


def production_profile(genesis_file: Path | None = None) -> DeployProfile:
    """Real networks: genesis from ``AZORA_GENESIS_FILE`` (YAML), SPEC defaults elsewhere.

    The file looks like::

        treasury: "0x..."
        genesis:
          - {recipient: "0x...", amount_azr: 40000000}
        oracle_threshold: 2
        oracle_signers:
          EDUCATION: ["0x...", "0x...", "0x..."]
        governance:              # optional; SPEC defaults otherwise
          security_council: "0x..."
          timelock_delay: 172800
    """
    path = genesis_file or (Path(p) if (p := os.environ.get("AZORA_GENESIS_FILE")) else None)
    if path is None:
        raise ProfileError("the production profile needs AZORA_GENESIS_FILE (a YAML genesis allocation)")
    try:
        data = yaml.safe_load(path.read_text())
        treasury = str(data["treasury"])
        genesis = tuple(
            Allocation(str(item["recipient"]), int(item["amount_azr"]) * AZR) for item in data["genesis"]
        )
        signers = {
            str(d): tuple(str(a) for a in addrs) for d, addrs in (data.get("oracle_signers") or {}).items()
        }
        threshold = int(data.get("oracle_threshold", 2))
        governance = GovernanceParams(**(data.get("governance") or {}))
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProfileError(f"cannot read the genesis file {path}: {exc}") from exc
    if unknown := set(signers) - set(ORACLE_DOMAINS):
        raise ProfileError(f"unknown oracle domains in {path}: {sorted(unknown)}")
    return DeployProfile(
        name="production",
        treasury=treasury,
        genesis=genesis,
        oracle_signers=signers,
        oracle_threshold=threshold,
        governance=governance,
    )


def get_profile(name: str, keystore_dir: Path | None = None) -> DeployProfile:
    """The profile called `name` (`keystore_dir`: where dev signer keystores live)."""
    if name == "dev":
        return dev_profile(keystore_dir)
    if name == "production":
        return production_profile()
    raise ProfileError(f"unknown deploy profile {name!r}: use 'dev' or 'production'")
