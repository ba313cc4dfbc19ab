"""Home-visit pages (issue 13): the coordination plans, reviews, moves a visit in check
mode, publishes and re-plans an absence; a puéricultrice sees her visits, records what
became of them, asks for a change and subscribes to a feed of codes; nobody else sees a
family's name or address: not the public pages, not the feeds, not the logs."""

from __future__ import annotations

import datetime as dt
import logging
import random
import re
import shutil

import pytest
from cryptography.fernet import Fernet
from markupsafe import escape
from sqlmodel import Session, select

from outreach import db, homevisits, privacy
from outreach.data.boundaries import commune_polygons
from outreach.data.organisations import ensure_organisation
from outreach.homevisits import planning
from outreach.homevisits.demo import random_point, seed_programme
from outreach.models import (
    Commune,
    Family,
    FamilyAccess,
    HomeChangeRequest,
    HomeNurse,
    HomePlan,
    HomeTerritory,
    HomeVisitRecord,
    HomeWorkshop,
)
from outreach.users import set_user
from tests.web_helpers import PASSWORD, signed_in
from web import create_app

PROGRAMME = "herault-appui-parental"
MONDAY = dt.date(2027, 1, 4)
WORK = 2.0  # reference seconds of solver work: deterministic


@pytest.fixture(scope="module")
def home_template(tmp_path_factory):
    """A database with the demo programme, a drafted week, and the accounts."""
    path = tmp_path_factory.mktemp("home-pages") / "home.db"
    url = f"sqlite:///{path}"
    key = Fernet.generate_key().decode()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(privacy.ENV, key)
        db.upgrade(url)
        with db.unit_of_work(url) as s:
            seed_programme(s)
            planning.new_plan(s, PROGRAMME, MONDAY, 1, time_limit_s=60, work_limit_s=WORK)
            set_user(s, "coord@34.test", PASSWORD, "coordinator", organisation_id="dep-34")
            ensure_organisation(s, "37")
            set_user(s, "coord@37.test", PASSWORD, "coordinator", organisation_id="dep-37")
            nurses = list(s.exec(select(HomeNurse).order_by(HomeNurse.code)))
            busiest = max(nurses, key=lambda n: sum(
                v["nurse"] == n.code for v in s.exec(select(HomePlan)).one().visits))
            other = next(n for n in nurses if n.territory != busiest.territory)
            set_user(s, "nurse@34.test", PASSWORD, "nurse", nurse_id=busiest.id)
            set_user(s, "other@34.test", PASSWORD, "nurse", nurse_id=other.id)
    db.get_engine(url).dispose()  # everything in the file, before it is copied
    return path, key


@pytest.fixture
def home(home_template, tmp_path, monkeypatch):
    path, key = home_template
    copy = tmp_path / "home.db"
    shutil.copy(path, copy)
    monkeypatch.setenv(privacy.ENV, key)
    url = f"sqlite:///{copy}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SOLVE_INLINE": True})
    return app, url


def _secrets(url: str) -> list[str]:
    """Every family's name, address and phone of the demo."""
    with db.unit_of_work(url) as s:
        records = homevisits.records_for_planning(s, PROGRAMME)
        for f in s.exec(select(Family).where(Family.status != "active")):
            records.append(homevisits._clear(f, {n.id: n.code for n in s.exec(select(HomeNurse))}))
    found = []
    for r in records:
        found += [r.name, r.address, r.phone]
    assert len(found) >= 240
    return found


def _nurse(url: str, email: str) -> HomeNurse:
    with Session(db.get_engine(url)) as s:
        return s.exec(select(HomeNurse).join_from(HomeNurse, homevisits.User,
                                                  HomeNurse.user_id == homevisits.User.id)
                      .where(homevisits.User.email == email)).one()


