"""Appointments in published sessions: what a service offers, and the slots a session has.

A service declares whether its sessions take appointments, walk-ins or both, and what
is offered (:class:`Appointments`): a consultation of 20 minutes with the doctor or the
midwife, an interview of 30 minutes with the puéricultrice, an information meeting of
12 places... The slots of a session come from the published plan: its hours, and its
crew (each crew member with one of an offer's roles sees one family at a time), minus
the share of slots kept for walk-ins, spread over the session. Bookings are in
:mod:`outreach.appointments.booking`.

A session is named by what keeps it the same across plan versions (:class:`SessionRef`:
scenario, date, stop, service): a later publication that keeps the session keeps its
bookings.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import and_, bindparam, func
from sqlmodel import Session, col, select

from outreach import db
from outreach.errors import FieldProblem, msg
from outreach.models import (
    Booking,
    Commune,
    FixedSite,
    PlanCrew,
    PlanService,
    PlanSession,
)
from outreach.planning import PUBLISHED_PLAN
from outreach.planning.calendar import public_holidays
from outreach.timefmt import parse_hhmm

ACTIVE = ("booked", "offered", "seen", "absent")  # a booking that holds its seat
AGE_BANDS = ("grossesse", "0-1", "1-3", "3-6")  # the child's age band, when an offer asks it


PARIS = ZoneInfo("Europe/Paris")  # sessions' hours are local times


def utc(moment: dt.datetime) -> dt.datetime:
    """A moment in UTC, aware (SQLite gives stored ones back without their UTC zone)."""
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def local_today(now: dt.datetime) -> dt.date:
    """The day it is in France at ``now``."""
    return utc(now).astimezone(PARIS).date()


def local_moment(day: dt.date, minutes: int) -> dt.datetime:
    """``minutes`` after midnight on ``day``, French time, as an aware moment."""
    return dt.datetime.combine(day, dt.time(), tzinfo=PARIS) + dt.timedelta(minutes=minutes)


class Offer(BaseModel):
    """One kind of appointment of a service's sessions."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str = Field(min_length=1, max_length=120)
    minutes: int = Field(ge=5, le=240)
    # Each crew member with one of these roles sees one family at a time...
    roles: list[str] = Field(default_factory=list)
    # ... or a collective meeting of this many places, at the session's start.
    places: int | None = Field(default=None, ge=1, le=200)
    ask_age_band: bool = False

    @model_validator(mode="after")
    def _who(self) -> Offer:
        if bool(self.roles) == (self.places is not None):
            raise FieldProblem("offers", msg(
                "l'offre %(id)s : indiquez soit les rôles qui reçoivent (roles), soit le nombre "
                "de places d'une réunion (places)", id=self.id))
        return self


class Appointments(BaseModel):
    """What a service's sessions take: appointments, walk-ins or both, and the offers."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["appointments", "both"] = "both"
    walk_in_share: float = Field(default=0.0, ge=0.0, le=0.9)  # of the slots, kept for walk-ins
    offers: list[Offer] = Field(min_length=1)

    @model_validator(mode="after")
    def _apart(self) -> Appointments:
        seen: set[str] = set()
        for offer in self.offers:
            if offer.id in seen:
                raise FieldProblem("offers", msg("deux offres s'appellent %(id)s", id=offer.id))
            seen.add(offer.id)
        roles = [r for o in self.offers for r in set(o.roles)]
        shared = sorted(r for r, n in Counter(roles).items() if n > 1)
        if shared:  # a crew member is in one offer's slots only: never counted twice
            raise FieldProblem("offers", msg(
                "le rôle %(role)s reçoit dans deux offres : chaque rôle dans une seule",
                role=shared[0]))
        if self.mode == "appointments" and self.walk_in_share:
            raise FieldProblem("walk_in_share", msg(
                "une part pour l'accueil sans rendez-vous demande le mode « both »"))
        return self

    def offer(self, offer_id: str) -> Offer | None:
        return next((o for o in self.offers if o.id == offer_id), None)


def appointments_of(raw: dict[str, Any] | None) -> Appointments | None:
    """The stored JSON of a service's appointments, read back (None: walk-ins only)."""
    return Appointments.model_validate(raw) if raw else None


