# pragma version 0.4.3
# pragma nonreentrancy on
"""
@title Test Votes Token
@license MIT
@notice A stand-in ERC-5805 votes source for the Governor's guard tests:
        an owner sets each account's votes and the total supply directly
        (the same at every past timepoint), so that tallies can reach the
        bounds AzoraToken's supply cap keeps them from; its clock can be
        switched to timestamps. Never deployed outside tests.
@custom:security Only the deployer may set votes and supply.
"""

from ..interfaces import IVotes

implements: IVotes


# @dev The account allowed to set votes and supply.
OWNER: public(immutable(address))

# @dev Whether `clock` reports timestamps instead of block numbers.
TIMESTAMP_CLOCK: public(immutable(bool))

# @dev Each account's votes, at every timepoint.
votes: public(HashMap[address, uint256])

# @dev The total supply, at every timepoint.
total_supply: public(uint256)


@deploy
def __init__(timestamp_clock: bool):
    """
    @notice Deploys the token with no votes and no supply.
    @param timestamp_clock True to clock in timestamps (the Governor refuses it).
    """
    OWNER = msg.sender
    TIMESTAMP_CLOCK = timestamp_clock


@external
def set_votes(account: address, amount: uint256):
    """
    @notice Sets `account`'s votes at every timepoint. Only the owner.
    @param account The voter.
    @param amount Its votes in wei.
    """
    assert msg.sender == OWNER, "test votes: caller is not the owner"
    self.votes[account] = amount


@external
def set_total_supply(amount: uint256):
    """
    @notice Sets the total supply at every timepoint. Only the owner.
    @param amount The supply in wei.
    """
    assert msg.sender == OWNER, "test votes: caller is not the owner"
    self.total_supply = amount


@external
@view
def getPastVotes(account: address, timepoint: uint256) -> uint256:
    """
    @notice `account`'s votes (the same at every timepoint).
    @param account The voter.
    @param timepoint Ignored.
    @return uint256 The votes set for it.
    """
    return self.votes[account]


@external
@view
def getPastTotalSupply(timepoint: uint256) -> uint256:
    """
    @notice The total supply (the same at every timepoint).
    @param timepoint Ignored.
    @return uint256 The supply set.
    """
    return self.total_supply


@external
@view
def clock() -> uint48:
    """
    @notice The current timepoint: the block number, or the timestamp
            when deployed with `timestamp_clock`.
    @return uint48 The timepoint.
    """
    if TIMESTAMP_CLOCK:
        return convert(block.timestamp, uint48)
    return convert(block.number, uint48)
