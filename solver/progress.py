"""Progress of a running solve, reported to a callback (CLI progress line, web page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """Where a solve stands: ``phase`` is "enumerating", "searching" or "finishing";
    ``objective`` is the best plan found so far and ``bound`` a proven upper bound on it
    (both in objective points, when known)."""

    phase: str
    elapsed_s: float
    objective: float | None = None
    bound: float | None = None

    @property
    def gap_pct(self) -> float | None:
        """How far the best plan may still be from the best possible, in percent."""
        if self.objective is None or self.bound is None or self.bound <= 0:
            return None
        return max(0.0, 100 * (self.bound - self.objective) / self.bound)


ProgressCallback = Callable[[Progress], None]
