"""Home visits, privacy by design (issue 13, first part): family records sealed at rest,
read only by their referents and their organisation's coordinators, every read logged,
erased after the retention, keys rotated; the demo's families are fictional and placed
inside their communes."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter

import pytest
from cryptography.fernet import Fernet
from sqlmodel import Session, select

from outreach import db, homevisits, privacy
from outreach.data.boundaries import commune_polygons, contains
from outreach.data.organisations import ensure_organisation
from outreach.homevisits.demo import seed_programme
from outreach.models import Family, FamilyAccess, HomeNurse, HomeTerritory, User
from outreach.users import set_user

PASSWORD = "correct-horse-battery"


@pytest.fixture
def keys(monkeypatch):
    first = Fernet.generate_key().decode()
    monkeypatch.setenv(privacy.ENV, first)
    return first


@pytest.fixture
def programme_db(empty_db_url, keys):
    with db.unit_of_work(empty_db_url) as s:
        seed_programme(s)
    return empty_db_url


def _clear_records(url: str) -> list[homevisits.FamilyRecord]:
    with db.unit_of_work(url) as s:
        return homevisits.records_for_planning(s, "herault-appui-parental")


def test_the_demo_has_eighty_planned_families_in_proportion_and_inside_their_communes(programme_db):
    records = _clear_records(programme_db)
    with Session(db.get_engine(programme_db)) as s:
        territories = {t.code: t for t in s.exec(select(HomeTerritory))}
        nurses = list(s.exec(select(HomeNurse)))
    planned = [r for r in records if territories[r.territory].active]
    assert len(planned) == 80 and len(records) == 100
    assert not territories["biterrois"].active
    assert sum(1 for n in nurses if territories[n.territory].active
               and n.profession == "puericultrice") == 10
    # Two psychologists join the joint visits; about one family in seven has one a week.
    assert {n.code for n in nurses if n.profession == "psychologue"} == {"psy-moreau", "psy-nguyen"}
    assert 5 <= sum(r.joint_visits_per_week for r in planned) <= 20
    assert all(r.joint_visits_per_week <= r.visits_per_week for r in records)
    by_territory = Counter(r.territory for r in planned)
    assert by_territory["montpellierain"] > by_territory["lunellois"] > 0
    polygons = commune_polygons(["34"])
    for record in records:
        assert record.commune_insee in territories[record.territory].communes
        assert contains(polygons[record.commune_insee], record.lon, record.lat)
        assert "fictive" in record.address and record.phone.startswith("04 65 71")
        assert 2 <= record.visits_per_week <= 4 and record.windows
    # The same seed draws the same families.
    with db.unit_of_work(programme_db) as s:
        seed_programme(s)
    assert [(r.code, r.name, r.lat) for r in _clear_records(programme_db)] == \
        [(r.code, r.name, r.lat) for r in records]


def test_nothing_personal_is_stored_in_clear(programme_db):
    records = _clear_records(programme_db)
    raw = sqlite3.connect(programme_db.removeprefix("sqlite:///")).iterdump()
    dump = "\n".join(raw)
    for record in records:
        for secret in (record.name, record.address, record.phone,
                           f"{record.lat:.5f},{record.lon:.5f}"):
            assert secret not in dump, secret
        if record.notes:
            assert record.notes not in dump


def test_reads_are_for_referents_and_the_organisations_coordinators_and_logged(programme_db):
    with db.unit_of_work(programme_db) as s:
        family = s.exec(select(Family).order_by(Family.code)).first()
        referent = s.get(HomeNurse, family.referent_id)
        other = s.exec(select(HomeNurse).where(HomeNurse.territory != family.territory)).first()
        for email in ("ref@test", "other@test"):  # puéricultrices' accounts (pages to come)
            s.add(User(email=email, password_hash="", role="staff", organisation_id="dep-34",
                       created_at=dt.datetime.now(dt.UTC)))
        s.flush()
        ensure_organisation(s, "37")
        set_user(s, "coord34@test", PASSWORD, "coordinator", organisation_id="dep-34")
        set_user(s, "coord37@test", PASSWORD, "coordinator", organisation_id="dep-37")
        users = {u.email: u for u in s.exec(select(User))}
        referent.user_id, other.user_id = users["ref@test"].id, users["other@test"].id
        s.add(referent)
        s.add(other)
        family_id = family.id
    for email in ("ref@test", "coord34@test"):
        with db.unit_of_work(programme_db) as s:
            user = s.exec(select(User).where(User.email == email)).one()
            assert homevisits.read_family(s, user, family_id).name
    for email in ("other@test", "coord37@test"):
        with db.unit_of_work(programme_db) as s:
            user = s.exec(select(User).where(User.email == email)).one()
            with pytest.raises(homevisits.AccessRefused):
                homevisits.read_family(s, user, family_id)
    with Session(db.get_engine(programme_db)) as s:
        readers = [(a.actor, a.purpose) for a in homevisits.access_log(s, family_id)]
    assert ("ref@test", "view") in readers and ("coord34@test", "view") in readers
    assert ("other@test", "view") not in readers and ("coord37@test", "view") not in readers


def test_departed_families_are_erased_after_the_retention(programme_db):
    _clear_records(programme_db)  # the planner read them all (logged)
    with db.unit_of_work(programme_db) as s:
        family = s.exec(select(Family).order_by(Family.code)).first()
        family_id = family.id
        homevisits.archive_family(s, family_id, dt.date(2027, 1, 15))
    with db.unit_of_work(programme_db) as s:
        assert homevisits.erase_departed(s, dt.date(2027, 6, 1)) == 0  # within the year
    with db.unit_of_work(programme_db) as s:
        assert homevisits.erase_departed(s, dt.date(2028, 1, 15)) == 1
    with Session(db.get_engine(programme_db)) as s:
        family = s.get(Family, family_id)
        assert family.status == "erased" and family.code.startswith("F-")
        assert all(getattr(family, name) == "" for name in homevisits.SEALED)
        # The access log keeps who read the record, by pseudonym, after the erasure.
        assert s.exec(select(FamilyAccess).where(FamilyAccess.family_id == family_id)).all()


def test_keys_rotate_and_a_dropped_key_is_a_clear_error(programme_db, keys, monkeypatch):
    before = _clear_records(programme_db)
    new = Fernet.generate_key().decode()
    monkeypatch.setenv(privacy.ENV, f"{new},{keys}")
    with db.unit_of_work(programme_db) as s:
        assert homevisits.rotate_keys(s) == 100
    monkeypatch.setenv(privacy.ENV, new)  # the old key gone: everything still reads
    assert [r.name for r in _clear_records(programme_db)] == [r.name for r in before]
    monkeypatch.setenv(privacy.ENV, Fernet.generate_key().decode())
    with pytest.raises(privacy.DataKeyError, match="rotate-data-keys"):
        _clear_records(programme_db)
    monkeypatch.setenv(privacy.ENV, "not-a-key")
    with pytest.raises(privacy.DataKeyError, match="Fernet key"):
        privacy.seal("x")


def test_the_cli_seeds_rotates_and_purges(empty_db_url, keys, monkeypatch):
    from click.testing import CliRunner

    from outreach.cli import main

    monkeypatch.setenv("OUTREACH_DATABASE_URL", empty_db_url)
    runner = CliRunner()
    assert "chargé" in runner.invoke(main, ["seed-programme"]).output
    new = runner.invoke(main, ["new-data-key"]).output.strip()
    monkeypatch.setenv(privacy.ENV, f"{new},{keys}")
    assert "100 fiches et 0 rendez-vous rechiffrés" in runner.invoke(main, ["rotate-data-keys"]).output
    monkeypatch.setenv(privacy.ENV, new)
    assert len(_clear_records(empty_db_url)) == 100
    assert "0 fiches" in runner.invoke(main, ["purge-families", "--today", "2030-01-01"]).output
