"""Gas of the OracleHub, ProofOfKnowledge and Credentials on anvil, from transaction receipts.

    python bench/gas_oracles.py

Starts its own anvil through ape (ethereum:local:foundry), deploys fresh contracts and measures:

* `submit` of one attestation (2-of-3 EOA signers, no-op TestConsumer): the hub's own cost;
* `submit_batch` of 1, 10 and 50 attestations (same signers and consumer), total and per attestation;
* `submit` with one EOA and one ERC-1271 contract signer;
* a full course completion through ProofOfKnowledge (first for a new learner, then a repeat
  learner), with the gas of every call frame from anvil's call tracer.

Prints Markdown tables and writes bench/results/gas_oracles.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ape import accounts, chain, networks, project
from eth_utils import keccak

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the signing helpers live under tests/

from tests.contracts.oracle_signing import (  # noqa: E402
    COURSE_COMPLETED,
    EDUCATION,
    Attestation,
    ContractEntry,
    OracleSigner,
    attestation_digest,
    by_address,
    course_data,
    hub_domain,
    pack_signatures,
)

RESULTS = Path(__file__).parent / "results"
AZR = 10**18
SCHEMA = keccak(text="azora.bench.Fact(uint256 value)")
NO_REJECTED_SUBJECT = "0x0000000000000000000000000000000000000000"
_METHODS = {
    "0x" + keccak(text=signature)[:4].hex(): signature.split("(")[0]
    for signature in (
        "submit((bytes32,bytes32,address,bytes,uint64,uint64),bytes)",
        "on_attestation(bytes32,bytes32,address,bytes)",
        "issue(address,uint256,uint8,uint8,uint256)",
        "mint(address,uint256)",
        "record(bytes32,address,uint256,bytes32)",
    )
}


class Bench:
    def __init__(self) -> None:
        self.deployer, self.learner, self.treasury, self.relayer, self.other = accounts.test_accounts[:5]
        self.signers = by_address(OracleSigner.from_label(f"bench{i}") for i in range(3))
        self.hub = project.OracleHub.deploy(sender=self.deployer)
        self.hub.set_signers(EDUCATION, [s.address for s in self.signers], 2, sender=self.deployer)
        self.consumer = project.TestConsumer.deploy(self.hub, NO_REJECTED_SUBJECT, sender=self.deployer)
        self.hub.register_schema(SCHEMA, EDUCATION, self.consumer, False, sender=self.deployer)
        self.domain = hub_domain(chain.chain_id, self.hub.address)
        self.serial = 0

    def attestation(
        self, schema: bytes = SCHEMA, subject: str | None = None, data: bytes | None = None
    ) -> Attestation:
        self.serial += 1
        return Attestation(
            schema=schema,
            uid=keccak(text=f"azora.bench.{self.serial}"),
            subject=subject or str(self.other.address),
            data=course_data(self.serial, 90, 2) if data is None else data,
            deadline=chain.pending_timestamp + 3_600,
            epoch=self.hub.epoch(EDUCATION),
        )

    def sign(self, att: Attestation) -> bytes:
        digest = attestation_digest(self.domain, att)
        return pack_signatures([signer.sign(digest) for signer in self.signers[:2]])

    def submit(self, att: Attestation) -> Any:
        return self.hub.submit(att.as_args(), self.sign(att), sender=self.relayer)

    def batch(self, size: int) -> int:
        atts = [self.attestation() for _ in range(size)]
        receipt = self.hub.submit_batch(
            [att.as_args() for att in atts], [self.sign(att) for att in atts], sender=self.relayer
        )
        assert len(self.hub.Attested.from_receipt(receipt)) == size
        return int(receipt.gas_used)

    def contract_signer(self) -> int:
        owner = OracleSigner.from_label("bench-wallet-owner")
        wallet = project.TestERC1271Signer.deploy(owner.address, sender=self.deployer)
        self.hub.set_signers(EDUCATION, [self.signers[0].address, wallet.address], 2, sender=self.deployer)
        att = self.attestation()
        digest = attestation_digest(self.domain, att)
        entries = [self.signers[0].sign(digest), ContractEntry(wallet.address, owner.sign(digest).signature)]
        receipt = self.hub.submit(att.as_args(), pack_signatures(entries), sender=self.relayer)
        self.hub.set_signers(EDUCATION, [s.address for s in self.signers], 2, sender=self.deployer)
        return int(receipt.gas_used)

    def pok_stack(self) -> None:
        self.token = project.AzoraToken.deploy([self.treasury], [10**6 * AZR], sender=self.deployer)
        self.ledger = project.Ledger.deploy(sender=self.deployer)
        self.credentials = project.Credentials.deploy(sender=self.deployer)
        self.pok = project.ProofOfKnowledge.deploy(
            self.hub,
            self.token,
            self.ledger,
            self.credentials,
            self.treasury,
            1_000 * AZR,
            1_000_000 * AZR,
            sender=self.deployer,
        )
        self.token.grantRole(self.token.MINTER_ROLE(), self.pok, sender=self.deployer)
        self.ledger.grantRole(self.ledger.WRITER_ROLE(), self.pok, sender=self.deployer)
        self.credentials.grantRole(self.credentials.ISSUER_ROLE(), self.pok, sender=self.deployer)
        self.hub.register_schema(COURSE_COMPLETED, EDUCATION, self.pok, True, sender=self.deployer)
        self.names = {
            self.hub.address.lower(): "OracleHub",
            self.pok.address.lower(): "ProofOfKnowledge",
            self.token.address.lower(): "AzoraToken",
            self.ledger.address.lower(): "Ledger",
            self.credentials.address.lower(): "Credentials",
        }

    def completion(self, course_id: int) -> tuple[int, list[tuple[str, int]]]:
        att = self.attestation(
            schema=COURSE_COMPLETED, subject=str(self.learner.address), data=course_data(course_id, 85, 3)
        )
        receipt = self.submit(att)
        assert len(self.pok.RewardPaid.from_receipt(receipt)) == 1
        trace = chain.provider.make_request(
            "debug_traceTransaction", [receipt.txn_hash, {"tracer": "callTracer"}]
        )
        return int(receipt.gas_used), self._frames(trace, 0)

    def _frames(self, frame: dict, depth: int) -> list[tuple[str, int]]:
        name = self.names.get(frame["to"].lower(), frame["to"])
        method = _METHODS.get(frame["input"][:10], "")
        label = "  " * depth + (f"{name}.{method}" if method else name)
        rows = [(label, int(frame["gasUsed"], 16))]
        for call in frame.get("calls", []):
            rows += self._frames(call, depth + 1)
        return rows


def measure() -> dict[str, Any]:
    bench = Bench()
    single = int(bench.submit(bench.attestation()).gas_used)
    batches = {size: bench.batch(size) for size in (1, 10, 50)}
    contract_signer = bench.contract_signer()
    bench.pok_stack()
    first_gas, first_frames = bench.completion(1)
    repeat_gas, repeat_frames = bench.completion(2)
    return {
        "submit (2-of-3 EOA, no-op consumer)": single,
        "submit (EOA + ERC-1271 signer, no-op consumer)": contract_signer,
        **{f"submit_batch of {size} (total)": gas for size, gas in batches.items()},
        **{f"submit_batch of {size} (per attestation)": gas // size for size, gas in batches.items()},
        "course completion, new learner (total)": first_gas,
        "course completion, repeat learner (total)": repeat_gas,
        "breakdown, new learner (call frames, gas used incl. sub-calls)": first_frames,
        "breakdown, repeat learner": repeat_frames,
    }


def main() -> None:
    with networks.parse_network_choice("ethereum:local:foundry"):
        results = measure()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "gas_oracles.json").write_text(json.dumps(results, indent=2) + "\n")
    print("| operation | gas |\n|---|---:|")  # noqa: T201 - benchmark report
    for label, used in results.items():
        if isinstance(used, int):
            print(f"| {label} | {used:,} |")  # noqa: T201
    for label in (
        "breakdown, new learner (call frames, gas used incl. sub-calls)",
        "breakdown, repeat learner",
    ):
        print(f"\n{label}:\n| call frame | gas used |\n|---|---:|")  # noqa: T201
        for frame, used in results[label]:
            print(f"| {frame} | {used:,} |")  # noqa: T201


if __name__ == "__main__":
    main()
