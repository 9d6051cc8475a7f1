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
        ERC20Votes. Balances and vote checkpoints are bit-packed (the cap
        fits in 90 bits), so that the vote bookkeeping of a transfer or a
        delegation writes fewer storage slots than ERC20Votes (the layout
        is described at the state variables below).
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
    # ERC-20 metadata, allowances, permit and the supply come straight from
    # snekmate. Balances live in this contract's packed account words (with
    # the delegate), so `balanceOf` and every function that moves tokens —
    # `transfer`, `transferFrom`, `burn`, `burn_from`, `mint` — are
    # re-implemented below, with snekmate's checks and revert strings;
    # snekmate's own `balanceOf` map stays empty and is not exported.
    # `set_minter`, `is_minter`, `owner`, `transfer_ownership` and
    # `renounce_ownership` are left out on purpose: minting is governed by
    # MINTER_ROLE of `access_control` instead.
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.totalSupply,
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

# @dev An account word holds the balance in the low 96 bits and the
# delegate above them. Balances never exceed the cap (< 2**90).
_BALANCE_MASK: constant(uint256) = 2**96 - 1
_DELEGATE_SHIFT: constant(uint256) = 96

# @dev A checkpoint is 128 bits: its block number above bit 90, the value in
# the low 90 bits (every value is at most the cap, < 2**90).
_VALUE_BITS: constant(uint256) = 90
_VALUE_MASK: constant(uint256) = 2**90 - 1
_ENTRY_BITS: constant(uint256) = 128
_ENTRY_MASK: constant(uint256) = 2**128 - 1

# @dev Checkpoint block numbers must fit their 38 bits (2.7e11 blocks).
_MAX_BLOCK: constant(uint256) = 2**38 - 1

# @dev Upper bound on binary-search iterations (2**64 checkpoints).
_MAX_SEARCH: constant(uint256) = 64

# @dev History keys: the trace (at most 161 bits) above a 64-bit word index.
_INDEX_BITS: constant(uint256) = 64

# @dev A head word's lowest count bit (set: an odd checkpoint count), and the
# shift that turns a head into count // 2.
_COUNT_ODD: constant(uint256) = 2**128
_HALF_COUNT_SHIFT: constant(uint256) = 129

# @dev The trace of the total supply: above every address, so it never
# collides with a delegate's trace.
_SUPPLY_TRACE: constant(uint256) = 2**160


# @dev A voting-power checkpoint as returned by `checkpoints` (OZ Checkpoint208).
struct Checkpoint:
    fromBlock: uint48
    votes: uint208


# @dev Each holder's packed account word: delegate << 96 | balance.
_accounts: HashMap[address, uint256]

# @dev The head of each trace: its checkpoint count above bit 128 and its
# latest checkpoint in the low 128 bits. A delegate's votes are the trace
# `convert(delegate, uint256)`; the total supply is _SUPPLY_TRACE.
_heads: HashMap[uint256, uint256]

