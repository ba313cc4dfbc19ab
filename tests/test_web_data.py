"""Coordinators manage services, vehicles, staff, stops and children counts through forms."""

import io
import re

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
    bad = client.post(url, data={"csrf_token": client.token, "from": "2027-02-05", "to": "2027-02-01",
                                 "reason": "Congés"})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "finit avant de commencer" in page
    assert 'value="2027-02-05"' in page and 'value="Congés"' in page  # what was typed is kept
    assert len(_rows(client, Absence, staff_id=member.id)) == before + 1
    # Out of the planning years, or longer than a year without a confirmation: refused.
    old = client.post(url, data={"csrf_token": client.token, "from": "1900-01-01", "to": "1900-01-02"})
    assert old.status_code == 422
    assert "1900-01-01 n&#39;est pas dans les années de planification" in old.get_data(as_text=True)
    long = {"csrf_token": client.token, "from": "2027-01-04", "to": "2029-12-31"}
    refused = client.post(url, data=long)
    assert refused.status_code == 422 and "dépasse un an" in refused.get_data(as_text=True)
    assert client.post(url, data={**long, "confirm_long": "1"}).status_code == 302
    assert len(_rows(client, Absence, staff_id=member.id)) == before + 2


def test_deleting_a_service_in_use_is_refused(client):
    page = client.post(f"{BASE}/services/bus-prevention/supprimer", data={"csrf_token": client.token},
                       follow_redirects=True).get_data(as_text=True)
    assert "encore utilisé" in page
    assert _rows(client, Service, code="bus-prevention")


def test_a_crew_role_nobody_can_hold_is_refused_and_an_accent_is_forgiven(client):
    form = {"csrf_token": client.token, "id": "essai", "name": "Essai", "session_min": "120",
            "earliest_start": "09:00", "latest_end": "17:00", "visits_per_period": "1",
            "period_weeks": "4", "min_spacing_days": "0", "max_sessions_per_day": "1",
            "access_threshold_min": "30"}
    wrong = client.post(f"{BASE}/services/nouveau", data={**form, "required_roles": "pédiatre"})
    assert wrong.status_code == 422
    assert "rôle(s) inconnu(s) : pédiatre ; rôles possibles :" in wrong.get_data(as_text=True)
    assert not _rows(client, Service, code="essai")
    typed = client.post(f"{BASE}/services/nouveau", data={**form, "required_roles": "Puéricultrice"})
    assert typed.status_code == 302
    assert _rows(client, Service, code="essai")[0].required_roles == [["puericultrice"]]


def test_a_utf16_children_file_is_read_and_a_huge_bad_one_answers_small_and_fast(client):
    stop = _rows(client, Stop, scenario_id="indre-et-loire")[0]
    utf16 = io.BytesIO(f"insee;children_0_6\n{stop.commune_insee};51\n".encode("utf-16"))
    response = client.post(f"{BASE}/enfants", data={"csrf_token": client.token, "file": (utf16, "e.csv")})
    assert response.status_code == 302
    assert _rows(client, Commune, insee=stop.commune_insee)[0].children_0_6 == 51
    huge = io.BytesIO(("insee;children_0_6\n" + "x;1\n" * 400_000).encode())
    page = client.post(f"{BASE}/enfants", data={"csrf_token": client.token, "file": (huge, "e.csv")})
    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert body.count("champ insee") == 50 and "… et 399950 autres erreurs" in body
    assert len(body) < 50_000


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
    assert "aucune commune ne correspond à « 00000 »" in response.get_data(as_text=True)


def test_a_stop_commune_can_be_given_by_name_or_postcode(client):
    form = {"csrf_token": client.token, "venue": "Salle", "services": "bus-prevention",
            "windows": "mardi 08:30-12:30"}
    by_name = client.post(f"{BASE}/stops/nouveau", data={**form, "id": "a", "commune_insee": "Descartes"})
    assert by_name.status_code == 302
    assert _rows(client, Stop, code="a")[0].commune_insee == "37115"
    shared = client.post(f"{BASE}/stops/nouveau", data={**form, "id": "b", "commune_insee": "37290"})
    assert shared.status_code == 422  # seven communes share the postcode 37290
    page = shared.get_data(as_text=True)
    assert "le code postal 37290 dessert plusieurs communes : choisissez-la" in page
    offered = re.findall(r'name="choice__commune_insee" value="(\w+)"', page)
    assert len(offered) == 7 and "Indre-et-Loire, " in page
    # A button settles it, with everything else typed kept.
    chosen = client.post(f"{BASE}/stops/nouveau", data={
        **form, "id": "b", "commune_insee": "37290", "choice__commune_insee": offered[0]})
    assert chosen.status_code == 302
    assert _rows(client, Stop, code="b")[0].commune_insee == offered[0]


def test_a_name_that_only_begins_a_commune_is_a_question_not_a_guess(client):
    """'Saint-Paterne' is not Saint-Paterne-Racan until the coordinator says so (issue 11)."""
    form = {"csrf_token": client.token, "venue": "Salle", "services": "bus-prevention",
            "windows": "mardi 08:30-12:30", "id": "c", "commune_insee": "Saint-Paterne"}
    asked = client.post(f"{BASE}/stops/nouveau", data=form)
    assert asked.status_code == 422 and not _rows(client, Stop, code="c")
    page = asked.get_data(as_text=True)
    assert "« Saint-Paterne » peut désigner plusieurs communes : choisissez-la" in page
    assert 'value="37231"' in page and "Saint-Paterne-Racan (Indre-et-Loire, 37231)" in page


