"""The session cookie: signed, refused when altered, signed with another key or too old;
a cookie in Flask's former format still read."""

from __future__ import annotations

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired
from web_helpers import PASSWORD

from outreach import db
from outreach.users import set_user
from web import create_app
from web.cookie_session import PREFIX, SessionCodec


def _codec(key: str = "k" * 32, now: float = 1_800_000_000.0) -> SessionCodec:
    return SessionCodec(key, legacy=None, clock=lambda: now)


def test_round_trip_keeps_what_the_sessions_hold():
    data = {"csrf": "abc", "user_id": 3, "pending_until": 1.5e9, "_flashes": [("message", "Enregistré é")]}
    value = _codec().dumps(data)
    assert value.startswith(PREFIX)
    # a flashed (category, message) pair comes back as a list, read the same way
    assert _codec().loads(value, max_age=60) == {**data, "_flashes": [["message", "Enregistré é"]]}


def test_a_flashed_message_survives_the_cookie(db_url):
    app = create_app({"DATABASE_URL": db_url, "TESTING": True})

    @app.get("/test-flash")
    def _flash():  # type: ignore[no-untyped-def]
        from flask import flash

        flash("Enregistré", "success")
        return "ok"

    @app.get("/test-read")
    def _read():  # type: ignore[no-untyped-def]
        from flask import get_flashed_messages

        return "|".join(f"{c}:{m}" for c, m in get_flashed_messages(with_categories=True))

    client = app.test_client()
    client.get("/test-flash")
    assert client.get("/test-read").get_data(as_text=True) == "success:Enregistré"
    assert client.get("/test-read").get_data(as_text=True) == ""  # shown once


@pytest.mark.parametrize("alter", [
    lambda v: v[:-2] + ("A" if v[-2] != "A" else "B") + v[-1],  # the signature
    lambda v: v.replace(PREFIX, PREFIX + "e", 1),  # the payload
    lambda v: v.rsplit(".", 2)[0] + "." + str(int(v.rsplit(".", 2)[1]) + 9999) + "."
    + v.rsplit(".", 1)[1],  # the timestamp, to look younger
    lambda v: v + "x",
    lambda v: PREFIX + "..",
    lambda v: v.replace(PREFIX, PREFIX + "é", 1),  # not ASCII
    lambda v: v + "é",
])
def test_an_altered_cookie_is_refused(alter):
    value = _codec().dumps({"user_id": 1})
    with pytest.raises(BadSignature):
        _codec().loads(alter(value), max_age=60)


def test_another_key_is_refused_and_an_old_cookie_expires():
    value = _codec().dumps({"user_id": 1})
    with pytest.raises(BadSignature):
        _codec(key="other" * 8).loads(value, max_age=60)
    assert _codec(now=1_800_000_060.0).loads(value, max_age=60) == {"user_id": 1}
    with pytest.raises(SignatureExpired):
        _codec(now=1_800_000_061.0).loads(value, max_age=60)


def _signed_in_cookie(app) -> str:
    client = app.test_client()
    client.get("/connexion")
    with client.session_transaction() as sess:
        token = sess["csrf"]
    answer = client.post("/connexion", data={"email": "admin@demo", "password": PASSWORD,
                                             "csrf_token": token})
    assert answer.status_code == 302
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_the_app_reads_its_cookie_and_refuses_an_altered_one(db_url):
    with db.unit_of_work(db_url) as s:
        set_user(s, "admin@demo", PASSWORD, "admin")
    app = create_app({"DATABASE_URL": db_url, "TESTING": True})
    cookie = _signed_in_cookie(app)
    assert cookie.startswith(PREFIX)
    client = app.test_client()
    client.set_cookie("session", cookie)
    assert client.get("/coordination/plans").status_code == 200  # signed in by the cookie
    stranger = app.test_client()
    payload = cookie.split(".")[1]
    stranger.set_cookie("session", cookie.replace(payload, payload[:-1] + (
        "A" if payload[-1] != "A" else "B"), 1))
    assert stranger.get("/coordination/plans").status_code == 302  # to the sign-in page


def test_a_cookie_in_flasks_former_format_is_still_read(db_url):
    """A visitor whose cookie was set before this format stays signed in, and the
    answer sets the cookie again in this format."""
    with db.unit_of_work(db_url) as s:
        set_user(s, "admin@demo", PASSWORD, "admin")
    app = create_app({"DATABASE_URL": db_url, "TESTING": True})
    current = app.session_interface.get_signing_serializer(app).loads(_signed_in_cookie(app))
    former = SecureCookieSessionInterface().get_signing_serializer(app).dumps(current)
    assert not former.startswith(PREFIX)
    client = app.test_client()
    client.set_cookie("session", former)
    client.get("/coordination/plans")
    with client.session_transaction() as sess:
        sess["touched"] = True  # the session changes: the answer writes it again
    renewed = client.get_cookie("session")
    assert renewed is not None and renewed.value.startswith(PREFIX)
    assert client.get("/coordination/plans").status_code == 200
