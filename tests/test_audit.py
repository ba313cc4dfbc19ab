"""The audit log: who did what, when, from where; readable by coordinators; kept a set time."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select
from web_helpers import PASSWORD, login, signed_in

from outreach import audit, db, planning
from outreach.models import AuditEvent
from outreach.users import set_user
from web import create_app


def _events(url: str) -> list[AuditEvent]:
    with Session(db.get_engine(url)) as s:
        return list(s.exec(select(AuditEvent).order_by(AuditEvent.id)))


def test_sign_ins_publications_and_edits_are_logged_with_who_and_where(planned_url):
    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-42")
        draft = planning.create_plan(s, "loire", dt.date(2027, 1, 4), 1,
                                     __import__("solver").SolveParams(time_limit_s=60,
                                                                      work_limit_s=1)).id
    app = create_app({"DATABASE_URL": planned_url, "TESTING": True})
    anonymous = app.test_client()
    assert login(anonymous, "coord@test", "wrong-password").status_code == 401
    client = signed_in(app, "coord@test")
    assert client.post(f"/coordination/plans/{draft}/publish",
                       data={"csrf_token": client.token, "seen": ""}).status_code == 302
    events = _events(planned_url)
    actions = [(e.action, e.actor, e.target) for e in events]
    assert any(a == "account.set" and t == "coord@test" for a, _who, t in actions)
    assert ("signin.failed", "anonyme", "coord@test") in actions
    assert ("signin", "anonyme", "coord@test") in actions
    publish = [e for e in events if e.action == "plan.publish"][-1]
    assert publish.actor == "coord@test" and publish.target == f"plan {draft}"
    assert publish.client == "127.0.0.1" and publish.detail["scenario"] == "loire"
    page = client.get("/coordination/journal").get_data(as_text=True)
    assert "plan.publish" in page and "signin.failed" in page
    # Staff members and anonymous visitors do not read it.
    assert anonymous.get("/coordination/journal").status_code == 302


def test_a_refused_change_leaves_no_event_and_old_events_expire(planned_url, monkeypatch):
    from outreach.errors import PlanNotPublishable

    before = len(_events(planned_url))
    try:
        with db.unit_of_work(planned_url) as s:
            planning.publish_plan(s, 1)  # already published: refused
    except PlanNotPublishable:
        pass
    assert len(_events(planned_url)) == before
    with db.unit_of_work(planned_url) as s:
        s.add(AuditEvent(at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40), actor="x",
                         action="old", target=""))
    monkeypatch.setenv("OUTREACH_AUDIT_DAYS", "30")
    with db.unit_of_work(planned_url) as s:
        audit.record(s, "new", "")
    assert [e.action for e in _events(planned_url)][-1:] == ["new"]
    assert "old" not in [e.action for e in _events(planned_url)]


def test_the_cli_acts_as_its_system_user(runner, db_url):
    runner.invoke(__import__("outreach.cli", fromlist=["main"]).main,
                  ["create-user", "--email", "cli@test", "--role", "coordinator",
                   "--organisation", "dep-42"])
    event = next(e for e in _events(db_url) if e.action == "account.set")
    assert event.actor.startswith("cli:") and event.client == "local"
