"""Coverage KPI: young children of the département within the access threshold of a session."""

from sqlmodel import Session, select

from outreach import db
from outreach.access import AccessPolicy
from outreach.access.coverage import coverage_kpis
from outreach.models import Commune


def test_no_session_covers_nobody(session):
    kpis = coverage_kpis(session, "37", [], AccessPolicy())
    assert kpis["children_within_threshold"] == 0
    assert kpis["children_departement"] == sum(
        c.children_0_6 for c in session.exec(select(Commune).where(Commune.departement == "37")))


def test_a_session_covers_its_commune_and_neighbours_within_the_threshold(session):
    loches = session.get(Commune, "37132")
    kpis = coverage_kpis(session, "37", [(loches.lat, loches.lon)], AccessPolicy(threshold_min=30))
    assert kpis["children_within_threshold"] >= loches.children_0_6
    assert 1 < kpis["communes_within_threshold"] < kpis["communes"]
    wider = coverage_kpis(session, "37", [(loches.lat, loches.lon)], AccessPolicy(threshold_min=45))
    assert wider["children_within_threshold"] > kpis["children_within_threshold"]


def test_plans_report_coverage(planned_url):
    from outreach import planning

    with Session(db.get_engine(planned_url)) as s:
        coverage = planning.export_document(s, 1)["kpis"]["coverage"]
    assert coverage["threshold_min"] == 30
    assert 0 < coverage["share_within_threshold_pct"] < 100


def test_workload_reports_min_and_max_hours_per_role(planned_url):
    from outreach import planning
    from outreach.timefmt import parse_hhmm

    with Session(db.get_engine(planned_url)) as s:
        doc = planning.export_document(s, 1)
    workload = doc["kpis"]["workload"]
    assert {"doctor", "puericultrice", "driver"} <= set(workload)
    hours: dict[str, int] = {}  # minutes on duty per person
    for route in doc["routes"]:
        for member in route["crew"]:
            duty = parse_hhmm(route["return"]) - parse_hhmm(route["depart"])
            hours[member["staff"]] = hours.get(member["staff"], 0) + duty
    drivers = [p["id"] for p in doc["staff"] if "driver" in p["roles"]]
    assert workload["driver"]["max_hours"] == round(max(hours.get(d, 0) for d in drivers) / 60, 1)
    assert workload["driver"]["min_hours"] <= workload["driver"]["max_hours"]
