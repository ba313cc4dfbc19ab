"""Helpers of the web tests (Flask test client): sign-in, CSRF token, staff names."""

from __future__ import annotations

from sqlmodel import Session, select

from outreach import db
from outreach.models import PlanCrew, StaffMember

PASSWORD = "correct-horse-battery"


def staff_names(db_url: str) -> list[str]:
    with Session(db.get_engine(db_url)) as s:
        return [m.name for m in s.exec(select(StaffMember))]


def crew_member_id(db_url: str) -> int:
    """A staff member who works in the published plan 1."""
    with Session(db.get_engine(db_url)) as s:
        code = s.exec(select(PlanCrew.staff_code).where(PlanCrew.plan_id == 1)).first()
        return s.exec(select(StaffMember).where(StaffMember.code == code)).one().id


def idle_member_id(db_url: str) -> int:
    """A staff member of a scenario without a published plan (Loire)."""
    with Session(db.get_engine(db_url)) as s:
        return s.exec(select(StaffMember).where(StaffMember.scenario_id == "loire")).first().id


def login(client, email, password=PASSWORD):
    client.get("/connexion")
    with client.session_transaction() as sess:
        token = sess["csrf"]
    return client.post("/connexion", data={"email": email, "password": password,
                                           "csrf_token": token})


def csrf(client) -> str:
    """The session's CSRF token (a form page makes one when there is none yet)."""
    with client.session_transaction() as sess:
        token = sess.get("csrf")
    if token is None:
        client.get("/connexion")
        with client.session_transaction() as sess:
            token = sess["csrf"]
    return token


def signed_in(app, email, password=PASSWORD):
    """A test client signed in as ``email``, with its CSRF token as ``client.token``."""
    client = app.test_client()
    assert login(client, email, password).status_code == 302
    client.get("/")  # signing in starts a new session: make its token
    client.token = csrf(client)
    return client