def test_coordinator_reviews_moves_publishes_and_replans(home):
    app, url = home
    client = signed_in(app, "coord@34.test")
    page = client.get("/coordination/visites/", follow_redirects=True)
    assert page.status_code == 200 and "Plans de visites" in page.text
    # The Biterrois extension switched on, then off again.
    toggle = "/coordination/visites/herault-appui-parental/territoires/biterrois"
    assert client.post(toggle, data={"active": "1", "csrf_token": client.token}).status_code == 302
    with Session(db.get_engine(url)) as s:
        assert s.exec(select(HomeTerritory).where(HomeTerritory.code == "biterrois")).one().active
    client.post(toggle, data={"active": "0", "csrf_token": client.token})
    plan = client.get("/coordination/visites/herault-appui-parental/plans/1")
    assert plan.status_code == 200 and plan.headers["Cache-Control"] == "private, no-store"
    assert "Visites par professionnelle" in plan.text and "<svg" in plan.text
    assert "commune avec" in plan.text  # the joint visits, with the psychologist named
    with Session(db.get_engine(url)) as s:
        stored = s.get(HomePlan, 1)
        visit = stored.visits[0]
        # The map read the day's families' places: each read logged as the coordinator's.
        assert s.exec(select(FamilyAccess).where(FamilyAccess.purpose == "map",
                                                 FamilyAccess.actor == "coord@34.test")).first()
    base = "/coordination/visites/herault-appui-parental/plans/1/deplacer"
    where = {"family": visit["family"], "date": visit["date"], "nurse": visit["nurse"]}
    # Before the day's start: refused in check mode, nothing saved.
    early = client.get(base, query_string={**where, "new_date": visit["date"],
                                           "new_start": "06:00", "check": "1"})
    assert early.status_code == 200 and "enfreint" in early.text
    assert "Enregistrer comme nouveau brouillon" not in early.text
    # A move that holds: a day's last visit a quarter of an hour earlier or later (the
    # first such move the checker accepts).
    last = {}
    for v in stored.visits:
        last[(v["nurse"], v["date"])] = v
    saved = None
    for v in list(last.values())[:12]:
        where = {"family": v["family"], "date": v["date"], "nurse": v["nurse"]}
        start = int(v["start"][:2]) * 60 + int(v["start"][3:])
        for shift in (15, -15):
            new_start = f"{(start + shift) // 60:02d}:{(start + shift) % 60:02d}"
            page = client.get(base, query_string={**where, "new_date": v["date"],
                                                  "new_start": new_start, "check": "1"})
            if "respecte toutes les règles" in page.text:
                saved = client.post(base, data={**where, "new_date": v["date"],
                                                "new_start": new_start, "new_nurse": v["nurse"],
                                                "action": "save", "csrf_token": client.token})
                break
        if saved:
            break
    assert saved is not None and saved.status_code == 302
    with Session(db.get_engine(url)) as s:
        edited = s.exec(select(HomePlan).order_by(HomePlan.id.desc())).first()
        assert edited.based_on_id == 1 and edited.status == "draft"
        assert len(edited.visits) == len(stored.visits)
        edited_id = edited.id
    # Publish, then an absence: a re-planned draft lists the families to call.
    assert client.post(f"/coordination/visites/herault-appui-parental/plans/{edited_id}/publier",
                       data={"csrf_token": client.token}).status_code == 302
    nurse = visit["nurse"]
    answer = client.post(f"/coordination/visites/herault-appui-parental/plans/{edited_id}/absence",
                         data={"nurse": nurse, "start": "2027-01-06", "end": "",
                               "csrf_token": client.token})
    assert answer.status_code == 302
    replanned = client.get(answer.headers["Location"])
    assert "Familles à prévenir" in replanned.text
    with Session(db.get_engine(url)) as s:
        latest = s.exec(select(HomePlan).order_by(HomePlan.id.desc())).first()
        assert latest.summary["changed"] and latest.summary["absence"]["nurse"] == nurse
        assert not [v for v in latest.visits if v["nurse"] == nurse and v["date"] >= "2027-01-06"]
    # A bad absence keeps what was typed and says which field.
    bad = client.post(f"/coordination/visites/herault-appui-parental/plans/{edited_id}/absence",
                      data={"nurse": nurse, "start": "06/01/2027", "end": "",
                            "csrf_token": client.token})
    assert bad.status_code == 400 and "champ start" in bad.text and "06/01/2027" in bad.text


