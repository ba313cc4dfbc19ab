"""Web pages: the families' look-up and the coordinators' plan pages."""

import pytest
from markupsafe import escape
from web_helpers import PASSWORD, login

from outreach.wording import elide
from web import create_app


@pytest.fixture
def app(planned_url):
    from sqlmodel import select

    from outreach import db
    from outreach.models import StaffMember
    from outreach.users import set_user

    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
        member = s.exec(select(StaffMember)).first()
        set_user(s, "staff@test", PASSWORD, "staff", member.id)
    return create_app({"DATABASE_URL": planned_url, "TESTING": True})


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def client(app):
    """A coordinator's browser."""
    c = app.test_client()
    assert login(c, "coord@test").status_code == 302
    return c


def _a_served_commune(client):
    doc = client.get("/coordination/plans/1/export.json").get_json()
    stop_id = doc["routes"][0]["visits"][0]["stop"]
    return next(s for s in doc["stops"] if s["id"] == stop_id), doc


def test_family_finds_the_next_visit_by_commune_name(client, monkeypatch):
    stop, _doc = _a_served_commune(client)
    page = client.get("/", query_string={"q": stop["commune_name"]}).get_data(as_text=True)
    assert str(escape(elide(f"Près de {stop['commune_name']}"))) in page
    assert stop["venue"] in page
    assert "Carnet de santé" in page or "À apporter" in page


def test_family_finds_the_next_visit_by_postcode(client, planned_url):
    from sqlmodel import Session

    from outreach import db
    from outreach.models import Commune

    stop, _ = _a_served_commune(client)
    with Session(db.get_engine(planned_url)) as s:
        postcode = s.get(Commune, stop["commune_insee"]).postcodes.split()[0]
    page = client.get("/", query_string={"q": postcode}).get_data(as_text=True)
    if "Plusieurs communes correspondent" in page:  # a postcode shared by several communes
        assert f"insee={stop['commune_insee']}" in page
        page = client.get("/", query_string={"insee": stop["commune_insee"]}).get_data(as_text=True)
    assert str(escape(elide(f"Près de {stop['commune_name']}"))) in page
    assert stop["venue"] in page


def test_public_page_shows_no_staff(client, planned_url):
    from sqlmodel import Session, select

    from outreach import db
    from outreach.models import StaffMember

    stop, _ = _a_served_commune(client)
    page = client.get("/", query_string={"q": stop["commune_name"]}).get_data(as_text=True)
    with Session(db.get_engine(planned_url)) as s:
        for member in s.exec(select(StaffMember)):
            assert member.name not in page


def test_unknown_commune_says_so(client):
    page = client.get("/", query_string={"q": "Xyzzyville"}).get_data(as_text=True)
    assert "Aucune commune ne correspond" in page


def test_coordinator_pages_list_and_show_plans(client):
    listing = client.get("/coordination/plans").get_data(as_text=True)
    assert "Plan 1" in listing and "publié" in listing
    page = client.get("/coordination/plans/1").get_data(as_text=True)
    assert "Équipe" in page and "demande servie" in page
    assert client.get("/coordination/plans/99").status_code == 404
    # Names, not codes; demand with its unit; the staff timeline shows who is away.
    assert "Indre-et-Loire" in listing and "<td>indre-et-loire</td>" not in listing
    assert "points" in page and "Points de demande" in page
    assert "Absent·e : Congés" in page and "Absent·e : Formation continue" in page


