"""What a published plan shows is its own copy: later edits reach families and staff only
with the next publication, and renaming a code loses nobody's rounds."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select
from web_helpers import crew_member_id

from outreach import db, planning
from outreach.models import Service, StaffMember
from outreach.publishing.public import published_services, published_sessions
from outreach.publishing.rounds import staff_rounds
from solver import Method, SolveParams


def _texts(url: str) -> set[str]:
    with Session(db.get_engine(url)) as s:
        return {x.what_to_bring for x in published_sessions(s, dt.date(2027, 1, 1))
                if x.scenario_id == "indre-et-loire"}


def test_service_texts_change_for_families_only_with_the_next_publication(planned_url):
    before = _texts(planned_url)
    assert before and "Un parapluie" not in before
    with db.unit_of_work(planned_url) as s:
        for service in s.exec(select(Service).where(Service.scenario_id == "indre-et-loire")):
            service.what_to_bring = "Un parapluie"
            s.add(service)
    assert _texts(planned_url) == before
    with Session(db.get_engine(planned_url)) as s:
        assert "Un parapluie" not in {x.what_to_bring for x in published_services(s)}
    with db.unit_of_work(planned_url) as s:
        plan = planning.create_plan(s, "indre-et-loire", dt.date(2027, 1, 4), 1,
                                    SolveParams(time_limit_s=60, work_limit_s=1,
                                                method=Method.ROUTING))
        planning.publish_plan(s, plan.id)
    assert _texts(planned_url) == {"Un parapluie"}


def test_a_new_staff_code_keeps_the_published_rounds(planned_url):
    member_id = crew_member_id(planned_url)
    with Session(db.get_engine(planned_url)) as s:
        days = staff_rounds(s, member_id)
    assert days
    with db.unit_of_work(planned_url) as s:
        member = s.get(StaffMember, member_id)
        member.code = member.code + "-renamed"
        s.add(member)
    with Session(db.get_engine(planned_url)) as s:
        assert [(d.date, d.vehicle_code) for d in staff_rounds(s, member_id)] == [
            (d.date, d.vehicle_code) for d in days]


def test_seed_demo_keeps_what_coordinators_edited(db_url):
    from outreach.data import editing, scenarios
    from outreach.models import Absence, Stop

    with db.unit_of_work(db_url) as s:
        stop = s.exec(select(Stop).where(Stop.scenario_id == "loire")).first()
        stop_id, original_venue = stop.id, stop.venue
        member = s.exec(select(StaffMember).where(StaffMember.scenario_id == "loire")).first()
        member_id = member.id
        editing.add_absence(s, member, "2027-01-05", "2027-01-06", "Stage régional 2027")
        stop.venue, stop.version = "Salle refaite à neuf", stop.version + 1  # as a saved form does
        s.add(stop)
        untouched = s.exec(select(Stop).where(Stop.scenario_id == "loire", Stop.id != stop_id)).first()
        untouched.venue = "Changed behind the coordinators' back"  # no version: seed data
        s.add(untouched)
    with db.unit_of_work(db_url) as s:
        scenarios.seed_demo(s, ["loire"])
    with Session(db.get_engine(db_url)) as s:
        assert s.get(Stop, stop_id).venue == "Salle refaite à neuf" != original_venue
        assert s.get(Stop, untouched.id).venue != "Changed behind the coordinators' back"
        assert [a.reason for a in s.exec(select(Absence).where(Absence.staff_id == member_id))
                if a.reason == "Stage régional 2027"] == ["Stage régional 2027"]


def test_seed_demo_does_not_bring_back_what_coordinators_deleted(db_url):
    """A deleted demo record stays deleted when the demo is loaded again; made again by
    hand with the same identifier, it is the coordinator's and the demo updates it again."""
    from outreach.data import editing, scenarios
    from outreach.models import Stop

    with db.unit_of_work(db_url) as s:
        stop = s.exec(select(Stop).where(Stop.scenario_id == "loire").order_by(Stop.code)).first()
        code = stop.code
        spec = next(x for x in scenarios.scenario_spec(s, "loire")["stops"] if x["id"] == code)
        editing.delete_record(s, stop)
        member = s.exec(select(StaffMember).where(StaffMember.scenario_id == "loire")).first()
        member_code = member.code
        editing.delete_record(s, member)
    with db.unit_of_work(db_url) as s:
        scenarios.seed_demo(s, ["loire"])
    with Session(db.get_engine(db_url)) as s:
        assert s.exec(select(Stop).where(Stop.scenario_id == "loire", Stop.code == code)).first() is None
        assert s.exec(select(StaffMember).where(StaffMember.scenario_id == "loire",
                                                StaffMember.code == member_code)).first() is None
        remaining = len(s.exec(select(Stop).where(Stop.scenario_id == "loire")).all())
    with db.unit_of_work(db_url) as s:
        editing.save_stop(s, "loire", spec)
    with Session(db.get_engine(db_url)) as s:
        assert len(s.exec(select(Stop).where(Stop.scenario_id == "loire")).all()) == remaining + 1