def test_family_record_is_logged_and_other_organisations_see_nothing(home):
    app, url = home
    client = signed_in(app, "coord@34.test")
    listing = client.get("/coordination/visites/herault-appui-parental/familles")
    assert listing.status_code == 200 and "F-0001" in listing.text
    names = _secrets(url)
    assert not any(n in listing.text for n in names)  # the list is by code only
    record = client.get("/coordination/visites/herault-appui-parental/familles/F-0001")
    assert record.status_code == 200 and "Journal des accès" in record.text
    with Session(db.get_engine(url)) as s:
        family = s.exec(select(Family).where(Family.code == "F-0001")).one()
        readers = [(a.actor, a.purpose) for a in homevisits.access_log(s, family.id)]
    assert ("coord@34.test", "view") in readers
    outsider = signed_in(app, "coord@37.test")
    for path in ("/coordination/visites/herault-appui-parental",
                 "/coordination/visites/herault-appui-parental/familles/F-0001",
                 "/coordination/visites/herault-appui-parental/plans/1"):
        assert outsider.get(path).status_code == 404
    nurse = signed_in(app, "nurse@34.test")
    assert nurse.get("/coordination/visites/herault-appui-parental/familles").status_code == 403


def test_a_nurse_sees_her_visits_records_them_and_asks_for_a_change(home):
    app, url = home
    coordinator = signed_in(app, "coord@34.test")
    coordinator.post("/coordination/visites/herault-appui-parental/plans/1/publier",
                     data={"csrf_token": coordinator.token})
    me = _nurse(url, "nurse@34.test")
    client = signed_in(app, "nurse@34.test")
    week = client.get("/mes-visites/", query_string={"semaine": MONDAY.isoformat()})
    assert week.status_code == 200 and week.headers["Cache-Control"] == "private, no-store"
    with Session(db.get_engine(url)) as s:
        mine = [v for v in s.get(HomePlan, 1).visits if v["nurse"] == me.code]
    assert mine and all(v["family"] in week.text for v in mine)
    first = mine[0]
    day = client.get(f"/mes-visites/jour/{first['date']}")
    assert day.status_code == 200 and "geo:" in day.text and "tel:" in day.text
    with db.unit_of_work(url) as s:
        family = s.exec(select(Family).where(Family.code == first["family"])).one()
        clear = homevisits._clear(family, {n.id: n.code for n in s.exec(select(HomeNurse))})
        logged = s.exec(select(FamilyAccess).where(FamilyAccess.family_id == family.id,
                                                   FamilyAccess.purpose == "round")).all()
    if clear.referent == me.code or clear.second_referent == me.code:
        assert str(escape(clear.address)) in day.text and logged
    done = client.post(f"/mes-visites/jour/{first['date']}/{first['family']}/bilan",
                       data={"status": "done", "csrf_token": client.token})
    assert done.status_code == 302
    client.post(f"/mes-visites/jour/{first['date']}/{first['family']}/bilan",
                data={"status": "cancelled", "csrf_token": client.token})
    with Session(db.get_engine(url)) as s:
        rows = s.exec(select(HomeVisitRecord)).all()
    assert [(r.family_code, r.status) for r in rows] == [(first["family"], "cancelled")]
    # Not her visit: refused.
    with Session(db.get_engine(url)) as s:
        theirs = next(v for v in s.get(HomePlan, 1).visits if v["nurse"] != me.code)
    assert client.post(f"/mes-visites/jour/{theirs['date']}/{theirs['family']}/bilan",
                       data={"status": "done", "csrf_token": client.token}).status_code == 400
    # A change asked for: too long a message keeps what she typed.
    long = "x" * 600
    refused = client.post(f"/mes-visites/jour/{first['date']}/{first['family']}/changement",
                          data={"reason": "family", "message": long, "csrf_token": client.token})
    assert refused.status_code == 400 and "champ message" in refused.text and long in refused.text
    asked = client.post(f"/mes-visites/jour/{first['date']}/{first['family']}/changement",
                        data={"reason": "family", "message": "La maman préfère jeudi.",
                              "csrf_token": client.token})
    assert asked.status_code == 302
    with Session(db.get_engine(url)) as s:
        request = s.exec(select(HomeChangeRequest)).one()
    assert "jeudi" not in request.message_sealed  # sealed at rest
    programme = coordinator.get("/coordination/visites/herault-appui-parental")
    assert "La maman préfère jeudi." in programme.text
    # The coordination pages are not hers.
    assert client.get("/coordination/visites/herault-appui-parental/plans/1").status_code == 403


