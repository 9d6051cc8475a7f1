"""The few AzoraToken and AzoraGovernor functions the relays read or call, over the API's JSON-RPC client.

ABI encoding is done here with eth-abi from the function signatures (no ABI files, no web3):
each `Function` knows its selector, how to encode a call and how to decode the result. A
transport failure becomes `RelayUnavailableError` (503); a revert is returned to the caller
as `CallReverted` with the contract's reason, for the relay to turn into a 422.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import decode, encode
from eth_abi.exceptions import DecodingError
from eth_utils import keccak, to_checksum_address

from api.relay.exceptions import RelayUnavailableError
from api.rpc import JsonRpcClient, RpcCallError

ERROR_SELECTOR = keccak(text="Error(string)")[:4]
PANIC_SELECTOR = keccak(text="Panic(uint256)")[:4]
_REVERT_PREFIX = "execution reverted"


class CallReverted(Exception):
    """An eth_call or eth_estimateGas reverted; `reason` is the decoded revert string (or a description)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Function:
    """One contract function by its Solidity signature parts."""

    name: str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()

    @property
    def selector(self) -> bytes:
        return keccak(text=f"{self.name}({','.join(self.inputs)})")[:4]

    def encode(self, *args: Any) -> bytes:
        """The calldata of a call with `args`."""
        return self.selector + encode(list(self.inputs), list(args))

    def decode(self, data: bytes) -> tuple[Any, ...]:
        """The decoded return values."""
        try:
            return tuple(decode(list(self.outputs), data))
        except DecodingError as exc:
            raise RelayUnavailableError(
                f"{self.name}() returned data that does not decode as ({','.join(self.outputs)}); "
                "is the manifest's address the right contract?"
            ) from exc


def revert_reason(exc: RpcCallError) -> str | None:
    """The reason of a revert the node reported, or None when `exc` is not a revert."""
    data = exc.data.get("data") if isinstance(exc.data, dict) else exc.data
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        raw = bytes.fromhex(data[2:]) if len(data) % 2 == 0 else b""
        if raw[:4] == ERROR_SELECTOR:
            try:
                (reason,) = decode(["string"], raw[4:])
                return str(reason)
            except DecodingError:
                pass
        if raw[:4] == PANIC_SELECTOR and len(raw) == 36:
            return f"panic 0x{int.from_bytes(raw[4:], 'big'):02x}"
        return f"custom error 0x{raw[:4].hex()}" if raw else "reverted"
    message = str(exc)
    if _REVERT_PREFIX in message:
        after = message.split(_REVERT_PREFIX, 1)[1].lstrip(": ").strip()
        return after or "reverted without a reason"
    return None


class Chain:
    """Reads and simulations on the node behind `rpc`."""

    def __init__(self, rpc: JsonRpcClient) -> None:
        self.rpc = rpc

    async def request(self, method: str, params: Sequence[Any]) -> Any:
        """A JSON-RPC call. A revert raises CallReverted, a transport failure RelayUnavailableError,
        any other error the node answers RpcCallError (the caller knows what it means)."""
        try:
            return await self.rpc.call(method, list(params))
        except RpcCallError as exc:
            reason = revert_reason(exc) if exc.replied else None
            if reason is not None:
                raise CallReverted(reason) from exc
            if exc.replied:
                raise
            raise RelayUnavailableError(
                f"the chain node is unavailable ({exc}); retry shortly", headers={"Retry-After": "5"}
            ) from exc

    async def read(self, method: str, params: Sequence[Any]) -> Any:
        """`request` for reads, which must not fail: any error but a revert is a 503."""
        try:
            return await self.request(method, params)
        except RpcCallError as exc:
            raise RelayUnavailableError(f"the chain node refused a read ({exc})") from exc

    async def call(self, to: str, function: Function, *args: Any) -> tuple[Any, ...]:
        """eth_call `function(*args)` on `to` at the latest block."""
        tx = {"to": to, "data": "0x" + function.encode(*args).hex()}
        result = await self.read("eth_call", [tx, "latest"])
        return function.decode(bytes.fromhex(str(result)[2:]))

    async def latest_timestamp(self) -> int:
        """The timestamp of the latest block (the contracts compare expiries with block time)."""
        block = await self.read("eth_getBlockByNumber", ["latest", False])
        return int(block["timestamp"], 16)

    async def chain_id(self) -> int:
        return int(await self.read("eth_chainId", []), 16)


# AzoraToken (ERC-20 + ERC-5805 + EIP-2612).
NONCES = Function("nonces", ("address",), ("uint256",))
DOMAIN_SEPARATOR = Function("DOMAIN_SEPARATOR", (), ("bytes32",))
BALANCE_OF = Function("balanceOf", ("address",), ("uint256",))
DELEGATES = Function("delegates", ("address",), ("address",))
DELEGATE_BY_SIG = Function("delegateBySig", ("address", "uint256", "uint256", "uint8", "bytes32", "bytes32"))
# AzoraGovernor (OpenZeppelin Governor v5 ABI).
STATE = Function("state", ("uint256",), ("uint8",))
PROPOSAL_SNAPSHOT = Function("proposalSnapshot", ("uint256",), ("uint256",))
GET_VOTES = Function("getVotes", ("address", "uint256"), ("uint256",))
HAS_VOTED = Function("hasVoted", ("uint256", "address"), ("bool",))
CAST_VOTE_BY_SIG = Function("castVoteBySig", ("uint256", "uint8", "address", "bytes"), ("uint256",))

# ERC-1271 contract wallets (the governor accepts their ballots).
IS_VALID_SIGNATURE = Function("isValidSignature", ("bytes32", "bytes"), ("bytes4",))
ERC1271_MAGIC_VALUE = bytes.fromhex("1626ba7e")


class _EIP712Contract:
    """A contract that verifies EIP-712 signatures with per-signer nonces (ERC-5267 domain)."""

    def __init__(self, chain: Chain, address: str) -> None:
        self.chain = chain
        self.address = to_checksum_address(address)
        self._domain_separator: bytes | None = None

    async def domain_separator(self) -> bytes:
        """`DOMAIN_SEPARATOR()` (read once: it depends only on the chain id, which the relay checks)."""
        if self._domain_separator is None:
            (self._domain_separator,) = await self.chain.call(self.address, DOMAIN_SEPARATOR)
        return self._domain_separator

    async def nonces(self, owner: str) -> int:
        """The next nonce a signature of `owner` must carry."""
        return int((await self.chain.call(self.address, NONCES, owner))[0])


class Token(_EIP712Contract):
    """AzoraToken at `address`."""

    async def balance_of(self, owner: str) -> int:
        return int((await self.chain.call(self.address, BALANCE_OF, owner))[0])

    async def delegates(self, account: str) -> str:
        return to_checksum_address((await self.chain.call(self.address, DELEGATES, account))[0])


class Governor(_EIP712Contract):
    """AzoraGovernor at `address`."""

    async def state(self, proposal_id: int) -> int:
        """The proposal's state (`azora.governance.ProposalState`); CallReverted if it is unknown."""
        return int((await self.chain.call(self.address, STATE, proposal_id))[0])

    async def snapshot(self, proposal_id: int) -> int:
        return int((await self.chain.call(self.address, PROPOSAL_SNAPSHOT, proposal_id))[0])

    async def votes_at(self, account: str, timepoint: int) -> int:
        return int((await self.chain.call(self.address, GET_VOTES, account, timepoint))[0])

    async def has_voted(self, proposal_id: int, account: str) -> bool:
        return bool((await self.chain.call(self.address, HAS_VOTED, proposal_id, account))[0])
