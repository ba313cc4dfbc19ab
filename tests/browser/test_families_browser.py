"""A family finds the next visit on a phone, by commune name and by postcode."""

import re

from browser_helpers import screenshot

from outreach.wording import elide

A4_AT_96_DPI = {"width": 794, "height": 1123}


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def _search(page, base: str, text: str) -> None:
    page.goto(base + "/")
    page.get_by_label("Commune, code postal ou adresse").fill(text)
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_load_state()


def test_family_finds_the_next_visit_by_commune_name(phone, live_server, served_commune):
    _insee, name, _, venue = served_commune
    _search(phone, live_server, name)
    assert phone.get_by_role("heading", name=elide(f"Près de {name}")).is_visible()
    assert phone.locator(".session").first.is_visible()
    assert venue in phone.locator(".sessions").inner_text()
    screenshot(phone, "public-results-phone")


def test_family_finds_the_next_visit_by_postcode(phone, live_server, served_commune):
    insee, name, postcode, venue = served_commune
    _search(phone, live_server, postcode)
    if phone.get_by_role("heading", name="Plusieurs communes correspondent").count():
        screenshot(phone, "public-postcode-choices-phone")
        phone.locator(f'a[href$="insee={insee}"]').click()
        phone.wait_for_load_state()
    assert phone.get_by_role("heading", name=elide(f"Près de {name}")).is_visible()
    assert venue in phone.locator(".sessions").inner_text()


def test_home_page_fits_a_phone_without_sideways_scrolling(phone, live_server):
    phone.goto(live_server + "/")
    screenshot(phone, "public-home-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_skip_link_is_the_first_stop_and_leads_to_the_content(phone, live_server):
    phone.goto(live_server + "/")
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "contenu"


def test_commune_page_poster_and_feed(desktop, live_server, served_commune):
    insee, _name, _, venue = served_commune
    desktop.goto(f"{live_server}/commune/{insee}")
    assert venue in desktop.content()
    screenshot(desktop, "public-commune")
    desktop.get_by_role("link", name="Bus de la prévention").first.click()
    desktop.wait_for_load_state()
    assert desktop.get_by_role("heading", name="Bus de la prévention", exact=True).is_visible()
    screenshot(desktop, "public-service")
    desktop.set_viewport_size(A4_AT_96_DPI)
    desktop.goto(f"{live_server}/commune/{insee}/affiche")
    screenshot(desktop, "public-poster-screen")
    desktop.emulate_media(media="print")
    screenshot(desktop, "public-poster-print")
    assert not desktop.locator(".site-header").is_visible()
    assert desktop.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.poster h1')).fontSize)") >= 40
    pdf = desktop.pdf(format="A4", print_background=True)
    assert pdf_pages(pdf) == 1, "the town-hall poster fits on one A4 sheet"
    desktop.emulate_media(media="screen")
    response = desktop.request.get(f"{live_server}/commune/{insee}/calendrier.ics")
    assert response.ok and response.text().startswith("BEGIN:VCALENDAR")


LONG_VENUE = ("Salle polyvalente intercommunale des associations, de la jeunesse et des "
              "solidarités du canton")
LONG_COMMUNE = "Saint-Remy-en-Bouzemont-Saint-Genest-et-Isson"
LONG_TEXT = ("Consultations gratuites de protection maternelle et infantile pour les enfants "
             "de 0 à 6 ans et les futures mamans : pesée, mesures, vaccins, conseils sur "
             "l'alimentation, le sommeil et le développement, avec un médecin ou une "
             "sage-femme et une puéricultrice, sans avance de frais et sans condition. ") * 2


def test_the_poster_fits_one_page_with_the_longest_names_and_the_most_sessions(
        browser, planned_template, tmp_path):
    """Every published session at one commune, with the longest venue, commune name and
    service texts: still one A4 sheet."""
    import shutil
    import threading

    from sqlmodel import Session, select
    from werkzeug.serving import make_server

    from outreach import db
    from outreach.models import PlanService, PlanSession
    from web import create_app

    path = tmp_path / "worst.db"
    shutil.copy(planned_template, path)
    url = f"sqlite:///{path}"
    with Session(db.get_engine(url)) as s:
        first = s.exec(select(PlanSession).where(PlanSession.plan_id == 1)
                       .order_by(PlanSession.date)).first()
        insee = first.commune_insee
        for row in s.exec(select(PlanSession).where(PlanSession.plan_id == 1)):
            row.venue, row.commune_name, row.commune_insee = LONG_VENUE, LONG_COMMUNE, insee
            s.add(row)
        for service in s.exec(select(PlanService).where(PlanService.plan_id == 1)):
            service.description = service.what_to_bring = service.contact = LONG_TEXT
            s.add(service)
        s.commit()
    app = create_app({"DATABASE_URL": url, "TESTING": True, "GEOCODER": None,
                      "PUBLIC_URL": "https://prevention-maternelle-infantile.departement.example"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context(viewport=A4_AT_96_DPI, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/commune/{insee}/affiche")
        assert page.locator(".poster-sessions li").count() >= 6
        page.emulate_media(media="print")
        assert pdf_pages(page.pdf(format="A4", print_background=True)) == 1
    finally:
        context.close()
        server.shutdown()
        thread.join(timeout=5)
