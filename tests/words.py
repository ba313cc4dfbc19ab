"""The solver's findings in French, as coordinators read them (for assertions on wording)."""

from __future__ import annotations

from outreach.wording import Names, say
from solver import Finding, Problem


def french(finding: Finding, problem: Problem) -> str:
    """``finding`` worded in French with the problem's service and vehicle names."""
    return say(finding, "fr", Names(services={s.id: s.name for s in problem.services},
                                    vehicles={v.id: v.name for v in problem.vehicles}))
