"""Database tables (SQLModel).

Scenario data (services, vehicles, staff, stops) is editable; a plan is an
immutable version: its rows are written once, in one transaction, and
publishing only adds a :class:`Publication` row, so an older version stays
readable exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from outreach.access import DEFAULT_ACCESS_MIN


def _json(**kwargs: Any) -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False), **kwargs)


class Commune(SQLModel, table=True):
    insee: str = Field(primary_key=True, max_length=5)
    name: str
    search_name: str = Field(index=True)  # lower case, no accents, for look-ups
    departement: str = Field(index=True, max_length=3)
    postcodes: str = ""  # space-separated
    population: int
    population_year: int
    lat: float
    lon: float
    point_source: str  # "mairie", "interior" (town hall outside the polygon) or "approximate"
    children_0_6: int  # young children, estimated or imported
    children_source: str  # "estimate" or "import"


class Organisation(SQLModel, table=True):
    """A département (or a group of services): its coordinators and staff see and change
    only its scenarios, plans and people."""

    id: str = Field(primary_key=True, max_length=64)  # e.g. "dep-37"
    name: str  # shown to families ("Département d'Indre-et-Loire")
    created_at: dt.datetime


class Scenario(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str
    departement: str
    organisation_id: str | None = Field(default=None, foreign_key="organisation.id", index=True)
    description: str = ""
    default_start: dt.date | None = None
    default_weeks: int = 4
    # A what-if variant: the scenario it was copied from (its plans are never published).
    variant_of: str | None = Field(default=None, foreign_key="scenario.id")


class Service(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("scenario_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int = 1  # moved on by every saved edit: a form from an older version is refused
    scenario_id: str = Field(foreign_key="scenario.id", index=True)
    code: str
    name: str
    description: str = ""
    what_to_bring: str = ""
    contact: str = ""  # how families reach the service (public: an office, not a person)
    phone: str = ""  # the office's public number, for sessions on appointment
    required_roles: list[list[str]] = _json()
    session_min: int
    setup_min: int = 0
    packup_min: int = 0
    earliest_start_min: int = 0
    latest_end_min: int = 1440
    visits_per_period: int = 1
    period_weeks: int = 4
    min_spacing_days: int = 0
    max_sessions_per_day: int = 1
    max_one_way_min: int | None = None
    access_threshold_min: int = DEFAULT_ACCESS_MIN
    lunch_break_min: int = 0  # the crew's break on duty, 0 for none
    lunch_start_min: int = 720
    lunch_end_min: int = 840
    # False: each stop keeps its weekday (week of the month when monthly), the rhythm
    # families come back on; True: the plan may move a stop's day when it serves more.
    allow_day_change: bool = False
    # Appointments families may book in its sessions (outreach.appointments.Appointments
    # as JSON); None: walk-ins only.
    appointments: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # Ferries it takes to islands (outreach.data.scenarios.CrossingSpec as JSON): {from_insee,
    # to_insee, minutes, sailing_days}.
    crossings: list[dict[str, Any]] = _json()


class Vehicle(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("scenario_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int = 1  # moved on by every saved edit: a form from an older version is refused
    scenario_id: str = Field(foreign_key="scenario.id", index=True)
    code: str
    name: str
    base_insee: str = Field(foreign_key="commune.insee")
    base_name: str = ""
    base_lat: float
    base_lon: float
    services: list[str] = _json()
    weekdays: list[int] = _json()
    max_duty_min: int = 600
    shift_start_min: int = 450
    shift_end_min: int = 1140


class StaffMember(SQLModel, table=True):
    __tablename__ = "staff_member"
    __table_args__ = (UniqueConstraint("scenario_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int = 1  # moved on by every saved edit: a form from an older version is refused
    scenario_id: str = Field(foreign_key="scenario.id", index=True)
    code: str
    name: str
    roles: list[str] = _json()
    weekdays: list[int] = _json()
    day_start_min: int = 480
    day_end_min: int = 1080
    max_day_min: int = 600
    max_week_min: int | None = None


class Absence(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_member.id", index=True)
    start_date: dt.date
    end_date: dt.date
    reason: str = ""


class Stop(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("scenario_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int = 1  # moved on by every saved edit: a form from an older version is refused
    scenario_id: str = Field(foreign_key="scenario.id", index=True)
    code: str
    commune_insee: str = Field(foreign_key="commune.insee", index=True)
    venue: str
    lat: float
    lon: float
    services: list[str] = _json()
    windows: list[dict[str, Any]] = _json()  # [{"weekday": 1, "from": "08:30", "to": "12:30"}]
    vulnerability: float = 1.0


class FixedSite(SQLModel, table=True):
    """A fixed site (PMI centre, antenne médico-sociale) that already serves its surroundings."""

    __tablename__ = "fixed_site"
    __table_args__ = (UniqueConstraint("scenario_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    version: int = 1  # moved on by every saved edit: a form from an older version is refused
    scenario_id: str = Field(foreign_key="scenario.id", index=True)
    code: str
    name: str
    commune_insee: str = Field(foreign_key="commune.insee")
    lat: float
    lon: float
    # Appointments families may book at the site, outside any plan (an insertion service's
    # first appointments at a maison départementale de la solidarité): its weekly hours and
    # staff roles, and what it offers (outreach.appointments.SiteAppointments as JSON).
    appointments: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Plan(SQLModel, table=True):
    """One plan version. ``document`` is the full plan export (docs/plan-format.md)
    without the fields that change over the plan's life (its status)."""

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: str = Field(foreign_key="scenario.id", index=True)
    created_at: dt.datetime
    horizon_start: dt.date
    horizon_end: dt.date
    solver_status: str
    method: str
    elapsed_s: float
    objective: int
    bound: int | None = None
    demand_total: int
    demand_served: int
    document: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class PlanSession(SQLModel, table=True):
    """A session of a plan version, denormalised so that it reads the same
    whatever later happens to the scenario's data."""

    __tablename__ = "plan_session"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    date: dt.date = Field(index=True)
    vehicle_code: str
    seq: int  # order in the vehicle-day's route, from 1
    stop_code: str
    commune_insee: str = Field(index=True)
    commune_name: str
    venue: str
    lat: float
    lon: float
    service_code: str
    service_name: str
    arrive_min: int
    start_min: int
    end_min: int
    leave_min: int


