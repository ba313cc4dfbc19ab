"""Helpers of the browser tests (constants and screenshots)."""

from __future__ import annotations

import os
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PASSWORD = "correct-horse-battery"
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def require_services() -> bool:
    """In CI (.ci/run sets OUTREACH_REQUIRE_SERVICES=1) a missing browser fails instead of skipping."""
    return os.environ.get("OUTREACH_REQUIRE_SERVICES") == "1"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
