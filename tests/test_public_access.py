"""The families' search finds a session within its own service's access threshold."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from outreach import db
from outreach.access import AccessPolicy
from outreach.models import Commune, PlanService, PlanSession
from outreach.publishing.public import next_sessions_near


def _set_threshold(url: str, code: str, minutes: int) -> None:
    """The threshold of the service as published (the published version's copy), and the
    reach its publication stores (outreach.planning.reach), as if published so."""
    from sqlmodel import delete

    from outreach.models import PlanReach
    from outreach.planning.reach import compute_reach

    with db.unit_of_work(url) as s:
        for service in s.exec(select(PlanService).where(PlanService.code == code,
                                                        PlanService.plan_id == 1)):
            service.access_threshold_min = minutes
            s.add(service)
        s.flush()
        s.execute(delete(PlanReach).where(PlanReach.plan_id == 1))
        compute_reach(s, 1)


def test_each_service_s_threshold_decides_what_is_within_reach(planned_url):
    policy = AccessPolicy()
    with Session(db.get_engine(planned_url)) as s:
        row = s.exec(select(PlanSession).where(PlanSession.plan_id == 1)).first()
        today = row.date - dt.timedelta(days=1)
        # A commune 15-30 minutes from the session's place, not the same commune.
        neighbour = next(
            c for c in s.exec(select(Commune).where(Commune.departement == "37"))
            if c.insee != row.commune_insee
            and 15 <= policy.trip((c.lat, c.lon), (row.lat, row.lon))[0] <= 30)
    key = (row.date, row.start_min, row.commune_insee, row.service_code)

    def found() -> bool:
        with Session(db.get_engine(planned_url)) as s:
            return key in {(x.date, x.start_min, x.commune_insee, x.service_code)
                           for x in next_sessions_near(s, neighbour, today, limit=None)}

    assert found()
    _set_threshold(planned_url, row.service_code, 10)
    assert not found()
    _set_threshold(planned_url, row.service_code, 45)
    assert found()
