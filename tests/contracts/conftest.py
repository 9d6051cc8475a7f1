"""AZR-specific fixtures: EIP-712 signers, a `delegate` caller and a one-block transaction batch."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

# secp256k1 group order: a signature (v, r, s) has the twin (v ^ 1, r, N - s).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MAX_UINT256 = 2**256 - 1
# Explicit gas for transactions sent with automine off (ape would otherwise ask for the whole block).
BATCH_GAS = 500_000

EIP712_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
PERMIT_TYPE = [
    {"name": "owner", "type": "address"},
    {"name": "spender", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
DELEGATION_TYPE = [
    {"name": "delegatee", "type": "address"},
    {"name": "nonce", "type": "uint256"},
    {"name": "expiry", "type": "uint256"},
]


class Signature(NamedTuple):
    """A secp256k1 signature as the contract takes it, plus the signed EIP-712 digest."""

    v: int
    r: bytes
    s: bytes
    digest: bytes

    def high_s(self) -> Signature:
        """The malleable twin: same signer for ecrecover, but s in the upper half of the order."""
        s = SECP256K1_N - int.from_bytes(self.s, "big")
        return self._replace(v=55 - self.v, s=s.to_bytes(32, "big"))

    def recover(self, digest: bytes) -> str:
        """The address ecrecover yields for this (v, r, s) over `digest`."""
        vrs = (self.v, int.from_bytes(self.r, "big"), int.from_bytes(self.s, "big"))
        return Account._recover_hash(digest, vrs=vrs)


@pytest.fixture
def domain(token: Any, chain: Any) -> Callable[..., dict[str, Any]]:
    """The token's EIP-712 domain, optionally for another chain id."""

    def _domain(chain_id: int | None = None) -> dict[str, Any]:
        return {
            "name": "Azora",
            "version": "1",
            "chainId": chain.chain_id if chain_id is None else chain_id,
            "verifyingContract": token.address,
        }

    return _domain


def _sign(
    account: Any, domain: dict[str, Any], primary: str, fields: list[dict[str, str]], message: dict
) -> Signature:
    typed = {
        "types": {"EIP712Domain": EIP712_DOMAIN_TYPE, primary: fields},
        "primaryType": primary,
        "domain": domain,
        "message": message,
    }
    signed = Account.sign_message(encode_typed_data(full_message=typed), account.private_key)
    return Signature(
        signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big"), bytes(signed.message_hash)
    )


@pytest.fixture
def sign_permit(token: Any, domain: Callable[..., dict[str, Any]]) -> Callable[..., Signature]:
    """Signs an EIP-2612 Permit with `signer` (default `owner`) at `owner`'s current nonce unless given."""

    def _sign_permit(
        owner: Any,
        spender: Any,
        value: int,
        deadline: int,
        *,
        nonce: int | None = None,
        signer: Any = None,
        chain_id: int | None = None,
    ) -> Signature:
        message = {
            "owner": str(owner.address),
            "spender": str(getattr(spender, "address", spender)),
            "value": value,
            "nonce": token.nonces(owner) if nonce is None else nonce,
            "deadline": deadline,
        }
        return _sign(signer or owner, domain(chain_id), "Permit", PERMIT_TYPE, message)

    return _sign_permit


@pytest.fixture
def sign_delegation(token: Any, domain: Callable[..., dict[str, Any]]) -> Callable[..., Signature]:
    """Signs an ERC-5805 Delegation with `signer` at its current nonce unless given."""

    def _sign_delegation(
        signer: Any, delegatee: Any, expiry: int, *, nonce: int | None = None, chain_id: int | None = None
    ) -> Signature:
        message = {
            "delegatee": str(getattr(delegatee, "address", delegatee)),
            "nonce": token.nonces(signer) if nonce is None else nonce,
            "expiry": expiry,
        }
        return _sign(signer, domain(chain_id), "Delegation", DELEGATION_TYPE, message)

    return _sign_delegation


@pytest.fixture
def delegation_digest(token: Any, domain: Callable[..., dict[str, Any]]) -> Callable[..., bytes]:
    """The digest `delegateBySig` recovers from, for the live domain."""

    def _digest(delegatee: Any, nonce: int, expiry: int) -> bytes:
        typed = {
            "types": {"EIP712Domain": EIP712_DOMAIN_TYPE, "Delegation": DELEGATION_TYPE},
            "primaryType": "Delegation",
            "domain": domain(),
            "message": {
                "delegatee": str(getattr(delegatee, "address", delegatee)),
                "nonce": nonce,
                "expiry": expiry,
            },
        }
        signable = encode_typed_data(full_message=typed)
        return keccak(b"\x19" + signable.version + signable.header + signable.body)

    return _digest


@pytest.fixture
def delegate(token: Any) -> Callable[..., Any]:
    """Calls `token.delegate`: ape's instance attribute `delegate` (EIP-7702) shadows the method."""

    def _delegate(delegatee: Any, sender: Any, **kwargs: Any) -> Any:
        return token.invoke_transaction("delegate", delegatee, sender=sender, **kwargs)

    return _delegate


@pytest.fixture
def votes_changed(token: Any) -> Callable[[Any], list[tuple[str, int, int]]]:
    """The DelegateVotesChanged logs of a receipt as (delegate, previousVotes, newVotes)."""

    def _votes_changed(receipt: Any) -> list[tuple[str, int, int]]:
        logs = token.DelegateVotesChanged.from_receipt(receipt)
        return [(log.delegate, log.previousVotes, log.newVotes) for log in logs]

    return _votes_changed


@pytest.fixture
def delegate_changed(token: Any) -> Callable[[Any], list[tuple[str, str, str]]]:
    """The DelegateChanged logs of a receipt as (delegator, fromDelegate, toDelegate)."""

    def _delegate_changed(receipt: Any) -> list[tuple[str, str, str]]:
        logs = token.DelegateChanged.from_receipt(receipt)
        return [(log.delegator, log.fromDelegate, log.toDelegate) for log in logs]

    return _delegate_changed


class Batch:
    """Transactions queued with automine off; `receipts` is filled once their block is mined."""

    def __init__(self, chain: Any) -> None:
        self._chain = chain
        self._hashes: list[str] = []
        self.receipts: list[Any] = []

    def send(self, contract: Any, method: str, *args: Any, sender: Any) -> None:
        nonce = self._chain.provider.web3.eth.get_transaction_count(sender.address, "pending")
        txn = contract.invoke_transaction(
            method, *args, sender=sender, nonce=nonce, gas=BATCH_GAS, required_confirmations=0
        )
        self._hashes.append(txn.txn_hash)

    def _collect(self) -> None:
        self.receipts = [self._chain.provider.get_receipt(txn_hash) for txn_hash in self._hashes]

    @property
    def block_number(self) -> int:
        return self.receipts[0].block_number


@pytest.fixture
def one_block(chain: Any) -> Callable[[], Any]:
    """`with one_block() as batch: batch.send(token, "transfer", bob, 1, sender=alice)` mines every
    queued transaction in a single block (anvil automine off, then one `evm_mine`)."""

    @contextmanager
    def _one_block() -> Iterator[Batch]:
        batch = Batch(chain)
        chain.provider.make_request("evm_setAutomine", [False])
        try:
            yield batch
            chain.provider.make_request("evm_mine", [])
        finally:
            chain.provider.make_request("evm_setAutomine", [True])
        batch._collect()
        assert all(receipt.status == 1 for receipt in batch.receipts), "a batched transaction reverted"
        assert len({receipt.block_number for receipt in batch.receipts}) == 1, "batch spread over blocks"

    return _one_block
