"""Gas of the AZR token and the Ledger on anvil, from transaction receipts.

    make bench-gas        (= python bench/gas_token.py)

Starts its own anvil through ape (ethereum:local:foundry), deploys fresh contracts,
runs each operation in the state described by its label and prints a Markdown table
(also written to bench/results/gas_token.json).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ape import accounts, networks, project
from eth_account import Account
from eth_account.messages import encode_typed_data

RESULTS = Path(__file__).parent / "results"
AZR = 10**18


def _delegation_signature(
    token: Any, signer: Any, delegatee: str, nonce: int, expiry: int
) -> tuple[int, bytes, bytes]:
    data = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Delegation": [
                {"name": "delegatee", "type": "address"},
                {"name": "nonce", "type": "uint256"},
                {"name": "expiry", "type": "uint256"},
            ],
        },
        "primaryType": "Delegation",
        "domain": {
            "name": "Azora",
            "version": "1",
            "chainId": networks.provider.chain_id,
            "verifyingContract": token.address,
        },
        "message": {"delegatee": delegatee, "nonce": nonce, "expiry": expiry},
    }
    signed = Account.sign_message(encode_typed_data(full_message=data), signer.private_key)
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def measure() -> dict[str, int]:
    deployer, holder, other, third, relayer, writer = accounts.test_accounts[:6]
    token = project.AzoraToken.deploy([holder, other, third], [10**6 * AZR] * 3, sender=deployer)
    ledger = project.Ledger.deploy(sender=deployer)
    token.grantRole(token.MINTER_ROLE(), deployer, sender=deployer)
    ledger.grantRole(ledger.WRITER_ROLE(), writer, sender=deployer)
    gas: dict[str, int] = {}

    def delegate(who: Any, to: Any) -> int:
        return int(token.invoke_transaction("delegate", to, sender=who).gas_used)

    gas["transfer (no delegates)"] = token.transfer(other, AZR, sender=holder).gas_used
    gas["delegate (first, self)"] = delegate(holder, holder)
    gas["delegate (change, to other)"] = delegate(holder, third)
    delegate(holder, holder)
    delegate(other, other)
    gas["transfer (both delegated, checkpoints)"] = token.transfer(other, AZR, sender=holder).gas_used
    gas["transfer (sender delegated only)"] = token.transfer(relayer, AZR, sender=holder).gas_used
    token.approve(relayer, 10 * AZR, sender=holder)
    gas["transferFrom (both delegated)"] = token.transferFrom(holder, other, AZR, sender=relayer).gas_used
    expiry = int(time.time()) + 3600
    v, r, s = _delegation_signature(token, third, third.address, token.nonces(third), expiry)
    tx = token.delegateBySig(third, token.nonces(third), expiry, v, r, s, sender=relayer)
    gas["delegateBySig (first, self)"] = tx.gas_used
    gas["mint (delegated receiver)"] = token.mint(holder, AZR, sender=deployer).gas_used
    gas["burn (delegated holder)"] = token.burn(AZR, sender=holder).gas_used
    gas["ledger.record"] = ledger.record(ledger.REWARD(), holder, AZR, b"\x01" * 32, sender=writer).gas_used
    return {k: int(v) for k, v in gas.items()}


def main() -> None:
    with networks.parse_network_choice("ethereum:local:foundry"):
        gas = measure()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "gas_token.json").write_text(json.dumps(gas, indent=2) + "\n")
    print("| operation | gas |\n|---|---:|")  # noqa: T201 - benchmark report
    for label, used in gas.items():
        print(f"| {label} | {used:,} |")  # noqa: T201


if __name__ == "__main__":
    main()
