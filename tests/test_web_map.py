"""The coordinator's plan map shows the land offline: communes shaded by access, the
département's outline, labelled stops and a legend, in the server SVG and the map data."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlmodel import Session, col, select
from web_helpers import PASSWORD, login

from outreach import db, planning
from outreach.models import Commune, Plan
from outreach.planning.access_map import Access, plan_access
from web import create_app


def _add_fixed_site_where_no_session_reaches(url: str) -> str:
    """Give plan 1 (Indre-et-Loire, which has no fixed site) one fixed site, in a commune
    no session reaches, so that the map has all three classes; its INSEE code."""
    with db.unit_of_work(url) as s:
        version = planning.read_version(s, 1)
        points = {c.insee: (c.lat, c.lon) for c in s.exec(
            select(Commune).where(col(Commune.departement) == "37"))}
        lonely = min(i for i, c in plan_access(version, points).items() if c == Access.NONE)
        plan = s.get(Plan, 1)
        document = dict(plan.document)
        lat, lon = points[lonely]
        document["fixed_sites"] = [{"id": "pmi-test", "name": "Centre PMI test",
                                    "commune_insee": lonely, "lat": lat, "lon": lon}]
        plan.document = document
        s.add(plan)
    return lonely


@pytest.fixture
def client(planned_url):
    from outreach.users import set_user

    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
    _add_fixed_site_where_no_session_reaches(planned_url)
    c = create_app({"DATABASE_URL": planned_url, "TESTING": True}).test_client()
    assert login(c, "coord@test").status_code == 302
    return c


def _stop_names(planned_url: str) -> set[str]:
    with Session(db.get_engine(planned_url)) as s:
        return {stop.commune_name for stop in planning.read_version(s, 1).inputs.stops.values()}


def test_the_svg_shades_every_commune_in_three_classes_with_outline_and_legend(client,
                                                                               planned_url):
    response = client.get("/coordination/plans/1/map.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    classes = re.findall(r'<path class="c-([a-z-]+)" d="M', svg)
    assert len(classes) == 272  # every commune of Indre-et-Loire, once
    assert set(classes) == {"session", "fixed-site", "none"}
    assert classes.count("none") > 0 and classes.count("session") > 100
    assert re.search(r'<g class="outline"[^>]*stroke-width="2\.5"[^>]*><path d="M', svg)
    legend = re.search(r'<g class="legend".*?</g>(?=</g></svg>)', svg).group(0)
    texts = [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text.*?</text>", legend)]
    assert texts[:4] == ["Légende", "À moins de 30 min d&#39;une séance du plan",
                         "À moins de 30 min d&#39;un site fixe seulement",
                         "Ni séance ni site fixe à moins de 30 min"]
    for words in ("Limite du département", "Arrêt avec au moins une séance", "Arrêt sans séance",
                  "Site fixe (PMI, antenne)", "Base et tournées : Bus de la prévention",
                  "Limites communales : IGN ADMIN EXPRESS, Licence Ouverte 2.0"):
        assert words in texts, words
    for name in _stop_names(planned_url):  # every stop's commune, labelled once
        assert svg.count(f">{escape(name)}</text>") == 1, name
    assert len(svg) < 150_000


def test_the_map_data_carries_the_shaded_communes_outline_and_legend_words(client):
    data = client.get("/coordination/plans/1/map.json").get_json()
    land = data["land"]
    features = land["communes"]["features"]
    assert len(features) == 272
    assert {f["properties"]["access"] for f in features} == {"session", "fixed-site", "none"}
    tours = next(f for f in features if f["properties"]["insee"] == "37261")
    assert tours["properties"]["name"] == "Tours"
    ring = tours["geometry"]["coordinates"][0][0]
    assert ring[0] == ring[-1] and 0.6 < ring[0][0] < 0.8 and 47.3 < ring[0][1] < 47.5
    assert land["outline"]["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert [c["access"] for c in land["classes"]] == ["session", "fixed-site", "none"]
    assert "Licence Ouverte" in land["attribution"]
    assert data["legend"]["title"] == "Légende"
    assert set(data["legend"]["vehicles"]) == {b["id"] for b in data["bases"]}


def test_without_boundary_files_the_map_still_draws_stops_and_routes(client, tmp_path,
                                                                     monkeypatch):
    from outreach.data import boundaries

    monkeypatch.setenv("OUTREACH_SEEDS_DIR", str(tmp_path))
    boundaries.departement_boundaries.cache_clear()
    try:
        svg = client.get("/coordination/plans/1/map.svg").get_data(as_text=True)
        data = client.get("/coordination/plans/1/map.json").get_json()
    finally:
        monkeypatch.delenv("OUTREACH_SEEDS_DIR")
        boundaries.departement_boundaries.cache_clear()
    assert 'class="c-' not in svg and "<circle" in svg and "Légende" in svg
    assert data["land"] is None and data["stops"]
