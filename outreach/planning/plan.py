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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import solver as sm
from outreach.access import DEFAULT_ACCESS_MIN, AccessPolicy
from outreach.access.crossings import Crossing, across_the_sea
from outreach.access.travel import travel_model_from
from outreach.data import roads
from outreach.timefmt import format_hhmm, parse_hhmm

SCHEMA = "outreach.plan/1"
INPUT_SECTIONS = ("scenario", "horizon", "travel_model", "travel_matrix", "services", "vehicles",
                  "staff", "fixed_sites", "stops", "areas")


@dataclass(frozen=True)
class ServiceInfo:
    """What families and coordinators read of a service besides its planning rules
    (those are the solver's :class:`solver.Service`)."""

    description: str = ""
    what_to_bring: str = ""
    contact: str = ""
    access_threshold_min: int = DEFAULT_ACCESS_MIN
    phone: str = ""
    appointments: dict[str, Any] | None = None  # outreach.appointments.Appointments as JSON
    crossings: tuple[CrossingInfo, ...] = ()


@dataclass(frozen=True)
class CrossingInfo:
    """A ferry the service takes to an island (outreach.access.crossings), its ports
    named as the communes it sails from and lands at."""

    from_insee: str
    from_name: str
    from_lat: float
    from_lon: float
    to_insee: str
    to_name: str
    to_lat: float
    to_lon: float
    minutes: int
    sailing_days: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {"from": {"commune_insee": self.from_insee, "name": self.from_name,
                         "lat": self.from_lat, "lon": self.from_lon,
                         "land": roads.land_of(self.from_insee)},
                "to": {"commune_insee": self.to_insee, "name": self.to_name,
                       "lat": self.to_lat, "lon": self.to_lon,
                       "land": roads.land_of(self.to_insee)},
                "land_name": roads.land_name(self.to_insee),
                "minutes": self.minutes, "sailing_days": list(self.sailing_days)}

    def crossing(self) -> Crossing:
        return Crossing(from_land=roads.land_of(self.from_insee),
                        land=roads.land_of(self.to_insee),
                        from_point=(self.from_lat, self.from_lon),
                        to_point=(self.to_lat, self.to_lon), minutes=self.minutes,
                        sailing_days=frozenset(self.sailing_days))

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> CrossingInfo:
        start, end = doc["from"], doc["to"]
        return cls(start["commune_insee"], start["name"], start["lat"], start["lon"],
                   end["commune_insee"], end["name"], end["lat"], end["lon"], doc["minutes"],
                   tuple(doc["sailing_days"]))


@dataclass(frozen=True)
class VehicleBase:
    lat: float
    lon: float
    commune_insee: str
    name: str


@dataclass(frozen=True)
class StopInfo:
    """Where a stop is and whom it serves, besides its planning data (the solver's
    :class:`solver.Stop`)."""

    commune_insee: str
    commune_name: str
    venue: str
    lat: float
    lon: float
    children_0_6: int = 0
    vulnerability: float = 1.0
    near_fixed_site: str | None = None
    catchment: tuple[str, ...] = ()


@dataclass(frozen=True)
class FixedSiteInfo:
    id: str
    name: str
    commune_insee: str
    lat: float
    lon: float


