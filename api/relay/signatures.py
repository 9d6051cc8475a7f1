"""EIP-712 digests of the gasless payloads and secp256k1 signer recovery, as the contracts do it.

The digest is ``keccak256(0x1901 || DOMAIN_SEPARATOR || structHash)``; the domain separator is
read from the contract itself (`DOMAIN_SEPARATOR()`), so the API can never disagree with the
contract about name, version, chain id or address. Recovery applies the contracts' rules
(snekmate `ecdsa`): v in {27, 28} (0 and 1 are accepted and normalised), 0 < r, s < n, and a
low s (s <= n/2) so a malleable twin of a signature is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_keys import keys
from eth_keys.exceptions import BadSignature, ValidationError
from eth_utils import keccak, to_checksum_address

from api.relay.exceptions import InvalidSignatureError

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_HALF_N = SECP256K1_N // 2

DELEGATION_TYPEHASH = keccak(text="Delegation(address delegatee,uint256 nonce,uint256 expiry)")
BALLOT_TYPEHASH = keccak(text="Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)")


@dataclass(frozen=True)
class Signature:
    """A secp256k1 signature in the contracts' form: v in {27, 28}, r and s as 32-byte words."""

    v: int
    r: bytes
    s: bytes

    @classmethod
    def from_vrs(cls, v: int, r: bytes, s: bytes) -> Signature:
        """Check the ranges the contracts check; v of 0 / 1 (some wallets) becomes 27 / 28."""
        if v in (0, 1):
            v += 27
        if v not in (27, 28):
            raise InvalidSignatureError(f"v must be 27 or 28 (or 0 / 1), not {v}")
        if len(r) != 32 or len(s) != 32:
            raise InvalidSignatureError("r and s must be 32 bytes each")
        r_int, s_int = int.from_bytes(r, "big"), int.from_bytes(s, "big")
        if not 0 < r_int < SECP256K1_N or not 0 < s_int < SECP256K1_N:
            raise InvalidSignatureError("r and s must be in [1, n - 1] of secp256k1")
        if s_int > SECP256K1_HALF_N:
            raise InvalidSignatureError(
                "s is in the upper half of the curve order (a malleable signature, refused by the "
                "contract); use a signer producing low-s signatures (every common wallet does)"
            )
        return cls(v=v, r=r, s=s)

    @classmethod
    def from_bytes(cls, signature: bytes) -> Signature:
        """A 65-byte ``r || s || v`` signature (the `eth_signTypedData_v4` form)."""
        if len(signature) != 65:
            raise InvalidSignatureError(f"a signature is 65 bytes (r, s, v), not {len(signature)}")
        return cls.from_vrs(signature[64], signature[:32], signature[32:64])

    def to_bytes(self) -> bytes:
        """``r || s || v`` with v in {27, 28}, as `castVoteBySig` takes it."""
        return self.r + self.s + bytes([self.v])

    def recover(self, digest: bytes) -> str:
        """The checksummed address that signed `digest`."""
        vrs = (self.v - 27, int.from_bytes(self.r, "big"), int.from_bytes(self.s, "big"))
        try:
            public_key = keys.Signature(vrs=vrs).recover_public_key_from_msg_hash(digest)
        except (BadSignature, ValidationError) as exc:
            raise InvalidSignatureError("the signature does not recover to any address") from exc
        return to_checksum_address(public_key.to_canonical_address())


def typed_data_digest(domain_separator: bytes, struct_hash: bytes) -> bytes:
    """The EIP-712 digest of a struct under a domain."""
    return keccak(b"\x19\x01" + domain_separator + struct_hash)


def delegation_struct_hash(delegatee: str, nonce: int, expiry: int) -> bytes:
    """``hashStruct(Delegation(delegatee, nonce, expiry))`` (ERC-5805, AzoraToken.delegateBySig)."""
    return keccak(
        encode(["bytes32", "address", "uint256", "uint256"], [DELEGATION_TYPEHASH, delegatee, nonce, expiry])
    )


def ballot_struct_hash(proposal_id: int, support: int, voter: str, nonce: int) -> bytes:
    """``hashStruct(Ballot(proposalId, support, voter, nonce))`` (OZ Governor v5, castVoteBySig)."""
    return keccak(
        encode(
            ["bytes32", "uint256", "uint8", "address", "uint256"],
            [BALLOT_TYPEHASH, proposal_id, support, voter, nonce],
        )
    )