def _clock(value: Any, info: Any) -> Any:
    return parse_hhmm(value, info.field_name) if isinstance(value, str) else value


class SiteHours(BaseModel):
    """One opening of a fixed site each week: its day, hours and who receives."""

    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=1, le=7)  # ISO: 1 is Monday
    start: int = Field(ge=0, le=1440)  # minutes after midnight ("09:00" accepted)
    end: int = Field(ge=0, le=1440)
    roles: list[str] = Field(min_length=1)  # one entry per staff member on duty

    _times = field_validator("start", "end", mode="before")(_clock)

    @model_validator(mode="after")
    def _ordered(self) -> SiteHours:
        if self.end <= self.start:
            raise FieldProblem("end", msg("une plage horaire finit avant de commencer : "
                                             "indiquez une fin après le début"))
        return self


class SiteAppointments(Appointments):
    """Appointments at a fixed site, outside any plan (the first appointments of an
    insertion service at a maison départementale de la solidarité): its weekly hours and
    the staff on duty give the slots, as a session's hours and crew do; families book
    ``weeks_ahead`` weeks ahead at most, never on a public holiday."""

    service: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1, max_length=120)  # what families read: "Premier rendez-vous RSA"
    contact: str = ""  # the office families call
    phone: str = ""
    weeks_ahead: int = Field(default=6, ge=1, le=26)
    hours: list[SiteHours] = Field(min_length=1)


def site_appointments_of(raw: dict[str, Any] | None) -> SiteAppointments | None:
    return SiteAppointments.model_validate(raw) if raw else None


SITE_PREFIX = "site:"  # a fixed site's sessions carry "site:<code>" as their stop


@dataclass(frozen=True)
class SessionRef:
    """A published session, the same across plan versions while it keeps its day."""

    scenario_id: str
    date: dt.date
    stop_code: str
    service_code: str

    def seat_key(self, offer: str, start_min: int, seat: int) -> str:
        return (f"{self.scenario_id}|{self.date.isoformat()}|{self.stop_code}|"
                f"{self.service_code}|{offer}|{start_min}|{seat}")

    def where(self) -> list[Any]:
        """The conditions that select this session's bookings."""
        return [Booking.scenario_id == self.scenario_id, Booking.session_date == self.date,
                Booking.stop_code == self.stop_code, Booking.service_code == self.service_code]

    @property
    def site_code(self) -> str | None:
        """The fixed site's code when the session is a site's opening, else None."""
        return self.stop_code[len(SITE_PREFIX):] if self.stop_code.startswith(SITE_PREFIX) \
            else None

    @classmethod
    def of(cls, booking: Booking) -> SessionRef:
        return cls(booking.scenario_id, booking.session_date, booking.stop_code,
                   booking.service_code)


@dataclass(frozen=True)
class Slot:
    offer: str
    start_min: int
    end_min: int
    seats: int  # families it takes on appointment
    booked: int = 0

    @property
    def free(self) -> int:
        return max(0, self.seats - self.booked)


@dataclass(frozen=True)
class BookableSession:
    """A published session that takes appointments: where and when, and its slots."""

    ref: SessionRef
    plan_id: int  # 0: a fixed site's opening, in no plan
    commune_insee: str
    commune_name: str
    venue: str
    service_name: str
    start_min: int
    end_min: int
    contact: str
    phone: str
    appointments: Appointments
    slots: tuple[Slot, ...]

    def shown(self) -> Hashable:
        """A key equal for two sessions that show the same thing: a plan's rows never
        change (PlanSessions), so its plan, the session and the slots' counts; a fixed
        site's opening (plan 0, its site editable), every field."""
        if self.plan_id:
            return self.plan_id, self.ref, tuple(s.booked for s in self.slots)
        return repr(self)

    def slot(self, offer: str, start_min: int) -> Slot | None:
        return next((s for s in self.slots if s.offer == offer and s.start_min == start_min), None)

    @property
    def free(self) -> int:
        return sum(s.free for s in self.slots)

    def by_offer(self) -> list[tuple[Offer, list[Slot]]]:
        """Each offer that has slots in this session, with its free ones in order (none:
        the offer is full)."""
        return [(o, [s for s in self.slots if s.offer == o.id and s.free])
                for o in self.appointments.offers if any(s.offer == o.id for s in self.slots)]

    @property
    def booked(self) -> int:
        return sum(s.booked for s in self.slots)


