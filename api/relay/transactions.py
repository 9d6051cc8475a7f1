"""Decoding of user-signed raw transactions: legacy (EIP-155), EIP-2930 (type 1), EIP-1559 (type 2).

Only the fields the relay checks are kept: chain id, nonce, gas limit, recipient, value, data
and fees. The sender is recovered from the signature (eth-account), the hash is the keccak of
the raw bytes, exactly as the node computes them. Blob (type 3) and set-code (type 4)
transactions are refused: neither is needed to call an Azora contract, and a set-code
authorisation could hand an account to arbitrary code.
"""

from __future__ import annotations

from dataclasses import dataclass

import rlp
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from api.relay.exceptions import InvalidTransactionError, WrongChainError

LEGACY_FIELDS = 9  # nonce, gasPrice, gas, to, value, data, v, r, s
ACCESS_LIST_FIELDS = 11  # chainId, nonce, gasPrice, gas, to, value, data, accessList, yParity, r, s
DYNAMIC_FEE_FIELDS = 12  # chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to, ..., r, s


@dataclass(frozen=True)
class RawTransaction:
    """A decoded signed transaction."""

    type: int
    chain_id: int | None  # None: a pre-EIP-155 legacy transaction (valid on every chain)
    nonce: int
    gas: int
    to: str | None  # None: contract creation
    value: int
    data: bytes
    max_fee_per_gas: int  # the gas price of legacy and type-1 transactions
    max_priority_fee_per_gas: int
    sender: str
    tx_hash: str


def _int(field: object, name: str) -> int:
    if not isinstance(field, bytes) or (field[:1] == b"\x00"):
        raise InvalidTransactionError(f"the {name} field is not a canonical integer")
    return int.from_bytes(field, "big")


def _bytes(field: object, name: str) -> bytes:
    if not isinstance(field, bytes):
        raise InvalidTransactionError(f"the {name} field is not a byte string")
    return field


def _recipient(field: object) -> str | None:
    to = _bytes(field, "to")
    if not to:
        return None
    if len(to) != 20:
        raise InvalidTransactionError(f"the recipient is {len(to)} bytes, not 20")
    return to_checksum_address(to)


def _items(payload: bytes, expected: int, kind: str) -> list[object]:
    try:
        items = rlp.decode(payload, strict=True)
    except rlp.exceptions.DecodingError as exc:
        raise InvalidTransactionError(f"not a valid RLP-encoded {kind} transaction") from exc
    if not isinstance(items, list) or len(items) != expected:
        raise InvalidTransactionError(f"a {kind} transaction has {expected} fields")
    return items


def decode_raw_transaction(raw: bytes) -> RawTransaction:
    """Decode and recover a signed transaction; InvalidTransactionError if it cannot be."""
    if not raw:
        raise InvalidTransactionError("the raw transaction is empty")
    first = raw[0]
    if first >= 0xC0:
        items = _items(raw, LEGACY_FIELDS, "legacy")
        v = _int(items[6], "v")
        if v in (27, 28):
            raise WrongChainError(
                "a pre-EIP-155 transaction carries no chain id and could be replayed on any chain; "
                "sign it with a chain id"
            )
        if v < 35:
            raise InvalidTransactionError(f"invalid legacy v value {v}")
        tx_type, chain_id = 0, (v - 35) // 2
        nonce, price, gas = _int(items[0], "nonce"), _int(items[1], "gasPrice"), _int(items[2], "gas")
        to, value, data = _recipient(items[3]), _int(items[4], "value"), _bytes(items[5], "data")
        max_fee = tip = price
    elif first == 1:
        items = _items(raw[1:], ACCESS_LIST_FIELDS, "EIP-2930")
        tx_type, chain_id = 1, _int(items[0], "chainId")
        nonce, price, gas = _int(items[1], "nonce"), _int(items[2], "gasPrice"), _int(items[3], "gas")
        to, value, data = _recipient(items[4]), _int(items[5], "value"), _bytes(items[6], "data")
        max_fee = tip = price
    elif first == 2:
        items = _items(raw[1:], DYNAMIC_FEE_FIELDS, "EIP-1559")
        tx_type, chain_id = 2, _int(items[0], "chainId")
        nonce, tip = _int(items[1], "nonce"), _int(items[2], "maxPriorityFeePerGas")
        max_fee, gas = _int(items[3], "maxFeePerGas"), _int(items[4], "gas")
        to, value, data = _recipient(items[5]), _int(items[6], "value"), _bytes(items[7], "data")
    else:
        raise InvalidTransactionError(
            f"transaction type {first} is not relayed (only legacy, EIP-2930 and EIP-1559 transactions)"
        )
    try:
        sender = Account.recover_transaction(raw)
    except Exception as exc:  # eth-account raises several types for a bad signature
        raise InvalidTransactionError("the transaction's signature does not recover") from exc
    return RawTransaction(
        type=tx_type,
        chain_id=chain_id,
        nonce=nonce,
        gas=gas,
        to=to,
        value=value,
        data=data,
        max_fee_per_gas=max_fee,
        max_priority_fee_per_gas=tip,
        sender=to_checksum_address(sender),
        tx_hash="0x" + keccak(raw).hex(),
    )
