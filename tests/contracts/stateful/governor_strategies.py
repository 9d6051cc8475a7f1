"""Hypothesis strategies for the AzoraGovernor state machine.

Voters hold fixed keys (they sign `castVoteBySig` ballots), so a failing example
replays identically. The settings are short (delay 1 block, period 3 blocks,
timelock 60 s, grace 60 s) so that a few dozen steps walk proposals through
every state, and the quorum starts at 30% so that it often decides. Draws lean
to what moves a proposal on (votes for, waits of a block) and cluster on the
edges (a vote in the snapshot block or right after the deadline, a wait that
lands just before or after an ETA or an expiry, numerators 0, 100 and 101).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_utils import keccak, to_checksum_address
from hypothesis import strategies as st

from tests.contracts.stateful.strategies import AZR


@dataclass(frozen=True)
class Voter:
    """An actor with a key: it transfers, delegates, proposes and votes (directly or by signature)."""

    key: bytes

    @property
    def address(self) -> str:
        return str(Account.from_key(self.key).address)


def _voter(label: str) -> Voter:
    return Voter(keccak(text=f"azora.stateful.governor.{label}"))


#: The accounts the machine acts as.
VOTERS: tuple[Voter, ...] = tuple(_voter(f"voter{i}") for i in range(5))
ADDRESSES: tuple[str, ...] = tuple(v.address for v in VOTERS)
#: Deploys everything and holds MINTER_ROLE and the Timelock's initial admin role.
ADMIN = to_checksum_address(keccak(text="azora.stateful.governor.admin")[12:])
#: Stands in for OracleHub: the only address allowed to deliver reviews.
HUB = to_checksum_address(keccak(text="azora.stateful.governor.hub")[12:])

# Governor / Timelock settings of the machine.
VOTING_DELAY = 1
VOTING_PERIOD = 3
PROPOSAL_THRESHOLD = 1_000 * AZR
QUORUM_NUMERATOR = 30
TIMELOCK_DELAY = 60
GRACE_PERIOD = 60
BLOCK_SECONDS = 12

#: Vote types, leaning to "for" so that proposals pass often enough to be queued and executed;
#: 3 is invalid (the call must revert).
supports = st.one_of(st.just(1), st.sampled_from((0, 1, 2)), st.sampled_from((0, 1, 2, 3)))

#: Review verdicts: mostly flag (the interesting rule) or approve, sometimes an invalid one.
verdicts = st.one_of(st.just(2), st.sampled_from((1, 2)), st.sampled_from((0, 3)))

#: New quorum numerators: any valid percentage, its edges, or one too many.
numerators = st.one_of(st.sampled_from((0, 1, 4, 50, 100, 101)), st.integers(min_value=0, max_value=100))

voters = st.sampled_from(VOTERS)

#: Which proposal a rule acts on: an index into the proposals in the state the rule expects
#: (0..5), or into all of them (6..9), modulo their count.
proposal_picks = st.integers(min_value=0, max_value=9)

#: Time steps, in seconds (whole blocks of BLOCK_SECONDS), and sometimes past a timelock ETA
#: (TIMELOCK_DELAY) or a grace period (GRACE_PERIOD).
time_steps = st.one_of(
    st.sampled_from((0, 12, 24, 36)),
    st.sampled_from((12, 60, 72, 132)),
)

#: Which voters delegate to themselves at genesis (the first one always, most others too).
self_delegations = st.tuples(
    st.just(True), *([st.one_of(st.just(True), st.just(True), st.booleans())] * (len(VOTERS) - 1))
).map(list)

#: The wait after a vote or a proposal: often none (several calls in one block), often a block.
short_waits = st.sampled_from((0, 0, 12, 12, 24))

#: Genesis holdings, on a coarse grid (in thousands of AZR), so that two or three voters often split a
#: vote at telling ratios (3:2 = 60%, 2:1 = the two-thirds boundary, 7:3 = 70%), plus dust
#: and arbitrary amounts now and then.
_GRID = (0, 1_000, 2_000, 3_000, 4_000, 7_000)
_holdings = st.one_of(
    st.sampled_from(_GRID).map(lambda n: n * AZR),
    st.sampled_from(_GRID).map(lambda n: n * AZR),
    st.integers(min_value=0, max_value=10_000_000 * AZR),
)
#: The first voter always holds enough to propose, so that most examples start with a proposal.
genesis_amounts = st.tuples(
    st.sampled_from(_GRID[1:]).map(lambda n: n * AZR),
    *([_holdings] * (len(VOTERS) - 1)),
).map(list)
