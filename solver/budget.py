"""How long a solve may search: work in deterministic units, the wall clock as a
safety cap only.

Every search stops on a count that does not depend on the machine or its load:
CP-SAT's deterministic time, the number of day-routes timed, OR-Tools routing's
number of solutions, PyVRP's iterations. The work budget is given in
*reference seconds* (``SolveParams.work_limit_s``): the rates below convert it
into each count, calibrated so that one reference second takes about one second
on an unloaded 2-core machine. The same input, seed and work budget then give
the same plan on any machine, as long as the wall-clock cap
(``SolveParams.time_limit_s``) does not stop a search first; when it does, the
solution says so (``Solution.stats.wall_clock_cap_hit``) and may differ between runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

# Conversions of one reference second of work (measured on the 2-core CI machine).
CPSAT_DETERMINISTIC_PER_S = 0.5  # CP-SAT deterministic time units
SEQUENCES_PER_S = 1500  # day-routes timed by the PATTERNS enumeration
# OR-Tools routing (guided local search): seconds per solution found, measured as
# a fixed part plus one growing with nodes x routing vehicles (0.4 s at 113 x 33,
# 0.06 s at 289 x 2, 0.006 s at 101 x 1).
ROUTING_S_PER_SOLUTION = 0.003
ROUTING_S_PER_SOLUTION_NODE_VEHICLE = 1e-4
PYVRP_ITERATIONS_PER_S_AT_100 = 3000  # PyVRP iterations, 100 clients (scales as 1/n)


@dataclass
class Budget:
    """``work_s`` reference seconds of deterministic work, stopped in any case at
    ``deadline`` (a ``time.monotonic()`` value). Shares of a budget record
    wall-clock hits in their parent's list."""

    work_s: float
    deadline: float
    wall_hits: list[str] = field(default_factory=list)

    def share(self, fraction: float) -> Budget:
        """A part of this budget (same deadline, same record of hits)."""
        return Budget(self.work_s * fraction, self.deadline, self.wall_hits)

    def slice(self, fraction: float) -> Budget:
        """A part of this budget that must also end early: ``fraction`` of the work
        and of the wall-clock time left (the rest is kept for what follows)."""
        now = time.monotonic()
        return Budget(self.work_s * fraction, now + fraction * max(0.0, self.deadline - now),
                      self.wall_hits)

    def after_cpsat(self, deterministic_time: float) -> Budget:
        """What is left of this budget once a CP-SAT solve used
        ``deterministic_time`` (deterministic: the same at every run)."""
        used = deterministic_time / CPSAT_DETERMINISTIC_PER_S
        return Budget(max(0.01, self.work_s - used), self.deadline, self.wall_hits)

    def wall_left_s(self, floor: float = 0.05) -> float:
        """Seconds left before the safety cap (at least ``floor``)."""
        return max(floor, self.deadline - time.monotonic())

    def past_deadline(self) -> bool:
        return time.monotonic() >= self.deadline

    def hit(self, what: str) -> None:
        """Record that ``what`` stopped on the wall clock, not on its work."""
        self.wall_hits.append(what)

    def cpsat_deterministic_time(self) -> float:
        return max(0.01, self.work_s * CPSAT_DETERMINISTIC_PER_S)

    def sequences(self) -> int:
        return max(100, int(self.work_s * SEQUENCES_PER_S))

    def routing_solutions(self, nodes: int, vehicles: int) -> int:
        each = ROUTING_S_PER_SOLUTION + ROUTING_S_PER_SOLUTION_NODE_VEHICLE * nodes * max(1, vehicles)
        return max(5, int(self.work_s / each))

    def pyvrp_iterations(self, clients: int) -> int:
        return max(100, int(self.work_s * PYVRP_ITERATIONS_PER_S_AT_100 * 100 / max(clients, 20)))