def test_every_field_problem_comes_at_once_with_labels_in_french_and_english(client):
    form = {"csrf_token": client.token, "id": "Bad Id", "venue": "", "services": "nope",
            "windows": "mardi 12:30-08:30", "commune_insee": "Descartes"}
    page = client.post(f"{BASE}/stops/nouveau", data=form).get_data(as_text=True)
    summary = page.split('role="alert"')[1].split("</div>")[0]
    for text in ("Identifiant</a> : format invalide", "Lieu", "obligatoire",
                 "le créneau ferme avant d&#39;ouvrir", "services inconnus : nope"):
        assert text in summary, text
    assert ">id</a>" not in summary and ">windows</a>" not in summary
    english = client.post(f"{BASE}/stops/nouveau?lang=en", data=form).get_data(as_text=True)
    summary = english.split('role="alert"')[1].split("</div>")[0]
    for text in ("invalid format", "required", "the window closes before it opens",
                 "unknown services: nope"):
        assert text in summary, text


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


def test_a_service_declares_a_crossing_and_serves_an_island_from_the_forms(client):
    """Belle-Île (Le Palais) from Quiberon: refused without the crossing, accepted with it;
    the crossing cannot be removed while the island's stop depends on it."""
    from outreach.data.communes import import_communes

    with db.unit_of_work(client.db_url) as s:
        import_communes(s, "56")
    page = client.get(f"{BASE}/services/bus-prevention").get_data(as_text=True)
    assert "Traversées vers les îles" in page
    stop = {"csrf_token": client.token, "id": "le-palais", "commune_insee": "56152",
            "venue": "Salle Arletty", "services": "bus-prevention",
            "windows": "mardi 09:00-17:00\njeudi 09:00-17:00"}
    refused = client.post(f"{BASE}/stops/nouveau", data=stop)
    assert refused.status_code == 422 and "déclarez la traversée" in refused.get_data(as_text=True)
    form = {"csrf_token": client.token, "id": "bus-prevention", "name": "Bus PMI",
            "required_roles": "médecin | sage-femme\ninfirmière puéricultrice", "session_min": "300",
            "setup_min": "30", "packup_min": "30", "earliest_start": "10:00", "latest_end": "16:00",
            "visits_per_period": "1", "period_weeks": "4", "min_spacing_days": "21",
            "max_sessions_per_day": "1", "access_threshold_min": "30"}
    typo = client.post(f"{BASE}/services/bus-prevention",
                       data={**form, "crossings": "56186 56152 cinquante mardi"})
    assert typo.status_code == 422
    text = typo.get_data(as_text=True)
    assert "ligne 1" in text and "56186 56152 cinquante mardi" in text  # kept as typed
    assert client.post(f"{BASE}/services/bus-prevention",
                       data={**form, "crossings": "56186 56152 50 mardi, jeudi"}).status_code == 302
    service = _rows(client, Service, code="bus-prevention", scenario_id="indre-et-loire")[0]
    assert service.crossings == [{"from_insee": "56186", "to_insee": "56152", "minutes": 50,
                                  "sailing_days": [2, 4]}]
    assert "56186 56152 50 mardi jeudi" in client.get(
        f"{BASE}/services/bus-prevention").get_data(as_text=True)
    assert client.post(f"{BASE}/stops/nouveau", data=stop).status_code == 302
    stranded = client.post(f"{BASE}/services/bus-prevention", data={**form, "crossings": ""})
    assert stranded.status_code == 422
    assert "le-palais en dépend" in stranded.get_data(as_text=True)
    service = _rows(client, Service, code="bus-prevention", scenario_id="indre-et-loire")[0]
    assert service.crossings and service.name == "Bus PMI"


def test_a_vehicle_cannot_move_to_an_island_and_strand_the_stops(client):
    from outreach.data.communes import import_communes

    with db.unit_of_work(client.db_url) as s:
        import_communes(s, "56")
    vehicle = _rows(client, Vehicle, scenario_id="indre-et-loire")[0]
    others = [v for v in _rows(client, Vehicle, scenario_id="indre-et-loire")
              if set(v.services) & set(vehicle.services) and v.id != vehicle.id]
    assert not others, "the demo has one vehicle per service"
    form = {"csrf_token": client.token, "id": vehicle.code, "name": vehicle.name,
            "base_insee": "56152", "services": " ".join(vehicle.services),
            "weekdays": [str(d) for d in vehicle.weekdays], "max_duty_min": "600",
            "shift_start": "07:30", "shift_end": "19:00"}
    moved = client.post(f"{BASE}/vehicles/{vehicle.code}", data=form)
    assert moved.status_code == 422
    assert "ne serait plus desservi" in moved.get_data(as_text=True)
    assert _rows(client, Vehicle, code=vehicle.code)[0].base_insee == vehicle.base_insee
