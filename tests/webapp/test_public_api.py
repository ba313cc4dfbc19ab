"""The read-only public JSON API of published sessions and its OpenAPI description."""

import datetime as dt

import pytest


def _sessions(client, **params):
    response = client.get("/api/sessions", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["sessions"]


def test_all_published_sessions_in_date_order_without_personal_fields(visitor, public_db):
    from sqlmodel import Session, func, select

    from outreach import db
    from outreach.models import PlanSession

    with Session(db.get_engine(public_db)) as s:
        published = s.exec(select(func.count()).select_from(PlanSession)
                           .where(PlanSession.plan_id == 1)).one()
    items = _sessions(visitor)
    assert published > 30 and len(items) == published  # every session of the published plan
    assert [i["date"] for i in items] == sorted(i["date"] for i in items)
    assert set(items[0]) == {"id", "date", "start", "end", "commune", "venue", "location",
                             "service", "what_to_bring", "contact", "phone", "organisation"}


def test_filter_by_commune(visitor, served):
    commune, row = served
    items = _sessions(visitor, commune=commune.insee)
    assert items and {i["commune"]["insee"] for i in items} == {commune.insee}
    assert row.venue in {i["venue"] for i in items}


def test_filter_by_date_range_is_inclusive(visitor, served):
    _, row = served
    day = row.date.isoformat()
    items = _sessions(visitor, **{"from": day, "to": day})
    assert items and {i["date"] for i in items} == {day}
    week = _sessions(visitor, **{"from": day, "to": (row.date + dt.timedelta(days=6)).isoformat()})
    assert len(week) > len(items)


def test_filter_by_service(visitor):
    items = _sessions(visitor, service="sajjeep")
    assert items and {i["service"]["code"] for i in items} == {"sajjeep"}
    assert _sessions(visitor, service="no-such-service") == []


def test_near_lists_sessions_within_the_threshold_nearest_first(visitor, served):
    commune, _ = served
    items = _sessions(visitor, near=commune.insee)
    assert items and all(i["travel_min"] <= 30 for i in items)
    assert [i["travel_min"] for i in items] == sorted(i["travel_min"] for i in items)


def test_limit(visitor):
    assert len(_sessions(visitor, limit=3)) == 3


def test_past_range_is_empty(visitor):
    assert _sessions(visitor, **{"from": "2020-01-01", "to": "2020-12-31"}) == []


@pytest.mark.parametrize("params, parameter", [
    ({"from": "04/01/2027"}, "from"),
    ({"to": "demain"}, "to"),
    ({"from": "2027-02-01", "to": "2027-01-01"}, "to"),
    ({"from": "2027-01-01", "to": "2029-01-01"}, "to"),
    ({"commune": "abc"}, "commune"),
    ({"commune": "99999"}, "commune"),
    ({"commune": "37282", "near": "37282"}, "near"),
    ({"service": "Bus de la prévention"}, "service"),
    ({"limit": "0"}, "limit"),
    ({"limit": "many"}, "limit"),
])
def test_bad_parameters_get_a_json_400_naming_the_parameter(visitor, params, parameter):
    response = visitor.get("/api/sessions", query_string=params)
    assert response.status_code == 400
    assert response.get_json()["parameter"] == parameter


def test_services_and_commune_search(visitor, served):
    commune, _ = served
    codes = {s["code"] for s in visitor.get("/api/services").get_json()["services"]}
    assert codes == {"bus-prevention", "sajjeep"}  # only the scenario with a published plan
    found = visitor.get("/api/communes", query_string={"q": commune.name}).get_json()
    assert commune.insee in {c["insee"] for c in found["communes"]}
    assert visitor.get("/api/communes").status_code == 400
    homonyms = visitor.get("/api/communes", query_string={"q": "Montels"}).get_json()
    assert homonyms["total"] == 3 and {c["departement_name"] for c in homonyms["communes"]} == {
        "Hérault", "Ariège", "Tarn"}


def test_openapi_document_describes_every_api_route(visitor):
    doc = visitor.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    api_rules = {r.rule for r in visitor.application.url_map.iter_rules()
                 if r.rule.startswith("/api/") and r.rule != "/api/openapi.json"}
    assert api_rules == set(doc["paths"])
    names = {p["name"] for p in doc["paths"]["/api/sessions"]["get"]["parameters"]}
    assert names == {"commune", "near", "from", "to", "service", "limit"}
    # Every reference resolves.
    import json
    import re
    for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(doc)):
        assert ref in doc["components"]["schemas"]


def test_api_is_read_only_and_open_to_other_sites(visitor):
    response = visitor.get("/api/sessions")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert visitor.post("/api/sessions").status_code in (400, 405)
