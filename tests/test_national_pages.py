"""The national report's pages: administrators launch a report, follow it and read
France's coverage; the report's scenarios and plans belong to no organisation, so a
département's coordinators never see them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlmodel import Session, select
from web_helpers import PASSWORD, signed_in

from outreach import db
from outreach.data.organisations import ensure_organisation
from outreach.models import Plan, Scenario, SolveJob
from outreach.planning import jobs, national
from outreach.users import set_user
from web import create_app

SMALL = {"stops": "8", "vehicles": "1", "work_limit": "0,5", "seed": "0"}


@pytest.fixture
def app(planned_url):
    with db.unit_of_work(planned_url) as s:
        belfort = ensure_organisation(s, "90", None)
        set_user(s, "belfort@test", PASSWORD, "coordinator", organisation_id=belfort.id)
        set_user(s, "touraine@test", PASSWORD, "coordinator", organisation_id="dep-37")
        set_user(s, "admin@test", PASSWORD, "admin")
    return create_app({"DATABASE_URL": planned_url, "TESTING": True, "SOLVE_INLINE": True})


def _national_jobs(url: str) -> list[SolveJob]:
    with Session(db.get_engine(url)) as s:
        return list(s.exec(select(SolveJob).where(SolveJob.kind == national.NATIONAL)))


def test_an_administrator_launches_a_report_and_reads_it(app, planned_url):
    admin = signed_in(app, "admin@test")
    assert "Rapport national" in admin.get("/admin").get_data(as_text=True)
    page = admin.get("/admin/rapport-national").get_data(as_text=True)
    assert "Aucun rapport pour l&#39;instant." in page
    launched = admin.post("/admin/rapport-national", data={
        "departements": "90, 75", **SMALL, "csrf_token": admin.token})
    assert launched.status_code == 302
    number = int(launched.headers["Location"].rstrip("/").split("/")[-1])
    found = national.rows(Session(db.get_engine(planned_url)), number)
    assert [(r.departement, r.status) for r in found] == [("75", "failed"), ("90", "done")]
    belfort = found[1]

    report = admin.get(f"/admin/rapport-national/{number}").get_data(as_text=True)
    assert '<meta http-equiv="refresh"' not in report  # nothing left to wait for
    assert "Départements planifiés : 1 ; sans plan : 1 ; en attente : 0 ; en tout : 2." in report
    assert "une seule commune (Paris)" in report
    t = national.totals(found)
    share = f"{t.share_pct:.1f}".rstrip("0").rstrip(".").replace(".", ",")
    assert f"({share} %)" in report
    assert f"/coordination/plans/{belfort.plan_id}/couverture" in report
    # The files are the ones the command writes, for the same report.
    table = admin.get(f"/admin/rapport-national/{number}/departements.csv")
    assert table.status_code == 200 and "attachment" in table.headers["Content-Disposition"]
    assert table.get_data(as_text=True) == national.to_csv(found)
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True)), delimiter=";"))
    assert [(r["departement"], r["etat"]) for r in rows] == [("75", "failed"), ("90", "done")]
    svg = admin.get(f"/admin/rapport-national/{number}/france.svg")
    assert svg.mimetype == "image/svg+xml" and svg.get_data(as_text=True) == national.france_svg(found)
    assert admin.get(f"/admin/rapport-national/{number}/rapport.md").get_data(as_text=True) \
        == national.to_markdown(found)
    assert admin.get(f"/admin/rapport-national/{number + 50}").status_code == 404
    listed = admin.get("/admin/rapport-national").get_data(as_text=True)
    assert f"/admin/rapport-national/{number}" in listed
    assert "8 arrêts candidats, 1 véhicule(s), travail 0,5, graine 0" in listed

    # The administrator reaches the plan's coverage from the report, but the plans page
    # lists only the organisations' scenarios.
    assert admin.get(f"/coordination/plans/{belfort.plan_id}/couverture").status_code == 200
    plans = admin.get("/coordination/plans").get_data(as_text=True)
    assert 'value="national-90"' not in plans
    assert f'href="/coordination/plans/{belfort.plan_id}"' not in plans

    # No organisation owns the report's scenario: the département's own coordinators do
    # not see it, nor does any other.
    with Session(db.get_engine(planned_url)) as s:
        assert s.get(Scenario, "national-90").organisation_id is None
        assert s.exec(select(Plan).where(Plan.id == belfort.plan_id)).one().scenario_id == "national-90"
    for email in ("belfort@test", "touraine@test"):
        coordinator = signed_in(app, email)
        for url in (f"/coordination/plans/{belfort.plan_id}",
                    f"/coordination/plans/{belfort.plan_id}/couverture",
                    "/coordination/donnees/national-90"):
            assert coordinator.get(url).status_code == 404, (email, url)
        assert 'value="national-90"' not in coordinator.get("/coordination/plans").get_data(as_text=True)
        assert coordinator.get("/admin/rapport-national").status_code == 403
        assert coordinator.get(f"/admin/rapport-national/{number}").status_code == 403
        assert coordinator.post("/admin/rapport-national", data={
            "departements": "90", **SMALL, "csrf_token": coordinator.token}).status_code == 403


def test_a_bad_form_names_each_field_keeps_what_was_typed_and_launches_nothing(app, planned_url):
    admin = signed_in(app, "admin@test")
    refused = admin.post("/admin/rapport-national", data={
        "departements": "37, 20, 99", "stops": "0", "vehicles": "deux", "work_limit": "beaucoup",
        "seed": "0", "csrf_token": admin.token})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Rien n&#39;a été lancé." in page
    assert "Champ Départements : 20, 99 inconnu(s)" in page
    assert "Arrêts candidats par département : un nombre entier de 1 à 500." in page
    assert "Véhicules par département : un nombre entier de 1 à 10." in page
    assert "Travail de recherche : un nombre de 0,1 à 60" in page
    assert 'value="37, 20, 99"' in page and 'value="deux"' in page and 'value="beaucoup"' in page
    assert page.count('aria-invalid="true"') == 4
    assert _national_jobs(planned_url) == []


def test_a_report_the_queue_cannot_take_keeps_nothing(planned_url):
    with db.unit_of_work(planned_url) as s:
        set_user(s, "admin@test", PASSWORD, "admin")
    app = create_app({"DATABASE_URL": planned_url, "TESTING": True})

    class Down:
        def enqueue(self, job_id: int) -> None:
            raise ConnectionError("nothing listens")

    app.extensions["solve_runner"] = Down()
    admin = signed_in(app, "admin@test")
    refused = admin.post("/admin/rapport-national", data={
        "departements": "90, 976", **SMALL, "csrf_token": admin.token})
    assert refused.status_code == 503
    assert "rien n&#39;a été lancé ni enregistré" in refused.get_data(as_text=True)
    assert 'value="90, 976"' in refused.get_data(as_text=True)
    assert _national_jobs(planned_url) == []


def test_the_migration_takes_earlier_national_scenarios_out_of_their_departement(empty_db_url):
    """Before migration 0033 a national job's scenario belonged to its département's
    organisation; the migration leaves it to none (administrators only), and leaves
    the organisations' own scenarios as they are."""
    from alembic import command

    from outreach.data.generate import generate_spec
    from outreach.data.scenarios import load_scenario

    with db.unit_of_work(empty_db_url) as s:
        for code, scenario_id in (("90", "national-90"), ("90", "auto-90")):
            load_scenario(s, generate_spec(s, code, 6, 1, scenario_id=scenario_id))
        s.add(SolveJob(kind=national.NATIONAL, status=jobs.DONE, scenario_id="national-90",
                       horizon_start=national.HORIZON, weeks=1, params={}, progress={},
                       created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)))
    with Session(db.get_engine(empty_db_url)) as s:
        owners = {sc.id: sc.organisation_id for sc in s.exec(select(Scenario))}
    assert owners["national-90"] is not None and owners["auto-90"] == owners["national-90"]
    command.downgrade(db.alembic_config(empty_db_url), "0032")
    db.upgrade(empty_db_url)
    with Session(db.get_engine(empty_db_url)) as s:
        after = {sc.id: sc.organisation_id for sc in s.exec(select(Scenario))}
    assert after == {"national-90": None, "auto-90": owners["auto-90"]}
