"""`ape console` extras: the deployed Azora contracts by name, plus admin helpers.

Loaded by Ape when `ape console` starts in this folder. With a deployment manifest for
the connected network (deployments/<network>.json) the console has:

    token, ledger          the deployed AzoraToken and Ledger
    governor, timelock     the AzoraGovernor and the AzoraTimelock (admin of everything)
    pok, hub, credentials  ProofOfKnowledge, OracleHub, Credentials
    manifest               the deployment manifest
    azr(n)                 n AZR in wei;  fmt(wei) -> "1,234.5 AZR"
    roles(contract, who)   the roles `who` holds on `contract`
    grant(contract, role, who, sender=None) / revoke(...)
    mint(to, amount_azr, sender=None)
    delegate(holder, to)   ape hides the contract's `delegate` method behind an
                           attribute of its own, so call it through this helper
    verify_ledger()        recompute the ledger hash chain from its events
    status()               supply, cap, holders' votes and the ledger head

Governance (every admin change goes through it once deployed):

    propose(actions, description, sender=None) -> id
                           actions: [("ProofOfKnowledge", "set_epoch_budget", ["2000000 AZR"]), ...]
                           or the path of a proposal YAML file (see `ape run propose`)
    vote(id, "for" | "against" | "abstain", sender=None, reason=None)
    queue(id) / execute(id)
    proposal(id)           state, window, tally, quorum and constitutional review
    wait_for_review(id)    wait (60 s at most) for the ethics oracle's verdict on chain
    advance(id)            local chains: mine / move time to the proposal's next step
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from ape.logging import logger

from azora.deploy import network_label
from azora.exceptions import AzoraError
from azora.governance import GovernorClient, ProposalState, Support, build_proposal, load_proposal
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
    contracts = {
        name: project.get_contract(name).at(record.address) for name, record in manifest.contracts.items()
    }
    manifest_path = get_settings().manifest_path(name)
    governor = contracts.get("AzoraGovernor")
    gov = (
        GovernorClient(governor, chain, manifest.contract("AzoraGovernor").block_number) if governor else None
    )
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

    def _gov() -> GovernorClient:
        if gov is None:
            raise AzoraError("this deployment has no AzoraGovernor; redeploy with `ape run deploy --force`")
        return gov

    def propose(actions: Any, description: str | None = None, sender: Any = None) -> int:
        if isinstance(actions, str | Path):
            plan = load_proposal(Path(actions), manifest, manifest_path)
        else:
            if not description:
                raise ValueError("pass a description (or the path of a proposal YAML file)")
            steps = [{"contract": c, "function": f, "args": list(a)} for c, f, a in actions]
            plan = build_proposal({"description": description, "actions": steps}, manifest, manifest_path)
        pid = _gov().propose(plan, _sender(sender))
        logger.info(f"azora: proposal {pid} ({len(plan.actions)} action(s)) is Pending")
        return pid

    def vote(pid: int, support: str | int, sender: Any = None, reason: str | None = None) -> Any:
        choice = Support[support.upper()] if isinstance(support, str) else Support(support)
        return _gov().vote(pid, choice, _sender(sender), reason)

    def queue(pid: int, sender: Any = None) -> Any:
        return _gov().queue(pid, _sender(sender))

    def execute(pid: int, sender: Any = None) -> Any:
        return _gov().execute(pid, _sender(sender))

    def proposal(pid: int) -> dict[str, Any]:
        return _gov().summary(pid)

    def wait_for_review(pid: int, timeout: float = 60.0) -> str | None:
        verdict = _gov().wait_for_review(pid, timeout)
        return {1: "approved", 2: "flagged"}.get(verdict)

    def advance(pid: int) -> str:
        if not network.is_local:
            raise AzoraError("advance() moves a local chain's blocks and clock; on a live network, wait")
        client = _gov()
        state = client.state(pid)
        if state is ProposalState.PENDING:
            client.mine_until_active(pid)
        elif state is ProposalState.ACTIVE:
            client.mine_until_closed(pid)
        elif state is ProposalState.QUEUED:
            client.wait_for_eta(pid)
        return client.state(pid).name

    logger.info(f"azora: {name} (chain {manifest.chain_id}) token={token.address} ledger={ledger.address}")
    return {
        "manifest": manifest,
        "token": token,
        "ledger": ledger,
        "governor": governor,
        "timelock": contracts.get("AzoraTimelock"),
        "pok": contracts.get("ProofOfKnowledge"),
        "hub": contracts.get("OracleHub"),
        "credentials": contracts.get("Credentials"),
        "azr": azr,
        "fmt": fmt,
        "roles": roles,
        "grant": grant,
        "revoke": revoke,
        "mint": mint,
        "delegate": delegate,
        "verify_ledger": verify_ledger,
        "status": status,
        "propose": propose,
        "vote": vote,
        "queue": queue,
        "execute": execute,
        "proposal": proposal,
        "advance": advance,
        "wait_for_review": wait_for_review,
    }
