"""The families' look-up reads the reach each published version stored when published:
the same sessions, minutes and kilometres as computing every trip per request."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from outreach import db
from outreach.access import AccessPolicy
from outreach.data.places import national_index
from outreach.models import Commune, PlanReach
from outreach.publishing.public import next_sessions_near

TODAY = dt.date(2027, 1, 4)


def _key(sessions):
    return [(s.date, s.start_min, s.stop_code, s.service_code, s.travel_min, s.distance_km)
            for s in sessions]


def test_the_stored_reach_gives_the_same_answers_as_computing_every_trip(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        assert s.exec(select(PlanReach).where(PlanReach.plan_id == 1)).first() is not None
        communes = list(s.exec(select(Commune).order_by(Commune.insee)))[::4]
        # and communes of the départements around, known only to the national look-up
        places = [national_index().get(code) for code in ("41018", "36088", "86194", "49328")]
        checked = reached = 0
        for commune in communes + [p for p in places if p is not None]:
            stored = next_sessions_near(s, commune, TODAY, limit=None)
            computed = next_sessions_near(s, commune, TODAY, limit=None, access=AccessPolicy())
            assert _key(stored) == _key(computed), commune.insee
            checked += 1
            reached += bool(stored)
    assert checked > 150 and reached > 20


def test_a_publication_stores_its_reach_and_the_migration_fills_in_older_ones(planned_url):
    from alembic import command

    def rows():
        with Session(db.get_engine(planned_url)) as s:
            return sorted((r.plan_id, r.commune_insee, r.stop_code, r.service_code, r.travel_min,
                           r.distance_m) for r in s.exec(select(PlanReach)))

    before = rows()
    assert before and {r[0] for r in before} == {1}
    command.downgrade(db.alembic_config(planned_url), "0016")
    db.upgrade(planned_url)
    assert rows() == before
