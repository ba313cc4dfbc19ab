"""The national report's pages in a real browser: an administrator launches a report
(run by the application's own in-process queue), follows it to its end, and reads the
map of France; axe-core finds no violation on the pages."""

from __future__ import annotations

import re

import pytest
from browser_helpers import PASSWORD, SCREENSHOTS, axe_violations, sign_in


@pytest.fixture(scope="module")
def administrator(live_db: str) -> str:
    from outreach import db
    from outreach.users import set_user

    with db.unit_of_work(live_db) as s:
        set_user(s, "national-admin@test", PASSWORD, "admin")
    return "national-admin@test"


def test_an_administrator_launches_follows_and_reads_a_national_report(
        desktop, live_server, administrator, axe_script):
    page = desktop
    sign_in(page, live_server, administrator)
    page.goto(f"{live_server}/admin")
    page.get_by_role("link", name=re.compile("^Rapport national")).click()
    page.wait_for_url("**/admin/rapport-national")
    # A bad code is named; what was typed stays.
    page.get_by_label("Départements").fill("90, 99")
    page.get_by_label("Arrêts candidats par département").fill("8")
    page.get_by_label("Véhicules par département").fill("1")
    page.get_by_label("Travail de recherche par département").fill("0,5")
    page.get_by_role("button", name="Lancer le rapport").click()
    assert "99 inconnu(s)" in page.locator("#departements-error").inner_text()
    assert page.get_by_label("Départements").input_value() == "90, 99"
    assert page.get_by_label("Arrêts candidats par département").input_value() == "8"
    assert axe_violations(page, axe_script) == []

    page.get_by_label("Départements").fill("90")
    page.get_by_role("button", name="Lancer le rapport").click()
    page.wait_for_url(re.compile(r".*/admin/rapport-national/\d+$"))
    # The page refreshes itself until the département is planned (slower under load).
    status = page.locator("p.job-status")
    for _ in range(120):
        if "en attente : 0" in status.inner_text():
            break
        page.wait_for_timeout(1000)
        page.reload()
    assert "Départements planifiés : 1 ; sans plan : 0 ; en attente : 0 ; en tout : 1." in status.inner_text()
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    image = page.locator("figure.map img")
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    row = page.get_by_role("row").filter(has_text="90 Territoire de Belfort")
    assert "terminé" in row.inner_text()
    assert axe_violations(page, axe_script) == []
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-national-report.png"), full_page=True)
    row.get_by_role("link", name=re.compile("Couverture du plan")).click()
    page.wait_for_url("**/couverture")
    assert page.get_by_role("heading", level=1).is_visible()
