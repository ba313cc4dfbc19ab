"""The families' pages come from a per-process cache keyed by the published state,
with ETags for cheap revalidation; a publication reaches them within the state's TTL."""

from __future__ import annotations

import pytest
from web_helpers import PASSWORD, login

from web import create_app


@pytest.fixture
def app(planned_url):
    return create_app({"DATABASE_URL": planned_url, "TESTING": True})


def test_a_page_is_rendered_once_and_revalidated_by_its_etag(app):
    client = app.test_client()
    cache = app.extensions["public_pages"]
    first = client.get("/?q=Descartes")
    again = client.get("/?q=Descartes")
    assert first.status_code == again.status_code == 200
    assert first.get_data() == again.get_data() and cache.hits >= 1
    assert first.headers["ETag"] and "public" in first.headers["Cache-Control"]
    unchanged = client.get("/?q=Descartes", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    english = client.get("/?q=Descartes&lang=en")
    assert english.headers["ETag"] != first.headers["ETag"] and "Near" in english.get_data(True)


def test_a_new_publication_changes_the_pages(app, planned_url):
    """With a TTL of 0 (tests), the published state is read at every request."""
    from outreach import db, planning
    from outreach.planning import manual

    client = app.test_client()
    before = client.get("/services")
    with db.unit_of_work(planned_url) as s:
        version = planning.read_version(s, 1)
        route = version.routes[0]
        edited = manual.save_edit(s, 1, manual.Edit(route.date, route.vehicle,
                                                    route.visits[0].stop))
        planning.publish_plan(s, edited.id)
    after = client.get("/services")
    assert after.headers["ETag"] != before.headers["ETag"]


def test_the_state_is_read_again_only_after_its_ttl():
    from web.public_cache import PageCache

    cache, reads = PageCache(size=2), []

    def read():
        reads.append(1)
        return ("2027-01-04", (len(reads),))

    assert cache.state(read, ttl_s=3600) == ("2027-01-04", (1,))
    assert cache.state(read, ttl_s=3600) == ("2027-01-04", (1,)) and len(reads) == 1
    assert cache.state(read, ttl_s=0) == ("2027-01-04", (2,))
    cache.put(("a",), (b"a", 200, "text/html"))
    cache.put(("b",), (b"b", 200, "text/html"))
    cache.put(("c",), (b"c", 200, "text/html"))
    assert cache.get(("a",)) is None and cache.get(("c",)) is not None  # least recent dropped


def test_signed_in_people_are_never_served_a_cached_page(app, planned_url):
    from outreach import db
    from outreach.users import set_user

    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@cache", PASSWORD, "coordinator", organisation_id="dep-37")
    client = app.test_client()
    anonymous = client.get("/services").get_data(as_text=True)
    assert "Connexion" in anonymous
    login(client, "coord@cache")
    signed_in = client.get("/services")
    assert "Se déconnecter" in signed_in.get_data(as_text=True)
    assert "private" in signed_in.headers["Cache-Control"]
