"""The optional second factor: TOTP codes after the password, each code once, set up and
removed by the account's owner, removed by an administrator's reset link."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlmodel import Session, select
from web_helpers import PASSWORD, login, signed_in

from outreach import db
from outreach.models import AuditEvent, User
from outreach.users import set_user
from web import create_app


@pytest.fixture
def app(db_url):
    with db.unit_of_work(db_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
        set_user(s, "admin@test", PASSWORD, "admin")
    return create_app({"DATABASE_URL": db_url, "TESTING": True})


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _enable(app) -> pyotp.TOTP:
    client = signed_in(app, "coord@test")
    page = client.get("/compte/securite").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn on the server
    totp = pyotp.TOTP(secret)
    wrong = client.post("/compte/securite", data={"action": "enable", "code": "000000",
                                                  "csrf_token": client.token})
    assert wrong.status_code == 422 or totp.verify("000000", valid_window=1)
    done = client.post("/compte/securite", data={"action": "enable", "code": totp.now(),
                                                 "csrf_token": client.token})
    assert done.status_code == 302
    return totp


def test_a_sign_in_with_a_second_factor_needs_a_fresh_code(app, db_url):
    totp = _enable(app)
    client = app.test_client()
    first = login(client, "coord@test")
    assert first.status_code == 302 and "/connexion/code" in first.headers["Location"]
    assert client.get("/coordination/plans").status_code == 302  # not signed in yet
    page = client.get("/connexion/code").get_data(as_text=True)
    step = int(time.time()) // 30
    used = totp.generate_otp(step)
    wrong = client.post("/connexion/code", data={"code": "12345", "csrf_token": _token(page)})
    assert wrong.status_code == 401
    # The enabling code's step was used already: the next step's code opens the session.
    fresh = totp.generate_otp(step + 1)
    ok = client.post("/connexion/code", data={"code": fresh, "csrf_token": _token(page)})
    assert ok.status_code == 302 and client.get("/coordination/plans").status_code == 200
    again = app.test_client()
    login(again, "coord@test")
    page = again.get("/connexion/code").get_data(as_text=True)
    for replayed in (fresh, used):  # a code works once, and earlier ones never again
        assert again.post("/connexion/code", data={"code": replayed,
                                                   "csrf_token": _token(page)}).status_code == 401
    with Session(db.get_engine(db_url)) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.target == "coord@test"))]
    assert "account.totp.enable" in actions and "signin.password" in actions


def test_wrong_codes_count_as_failed_sign_ins(app):
    _enable(app)
    client = app.test_client()
    login(client, "coord@test")
    token = _token(client.get("/connexion/code").get_data(as_text=True))
    statuses = [client.post("/connexion/code", data={"code": "99999", "csrf_token": token}).status_code
                for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429


def test_a_reset_link_removes_the_second_factor(app, db_url):
    _enable(app)
    admin = signed_in(app, "admin@test")
    with Session(db.get_engine(db_url)) as s:
        user_id = s.exec(select(User).where(User.email == "coord@test")).one().id
    page = admin.post(f"/admin/comptes/{user_id}/reinitialiser",
                      data={"csrf_token": admin.token}).get_data(as_text=True)
    link = re.search(r"<code>https?://[^/]+(/mot-de-passe/[^<]+)</code>", page).group(1)
    visitor = app.test_client()
    form = visitor.get(link).get_data(as_text=True)
    visitor.post(link, data={"password": "another-long-one", "confirm": "another-long-one",
                             "csrf_token": _token(form)})
    direct = login(app.test_client(), "coord@test", "another-long-one")
    assert direct.status_code == 302 and "/connexion/code" not in direct.headers["Location"]


def test_turning_it_off_asks_for_a_current_code(app, db_url):
    totp = _enable(app)
    client = app.test_client()
    login(client, "coord@test")
    token = _token(client.get("/connexion/code").get_data(as_text=True))
    step = int(time.time()) // 30
    client.post("/connexion/code", data={"code": totp.generate_otp(step + 1), "csrf_token": token})
    page = client.get("/compte/securite").get_data(as_text=True)
    refused = client.post("/compte/securite", data={"action": "disable", "code": "abc",
                                                    "csrf_token": _token(page)})
    assert refused.status_code == 422
    client.post("/compte/securite", data={"action": "disable", "code": totp.now(),
                                          "csrf_token": _token(page)})
    with Session(db.get_engine(db_url)) as s:
        assert s.exec(select(User).where(User.email == "coord@test")).one().totp_secret is None
