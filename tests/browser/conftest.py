"""Browser tests: Playwright drives Debian's Chromium against a live server on 127.0.0.1.

The server runs the app in a thread on a copy of the planned demo database
(plan 1 published) with a coordinator and a staff member who works in it.
Without Chromium (or Playwright) the tests skip, unless OUTREACH_REQUIRE_SERVICES=1
(.ci/run), where they fail. Screenshots go to screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM_ARGS, PASSWORD, PHONE, require_services, serve


def _unavailable(reason: str) -> None:
    if require_services():
        pytest.fail(f"{reason} (OUTREACH_REQUIRE_SERVICES=1: browser tests must run)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("OUTREACH_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).exists():
        _unavailable(f"Chromium not found at {path}: apt-get install chromium")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def live_db(planned_template: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    from sqlmodel import select

    from outreach import db
    from outreach.models import PlanCrew, StaffMember
    from outreach.users import set_user

    path = tmp_path_factory.mktemp("live") / "live.db"
    shutil.copy(planned_template, path)
    url = f"sqlite:///{path}"
    with db.unit_of_work(url) as s:
        code = s.exec(select(PlanCrew.staff_code).where(PlanCrew.plan_id == 1)).first()
        member = s.exec(select(StaffMember).where(StaffMember.code == code)).one()
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-42")
        set_user(s, "staff@test", PASSWORD, "staff", member.id)
    return url


@pytest.fixture(scope="session")
def live_server(live_db: str) -> Iterator[str]:
    """The app on the planned demo database, served on 127.0.0.1."""
    with serve(live_db) as base:
        yield base


@pytest.fixture
def phone(browser) -> Iterator[object]:
    """A phone-sized page in French."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  locale="fr-FR", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def desktop(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR",
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def served_commune(live_db: str):
    """(insee, name, first postcode, venue) of a commune with a published session."""
    from sqlmodel import Session, select

    from outreach import db
    from outreach.models import Commune, PlanSession

    with Session(db.get_engine(live_db)) as s:
        row = s.exec(select(PlanSession).where(PlanSession.plan_id == 1)
                     .order_by(PlanSession.date)).first()
        commune = s.get(Commune, row.commune_insee)
        return commune.insee, commune.name, commune.postcodes.split()[0], row.venue


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe.min.js, from the PyPI package axe-playwright-python (test extra)."""
    try:
        import axe_playwright_python
    except ImportError:
        if require_services():
            pytest.fail("axe-playwright-python is not installed (pip install -e '.[test]')")
        pytest.skip("axe-playwright-python is not installed")
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
