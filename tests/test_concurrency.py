"""No lost update: a publication made from a stale view is refused, and of two
simultaneous publications exactly one goes through (PostgreSQL, concurrent requests)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from web_helpers import PASSWORD, signed_in

from outreach import db, planning
from outreach.data import scenarios
from outreach.errors import PlanNotPublishable
from outreach.models import Publication
from outreach.users import set_user
from solver import Method, SolveParams
from web import create_app

FAST = SolveParams(time_limit_s=60, work_limit_s=1, method=Method.ROUTING)
START = dt.date(2027, 1, 4)


def _two_drafts(url: str) -> tuple[int, int]:
    with db.unit_of_work(url) as s:
        first = planning.create_plan(s, "loire", START, 1, FAST)
        second = planning.create_plan(s, "loire", START, 1, FAST)
        return first.id, second.id  # type: ignore[return-value]


def test_a_publication_from_a_stale_page_is_refused(db_url):
    first, second = _two_drafts(db_url)
    with db.unit_of_work(db_url) as s:
        planning.publish_plan(s, first, None)  # nothing was published when the page was seen
    with pytest.raises(PlanNotPublishable, match="a changé"), db.unit_of_work(db_url) as s:
        planning.publish_plan(s, second, None)  # the same stale view: refused
    with Session(db.get_engine(db_url)) as s:
        assert planning.published_plan_id(s, "loire") == first
    with db.unit_of_work(db_url) as s:
        planning.publish_plan(s, second, first)  # seen the current one: goes through
    with Session(db.get_engine(db_url)) as s:
        assert planning.published_plan_id(s, "loire") == second
        assert [p.seq for p in s.exec(select(Publication))] == [1, 2]
    # Two publications from the same state would both be number 3: the database takes one.
    with pytest.raises(IntegrityError), db.unit_of_work(db_url) as s:
        for plan_id in (first, second):
            s.add(Publication(plan_id=plan_id, scenario_id="loire", seq=3,
                              published_at=dt.datetime.now(dt.UTC)))
        s.flush()


@pytest.mark.postgres
def test_two_coordinators_publishing_at_once_exactly_one_wins(pg_url):
    db.upgrade(pg_url)
    with db.unit_of_work(pg_url) as s:
        scenarios.seed_demo(s, ["loire"])
        set_user(s, "a@test", PASSWORD, "coordinator", organisation_id="dep-42")
        set_user(s, "b@test", PASSWORD, "coordinator", organisation_id="dep-42")
    drafts = _two_drafts(pg_url)
    app = create_app({"DATABASE_URL": pg_url, "TESTING": True})
    clients = [signed_in(app, "a@test"), signed_in(app, "b@test")]
    for client, plan_id in zip(clients, drafts):  # both open their draft's page
        page = client.get(f"/coordination/plans/{plan_id}").get_data(as_text=True)
        assert 'name="seen" value=""' in page
    start = threading.Barrier(2)
    answers: dict[int, str] = {}

    def publish(client, plan_id: int) -> None:
        start.wait()
        response = client.post(f"/coordination/plans/{plan_id}/publish",
                               data={"csrf_token": client.token, "seen": ""},
                               follow_redirects=True)
        answers[plan_id] = response.get_data(as_text=True)

    threads = [threading.Thread(target=publish, args=pair) for pair in zip(clients, drafts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    published = [p for p, text in answers.items() if f"Plan {p} publié" in text]
    refused = [p for p, text in answers.items() if "rien n&#39;a été publié" in text
               or "rien n'a été publié" in text]
    assert len(published) == 1 and len(refused) == 1, answers
    with Session(db.get_engine(pg_url)) as s:
        rows = s.exec(select(Publication)).all()
        assert [r.plan_id for r in rows] == published
        assert planning.published_plan_id(s, "loire") == published[0]


def _stop_form(client, url: str) -> dict[str, str]:
    """The fields of a stop's edit page, as the browser would send them back."""
    import re

    page = client.get(url).get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page))
    fields["csrf_token"] = client.token
    return fields


def _edit_two_ways(url_db: str):
    from outreach.models import Stop

    with Session(db.get_engine(url_db)) as s:
        stop = s.exec(select(Stop).where(Stop.scenario_id == "loire")).first()
    app = create_app({"DATABASE_URL": url_db, "TESTING": True})
    clients = [signed_in(app, "a@test"), signed_in(app, "b@test")]
    url = f"/coordination/donnees/loire/stops/{stop.code}"
    forms = [_stop_form(c, url) for c in clients]  # both open the same version
    assert forms[0]["version"] == forms[1]["version"] == str(stop.version)
    return stop, clients, url, forms


def test_an_edit_over_a_newer_one_is_refused_and_keeps_what_was_typed(db_url):
    from outreach.models import Stop

    with db.unit_of_work(db_url) as s:
        set_user(s, "a@test", PASSWORD, "coordinator", organisation_id="dep-42")
        set_user(s, "b@test", PASSWORD, "coordinator", organisation_id="dep-42")
    stop, (first, second), url, (form_a, form_b) = _edit_two_ways(db_url)
    assert first.post(url, data={**form_a, "venue": "Salle A"}).status_code == 302
    refused = second.post(url, data={**form_b, "venue": "Salle B"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "modifiée par quelqu" in page and 'value="Salle B"' in page
    with Session(db.get_engine(db_url)) as s:
        saved = s.get(Stop, stop.id)
        assert saved.venue == "Salle A" and saved.version == stop.version + 1


@pytest.mark.postgres
def test_two_simultaneous_edits_of_one_stop_exactly_one_is_saved(pg_url):
    from outreach.models import Stop

    db.upgrade(pg_url)
    with db.unit_of_work(pg_url) as s:
        scenarios.seed_demo(s, ["loire"])
        set_user(s, "a@test", PASSWORD, "coordinator", organisation_id="dep-42")
        set_user(s, "b@test", PASSWORD, "coordinator", organisation_id="dep-42")
    stop, clients, url, forms = _edit_two_ways(pg_url)
    start = threading.Barrier(2)
    codes: dict[str, int] = {}

    def save(client, form, venue: str) -> None:
        start.wait()
        codes[venue] = client.post(url, data={**form, "venue": venue}).status_code

    threads = [threading.Thread(target=save, args=(c, f, v))
               for c, f, v in zip(clients, forms, ("Salle A", "Salle B"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes.values()) == [302, 422], codes
    with Session(db.get_engine(pg_url)) as s:
        saved = s.get(Stop, stop.id)
    winner = next(v for v, code in codes.items() if code == 302)
    assert saved.venue == winner and saved.version == stop.version + 1
