"""Sign-in hardening: no default secret, sessions that end, a shared and proxy-aware
limit, answers that do not reveal accounts, HSTS, JSON errors on the API, and an error
page that cannot fail."""

from __future__ import annotations

import pytest
from web_helpers import PASSWORD, signed_in

from outreach import db, users
from outreach.users import set_user
from web import MissingSecret, create_app


@pytest.fixture
def app_url(db_url):
    with db.unit_of_work(db_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
    return db_url


def _app(url, **config):
    return create_app({"DATABASE_URL": url, "TESTING": True, **config})


def test_the_server_refuses_to_start_without_a_secret(app_url, monkeypatch, tmp_path):
    monkeypatch.delenv("OUTREACH_SECRET_KEY", raising=False)
    monkeypatch.setenv("OUTREACH_DATABASE_URL", app_url)
    with pytest.raises(MissingSecret, match="OUTREACH_SECRET_KEY"):
        create_app()
    monkeypatch.setenv("OUTREACH_SECRET_KEY", "a-real-secret-from-the-operator")
    assert create_app().secret_key == "a-real-secret-from-the-operator"
    # The local server of `make demo` makes one secret, once, and keeps it private.
    monkeypatch.delenv("OUTREACH_SECRET_KEY")
    monkeypatch.setattr("outreach.config.PROJECT_ROOT", tmp_path)
    first = create_app({"LOCAL_SERVER": True}).secret_key
    assert first == create_app({"LOCAL_SERVER": True}).secret_key and len(first) >= 32
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_a_copied_cookie_stops_working_after_logout(app_url):
    client = signed_in(_app(app_url), "coord@test")
    assert client.get("/coordination/plans").status_code == 200
    with client.session_transaction() as sess:
        copied = dict(sess)
    assert client.post("/deconnexion", data={"csrf_token": client.token}).status_code == 302
    with client.session_transaction() as sess:
        sess.update(copied)  # the stolen or kept cookie, replayed
    assert client.get("/coordination/plans").status_code == 302


def test_a_new_password_ends_the_sessions_opened_before(app_url):
    app = _app(app_url)
    client = signed_in(app, "coord@test")
    with db.unit_of_work(app_url) as s:
        set_user(s, "coord@test", "another-long-password", "coordinator", organisation_id="dep-37")
    assert client.get("/coordination/plans").status_code == 302
    assert signed_in(app, "coord@test", "another-long-password").get(
        "/coordination/plans").status_code == 200


def test_the_limit_is_shared_by_workers_and_kept_per_client_behind_a_proxy(app_url):
    first, second = _app(app_url, TRUSTED_PROXIES=1), _app(app_url, TRUSTED_PROXIES=1)
    here = {"X-Forwarded-For": "203.0.113.7"}

    def attempt(app, password, headers):
        client = app.test_client()
        client.get("/connexion", headers=headers)
        with client.session_transaction() as sess:
            token = sess["csrf"]
        return client.post("/connexion", headers=headers, data={
            "email": "coord@test", "password": password, "csrf_token": token}).status_code

    for n in range(5):  # five failures, alternating between two worker processes
        assert attempt(first if n % 2 else second, "wrong-password", here) == 401
    assert attempt(first, PASSWORD, here) == 429
    assert attempt(second, "wrong-password", here) == 429
    # Another family's or colleague's address behind the same proxy is not blocked.
    assert attempt(second, PASSWORD, {"X-Forwarded-For": "198.51.100.9"}) == 302


def test_unknown_and_known_accounts_cost_one_password_check(app_url, monkeypatch):
    checks = []
    real = users.check_password_hash
    monkeypatch.setattr(users, "check_password_hash",
                        lambda stored, given: checks.append(1) or real(stored, given))
    users._decoy_hash()  # made once per process, not per request
    with db.unit_of_work(app_url) as s:
        for email in ("coord@test", "nobody@test", "coord@test", "nobody@test"):
            checks.clear()
            assert users.authenticate(s, email, "wrong-password") is None
            assert len(checks) == 1, email


def test_hsts_with_secure_cookies_only(app_url):
    plain = _app(app_url).test_client().get("/")
    assert "Strict-Transport-Security" not in plain.headers
    secure = _app(app_url, SESSION_COOKIE_SECURE=True).test_client().get("/?lang=en")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in secure.headers["Set-Cookie"]


def test_the_api_answers_errors_in_json(app_url):
    response = _app(app_url).test_client().get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"]["status"] == 404


def test_the_error_page_answers_even_when_it_cannot_be_drawn(app_url, monkeypatch):
    app = _app(app_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("the database went away")

    def broken(*_args, **_kwargs):
        raise RuntimeError("templates unreachable too")

    monkeypatch.setattr("web.render_template", broken)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "rien n'a été enregistré" in response.get_data(as_text=True)
