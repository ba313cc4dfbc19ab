"""Catchments: a session serves nearby communes too, each commune counted once."""

from sqlmodel import select

from outreach.access import AccessPolicy
from outreach.access.catchment import FIXED_SITE_FACTOR, catchments
from outreach.models import Commune, FixedSite, Stop


def _stop(code, commune, vulnerability=1.0):
    return Stop(scenario_id="t", code=code, commune_insee=commune.insee, venue="Salle",
                lat=commune.lat, lon=commune.lon, services=["bus"], windows=[],
                vulnerability=vulnerability)


def test_each_commune_goes_to_one_stop_and_stops_keep_their_own(session):
    communes = session.exec(select(Commune).where(Commune.departement == "37")).all()
    by_insee = {c.insee: c for c in communes}
    stops = {"loches": _stop("loches", by_insee["37132"]),
             "descartes": _stop("descartes", by_insee["37115"])}
    result = catchments(communes, stops, [], AccessPolicy(), {"loches": 30, "descartes": 30})
    assert "37132" in result.communes["loches"] and "37115" in result.communes["descartes"]
    assert not set(result.communes["loches"]) & set(result.communes["descartes"])
    assert len(result.communes["loches"]) > 5
    children = sum(by_insee[i].children_0_6 for i in result.communes["loches"])
    credits = {i: dict(result.reach[i])["loches"] for i in result.communes["loches"]}
    assert result.demand["loches"] == sum(credits.values())
    # families come less from farther: in full from Loches itself, at least half from 30 min
    assert credits["37132"] == by_insee["37132"].children_0_6
    assert children / 2 - len(credits) <= result.demand["loches"] < children
    assert all(by_insee[i].children_0_6 / 2 - 1 <= c <= by_insee[i].children_0_6
               for i, c in credits.items())


def test_a_wider_threshold_serves_more_and_vulnerability_weighs(session):
    communes = session.exec(select(Commune).where(Commune.departement == "37")).all()
    loches = next(c for c in communes if c.insee == "37132")
    narrow = catchments(communes, {"s": _stop("s", loches)}, [], AccessPolicy(), {"s": 20})
    wide = catchments(communes, {"s": _stop("s", loches, 1.5)}, [], AccessPolicy(), {"s": 40})
    assert len(wide.communes["s"]) > len(narrow.communes["s"])
    assert wide.demand["s"] > 1.5 * narrow.demand["s"]


def test_children_near_a_fixed_site_weigh_little(session):
    communes = session.exec(select(Commune).where(Commune.departement == "37")).all()
    loches = next(c for c in communes if c.insee == "37132")
    site = FixedSite(scenario_id="t", code="pmi", name="PMI", commune_insee=loches.insee,
                     lat=loches.lat, lon=loches.lon)
    alone = catchments(communes, {"s": _stop("s", loches)}, [], AccessPolicy(), {"s": 30})
    covered = catchments(communes, {"s": _stop("s", loches)}, [site], AccessPolicy(), {"s": 30})
    assert covered.communes == alone.communes
    # each commune is rounded on its own: at most half a child of difference per commune
    assert abs(covered.demand["s"] - alone.demand["s"] * FIXED_SITE_FACTOR) <= len(covered.communes["s"]) / 2
    assert covered.near_fixed_site["s"] is site


def test_every_commune_in_reach_lists_all_its_stops(db_url):
    import datetime as dt

    from sqlmodel import Session, select

    from outreach import db
    from outreach.access.travel import GeodesicTravelModel
    from outreach.models import Commune
    from outreach.planning.mapping import build_problem

    with Session(db.get_engine(db_url)) as s:
        inp = build_problem(s, "indre-et-loire", dt.date(2027, 1, 4), 4, GeodesicTravelModel())
        communes = {c.insee: c for c in s.exec(select(Commune).where(Commune.departement == "37"))}
    travel = GeodesicTravelModel()
    areas = {a.id: a for a in inp.problem.areas}
    # each commune's best credit is at its nearest stop: the stops' own demands add up to it
    assert sum(a.demand for a in areas.values()) == sum(inp.stop_demand.values())
    for area in areas.values():
        own = [d for code, d in area.reach if inp.stops[code].commune_insee == area.id]
        assert not own or own[0] == area.demand  # a session in the commune itself serves it in full
    shared = [a for a in areas.values() if len(a.stops) > 1]
    assert shared, "some communes lie within reach of two stops"
    for area in shared[:20]:
        here = communes[area.id]
        for code in area.stops:
            stop = inp.stops[code]
            assert travel.minutes_within((here.lat, here.lon), (stop.lat, stop.lon), 30) is not None \
                or stop.commune_insee == area.id


def test_the_travel_model_of_the_routes_is_the_one_of_the_catchments(db_url):
    """A slower road model shrinks what each stop reaches, not only the routes' times."""
    import datetime as dt

    from sqlmodel import Session

    from outreach import db
    from outreach.access.travel import GeodesicTravelModel
    from outreach.planning.mapping import build_problem

    with Session(db.get_engine(db_url)) as s:
        usual = build_problem(s, "indre-et-loire", dt.date(2027, 1, 4), 4, GeodesicTravelModel())
        slow = build_problem(s, "indre-et-loire", dt.date(2027, 1, 4), 4,
                             GeodesicTravelModel(speed_kmh=30.0))
    pairs = [sum(len(a.reach) for a in inp.problem.areas) for inp in (usual, slow)]
    assert pairs[1] < pairs[0]
    assert slow.access.travel == GeodesicTravelModel(speed_kmh=30.0)
    assert slow.access.threshold_min == 30
