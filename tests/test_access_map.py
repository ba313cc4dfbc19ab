"""The map's access classes: a commune is within reach of a session of the plan, else of
a fixed site, else of neither."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from sqlmodel import Session, col, select

from outreach import db, planning
from outreach.access import AccessPolicy
from outreach.models import Commune
from outreach.planning.access_map import Access, classify_access, plan_access, plan_departements
from outreach.planning.plan import FixedSiteInfo

TOURS = (47.3903, 0.6893)
AMBOISE = (47.4125, 0.9826)  # about 22 km east of Tours
CHINON = (47.1675, 0.2420)  # about 40 km south-west of Tours
LOCHES = (47.1286, 0.9954)
MONTLOUIS = (47.3886, 0.8286)  # about 11 km east of Tours: 20 min by the default model


def test_a_session_beats_a_fixed_site_which_beats_nothing():
    points = {"tours": TOURS, "amboise": AMBOISE, "chinon": CHINON, "loches": LOCHES}
    reaching = {"tours": ["s-tours"], "amboise": ["s-tours", "s-amboise"],
                "chinon": ["s-chinon"]}
    site = SimpleNamespace(lat=CHINON[0], lon=CHINON[1])
    classes = classify_access(points, reaching, session_stops=["s-amboise", "s-loches"],
                              fixed_sites=[site], access=AccessPolicy())
    assert classes == {
        "amboise": Access.SESSION,  # one of its reaching stops holds a session
        "tours": Access.NONE,  # its only stop holds none; no fixed site within 30 min
        "chinon": Access.FIXED_SITE,  # its stop holds none, but the site is there
        "loches": Access.NONE,  # a session at a stop that does not reach it counts for nothing
    }


def test_a_session_counts_even_near_a_fixed_site_and_the_threshold_decides_the_site():
    site = SimpleNamespace(lat=MONTLOUIS[0], lon=MONTLOUIS[1])
    points = {"tours": TOURS, "montlouis": MONTLOUIS}
    near = classify_access(points, {"montlouis": ["s"]}, ["s"], [site], AccessPolicy())
    assert near == {"montlouis": Access.SESSION, "tours": Access.FIXED_SITE}
    strict = classify_access(points, {}, [], [site], AccessPolicy(threshold_min=15))
    assert strict == {"montlouis": Access.FIXED_SITE, "tours": Access.NONE}


def test_a_commune_only_the_reach_names_is_classed_too():
    assert classify_access({}, {"x": ["s"]}, ["s"], [], AccessPolicy()) == {"x": Access.SESSION}


def _plan_and_points(planned_url):
    with Session(db.get_engine(planned_url)) as s:
        version = planning.read_version(s, 1)
        communes = s.exec(select(Commune).where(
            col(Commune.departement).in_(plan_departements(version)))).all()
    return version, {c.insee: (c.lat, c.lon) for c in communes}


def test_a_plan_classes_its_communes_by_the_reach_it_stored(planned_url):
    version, points = _plan_and_points(planned_url)
    assert plan_departements(version) == ["37"]
    classes = plan_access(version, points)
    assert set(classes) == set(points) and len(points) == 272
    held = {v.stop for r in version.routes for v in r.visits}
    reached = {a.id for a in version.inputs.problem.areas if held & {s for s, _ in a.reach}}
    assert {i for i, c in classes.items() if c == Access.SESSION} == reached
    assert {version.inputs.stops[s].commune_insee for s in held} <= reached
    assert Access.NONE in classes.values()  # Indre-et-Loire has no fixed site in the demo

    # A fixed site where no session reaches shades its surroundings.
    lonely = min(i for i, c in classes.items() if c == Access.NONE)
    site = FixedSiteInfo("pmi", "Centre PMI", lonely, *points[lonely])
    with_site = dataclasses.replace(version, inputs=dataclasses.replace(
        version.inputs, fixed_sites=(site,)))
    again = plan_access(with_site, points)
    assert again[lonely] == Access.FIXED_SITE
    assert {i for i, c in again.items() if c == Access.SESSION} == reached