def test_nothing_personal_on_public_pages_feeds_or_logs(home, caplog):
    app, url = home
    caplog.set_level(logging.DEBUG)
    coordinator = signed_in(app, "coord@34.test")
    coordinator.post("/coordination/visites/herault-appui-parental/plans/1/publier",
                     data={"csrf_token": coordinator.token})
    coordinator.get("/coordination/visites/herault-appui-parental/plans/1")
    coordinator.get("/coordination/visites/herault-appui-parental/familles/F-0002")
    client = signed_in(app, "nurse@34.test")
    client.post("/mes-visites/agenda", data={"action": "create", "csrf_token": client.token})
    page = client.get("/mes-visites/agenda")
    feed_url = re.search(r'value="(http[^"]+\.ics)"', page.text).group(1)
    me = _nurse(url, "nurse@34.test")
    with Session(db.get_engine(url)) as s:
        first = next(v for v in s.get(HomePlan, 1).visits if v["nurse"] == me.code)
    client.get(f"/mes-visites/jour/{first['date']}")
    anonymous = app.test_client()
    feed = anonymous.get(feed_url.split("localhost", 1)[1])
    assert feed.status_code == 200 and "BEGIN:VCALENDAR" in feed.text
    assert first["family"] in feed.text
    # A crawl of the public site from its home page, every link followed.
    seen, queue, bodies = set(), ["/", "/services"], [feed.text]
    while queue and len(seen) < 300:
        path = queue.pop()
        if path in seen or not path.startswith("/") or path.startswith("//"):
            continue
        seen.add(path)
        answer = anonymous.get(path)
        if answer.status_code != 200 or not answer.mimetype.startswith(("text/", "application/")):
            continue
        bodies.append(answer.get_data(as_text=True))
        queue += [link for link in re.findall(r'href="([^"#?]+)', bodies[-1])
                  if not link.startswith(("/static", "/vendor"))]
    for path in ("/mes-visites/", "/coordination/visites/herault-appui-parental/familles"):
        assert anonymous.get(path).status_code == 302  # to the sign-in page
    bodies.append(caplog.text)
    for secret in _secrets(url):
        for body in bodies:
            assert secret not in body, secret


def test_a_new_family_gets_options_and_is_taken_on(home):
    app, url = home
    client = signed_in(app, "coord@34.test")
    path = "/coordination/visites/herault-appui-parental/plans/1/orientation"
    assert client.get(path).status_code == 200
    with Session(db.get_engine(url)) as s:
        territory = s.exec(select(HomeTerritory).where(HomeTerritory.code == "montpellierain")).one()
        before = s.get(HomePlan, 1).visits
    every = [f"{d}-{k}" for d in range(1, 6) for k in ("matin", "apres-midi")]
    form = {"name": "Nouvelle Famille", "address": "1 rue Neuve (adresse fictive)",
            "phone": "04 65 71 00 00", "commune": "", "visits_per_week": "2",
            "min_spacing_days": "2", "visit_min": "60", "slots": every,
            "csrf_token": client.token}
    # No commune: refused, and what was typed stays.
    missing = client.post(path, data={**form, "action": "search"})
    assert missing.status_code == 400 and "commune des visites" in missing.text
    assert "1 rue Neuve (adresse fictive)" in missing.text
    found = None
    polygons = commune_polygons(["34"])
    for insee in territory.communes:
        # The place of the visits typed as a map application shares it, inside the commune.
        lat, lon = random_point(polygons[insee], random.Random(insee))
        point = f"{str(lat).replace('.', ',')} ; {str(lon).replace('.', ',')}"
        answer = client.post(path, data={**form, "commune": insee, "point": point,
                                         "action": "search"})
        assert answer.status_code == 200 and "depuis le point saisi" in answer.text
        choices = re.findall(r'name="choice" value="([^"]+)"', answer.text)
        if choices:
            found = insee, choices, point, (lat, lon)
            break
    assert found, "no commune of the Montpelliérain has room this week"
    insee, choices, point, (lat, lon) = found
    taken = client.post(path, data={**form, "commune": insee, "point": point,
                                    "choice": choices[0], "action": "commit"})
    assert taken.status_code == 302
    with Session(db.get_engine(url)) as s:
        new = s.exec(select(HomePlan).order_by(HomePlan.id.desc())).first()
        family = s.exec(select(Family).order_by(Family.id.desc())).first()
    assert new.based_on_id == 1 and family.code not in {v["family"] for v in before}
    theirs = [v for v in new.visits if v["family"] == family.code]
    assert len(theirs) == 2 and {v["nurse"] for v in theirs} == {choices[0]}
    # No other visit changed its day or puéricultrice, but one the plan lists to call.
    moved = {(c["family"], c["was"]["date"]) for c in new.summary.get("changed", [])
             if c["now"] is None or c["now"]["date"] != c["was"]["date"]}
    assert len(moved) <= 1
    assert {(v["family"], v["date"], v["nurse"]) for v in before
            if (v["family"], v["date"]) not in moved} <= \
        {(v["family"], v["date"], v["nurse"]) for v in new.visits}
    # The family is saved sealed, with the option's puéricultrice as referent.
    with db.unit_of_work(url) as s:
        nurses = {n.id: n.code for n in s.exec(select(HomeNurse))}
        record = homevisits._clear(s.get(Family, family.id), nurses)
    assert record.referent == choices[0] and record.name == "Nouvelle Famille"
    assert (record.lat, record.lon) == (lat, lon) and record.commune_insee == insee
    assert "Nouvelle Famille" not in family.name_sealed


