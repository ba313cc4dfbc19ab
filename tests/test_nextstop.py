"""Where should the next stop go: the ranking's children are re-derived from the diagnosis
and the travel model, its days are days the plan leaves a vehicle idle, and the top
candidates' re-plans bring within reach what the estimate said."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlmodel import select
from web_helpers import PASSWORD, signed_in

from outreach import db, planning
from outreach.cli import main
from outreach.data.generate import generate_spec
from outreach.data.scenarios import load_scenario
from outreach.models import Scenario
from outreach.planning import diagnosis as diag
from outreach.planning import nextstop
from outreach.planning.access_map import Access
from outreach.users import set_user
from solver import SolveParams
from web import create_app

PARAMS = SolveParams(time_limit_s=120, work_limit_s=2.0, seed=0)
START = dt.date(2027, 1, 4)


@pytest.fixture(scope="module")
def indre_template(demo_template, tmp_path_factory):
    """The demo database with a generated Indre scenario (8 stops, one bus: room to spare),
    planned over four weeks (plan 1)."""
    path = tmp_path_factory.mktemp("indre") / "indre.db"
    shutil.copy(demo_template, path)
    url = f"sqlite:///{path}"
    with db.unit_of_work(url) as s:
        load_scenario(s, generate_spec(s, "36", 8, 1))
    with db.unit_of_work(url) as s:
        assert planning.create_plan(s, "auto-36", START, 4, PARAMS).id == 1
    db.get_engine(url).dispose()
    return path


@pytest.fixture
def indre_url(indre_template, tmp_path):
    path = tmp_path / "indre.db"
    shutil.copy(indre_template, path)
    return f"sqlite:///{path}"


def _ranked(url, plan_id=1, threshold=None, limit=10):
    with db.unit_of_work(url) as s:
        version = planning.read_version(s, plan_id)
        places = diag.load_places(s, diag.plan_departements(version))
        found, ranking = nextstop.rank_plan(s, version, threshold, limit)
    return version, places, found, ranking


def test_each_candidate_reaches_the_out_of_reach_children_the_travel_model_says(indre_template):
    version, places, found, ranking = _ranked(f"sqlite:///{indre_template}")
    assert ranking.fitting, "a bus with 8 stops over 20 days has idle days"
    travel = version.inputs.access().travel
    out = [c for c in found.communes if c.access is Access.NONE and c.children_0_6 > 0]
    stop_communes = {s.commune_insee for s in version.inputs.stops.values()}
    largest = max(p.population for p in places if p.insee in stop_communes)
    by_code = {p.insee: p for p in places}
    for candidate in ranking.fitting:
        place = by_code[candidate.insee]
        assert candidate.insee not in stop_communes and place.population <= largest
        limit = version.inputs.services[candidate.service].access_threshold_min
        reached = {c.insee for c in out if c.insee == place.insee or travel.trip(
            (c.lat, c.lon), (place.lat, place.lon))[0] <= limit}
        assert set(candidate.communes) == reached
        assert candidate.children_0_6 == sum(c.children_0_6 for c in out if c.insee in reached)
    children = [c.children_0_6 for c in ranking.fitting]
    assert children == sorted(children, reverse=True)
    # No commune left out of the ranking would bring more children than the last one kept
    # and fit: those that would bring more are listed as not fitting.
    assert all(c.children_0_6 >= children[-1] and not c.fits for c in ranking.not_fitting)


def test_a_candidates_days_are_days_the_plan_leaves_a_vehicle_idle(indre_template):
    version, _places, _found, ranking = _ranked(f"sqlite:///{indre_template}")
    used = {(r.vehicle, r.date) for r in version.routes}
    vehicles = version.inputs.vehicle_rules
    for candidate in ranking.fitting:
        assert len(candidate.days) == candidate.due == diag.due_sessions(version, candidate.service)
        for date, vehicle in candidate.days:
            assert (vehicle, date) not in used
            assert candidate.service in vehicles[vehicle].services
            assert date in version.inputs.problem.dates
            assert date.isoweekday() in vehicles[vehicle].weekdays


def test_a_full_plan_fits_a_new_stop_only_where_a_route_has_room_for_another_session(
        planned_template, tmp_path, monkeypatch):
    """The demo plan uses every bus crew it can form (one session a bus-day): a new bus
    stop would displace another. The SAJJEEP van holds two half-day sessions a day and
    some of its routes hold one: a new SAJJEEP stop fits there, and the re-plan of the
    top candidates holds its sessions and brings within reach what the ranking said."""
    version, _places, found, ranking = _ranked(f"sqlite:///{planned_template}")
    assert found.children_out > 0 and ranking.considered > 0
    services = version.inputs.service_rules
    assert services["bus-prevention"].max_sessions_per_day == 1
    assert services["sajjeep"].max_sessions_per_day == 2
    assert ranking.fitting and ranking.not_fitting
    assert {c.service for c in ranking.fitting} == {"sajjeep"}
    assert all(len(c.days) < c.due for c in ranking.not_fitting)
    assert any(c.service == "bus-prevention" for c in ranking.not_fitting)
    assert len({c.insee for c in ranking.not_fitting}) == len(ranking.not_fitting)
    routes = {(r.vehicle, r.date): r for r in version.routes}
    for candidate in ranking.fitting:
        assert len(candidate.days) == candidate.due
        for date, vehicle in candidate.days:
            route = routes.get((vehicle, date))
            if route is not None:  # joined: a route of the service with room left
                assert route.service == candidate.service
                assert len(route.visits) < services[route.service].max_sessions_per_day
    url = f"sqlite:///{tmp_path / 'planned.db'}"
    shutil.copy(planned_template, tmp_path / "planned.db")
    # The page says which days add a session to a route already planned.
    with db.unit_of_work(url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
    client = signed_in(create_app({"DATABASE_URL": url, "TESTING": True}), "coord@test")
    html = client.get("/coordination/plans/1/prochain-arret").get_data(as_text=True)
    top = ranking.fitting[0]
    assert top.joins and f'<th scope="row">{top.name}</th>' in html
    assert html.count("en plus de sa tournée") == sum(len(c.joins) for c in ranking.fitting)
    monkeypatch.setenv("OUTREACH_DATABASE_URL", url)
    _reference, checks = nextstop.verify("indre-et-loire", ranking.fitting[:2], START, 4, PARAMS)
    for check in checks:
        assert check.held == check.candidate.due
        assert check.comparison.children_gained == check.candidate.children_0_6
        assert check.comparison.children_lost == 0


def test_a_stricter_threshold_puts_more_children_out_and_ranks_them(indre_template):
    _v, _p, found_30, _r = _ranked(f"sqlite:///{indre_template}")
    _v, _p, found_15, ranking_15 = _ranked(f"sqlite:///{indre_template}", threshold=15)
    assert found_15.children_out > found_30.children_out
    top = ranking_15.fitting[0]
    assert all(m <= 15 for m in found_15.thresholds)
    assert top.children_0_6 <= found_15.children_out


def test_the_top_candidates_re_plans_bring_within_reach_what_the_estimate_said(indre_url,
                                                                                monkeypatch):
    monkeypatch.setenv("OUTREACH_DATABASE_URL", indre_url)
    _version, _places, _found, ranking = _ranked(indre_url)
    reference, checks = nextstop.verify("auto-36", ranking.fitting[:2], START, 4, PARAMS)
    assert reference == 2 and len(checks) == 2
    for check in checks:
        assert check.held == check.candidate.due
        assert check.comparison.children_gained == check.candidate.children_0_6
        assert check.comparison.children_lost == 0
        assert set(check.comparison.gained) == set(check.candidate.communes)
    with db.unit_of_work(indre_url) as s:
        variants = s.exec(select(Scenario).where(Scenario.variant_of == "auto-36")).all()
        assert len(variants) == 2


def test_the_cli_ranks_and_checks(indre_url, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.setenv("OUTREACH_DATABASE_URL", indre_url)
    runner = CliRunner()
    result = runner.invoke(main, ["next-stop", "--plan", "1", "--top", "3", "--check", "1",
                                  "--work-limit", "2"])
    assert result.exit_code == 0, result.output
    _version, _places, _found, ranking = _ranked(indre_url, limit=3)
    first = ranking.fitting[0]
    assert f"1    {first.name}" in result.output
    assert f"{first.children_0_6} enfants gagnés, 0 perdus (estimé : {first.children_0_6}" \
        in result.output
    bad = runner.invoke(main, ["next-stop", "--plan", "1", "--top", "0"])
    assert bad.exit_code == 2 and "--top" in bad.output


def test_the_page_ranks_and_its_button_checks_a_candidate_by_a_re_plan(indre_url):
    with db.unit_of_work(indre_url) as s:
        set_user(s, "indre@test", PASSWORD, "coordinator", organisation_id="dep-36")
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
    app = create_app({"DATABASE_URL": indre_url, "TESTING": True, "SOLVE_INLINE": True})
    client = signed_in(app, "indre@test")
    coverage = client.get("/coordination/plans/1/couverture").get_data(as_text=True)
    assert "/coordination/plans/1/prochain-arret" in coverage
    page = client.get("/coordination/plans/1/prochain-arret")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    _version, _places, _found, ranking = _ranked(indre_url)
    first = ranking.fitting[0]
    assert f'<th scope="row">{first.name}</th>' in html
    assert f'name="add_stop" value="{first.insee}"' in html
    assert 'action="/coordination/scenarios/auto-36/variante"' in html

    started = client.post("/coordination/scenarios/auto-36/variante", data={
        "add_stop": first.insee, "start": START.isoformat(), "weeks": "4", "time_limit": "5",
        "csrf_token": client.token})
    assert started.status_code == 302
    waiting = client.get(started.headers["Location"])
    compared = client.get(waiting.headers["Location"]).get_data(as_text=True)
    assert f"arrêt ajouté à {first.name}" in compared

    bad = client.get("/coordination/plans/1/prochain-arret?seuil=trente")
    assert bad.status_code == 400 and 'value="trente"' in bad.get_data(as_text=True)
    stranger = signed_in(app, "coord@test")
    assert stranger.get("/coordination/plans/1/prochain-arret").status_code == 404
