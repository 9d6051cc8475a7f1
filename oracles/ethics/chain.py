"""The Governor, Timelock and treasury balances over JSON-RPC, for the ethics oracle.

Facts are read **at the block of the proposal's ProposalCreated**, so evaluating the same
event twice (a redelivery, a restart) reads the same state and gives the same review, hence
the same reason hash and uid. Transport failures surface as `RpcUnavailableError` (through
the core's `rpc_guard`); the follower backs off and retries without acknowledging.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from web3 import Web3
from web3.contract import Contract
from web3.exceptions import TransactionNotFound
from web3.logs import DISCARD

from azora.manifest import load_abi, load_manifest
from indexer.decoders import governor as governor_decoder
from oracles.chain import make_web3, rpc_guard
from oracles.ethics.proposal import ContractBook
from oracles.exceptions import OracleConfigError

GOVERNOR = "AzoraGovernor"
TIMELOCK = "AzoraTimelock"
ERC20_BALANCE_OF = [
    {
        "type": "function",
        "name": "balanceOf",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    }
]


class RpcFacts:
    """`ChainFacts` read from the node at one block (cached per instance)."""

    def __init__(self, chain: GovernanceChain, block_number: int) -> None:
        self.chain = chain
        self.block = block_number
        self._balances: dict[tuple[str, str | None], int] = {}
        self._settings: dict[str, int | None] = {}

    def balance(self, holder: str, token: str | None) -> int:
        key = (holder.lower(), token.lower() if token else None)
        if key not in self._balances:
            self._balances[key] = self.chain.balance(holder, token, self.block)
        return self._balances[key]

    def setting(self, name: str) -> int | None:
        if name not in self._settings:
            self._settings[name] = self.chain.setting(name, self.block)
        return self._settings[name]


class GovernanceChain:
    """The deployment's Governor (and Timelock) on one RPC endpoint."""

    def __init__(self, rpc_url: str, manifest_path: Path, *, timeout: float = 10.0) -> None:
        manifest = load_manifest(manifest_path)
        if GOVERNOR not in manifest.contracts:
            raise OracleConfigError(
                f"the deployment manifest {manifest_path} has no {GOVERNOR}: deploy the governance contracts"
            )
        self.w3: Web3 = make_web3(rpc_url, timeout)
        self.chain_id = manifest.chain_id
        self.book = ContractBook.from_manifest(manifest, manifest_path)
        self.governor_address = Web3.to_checksum_address(manifest.address(GOVERNOR))
        self.deployed_at = manifest.contract(GOVERNOR).block_number
        self.governor: Contract = self.w3.eth.contract(
            address=self.governor_address, abi=load_abi(manifest_path, manifest, GOVERNOR)
        )
        decoder = governor_decoder.build(self.governor.abi)
        self._proposal_created = decoder.plans[decoder.topic0("ProposalCreated")]
        self.timelock: Contract | None = None
        if TIMELOCK in manifest.contracts:
            self.timelock = self.w3.eth.contract(
                address=Web3.to_checksum_address(manifest.address(TIMELOCK)),
                abi=load_abi(manifest_path, manifest, TIMELOCK),
            )

    def verify_chain(self) -> None:
        """Fail unless the node serves the manifest's chain."""
        with rpc_guard():
            chain_id = self.w3.eth.chain_id
        if chain_id != self.chain_id:
            raise OracleConfigError(
                f"the RPC node serves chain {chain_id}, the manifest chain {self.chain_id}; "
                "point ORACLE_RPC_URL and ORACLE_MANIFEST_PATH at the same network"
            )

    def proposal_state(self, proposal_id: int) -> int | None:
        """The proposal's state (ProposalState value) now, None when the Governor does not know it
        (never created, or removed by a reorg)."""
        functions = self.governor.functions
        with rpc_guard():
            if int(functions.proposalSnapshot(proposal_id).call()) == 0:
                return None
            return int(functions.state(proposal_id).call())

    def created_in(self, tx_hash: str, block_number: int, proposal_id: int) -> bool:
        """True when transaction `tx_hash`, mined in `block_number` of the current chain, emitted
        the Governor's ProposalCreated of `proposal_id` (a bus message is checked against the
        chain before it is acted on; a reorged-out transaction has no receipt or another block)."""
        with rpc_guard():
            try:
                receipt = self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return False
        if int(receipt["blockNumber"]) != block_number:
            return False
        created = self.governor.events.ProposalCreated().process_receipt(receipt, errors=DISCARD)
        return any(
            log["address"].lower() == self.governor_address.lower()
            and int(log["args"]["proposalId"]) == proposal_id
            for log in created
        )

    def proposals_created(self, from_block: int) -> tuple[list[tuple[dict[str, Any], int]], int]:
        """The Governor's ProposalCreated from `from_block` to the head: (args, block number) each,
        and the head block read up to. The args are decoded by the indexer's Governor decoder, the
        one behind the bus messages the follower reviews (a description that is not valid UTF-8
        decodes the same way there and here)."""
        plan = self._proposal_created
        with rpc_guard():
            head = int(self.w3.eth.block_number)
            if from_block > head:
                return [], head
            logs = self.w3.eth.get_logs(
                {
                    "address": self.governor_address,
                    "topics": [plan.topic0],
                    "fromBlock": from_block,
                    "toBlock": head,
                }
            )
        out = []
        for entry in logs:
            topics = ["0x" + bytes(topic).hex() for topic in entry["topics"]]
            out.append((plan.decode(topics, "0x" + bytes(entry["data"]).hex()), int(entry["blockNumber"])))
        return out, head

    def review(self, proposal_id: int) -> tuple[int, bytes, bytes]:
        """`proposalReview(id)`: (verdict, reasonHash, uid) in force on chain."""
        with rpc_guard():
            verdict, reason_hash, uid = self.governor.functions.proposalReview(proposal_id).call()
        return int(verdict), bytes(reason_hash), bytes(uid)

    def facts(self, block_number: int) -> RpcFacts:
        """Chain facts as of `block_number`."""
        return RpcFacts(self, block_number)

    def balance(self, holder: str, token: str | None, block: int) -> int:
        """`holder`'s ether (token None) or ERC-20 balance at `block`."""
        holder = Web3.to_checksum_address(holder)
        with rpc_guard():
            if token is None:
                return int(self.w3.eth.get_balance(holder, block_identifier=block))
            erc20 = self.w3.eth.contract(address=Web3.to_checksum_address(token), abi=ERC20_BALANCE_OF)
            return int(erc20.functions.balanceOf(holder).call(block_identifier=block))

    def setting(self, name: str, block: int) -> int | None:
        """A governance setting at `block` (see `ChainFacts.setting`); None when unknown."""
        calls: dict[str, tuple[Contract | None, str]] = {
            "quorum_numerator": (self.governor, "quorumNumerator()"),
            "voting_period": (self.governor, "votingPeriod()"),
            "voting_delay": (self.governor, "votingDelay()"),
            "timelock_delay": (self.timelock, "get_minimum_delay()"),
        }
        contract, signature = calls.get(name, (None, ""))
        if contract is None:
            return None
        function: Any = contract.get_function_by_signature(signature)
        with rpc_guard():
            return int(function().call(block_identifier=block))
