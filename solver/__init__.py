"""Pure optimisation for the outreach planner: immutable problem in, solution out.

Only the standard library, OR-Tools and PyVRP are imported here; the rest of the
product talks to the solver through :func:`solve` and the types of
:mod:`solver.model`.
"""

from solver.check import check_solution
from solver.model import (
    Area,
    Availability,
    CrewSlot,
    DroppedPin,
    Kpis,
    Method,
    Pin,
    Problem,
    ReasonCode,
    Route,
    Service,
    Solution,
    SolveParams,
    StaffMember,
    Stop,
    Unserved,
    Vehicle,
    Visit,
    Window,
)
from solver.solve import solve

__all__ = [
    "Area",
    "Availability",
    "CrewSlot",
    "DroppedPin",
    "Kpis",
    "Method",
    "Pin",
    "Problem",
    "ReasonCode",
    "Route",
    "Service",
    "Solution",
    "SolveParams",
    "StaffMember",
    "Stop",
    "Unserved",
    "Vehicle",
    "Visit",
    "Window",
    "check_solution",
    "solve",
]