def test_a_point_typed_wrong_or_outside_the_commune_is_refused_and_kept(home):
    app, url = home
    client = signed_in(app, "coord@34.test")
    path = "/coordination/visites/herault-appui-parental/plans/1/orientation"
    with Session(db.get_engine(url)) as s:
        territory = s.exec(select(HomeTerritory).where(HomeTerritory.code == "montpellierain")).one()
        here, elsewhere = (s.get(Commune, i) for i in territory.communes[:2])
    form = {"name": "Nouvelle Famille", "commune": here.insee, "visits_per_week": "2",
            "min_spacing_days": "2", "visit_min": "60", "slots": ["1-matin", "3-matin"],
            "action": "search", "csrf_token": client.token}
    typo = client.post(path, data={**form, "point": "43.61 nord"})
    assert typo.status_code == 400 and "latitude, longitude" in typo.text
    assert 'value="43.61 nord"' in typo.text and 'aria-invalid="true"' in typo.text
    outside = client.post(path, data={**form, "point": f"{elsewhere.lat}, {elsewhere.lon}"})
    assert outside.status_code == 400
    assert f"pas dans la commune {escape(here.name)}" in outside.text
    centre = client.post(path, data=form)  # no point: the commune's centre, said so
    assert centre.status_code == 200 and "depuis le centre de la commune" in centre.text


def test_an_option_that_moves_a_visit_to_another_day_says_so(home):
    app, url = home
    client = signed_in(app, "coord@34.test")
    path = "/coordination/visites/herault-appui-parental/plans/1/orientation"
    with Session(db.get_engine(url)) as s:
        territory = s.exec(select(HomeTerritory).where(HomeTerritory.code == "lunellois")).one()
    # Three visits two days apart: Monday, Wednesday and Friday, full or not.
    form = {"name": "Nouvelle Famille", "address": "", "phone": "", "visits_per_week": "3",
            "min_spacing_days": "2", "visit_min": "60", "action": "search",
            "slots": [f"{d}-{k}" for d in range(1, 6) for k in ("matin", "apres-midi")],
            "csrf_token": client.token}
    # The Lunellois' days are the fullest of the demo: some commune's options move a visit.
    for insee in territory.communes:
        answer = client.post(path, data={**form, "commune": insee})
        assert answer.status_code == 200
        shown = re.search(r"Visite changée de jour : (F-\d+) (\w+) (\d\d:\d\d) → (\w+) (\d\d:\d\d)",
                          answer.text)
        if shown:
            break
    assert shown, "no option of the Lunellois moved a visit"
    family, left, _old, there, _new = shown.groups()
    assert left != there and family.startswith("F-")


