"""A coordinator, in a real browser: signs in, generates a plan, reviews it on the map,
pins a session, re-optimises around it, checks a manual change and publishes."""

import re

from browser_helpers import screenshot, sign_in


def _wait_for_job(page) -> int:
    """Follow the progress page (it refreshes itself) until the plan exists; its id."""
    page.wait_for_selector("text=Voir le plan", timeout=90_000)
    href = page.get_by_role("link", name=re.compile(r"Voir le plan \d+")).get_attribute("href")
    return int(href.rsplit("/", 1)[1])


def test_coordinator_generates_reviews_pins_reoptimises_and_publishes(desktop, live_server):
    page = desktop
    sign_in(page, live_server, "coord@test")
    page.wait_for_url("**/coordination/plans")

    page.get_by_label("Scénario").select_option("loire")
    page.get_by_label("Premier lundi").fill("2027-01-04")
    page.get_by_label("Semaines").fill("2")
    page.get_by_label("Temps de calcul (s)").fill("5")
    page.get_by_role("button", name="Lancer le calcul").click()
    assert page.get_by_role("progressbar").count() == 1 or page.locator("progress").count() == 1
    screenshot(page, "coordinator-solve-progress")
    plan_id = _wait_for_job(page)

    page.get_by_role("link", name=f"Voir le plan {plan_id}").click()
    page.wait_for_selector(".leaflet-container", timeout=10_000)  # the map drew without tiles
    assert page.locator(".leaflet-interactive").count() > 0
    assert page.get_by_role("heading", name="Publier cette version").is_visible()
    assert page.locator("table.timeline").count() >= 2
    screenshot(page, "coordinator-plan-review")

    # Pin the first session, then re-optimise around it.
    first_pin = page.get_by_role("button", name=re.compile(r"^Épingler ")).first
    label = first_pin.get_attribute("aria-label")
    first_pin.click()
    assert page.get_by_text("Séance épinglée").is_visible()
    page.get_by_role("button", name="Réoptimiser autour des épingles").click()
    new_id = _wait_for_job(page)
    assert new_id > plan_id
    page.get_by_role("link", name=f"Voir le plan {new_id}").click()
    place = label.removeprefix("Épingler ").split(" le ")[0]
    assert page.locator("#epingles").get_by_text(place).count() >= 1

    # Check mode: an impossible start time is refused with the broken rules listed.
    page.get_by_role("link", name=re.compile(r"^Modifier ")).first.click()
    page.get_by_label("Début de la séance").fill("05:00")
    page.get_by_role("button", name="Vérifier").click()
    assert page.get_by_text("enfreint").is_visible()
    screenshot(page, "coordinator-check-mode")
    page.go_back()
    page.go_back()

    page.goto(f"{live_server}/coordination/plans/{new_id}")
    page.get_by_role("button", name=f"Publier le plan {new_id}").click()
    assert page.get_by_text(f"Plan {new_id} publié").is_visible()
    assert page.locator(".status-published").first.is_visible()
    screenshot(page, "coordinator-published")


def test_coordinator_data_form_keeps_what_was_typed(desktop, live_server):
    page = desktop
    sign_in(page, live_server, "coord@test")
    page.goto(f"{live_server}/coordination/donnees/loire/stops/nouveau")
    page.get_by_label("Identifiant").fill("nouvel-arret")
    page.get_by_label("Commune", exact=True).fill("00000")
    page.get_by_label("Lieu").fill("Salle Jean Moulin")
    page.get_by_label("Services accueillis").fill("maison-kangourou")
    page.get_by_label("Créneaux d'ouverture").fill("mardi 09:00-12:00")
    page.get_by_role("button", name="Enregistrer").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Lieu").input_value() == "Salle Jean Moulin"
    assert page.get_by_label("Créneaux d'ouverture").input_value() == "mardi 09:00-12:00"
    screenshot(page, "coordinator-form-error")
