"""The plan as the product reads it: one typed aggregate of a plan version.

A :class:`PlanVersion` holds what a solve (or a manual edit) decided: the
vehicle-day routes with their sessions and crews, the (stop, service) pairs
left short and why, the pins' fate, the figures, and how the solver ran, all
in minutes and dates. It also carries the inputs it was planned from, as the
export writes them (``inputs``: scenario, horizon, travel, services,
vehicles, staff, fixed sites, stops, areas).

One mapping in (:func:`PlanVersion.from_solution`, from the solver's
:class:`solver.Solution`), one out (:meth:`PlanVersion.to_document`, the JSON
export of docs/plan-format.md, written only at that edge), and one reader of
that document (:meth:`PlanVersion.from_document`, for importers, stored
versions and the checker). The plan rows of the database (sessions for the
families' pages, crews for the staff rounds) are written from this model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import solver as sm
from outreach.timefmt import format_hhmm, parse_hhmm

SCHEMA = "outreach.plan/1"
INPUT_SECTIONS = ("scenario", "horizon", "travel_model", "travel_matrix", "services", "vehicles",
                  "staff", "fixed_sites", "stops", "areas")


@dataclass(frozen=True)
class CrewMember:
    staff: str  # the export's opaque staff id ("staff-12"), never a name
    role: str


@dataclass(frozen=True)
class PlannedSession:
    """One session of a route: set-up from ``arrive_min``, the session from
    ``start_min`` to ``end_min``, pack-up until ``leave_min``."""

    stop: str
    service: str
    arrive_min: int
    start_min: int
    end_min: int
    leave_min: int
    travel_min_from_previous: int


@dataclass(frozen=True)
class DayRoute:
    """One vehicle-day: from the base at ``depart_min``, the sessions in order, back at
    ``return_min``; ``lunch`` is the crew's break (start, end) when taken on duty."""

    vehicle: str
    date: dt.date
    service: str
    crew: tuple[CrewMember, ...]
    depart_min: int
    return_min: int
    distance_m: int
    travel_min: int
    visits: tuple[PlannedSession, ...]
    lunch: tuple[int, int] | None = None

    @property
    def duty_min(self) -> int:
        return self.return_min - self.depart_min

    @classmethod
    def of(cls, route: sm.Route, lunch_min: int) -> DayRoute:
        """From a solver route; ``lunch_min`` is its service's break length."""
        return cls(
            vehicle=route.vehicle, date=route.date, service=route.service,
            crew=tuple(CrewMember(c.staff, c.role) for c in route.crew),
            depart_min=route.depart_min, return_min=route.return_min,
            distance_m=route.distance_m, travel_min=route.travel_min,
            visits=tuple(PlannedSession(v.stop, v.service, v.arrive_min, v.start_min, v.end_min,
                                        v.leave_min, v.travel_min_from_previous)
                         for v in route.visits),
            lunch=None if route.lunch_start_min is None
            else (route.lunch_start_min, route.lunch_start_min + lunch_min))

    def solver_route(self) -> sm.Route:
        return sm.Route(
            self.vehicle, self.date, self.service,
            tuple(sm.CrewSlot(c.staff, c.role) for c in self.crew),
            self.depart_min, self.return_min, self.distance_m, self.travel_min,
            tuple(sm.Visit(v.stop, v.service, v.arrive_min, v.start_min, v.end_min, v.leave_min,
                           v.travel_min_from_previous) for v in self.visits),
            None if self.lunch is None else self.lunch[0])

    def to_json(self) -> dict[str, Any]:
        hhmm = format_hhmm
        return {
            "vehicle": self.vehicle, "date": self.date.isoformat(), "service": self.service,
            "crew": [{"staff": c.staff, "role": c.role} for c in self.crew],
            "depart": hhmm(self.depart_min), "return": hhmm(self.return_min),
            "distance_km": round(self.distance_m / 1000, 1), "distance_m": self.distance_m,
            "travel_min": self.travel_min,
            "lunch": None if self.lunch is None else {"from": hhmm(self.lunch[0]),
                                                      "to": hhmm(self.lunch[1])},
            "visits": [
                {"stop": v.stop, "service": v.service, "arrive": hhmm(v.arrive_min),
                 "start": hhmm(v.start_min), "end": hhmm(v.end_min), "leave": hhmm(v.leave_min),
                 "travel_min_from_previous": v.travel_min_from_previous}
                for v in self.visits
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DayRoute:
        minutes = parse_hhmm
        lunch = data.get("lunch")
        return cls(
            vehicle=data["vehicle"], date=dt.date.fromisoformat(data["date"]),
            service=data["service"],
            crew=tuple(CrewMember(c["staff"], c["role"]) for c in data["crew"]),
            depart_min=minutes(data["depart"]), return_min=minutes(data["return"]),
            distance_m=data.get("distance_m", round(data["distance_km"] * 1000)),
            travel_min=data["travel_min"],
            visits=tuple(PlannedSession(v["stop"], v["service"], minutes(v["arrive"]),
                                        minutes(v["start"]), minutes(v["end"]),
                                        minutes(v["leave"]), v["travel_min_from_previous"])
                         for v in data["visits"]),
            lunch=None if not lunch else (minutes(lunch["from"]), minutes(lunch["to"])))


@dataclass(frozen=True)
class UnservedPair:
    """A (stop, service) with fewer sessions than its target: ``reason`` in French,
    ``why`` the same as data (``{"code", "args"}``, see :mod:`outreach.wording`)."""

    stop: str
    service: str
    missing_visits: int
    reason_code: str
    reason: str
    why: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        found = {"stop": self.stop, "service": self.service, "missing_visits": self.missing_visits,
                 "reason_code": self.reason_code, "reason": self.reason}
        return found | ({"why": self.why} if self.why is not None else {})

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnservedPair:
        return cls(data["stop"], data["service"], data["missing_visits"], data["reason_code"],
                   data["reason"], data.get("why"))


@dataclass(frozen=True)
class PinOutcome:
    """A coordinator's pin and whether the plan holds it (else why not)."""

    stop: str
    service: str
    date: dt.date
    vehicle: str
    held: bool
    reason: str = ""
    why: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"stop": self.stop, "service": self.service, "date": self.date.isoformat(),
                "vehicle": self.vehicle, "held": self.held, "reason": self.reason,
                "why": self.why}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PinOutcome:
        return cls(data["stop"], data["service"], dt.date.fromisoformat(data["date"]),
                   data["vehicle"], data["held"], data.get("reason", ""), data.get("why"))


@dataclass(frozen=True)
class PlanKpis:
    """The plan's figures (docs/plan-format.md, ``kpis``); ``coverage`` and
    ``workload`` are filled in by the use case that knows the communes and staff."""

    demand_total: int
    demand_served: int
    stop_services_total: int
    stop_services_at_target: int
    sessions: int
    distance_km: float
    driving_min: int
    staff_hours: float
    coverage: dict[str, Any] | None = None
    workload: dict[str, Any] | None = None

    @property
    def demand_served_pct(self) -> float:
        return round(100 * self.demand_served / self.demand_total, 1) if self.demand_total else 0.0

    @classmethod
    def of(cls, kpis: sm.Kpis) -> PlanKpis:
        return cls(kpis.demand_total, kpis.demand_served, kpis.stop_services_total,
                   kpis.stop_services_at_target, kpis.sessions, round(kpis.distance_km, 1),
                   kpis.driving_min, round(kpis.staff_min / 60, 1))

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "demand_total": self.demand_total, "demand_served": self.demand_served,
            "demand_served_pct": self.demand_served_pct,
            "stop_services_total": self.stop_services_total,
            "stop_services_at_target": self.stop_services_at_target,
            "sessions": self.sessions, "distance_km": self.distance_km,
            "driving_min": self.driving_min, "staff_hours": self.staff_hours,
        }
        if self.workload is not None:
            found["workload"] = self.workload
        if self.coverage is not None:
            found["coverage"] = self.coverage
        return found

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlanKpis:
        return cls(data["demand_total"], data["demand_served"], data["stop_services_total"],
                   data["stop_services_at_target"], data["sessions"], data["distance_km"],
                   data["driving_min"], data["staff_hours"], data.get("coverage"),
                   data.get("workload"))


