"""Every page reachable by links, as a family and as a coordinator, answers without error
(in French and in English)."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from web_helpers import PASSWORD, signed_in

from outreach import db
from outreach.users import set_user
from web import create_app

LINK = re.compile(r'href="([^"#]+)"')


def crawl(client, start: str, limit: int = 250) -> dict[str, int]:
    """Status of every same-site page reachable from ``start`` (GET only)."""
    seen: dict[str, int] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response.content_type:
            continue
        for href in LINK.findall(response.get_data(as_text=True)):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.scheme in ("tel", "mailto"):
                continue
            if parts.netloc or parts.path.startswith("/static") or parts.path.startswith("/vendor"):
                continue
            if "/deconnexion" in parts.path:
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


@pytest.fixture(scope="module")
def app(planned_template, tmp_path_factory):
    import shutil

    path = tmp_path_factory.mktemp("crawl") / "crawl.db"
    shutil.copy(planned_template, path)
    url = f"sqlite:///{path}"
    with db.unit_of_work(url) as s:
        set_user(s, "coord@test", PASSWORD, "admin")  # every organisation's pages
    return create_app({"DATABASE_URL": url, "TESTING": True, "GEOCODER": None})


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_family_pages_answer(app, lang):
    client = app.test_client()
    client.get(f"/?lang={lang}")
    statuses = crawl(client, "/?q=Descartes")
    assert len(statuses) > 5
    assert {url: code for url, code in statuses.items() if code >= 500} == {}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_coordinator_pages_answer(app, lang):
    client = signed_in(app, "coord@test")
    client.get(f"/coordination/plans?lang={lang}")
    statuses = crawl(client, "/coordination/plans")
    assert len(statuses) > 15
    assert {url: code for url, code in statuses.items() if code >= 400} == {}
