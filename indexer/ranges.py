"""Adaptive eth_getLogs block ranges.

Providers cap ``eth_getLogs`` by result count, response size or block span, and the
caps differ (10k logs on many, 2k blocks on some, none on anvil). `AdaptiveRange`
learns the largest range that works:

* after a full-size success it grows (x2) while the response held fewer than half of
  ``target_logs``, and shrinks proportionally when it held more than ``target_logs``
  (bounded batches keep memory and transaction size flat);
* after a "too large" refusal it halves, and `split` cuts the refused range in two so
  no block is skipped; a refusal of a one-block range is an error (nothing to split).

The state is shared by concurrent fetchers; it is a hint, so races only cost a little
efficiency, never correctness.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class AdaptiveRange:
    """The current eth_getLogs span, in blocks."""

    size: int = 2_000
    min_size: int = 1
    max_size: int = 100_000
    target_logs: int = 20_000
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 1 <= self.min_size <= self.max_size:
            raise ValueError("need 1 <= min_size <= max_size")
        self.size = self._clamp(self.size)

    def _clamp(self, size: int) -> int:
        return max(self.min_size, min(self.max_size, size))

    def plan(self, start: int, stop: int) -> tuple[int, int]:
        """The next range [start, end] to fetch, never beyond `stop`."""
        return start, min(stop, start + self.size - 1)

    def on_success(self, blocks: int, logs: int) -> None:
        """A `blocks`-long range returned `logs` logs."""
        with self._lock:
            if logs > self.target_logs:
                scaled = blocks * self.target_logs // max(logs, 1)
                self.size = self._clamp(min(self.size, max(1, scaled)))
            elif blocks >= self.size and logs * 2 <= self.target_logs:
                self.size = self._clamp(self.size * 2)

    def on_too_large(self, blocks: int) -> None:
        """A `blocks`-long range was refused for its size."""
        with self._lock:
            self.size = self._clamp(min(self.size, max(1, blocks // 2)))


def split(start: int, end: int) -> tuple[tuple[int, int], tuple[int, int]]:
    """Two halves of [start, end] (which must hold at least two blocks)."""
    if end <= start:
        raise ValueError(f"cannot split the one-block range [{start}, {end}]")
    middle = (start + end) // 2
    return (start, middle), (middle + 1, end)