def test_csv_export_and_security_headers(client):
    response = client.get("/coordination/plans/1/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


COORDINATOR_ROUTES = ["/coordination/plans", "/coordination/plans/1",
                      "/coordination/plans/1/export.json", "/coordination/plans/1/export.csv"]


@pytest.mark.parametrize("route", COORDINATOR_ROUTES)
def test_coordinator_routes_send_anonymous_users_to_sign_in(anonymous, route):
    response = anonymous.get(route)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


@pytest.mark.parametrize("route", COORDINATOR_ROUTES)
def test_coordinator_routes_refuse_staff(app, route):
    staff = app.test_client()
    assert login(staff, "staff@test").status_code == 302
    assert staff.get(route).status_code == 403


def test_wrong_password_is_refused_and_repeated_failures_are_limited(anonymous):
    assert login(anonymous, "coord@test", "wrong-password").status_code == 401
    for _ in range(4):
        login(anonymous, "coord@test", "wrong-password")
    assert login(anonymous, "coord@test").status_code == 429


def test_forms_without_csrf_token_are_refused(anonymous):
    response = anonymous.post("/connexion", data={"email": "coord@test", "password": PASSWORD})
    assert response.status_code == 400


def test_login_redirects_only_to_local_pages(anonymous):
    anonymous.get("/connexion")
    with anonymous.session_transaction() as sess:
        token = sess["csrf"]
    response = anonymous.post("/connexion?next=https://evil.example/", data={
        "email": "coord@test", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/coordination/plans"


def test_a_commune_outside_the_planned_departements_is_recognised(client):
    """Montels exists in the Hérault, the Ariège and the Tarn, where nothing is planned:
    all three are offered with their département, and the chosen one is told plainly
    that no session is near and whom to ask."""
    from outreach.data.places import national_index

    page = client.get("/", query_string={"q": "montels"}).get_data(as_text=True)
    assert "Plusieurs communes correspondent" in page
    for name in ("Hérault", "Ariège", "Tarn"):
        assert name in page
    herault = national_index().find("Montels 34").places[0]
    page = client.get("/", query_string={"insee": herault.insee}).get_data(as_text=True)
    assert "Près de Montels" in page and "Aucun passage publié à moins de 30 minutes" in page
    assert "conseil départemental : Hérault" in page
    assert client.get(f"/commune/{herault.insee}").status_code == 200
    english = client.get("/", query_string={"insee": herault.insee, "lang": "en"})
    assert "No visit published within 30 minutes" in english.get_data(as_text=True)


def test_a_postcode_lists_every_commune_it_serves(client):
    from outreach.data.communes import read_seed

    expected = [c for c in read_seed() if "37600" in c.postcodes.split()]
    page = client.get("/", query_string={"q": "37600"}).get_data(as_text=True)
    assert len(expected) > 10
    for commune in expected:
        assert f"insee={commune.insee}" in page


def test_french_contractions_around_place_names():
    from outreach.wording import elide

    assert elide("Près de Le Pin") == "Près du Pin"
    assert elide("Près de Les Sables-d'Olonne") == "Près des Sables-d'Olonne"
    assert elide("Près de Amboise") == "Près d'Amboise"
    assert elide("Près de Île-Bouchard") == "Près d'Île-Bouchard"
    assert elide("Près de La Rochelle") == "Près de La Rochelle"
    assert elide("Page de Descartes") == "Page de Descartes"
    assert elide("Près de Hyères") == "Près de Hyères"


def test_the_page_says_pres_du_pin_and_english_dates_keep_their_capitals(client):
    from outreach.data.places import national_index

    le_pin = national_index().find("Le Pin 79").places[0]
    page = client.get("/", query_string={"insee": le_pin.insee}).get_data(as_text=True)
    assert "Près du Pin" in page and "Près de Le Pin" not in page
    english = client.get("/", query_string={"insee": le_pin.insee, "lang": "en"})
    assert "Near Le Pin" in english.get_data(as_text=True)


def test_the_next_visit_comes_first(client):
    stop, _ = _a_served_commune(client)
    from outreach.publishing.public import next_sessions_near_point  # noqa: F401

    page = client.get("/", query_string={"q": stop["commune_name"]}).get_data(as_text=True)
    import re

    dates = re.findall(r'<p class="when"><strong>([^<]+)</strong>', page)
    assert dates, page[:500]
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"]

    def key(text):
        _, day, month, year = text.lower().split()
        return (int(year), months.index(month), int(day))

    assert [key(d) for d in dates] == sorted(key(d) for d in dates)


def test_every_public_page_links_legal_notice_accessibility_and_contact(anonymous):
    page = anonymous.get("/").get_data(as_text=True)
    for path in ("/mentions-legales", "/accessibilite", "/contact"):
        assert f'href="{path}"' in page
        assert anonymous.get(path).status_code == 200
    legal = anonymous.get("/mentions-legales").get_data(as_text=True)
    assert "Indre-et-Loire" in legal and "aucune donnée personnelle" in legal
    statement = anonymous.get("/accessibilite").get_data(as_text=True)
    assert "non conforme" in statement and "Défenseur des droits" in statement
    assert anonymous.get("/favicon.ico").status_code == 200


def test_the_legal_notice_names_the_configured_publisher(planned_url):
    app = create_app({"DATABASE_URL": planned_url, "TESTING": True,
                      "PUBLISHER": "Conseil départemental d'Indre-et-Loire",
                      "PUBLICATION_DIRECTOR": "Le président du conseil départemental",
                      "HOST_NAME": "Hébergeur de test", "PUBLIC_CONTACT": "pmi@example.org"})
    client = app.test_client()
    legal = client.get("/mentions-legales").get_data(as_text=True)
    assert "Conseil départemental d&#39;Indre-et-Loire" in legal and "Hébergeur de test" in legal
    assert "pmi@example.org" in client.get("/contact").get_data(as_text=True)


def test_what_to_bring_is_said_once_per_service_not_on_every_card(client):
    stop, _ = _a_served_commune(client)
    page = client.get("/", query_string={"q": stop["commune_name"]}).get_data(as_text=True)
    cards = page.count('<li class="session">')
    services = page.count('<div class="service-note">')
    assert cards > services >= 1
    assert 1 <= page.count("À apporter :") <= services