# @dev The older checkpoints of each trace (all but the latest), two per
# word: checkpoint i of trace t is in the word at key t << 64 | i // 2, low
# half if i is even, high half if odd. So every other new checkpoint writes
# to a word already in use. (One flat map: one hash per access.)
_history: HashMap[uint256, uint256]


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
    self._transfer(msg.sender, to, amount)
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
    self._transfer(owner, to, amount)
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
@reentrant
def delegate(delegatee: address):
    """
    @notice Delegates all of the caller's voting power to `delegatee`
            (the caller itself to vote directly; the zero address to
            withdraw its votes).
    @dev Outside the re-entrancy lock, as `delegateBySig`: the token makes
         no external call (its only call is to the ecrecover precompile),
         so no other code can run while it executes, and the lock would
         only cost ~330 gas. The body is `_delegate(msg.sender, delegatee)`
         with `_move_voting_power` and `_push` written out: the internal
         calls would cost a delegation up to ~520 gas. Keep them in step.
    @param delegatee The new delegate.
    """
    word: uint256 = self._accounts[msg.sender]
    previous: address = convert(word >> _DELEGATE_SHIFT, address)
    balance: uint256 = word & _BALANCE_MASK
    self._accounts[msg.sender] = (convert(delegatee, uint256) << _DELEGATE_SHIFT) | balance
    log DelegateChanged(delegator=msg.sender, fromDelegate=previous, toDelegate=delegatee)
    # Zero when previous == delegatee or balance == 0: no votes to move. The
    # product is below 2**160 * 2**90, so it cannot wrap to zero.
    if unsafe_mul(convert(previous, uint256) ^ convert(delegatee, uint256), balance) == 0:
        return
    # Checked once for both traces: out of range, no checkpoint can be in the
    # current block, so `_push` would reach its own check for either trace.
    assert block.number <= _MAX_BLOCK, "token: block number out of range"
    if previous != empty(address):
        head: uint256 = self._heads[convert(previous, uint256)]
        old: uint256 = head & _VALUE_MASK
        # As balance > 0, this also shows that the trace has a checkpoint
        # (head != 0): no first-checkpoint case below.
        assert old >= balance
        new: uint256 = unsafe_sub(old, balance)
        if (head & _ENTRY_MASK) >> _VALUE_BITS == block.number:
            self._heads[convert(previous, uint256)] = (head & ~_VALUE_MASK) | new
        else:
            if head & _COUNT_ODD == 0:
                key: uint256 = unsafe_sub(
                    (convert(previous, uint256) << _INDEX_BITS) | (head >> _HALF_COUNT_SHIFT), 1
                )
                self._history[key] = self._history[key] | (head << _ENTRY_BITS)
            else:
                self._history[(convert(previous, uint256) << _INDEX_BITS) | (head >> _HALF_COUNT_SHIFT)] = (
                    head & _ENTRY_MASK
                )
            self._heads[convert(previous, uint256)] = (
                unsafe_add(head | _ENTRY_MASK, 1) | (block.number << _VALUE_BITS) | new
            )
        log DelegateVotesChanged(delegate=previous, previousVotes=old, newVotes=new)
    if delegatee != empty(address):
        head: uint256 = self._heads[convert(delegatee, uint256)]
        old: uint256 = head & _VALUE_MASK
        # At most the total supply, which the cap keeps below 2**90.
        new: uint256 = unsafe_add(old, balance)
        if head == 0:
            self._heads[convert(delegatee, uint256)] = (
                _COUNT_ODD | (block.number << _VALUE_BITS) | new
            )
        elif (head & _ENTRY_MASK) >> _VALUE_BITS == block.number:
            self._heads[convert(delegatee, uint256)] = (head & ~_VALUE_MASK) | new
        else:
            if head & _COUNT_ODD == 0:
                key: uint256 = unsafe_sub(
                    (convert(delegatee, uint256) << _INDEX_BITS) | (head >> _HALF_COUNT_SHIFT), 1
                )
                self._history[key] = self._history[key] | (head << _ENTRY_BITS)
            else:
                self._history[(convert(delegatee, uint256) << _INDEX_BITS) | (head >> _HALF_COUNT_SHIFT)] = (
                    head & _ENTRY_MASK
                )
            self._heads[convert(delegatee, uint256)] = (
                unsafe_add(head | _ENTRY_MASK, 1) | (block.number << _VALUE_BITS) | new
            )
        log DelegateVotesChanged(delegate=delegatee, previousVotes=old, newVotes=new)


