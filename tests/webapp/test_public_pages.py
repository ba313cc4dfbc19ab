"""Families' pages: look-up by address, commune and service pages, poster, public feed,
and nothing personal anywhere. The address geocoder is always a fake: no test uses the network."""

import re
from types import SimpleNamespace

import pytest
from geopy.exc import GeocoderUnavailable
from markupsafe import escape
from web_helpers import staff_names

from outreach.wording import elide
from web import create_app


@pytest.fixture(autouse=True)
def _no_network_geocoding(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("a test tried to reach the national address service")

    monkeypatch.setattr("geopy.geocoders.BANFrance.geocode", refuse)


class FakeGeocoder:
    def __init__(self, answer=None, error=None):
        self.answer, self.error, self.queries = answer, error, []

    def geocode(self, query, exactly_one=True):
        self.queries.append(query)
        if self.error:
            raise self.error
        return self.answer


def _client_with(public_db, geocoder):
    return create_app({"DATABASE_URL": public_db, "TESTING": True,
                       "GEOCODER": geocoder}).test_client()


def test_address_is_located_and_sessions_are_listed_from_it(public_db, served):
    commune, row = served
    geocoder = FakeGeocoder(SimpleNamespace(
        latitude=commune.lat, longitude=commune.lon, address="",
        raw={"properties": {"label": f"1 place de la Mairie {commune.name}",
                            "citycode": commune.insee}}))
    page = _client_with(public_db, geocoder).get(
        "/", query_string={"q": f"1 place de la Mairie, {commune.name}"}).get_data(as_text=True)
    assert geocoder.queries == [f"1 place de la Mairie, {commune.name}"]
    assert str(escape(elide(f"Près de 1 place de la Mairie {commune.name}"))) in page
    assert row.venue in page and "dans votre commune" in page


def test_address_service_down_says_so_and_falls_back_on_the_commune(public_db, served):
    commune, row = served
    geocoder = FakeGeocoder(error=GeocoderUnavailable("no network"))
    page = _client_with(public_db, geocoder).get(
        "/", query_string={"q": f"3 rue des Écoles, {commune.name}"}).get_data(as_text=True)
    assert "La recherche par adresse est indisponible" in page
    assert str(escape(elide(f"Près de {commune.name}"))) in page and row.venue in page


def test_unknown_address_says_so(public_db):
    page = _client_with(public_db, FakeGeocoder(answer=None)).get(
        "/", query_string={"q": "99 rue de Nulle Part"}).get_data(as_text=True)
    assert "Adresse introuvable" in page


def test_geocoder_is_off_in_tests_and_the_commune_look_up_still_works(visitor, served):
    commune, _row = served
    postcode = commune.postcodes.split()[0]
    page = visitor.get("/", query_string={"q": f"5 chemin du Lavoir, {postcode}"}).get_data(
        as_text=True)
    assert "La recherche par adresse est indisponible" in page
    assert commune.name in page


def test_commune_name_and_postcode_do_not_use_the_geocoder(public_db, served):
    commune, _ = served
    geocoder = FakeGeocoder(error=AssertionError("not an address"))
    client = _client_with(public_db, geocoder)
    client.get("/", query_string={"q": commune.name})
    client.get("/", query_string={"q": commune.postcodes.split()[0]})
    assert geocoder.queries == []


def test_commune_page_lists_its_sessions_and_links_feed_and_poster(visitor, served):
    commune, row = served
    page = visitor.get(f"/commune/{commune.insee}").get_data(as_text=True)
    assert f"Passages à {commune.name}" in page and row.venue in page
    assert f"/commune/{commune.insee}/calendrier.ics" in page
    assert f"/commune/{commune.insee}/affiche" in page


def test_unknown_commune_and_service_pages_are_not_found(visitor):
    assert visitor.get("/commune/99999").status_code == 404
    assert visitor.get("/commune/99999/calendrier.ics").status_code == 404
    assert visitor.get("/service/nope").status_code == 404


def test_poster_shows_the_commune_sessions_in_large_type(visitor, served):
    commune, row = served
    page = visitor.get(f"/commune/{commune.insee}/affiche").get_data(as_text=True)
    assert f"Prochains passages à {commune.name}" in page
    assert 'class="poster"' in page and row.venue in page
    css = visitor.get("/static/style.css").get_data(as_text=True)
    assert "size: A4" in css and ".poster h1" in css
    assert f"http://localhost/commune/{commune.insee}" in page  # no public address set


def test_the_poster_carries_the_public_address_and_its_qr_code(public_db, served):
    import base64
    import urllib.parse

    commune, _ = served
    app = create_app({"DATABASE_URL": public_db, "TESTING": True,
                      "PUBLIC_URL": "https://prevention.departement.example"})
    page = app.test_client().get(f"/commune/{commune.insee}/affiche").get_data(as_text=True)
    address = f"https://prevention.departement.example/commune/{commune.insee}"
    assert address in page and "localhost" not in page
    uri = re.search(r'class="poster-qr" src="(data:image/svg\+xml[^"]+)"', page).group(1)
    payload = uri.split(",", 1)[1]
    svg = base64.b64decode(payload) if ";base64" in uri else urllib.parse.unquote(payload).encode()
    assert svg.lstrip().startswith(b"<svg") or b"<svg" in svg[:200]


def test_service_pages_list_services_and_their_sessions(visitor, served):
    _, row = served
    listing = visitor.get("/services").get_data(as_text=True)
    assert row.service_name in listing and f"/service/{row.service_code}" in listing
    page = visitor.get(f"/service/{row.service_code}").get_data(as_text=True)
    assert row.commune_name in page and "À apporter" in page


def test_public_feed_is_an_icalendar_with_stable_uids(visitor, served):
    commune, row = served
    response = visitor.get(f"/commune/{commune.insee}/calendrier.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and "BEGIN:VEVENT" in text
    unfolded = text.replace("\r\n ", "")
    assert f"DTSTART;TZID=Europe/Paris:{row.date:%Y%m%d}T" in unfolded
    uid = f"UID:{row.date:%Y%m%d}-{row.stop_code}-{row.service_code}@indre-et-loire.outreach"
    assert uid in unfolded
    assert visitor.get(f"/commune/{commune.insee}/calendrier.ics").get_data(as_text=True) == text


def test_pages_have_a_language_a_skip_link_and_labelled_search(visitor, served):
    commune, _ = served
    for url in ["/", f"/commune/{commune.insee}", "/services"]:
        page = visitor.get(url).get_data(as_text=True)
        assert '<html lang="fr">' in page and 'class="skip-link" href="#contenu"' in page
    home = visitor.get("/").get_data(as_text=True)
    assert '<label for="q">' in home and 'id="q"' in home


def test_commune_page_in_english(visitor, served):
    commune, _ = served
    page = visitor.get(f"/commune/{commune.insee}?lang=en").get_data(as_text=True)
    assert f"Visits in {commune.name}" in page


def _public_urls(commune, row):
    postcode = commune.postcodes.split()[0]
    return [
        "/", f"/?q={commune.name}", f"/?q={postcode}", f"/?insee={commune.insee}",
        f"/commune/{commune.insee}", f"/commune/{commune.insee}/affiche",
        f"/commune/{commune.insee}/calendrier.ics", "/services", f"/service/{row.service_code}",
        f"/api/sessions?commune={commune.insee}", f"/api/sessions?near={commune.insee}",
        "/api/sessions", "/api/services", f"/api/communes?q={commune.name}", "/api/openapi.json",
    ]


def test_no_staff_name_or_crew_detail_in_any_public_page_feed_or_api(visitor, served, public_db):
    commune, row = served
    names = staff_names(public_db)
    # Parts of names too: "Dr Hélène Lemoine (fictive)" must not leak as "Lemoine" either.
    surnames = {re.sub(r"\(.*?\)", "", name).split(",")[0].split()[-1] for name in names}
    assert "Benali" in surnames and "Roux" in surnames
    for url in _public_urls(commune, row):
        response = visitor.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        for name in names:
            assert name not in body, (url, name)
        for surname in surnames:
            assert surname not in body, (url, surname)
        for private in ("puéricultrice (", "chauffeur", "staff-", "s-dr-", "vehicle", "Équipe"):
            assert private not in body, (url, private)


def test_public_page_is_light_and_needs_no_javascript(visitor, served):
    commune, _ = served
    html = visitor.get("/", query_string={"q": commune.name}).get_data()
    css = visitor.get("/static/style.css").get_data()
    assert b"<script" not in html
    assert len(html) + len(css) < 60_000  # bytes, HTML + CSS; about 12 kB today


def test_commune_page_says_when_the_service_comes_back(visitor, served, public_db):
    from sqlmodel import Session

    from outreach import db, planning

    commune, _row = served
    with Session(db.get_engine(public_db)) as s:
        doc = planning.export_document(s, 1)
    stops = {st["id"]: st for st in doc["stops"]}
    entry = next(r for r in doc["recurrence"] if stops[r["stop"]]["commune_insee"] == commune.insee)
    page = visitor.get(f"/commune/{commune.insee}?lang=fr").get_data(as_text=True)
    weekday = ["lundi", "mardi", "mercredi", "jeudi", "vendredi"][entry["weekday"] - 1]
    if entry["kept"]:
        assert weekday in page and ("du mois" in page or "chaque" in page)
    english = visitor.get(f"/commune/{commune.insee}?lang=en").get_data(as_text=True)
    if entry["kept"]:
        assert "of the month" in english or "every" in english


def test_sessions_say_whom_families_can_ask(visitor, served):
    commune, _row = served
    page = visitor.get(f"/commune/{commune.insee}?lang=fr").get_data(as_text=True)
    assert "Renseignements et rendez-vous :" in page and "Maison départementale" in page
    feed = visitor.get(f"/commune/{commune.insee}/calendrier.ics").get_data(as_text=True)
    assert "Renseignements" in feed


def test_a_poster_without_sessions_in_its_commune_is_headed_near_it(visitor, public_db):
    """Not "next visits in X" followed by "none": the nearby sessions under "near X"."""
    from sqlmodel import Session, select

    from outreach import db
    from outreach.models import Commune, PlanReach, PlanSession

    with Session(db.get_engine(public_db)) as s:
        held = set(s.exec(select(PlanSession.commune_insee).where(PlanSession.plan_id == 1)))
        insee = next(r.commune_insee for r in s.exec(select(PlanReach).where(PlanReach.plan_id == 1)
                                                      .order_by(PlanReach.travel_min.desc()))
                     if r.commune_insee not in held and s.get(Commune, r.commune_insee))
        name = s.get(Commune, insee).name
    page = visitor.get(f"/commune/{insee}/affiche").get_data(as_text=True)
    assert "Prochains passages près d" in page and f"Prochains passages à {name}" not in page
    assert "Aucun passage" not in page and 'class="poster-sessions"' in page


def test_a_date_off_the_stops_usual_day_is_marked_as_an_exception(planned_url):
    """The stop's usual day comes from the published recurrence; a session on another
    day (a pin, or a change the coordinator allowed) says so on the card and the poster."""
    from sqlmodel import Session, select

    from outreach import db
    from outreach.models import PlanRhythm, PlanSession

    with Session(db.get_engine(planned_url)) as s:
        row = s.exec(select(PlanSession).where(PlanSession.plan_id == 1)
                     .order_by(PlanSession.date)).first()
        rhythm = s.exec(select(PlanRhythm).where(
            PlanRhythm.plan_id == 1, PlanRhythm.stop_code == row.stop_code,
            PlanRhythm.service_code == row.service_code)).one()
        usual, insee, week = rhythm.weekday, row.commune_insee, rhythm.week_of_month
        assert usual == row.date.isoweekday()  # the plan keeps every stop's day
        rhythm.weekday = usual % 5 + 1  # as if the stop usually came another weekday
        s.add(rhythm)
        s.commit()
    client = create_app({"DATABASE_URL": planned_url, "TESTING": True}).test_client()
    from outreach.wording import rhythm_words
    expected = ("Exceptionnellement ce jour-là (d&#39;habitude "
                f"{rhythm_words(usual % 5 + 1, week)})")
    for url in (f"/commune/{insee}", f"/commune/{insee}/affiche"):
        page = client.get(url).get_data(as_text=True)
        assert expected in page, url


def test_cards_explain_the_service_and_give_its_phone(visitor, served):
    commune, row = served
    page = visitor.get(f"/commune/{commune.insee}").get_data(as_text=True)
    assert f"En savoir plus : {row.service_name}" in page
    assert re.search(r'href="tel:0\d{9}">0\d( \d\d){4}</a>', page)


def test_pages_promise_the_published_services_own_access_time(planned_url):
    from sqlmodel import Session, select

    from outreach import db
    from outreach.models import PlanService, PlanSession

    with Session(db.get_engine(planned_url)) as s:
        for service in s.exec(select(PlanService).where(PlanService.plan_id == 1)):
            service.access_threshold_min = 45
            s.add(service)
        s.commit()
        insee = s.exec(select(PlanSession.commune_insee).where(PlanSession.plan_id == 1)).first()
    client = create_app({"DATABASE_URL": planned_url, "TESTING": True}).test_client()
    assert "À moins de 45 minutes" in client.get(f"/commune/{insee}").get_data(as_text=True)
    poster = client.get(f"/commune/{insee}/affiche").get_data(as_text=True)
    assert "30 minutes" not in poster