class PlanCrew(SQLModel, table=True):
    """Who works on which vehicle-day of a plan version (staff only, never public)."""

    __tablename__ = "plan_crew"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    date: dt.date
    vehicle_code: str
    staff_code: str = Field(index=True)  # the code when planned (codes can change later)
    role: str
    staff_id: int | None = Field(default=None, index=True)  # the member, whatever their code


class PlanService(SQLModel, table=True):
    """A plan version's own copy of what families read about a service (name, what to
    bring, contact, access threshold): edits reach the public with the next publication."""

    __tablename__ = "plan_service"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str
    name: str
    description: str = ""
    what_to_bring: str = ""
    contact: str = ""
    phone: str = ""
    access_threshold_min: int = DEFAULT_ACCESS_MIN
    appointments: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class PlanRhythm(SQLModel, table=True):
    """When a service comes back to a stop in a plan version (its regular weekday, or
    weekday of the month), for the families' pages; ``kept`` is false when some of
    its sessions fall on another day."""

    __tablename__ = "plan_rhythm"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    stop_code: str
    service_code: str
    commune_insee: str = Field(index=True)
    venue: str
    service_name: str
    weekday: int  # ISO, 1 = Monday
    week_of_month: int | None = None  # 1..5 for monthly services
    kept: bool = True


