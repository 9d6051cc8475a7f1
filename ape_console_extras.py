"""`ape console` extras: the deployed Azora contracts by name, plus admin helpers.

Loaded by Ape when `ape console` starts in this folder. With a deployment manifest for
the connected network (deployments/<network>.json) the console has:

    token, ledger          the deployed AzoraToken and Ledger
    manifest               the deployment manifest
    azr(n)                 n AZR in wei;  fmt(wei) -> "1,234.5 AZR"
    roles(contract, who)   the roles `who` holds on `contract`
    grant(contract, role, who, sender=None) / revoke(...)
    mint(to, amount_azr, sender=None)
    delegate(holder, to)   ape hides the contract's `delegate` method behind an
                           attribute of its own, so call it through this helper
    verify_ledger()        recompute the ledger hash chain from its events
    status()               supply, cap, holders' votes and the ledger head
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ape.logging import logger

from azora.deploy import network_label
from azora.exceptions import AzoraError
from azora.ledger import LedgerEntry, verify_chain
from azora.manifest import load_manifest
from azora.settings import get_settings

AZR = 10**18

# Role names by contract method; `roles()` reports the ones held.
_ROLE_METHODS = ("DEFAULT_ADMIN_ROLE", "MINTER_ROLE", "WRITER_ROLE")


def azr(amount: float | int | str) -> int:
    """`amount` AZR in wei (accepts decimals: azr("1.5"))."""
    return int(Decimal(str(amount)) * AZR)


def fmt(wei: int) -> str:
    """A wei amount as a readable AZR string."""
    return f"{Decimal(wei) / AZR:,.4f}".rstrip("0").rstrip(".") + " AZR"


def ape_init_extras(project: Any, chain: Any, networks: Any, accounts: Any) -> dict[str, Any]:
    """Called by `ape console`: returns the names to preload."""
    network = networks.provider.network
    name = network_label(network)
    try:
        manifest = load_manifest(get_settings().manifest_path(name))
    except AzoraError as exc:
        logger.warning(f"azora: no deployment loaded ({exc})")
        return {"azr": azr, "fmt": fmt}
    if manifest.chain_id != chain.chain_id:
        logger.warning(f"azora: manifest is for chain {manifest.chain_id}, connected to {chain.chain_id}")
        return {"azr": azr, "fmt": fmt, "manifest": manifest}

    token = project.AzoraToken.at(manifest.address("AzoraToken"))
    ledger = project.Ledger.at(manifest.address("Ledger"))
    default_sender = accounts.test_accounts[0] if network.is_local else None

    def _sender(sender: Any) -> Any:
        if sender is None and default_sender is None:
            raise ValueError("pass sender= (an account loaded with accounts.load(alias))")
        return sender or default_sender

    def roles(contract: Any, who: Any) -> list[str]:
        held = []
        for method in _ROLE_METHODS:
            if hasattr(contract, method) and contract.hasRole(getattr(contract, method)(), who):
                held.append(method)
        return held

    def grant(contract: Any, role: str, who: Any, sender: Any = None) -> Any:
        return contract.grantRole(getattr(contract, role)(), who, sender=_sender(sender))

    def revoke(contract: Any, role: str, who: Any, sender: Any = None) -> Any:
        return contract.revokeRole(getattr(contract, role)(), who, sender=_sender(sender))

    def mint(to: Any, amount_azr: float | int | str, sender: Any = None) -> Any:
        return token.mint(to, azr(amount_azr), sender=_sender(sender))

    def delegate(holder: Any, to: Any) -> Any:
        return token.invoke_transaction("delegate", to, sender=holder)

    def verify_ledger() -> dict[str, Any]:
        logs = ledger.Recorded.range(manifest.contract("Ledger").block_number, chain.blocks.head.number + 1)
        entries = [
            LedgerEntry(
                index=log.index,
                kind=bytes(log.kind),
                account=log.account,
                amount=log.amount,
                ref=bytes(log.ref),
                block_number=log.block_number,
                head=bytes(log.head),
            )
            for log in logs
        ]
        result = verify_chain(entries, expected_head=bytes(ledger.head()))
        return {
            "ok": result.ok,
            "count": result.count,
            "head": "0x" + result.head.hex(),
            "first_mismatch": result.first_mismatch,
            "reason": result.reason,
        }

    def status() -> dict[str, Any]:
        return {
            "chain_id": chain.chain_id,
            "block": chain.blocks.head.number,
            "supply": fmt(token.totalSupply()),
            "cap": fmt(token.CAP()),
            "ledger_count": ledger.count(),
            "ledger_head": "0x" + bytes(ledger.head()).hex(),
            "admin": manifest.admin,
        }

    logger.info(f"azora: {name} (chain {manifest.chain_id}) token={token.address} ledger={ledger.address}")
    return {
        "manifest": manifest,
        "token": token,
        "ledger": ledger,
        "azr": azr,
        "fmt": fmt,
        "roles": roles,
        "grant": grant,
        "revoke": revoke,
        "mint": mint,
        "delegate": delegate,
        "verify_ledger": verify_ledger,
        "status": status,
    }
