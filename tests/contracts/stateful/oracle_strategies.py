"""Hypothesis strategies for the OracleHub / ProofOfKnowledge state machine.

Learners are the token machine's fixed actors (strategies.ACTORS) and the signer
keys are fixed too, so a failing example replays identically. Scores,
difficulties and courses cluster on the edges (69/70, 79/80, 100/101, difficulty
0 and 5, a handful of courses so that repeats are common), and most
attestations are valid so that the caps and the budget are actually reached.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from tests.contracts.oracle_signing import OracleSigner, by_address
from tests.contracts.stateful.strategies import ACTORS, AZR

#: Learners (four of the token machine's actors) and the Treasury.
LEARNERS: tuple[str, ...] = ACTORS[1:5]
TREASURY: str = ACTORS[5]

#: Every key that may ever sign, in ascending address order; the initial set is the first three.
SIGNER_POOL: tuple[OracleSigner, ...] = tuple(
    by_address(OracleSigner.from_label(f"pool{i}") for i in range(4))
)
#: A key that is never in any set.
FORGER = OracleSigner.from_label("stateful-forger")

#: What is wrong with an attestation, if anything (one defect at a time).
VALID = "valid"
EXPIRED = "expired"
REPLAYED = "replayed"
STALE_EPOCH = "stale_epoch"
FORGED = "forged"
BELOW_THRESHOLD = "below_threshold"
UNSORTED = "unsorted"
DUPLICATE = "duplicate"
HIGH_S = "high_s"
DEFECTS = (EXPIRED, REPLAYED, STALE_EPOCH, FORGED, BELOW_THRESHOLD, UNSORTED, DUPLICATE, HIGH_S)


@dataclass(frozen=True)
class Completion:
    """A drawn CourseCompleted attestation, before signing."""

    learner: str
    course_id: int
    score: int
    difficulty: int
    defect: str


learners = st.sampled_from(LEARNERS)
courses = st.integers(min_value=1, max_value=6)
#: About one score in five fails (below 70 or above 100); the edges come up often.
scores = st.one_of(
    st.sampled_from((69, 70, 79, 80, 100, 101)),
    st.integers(min_value=70, max_value=100),
    st.integers(min_value=70, max_value=100),
    st.integers(min_value=70, max_value=100),
    st.integers(min_value=0, max_value=120),
)
#: About one difficulty in seven is invalid (0 or 5).
difficulties = st.sampled_from((1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 0, 5))
#: About one attestation in six carries a defect.
defects = st.one_of(*[st.just(VALID)] * 5, st.sampled_from(DEFECTS))

completions = st.builds(
    Completion, learner=learners, course_id=courses, score=scores, difficulty=difficulties, defect=defects
)
batches = st.lists(completions, min_size=1, max_size=4)

#: A new signer set: a non-empty subset of the pool (as a bitmask) and a threshold drawn within it.
signer_masks = st.integers(min_value=1, max_value=2 ** len(SIGNER_POOL) - 1)
threshold_draws = st.integers(min_value=1, max_value=len(SIGNER_POOL))

#: Daily caps and epoch budgets, in wei: tight ones (reached within a few steps) and the defaults.
daily_caps = st.sampled_from((20 * AZR, 45 * AZR, 100 * AZR, 1_000 * AZR))
epoch_budgets = st.sampled_from((33 * AZR, 120 * AZR, 500 * AZR, 1_000_000 * AZR))

#: An index into whatever list a rule picks from (taken modulo its length).
picks = st.integers(min_value=0, max_value=2**16)

#: Seconds to move the clock: within the day, to the next day, past an epoch.
time_steps = st.sampled_from((1, 3_600, 86_400, 86_400 * 3, 86_400 * 30))