class Publication(SQLModel, table=True):
    """Publishing appends a row; the scenario's published plan is its latest row.
    ``seq`` numbers a scenario's publications 1, 2, 3...: two publishers who both saw
    publication N both write N + 1, and the unique constraint lets only one through."""

    __table_args__ = (UniqueConstraint("scenario_id", "seq", name="uq_publication_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    scenario_id: str = Field(foreign_key="scenario.id", index=True)
    published_at: dt.datetime
    seq: int = 1


class User(SQLModel, table=True):
    """A person who signs in: a coordinator, or a staff member linked to a staff row."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True)
    password_hash: str  # empty until an invitation is accepted
    role: str  # "admin", "coordinator", "staff" or "nurse" (a puéricultrice: HomeNurse.user_id)
    # Coordinators and staff belong to one organisation; administrators to none (all).
    organisation_id: str | None = Field(default=None, foreign_key="organisation.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff_member.id")
    # A staff account of a fixed site taking appointments (its reception, its advisers):
    # it sees the site's bookings of the day instead of a crew's rounds.
    site_id: int | None = Field(default=None, foreign_key="fixed_site.id")
    active: bool = True
    created_at: dt.datetime
    # Sessions carry the generation they were opened in; signing out or changing the
    # password moves it on, which ends every session opened before.
    session_generation: int = 0
    # The optional second factor: a TOTP secret (base32) once confirmed, and the last
    # time step accepted (a code works once).
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int = 0


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, by client address and by account: the limit is shared by every
    worker process (the rows older than the window are deleted as new ones come)."""

    __tablename__ = "login_failure"

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(index=True, max_length=64)
    email: str = Field(index=True, max_length=320)
    at: dt.datetime = Field(index=True)


class AuditEvent(SQLModel, table=True):
    """One entry of the audit log (see :mod:`outreach.audit`)."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True)
    actor: str = Field(max_length=320)  # an account's e-mail, "cli:<user>" or "système"
    client: str = Field(default="", max_length=64)  # the client address, when on the web
    action: str = Field(index=True, max_length=64)  # e.g. "plan.publish", "stop.save"
    target: str = ""  # what it was done to ("plan 12", "stop 37061-...")
    organisation_id: str | None = Field(default=None, index=True, max_length=64)  # the actor's
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CalendarToken(SQLModel, table=True):
    """A private, revocable calendar feed address of one staff member."""

    __tablename__ = "calendar_token"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_member.id", index=True)
    token: str = Field(unique=True, index=True)
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class SolveJob(SQLModel, table=True):
    """A plan computation run in the background, and its progress."""

    __tablename__ = "solve_job"

    id: int | None = Field(default=None, primary_key=True)
    # "bus": a scenario's plan (scenario_id, plan_id); "home": a home-visit programme's
    # weeks (programme_id, home_plan_id).
    kind: str = Field(default="bus", sa_column_kwargs={"server_default": "bus"})
    scenario_id: str | None = Field(default=None, foreign_key="scenario.id", index=True)
    programme_id: str | None = Field(default=None, foreign_key="home_programme.id", index=True)
    home_plan_id: int | None = Field(default=None, foreign_key="home_plan.id")
    status: str = Field(index=True)  # queued, running, done, failed
    horizon_start: dt.date
    weeks: int
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    progress: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    plan_id: int | None = Field(default=None, foreign_key="plan.id")
    error: str = ""
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    # Each run of the job takes the next number; only the latest may store its plan, so
    # a run thought dead that finishes after all cannot write a second plan.
    attempt: int = 0


class Adjustment(SQLModel, table=True):
    """A coordinator's decision that re-planning must respect. The one kind so
    far, ``pin``: this session must be held (stop, service, date, vehicle)."""

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: str = Field(foreign_key="scenario.id", index=True)
    kind: str  # "pin"
    stop_code: str
    service_code: str
    date: dt.date
    vehicle_code: str = ""
    created_at: dt.datetime


class Invitation(SQLModel, table=True):
    """A one-time link to choose a password: an invitation to a new account or a reset.
    Only the token's hash is kept."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    purpose: str  # "invite" or "reset"
    created_by: str = Field(max_length=320)
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None = None


class DeletedRecord(SQLModel, table=True):
    """A service, vehicle, staff member, stop or fixed site a coordinator deleted: loading
    the demo scenarios again (``seed-demo``) does not bring it back."""

    __tablename__ = "deleted_record"
    __table_args__ = (UniqueConstraint("scenario_id", "kind", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: str = Field(foreign_key="scenario.id", index=True)
    kind: str = Field(max_length=32)  # the table: "service", "vehicle", "staff_member", "stop"...
    code: str
    deleted_at: dt.datetime


class PlanReach(SQLModel, table=True):
    """A commune a (stop, service) of a published version reaches within the service's
    access threshold, with the trip (see :mod:`outreach.planning.reach`)."""

    __tablename__ = "plan_reach"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    commune_insee: str = Field(index=True, max_length=5)
    stop_code: str
    service_code: str
    travel_min: int
    distance_m: int


# --- Home visits (issue 13): the Hérault's "appui parental" -------------------------------
# A family's personal data (name, address, phone, notes, home point, commune) is held only
# as tokens of outreach.privacy (columns ending in _sealed); planning and pages unseal it
# in memory for the family's referents and the coordinators of its territory.


class HomeProgramme(SQLModel, table=True):
    """A home-visit programme (dispositif) of an organisation."""

    __tablename__ = "home_programme"

    id: str = Field(primary_key=True, max_length=64)  # e.g. "herault-appui-parental"
    organisation_id: str = Field(foreign_key="organisation.id", index=True)
    name: str
    departement: str
    max_visits_per_day: int = 4  # per puéricultrice, unless her own record says less
    retention_days: int = 365  # personal data of a family who left is erased after this


class HomeTerritory(SQLModel, table=True):
    """A territory of a programme (the Montpelliérain, the Lunellois...)."""

    __tablename__ = "home_territory"
    __table_args__ = (UniqueConstraint("programme_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="home_programme.id", index=True)
    code: str
    name: str
    communes: list[str] = _json()  # INSEE codes
    active: bool = True  # an extension the coordinator switches on (the Biterrois)


class HomeNurse(SQLModel, table=True):
    """A puéricultrice of a programme: her territory, office, days and hours."""

    __tablename__ = "home_nurse"
    __table_args__ = (UniqueConstraint("programme_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="home_programme.id", index=True)
    code: str
    name: str  # staff, not a family: never public all the same
    territory: str  # HomeTerritory.code
    base_label: str  # her office (a maison départementale de la solidarité)
    base_lat: float
    base_lon: float
    weekdays: list[int] = _json()  # ISO weekdays she works
    day_start_min: int = 540
    day_end_min: int = 1050
    max_visits_per_day: int | None = None  # None: the programme's
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    # "puericultrice" (families' referents) or "psychologue" (joint visits, supervision)
    profession: str = Field(default="puericultrice", sa_column_kwargs={"server_default": "puericultrice"})


class Family(SQLModel, table=True):
    """A family followed at home. ``code`` is the pseudonym exports and feeds use; every
    personal field is sealed (outreach.privacy)."""

    __tablename__ = "family"
    __table_args__ = (UniqueConstraint("programme_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="home_programme.id", index=True)
    code: str  # "F-0042"
    territory: str  # HomeTerritory.code
    referent_id: int = Field(foreign_key="home_nurse.id")
    second_referent_id: int | None = Field(default=None, foreign_key="home_nurse.id")
    visits_per_week: int = 2
    min_spacing_days: int = 1
    visit_min: int = 60
    # Of its visits_per_week, those made jointly by a puéricultrice and a psychologist
    joint_visits_per_week: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    windows: list[dict[str, Any]] = _json()  # [{weekday, from, to}]: when she may come
    place: str = "home"  # "home" or "other" (a park, a library: its address below)
    name_sealed: str = ""
    address_sealed: str = ""
    phone_sealed: str = ""
    notes_sealed: str = ""
    point_sealed: str = ""  # "lat,lon" of the place of the visits
    commune_sealed: str = ""  # INSEE code of that place
    status: str = Field(default="active", index=True)  # active, archived, erased
    left_on: dt.date | None = None
    erased_at: dt.datetime | None = None


class FamilyAccess(SQLModel, table=True):
    """Every read of a family's record: who, when, what for (coordinators consult it)."""

    __tablename__ = "family_access"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True)
    family_id: int = Field(foreign_key="family.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor: str  # the account's e-mail, or "system" for planning
    purpose: str  # "view", "plan", "export"...


class HomeAbsence(SQLModel, table=True):
    """Days a puéricultrice does not visit (illness, leave, training), both ends included."""

    __tablename__ = "home_absence"

    id: int | None = Field(default=None, primary_key=True)
    nurse_id: int = Field(foreign_key="home_nurse.id", index=True)
    start: dt.date
    end: dt.date
    reason: str = ""


class HomeTeamSlot(SQLModel, table=True):
    """A weekly team slot that blocks visits (supervision by a psychologist, team meeting):
    every puéricultrice of ``territory`` (all of the programme's when empty) is at the office."""

    __tablename__ = "home_team_slot"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="home_programme.id", index=True)
    label: str
    weekday: int  # ISO, 1 = Monday
    start_min: int
    end_min: int
    territory: str = ""  # HomeTerritory.code, or "" for the whole programme


class HomeWorkshop(SQLModel, table=True):
    """A collective workshop (baby massage, singing, baby swimming) on one date at a public
    place: its facilitators (puéricultrices or psychologists) are there, with the time to
    get there and back, and the families invited are not visited at home meanwhile.
    Families appear by their code only."""

    __tablename__ = "home_workshop"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="home_programme.id", index=True)
    territory: str  # HomeTerritory.code
    label: str
    date: dt.date = Field(index=True)
    start_min: int
    end_min: int
    place_label: str  # a public place (a library, a swimming pool), never a family's home
    place_lat: float
    place_lon: float
    capacity: int  # families
    facilitators: list[str] = _json()  # HomeNurse.code
    invited: list[str] = _json()  # Family.code
    # The invited families who came (Family.code), recorded by a facilitator on or after
    # the date; None until recorded.
    attended: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    attendance_by: str = Field(default="", sa_column_kwargs={"server_default": ""})  # an e-mail


class HomePlan(SQLModel, table=True):
    """A visit plan of a programme for one or more weeks. Families appear by their code
    only (pseudonyms): a plan holds no personal data."""

    __tablename__ = "home_plan"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="home_programme.id", index=True)
    week_start: dt.date  # a Monday
    weeks: int = 1
    status: str = Field(default="draft", index=True)  # draft, published, replaced
    created_at: dt.datetime
    created_by: str = ""  # an account's e-mail, or "system"
    based_on_id: int | None = Field(default=None, foreign_key="home_plan.id")  # re-plans
    visits: list[dict[str, Any]] = _json()  # see outreach.homevisits.planning.PlannedVisit
    unplaced: list[dict[str, Any]] = _json()  # families short of visits, with the reason
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class HomeVisitRecord(SQLModel, table=True):
    """What became of a published visit, as its puéricultrice recorded it (codes only)."""

    __tablename__ = "home_visit_record"
    __table_args__ = (UniqueConstraint("programme_id", "family_code", "date", "nurse_code"),)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="home_programme.id", index=True)
    family_code: str
    nurse_code: str
    date: dt.date = Field(index=True)
    status: str  # "done", "cancelled" (by the family) or "not_held"
    recorded_at: dt.datetime
    recorded_by: str  # the account's e-mail


class HomeChangeRequest(SQLModel, table=True):
    """A puéricultrice asks the coordination to change a visit; her words are sealed."""

    __tablename__ = "home_change_request"

    id: int | None = Field(default=None, primary_key=True)
    programme_id: str = Field(foreign_key="home_programme.id", index=True)
    nurse_code: str
    family_code: str
    date: dt.date
    reason: str  # "family", "nurse" or "other"
    message_sealed: str = ""
    created_at: dt.datetime
    status: str = Field(default="open", index=True)  # open, closed
    closed_at: dt.datetime | None = None
    closed_by: str = ""


class HomeFeedToken(SQLModel, table=True):
    """A private, revocable calendar feed address of one puéricultrice (family codes only)."""

    __tablename__ = "home_feed_token"

    id: int | None = Field(default=None, primary_key=True)
    nurse_id: int = Field(foreign_key="home_nurse.id", index=True)
    token: str = Field(unique=True, index=True)
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class FormAttempt(SQLModel, table=True):
    """A booking form sent from a client address (its keyed hash only): the rate limit per
    address counts them; kept a day."""

    __tablename__ = "form_attempt"

    id: int | None = Field(default=None, primary_key=True)
    client_hash: str = Field(index=True)
    at: dt.datetime = Field(index=True)


class Booking(SQLModel, table=True):
    """A family's appointment in a published session. The session is named by what keeps
    it the same across plan versions (scenario, date, stop, service). ``seat_key`` names
    the seat it holds while it holds one (None once cancelled): unique, so that two
    families booking the last seat at one moment cannot both get it. Personal fields are
    sealed (outreach.privacy) and erased after the session (``erased_at``)."""

    __tablename__ = "booking"

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: str = Field(index=True)
    session_date: dt.date = Field(index=True)
    stop_code: str
    service_code: str
    offer_code: str
    slot_start_min: int
    slot_end_min: int
    seat_key: str | None = Field(default=None, unique=True)
    # booked, cancelled, seen, absent; waiting (on the waiting list, no seat), offered (a
    # freed seat held for it until ``offered_until``), expired (an offer not taken in
    # time); walk_in (a family seen without appointment, counted, nothing personal);
    # dropped (its session left the plan and no other seat was free: told, then erased).
    status: str = Field(default="booked", index=True)
    first_name_sealed: str = ""
    contact_sealed: str = ""  # an e-mail address or a phone number
    # the contact's keyed fingerprint (outreach.privacy): the cap per contact and session
    # counts by it without opening every sealed contact
    contact_hash: str = Field(default="", index=True)
    contact_kind: str = ""  # "email" or "phone"
    age_band: str = ""
    consent_at: dt.datetime
    created_at: dt.datetime
    token_hash: str = Field(unique=True, index=True)  # sha256 of the secret link's token
    token_sealed: str = ""  # the token itself, sealed: the reminders carry the link
    cancelled_at: dt.datetime | None = None
    erased_at: dt.datetime | None = None
    confirmed_at: dt.datetime | None = None  # the confirmation message handed over
    offered_until: dt.datetime | None = None  # a waiting family's offer of a freed seat ends
    offer_sent_at: dt.datetime | None = None  # that offer's message handed over
    reminded_before_at: dt.datetime | None = None  # the reminder two days before, handed over
    reminded_day_at: dt.datetime | None = None  # the reminder on the morning, handed over
    marked_at: dt.datetime | None = None  # staff marked it seen or absent
    previous_date: dt.date | None = None  # its session's day before a re-plan moved it
