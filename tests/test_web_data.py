"""Coordinators manage services, vehicles, staff, stops and children counts through forms."""

import io

import pytest
from sqlmodel import Session, select
from web_helpers import PASSWORD, signed_in

from outreach import db
from outreach.models import Absence, Commune, Service, StaffMember, Stop, Vehicle
from outreach.users import set_user
from web import create_app

BASE = "/coordination/donnees/indre-et-loire"


@pytest.fixture
def client(db_url):
    with db.unit_of_work(db_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
    c = signed_in(create_app({"DATABASE_URL": db_url, "TESTING": True}), "coord@test")
    c.db_url = db_url
    return c


def _rows(client, model, **where):
    with Session(db.get_engine(client.db_url)) as s:
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return s.exec(query).all()


def test_lists_show_the_scenario_data(client):
    assert "Salle des fêtes" in client.get(f"{BASE}/stops").get_data(as_text=True)
    assert "Bus de la prévention" in client.get(f"{BASE}/vehicles").get_data(as_text=True)
    assert client.get(f"{BASE}/boats").status_code == 404


def test_create_a_stop_with_windows(client):
    response = client.post(f"{BASE}/stops/nouveau", data={
        "csrf_token": client.token, "id": "37091-mairie", "commune_insee": "37091",
        "venue": "Place de la mairie", "services": "bus-prevention", "vulnerability": "1.2",
        "windows": "mardi 08:30-17:30\njeudi 08h30-12h30"})
    assert response.status_code == 302
    stop = _rows(client, Stop, code="37091-mairie")[0]
    assert stop.windows == [{"weekday": 2, "from": "08:30", "to": "17:30"},
                            {"weekday": 4, "from": "08:30", "to": "12:30"}]


def test_invalid_stop_keeps_what_was_typed_and_names_each_field(client):
    typed = {"csrf_token": client.token, "id": "Bad Id", "commune_insee": "99999",
             "venue": "Salle Jean Moulin", "services": "bus-prevention", "vulnerability": "1",
             "windows": "mardi 08:30-17:30"}
    response = client.post(f"{BASE}/stops/nouveau", data=typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Salle Jean Moulin"' in page and 'value="Bad Id"' in page
    assert "format invalide" in page  # id
    assert _rows(client, Stop, venue="Salle Jean Moulin") == []


def test_bad_window_line_is_reported(client):
    response = client.post(f"{BASE}/stops/nouveau", data={
        "csrf_token": client.token, "id": "x", "commune_insee": "37091", "venue": "Salle",
        "services": "bus-prevention", "windows": "un jour 8-9"})
    assert response.status_code == 422
    assert "ligne 1" in response.get_data(as_text=True)


def test_edit_a_service_and_its_crew(client):
    page = client.get(f"{BASE}/services/bus-prevention").get_data(as_text=True)
    assert "médecin | sage-femme" in page
    form = {"csrf_token": client.token, "id": "bus-prevention", "name": "Bus PMI",
            "required_roles": "médecin | sage-femme\ninfirmière puéricultrice", "session_min": "300",
            "setup_min": "30", "packup_min": "30", "earliest_start": "10:00", "latest_end": "16:00",
            "visits_per_period": "1", "period_weeks": "4", "min_spacing_days": "21",
            "max_sessions_per_day": "1", "access_threshold_min": "30"}
    assert client.post(f"{BASE}/services/bus-prevention", data=form).status_code == 302
    service = _rows(client, Service, code="bus-prevention", scenario_id="indre-et-loire")[0]
    assert service.required_roles == [["doctor", "midwife"], ["puericultrice"]]
    assert service.session_min == 300 and service.name == "Bus PMI"


def test_vehicle_needs_known_services_and_commune(client):
    response = client.post(f"{BASE}/vehicles/nouveau", data={
        "csrf_token": client.token, "id": "van2", "name": "Van 2", "base_insee": "37132",
        "services": "boat", "weekdays": ["1", "2"], "max_duty_min": "600",
        "shift_start": "07:30", "shift_end": "19:00"})
    assert response.status_code == 422 and "services inconnus : boat" in response.get_data(as_text=True)
    assert _rows(client, Vehicle, code="van2") == []


def test_staff_absence_is_recorded_and_validated(client):
    member = _rows(client, StaffMember, scenario_id="indre-et-loire")[0]
    url = f"{BASE}/staff/{member.code}/absences"
    before = len(_rows(client, Absence, staff_id=member.id))
    client.post(url, data={"csrf_token": client.token, "from": "2027-02-01", "to": "2027-02-03",
                           "reason": "Formation"})
    bad = client.post(url, data={"csrf_token": client.token, "from": "2027-02-05", "to": "2027-02-01"},
                      follow_redirects=True)
    assert "finit avant de commencer" in bad.get_data(as_text=True)
    assert len(_rows(client, Absence, staff_id=member.id)) == before + 1


def test_deleting_a_service_in_use_is_refused(client):
    page = client.post(f"{BASE}/services/bus-prevention/supprimer", data={"csrf_token": client.token},
                       follow_redirects=True).get_data(as_text=True)
    assert "encore utilisé" in page
    assert _rows(client, Service, code="bus-prevention")


def test_children_import_all_or_nothing_from_the_form(client):
    stop = _rows(client, Stop, scenario_id="indre-et-loire")[0]
    bad = io.BytesIO(f"insee;children_0_6\n{stop.commune_insee};50\n37999x;3\n".encode())
    response = client.post(f"{BASE}/enfants", data={"csrf_token": client.token, "file": (bad, "e.csv")})
    assert response.status_code == 422 and "ligne 3, champ insee" in response.get_data(as_text=True)
    good = io.BytesIO(f"insee;children_0_6\n{stop.commune_insee};50\n".encode())
    client.post(f"{BASE}/enfants", data={"csrf_token": client.token, "file": (good, "e.csv")})
    commune = _rows(client, Commune, insee=stop.commune_insee)[0]
    assert commune.children_0_6 == 50 and commune.children_source == "import"


@pytest.mark.parametrize("path", ["", "/stops", "/stops/nouveau", "/enfants", "/services/bus-prevention"])
def test_data_pages_are_for_coordinators_only(db_url, path):
    anonymous = create_app({"DATABASE_URL": db_url, "TESTING": True}).test_client()
    assert anonymous.get(BASE + path).status_code == 302


def test_unknown_commune_code_is_a_field_error(client):
    response = client.post(f"{BASE}/stops/nouveau", data={
        "csrf_token": client.token, "id": "x", "commune_insee": "00000", "venue": "Salle",
        "services": "bus-prevention", "windows": "mardi 08:30-12:30"})
    assert response.status_code == 422
    assert "aucune commune ne correspond à &#39;00000&#39;" in response.get_data(as_text=True)


def test_a_stop_commune_can_be_given_by_name_or_postcode(client):
    form = {"csrf_token": client.token, "venue": "Salle", "services": "bus-prevention",
            "windows": "mardi 08:30-12:30"}
    by_name = client.post(f"{BASE}/stops/nouveau", data={**form, "id": "a", "commune_insee": "Descartes"})
    assert by_name.status_code == 302
    assert _rows(client, Stop, code="a")[0].commune_insee == "37115"
    shared = client.post(f"{BASE}/stops/nouveau", data={**form, "id": "b", "commune_insee": "37290"})
    assert shared.status_code == 422  # seven communes share the postcode 37290
    assert "plusieurs communes correspondent" in shared.get_data(as_text=True)


def test_fixed_sites_are_managed_from_a_form(client):
    from outreach.models import FixedSite

    response = client.post(f"{BASE}/fixed-sites/nouveau", data={
        "csrf_token": client.token, "id": "pmi-loches", "name": "Centre de PMI de Loches",
        "commune_insee": "Loches"})
    assert response.status_code == 302
    site = _rows(client, FixedSite, code="pmi-loches")[0]
    assert site.commune_insee == "37132" and site.name == "Centre de PMI de Loches"
    assert "Centre de PMI de Loches" in client.get(f"{BASE}/fixed-sites").get_data(as_text=True)
    bad = client.post(f"{BASE}/fixed-sites/nouveau", data={
        "csrf_token": client.token, "id": "x", "name": "", "commune_insee": "Loches"})
    assert bad.status_code == 422
