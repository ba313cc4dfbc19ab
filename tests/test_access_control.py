"""Every coordinator and staff route refuses anonymous visitors and users without the role.

The routes are read from the application's URL map, so a new route is covered
the day it is added.
"""

import pytest
from web_helpers import PASSWORD, csrf, signed_in
from werkzeug.routing import Rule

from outreach import db
from outreach.models import StaffMember
from outreach.users import set_user
from web import create_app

SAMPLE_ARGS = {"plan_id": 1, "job_id": 1, "pin_id": 1, "scenario_id": "indre-et-loire",
               "kind": "stops", "code": "x", "absence_id": 1, "fmt": "json", "date": "2027-01-04",
               "token": "x", "insee": "37091", "service": "bus-prevention",
               "programme_id": "herault-appui-parental", "request_id": 1, "workshop_id": 1, "family": "F-0001",
               "day": "2027-01-04", "stop": "x", "before": 1, "after": 1}


def _rules(prefix: str) -> list[Rule]:
    app = create_app({"DATABASE_URL": "sqlite://", "TESTING": True})
    return sorted((r for r in app.url_map.iter_rules() if r.rule.startswith(prefix)),
                  key=lambda r: r.rule)


COORDINATOR_RULES = _rules("/coordination")
# A puéricultrice's pages; her feed is read by calendar applications (its token is its key).
NURSE_RULES = [r for r in _rules("/mes-visites") if r.endpoint != "nurse.feed"]


def _requests(rules):
    for rule in rules:
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<int:{arg}>", str(SAMPLE_ARGS[arg])).replace(
                f"<path:{arg}>", str(SAMPLE_ARGS[arg])).replace(f"<{arg}>", str(SAMPLE_ARGS[arg]))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield pytest.param(method, path, id=f"{method} {rule.rule}")


@pytest.fixture(scope="module")
def app(planned_template, tmp_path_factory):
    """One app for the module: refused requests change nothing."""
    import shutil

    path = tmp_path_factory.mktemp("access") / "access.db"
    shutil.copy(planned_template, path)
    url = f"sqlite:///{path}"
    with db.unit_of_work(url) as s:
        member = s.exec(StaffMember.__table__.select()).first()
        set_user(s, "staff@test", PASSWORD, "staff", member.id)
    return create_app({"DATABASE_URL": url, "TESTING": True})


@pytest.fixture(scope="module")
def staff_client(app):
    return signed_in(app, "staff@test")


def test_there_are_coordinator_routes_to_protect():
    assert len(COORDINATOR_RULES) >= 15


@pytest.mark.parametrize(("method", "path"), list(_requests(COORDINATOR_RULES)))
def test_anonymous_visitors_are_sent_to_sign_in(app, method, path):
    client = app.test_client()
    response = client.open(path, method=method, data={"csrf_token": csrf(client)})
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


@pytest.mark.parametrize(("method", "path"), list(_requests(COORDINATOR_RULES)))
def test_staff_members_are_refused(staff_client, method, path):
    response = staff_client.open(path, method=method, data={"csrf_token": staff_client.token})
    assert response.status_code == 403


def test_there_are_nurse_routes_to_protect():
    assert len(NURSE_RULES) >= 5


@pytest.mark.parametrize(("method", "path"), list(_requests(NURSE_RULES)))
def test_nurse_pages_send_anonymous_visitors_to_sign_in_and_refuse_others(
        app, staff_client, method, path):
    client = app.test_client()
    response = client.open(path, method=method, data={"csrf_token": csrf(client)})
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    refused = staff_client.open(path, method=method, data={"csrf_token": staff_client.token})
    assert refused.status_code == 403