@dataclass(frozen=True)
class PlanInputs:
    """What a plan version was computed from: the solver's problem (without pins or
    preferred sessions, which the version records as outcomes) and what the product
    knows around it (names, places, catchments, the calendar, the travel model).

    ``services``, ``bases`` and ``stops`` are keyed by id, in the problem's order.
    """

    scenario_id: str
    scenario_name: str
    departement: str
    start: dt.date
    end: dt.date
    holidays: tuple[tuple[dt.date, str], ...]
    travel_model: Mapping[str, Any]
    locations: tuple[str, ...]
    problem: sm.Problem
    services: Mapping[str, ServiceInfo]
    bases: Mapping[str, VehicleBase]
    stops: Mapping[str, StopInfo]
    fixed_sites: tuple[FixedSiteInfo, ...] = ()

    @cached_property
    def service_rules(self) -> dict[str, sm.Service]:
        return {s.id: s for s in self.problem.services}

    @cached_property
    def vehicle_rules(self) -> dict[str, sm.Vehicle]:
        return {v.id: v for v in self.problem.vehicles}

    @cached_property
    def stop_rules(self) -> dict[str, sm.Stop]:
        return {s.id: s for s in self.problem.stops}

    def access(self) -> AccessPolicy:
        """The access policy the plan was computed with (its travel model, the
        strictest of its services' thresholds)."""
        return AccessPolicy.for_services(
            (info.access_threshold_min for info in self.services.values()),
            travel_model_from(dict(self.travel_model)))

    def service_name(self, service: str) -> str:
        found = self.service_rules.get(service)
        return found.name if found else service

    def vehicle_name(self, vehicle: str) -> str:
        found = self.vehicle_rules.get(vehicle)
        return found.name if found else vehicle

    def to_json(self) -> dict[str, Any]:
        """The input sections of the export (docs/plan-format.md), in their order."""
        problem, hhmm = self.problem, format_hhmm
        return {
            "scenario": {"id": self.scenario_id, "name": self.scenario_name,
                         "departement": self.departement},
            "horizon": {
                "start": self.start.isoformat(), "end": self.end.isoformat(),
                "dates": [d.isoformat() for d in problem.dates],
                "holidays": [{"date": d.isoformat(), "name": n} for d, n in self.holidays],
                "period_start": (problem.period_start or self.start).isoformat(),
            },
            "travel_model": dict(self.travel_model),
            "travel_matrix": {
                "locations": list(self.locations),
                "travel_min": [list(r) for r in problem.travel_min],
                "distance_m": [list(r) for r in problem.distance_m],
            },
            "services": [
                {
                    "id": s.id, "name": s.name, "description": info.description,
                    "what_to_bring": info.what_to_bring, "contact": info.contact,
                "phone": info.phone,
                    "required_roles": [list(slot) for slot in s.required_roles],
                    "session_min": s.session_min, "setup_min": s.setup_min,
                    "packup_min": s.packup_min, "earliest_start": hhmm(s.earliest_start_min),
                    "latest_end": hhmm(s.latest_end_min),
                    "visits_per_period": s.visits_per_period, "period_weeks": s.period_weeks,
                    "min_spacing_days": s.min_spacing_days,
                    "max_sessions_per_day": s.max_sessions_per_day,
                    "max_one_way_min": s.max_one_way_min,
                    "access_threshold_min": info.access_threshold_min,
                    "lunch_break": {"minutes": s.lunch_min, "from": hhmm(s.lunch_start_min),
                                    "to": hhmm(s.lunch_end_min)} if s.lunch_min else None,
                    "start_grid_min": s.start_grid_min, "keep_rhythm": s.keep_rhythm,
                    **({"appointments": info.appointments} if info.appointments else {}),
                    "crossings": [c.to_json() for c in info.crossings],
                }
                for s in problem.services for info in (self.services[s.id],)
            ],
            "vehicles": [
                {
                    "id": v.id, "name": v.name,
                    "base": {"lat": base.lat, "lon": base.lon, "commune_insee": base.commune_insee,
                             "name": base.name, "location": self.locations[v.base],
                             "land": roads.land_of(base.commune_insee)},
                    "services": sorted(v.services), "weekdays": sorted(v.weekdays),
                    "max_duty_min": v.max_duty_min,
                    "shift_start": hhmm(v.shift_start_min), "shift_end": hhmm(v.shift_end_min),
                }
                for v in problem.vehicles for base in (self.bases[v.id],)
            ],
            "staff": [
                {
                    "id": p.id, "roles": sorted(p.roles), "max_day_min": p.max_day_min,
                    "max_week_min": p.max_week_min,
                    "availability": [{"date": a.date.isoformat(), "from": hhmm(a.start_min),
                                      "to": hhmm(a.end_min)} for a in p.availability],
                }
                for p in problem.staff
            ],
            "fixed_sites": [
                {"id": f.id, "name": f.name, "commune_insee": f.commune_insee, "lat": f.lat,
                 "lon": f.lon}
                for f in self.fixed_sites
            ],
            "stops": [
                {
                    "id": s.id, "commune_insee": info.commune_insee,
                    "commune_name": info.commune_name, "venue": info.venue, "lat": info.lat,
                    "lon": info.lon, "location": self.locations[s.location],
                    "land": roads.land_of(info.commune_insee), "demand": s.demand,
                    "near_fixed_site": info.near_fixed_site, "catchment": list(info.catchment),
                    "children_0_6": info.children_0_6, "vulnerability": info.vulnerability,
                    "services": sorted(s.services),
                    "windows": [{"weekday": w.weekday, "from": hhmm(w.start_min),
                                 "to": hhmm(w.end_min)} for w in s.windows],
                }
                for s in problem.stops for info in (self.stops[s.id],)
            ],
            "areas": [
                {"commune_insee": a.id,
                 "reach": [{"stop": stop, "demand": demand} for stop, demand in a.reach]}
                for a in problem.areas
            ],
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> PlanInputs:
        """The inputs of an export (or of a stored version), with the defaults of
        fields that older exports of ``outreach.plan/1`` did not carry."""
        locations = tuple(doc["travel_matrix"]["locations"])
        index = {name: i for i, name in enumerate(locations)}
        minutes = parse_hhmm
        horizon = doc["horizon"]
        start = dt.date.fromisoformat(horizon["start"])
        problem = sm.Problem(
            dates=tuple(dt.date.fromisoformat(d) for d in horizon["dates"]),
            services=tuple(
                sm.Service(
                    id=s["id"], name=s["name"],
                    required_roles=tuple(tuple(slot) for slot in s["required_roles"]),
                    session_min=s["session_min"], setup_min=s["setup_min"],
                    packup_min=s["packup_min"], earliest_start_min=minutes(s["earliest_start"]),
                    latest_end_min=minutes(s["latest_end"]),
                    visits_per_period=s["visits_per_period"], period_weeks=s["period_weeks"],
                    min_spacing_days=s["min_spacing_days"],
                    max_sessions_per_day=s["max_sessions_per_day"],
                    max_one_way_min=s.get("max_one_way_min"),
                    start_grid_min=s.get("start_grid_min", 1),
                    keep_rhythm=s.get("keep_rhythm", False),
                    **_lunch_fields(s.get("lunch_break")),
                ) for s in doc["services"]),
            vehicles=tuple(
                sm.Vehicle(
                    id=v["id"], name=v["name"], base=index[v["base"]["location"]],
                    services=frozenset(v["services"]), weekdays=frozenset(v["weekdays"]),
                    max_duty_min=v["max_duty_min"], shift_start_min=minutes(v["shift_start"]),
                    shift_end_min=minutes(v["shift_end"]),
                ) for v in doc["vehicles"]),
            stops=tuple(
                sm.Stop(
                    id=s["id"], location=index[s["location"]], demand=s["demand"],
                    services=frozenset(s["services"]),
                    windows=tuple(sm.Window(w["weekday"], minutes(w["from"]), minutes(w["to"]))
                                  for w in s["windows"]),
                ) for s in doc["stops"]),
            staff=tuple(
                sm.StaffMember(
                    id=p["id"], roles=frozenset(p["roles"]), max_day_min=p["max_day_min"],
                    max_week_min=p.get("max_week_min"),
                    availability=tuple(sm.Availability(dt.date.fromisoformat(a["date"]),
                                                       minutes(a["from"]), minutes(a["to"]))
                                       for a in p["availability"]),
                ) for p in doc["staff"]),
            areas=tuple(sm.Area(a["commune_insee"],
                                tuple((r["stop"], r["demand"]) for r in a["reach"]))
                        for a in doc.get("areas", [])),
            travel_min=tuple(tuple(row) for row in doc["travel_matrix"]["travel_min"]),
            distance_m=tuple(tuple(row) for row in doc["travel_matrix"]["distance_m"]),
            period_start=dt.date.fromisoformat(horizon.get("period_start", horizon["start"])),
        )
        problem = _with_the_sea(problem, doc)
        scenario = doc["scenario"]
        return cls(
            scenario_id=scenario["id"], scenario_name=scenario["name"],
            departement=scenario.get("departement", ""),
            start=start, end=dt.date.fromisoformat(horizon["end"]),
            holidays=tuple((dt.date.fromisoformat(h["date"]), h["name"])
                           for h in horizon.get("holidays", [])),
            travel_model=dict(doc.get("travel_model", {})),
            locations=locations, problem=problem,
            services={s["id"]: ServiceInfo(
                s.get("description", ""), s.get("what_to_bring", ""), s.get("contact", ""),
                s.get("access_threshold_min", DEFAULT_ACCESS_MIN), s.get("phone", ""),
                s.get("appointments"),
                tuple(CrossingInfo.from_json(c) for c in s.get("crossings", ())))
                for s in doc["services"]},
            bases={v["id"]: VehicleBase(v["base"]["lat"], v["base"]["lon"],
                                        v["base"].get("commune_insee", ""),
                                        v["base"].get("name", "")) for v in doc["vehicles"]},
            stops={s["id"]: StopInfo(
                s["commune_insee"], s["commune_name"], s["venue"], s["lat"], s["lon"],
                s.get("children_0_6", 0), s.get("vulnerability", 1.0), s.get("near_fixed_site"),
                tuple(s.get("catchment", ()))) for s in doc["stops"]},
            fixed_sites=tuple(FixedSiteInfo(f["id"], f["name"], f["commune_insee"], f["lat"],
                                            f["lon"]) for f in doc.get("fixed_sites", [])),
        )


def sea_crossings(services: Mapping[str, Iterable[CrossingInfo]]
                  ) -> dict[str, dict[str, Crossing]]:
    """Each service's crossings, by the land they reach (services without one left out)."""
    found = {code: {c.land: c for c in (info.crossing() for info in infos)}
             for code, infos in services.items()}
    return {code: by_land for code, by_land in found.items() if by_land}


def _with_the_sea(problem: sm.Problem, doc: Mapping[str, Any]) -> sm.Problem:
    """The problem with its stops across the sea restricted as when it was planned
    (:func:`outreach.access.crossings.across_the_sea`): the export stores the sailing days'
    windows, not which vehicles may cross."""
    crossings = sea_crossings({s["id"]: [CrossingInfo.from_json(x)
                                         for x in s.get("crossings", ())]
                               for s in doc["services"]})
    if not crossings:
        return problem
    base_land = {v["id"]: roads.land_of(v["base"].get("commune_insee", ""))
                 for v in doc["vehicles"]}
    land = {s["id"]: roads.land_of(s["commune_insee"]) for s in doc["stops"]}
    return replace(problem, stops=tuple(
        across_the_sea(s, land[s.id], problem.vehicles, base_land, crossings)
        for s in problem.stops))


def _lunch_fields(lunch: Mapping[str, Any] | None) -> dict[str, int]:
    if not lunch:
        return {}
    return {"lunch_min": lunch["minutes"], "lunch_start_min": parse_hhmm(lunch["from"]),
            "lunch_end_min": parse_hhmm(lunch["to"])}


# A route's crew member (opaque staff id, never a name) and session (set-up from
# ``arrive_min``, the session from ``start_min`` to ``end_min``, pack-up until
# ``leave_min``) are the solver's own frozen types.
CrewMember = sm.CrewSlot
PlannedSession = sm.Visit


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

    @property
    def distance_km(self) -> float:
        """The route's length as the export states it (kilometres, one decimal)."""
        return round(self.distance_m / 1000, 1)

    @classmethod
    def of(cls, route: sm.Route, lunch_min: int) -> DayRoute:
        """From a solver route; ``lunch_min`` is its service's break length."""
        return cls(
            vehicle=route.vehicle, date=route.date, service=route.service,
            crew=route.crew, depart_min=route.depart_min, return_min=route.return_min,
            distance_m=route.distance_m, travel_min=route.travel_min, visits=route.visits,
            lunch=None if route.lunch_start_min is None
            else (route.lunch_start_min, route.lunch_start_min + lunch_min))

    def solver_route(self) -> sm.Route:
        return sm.Route(
            self.vehicle, self.date, self.service, self.crew, self.depart_min, self.return_min,
            self.distance_m, self.travel_min, self.visits,
            None if self.lunch is None else self.lunch[0])

    def to_json(self) -> dict[str, Any]:
        hhmm = format_hhmm
        return {
            "vehicle": self.vehicle, "date": self.date.isoformat(), "service": self.service,
            "crew": [{"staff": c.staff, "role": c.role} for c in self.crew],
            "depart": hhmm(self.depart_min), "return": hhmm(self.return_min),
            "distance_km": self.distance_km, "distance_m": self.distance_m,
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
class Recurrence:
    """When a (stop, service) comes back: its most frequent ``weekday`` (ISO) and, for
    monthly services, ``week_of_month``; ``pattern`` says it in French; ``exceptions``
    are the dates that do not keep it."""

    stop: str
    service: str
    weekday: int
    week_of_month: int | None
    pattern: str
    exceptions: tuple[dt.date, ...] = ()

    @property
    def kept(self) -> bool:
        return not self.exceptions

    def to_json(self) -> dict[str, Any]:
        return {"stop": self.stop, "service": self.service, "weekday": self.weekday,
                "week_of_month": self.week_of_month, "pattern": self.pattern,
                "kept": self.kept, "exceptions": [d.isoformat() for d in self.exceptions]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Recurrence:
        return cls(data["stop"], data["service"], data["weekday"], data.get("week_of_month"),
                   data.get("pattern", ""),
                   tuple(dt.date.fromisoformat(d) for d in data.get("exceptions", [])))


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
    # What keeping each stop's day cost, when the solve measured it (solve_rhythm_cost):
    # {"demand_served_with_changes", "demand_points", "stops_moved"}.
    rhythm_cost: dict[str, int] | None = None

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "method": self.method, "status": self.status, "objective": self.objective,
            "bound": self.bound, "elapsed_s": self.elapsed_s, "time_limit_s": self.time_limit_s,
            "work_limit_s": self.work_limit_s, "seed": self.seed,
            "stopped_by_time_limit": self.stopped_by_time_limit,
        }
        if self.edited_from is not None:
            found |= {"edited_from": self.edited_from, "edit": self.edit}
        if self.rhythm_cost is not None:
            found["rhythm_cost"] = self.rhythm_cost
        return found

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SolverRun:
        return cls(data["method"], data["status"], data["objective"], data.get("bound"),
                   data["elapsed_s"], data.get("time_limit_s") or 0.0, data.get("work_limit_s"),
                   data.get("seed", 0), bool(data.get("stopped_by_time_limit")),
                   data.get("edited_from"), data.get("edit"), data.get("rhythm_cost"))


@dataclass(frozen=True)
class PlanVersion:
    """One plan version: its inputs (as exported), routes, pins, unserved pairs,
    figures and solver run; ``plan_id``, ``status``, ``created_at`` and
    ``published_at`` once stored (they change over the version's life)."""

    inputs: PlanInputs
    routes: tuple[DayRoute, ...]
    pins: tuple[PinOutcome, ...]
    unserved: tuple[UnservedPair, ...]
    kpis: PlanKpis
    solver: SolverRun
    recurrence: tuple[Recurrence, ...] = ()
    plan_id: int | None = None
    status: str | None = None
    created_at: str | None = None
    published_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # sections of newer exports, kept as read

    @property
    def scenario_id(self) -> str:
        return self.inputs.scenario_id

    @property
    def horizon(self) -> tuple[dt.date, dt.date]:
        return (self.inputs.start, self.inputs.end)

    @property
    def weeks(self) -> int:
        """Whole weeks of the horizon."""
        return ((self.inputs.end - self.inputs.start).days + 1) // 7

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
            **self.inputs.to_json(),
            "routes": [r.to_json() for r in self.routes],
            "pins": [p.to_json() for p in self.pins],
            "unserved": [u.to_json() for u in self.unserved],
            "kpis": self.kpis.to_json(),
            "solver": self.solver.to_json(),
            "recurrence": [r.to_json() for r in self.recurrence],
            **self.extra,
        }

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> PlanVersion:
        known = {"schema", "plan_id", "status", "created_at", "published_at", "routes", "pins",
                 "unserved", "kpis", "solver", "recurrence", *INPUT_SECTIONS}
        return cls(
            inputs=PlanInputs.from_json(doc),
            routes=tuple(DayRoute.from_json(r) for r in doc["routes"]),
            pins=tuple(PinOutcome.from_json(p) for p in doc.get("pins", [])),
            unserved=tuple(UnservedPair.from_json(u) for u in doc["unserved"]),
            kpis=PlanKpis.from_json(doc["kpis"]),
            solver=SolverRun.from_json(doc["solver"]),
            recurrence=tuple(Recurrence.from_json(r) for r in doc.get("recurrence", [])),
            plan_id=doc.get("plan_id"), status=doc.get("status"),
            created_at=doc.get("created_at"), published_at=doc.get("published_at"),
            extra={k: v for k, v in doc.items() if k not in known},
        )