@dataclass(frozen=True)
class SolverRun:
    """How the version was made: the method (``manual`` for a hand edit, then
    ``edited_from`` and ``edit`` say from what), what it proved, and its limits."""

    method: str
    status: str
    objective: int
    bound: int | None
    elapsed_s: float
    time_limit_s: float
    work_limit_s: float | None
    seed: int
    stopped_by_time_limit: bool
    edited_from: int | None = None
    edit: str | None = None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "method": self.method, "status": self.status, "objective": self.objective,
            "bound": self.bound, "elapsed_s": self.elapsed_s, "time_limit_s": self.time_limit_s,
            "work_limit_s": self.work_limit_s, "seed": self.seed,
            "stopped_by_time_limit": self.stopped_by_time_limit,
        }
        if self.edited_from is not None:
            found |= {"edited_from": self.edited_from, "edit": self.edit}
        return found

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SolverRun:
        return cls(data["method"], data["status"], data["objective"], data.get("bound"),
                   data["elapsed_s"], data.get("time_limit_s") or 0.0, data.get("work_limit_s"),
                   data.get("seed", 0), bool(data.get("stopped_by_time_limit")),
                   data.get("edited_from"), data.get("edit"))


@dataclass(frozen=True)
class PlanVersion:
    """One plan version: its inputs (as exported), routes, pins, unserved pairs,
    figures and solver run; ``plan_id``, ``status``, ``created_at`` and
    ``published_at`` once stored (they change over the version's life)."""

    inputs: dict[str, Any]
    routes: tuple[DayRoute, ...]
    pins: tuple[PinOutcome, ...]
    unserved: tuple[UnservedPair, ...]
    kpis: PlanKpis
    solver: SolverRun
    recurrence: tuple[dict[str, Any], ...] = ()
    plan_id: int | None = None
    status: str | None = None
    created_at: str | None = None
    published_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # sections of newer exports, kept as read

    @property
    def scenario_id(self) -> str:
        return str(self.inputs["scenario"]["id"])

    @property
    def horizon(self) -> tuple[dt.date, dt.date]:
        return (dt.date.fromisoformat(self.inputs["horizon"]["start"]),
                dt.date.fromisoformat(self.inputs["horizon"]["end"]))

    def with_routes(self, routes: tuple[DayRoute, ...]) -> PlanVersion:
        return replace(self, routes=tuple(sorted(routes, key=lambda r: (r.date, r.vehicle))))

    def to_document(self) -> dict[str, Any]:
        """The JSON export (docs/plan-format.md); the version fields only once stored."""
        head: dict[str, Any] = {"schema": SCHEMA}
        if self.plan_id is not None:
            head |= {"plan_id": self.plan_id, "status": self.status,
                     "created_at": self.created_at, "published_at": self.published_at}
        return {
            **head,
            **{k: self.inputs[k] for k in INPUT_SECTIONS if k in self.inputs},
            "routes": [r.to_json() for r in self.routes],
            "pins": [p.to_json() for p in self.pins],
            "unserved": [u.to_json() for u in self.unserved],
            "kpis": self.kpis.to_json(),
            "solver": self.solver.to_json(),
            **({"recurrence": list(self.recurrence)} if self.recurrence else {"recurrence": []}),
            **self.extra,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> PlanVersion:
        known = {"schema", "plan_id", "status", "created_at", "published_at", "routes", "pins",
                 "unserved", "kpis", "solver", "recurrence", *INPUT_SECTIONS}
        return cls(
            inputs={k: doc[k] for k in INPUT_SECTIONS if k in doc},
            routes=tuple(DayRoute.from_json(r) for r in doc["routes"]),
            pins=tuple(PinOutcome.from_json(p) for p in doc.get("pins", [])),
            unserved=tuple(UnservedPair.from_json(u) for u in doc["unserved"]),
            kpis=PlanKpis.from_json(doc["kpis"]),
            solver=SolverRun.from_json(doc["solver"]),
            recurrence=tuple(doc.get("recurrence", [])),
            plan_id=doc.get("plan_id"), status=doc.get("status"),
            created_at=doc.get("created_at"), published_at=doc.get("published_at"),
            extra={k: v for k, v in doc.items() if k not in known},
        )
