"""Coverage diagnosis: each commune's trip to the nearest session held at its service's
rhythm and to the nearest fixed site, its access class, and the gaps (touching
out-of-reach communes), re-derived here from the plan's stops and the travel model."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest
from sqlmodel import Session
from web_helpers import PASSWORD, login

from outreach import db, planning
from outreach.data.boundaries import departement_boundaries, neighbours
from outreach.planning import diagnosis as diag
from outreach.planning.access_map import Access, plan_access
from outreach.planning.plan import FixedSiteInfo
from web import create_app

TOURS, JOUE, SAINT_CYR = "37261", "37122", "37214"


def _version_and_places(url):
    with Session(db.get_engine(url)) as s:
        version = planning.read_version(s, 1)
        places = diag.load_places(s, ["37"])
    return version, places


@pytest.fixture(scope="module")
def planned(planned_template):
    return _version_and_places(f"sqlite:///{planned_template}")


def test_communes_that_share_a_border_are_neighbours_and_only_they():
    communes = departement_boundaries("37").communes
    near = neighbours(communes)
    assert {JOUE, SAINT_CYR} <= near[TOURS]
    assert all(a in near[b] for a in near for b in near[a])  # symmetric
    assert all(a not in near[a] for a in near)
    assert all(near[a] for a in near)  # every commune of Indre-et-Loire touches another
    chinon, loches = "37072", "37132"
    assert loches not in near[chinon]


def test_each_commune_is_timed_to_its_nearest_session_as_the_travel_model_says(planned):
    version, places = planned
    found = diag.diagnose(version, places)
    assert len(found.communes) == len(places) == 272
    travel = version.inputs.access().travel
    kept, _below = diag.at_rhythm(version)
    stops = {stop for stop, _service in kept}
    assert stops
    by_code = {p.insee: p for p in places}
    for commune in found.communes:
        here = by_code[commune.insee]
        expected = min((0 if version.inputs.stops[s].commune_insee == here.insee
                        else travel.trip((here.lat, here.lon),
                                         (version.inputs.stops[s].lat, version.inputs.stops[s].lon))[0])
                       for s in stops)
        assert commune.session_min == expected, commune.insee
        assert commune.fixed_min is None  # the demo has no fixed site
        assert (commune.access is Access.SESSION) == (expected <= 30)


def test_at_the_plans_own_thresholds_the_diagnosis_agrees_with_the_plans_map(planned):
    version, places = planned
    found = diag.diagnose(version, places)
    stored = plan_access(version, {p.insee: (p.lat, p.lon) for p in places})
    assert {c.insee: c.access for c in found.communes} == stored
    assert found.thresholds == (30,)


def test_a_stricter_threshold_leaves_more_out_and_the_gaps_are_the_touching_clusters(planned):
    version, places = planned
    loose = diag.diagnose(version, places)
    strict = diag.diagnose(version, places, threshold_min=15)
    assert strict.threshold_min == 15 and strict.thresholds == (15,)
    assert strict.children_out > loose.children_out
    out = {c.insee for c in strict.communes if c.access is Access.NONE}
    assert all(c.session_min > 15 for c in strict.communes if c.insee in out)
    near = neighbours(departement_boundaries("37").communes)
    children = {c.insee: c.children_0_6 for c in strict.communes}
    seen: set[str] = set()
    for gap in strict.gaps:
        members = set(gap.communes)
        assert members <= out and not members & seen
        seen |= members
        assert gap.children_0_6 == sum(children[i] for i in members) > 0
        assert gap.insee == max(members, key=lambda i: (children[i], -int(i)))
        # connected inside, and no out-of-reach neighbour left outside
        reached, todo = {gap.insee}, [gap.insee]
        while todo:
            for other in near[todo.pop()] & members - reached:
                reached.add(other)
                todo.append(other)
        assert reached == members
        assert not any(near[i] & out - members for i in members)
    # every out-of-reach commune with children is in a gap
    assert {i for i in out if children[i]} <= seen
    assert [g.children_0_6 for g in strict.gaps] == sorted(
        (g.children_0_6 for g in strict.gaps), reverse=True)
    assert len(strict.gaps) >= 2


def test_a_stop_held_less_often_than_its_service_promises_does_not_count(planned):
    version, places = planned
    kept, below = diag.at_rhythm(version)
    assert below == []
    fortnightly = [s for s, rules in version.inputs.service_rules.items() if rules.period_weeks == 2]
    assert fortnightly
    assert diag.due_sessions(version, fortnightly[0]) == 2  # a 4-week plan
    homes = [version.inputs.stops[s].commune_insee for s, _service in kept]
    stop = next(s for s, service in sorted(kept) if service == fortnightly[0]
                and homes.count(version.inputs.stops[s].commune_insee) == 1)
    home = version.inputs.stops[stop].commune_insee
    assert diag.diagnose(version, places).commune(home).session_min == 0
    # Drop one of that stop's two sessions.
    routes, dropped = [], False
    for route in version.routes:
        visits = tuple(v for v in route.visits if dropped or v.stop != stop
                       or v.service != fortnightly[0])
        dropped = dropped or len(visits) < len(route.visits)
        routes.append(dataclasses.replace(route, visits=visits))
    thinner = version.with_routes(tuple(routes))
    _kept, below = diag.at_rhythm(thinner)
    assert below == [(stop, fortnightly[0], 1, 2)]
    assert diag.diagnose(thinner, places).commune(home).session_min > 0


def test_a_fixed_site_serves_the_communes_no_session_reaches(planned):
    version, places = planned
    strict = diag.diagnose(version, places, threshold_min=15)
    lonely = strict.gaps[0].insee
    place = next(p for p in places if p.insee == lonely)
    site = FixedSiteInfo("pmi", "Centre PMI test", lonely, place.lat, place.lon)
    with_site = dataclasses.replace(version, inputs=dataclasses.replace(
        version.inputs, fixed_sites=(site,)))
    again = diag.diagnose(with_site, places, threshold_min=15)
    assert again.commune(lonely).access is Access.FIXED_SITE
    assert again.commune(lonely).fixed_min == 0 and again.commune(lonely).fixed_site == "Centre PMI test"
    assert again.children_out < strict.children_out
    assert lonely not in {i for g in again.gaps for i in g.communes}
    assert again.children_with(Access.SESSION) == strict.children_with(Access.SESSION)


def test_the_exports_carry_every_commune_and_nothing_personal(planned):
    version, places = planned
    found = diag.diagnose(version, places, threshold_min=15)
    rows = list(csv.DictReader(io.StringIO(diag.to_csv(found)), delimiter=";"))
    assert len(rows) == 272 and list(rows[0]) == diag.CSV_COLUMNS
    numbers = diag.gap_numbers(found)
    for row in rows:
        commune = found.commune(row["code_insee"])
        assert int(row["enfants_0_6"]) == commune.children_0_6
        assert row["acces"] == diag.ACCESS_FR[commune.access]
        assert row["zone_sans_acces"] == str(numbers.get(commune.insee, ""))
        assert row["route_depuis_une_base"] == "oui"  # Indre-et-Loire: all on the mainland
    document = json.loads(json.dumps(diag.to_geojson(found, ["37"])))
    assert document["type"] == "FeatureCollection" and len(document["features"]) == 272
    assert {f["geometry"]["type"] for f in document["features"]} == {"MultiPolygon"}
    assert set(document["features"][0]["properties"]) == {
        "code_insee", "commune", "enfants_0_6", "population", "acces", "minutes_seance",
        "lieu_seance", "minutes_site_fixe", "site_fixe", "zone_sans_acces",
        "route_depuis_une_base", "traversee_declaree"}


@pytest.fixture
def client(planned_url):
    from outreach.users import set_user

    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
        set_user(s, "other@test", PASSWORD, "coordinator", organisation_id="dep-42")
    app = create_app({"DATABASE_URL": planned_url, "TESTING": True})
    c = app.test_client()
    assert login(c, "coord@test").status_code == 302
    c.app_ = app
    return c


def test_the_coverage_page_lists_gaps_map_and_communes_and_keeps_a_bad_threshold(client):
    page = client.get("/coordination/plans/1")
    assert "/coordination/plans/1/couverture" in page.get_data(as_text=True)
    response = client.get("/coordination/plans/1/couverture?seuil=15")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Zones sans accès" in html and "hors de portée" in html
    assert 'couverture.svg?seuil=15' in html and 'couverture.csv?seuil=15' in html
    assert html.count('<tr><th scope="row">') >= 272
    by_name = client.get("/coordination/plans/1/couverture?seuil=15&tri=nom").get_data(as_text=True)
    assert by_name.index(">Abilly<") < by_name.index(">Yzeures-sur-Creuse<")

    bad = client.get("/coordination/plans/1/couverture?seuil=trente")
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Seuil : un nombre entier de minutes" in text and 'value="trente"' in text
    assert client.get("/coordination/plans/1/couverture.csv?seuil=500").status_code == 400


def test_the_coverage_map_numbers_the_gaps_and_the_exports_download(client):
    svg = client.get("/coordination/plans/1/couverture.svg?seuil=15")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    body = svg.get_data(as_text=True)
    assert "Zone sans accès n° 1" in body and 'class="c-none"' in body and "<polyline" not in body
    csv_text = client.get("/coordination/plans/1/couverture.csv").get_data(as_text=True)
    assert csv_text.startswith(";".join(diag.CSV_COLUMNS)) and csv_text.count("\n") == 273
    geo = client.get("/coordination/plans/1/couverture.geojson?seuil=15")
    assert geo.mimetype == "application/geo+json"
    assert len(json.loads(geo.get_data())["features"]) == 272


def test_the_coverage_pages_are_for_the_plans_coordinators_only(client, planned_url):
    other = client.app_.test_client()
    assert login(other, "other@test").status_code == 302
    assert other.get("/coordination/plans/1/couverture").status_code == 404
    assert other.get("/coordination/plans/1/couverture.csv").status_code == 404
    anonymous = client.app_.test_client()
    assert anonymous.get("/coordination/plans/1/couverture.geojson").status_code in (302, 401, 403)


def test_the_cli_prints_the_diagnosis_and_writes_the_exports(planned_url, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from outreach.cli import main

    monkeypatch.setenv("OUTREACH_DATABASE_URL", planned_url)
    runner = CliRunner()
    text = runner.invoke(main, ["coverage", "--plan", "1", "--threshold", "15"])
    assert text.exit_code == 0, text.output
    assert "Zones sans accès" in text.output and "Hors de portée" in text.output
    target = tmp_path / "c.geojson"
    written = runner.invoke(main, ["coverage", "--plan", "1", "--format", "geojson", "-o", str(target)])
    assert written.exit_code == 0 and len(json.loads(target.read_text())["features"]) == 272
    bad = runner.invoke(main, ["coverage", "--plan", "1", "--threshold", "0"])
    assert bad.exit_code == 2 and "--threshold" in bad.output
