"""A staff member signs in, sees their rounds, prints a day and downloads the calendar."""

from pathlib import Path

from browser_helpers import PASSWORD, screenshot


def test_staff_member_sees_rounds_and_downloads_the_calendar(phone, live_server, tmp_path):
    page = phone
    page.goto(live_server + "/connexion")
    page.get_by_label("Adresse électronique").fill("staff@test")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/mes-tournees")
    assert page.get_by_role("heading", name="Mes tournées").is_visible()
    days = page.locator(".round-day")
    assert days.count() > 0
    first_day = days.first.inner_text()
    assert "Avec :" in first_day and ":" in first_day
    screenshot(page, "staff-rounds-phone")

    days.first.get_by_role("link", name="Fiche du jour à imprimer").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Fiche du jour", exact=False).is_visible()
    page.emulate_media(media="print")
    screenshot(page, "staff-day-sheet-print")
    page.emulate_media(media="screen")

    page.goto(live_server + "/mes-tournees/calendrier")
    page.get_by_role("button", name="Créer mon lien privé").click()
    page.wait_for_load_state()
    feed_url = page.get_by_label("Votre lien privé").input_value()
    assert feed_url.startswith(live_server + "/calendrier/") and feed_url.endswith(".ics")
    screenshot(page, "staff-calendar-link-phone")
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger le calendrier (.ics)").click()
    target = Path(tmp_path) / "mes-tournees.ics"
    info.value.save_as(target)
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and "BEGIN:VEVENT" in text

    page.get_by_role("button", name="Révoquer le lien").click()
    page.wait_for_load_state()
    assert page.request.get(feed_url).status == 404
