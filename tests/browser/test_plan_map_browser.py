"""The plan map in a real browser, with no tile server: Leaflet draws the communes shaded
by access, the département's outline, stop labels and a legend, and nothing is fetched
from anywhere but the application."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from browser_helpers import PASSWORD, SCREENSHOTS, sign_in


@pytest.fixture(scope="module")
def touraine_coordinator(live_db: str) -> str:
    """A coordinator of Indre-et-Loire's organisation, which owns plan 1."""
    from outreach import db
    from outreach.users import set_user

    with db.unit_of_work(live_db) as s:
        set_user(s, "touraine@test", PASSWORD, "coordinator", organisation_id="dep-37")
    return "touraine@test"


def test_the_plan_map_draws_the_land_and_its_legend_offline(desktop, live_server,
                                                            touraine_coordinator):
    page = desktop
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, live_server, touraine_coordinator)
    page.goto(f"{live_server}/coordination/plans/1")
    assert page.locator("#map").get_attribute("data-tiles") == ""

    page.wait_for_selector("#map.map-live path.commune", timeout=10_000)
    assert page.locator("#map .leaflet-tile").count() == 0
    communes = page.locator("#map path.commune")
    assert communes.count() == 272  # every commune of Indre-et-Loire
    assert page.locator("#map path.commune-session").count() > 100
    assert page.locator("#map path.commune-none").count() > 0
    assert page.locator("#map path.departement-outline").count() == 1
    fill = page.locator("#map path.commune-session").first.get_attribute("fill")
    assert fill == "#6aaee6"

    legend = page.locator("#map .map-legend")
    assert legend.is_visible()
    assert legend.get_attribute("open") is not None  # open on a wide screen
    for words in ("Légende", "À moins de 30 min d'une séance du plan",
                  "Ni séance ni site fixe à moins de 30 min", "Limite du département",
                  "Arrêt avec au moins une séance", "Bus de la prévention"):
        assert words in legend.inner_text(), words
    labels = page.locator("#map .leaflet-tooltip.stop-label")
    names = labels.evaluate_all("els => els.map(e => e.textContent)")
    assert len(names) >= 20
    assert len(names) == len(set(names))  # one label per commune
    shown = page.locator("#map .leaflet-tooltip.stop-label:not(.stop-label-hidden)")
    assert shown.count() >= len(names) // 2  # those that would overlap wait for a zoom
    SCREENSHOTS.mkdir(exist_ok=True)
    page.locator("#map").screenshot(path=str(SCREENSHOTS / "coordinator-plan-map.png"))

    assert errors == []
    foreign = [url for url in requested
               if urlsplit(url).scheme not in ("data", "blob")
               and urlsplit(url).hostname != "127.0.0.1"]
    assert foreign == []


def test_the_coverage_page_shows_its_map_and_has_no_axe_violation(desktop, live_server,
                                                                   touraine_coordinator,
                                                                   axe_script):
    from browser_helpers import axe_violations

    page = desktop
    sign_in(page, live_server, touraine_coordinator)
    page.goto(f"{live_server}/coordination/plans/1")
    page.get_by_role("link", name="couverture et zones sans accès").click()
    page.get_by_label("Seuil d'accès (minutes en voiture)").fill("15")
    page.get_by_role("button", name="Recalculer").click()
    page.wait_for_url("**/couverture?seuil=15*")
    image = page.locator("img.map-fallback")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert page.locator("table").nth(0).locator("tbody tr").count() >= 2  # the gaps
    page.get_by_role("link", name="nom").click()
    page.wait_for_url("**tri=nom*")
    assert "seuil=15" in page.url
    assert axe_violations(page, axe_script) == []
    page.goto(f"{live_server}/coordination/plans/1/couverture?seuil=abc")
    assert page.get_by_role("alert").inner_text().startswith("Seuil")
    assert axe_violations(page, axe_script) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "coordinator-coverage.png"), full_page=False)
    page.goto(f"{live_server}/coordination/plans/1/couverture?seuil=15")
    # The ranking tries every candidate commune: slower than a page, under load too.
    page.get_by_role("link", name="où placer le prochain arrêt ?").click(no_wait_after=True)
    page.wait_for_url("**/prochain-arret?seuil=15", timeout=90_000)
    assert page.get_by_role("heading", level=1).inner_text().startswith("Où placer le prochain")
    assert page.get_by_role("button", name="Vérifier un arrêt à").count() >= 1
    assert axe_violations(page, axe_script) == []


def test_the_what_if_pages_have_no_axe_violation(desktop, live_server, touraine_coordinator,
                                                 axe_script):
    from browser_helpers import axe_violations

    page = desktop
    sign_in(page, live_server, touraine_coordinator)
    page.goto(f"{live_server}/coordination/plans")
    page.get_by_role("link", name="Indre-et-Loire — Bus de la prévention et antenne SAJJEEP").last.click()
    page.wait_for_url("**/variante")
    page.get_by_label("Ajouter un site fixe dans la commune").fill("Atlantide")
    page.get_by_role("button", name="Créer la variante et calculer les deux plans").click()
    assert "introuvable" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Ajouter un site fixe dans la commune").input_value() == "Atlantide"
    assert axe_violations(page, axe_script) == []
    page.goto(f"{live_server}/coordination/comparer/1/1")
    assert page.get_by_role("heading", name="Comparaison des plans 1 et 1").is_visible()
    assert axe_violations(page, axe_script) == []
