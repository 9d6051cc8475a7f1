"""Hypothesis profiles for the stateful suites; pick one with HYPOTHESIS_PROFILE (default `quick`).

* `quick` (CI): 30 examples x 40 steps, under a minute.
* `long` (`make fuzz`, benchmarks): 1,000 examples x up to 60 steps: over 50,000 state-machine
  steps in all (an example may end a few steps early when Hypothesis runs out of choice buffer).

Both run without a deadline and without the too_slow health check: an in-process EVM
step takes milliseconds, and how many a rule needs depends on the state.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "quick",
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=1_000,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))
