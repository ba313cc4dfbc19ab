"""Catchments: a session serves nearby communes too, each commune counted once."""

from sqlmodel import select

from outreach.catchment import FIXED_SITE_FACTOR, catchments
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
    result = catchments(communes, stops, [], {"loches": 30, "descartes": 30})
    assert "37132" in result.communes["loches"] and "37115" in result.communes["descartes"]
    assert not set(result.communes["loches"]) & set(result.communes["descartes"])
    assert len(result.communes["loches"]) > 5
    expected = sum(by_insee[i].children_0_6 for i in result.communes["loches"])
    assert result.demand["loches"] == expected


def test_a_wider_threshold_serves_more_and_vulnerability_weighs(session):
    communes = session.exec(select(Commune).where(Commune.departement == "37")).all()
    loches = next(c for c in communes if c.insee == "37132")
    narrow = catchments(communes, {"s": _stop("s", loches)}, [], {"s": 20})
    wide = catchments(communes, {"s": _stop("s", loches, 1.5)}, [], {"s": 40})
    assert len(wide.communes["s"]) > len(narrow.communes["s"])
    assert wide.demand["s"] > 1.5 * narrow.demand["s"]


def test_children_near_a_fixed_site_weigh_little(session):
    communes = session.exec(select(Commune).where(Commune.departement == "37")).all()
    loches = next(c for c in communes if c.insee == "37132")
    site = FixedSite(scenario_id="t", code="pmi", name="PMI", commune_insee=loches.insee,
                     lat=loches.lat, lon=loches.lon)
    alone = catchments(communes, {"s": _stop("s", loches)}, [], {"s": 30})
    covered = catchments(communes, {"s": _stop("s", loches)}, [site], {"s": 30})
    assert covered.communes == alone.communes
    assert abs(covered.demand["s"] - alone.demand["s"] * FIXED_SITE_FACTOR) <= 1
    assert covered.near_fixed_site["s"] is site
