"""What-if: a variant is a copy of a scenario with changes, planned alike and compared;
it never touches the base scenario or the published plan, and its plans never publish."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from outreach import db, planning
from outreach.cli import main
from outreach.data.scenarios import scenario_spec
from outreach.errors import InvalidInput, PlanNotPublishable
from outreach.models import Plan, Scenario, SolveJob, Stop
from outreach.planning import diagnosis as diag
from outreach.planning import whatif
from outreach.planning.whatif import Change
from solver import SolveParams

TOURS = "37261"
PARAMS = SolveParams(time_limit_s=120, work_limit_s=1.0, seed=0)


def _spec(url, scenario="indre-et-loire"):
    with db.unit_of_work(url) as s:
        return scenario_spec(s, scenario)


def test_each_change_is_made_on_a_copy(db_url):
    before = _spec(db_url)
    with db.unit_of_work(db_url) as s:
        stop = before["stops"][0]["id"]
        vehicle = before["vehicles"][0]
        data = whatif.apply_changes(s, before, [
            Change("add-stop", TOURS), Change("remove-stop", stop),
            Change("add-vehicle", "Chinon"), Change("add-staff", "puericultrice"),
            Change("add-weekday", "6"), Change("add-fixed-site", "37122"),
            Change("threshold", "45")])
    assert before == _spec(db_url)  # the base is untouched
    added = [x for x in data["stops"] if x["commune_insee"] == TOURS]
    assert len(added) == 1 and added[0]["services"] and added[0]["windows"]
    assert stop not in {x["id"] for x in data["stops"]}
    assert len(data["vehicles"]) == len(before["vehicles"]) + 1
    new_vehicle = data["vehicles"][-1]
    assert new_vehicle["base_insee"] == "37072" and new_vehicle["services"] == vehicle["services"]
    crew = [m for m in data["staff"] if m["id"].startswith(new_vehicle["id"])]
    needed = {slot[0] for svc in data["services"] if svc["id"] in vehicle["services"]
              for slot in svc["required_roles"]}
    assert {m["roles"][0] for m in crew} == needed
    assert any(m["roles"] == ["puericultrice"] and m["id"].startswith("variante-")
               for m in data["staff"])
    assert all(6 in v["weekdays"] for v in data["vehicles"])
    assert all(6 in m["weekdays"] for m in data["staff"])
    assert data["fixed_sites"][-1]["commune_insee"] == "37122"
    assert {svc["access_threshold_min"] for svc in data["services"]} == {45}


@pytest.mark.parametrize(("change", "words"), [
    (Change("remove-stop", "nulle-part"), "--remove-stop : nulle-part n'existe pas"),
    (Change("add-stop", "99999"), "--add-stop : commune « 99999 » introuvable dans le département 37"),
    (Change("add-fixed-site", "Paris"), "--add-fixed-site : commune « Paris » introuvable"),
    (Change("add-staff", "pilote"), "--add-staff : rôle pilote inconnu"),
    (Change("add-weekday", "8"), "--add-weekday : un jour de 1 (lundi) à 7"),
    (Change("threshold", "0"), "--threshold : un nombre de minutes de 5 à 120"),
    (Change("repaint", "x"), "Changement inconnu : repaint"),
])
def test_a_bad_change_names_its_field_and_creates_nothing(db_url, change, words):
    with pytest.raises(InvalidInput) as raised, db.unit_of_work(db_url) as s:
        whatif.make_variant(s, "indre-et-loire", [change])
    assert words in str(raised.value)
    with db.unit_of_work(db_url) as s:
        assert s.exec(select(Scenario).where(Scenario.variant_of.is_not(None))).all() == []


def test_a_variant_is_a_scenario_of_its_own_whose_plans_never_publish(db_url):
    with db.unit_of_work(db_url) as s:
        base = s.get(Scenario, "indre-et-loire")
        first = whatif.make_variant(s, "indre-et-loire", [Change("add-stop", TOURS)])
        second = whatif.make_variant(s, first.id, [Change("threshold", "20")])
        assert (first.id, second.id) == ("indre-et-loire-variante-1", "indre-et-loire-variante-2")
        assert first.variant_of == second.variant_of == "indre-et-loire"
        assert first.organisation_id == base.organisation_id
        assert "arrêt ajouté à Tours" in first.description
        assert s.exec(select(Stop).where(Stop.scenario_id == second.id,
                                         Stop.commune_insee == TOURS)).one()
        plan = planning.create_plan(s, first.id, dt.date(2027, 1, 4), 4, PARAMS)
        plan_id = plan.id
    with pytest.raises(PlanNotPublishable) as refused, db.unit_of_work(db_url) as s:
        planning.publish_plan(s, plan_id)
    assert "variante" in str(refused.value)
    with db.unit_of_work(db_url) as s:
        assert s.get(Plan, plan_id) is not None
        assert planning.published_plan_id(s, first.id) is None


def test_the_comparison_counts_what_the_two_diagnoses_say(db_url):
    with db.unit_of_work(db_url) as s:
        variant = whatif.make_variant(s, "indre-et-loire", [Change("add-stop", TOURS)])
        versions, found = [], []
        for scenario in ("indre-et-loire", variant.id):
            plan = planning.create_plan(s, scenario, dt.date(2027, 1, 4), 4, PARAMS)
            version = planning.read_version(s, plan.id)
            versions.append(version)
            found.append(diag.diagnose_plan(s, version))
    result = whatif.compare(versions[0], found[0], versions[1], found[1])
    before = {c.insee: c.within for c in found[0].communes}
    after = {c.insee: c.within for c in found[1].communes}
    assert set(result.gained) == {i for i in after if after[i] and not before[i]}
    assert set(result.lost) == {i for i in before if before[i] and not after[i]}
    assert result.after.children_within - result.before.children_within == (
        result.children_gained - result.children_lost)
    assert result.before.sessions == versions[0].kpis.sessions
    held = {v.stop for r in versions[1].routes for v in r.visits}
    if any(versions[1].inputs.stops[h].commune_insee == TOURS for h in held):
        assert TOURS in result.gained
    text = whatif.comparison_fr(result)
    assert "Enfants à portée" in text and "communes gagnent l'accès" in text


def test_the_cli_makes_plans_and_compares(runner, db_url):
    result = runner.invoke(main, ["what-if", "--scenario", "indre-et-loire", "--add-stop", TOURS,
                                  "--remove-weekday", "1", "--work-limit", "1"])
    assert result.exit_code == 0, result.output
    assert "Variante indre-et-loire-variante-1 créée" in result.output
    assert "Kilomètres" in result.output and "perdent l'accès" in result.output
    bad = runner.invoke(main, ["what-if", "--scenario", "indre-et-loire",
                               "--remove-vehicle", "nulle-part"])
    assert bad.exit_code == 1 and "--remove-vehicle : nulle-part n'existe pas" in bad.output
    empty = runner.invoke(main, ["what-if", "--scenario", "indre-et-loire"])
    assert empty.exit_code == 1 and "au moins une chose" in empty.output
    gone = runner.invoke(main, ["delete-variant", "--scenario", "indre-et-loire-variante-1"])
    assert gone.exit_code == 0 and "supprimée avec ses 1 plan(s)" in gone.output, gone.output
    kept = runner.invoke(main, ["delete-variant", "--scenario", "indre-et-loire"])
    assert kept.exit_code == 1 and "n'est pas une variante" in kept.output
    with db.unit_of_work(db_url) as s:
        assert s.get(Scenario, "indre-et-loire-variante-1") is None
        assert s.get(Scenario, "indre-et-loire") is not None


@pytest.fixture
def web(planned_url):
    from web_helpers import PASSWORD, signed_in

    from outreach.users import set_user
    from web import create_app

    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
        set_user(s, "other@test", PASSWORD, "coordinator", organisation_id="dep-42")
    app = create_app({"DATABASE_URL": planned_url, "TESTING": True, "SOLVE_INLINE": True})
    client = signed_in(app, "coord@test")
    client.other = signed_in(app, "other@test")
    return client


def test_a_coordinator_makes_a_variant_and_sees_both_plans_compared(web, planned_url):
    form = web.get("/coordination/scenarios/indre-et-loire/variante").get_data(as_text=True)
    assert 'name="add_stop"' in form and 'name="remove_vehicle"' in form
    assert "/coordination/scenarios/indre-et-loire/variante" in web.get(
        "/coordination/plans").get_data(as_text=True)
    fields = {"add_stop": "Tours", "start": "2027-01-04", "weeks": "1", "time_limit": "2",
              "csrf_token": web.token}
    bad = web.post("/coordination/scenarios/indre-et-loire/variante",
                   data=fields | {"add_fixed_site": "Atlantide"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "commune « Atlantide » introuvable" in text and 'value="Atlantide"' in text
    # The message names the field as the form shows it, not the command line's option.
    assert "Ajouter un site fixe dans la commune : commune « Atlantide »" in text
    assert "--add-fixed-site" not in text
    assert 'value="Tours"' in text  # what was typed is kept
    with db.unit_of_work(planned_url) as s:
        assert s.exec(select(Scenario).where(Scenario.variant_of.is_not(None))).all() == []

    started = web.post("/coordination/scenarios/indre-et-loire/variante", data=fields)
    assert started.status_code == 302
    waiting = web.get(started.headers["Location"])
    assert waiting.status_code == 302  # both solved inline: straight to the comparison
    page = web.get(waiting.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Comparaison des plans" in html and "arrêt ajouté à Tours" in html
    assert "communes gagnent l&#39;accès" in html and "Kilomètres" in html
    before, after = (int(x) for x in waiting.headers["Location"].rstrip("/").split("/")[-2:])
    with db.unit_of_work(planned_url) as s:  # both stopped by the same work, not the clock
        both = s.exec(select(SolveJob).where(col(SolveJob.plan_id).in_([before, after]))).all()
        assert [j.params["work_limit_s"] for j in both] == [2.0, 2.0]
    svg = web.get(f"/coordination/comparer/{before}/{after}.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    body = svg.get_data(as_text=True)
    assert body.count('<path class="c-') == 272 and "Perd l&#39;accès" in body
    with db.unit_of_work(planned_url) as s:
        published = planning.published_plan_id(s, "indre-et-loire")
    refused = web.post(f"/coordination/plans/{after}/publish", data={"csrf_token": web.token},
                       follow_redirects=True)
    assert "une variante sert à comparer et ne se publie pas" in refused.get_data(as_text=True)
    with db.unit_of_work(planned_url) as s:
        assert planning.published_plan_id(s, "indre-et-loire") == published
        assert planning.published_plan_id(s, "indre-et-loire-variante-1") is None
    assert web.other.get("/coordination/scenarios/indre-et-loire/variante").status_code == 404
    assert web.other.get(f"/coordination/comparer/{before}/{after}").status_code == 404
    # Tidying up: the variant goes with its plans and jobs; the scenario it copies stays.
    variant_page = web.get(f"/coordination/comparer/{before}/{after}").get_data(as_text=True)
    assert "/coordination/scenarios/indre-et-loire-variante-1/supprimer-variante" in variant_page
    assert web.other.post("/coordination/scenarios/indre-et-loire-variante-1/supprimer-variante",
                          data={"csrf_token": web.other.token}).status_code == 404
    gone = web.post("/coordination/scenarios/indre-et-loire-variante-1/supprimer-variante",
                    data={"csrf_token": web.token}, follow_redirects=True)
    assert "Variante indre-et-loire-variante-1 supprimée avec ses 1 plan(s)." in \
        gone.get_data(as_text=True)
    kept = web.post("/coordination/scenarios/indre-et-loire/supprimer-variante",
                    data={"csrf_token": web.token}, follow_redirects=True)
    assert "indre-et-loire n&#39;est pas une variante" in kept.get_data(as_text=True)
    with db.unit_of_work(planned_url) as s:
        assert s.get(Scenario, "indre-et-loire-variante-1") is None
        assert s.get(Plan, after) is None and s.get(Plan, before) is not None
        assert s.exec(select(Stop).where(Stop.scenario_id == "indre-et-loire-variante-1")).all() == []
        assert planning.published_plan_id(s, "indre-et-loire") == published
        assert s.exec(select(SolveJob).where(SolveJob.plan_id == after)).all() == []