@external
@reentrant
def delegateBySig(delegatee: address, nonce: uint256, expiry: uint256, v: uint8, r: bytes32, s: bytes32):
    """
    @notice Delegates on behalf of the signer of an EIP-712 `Delegation`,
            so that a relayer can pay the gas. The nonce is shared with
            `permit`; high-s signatures are refused.
    @dev Outside the re-entrancy lock, as `delegate`: its only call is to
         the ecrecover precompile, which runs no contract code.
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
def balanceOf(owner: address) -> uint256:
    """
    @notice The AZR balance of `owner`.
    @param owner The account.
    @return uint256 The balance in wei.
    """
    return self._accounts[owner] & _BALANCE_MASK


@external
@view
def delegates(account: address) -> address:
    """
    @notice The account `account` has delegated its voting power to.
    @param account The holder.
    @return address The delegate (the zero address: none).
    """
    return self._delegate_of(self._accounts[account])


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
    return convert(self._heads[convert(account, uint256)] >> _ENTRY_BITS, uint32)


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
    head: uint256 = self._heads[trace]
    n: uint256 = head >> _ENTRY_BITS
    i: uint256 = convert(pos, uint256)
    assert i < n, "token: checkpoint out of range"
    entry: uint256 = head & _ENTRY_MASK
    if i != n - 1:
        entry = self._history_entry(trace, i)
    return Checkpoint(
        fromBlock=convert(entry >> _VALUE_BITS, uint48), votes=convert(entry & _VALUE_MASK, uint208)
    )


@internal
def _transfer(owner: address, to: address, amount: uint256):
    """
    @dev Moves `amount` from `owner` to `to` (snekmate's checks and event)
         and the matching votes between their delegates.
    @param owner The sender.
    @param to The receiver.
    @param amount The amount in wei.
    """
    assert owner != empty(address), "erc20: transfer from the zero address"
    assert to != empty(address), "erc20: transfer to the zero address"
    owner_word: uint256 = self._accounts[owner]
    assert owner_word & _BALANCE_MASK >= amount, "erc20: transfer amount exceeds balance"
    # The balance field absorbs the change: no borrow from or carry into the delegate.
    self._accounts[owner] = unsafe_sub(owner_word, amount)
    # Read after the write, so that a transfer to oneself sees the debit.
    to_word: uint256 = self._accounts[to]
    self._accounts[to] = unsafe_add(to_word, amount)
    log IERC20.Transfer(sender=owner, receiver=to, value=amount)
    self._move_voting_power(self._delegate_of(owner_word), self._delegate_of(to_word), amount)


@internal
def _mint(owner: address, amount: uint256):
    """
    @dev Mints within the cap and records the supply and vote changes.
    @param owner The receiver.
    @param amount The amount in wei.
    """
    supply: uint256 = erc20.totalSupply + amount
    assert supply <= CAP, "token: cap exceeded"
    assert owner != empty(address), "erc20: mint to the zero address"
    erc20.totalSupply = supply
    word: uint256 = self._accounts[owner]
    # The new balance is at most the cap: no carry into the delegate.
    self._accounts[owner] = unsafe_add(word, amount)
    log IERC20.Transfer(sender=empty(address), receiver=owner, value=amount)
    self._push(_SUPPLY_TRACE, amount, True)
    self._move_voting_power(empty(address), self._delegate_of(word), amount)


@internal
def _burn(owner: address, amount: uint256):
    """
    @dev Burns and records the supply and vote changes.
    @param owner The account whose tokens are burned.
    @param amount The amount in wei.
    """
    assert owner != empty(address), "erc20: burn from the zero address"
    word: uint256 = self._accounts[owner]
    assert word & _BALANCE_MASK >= amount, "erc20: burn amount exceeds balance"
    self._accounts[owner] = unsafe_sub(word, amount)
    erc20.totalSupply = unsafe_sub(erc20.totalSupply, amount)
    log IERC20.Transfer(sender=owner, receiver=empty(address), value=amount)
    self._push(_SUPPLY_TRACE, amount, False)
    self._move_voting_power(self._delegate_of(word), empty(address), amount)


@internal
def _delegate(account: address, delegatee: address):
    """
    @dev Changes `account`'s delegate and moves its whole balance of votes
         (for `delegateBySig`; `delegate` writes this out).
    @param account The delegator.
    @param delegatee The new delegate.
    """
    word: uint256 = self._accounts[account]
    previous: address = self._delegate_of(word)
    balance: uint256 = word & _BALANCE_MASK
    self._accounts[account] = (convert(delegatee, uint256) << _DELEGATE_SHIFT) | balance
    log DelegateChanged(delegator=account, fromDelegate=previous, toDelegate=delegatee)
    self._move_voting_power(previous, delegatee, balance)


@internal
@pure
def _delegate_of(word: uint256) -> address:
    """
    @dev The delegate field of an account word.
    @param word The account word.
    @return address The delegate.
    """
    return convert(word >> _DELEGATE_SHIFT, address)


@internal
def _move_voting_power(src: address, dst: address, amount: uint256):
    """
    @dev Moves `amount` votes from delegate `src` to delegate `dst`
         (the zero address stands for "no delegate"). `delegate` writes
         this out: keep them in step.
    @param src The delegate losing votes.
    @param dst The delegate gaining votes.
    @param amount The votes moved, in wei.
    """
    if src == dst or amount == 0:
        return
    if src != empty(address):
        old: uint256 = self._push(convert(src, uint256), amount, False)
        log DelegateVotesChanged(delegate=src, previousVotes=old, newVotes=unsafe_sub(old, amount))
    if dst != empty(address):
        old: uint256 = self._push(convert(dst, uint256), amount, True)
        log DelegateVotesChanged(delegate=dst, previousVotes=old, newVotes=unsafe_add(old, amount))


@internal
def _push(trace: uint256, amount: uint256, increase: bool) -> uint256:
    """
    @dev Writes a trace's new value at the current block. A change in the
         block of the latest checkpoint rewrites the head only; otherwise
         the latest checkpoint moves to the history (into the free half of
         a word already in use, or a new word) and the head takes the new
         one and count + 1. `delegate` writes this out: keep them in step.
    @param trace The trace: an account's votes or _SUPPLY_TRACE.
    @param amount The change, in wei.
    @param increase True to add, False to subtract.
    @return uint256 The value before the change.
    """
    # Out of range, no checkpoint can be in the current block: a new one
    # would follow, so checking first changes no outcome.
    assert block.number <= _MAX_BLOCK, "token: block number out of range"
    head: uint256 = self._heads[trace]
    old: uint256 = head & _VALUE_MASK
    new: uint256 = 0
    if increase:
        # At most the total supply, which the cap keeps below 2**90.
        new = unsafe_add(old, amount)
    else:
        assert old >= amount
        new = unsafe_sub(old, amount)
    if head == 0:
        # No checkpoint yet (a head is 0 exactly then): the first one.
        self._heads[trace] = _COUNT_ODD | (block.number << _VALUE_BITS) | new
    elif (head & _ENTRY_MASK) >> _VALUE_BITS == block.number:
        self._heads[trace] = (head & ~_VALUE_MASK) | new
    else:
        # With n = head >> 128 checkpoints, the latest becomes history entry
        # n - 1, in word (n - 1) // 2: the high half of word n // 2 - 1 if n
        # is even, the low half of a new word n // 2 if n is odd.
        if head & _COUNT_ODD == 0:
            key: uint256 = unsafe_sub((trace << _INDEX_BITS) | (head >> _HALF_COUNT_SHIFT), 1)
            self._history[key] = self._history[key] | (head << _ENTRY_BITS)
        else:
            self._history[(trace << _INDEX_BITS) | (head >> _HALF_COUNT_SHIFT)] = head & _ENTRY_MASK
        # (head | _ENTRY_MASK) + 1 is count + 1 above bit 128, zero below.
        self._heads[trace] = unsafe_add(head | _ENTRY_MASK, 1) | (block.number << _VALUE_BITS) | new
    return old


@internal
@view
def _history_entry(trace: uint256, i: uint256) -> uint256:
    """
    @dev The `i`-th checkpoint of a trace's history (i < count - 1).
    @param trace The trace.
    @param i The checkpoint position.
    @return uint256 The 128-bit checkpoint.
    """
    word: uint256 = self._history[(trace << _INDEX_BITS) | (i >> 1)]
    if i & 1 == 0:
        return word & _ENTRY_MASK
    return word >> _ENTRY_BITS


@internal
@view
def _latest(trace: uint256) -> uint256:
    """
    @dev The current value of a trace.
    @param trace The trace.
    @return uint256 The value (0 with no checkpoint).
    """
    return self._heads[trace] & _VALUE_MASK


@internal
@view
def _lookup(trace: uint256, timepoint: uint256) -> uint256:
    """
    @dev The value of the last checkpoint of a trace at or before `timepoint`.
    @param trace The trace.
    @param timepoint The block number.
    @return uint256 The value (0 before the first checkpoint).
    """
    head: uint256 = self._heads[trace]
    # Fast path (also the empty trace, whose head is 0): the latest
    # checkpoint is usually older than the snapshot.
    if ((head & _ENTRY_MASK) >> _VALUE_BITS) <= timepoint:
        return head & _VALUE_MASK
    # Binary search in the history [0, n - 1) for the first checkpoint after `timepoint`.
    low: uint256 = 0
    high: uint256 = unsafe_sub(head >> _ENTRY_BITS, 1)
    for _: uint256 in range(_MAX_SEARCH):
        if low >= high:
            break
        mid: uint256 = unsafe_div(unsafe_add(low, high), 2)
        if (self._history_entry(trace, mid) >> _VALUE_BITS) > timepoint:
            high = mid
        else:
            low = unsafe_add(mid, 1)
    if low == 0:
        return 0
    return self._history_entry(trace, low - 1) & _VALUE_MASK
