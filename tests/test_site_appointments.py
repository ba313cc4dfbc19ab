"""Appointments at a fixed site (issue 14): a maison départementale de la solidarité takes
the insertion service's first appointments by its weekly hours and staff on duty, outside
any plan; families book them as they book a bus session."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import Session, select

from outreach import db
from outreach.appointments import SessionRef, bookable_session, bookable_sites, site_days
from outreach.appointments import booking as bookings
from outreach.appointments.booking import BookingRefused, Request
from outreach.appointments.rehome import affected
from outreach.data import scenarios
from outreach.errors import InvalidInput
from outreach.models import FixedSite
from tests.web_helpers import csrf
from web import create_app

SITE = "site:79191-mds-niort"
SERVICE = "rsa-premier-rdv"
NOW = dt.datetime(2026, 12, 21, 8, 0, tzinfo=dt.UTC)  # a Monday


def _ref(day: dt.date, service: str = SERVICE) -> SessionRef:
    return SessionRef("deux-sevres", day, SITE, service)


def _request(slot, contact="06 39 98 00 01") -> Request:
    return Request(offer=slot.offer, start_min=slot.start_min, first_name="Sam",
                   contact=contact, age_band="", consent=True)


def test_a_site_opening_has_the_slots_of_its_hours_and_staff(db_url):
    with Session(db.get_engine(db_url)) as s:
        tuesday = bookable_session(s, _ref(dt.date(2027, 1, 5)))
        thursday = bookable_session(s, _ref(dt.date(2027, 1, 7)))
        assert bookable_session(s, _ref(dt.date(2027, 1, 4))) is None  # closed on Mondays
        assert bookable_session(s, _ref(dt.date(2027, 11, 11))) is None  # Armistice, a Thursday
        assert bookable_session(s, _ref(dt.date(2027, 1, 5), "bus-pmi")) is None
    # 9:00-12:00, two advisers, 45 min: four slots of two seats; 13:30-16:30, one adviser.
    assert [(x.start_min, x.seats) for x in tuesday.slots] == [(540, 2), (585, 2), (630, 2), (675, 2)]
    assert [(x.start_min, x.seats) for x in thursday.slots] == [(810, 1), (855, 1), (900, 1), (945, 1)]
    assert tuesday.plan_id == 0 and tuesday.commune_name == "Niort"
    assert tuesday.venue == "Maison départementale des solidarités de Niort"


def test_families_book_a_site_within_its_weeks_ahead_and_a_plan_never_drops_them(db_url):
    with db.unit_of_work(db_url) as s:
        site = bookable_sites(s, "79")[0]
        days = site_days(s, site, NOW.date())
        assert days[0].ref == _ref(dt.date(2026, 12, 22)) and days[0].free == 8
        assert dt.date(2026, 12, 25) not in {d.ref.date for d in days}  # a Friday, and Christmas
        assert days[-1].ref.date <= NOW.date() + dt.timedelta(weeks=6)
        ref = days[0].ref
        slot = bookable_session(s, ref).slots[0]
        made, _ = bookings.book(s, ref, _request(slot), NOW)
        assert made.status == "booked"
        late = _ref(dt.date(2027, 3, 2))  # a Tuesday eleven weeks on: not open yet
        with pytest.raises(BookingRefused, match="pas encore ouverts"):
            bookings.book(s, late, _request(bookable_session(s, late).slots[0]), NOW)
        with pytest.raises(BookingRefused, match="passée"):
            bookings.book(s, ref, _request(slot, "06 39 98 00 02"),
                          NOW + dt.timedelta(days=2))
    with Session(db.get_engine(db_url)) as s:
        assert site_days(s, site, NOW.date())[0].free == 7
        # Any plan of the scenario (here none published: plan 0) leaves the site's bookings.
        assert affected(s, "deux-sevres", 0, NOW.date()) == []


def test_a_site_s_appointments_read_back_from_an_export_and_bad_hours_are_named(db_url, tmp_path):
    with Session(db.get_engine(db_url)) as s:
        text = scenarios.export_scenario(s, "deux-sevres")
        before = s.exec(select(FixedSite).where(FixedSite.code == "79191-mds-niort")).one()
        kept = before.appointments
    assert kept and kept["service"] == SERVICE
    path = tmp_path / "ds.toml"
    path.write_text(text)
    spec = scenarios.read_scenario(path)
    site = next(f for f in spec.fixed_sites if f.id == "79191-mds-niort")
    assert site.appointments.model_dump(exclude_none=True) == kept
    path.write_text(text.replace("start = 540", "start = 900", 1))
    with pytest.raises(InvalidInput, match=r"appointments\.hours\.0\.end : une plage horaire"):
        scenarios.read_scenario(path)


@pytest.fixture
def site_app(db_url):
    return create_app({"DATABASE_URL": db_url, "TESTING": True, "GEOCODER": None,
                       "CLOCK": lambda: NOW})


def test_the_commune_page_leads_to_the_site_and_its_days_to_booking(site_app):
    client = site_app.test_client()
    near = client.get("/commune/79191").get_data(as_text=True)  # Niort
    link = re.search(r'href="(/rendez-vous/site/deux-sevres/79191-mds-niort)"', near)
    assert link and "Premier rendez-vous d&#39;insertion (RSA)" in near
    other = client.get("/commune/79049").get_data(as_text=True)  # Bressuire: the same département
    assert "/rendez-vous/site/deux-sevres/79191-mds-niort" in other and "min en voiture" in other
    days = client.get(link.group(1))
    assert days.status_code == 200 and days.headers["Cache-Control"].startswith("private")
    pages = re.findall(r'href="(/rendez-vous/deux-sevres/[^"]+)"', days.get_data(as_text=True))
    assert pages[0] == f"/rendez-vous/deux-sevres/2026-12-22/{SITE}/{SERVICE}"
    page = client.get(pages[0]).get_data(as_text=True)
    slot = re.findall(r'name="slot" value="([^"]+)"', page)[0]
    booked = client.post(pages[0], data={"csrf_token": csrf(client), "slot": slot, "first_name": "Sam",
                                         "contact": "06 39 98 00 01", "consent": "oui"})
    assert booked.status_code == 303
    follow = client.get(booked.headers["Location"]).get_data(as_text=True)
    assert "Maison départementale des solidarités de Niort" in follow and "Sam" in follow
    assert client.get(f"/rendez-vous/deux-sevres/2026-12-21/{SITE}/{SERVICE}").status_code == 404
    assert client.get("/rendez-vous/site/deux-sevres/inconnu").status_code == 404


def test_a_site_staff_account_sees_and_marks_the_families_of_the_day_only(db_url, runner):
    from web_helpers import PASSWORD, signed_in

    from outreach.cli import main
    from outreach.models import AuditEvent, Scenario, StaffMember, User
    from outreach.users import set_user

    tuesday = dt.date(2026, 12, 22)
    with db.unit_of_work(db_url) as s:
        site = s.exec(select(FixedSite).where(FixedSite.code == "79191-mds-niort")).one()
        plain = s.exec(select(FixedSite).where(FixedSite.scenario_id == "deux-sevres",
                                               FixedSite.code != site.code)).first()
        crew = s.exec(select(StaffMember).where(StaffMember.scenario_id == "deux-sevres")).first()
        found = bookable_session(s, _ref(tuesday))
        bookings.book(s, found.ref, _request(found.slots[0]), NOW)
        bookings.book(s, found.ref, _request(found.slots[1], "sam@example.org"), NOW)
        set_user(s, "crew79@test", PASSWORD, "staff", crew.id)
        with pytest.raises(InvalidInput, match="pas aux deux"):
            set_user(s, "both@test", PASSWORD, "staff", crew.id, site_id=site.id)
        with pytest.raises(InvalidInput, match="ne prend pas de rendez-vous"):
            set_user(s, "plain@test", PASSWORD, "staff", site_id=plain.id)
    made = runner.invoke(main, ["create-user", "--email", "mds@test", "--role", "staff",
                                "--site", "79191-mds-niort", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    unknown = runner.invoke(main, ["create-user", "--email", "x@test", "--role", "staff",
                                   "--site", "nowhere", "--password", PASSWORD])
    assert unknown.exit_code != 0 and "--site : 0 lieux fixes" in unknown.output
    with Session(db.get_engine(db_url)) as s:
        account = s.exec(select(User).where(User.email == "mds@test")).one()
        assert account.site_id == site.id and account.staff_id is None
        assert account.organisation_id == s.get(Scenario, "deux-sevres").organisation_id

    def app_on(day: dt.date):
        moment = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
        return create_app({"DATABASE_URL": db_url, "TESTING": True, "GEOCODER": None,
                           "CLOCK": lambda: moment})

    path = f"/mes-tournees/{tuesday.isoformat()}/rendez-vous/{SITE}/{SERVICE}"
    client = signed_in(app_on(tuesday), "mds@test")
    home = client.get("/mes-tournees").get_data(as_text=True)
    assert path in home and "Maison départementale des solidarités de Niort" in home
    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    assert text.count("Sam") == 2 and "example.org" not in text and "06 39" not in text
    ids = re.findall(r'name="booking" value="(\d+)"', text)
    assert client.post(path, data={"csrf_token": client.token, "booking": ids[0],
                                   "action": "seen"}).status_code == 302
    assert "<strong>venu</strong>" in client.get(path).get_data(as_text=True)
    assert client.get(f"/mes-tournees/{tuesday.isoformat()}").status_code == 403  # no rounds
    # Not the site's staff, not today, not the site's opening: nothing.
    assert signed_in(app_on(tuesday), "crew79@test").get(path).status_code == 404
    assert signed_in(app_on(NOW.date()), "mds@test").get(path).status_code == 404
    closed = f"/mes-tournees/{NOW.date().isoformat()}/rendez-vous/{SITE}/{SERVICE}"
    assert signed_in(app_on(NOW.date()), "mds@test").get(closed).status_code == 404
    with Session(db.get_engine(db_url)) as s:
        events = [e for e in s.exec(select(AuditEvent)) if e.action.startswith("booking.")]
    assert [(e.action, e.actor) for e in events] == [
        ("booking.staff_view", "mds@test"), ("booking.mark", "mds@test"),
        ("booking.staff_view", "mds@test")]
