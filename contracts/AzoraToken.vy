# pragma version 0.4.3
# pragma nonreentrancy on
"""
@title Azora Token (AZR)
@license MIT
@notice The AZR token: an ERC-20 with EIP-2612 permit, ERC-5267 domain
        introspection, a constant hard cap of 1,000,000,000 AZR, and
        ERC-5805 voting power (delegation with block-number checkpoints,
        EIP-6372 clock) so that AzoraGovernor can count votes at a past
        snapshot. Undelegated tokens carry no votes, as in OpenZeppelin's
        ERC20Votes.
@custom:security DEFAULT_ADMIN_ROLE (the Timelock after deployment) grants
        and revokes MINTER_ROLE. Only MINTER_ROLE holders (ProofOfKnowledge,
        the Timelock) may `mint`, and never beyond the cap. Every other entry
        point acts on the caller's own tokens, on an allowance, or on an
        EIP-712 signature checked for expiry, nonce and low-s.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

from snekmate.auth import access_control
from snekmate.auth import ownable
from snekmate.tokens import erc20
from snekmate.utils import ecdsa
from snekmate.utils import eip712_domain_separator

implements: IERC20
implements: IERC20Detailed

initializes: ownable
initializes: erc20[ownable := ownable]
initializes: access_control

# @dev `erc20` initialises the EIP-712 domain; delegateBySig signs over the same one.
uses: eip712_domain_separator

exports: (
    # ERC-20 reads and approvals come straight from snekmate. `transfer`,
    # `transferFrom`, `burn`, `burn_from` and `mint` are re-implemented below
    # because they must move voting power; `set_minter`, `is_minter`, `owner`,
    # `transfer_ownership` and `renounce_ownership` are left out on purpose:
    # minting is governed by MINTER_ROLE of `access_control` instead.
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
    erc20.balanceOf,
    erc20.allowance,
    erc20.approve,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
    access_control.__interface__,
)


# @dev The hard cap on the total supply: 1,000,000,000 AZR with 18 decimals.
CAP: public(constant(uint256)) = 1_000_000_000 * 10**18

# @dev The role allowed to mint new tokens (ProofOfKnowledge, the Timelock).
MINTER_ROLE: public(constant(bytes32)) = keccak256("MINTER_ROLE")

# @dev EIP-712 type hash of a gasless delegation (ERC-5805 `delegateBySig`).
DELEGATION_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Delegation(address delegatee,uint256 nonce,uint256 expiry)"
)

# @dev The most genesis recipients a deployment may name.
MAX_GENESIS: constant(uint256) = 64

# @dev Checkpoints are packed into one word: block number above bit 208,
# the value in the low 208 bits (the cap is far below 2**208).
_KEY_SHIFT: constant(uint256) = 208
_VALUE_MASK: constant(uint256) = 2**208 - 1

# @dev Upper bound on binary-search iterations (2**64 checkpoints).
_MAX_SEARCH: constant(uint256) = 64

# @dev The trace of the total supply: above every address, so it never
# collides with a delegate's trace.
_SUPPLY_TRACE: constant(uint256) = 2**160


# @dev A voting-power checkpoint as returned by `checkpoints` (OZ Checkpoint208).
struct Checkpoint:
    fromBlock: uint48
    votes: uint208


# @dev The account each holder has delegated its voting power to.
delegates: public(HashMap[address, address])

# @dev Packed checkpoints of each trace, by position. A delegate's votes are
# the trace `convert(delegate, uint256)`; the total supply is SUPPLY_TRACE.
_traces: HashMap[uint256, HashMap[uint256, uint256]]

# @dev Number of checkpoints of each trace.
_trace_length: HashMap[uint256, uint256]


# @dev Emitted when `delegator` changes its delegate.
event DelegateChanged:
    delegator: indexed(address)
    fromDelegate: indexed(address)
    toDelegate: indexed(address)


# @dev Emitted when a delegate's voting power changes.
event DelegateVotesChanged:
    delegate: indexed(address)
    previousVotes: uint256
    newVotes: uint256


@deploy
def __init__(recipients: DynArray[address, MAX_GENESIS], amounts: DynArray[uint256, MAX_GENESIS]):
    """
    @notice Deploys AZR and mints the genesis allocation. The deployer
            receives DEFAULT_ADMIN_ROLE, which the deploy script hands to
            the configured admin (the Timelock) before renouncing it.
    @param recipients The genesis recipients.
    @param amounts The amount (in wei) minted to each recipient.
    """
    assert len(recipients) == len(amounts), "token: genesis length mismatch"
    ownable.__init__()
    erc20.__init__("Azora", "AZR", 18, "Azora", "1")
    access_control.__init__()
    # The snekmate erc20 minter flag and ownership are unused here: clear them
    # so no address holds a dormant privilege.
    erc20.is_minter[msg.sender] = False
    log erc20.RoleMinterChanged(minter=msg.sender, status=False)
    ownable._transfer_ownership(empty(address))

    for i: uint256 in range(len(recipients), bound=MAX_GENESIS):
        self._mint(recipients[i], amounts[i])


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` tokens from the caller to `to`, moving the
            matching voting power between their delegates.
    @param to The receiver.
    @param amount The amount in wei.
    @return bool Always True (reverts on failure).
    """
    erc20._transfer(msg.sender, to, amount)
    self._move_voting_power(self.delegates[msg.sender], self.delegates[to], amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Moves `amount` tokens from `owner` to `to` using the caller's
            allowance, moving the matching voting power.
    @param owner The account tokens are taken from.
    @param to The receiver.
    @param amount The amount in wei.
    @return bool Always True (reverts on failure).
    """
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._transfer(owner, to, amount)
    self._move_voting_power(self.delegates[owner], self.delegates[to], amount)
    return True


@external
def mint(owner: address, amount: uint256):
    """
    @notice Creates `amount` new tokens for `owner`. Only MINTER_ROLE;
            the total supply can never exceed CAP.
    @param owner The receiver of the new tokens.
    @param amount The amount in wei.
    """
    assert access_control.hasRole[MINTER_ROLE][msg.sender], "token: caller is not a minter"
    self._mint(owner, amount)


@external
def burn(amount: uint256):
    """
    @notice Destroys `amount` of the caller's tokens.
    @param amount The amount in wei.
    """
    self._burn(msg.sender, amount)


@external
def burn_from(owner: address, amount: uint256):
    """
    @notice Destroys `amount` of `owner`'s tokens using the caller's allowance.
    @param owner The account whose tokens are burned.
    @param amount The amount in wei.
    """
    erc20._spend_allowance(owner, msg.sender, amount)
    self._burn(owner, amount)


@external
def delegate(delegatee: address):
    """
    @notice Delegates all of the caller's voting power to `delegatee`
            (the caller itself to vote directly; the zero address to
            withdraw its votes).
    @param delegatee The new delegate.
    """
    self._delegate(msg.sender, delegatee)


@external
def delegateBySig(delegatee: address, nonce: uint256, expiry: uint256, v: uint8, r: bytes32, s: bytes32):
    """
    @notice Delegates on behalf of the signer of an EIP-712 `Delegation`,
            so that a relayer can pay the gas. The nonce is shared with
            `permit`; high-s signatures are refused.
    @param delegatee The new delegate.
    @param nonce The signer's current nonce.
    @param expiry The last block timestamp at which the signature is valid.
    @param v The secp256k1 recovery id.
    @param r The secp256k1 signature r value.
    @param s The secp256k1 signature s value (lower half order).
    """
    assert block.timestamp <= expiry, "token: signature expired"
    struct_hash: bytes32 = keccak256(abi_encode(DELEGATION_TYPEHASH, delegatee, nonce, expiry))
    digest: bytes32 = eip712_domain_separator._hash_typed_data_v4(struct_hash)
    signer: address = ecdsa._recover_vrs(
        digest, convert(v, uint256), convert(r, uint256), convert(s, uint256)
    )
    assert nonce == erc20.nonces[signer], "token: invalid nonce"
    erc20.nonces[signer] = unsafe_add(nonce, 1)
    self._delegate(signer, delegatee)


@external
@view
def clock() -> uint48:
    """
    @notice The EIP-6372 clock: the current block number.
    @return uint48 The current block number.
    """
    return convert(block.number, uint48)


@external
@view
def CLOCK_MODE() -> String[32]:
    """
    @notice The EIP-6372 clock description.
    @return String The machine-readable clock mode.
    """
    return "mode=blocknumber&from=default"


@external
@view
def getVotes(account: address) -> uint256:
    """
    @notice The current voting power of `account`.
    @param account The delegate.
    @return uint256 Votes in wei.
    """
    return self._latest(convert(account, uint256))


@external
@view
def getPastVotes(account: address, timepoint: uint256) -> uint256:
    """
    @notice The voting power of `account` at the end of block `timepoint`.
    @param account The delegate.
    @param timepoint A block number strictly before the current one.
    @return uint256 Votes in wei.
    """
    assert timepoint < block.number, "token: future lookup"
    return self._lookup(convert(account, uint256), timepoint)


@external
@view
def getPastTotalSupply(timepoint: uint256) -> uint256:
    """
    @notice The total supply at the end of block `timepoint`.
    @param timepoint A block number strictly before the current one.
    @return uint256 Supply in wei.
    """
    assert timepoint < block.number, "token: future lookup"
    return self._lookup(_SUPPLY_TRACE, timepoint)


@external
@view
def numCheckpoints(account: address) -> uint32:
    """
    @notice The number of voting-power checkpoints of `account`.
    @param account The delegate.
    @return uint32 The checkpoint count.
    """
    return convert(self._trace_length[convert(account, uint256)], uint32)


@external
@view
def checkpoints(account: address, pos: uint32) -> Checkpoint:
    """
    @notice The `pos`-th voting-power checkpoint of `account`.
    @param account The delegate.
    @param pos The zero-based checkpoint position.
    @return Checkpoint The block it starts at and the votes from then on.
    """
    trace: uint256 = convert(account, uint256)
    assert convert(pos, uint256) < self._trace_length[trace], "token: checkpoint out of range"
    packed: uint256 = self._traces[trace][convert(pos, uint256)]
    return Checkpoint(
        fromBlock=convert(packed >> _KEY_SHIFT, uint48), votes=convert(packed & _VALUE_MASK, uint208)
    )


@internal
def _mint(owner: address, amount: uint256):
    """
    @dev Mints within the cap and records the supply and vote changes.
    @param owner The receiver.
    @param amount The amount in wei.
    """
    assert erc20.totalSupply + amount <= CAP, "token: cap exceeded"
    erc20._mint(owner, amount)
    self._push(_SUPPLY_TRACE, amount, True)
    self._move_voting_power(empty(address), self.delegates[owner], amount)


@internal
def _burn(owner: address, amount: uint256):
    """
    @dev Burns and records the supply and vote changes.
    @param owner The account whose tokens are burned.
    @param amount The amount in wei.
    """
    erc20._burn(owner, amount)
    self._push(_SUPPLY_TRACE, amount, False)
    self._move_voting_power(self.delegates[owner], empty(address), amount)


@internal
def _delegate(account: address, delegatee: address):
    """
    @dev Changes `account`'s delegate and moves its whole balance of votes.
    @param account The delegator.
    @param delegatee The new delegate.
    """
    previous: address = self.delegates[account]
    self.delegates[account] = delegatee
    log DelegateChanged(delegator=account, fromDelegate=previous, toDelegate=delegatee)
    self._move_voting_power(previous, delegatee, erc20.balanceOf[account])


@internal
def _move_voting_power(src: address, dst: address, amount: uint256):
    """
    @dev Moves `amount` votes from delegate `src` to delegate `dst`
         (the zero address stands for "no delegate").
    @param src The delegate losing votes.
    @param dst The delegate gaining votes.
    @param amount The votes moved, in wei.
    """
    if src == dst or amount == 0:
        return
    if src != empty(address):
        old: uint256 = self._push(convert(src, uint256), amount, False)
        log DelegateVotesChanged(delegate=src, previousVotes=old, newVotes=old - amount)
    if dst != empty(address):
        old: uint256 = self._push(convert(dst, uint256), amount, True)
        log DelegateVotesChanged(delegate=dst, previousVotes=old, newVotes=old + amount)


@internal
def _push(trace: uint256, amount: uint256, increase: bool) -> uint256:
    """
    @dev Writes a trace's new value at the current block, updating the
         last checkpoint in place if it is of this block.
    @param trace The trace: an account's votes or SUPPLY_TRACE.
    @param amount The change, in wei.
    @param increase True to add, False to subtract.
    @return uint256 The value before the change.
    """
    n: uint256 = self._trace_length[trace]
    last: uint256 = 0
    if n != 0:
        last = self._traces[trace][n - 1]
    old: uint256 = last & _VALUE_MASK
    new: uint256 = 0
    if increase:
        new = old + amount
    else:
        new = old - amount
    packed: uint256 = (block.number << _KEY_SHIFT) | new
    if n != 0 and (last >> _KEY_SHIFT) == block.number:
        self._traces[trace][n - 1] = packed
    else:
        self._traces[trace][n] = packed
        self._trace_length[trace] = n + 1
    return old


@internal
@view
def _latest(trace: uint256) -> uint256:
    """
    @dev The current value of a trace.
    @param trace The trace.
    @return uint256 The value (0 with no checkpoint).
    """
    n: uint256 = self._trace_length[trace]
    if n == 0:
        return 0
    return self._traces[trace][n - 1] & _VALUE_MASK


@internal
@view
def _lookup(trace: uint256, timepoint: uint256) -> uint256:
    """
    @dev The value of the last checkpoint of a trace at or before `timepoint`.
    @param trace The trace.
    @param timepoint The block number.
    @return uint256 The value (0 before the first checkpoint).
    """
    n: uint256 = self._trace_length[trace]
    if n == 0:
        return 0
    # Fast path: the latest checkpoint is usually older than the snapshot.
    last: uint256 = self._traces[trace][n - 1]
    if (last >> _KEY_SHIFT) <= timepoint:
        return last & _VALUE_MASK
    # Binary search in [0, n - 1) for the first checkpoint after `timepoint`.
    low: uint256 = 0
    high: uint256 = n - 1
    for _: uint256 in range(_MAX_SEARCH):
        if low >= high:
            break
        mid: uint256 = unsafe_div(unsafe_add(low, high), 2)
        if (self._traces[trace][mid] >> _KEY_SHIFT) > timepoint:
            high = mid
        else:
            low = unsafe_add(mid, 1)
    if low == 0:
        return 0
    return self._traces[trace][low - 1] & _VALUE_MASK
