"""A coordinator of the home visits, in a real browser: drags a visit of the week's grid
to another day and lands on the check-mode page of that move, nothing saved yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from browser_helpers import PASSWORD, screenshot, serve, sign_in

PROGRAMME = "herault-appui-parental"
MONDAY = dt.date(2027, 1, 4)


@pytest.fixture(scope="module")
def home_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The demo programme with a drafted week, served; (base URL, plan id)."""
    from cryptography.fernet import Fernet
    from sqlmodel import select

    from outreach import db, privacy
    from outreach.homevisits import planning
    from outreach.homevisits.demo import seed_programme
    from outreach.models import HomePlan
    from outreach.users import set_user

    url = f"sqlite:///{tmp_path_factory.mktemp('home-live') / 'home.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(privacy.ENV, Fernet.generate_key().decode())
        db.upgrade(url)
        with db.unit_of_work(url) as s:
            seed_programme(s)
            planning.new_plan(s, PROGRAMME, MONDAY, 1, time_limit_s=60, work_limit_s=1.0)
            set_user(s, "coord@34.test", PASSWORD, "coordinator", organisation_id="dep-34")
        with db.unit_of_work(url) as s:
            plan_id = s.exec(select(HomePlan.id)).one()
        with serve(url) as base:
            yield base, plan_id


def test_a_visit_dragged_to_another_day_opens_its_check(desktop, home_server):
    base, plan_id = home_server
    page = desktop
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, base, "coord@34.test")
    page.wait_for_url("**/coordination/**")
    page.goto(f"{base}/coordination/visites/{PROGRAMME}/plans/{plan_id}")

    visit = page.locator("table.week-grid .visit[draggable=true]").first
    source_cell = visit.locator("xpath=ancestor::td[1]")
    nurse, date = source_cell.get_attribute("data-nurse"), source_cell.get_attribute("data-date")
    target = page.locator(f"table.week-grid td[data-nurse='{nurse}']:not([data-date='{date}'])").last
    new_date = target.get_attribute("data-date")
    family = visit.get_attribute("data-move").split("family=")[1].split("&")[0]

    # Dropped near the top of the cell: a full day's cell may reach below the window,
    # in the row the visit came from.
    visit.drag_to(target, target_position={"x": 10, "y": 10})
    page.wait_for_url("**/deplacer?**")
    assert f"new_date={new_date}" in page.url and "check=1" in page.url
    assert page.get_by_label("Nouveau jour").input_value() == new_date
    assert page.get_by_label("Puéricultrice").input_value() == nurse
    assert page.get_by_role("heading", name="Résultat de la vérification").is_visible()
    assert family in page.get_by_role("heading", level=1).inner_text()
    screenshot(page, "home-plan-drag-check")
    assert errors == []
