"""Organisations: coordinators see and change only their organisation's scenarios, plans,
jobs and audit events; administrators manage organisations and accounts with one-time
links (e-mailed through SMTP when configured); families see who runs each service."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import Session, select
from web_helpers import PASSWORD, login, signed_in

from outreach import audit, db
from outreach.data import organisations as orgs
from outreach.models import Invitation, Organisation, Scenario, SolveJob, User
from outreach.planning import jobs
from outreach.users import set_user
from solver import SolveParams
from web import create_app


@pytest.fixture
def app(planned_url):
    with db.unit_of_work(planned_url) as s:
        set_user(s, "touraine@test", PASSWORD, "coordinator", organisation_id="dep-37")
        set_user(s, "loire@test", PASSWORD, "coordinator", organisation_id="dep-42")
        set_user(s, "admin@test", PASSWORD, "admin")
    return create_app({"DATABASE_URL": planned_url, "TESTING": True, "SOLVE_INLINE": True})


def test_each_demo_scenario_belongs_to_its_departements_organisation(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        owners = {sc.id: sc.organisation_id for sc in s.exec(select(Scenario))}
        names = {o.id: o.name for o in s.exec(select(Organisation))}
    assert owners == {"indre-et-loire": "dep-37", "loire": "dep-42", "deux-sevres": "dep-79"}
    assert names["dep-37"] == "Département d'Indre-et-Loire"


def test_a_coordinator_sees_and_changes_only_their_organisations_data(app, planned_url):
    with db.unit_of_work(planned_url) as s:
        job = jobs.submit(s, "indre-et-loire", dt.date(2027, 1, 4), 1,
                                   SolveParams(time_limit_s=60, work_limit_s=1))
        job_id = job.id
    loire = signed_in(app, "loire@test")
    plans = loire.get("/coordination/plans").get_data(as_text=True)
    assert 'value="loire"' in plans and 'value="indre-et-loire"' not in plans
    assert "/coordination/plans/1" not in plans  # plan 1 is Indre-et-Loire's
    for url in ("/coordination/plans/1", "/coordination/plans/1/export.json",
                "/coordination/plans/1/map.svg", f"/coordination/solves/{job_id}",
                f"/coordination/solves/{job_id}.json", "/coordination/donnees/indre-et-loire",
                "/coordination/donnees/indre-et-loire/stops"):
        assert loire.get(url).status_code == 404, url
    assert loire.post("/coordination/plans/1/publish",
                      data={"csrf_token": loire.token}).status_code == 404
    refused = loire.post("/coordination/solves", data={
        "scenario": "indre-et-loire", "start": "2027-01-04", "weeks": "1", "time_limit": "3",
        "csrf_token": loire.token})
    assert refused.status_code == 422
    assert loire.get("/coordination/donnees/loire/stops").status_code == 200
    touraine = signed_in(app, "touraine@test")
    assert touraine.get("/coordination/plans/1").status_code == 200
    assert touraine.get(f"/coordination/solves/{job_id}.json").status_code == 200
    with Session(db.get_engine(planned_url)) as s:
        assert s.exec(select(SolveJob)).all()[-1].id == job_id  # the refused solve left nothing


def test_the_journal_shows_an_organisations_own_events(app, planned_url):
    loire, touraine = signed_in(app, "loire@test"), signed_in(app, "touraine@test")
    with Session(db.get_engine(planned_url)) as s:
        events = audit.recent(s)
    assert any(e.target == "touraine@test" and e.action == "signin"
               and e.organisation_id == "dep-37" for e in events)
    theirs = loire.get("/coordination/journal").get_data(as_text=True)
    ours = touraine.get("/coordination/journal").get_data(as_text=True)
    assert "touraine@test" in ours and "touraine@test" not in theirs
    assert "loire@test" in theirs  # its own sign-in


def test_only_administrators_reach_the_administration(app):
    assert signed_in(app, "touraine@test").get("/admin").status_code == 403
    assert app.test_client().get("/admin").status_code == 302  # to the sign-in page
    page = signed_in(app, "admin@test").get("/admin").get_data(as_text=True)
    assert "Département d&#39;Indre-et-Loire" in page and "touraine@test" in page


def _link(page: str) -> str:
    return re.search(r"<code>https?://[^/]+(/mot-de-passe/[^<]+)</code>", page).group(1)


def test_an_invitation_is_a_one_time_link_to_choose_a_password(app, planned_url):
    admin = signed_in(app, "admin@test")
    refused = admin.post("/admin/comptes", data={"email": "new@test", "role": "coordinator",
                                                 "organisation": "", "csrf_token": admin.token})
    assert refused.status_code == 422 and 'value="new@test"' in refused.get_data(as_text=True)
    page = admin.post("/admin/comptes", data={"email": "new@test", "role": "coordinator",
                                              "organisation": "dep-79", "csrf_token": admin.token})
    link = _link(page.get_data(as_text=True))
    with Session(db.get_engine(planned_url)) as s:
        stored = s.exec(select(Invitation)).one()
        assert link.rsplit("/", 1)[1] not in stored.token_hash  # only a hash is kept
    visitor = app.test_client()
    assert login(visitor, "new@test", "").status_code == 401  # no password yet
    form = visitor.get(link)
    assert form.status_code == 200 and "new@test" in form.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True)).group(1)
    short = visitor.post(link, data={"password": "short", "confirm": "short", "csrf_token": token})
    assert short.status_code == 422
    done = visitor.post(link, data={"password": "a-long-new-password", "confirm": "a-long-new-password",
                                    "csrf_token": token})
    assert done.status_code == 302
    assert visitor.get(link).status_code == 410  # used once
    newcomer = signed_in(app, "new@test", "a-long-new-password")
    assert 'value="deux-sevres"' in newcomer.get("/coordination/plans").get_data(as_text=True)


def test_a_reset_replaces_the_previous_link_and_deactivation_ends_sessions(app, planned_url):
    admin = signed_in(app, "admin@test")
    touraine = signed_in(app, "touraine@test")
    with Session(db.get_engine(planned_url)) as s:
        user_id = s.exec(select(User).where(User.email == "touraine@test")).one().id
    first = _link(admin.post(f"/admin/comptes/{user_id}/reinitialiser",
                             data={"csrf_token": admin.token}).get_data(as_text=True))
    second = _link(admin.post(f"/admin/comptes/{user_id}/reinitialiser",
                              data={"csrf_token": admin.token}).get_data(as_text=True))
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 200
    assert touraine.get("/coordination/plans").status_code == 200
    admin.post(f"/admin/comptes/{user_id}/desactiver", data={"csrf_token": admin.token})
    assert touraine.get("/coordination/plans").status_code == 302  # signed out
    assert login(app.test_client(), "touraine@test").status_code == 401
    admin.post(f"/admin/comptes/{user_id}/activer", data={"csrf_token": admin.token})
    assert login(app.test_client(), "touraine@test").status_code == 302


def test_an_expired_link_opens_nothing(planned_url):
    with db.unit_of_work(planned_url) as s:
        invited = orgs.invite(s, "late@test", "coordinator", "dep-37")
        token = invited.token
    with Session(db.get_engine(planned_url)) as s:
        assert orgs.pending(s, token) is not None
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=orgs.INVITATION_DAYS, minutes=1)
        assert orgs.pending(s, token, now=later) is None


def test_families_see_which_organisation_runs_each_service(app):
    client = app.test_client()
    services = client.get("/api/services").get_json()["services"]
    assert {s["organisation"] for s in services} == {"Département d'Indre-et-Loire"}
    page = client.get("/?q=Descartes").get_data(as_text=True)
    assert "Département d&#39;Indre-et-Loire" in page


def test_a_coordinator_needs_an_organisation_when_there_are_several(db_url):
    from outreach.errors import InvalidInput

    with db.unit_of_work(db_url) as s, pytest.raises(InvalidInput, match="organisation"):
        set_user(s, "who@test", PASSWORD, "coordinator")


def test_the_migration_gives_existing_data_organisations(planned_url):
    """Before 0015 a coordinator saw everything: with several départements the migration
    makes them administrators rather than hide data from them; staff follow their member."""
    from alembic import command

    with db.unit_of_work(planned_url) as s:
        set_user(s, "old@test", PASSWORD, "coordinator", organisation_id="dep-37")
    command.downgrade(db.alembic_config(planned_url), "0014")
    db.upgrade(planned_url)
    with Session(db.get_engine(planned_url)) as s:
        old = s.exec(select(User).where(User.email == "old@test")).one()
        assert old.role == "admin" and old.organisation_id is None
        owners = {sc.id: sc.organisation_id for sc in s.exec(select(Scenario))}
    assert owners == {"indre-et-loire": "dep-37", "loire": "dep-42", "deux-sevres": "dep-79"}


def test_an_invitation_is_e_mailed_through_smtp(app, smtp_server, monkeypatch):
    url, received = smtp_server
    monkeypatch.setenv("OUTREACH_SMTP_URL", url)
    monkeypatch.setenv("OUTREACH_MAIL_FROM", "outreach@departement.test")
    admin = signed_in(app, "admin@test")
    page = admin.post("/admin/comptes", data={"email": "mailed@test", "role": "coordinator",
                                              "organisation": "dep-37",
                                              "csrf_token": admin.token}).get_data(as_text=True)
    assert "Lien envoyé par courriel à mailed@test" in page
    link = _link(page)
    assert len(received) == 1 and received[0][0] == ["mailed@test"]
    body = received[0][1]
    assert "From: outreach@departement.test" in body and link in body.replace("=\n", "")


def test_an_administrator_invites_the_staff_of_a_fixed_site_taking_appointments(app, planned_url):
    from outreach.models import FixedSite

    admin = signed_in(app, "admin@test")
    with Session(db.get_engine(planned_url)) as s:
        site = s.exec(select(FixedSite).where(FixedSite.code == "79191-mds-niort")).one()
    page = admin.get("/admin").get_data(as_text=True)
    assert f'value="site-{site.id}"' in page and "Lieu fixe : Maison départementale" in page
    form = {"email": "mds@test", "role": "staff", "staff": f"site-{site.id}",
            "csrf_token": admin.token}
    wrong = admin.post("/admin/comptes", data={**form, "organisation": "dep-37"})
    assert wrong.status_code == 422 and "lieu fixe" in wrong.get_data(as_text=True)
    assert _link(admin.post("/admin/comptes", data={**form, "organisation": "dep-79"})
                 .get_data(as_text=True))
    with Session(db.get_engine(planned_url)) as s:
        account = s.exec(select(User).where(User.email == "mds@test")).one()
    assert (account.role, account.site_id, account.staff_id) == ("staff", site.id, None)