def test_coordinator_adds_a_workshop_and_its_facilitator_sees_it(home):
    app, url = home
    client = signed_in(app, "coord@34.test")
    listed = client.get("/coordination/visites/herault-appui-parental/ateliers")
    assert listed.status_code == 200 and "Massage bébé" in listed.text  # the demo's
    with Session(db.get_engine(url)) as s:
        nurse = s.exec(select(HomeNurse).where(HomeNurse.code == "p-jourdan")).one()
        codes = [f.code for f in s.exec(select(Family).where(Family.territory == "lunellois"))][:3]
        before = len(s.exec(select(HomeWorkshop)).all())
    form = {"label": "Portage en écharpe", "territory": "lunellois", "date": "2027-01-08",
            "start": "10:00", "end": "11:00", "place": "Médiathèque", "commune": "34145",
            "capacity": "2", "facilitators": ["p-jourdan"], "invited": ", ".join(codes),
            "csrf_token": client.token}
    # Three families for two places: refused, nothing saved, everything typed kept.
    refused = client.post("/coordination/visites/herault-appui-parental/ateliers", data=form)
    assert refused.status_code == 400
    assert "3 familles invitées pour 2 places" in refused.text
    assert 'value="Portage en écharpe"' in refused.text and codes[0] in refused.text
    saved = client.post("/coordination/visites/herault-appui-parental/ateliers",
                        data={**form, "capacity": "6"}, follow_redirects=True)
    assert saved.status_code == 200 and "Portage en écharpe" in saved.text
    with Session(db.get_engine(url)) as s:
        shop = s.exec(select(HomeWorkshop).where(HomeWorkshop.label == "Portage en écharpe")).one()
        assert len(s.exec(select(HomeWorkshop)).all()) == before + 1
        assert shop.invited == codes and shop.facilitators == ["p-jourdan"]
        shop_id = shop.id
        set_user(s, "jourdan@34.test", PASSWORD, "nurse", nurse_id=nurse.id)
        s.commit()
    # A plan of that week keeps her free for it, and shows it on the grid.
    job = client.post("/coordination/visites/herault-appui-parental/plans",
                      data={"week": MONDAY.isoformat(), "weeks": "1", "csrf_token": client.token})
    assert job.status_code == 302 and "/calculs/" in job.headers["Location"]
    done = client.get(job.headers["Location"])
    link = re.search(r'href="(/coordination/visites/[^"]+/plans/\d+)"', done.text)
    assert done.status_code == 200 and link, done.text
    grid = client.get(link.group(1))
    assert "Portage en écharpe" in grid.text
    with Session(db.get_engine(url)) as s:
        latest = s.exec(select(HomePlan).order_by(HomePlan.id.desc())).first()
        for v in latest.visits:
            if v["date"] == "2027-01-08" and (v["nurse"] == "p-jourdan" or v["family"] in codes):
                assert v["end"] <= "10:00" or v["start"] >= "11:00", v
    client.post(f"/coordination/visites/herault-appui-parental/plans/{latest.id}/publier",
                data={"csrf_token": client.token})
    week = signed_in(app, "jourdan@34.test").get("/mes-visites/",
                                                 query_string={"semaine": MONDAY.isoformat()})
    assert "Portage en écharpe" in week.text and "Médiathèque" in week.text
    deleted = client.post(f"/coordination/visites/herault-appui-parental/ateliers/{shop_id}/supprimer",
                          data={"csrf_token": client.token}, follow_redirects=True)
    assert "Portage en écharpe" not in deleted.text
    assert client.post("/coordination/visites/herault-appui-parental/ateliers/99999/supprimer",
                       data={"csrf_token": client.token}).status_code == 404


