# pragma version 0.4.3
# pragma nonreentrancy on
"""
@title Test ERC-1271 Contract Signer
@license MIT
@notice A minimal contract wallet for the OracleHub's ERC-1271 path: it
        approves exactly the digests its owner EOA signed (65-byte ECDSA,
        low-s). Never deployed outside tests.
@custom:security Stateless; `OWNER` is fixed at deployment.
"""

from snekmate.utils import ecdsa


# @dev The ERC-1271 magic value returned for a valid signature.
MAGIC_VALUE: constant(bytes4) = 0x1626BA7E

# @dev The EOA whose signatures this wallet accepts.
OWNER: public(immutable(address))


@deploy
def __init__(owner: address):
    """
    @notice Deploys the wallet.
    @param owner The EOA whose signatures it accepts.
    """
    OWNER = owner


@external
@view
def isValidSignature(digest: bytes32, signature: Bytes[65]) -> bytes4:
    """
    @notice ERC-1271: whether `signature` is the owner's signature of `digest`.
    @param digest The signed hash.
    @param signature The owner's 65-byte ECDSA signature.
    @return bytes4 0x1626ba7e if valid, 0xffffffff otherwise (reverts on a
            malformed or high-s signature).
    """
    if ecdsa._recover_sig(digest, signature) == OWNER:
        return MAGIC_VALUE
    return 0xFFFFFFFF
