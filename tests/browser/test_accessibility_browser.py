"""axe-core, run in Chromium, finds no violation on the public pages.

axe.min.js comes from the PyPI package axe-playwright-python (test extra).
"""

import json

import pytest
from browser_helpers import axe_violations as _violations
from browser_helpers import screenshot


def _public_paths(insee: str, name: str, postcode: str) -> list[str]:
    return [
        "/", f"/?q={name}", f"/?q={postcode}", "/?q=Xyzzyville", "/?q=Saint",
        "/?q=3 rue des Écoles, " + postcode,
        f"/commune/{insee}", f"/commune/{insee}/affiche", "/services",
        "/service/bus-prevention", "/connexion", f"/commune/{insee}?lang=en",
        "/mentions-legales", "/accessibilite", "/contact",
    ]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_public_pages_have_no_axe_violation(request, viewport, live_server, served_commune,
                                            axe_script):
    page = request.getfixturevalue(viewport)
    insee, name, postcode, _ = served_commune
    found = {}
    for path in _public_paths(insee, name, postcode):
        page.goto(live_server + path)
        violations = _violations(page, axe_script)
        if violations:
            found[path] = violations
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)


def test_staff_pages_have_no_axe_violation(desktop, live_server, axe_script):
    from browser_helpers import PASSWORD

    page = desktop
    page.goto(live_server + "/connexion")
    page.get_by_label("Adresse électronique").fill("staff@test")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/mes-tournees")
    screenshot(page, "staff-rounds-desktop")
    found = {}
    for path in ["/mes-tournees", "/mes-tournees/calendrier"]:
        page.goto(live_server + path)
        violations = _violations(page, axe_script)
        if violations:
            found[path] = violations
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
