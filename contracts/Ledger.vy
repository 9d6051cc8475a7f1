# pragma version 0.4.3
# pragma nonreentrancy on
"""
@title Azora Ledger
@license MIT
@notice An append-only, hash-chained journal of every economic movement in
        Azora (rewards, Ubuntu shares, treasury flows, escrow, lending).
        Entry n extends the chain as
        head_n = keccak256(abi_encode(head_{n-1}, n, kind, account, amount, ref, block.number)),
        with head_0 = 0x00..00 and entries numbered from 1, so anyone can
        recompute `head` from the `Recorded` events alone.
@custom:security Only WRITER_ROLE (the other Azora contracts) may `record`.
        DEFAULT_ADMIN_ROLE (the Timelock after deployment) grants and revokes
        writers. Entries can never be changed or removed.
"""

from snekmate.auth import access_control

initializes: access_control

exports: access_control.__interface__


# @dev The role allowed to append entries (the other Azora contracts).
WRITER_ROLE: public(constant(bytes32)) = keccak256("WRITER_ROLE")

# @dev Entry kinds. A kind is the keccak256 of its name.
REWARD: public(constant(bytes32)) = keccak256("REWARD")
UBUNTU_SHARE: public(constant(bytes32)) = keccak256("UBUNTU_SHARE")
TREASURY_IN: public(constant(bytes32)) = keccak256("TREASURY_IN")
TREASURY_OUT: public(constant(bytes32)) = keccak256("TREASURY_OUT")
STREAM_CLAIM: public(constant(bytes32)) = keccak256("STREAM_CLAIM")
ESCROW_OPEN: public(constant(bytes32)) = keccak256("ESCROW_OPEN")
ESCROW_RELEASE: public(constant(bytes32)) = keccak256("ESCROW_RELEASE")
ESCROW_REFUND: public(constant(bytes32)) = keccak256("ESCROW_REFUND")
FEE: public(constant(bytes32)) = keccak256("FEE")
LEND_DEPOSIT: public(constant(bytes32)) = keccak256("LEND_DEPOSIT")
LEND_WITHDRAW: public(constant(bytes32)) = keccak256("LEND_WITHDRAW")
BORROW: public(constant(bytes32)) = keccak256("BORROW")
REPAY: public(constant(bytes32)) = keccak256("REPAY")
LIQUIDATION: public(constant(bytes32)) = keccak256("LIQUIDATION")
RESERVE: public(constant(bytes32)) = keccak256("RESERVE")


# @dev Number of entries recorded so far (the index of the latest entry).
count: public(uint256)

# @dev The hash of the chain after the latest entry (0x00..00 when empty).
head: public(bytes32)


# @dev Emitted for every entry; `head` is the chain hash after it.
event Recorded:
    index: indexed(uint256)
    kind: indexed(bytes32)
    account: indexed(address)
    amount: uint256
    ref: bytes32
    head: bytes32


@deploy
def __init__():
    """
    @notice Deploys an empty ledger. The deployer receives DEFAULT_ADMIN_ROLE,
            which the deploy script hands to the configured admin.
    """
    access_control.__init__()


@external
def record(kind: bytes32, account: address, amount: uint256, ref: bytes32) -> uint256:
    """
    @notice Appends an entry and extends the hash chain. Only WRITER_ROLE.
    @param kind The entry kind (one of the constants above).
    @param account The account the movement concerns.
    @param amount The amount in wei.
    @param ref A reference chosen by the writer (attestation uid, order id, ...).
    @return uint256 The index of the new entry (1-based).
    """
    assert access_control.hasRole[WRITER_ROLE][msg.sender], "ledger: caller is not a writer"
    assert kind != empty(bytes32), "ledger: empty kind"
    index: uint256 = self.count + 1
    new_head: bytes32 = keccak256(abi_encode(self.head, index, kind, account, amount, ref, block.number))
    self.count = index
    self.head = new_head
    log Recorded(index=index, kind=kind, account=account, amount=amount, ref=ref, head=new_head)
    return index