def test_a_home_plan_runs_on_the_solve_queue_and_shows_its_progress(home, redis_url):
    """The coordinator's request becomes a job on the production queue (Redis, RQ): the
    page answers at once, a worker computes the plan, the job page then links to it;
    another organisation's coordinator cannot see the job."""
    import uuid

    from outreach.models import SolveJob
    from outreach.planning import jobs

    app, url = home
    runner = jobs.RQRunner(redis_url, url, queue_name=f"outreach-test-{uuid.uuid4().hex}")
    app.config["SOLVE_INLINE"] = False
    app.config["HOME_WORK_LIMIT_S"] = WORK
    app.extensions["solve_runner"] = runner
    client = signed_in(app, "coord@34.test")
    posted = client.post(f"/coordination/visites/{PROGRAMME}/plans",
                         data={"week": MONDAY.isoformat(), "weeks": "2", "csrf_token": client.token})
    assert posted.status_code == 302
    waiting = client.get(posted.headers["Location"])
    assert waiting.status_code == 200 and 'http-equiv="refresh"' in waiting.text
    assert signed_in(app, "coord@37.test").get(posted.headers["Location"]).status_code == 404
    assert client.get(f"/coordination/solves/{posted.headers['Location'].rsplit('/', 1)[1]}"
                      ).status_code == 404  # not a bus plan's job
    assert runner.worker().work(burst=True, with_scheduler=False)
    runner.shutdown()
    done = client.get(posted.headers["Location"])
    with Session(db.get_engine(url)) as s:
        job = s.exec(select(SolveJob).where(SolveJob.kind == "home")).one()
        plan = s.get(HomePlan, job.home_plan_id)
        assert job.status == "done" and job.params["time_limit_s"] == 30.0
        assert plan.weeks == 2 and plan.created_by == "coord@34.test"
        assert job.progress["visits_planned"] == plan.summary["visits_planned"] > 0
    assert f"/plans/{plan.id}" in done.text and 'http-equiv="refresh"' not in done.text


def test_a_facilitator_records_who_came_and_the_coordinator_sees_it(home):
    """On or after the date, a facilitator ticks the invited families who came; a family
    not invited is refused with the field and nothing saved; before the date, or for
    someone else's workshop, nothing can be recorded."""
    from outreach.homevisits import workshops

    app, url = home
    with db.unit_of_work(url) as s:
        nurse = s.exec(select(HomeNurse).where(HomeNurse.code == "p-jourdan")).one()
        others = s.exec(select(HomeNurse).where(HomeNurse.code != "p-jourdan",
                                                HomeNurse.territory == nurse.territory)).first()
        codes = [f.code for f in s.exec(select(Family).where(Family.territory == "lunellois"))]
        held = {}
        for label, date in (("Chansons", dt.date(2026, 1, 6)), ("Plus tard", dt.date(2099, 1, 6))):
            held[label] = workshops.save_workshop(s, PROGRAMME, workshops.WorkshopInput(
                territory="lunellois", label=label, date=date, start_min=600, end_min=660,
                place_label="Médiathèque", place_lat=43.67, place_lon=4.13, capacity=4,
                facilitators=("p-jourdan",), invited=tuple(codes[:3]))).id
        set_user(s, "jourdan@34.test", PASSWORD, "nurse", nurse_id=nurse.id)
        set_user(s, "colleague@34.test", PASSWORD, "nurse", nurse_id=others.id)
    nurse_client = signed_in(app, "jourdan@34.test")
    page = f"/mes-visites/ateliers/{held['Chansons']}"
    form = nurse_client.get(page)
    assert form.status_code == 200 and all(c in form.text for c in codes[:3])
    refused = nurse_client.post(page, data={"attended": [codes[0], codes[5]],
                                            "csrf_token": nurse_client.token})
    assert refused.status_code == 400 and "attended" in refused.text and codes[5] in refused.text
    with Session(db.get_engine(url)) as s:
        assert s.get(HomeWorkshop, held["Chansons"]).attended is None
    saved = nurse_client.post(page, data={"attended": [codes[2], codes[0]],
                                          "csrf_token": nurse_client.token})
    assert saved.status_code == 302
    with Session(db.get_engine(url)) as s:
        shop = s.get(HomeWorkshop, held["Chansons"])
        assert shop.attended == [codes[0], codes[2]] and shop.attendance_by == "jourdan@34.test"
    later = nurse_client.post(f"/mes-visites/ateliers/{held['Plus tard']}",
                              data={"attended": [codes[0]], "csrf_token": nurse_client.token})
    assert later.status_code == 400
    assert signed_in(app, "colleague@34.test").get(page).status_code == 404
    listed = signed_in(app, "coord@34.test").get(f"/coordination/visites/{PROGRAMME}/ateliers")
    assert "2 sur 3" in listed.text and "non notées" in listed.text
