"""Pure optimisation for the outreach planner: immutable problem in, solution out.

Only the standard library and the declared optimisation dependencies (OR-Tools,
PyVRP, NumPy) are imported here; the rest of the product talks to the solver
through this module alone: :func:`solve`, :func:`check_solution`, :func:`proven_bound`,
the types of :mod:`solver.model`, and a few helpers that the product's manual edits share
with the solver (the KPIs and objective of a set of routes, the target of a (stop, service)
pair, where a lunch break fits, who may crew a vehicle-day). The solver speaks no language: what it tells
people (why a stop is unserved, why a pin was dropped, which rule a plan
breaks) comes as a :class:`Finding`, a code with its figures.
"""

from solver.check import check_route, check_solution
from solver.crew import covering_availability, slot_role
from solver.evaluate import kpis, objective
from solver.model import (
    FINDING_CODES,
    Area,
    Availability,
    CrewSlot,
    DroppedPin,
    Finding,
    Kpis,
    Method,
    Pin,
    Problem,
    ReasonCode,
    Route,
    Service,
    Solution,
    SolveParams,
    SolveStats,
    StaffMember,
    Status,
    Stop,
    Sync,
    Unserved,
    Vehicle,
    Visit,
    Window,
)
from solver.periods import rhythm_key, stop_service_pairs, target_visits
from solver.progress import Progress, ProgressCallback
from solver.solve import proven_bound, solve
from solver.spare import BusyRoute, crew_dates, spare_days, with_room
from solver.timing import Lunch

__all__ = [
    "FINDING_CODES",
    "Area",
    "Availability",
    "BusyRoute",
    "CrewSlot",
    "DroppedPin",
    "Finding",
    "Kpis",
    "Lunch",
    "Method",
    "Pin",
    "Problem",
    "Progress",
    "ProgressCallback",
    "ReasonCode",
    "Route",
    "Service",
    "Solution",
    "SolveParams",
    "SolveStats",
    "StaffMember",
    "Status",
    "Stop",
    "Sync",
    "Unserved",
    "Vehicle",
    "Visit",
    "Window",
    "check_route",
    "check_solution",
    "covering_availability",
    "crew_dates",
    "kpis",
    "objective",
    "proven_bound",
    "rhythm_key",
    "slot_role",
    "solve",
    "spare_days",
    "stop_service_pairs",
    "target_visits",
    "with_room",
]
