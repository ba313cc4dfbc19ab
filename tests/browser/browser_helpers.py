"""Helpers of the browser tests (constants and screenshots)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def serve(database_url: str, **config: object) -> Iterator[str]:
    """The app on ``database_url`` (and ``config``), served by werkzeug on 127.0.0.1 and a
    free port in a daemon thread; its base URL."""
    from werkzeug.serving import make_server

    from web import create_app

    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "GEOCODER": None, **config})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


AXE_RULES = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}}


def axe_violations(page, axe_script: str) -> list[dict]:
    """axe-core's violations on the page (WCAG 2.2 AA and best practices), shortened."""
    page.evaluate(axe_script)
    result = page.evaluate("options => axe.run(document, options)", AXE_RULES)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "targets": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]
