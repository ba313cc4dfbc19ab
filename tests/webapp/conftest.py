"""Fixtures of the families', staff and API tests: the planned demo app (plan 1
published), a coordinator, a staff member who works in plan 1, one who does not."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from web_helpers import PASSWORD, crew_member_id, idle_member_id, login

from outreach import db
from web import create_app


@pytest.fixture
def app(planned_url):
    from outreach.users import set_user

    with db.unit_of_work(planned_url) as s:
        set_user(s, "coord@test", PASSWORD, "coordinator", organisation_id="dep-37")
        set_user(s, "staff@test", PASSWORD, "staff", crew_member_id(planned_url))
        set_user(s, "idle@test", PASSWORD, "staff", idle_member_id(planned_url))
    return create_app({"DATABASE_URL": planned_url, "TESTING": True})


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def staff_client(app):
    c = app.test_client()
    assert login(c, "staff@test").status_code == 302
    return c


@pytest.fixture
def coordinator_client(app):
    c = app.test_client()
    assert login(c, "coord@test").status_code == 302
    return c


@pytest.fixture(scope="module")
def public_db(planned_template, tmp_path_factory) -> str:
    """A copy of the planned database shared by a module whose tests only read."""
    import shutil

    path = tmp_path_factory.mktemp("public") / "public.db"
    shutil.copy(planned_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def visitor(public_db):
    """A family's browser (no sign-in) on the read-only app."""
    return create_app({"DATABASE_URL": public_db, "TESTING": True}).test_client()


@pytest.fixture(scope="module")
def served(public_db):
    """A commune with a session in the published plan, and that session's row."""
    from outreach.models import Commune, PlanSession

    with Session(db.get_engine(public_db), expire_on_commit=False) as s:
        row = s.exec(select(PlanSession).where(PlanSession.plan_id == 1)
                     .order_by(PlanSession.date)).first()
        return s.get(Commune, row.commune_insee), row