def walk_in_slots(count: int, share: float) -> set[int]:
    """Which of ``count`` slots (by index) are kept for walk-ins: ``share`` of them, spread
    over the session (every fourth for a quarter, say)."""
    return {i for i in range(count) if int((i + 1) * share + 1e-9) > int(i * share + 1e-9)}


def offer_slots(appointments: Appointments, start_min: int, end_min: int,
                roles: list[str]) -> list[Slot]:
    """The bookable slots of a session from ``start_min`` to ``end_min`` whose crew holds
    ``roles`` (one entry per crew member), nothing booked yet."""
    found = []
    for offer in appointments.offers:
        if offer.places is not None:
            seats = offer.places - int(offer.places * appointments.walk_in_share)
            if seats and start_min + offer.minutes <= end_min:
                found.append(Slot(offer.id, start_min, start_min + offer.minutes, seats))
            continue
        seats = sum(1 for r in roles if r in offer.roles)
        if not seats:
            continue
        starts = list(range(start_min, end_min - offer.minutes + 1, offer.minutes))
        kept = walk_in_slots(len(starts), appointments.walk_in_share)
        found += [Slot(offer.id, t, t + offer.minutes, seats)
                  for i, t in enumerate(starts) if i not in kept]
    return found


_BOOKINGS = Booking.__table__.c  # type: ignore[attr-defined]
# A session's bookings in Core statements built once, its values named as session_params
# gives them (SessionRef.where() builds the same conditions for ORM queries).
SESSION_OF = (_BOOKINGS.scenario_id == bindparam("scenario"),
              _BOOKINGS.session_date == bindparam("day"),
              _BOOKINGS.stop_code == bindparam("stop"),
              _BOOKINGS.service_code == bindparam("service"))
_SESSION_PARAMS = (*SESSION_OF, _BOOKINGS.status.in_(ACTIVE))
# Built once, as families' posts read them each time (Core statements, their SQL cached).
_HOLDING = select(_BOOKINGS.offer_code, _BOOKINGS.slot_start_min, func.count()).where(
    *_SESSION_PARAMS).group_by(_BOOKINGS.offer_code, _BOOKINGS.slot_start_min)
_LATEST = PUBLISHED_PLAN.subquery()
# The scenario's published plan and the session's bookings by slot, in one round trip:
# no row when nothing is published, one row with no slot when nothing is booked.
_PUBLISHED_HOLDING = select(
    _LATEST.c.plan_id, _BOOKINGS.offer_code, _BOOKINGS.slot_start_min, func.count(_BOOKINGS.id),
).select_from(_LATEST.outerjoin(Booking.__table__, and_(*_SESSION_PARAMS))).group_by(  # type: ignore[attr-defined]
    _LATEST.c.plan_id, _BOOKINGS.offer_code, _BOOKINGS.slot_start_min)


def session_params(ref: SessionRef) -> dict[str, Any]:
    """The values of :data:`SESSION_OF` for the session ``ref``."""
    return {"scenario": ref.scenario_id, "day": ref.date, "stop": ref.stop_code,
            "service": ref.service_code}


def booked_counts(session: Session, ref: SessionRef) -> Counter[tuple[str, int]]:
    """(offer, slot start) -> bookings holding a seat, for one session."""
    return Counter({(offer, start): n for offer, start, n in session.exec(
        _HOLDING, params=session_params(ref))})


def _published_and_booked(session: Session, ref: SessionRef
                          ) -> tuple[int | None, Counter[tuple[str, int]]]:
    """(the scenario's published plan or None, the session's bookings by slot)."""
    plan_id = None
    booked: Counter[tuple[str, int]] = Counter()
    for plan, offer, start, n in db.rows(session, _PUBLISHED_HOLDING, session_params(ref)):
        plan_id = plan
        if offer is not None:
            booked[(offer, start)] = n
    return plan_id, booked


