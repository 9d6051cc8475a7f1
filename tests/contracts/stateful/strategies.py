"""Hypothesis strategies shared by the stateful (RuleBasedStateMachine) suites.

Addresses are fixed, so a failing example replays identically; amounts are
drawn as portions of what is available, so most calls succeed and the edges
(nothing, everything, one wei too much) come up often.
"""

from __future__ import annotations

from eth_utils import keccak, to_checksum_address
from hypothesis import strategies as st

AZR = 10**18
CAP = 1_000_000_000 * AZR
MAX_UINT256 = 2**256 - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def _address(label: str) -> str:
    return to_checksum_address(keccak(text=f"azora.stateful.{label}")[12:])


#: The token's admin (deploys it and grants MINTER_ROLE).
ADMIN = _address("admin")
#: Holds MINTER_ROLE; also trades, delegates and receives votes like any actor.
MINTER = _address("minter")
#: The accounts the machines act as: the minter first, then five plain holders.
ACTORS: tuple[str, ...] = (MINTER, *(_address(f"actor{i}") for i in range(5)))

#: Portions are basis points of an available amount; WHOLE takes all of it and
#: OVERDRAW one wei more than that (the call must revert).
WHOLE = 10_000
OVERDRAW = WHOLE + 1


def take(available: int, portion: int) -> int:
    """The amount a `portions` draw stands for, given what is `available`."""
    if portion == OVERDRAW:
        return available + 1
    return available * portion // WHOLE


actors = st.sampled_from(ACTORS)

#: A delegate: an actor (itself or another) or the zero address (withdraws the votes).
delegatees = st.sampled_from((*ACTORS, ZERO_ADDRESS))

#: A receiver of tokens; now and then the zero address, which must be refused.
receivers = st.one_of(actors, actors, actors, st.just(ZERO_ADDRESS))

#: A caller of `mint`: the minter about half the time, otherwise any actor.
mint_callers = st.one_of(st.just(MINTER), actors)

portions = st.one_of(
    st.sampled_from((0, 1, WHOLE // 2, WHOLE, OVERDRAW)),
    st.integers(min_value=0, max_value=OVERDRAW),
)

#: Amounts in wei: dust, whole tokens up to a million AZR.
amounts = st.one_of(
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=1_000_000).map(lambda n: n * AZR),
    st.integers(min_value=0, max_value=1_000_000 * AZR),
)

#: Allowances: the amounts above, plus the infinite allowance that is never spent down.
allowances = st.one_of(amounts, st.just(MAX_UINT256))

#: Blocks to mine in one step; 0 keeps several changes in the same block.
block_steps = st.integers(min_value=0, max_value=3)

#: How far past the cap a mint overshoots, in wei.
cap_excesses = st.one_of(st.just(1), st.integers(min_value=1, max_value=10**6 * AZR))

#: Genesis allocation: how much each actor starts with (some start empty).
genesis_amounts = st.lists(
    st.one_of(st.just(0), st.integers(min_value=1, max_value=50_000_000).map(lambda n: n * AZR)),
    min_size=len(ACTORS),
    max_size=len(ACTORS),
)