class PlanSessions:
    """A bounded memory of bookable sessions as their published plan gives them (place,
    hours, crew's slots; nothing booked), by plan: a plan's rows never change once
    written and a published plan is never deleted, so what is kept for a plan id stays
    true. A web process keeps one (a family's post then reads only which plan is
    published and what is booked); the newest ``size`` sessions are kept."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[int, SessionRef], BookableSession | None] = OrderedDict()
        # (plan, session) -> (the counts, the session with them) last drawn: holding()
        self._held: dict[tuple[int, SessionRef],
                         tuple[frozenset[tuple[tuple[str, int], int]], BookableSession]] = {}
        self._lock = threading.Lock()

    def get(self, plan_id: int, ref: SessionRef) -> tuple[bool, BookableSession | None]:
        """(known, the session or None when the plan has no such bookable session)."""
        with self._lock:
            key = (plan_id, ref)
            if key not in self._kept:
                return False, None
            self._kept.move_to_end(key)
            return True, self._kept[key]

    def put(self, plan_id: int, ref: SessionRef, found: BookableSession | None) -> None:
        with self._lock:
            self._kept[(plan_id, ref)] = found
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def holding(self, plan_id: int, ref: SessionRef, bare: BookableSession,
                booked: Counter[tuple[str, int]]) -> BookableSession:
        """``bare`` (the session ``ref`` of the plan ``plan_id``, nothing booked) with
        ``booked`` in its slots; the same object again while the counts stay the same (a
        burst of posts on a full session, its page drawn again and again: its slots are
        not made again each time)."""
        counts = frozenset(booked.items())
        key = (plan_id, ref)
        last = self._held.get(key)
        if last is not None and last[0] == counts:
            return last[1]
        held = _holding(bare, booked)
        if len(self._held) >= self.size:
            self._held.clear()
        self._held[key] = (counts, held)
        return held


def bookable_session(session: Session, ref: SessionRef,
                     known: PlanSessions | None = None) -> BookableSession | None:
    """The published session ``ref`` with its slots and what is booked, or None when it
    is not published or takes no appointment (a fixed site's: its opening that day).
    ``known``: sessions already read from their plan (one query then: the plan
    published and what is booked)."""
    if ref.site_code is not None:
        return _site_session(session, ref)
    plan_id, booked = _published_and_booked(session, ref)
    if plan_id is None:
        return None
    seen, bare = known.get(plan_id, ref) if known is not None else (False, None)
    if not seen:
        bare = _planned(session, plan_id, ref)
        if known is not None:
            known.put(plan_id, ref, bare)
    if bare is None:
        return None
    return known.holding(plan_id, ref, bare, booked) if known is not None else _holding(bare, booked)


def _planned(session: Session, plan_id: int, ref: SessionRef) -> BookableSession | None:
    """The session ``ref`` of the plan ``plan_id`` and its slots, nothing booked (None:
    not in the plan, or its service takes no appointment)."""
    row = session.exec(select(PlanSession).where(
        PlanSession.plan_id == plan_id, PlanSession.date == ref.date,
        PlanSession.stop_code == ref.stop_code,
        PlanSession.service_code == ref.service_code)).first()
    service = session.exec(select(PlanService).where(
        PlanService.plan_id == plan_id, PlanService.code == ref.service_code)).first()
    appointments = appointments_of(service.appointments) if service is not None else None
    if row is None or service is None or appointments is None:
        return None
    roles = list(session.exec(select(PlanCrew.role).where(
        PlanCrew.plan_id == plan_id, PlanCrew.date == ref.date,
        PlanCrew.vehicle_code == row.vehicle_code)).all())
    return BookableSession(
        ref, plan_id, row.commune_insee, row.commune_name, row.venue, service.name,
        row.start_min, row.end_min, service.contact, service.phone, appointments,
        tuple(offer_slots(appointments, row.start_min, row.end_min, roles)))


def recount(session: Session, found: BookableSession) -> BookableSession:
    """``found`` with what its slots hold now (one query: the plan is not read again)."""
    return _holding(found, booked_counts(session, found.ref))


def _holding(found: BookableSession, booked: Counter[tuple[str, int]]) -> BookableSession:
    """``found`` with ``booked`` in its slots."""
    return replace(found, slots=tuple(
        Slot(s.offer, s.start_min, s.end_min, s.seats, booked[(s.offer, s.start_min)])
        for s in found.slots))


def _open(day: dt.date, offers: SiteAppointments, departement: str) -> list[SiteHours]:
    """The site's openings on ``day`` (none on a public holiday)."""
    if day in public_holidays(day.year, departement):
        return []
    return [h for h in offers.hours if h.weekday == day.isoweekday()]


@dataclass(frozen=True)
class BookableSite:
    scenario_id: str
    code: str
    name: str
    commune_insee: str
    commune_name: str
    departement: str
    lat: float
    lon: float
    appointments: SiteAppointments

    def ref(self, day: dt.date) -> SessionRef:
        """The site's opening on ``day``, named as a session."""
        return SessionRef(self.scenario_id, day, SITE_PREFIX + self.code,
                          self.appointments.service)


def bookable_sites(session: Session, departement: str | None = None,
                   scenario_id: str | None = None, code: str | None = None) -> list[BookableSite]:
    """The fixed sites that take appointments (of one département's communes, of one
    scenario, by code)."""
    query = select(FixedSite, Commune).where(FixedSite.commune_insee == Commune.insee,
                                             col(FixedSite.appointments).is_not(None))
    if departement is not None:
        query = query.where(Commune.departement == departement)
    if scenario_id is not None:
        query = query.where(FixedSite.scenario_id == scenario_id)
    if code is not None:
        query = query.where(FixedSite.code == code)
    found = []
    for site, commune in session.exec(query):
        offers = site_appointments_of(site.appointments)
        if offers is not None:
            found.append(BookableSite(site.scenario_id, site.code, site.name, commune.insee,
                                      commune.name, commune.departement, site.lat, site.lon,
                                      offers))
    return sorted(found, key=lambda s: (s.commune_name, s.name))


def _opening(session: Session, site: BookableSite, day: dt.date) -> BookableSession | None:
    """The site's opening on ``day`` with its slots and what is booked (None: closed)."""
    hours = _open(day, site.appointments, site.departement)
    if not hours:
        return None
    offers = site.appointments
    slots = [s for h in hours for s in offer_slots(offers, h.start, h.end, h.roles)]
    return recount(session, BookableSession(
        site.ref(day), 0, site.commune_insee, site.commune_name, site.name, offers.name,
        min(h.start for h in hours), max(h.end for h in hours), offers.contact, offers.phone,
        offers, tuple(slots)))


def _site_session(session: Session, ref: SessionRef) -> BookableSession | None:
    site = next(iter(bookable_sites(session, scenario_id=ref.scenario_id,
                                    code=ref.site_code)), None)
    if site is None or site.appointments.service != ref.service_code:
        return None
    return _opening(session, site, ref.date)


@dataclass(frozen=True)
class SiteDay:
    """A day a fixed site opens for appointments, its free seats and its bookings."""

    ref: SessionRef
    start_min: int
    end_min: int
    free: int
    booked: int


def site_days(session: Session, site: BookableSite, today: dt.date) -> list[SiteDay]:
    """The site's openings from ``today`` to ``weeks_ahead`` weeks on, with their free seats."""
    days = []
    for offset in range(site.appointments.weeks_ahead * 7 + 1):
        found = _opening(session, site, today + dt.timedelta(days=offset))
        if found is not None:
            days.append(SiteDay(found.ref, found.start_min, found.end_min, found.free,
                                found.booked))
    return days


def site_horizon(found: BookableSession, today: dt.date) -> dt.date | None:
    """The last day a fixed site's opening may be booked from ``today`` (None: a plan's
    session, bookable until it starts)."""
    if found.ref.site_code is None or not isinstance(found.appointments, SiteAppointments):
        return None
    return today + dt.timedelta(weeks=found.appointments.weeks_ahead)
