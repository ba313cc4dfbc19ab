"""Home-visit plans (issue 13): the demo week planned on the solver's one model, checked
from its export by an independent checker, stored with family codes only; an absence
re-planned with only the absent nurse's visits moving."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from cryptography.fernet import Fernet
from sqlmodel import Session, select

from outreach import db, homevisits, privacy
from outreach.errors import InvalidInput
from outreach.homevisits import planning, referral
from outreach.homevisits.demo import seed_programme
from outreach.homevisits.workshops import WorkshopInput, save_workshop
from outreach.models import Commune, FamilyAccess, HomePlan, HomeTerritory, HomeWorkshop
from outreach.planning.manual import edited_solution, route_of
from solver import Pin, check_route, check_solution, objective
from tests.home_plan_checker import check

PROGRAMME = "herault-appui-parental"
MONDAY = dt.date(2027, 1, 4)
WORK = 4.0  # reference seconds: deterministic, whatever the machine's load


@pytest.fixture(scope="module")
def programme_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('home') / 'home.db'}"
    key = Fernet.generate_key().decode()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(privacy.ENV, key)
        db.upgrade(url)
        with db.unit_of_work(url) as s:
            seed_programme(s)
    return url, key


@pytest.fixture
def programme(programme_url, monkeypatch):
    url, key = programme_url
    monkeypatch.setenv(privacy.ENV, key)
    return url


@pytest.fixture(scope="module")
def week_plan(programme_url):
    url, key = programme_url
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(privacy.ENV, key)
        with db.unit_of_work(url) as s:
            build = lambda **kw: planning.build_week(
                s, PROGRAMME, MONDAY, 1, time_limit_s=120, work_limit_s=WORK, **kw)
            outcome = planning.solve_week(build(), build)
            # outcome.week: the problem solved last (with other nurses allowed for the
            # families that needed them)
            return outcome.week, outcome, planning.export(outcome)


def test_the_demo_week_passes_the_independent_checker(week_plan):
    _week, _outcome, exported = week_plan
    assert check(json.loads(json.dumps(exported))) == []
    summary = exported["summary"]
    assert summary["visits_wanted"] == sum(f["visits_per_week"] + f["joint_visits_per_week"]
                                           for f in exported["families"])
    # Nearly every visit placed, most by the referent, the rest listed with a reason.
    assert summary["visits_planned"] >= 0.95 * summary["visits_wanted"]
    assert summary["by"]["referent"] >= 0.85 * summary["visits_planned"]
    for short in exported["unplaced"]:
        assert short["missing"] >= 1 and short["why"]


def test_joint_visits_bring_both_professionals_at_the_same_time(week_plan):
    _week, _outcome, exported = week_plan
    summary = exported["summary"]
    assert summary["joint_wanted"] >= 8  # about one family in seven
    assert summary["joint_planned"] >= summary["joint_wanted"] // 2
    short = sum(u["missing"] for u in exported["unplaced"] if u.get("part") == "joint")
    assert summary["joint_planned"] + short == summary["joint_wanted"]
    professions = {n["code"]: n["profession"] for n in exported["nurses"]}
    sides = {(v["family"], v["date"], v["start"], v.get("part", "")): v
             for v in exported["visits"]}
    joint = [v for v in exported["visits"] if v.get("part") == "joint"]
    assert len(joint) == summary["joint_planned"]
    for visit in joint:
        psy = sides[(visit["family"], visit["date"], visit["start"], "psy")]
        assert professions[psy["nurse"]] == "psychologue" == professions[visit["with"]]
        assert professions[visit["nurse"]] == "puericultrice" and psy["with"] == visit["nurse"]
        # Never on the same day as the family's usual visit.
        assert not any(v["family"] == visit["family"] and v["date"] == visit["date"]
                       for v in exported["visits"] if not v.get("part"))
    # The checker catches a joint visit whose psychologist comes at another time.
    broken = json.loads(json.dumps(exported))
    psy = next(v for v in broken["visits"] if v.get("part") == "psy")
    psy["start"], psy["end"] = "07:00", "08:00"
    assert any("without its other side" in e for e in check(broken))


def test_the_checker_catches_broken_rules(week_plan):
    _week, _outcome, exported = week_plan
    plan = json.loads(json.dumps(exported))
    visit = plan["visits"][0]
    family = next(f for f in plan["families"] if f["code"] == visit["family"])
    stranger = next(n["code"] for n in plan["nurses"] if n["code"] not in family["may_visit"])
    broken = json.loads(json.dumps(plan))
    broken["visits"][0]["nurse"] = stranger
    assert any("may not visit" in e for e in check(broken))
    broken = json.loads(json.dumps(plan))
    broken["visits"][0]["start"] = "07:00"
    assert any("windows" in e for e in check(broken))
    broken = json.loads(json.dumps(plan))
    broken["visits"] = [v for v in plan["visits"] if v["family"] != family["code"]]
    assert any("not listed as unplaced" in e for e in check(broken))


def test_team_slots_and_working_days_hold(week_plan):
    _week, _outcome, exported = week_plan
    nurses = {n["code"]: n for n in exported["nurses"]}
    # Monday's team meeting (09:00-10:00): nobody leaves before 10:00 on Monday.
    for route in exported["routes"]:
        date = dt.date.fromisoformat(route["date"])
        if date.isoweekday() == 1:
            assert route["depart"] >= "10:00"
        assert any(day["date"] == route["date"] for day in nurses[route["nurse"]]["working"])
    # Part-time: Sophie Benoît does not work on Wednesdays.
    assert not any(r["nurse"] == "p-benoit" and dt.date.fromisoformat(r["date"]).isoweekday() == 3
                   for r in exported["routes"])


def test_a_plan_stores_and_exports_codes_only(programme, week_plan):
    _week, _outcome, exported = week_plan
    with db.unit_of_work(programme) as s:
        records = homevisits.records_for_planning(s, PROGRAMME)
        plan = planning.plan_week(s, PROGRAMME, MONDAY, work_limit_s=1.0, time_limit_s=120)
        stored = json.dumps([plan.visits, plan.unplaced, plan.summary], ensure_ascii=False)
    text = json.dumps(exported, ensure_ascii=False) + stored
    for record in records:
        for secret in (record.name, record.address, record.phone, f"{record.lat:.5f}"):
            assert secret not in text
    with Session(db.get_engine(programme)) as s:
        assert s.exec(select(FamilyAccess).where(FamilyAccess.purpose == "plan")).first()
        assert s.exec(select(HomePlan)).first() is not None


def test_an_absence_moves_only_the_absent_nurses_visits(programme):
    with db.unit_of_work(programme) as s:
        plan = planning.plan_week(s, PROGRAMME, MONDAY, work_limit_s=2.0, time_limit_s=120)
        before = list(plan.visits)
        nurse = max({v["nurse"] for v in before},
                    key=lambda n: (sum(v["nurse"] == n for v in before), n))
        wednesday = MONDAY + dt.timedelta(days=2)
        result = planning.replan_absence(s, plan.id, nurse, wednesday, work_limit_s=2.0,
                                         time_limit_s=120)
        after = result.plan.visits
    assert result.plan.based_on_id == plan.id
    assert not any(v["nurse"] == nurse and v["date"] >= wednesday.isoformat() for v in after)
    hers = {(v["family"], v["date"]) for v in before
            if v["nurse"] == nurse and v["date"] >= wednesday.isoformat()}
    assert hers
    # Every other visit keeps its date and puéricultrice.
    kept = {(v["family"], v["date"], v["nurse"]) for v in after}
    for v in before:
        if (v["family"], v["date"]) not in hers:
            assert (v["family"], v["date"], v["nurse"]) in kept
    # The families to call: hers, each with what became of the visit.
    called = {(c["was"]["family"], c["was"]["date"]) for c in result.changed}
    assert hers <= called
    pairs = [(c["was"], c["now"]) for c in result.changed
             if c["now"] and (c["was"]["family"], c["was"]["date"]) in hers]
    moved = [now for _was, now in pairs]
    # To another puéricultrice, and said so: her own families' visits go to their second
    # referent or another nurse (the second referent first is the objective's order:
    # tests/solver/test_solver_home.py); those she made as a stand-in may go back to theirs.
    assert moved and all(m["nurse"] != nurse for m in moved)
    assert all(now["by"] in ("second", "other") for was, now in pairs if was["by"] == "referent")
    assert all(m["date"] >= wednesday.isoformat() for m in moved)
    # The others keep their hour too, unless their day had to change to take hers in:
    # the days that took none of her visits keep every hour.
    took = {(m["nurse"], m["date"]) for m in moved}
    start = {(v["family"], v["date"], v["nurse"]): v["start"] for v in after}
    for v in before:
        if (v["family"], v["date"]) not in hers and (v["nurse"], v["date"]) not in took \
                and v["date"] >= wednesday.isoformat():
            assert start[(v["family"], v["date"], v["nurse"])] == v["start"], v


def test_a_plan_of_the_second_solve_is_valued_without_the_bonus_for_holding_the_first(
        week_plan):
    # The second solve holds the first's sessions with a bonus (a device, not a rule): its
    # plan is valued as a plan of the week, against a bound on that value.
    week, outcome, _ = week_plan
    routes = outcome.solution.routes
    held = tuple(Pin(v.stop, v.service, r.date, r.vehicle) for r in routes for v in r.visits)
    second = dataclasses.replace(week, problem=dataclasses.replace(week.problem, preferred=held))
    plain = dataclasses.replace(week.problem, preferred=())
    with_bonus = objective(second.problem, routes, week.params)
    value = objective(plain, routes, week.params)
    assert with_bonus > value
    valued = planning._without_held(
        second, dataclasses.replace(outcome.solution, objective=with_bonus), 60.0)
    assert valued.objective == value
    assert valued.bound is not None and value <= valued.bound < with_bonus
    assert valued.routes == routes
    # The gap it gives is the demo's (two visits in a hundred-odd at most).
    assert (valued.bound - value) / valued.bound < 0.02
    # With no time left, no bound is claimed.
    assert planning._without_held(second, outcome.solution, 0.0).bound is None


def test_keep_hours_gives_back_every_hour_a_day_can_keep(week_plan):
    week, outcome, _exported = week_plan
    solution = outcome.solution
    wanted = {(v.stop, r.date): v.start_min for r in solution.routes for v in r.visits}
    # The same days re-timed: each route's visits as late as they can start (a different,
    # valid timing), then asked back.
    shifted = []
    for route in solution.routes:
        late = route
        if any("+" in v.stop for v in route.visits):
            shifted.append(route)  # a day with a joint visit: its hour is its partner's too
            continue
        for step in (60, 45, 30, 15):
            candidate = route_of(week.problem, route.vehicle, route.date, route.service,
                                 route.crew, [(v.stop, v.start_min + step) for v in route.visits])
            if not check_route(week.problem, candidate):
                late = candidate
                break
        shifted.append(late)
    assert any(a != b for a, b in zip(shifted, solution.routes, strict=True))
    moved = dataclasses.replace(solution, routes=tuple(shifted))
    back = planning.keep_hours(week, moved, wanted)
    assert {(v.stop, r.date): v.start_min for r in back.routes for v in r.visits} == wanted
    # A joint visit keeps its minute, whatever is asked: its partner's route is not re-timed.
    joint = {key: at + 60 for key, at in wanted.items() if "+" in key[0]}
    assert joint
    kept = planning.keep_hours(week, solution, {**wanted, **joint})
    assert {(v.stop, r.date): v.start_min for r in kept.routes for v in r.visits} == wanted
    assert check_solution(week.problem, kept) == []
    # Asked for hours a day cannot hold (before it starts), a route stays valid.
    early = {key: 6 * 60 for key in wanted}
    kept = planning.keep_hours(week, solution, early)
    assert all(not check_route(week.problem, r) for r in kept.routes)


def test_referral_options_keep_every_rule_and_every_other_day(programme):
    windows = [{"weekday": d, "from": f, "to": t} for d in range(1, 6)
               for f, t in (("09:00", "12:30"), ("13:30", "17:30"))]
    with db.unit_of_work(programme) as s:
        plan = planning.plan_week(s, PROGRAMME, MONDAY, work_limit_s=2.0, time_limit_s=120)
        territory = s.exec(select(HomeTerritory).where(HomeTerritory.code == "montpellierain")).one()
        commune = s.get(Commune, territory.communes[0])
        record = homevisits.FamilyRecord(
            code="F-9001", territory="montpellierain", referent="", lat=commune.lat,
            lon=commune.lon, visits_per_week=2, min_spacing_days=2, visit_min=60,
            windows=windows)
        options = referral.referral_options(s, plan.id, record)
        week = referral._week(s, plan, record)
    assert options
    keys = [o.key() for o in options]
    assert keys == sorted(keys)
    assert keys[0][0] == 0  # this territory has room: the best option moves no visit
    _assert_option_keeps_the_rules(week, plan, options, "F-9001")


def _assert_option_keeps_the_rules(week, plan, options, code):
    """Each option's days keep the solver's rules; every other visit stays on its day but
    the one the option moves, which goes to another day of the same puéricultrice inside
    its family's windows (the route's rules) and spacing."""
    held = {(v["family"], v["date"]): v for v in plan.visits}
    for option in options:
        assert len(option.days) == 2
        assert (option.days[1].date - option.days[0].date).days >= 2
        moved = {(m.family, m.date.isoformat()) for _d, m in option.moved}
        assert len(moved) <= 1
        routes = [d.route for d in option.days] + [m.route for _d, m in option.moved]
        for route in routes:
            assert not check_route(week.problem, route)  # the solver's own rules
            assert sum(1 for v in route.visits) <= 4
            for visit in route.visits:
                if visit.stop != code:  # every other visit stays on its day
                    family = planning.family_part(visit.stop)[0]  # a joint visit's family
                    assert (family, route.date.isoformat()) in held \
                        or (family, route.date.isoformat()) in moved
        for day in option.days:
            start = next(v.start_min for v in day.route.visits if v.stop == code)
            assert start == day.start_min
        for left, move in option.moved:
            assert move.date != left and held[(move.family, left.isoformat())]["nurse"] == option.nurse
            spacing = max(f["min_spacing_days"] for f in [_rules(week, move.family)])
            for other in {d for f, d in held if f == move.family} - {left.isoformat()}:
                assert abs((move.date - dt.date.fromisoformat(other)).days) >= spacing


def _rules(week, family):
    parts = {planning.family_part(s.id)[1]: s for s in week.problem.stops
             if planning.family_part(s.id)[0] == family}
    return planning._family_rules(week, family, parts)


def test_full_days_take_a_new_family_by_moving_one_visit_to_another_day(tmp_path, monkeypatch):
    """Where every day of the territory's puéricultrices is full in the family's windows,
    an option moves one visit to another day; taking it on gives a plan the independent
    checker accepts, and lists the moved family for a phone call."""
    monkeypatch.setenv(privacy.ENV, Fernet.generate_key().decode())
    url = f"sqlite:///{tmp_path / 'full.db'}"
    db.upgrade(url)
    with db.unit_of_work(url) as s:
        seed_programme(s)
    windows = [{"weekday": d, "from": f, "to": t} for d in range(1, 6)
               for f, t in (("09:00", "12:30"), ("13:30", "17:30"))]
    with db.unit_of_work(url) as s:
        plan = planning.plan_week(s, PROGRAMME, MONDAY, work_limit_s=2.0, time_limit_s=120)
        found = None
        # The Lunellois first: its three puéricultrices' days are the fullest of the demo.
        for area in sorted(s.exec(select(HomeTerritory).where(HomeTerritory.active)).all(),
                           key=lambda t: (t.code != "lunellois", t.code)):
            for insee in area.communes:
                commune = s.get(Commune, insee)
                record = homevisits.FamilyRecord(
                    code="F-9002", territory=area.code, referent="", lat=commune.lat,
                    lon=commune.lon, visits_per_week=2, min_spacing_days=2, visit_min=60,
                    windows=windows, name="Famille Orientée")
                options = referral.referral_options(s, plan.id, record)
                moving = [o for o in options if o.moved]
                if moving:
                    found = record, options, moving[0]
                    break
            if found:
                break
        assert found, "no new family needed a visit moved to another day"
        record, options, option = found
        week = referral._week(s, plan, record)
        _assert_option_keeps_the_rules(week, plan, options, record.code)
        new = referral.take_on(s, plan.id, record, option, "test")
        (left, move), = option.moved
        # The moved family is listed for a phone call, with its new day.
        calls = {(c["family"], c["was"]["date"], c["now"]["date"] if c["now"] else None)
                 for c in new.summary["changed"]}
        assert (move.family, left.isoformat(), move.date.isoformat()) in calls
        assert sum(v["family"] == record.code for v in new.visits) == 2
        others = frozenset({v["family"] for v in new.visits if v["by"] == "other"} | {record.code})
        after = planning.build_week(s, PROGRAMME, MONDAY, 1, others_for=others)
        solution = edited_solution(after.problem, planning.routes_of(after, new.visits))
        exported = planning.export(planning.HomeOutcome(
            after, solution, planning.planned_visits(after, solution)))
        exported["unplaced"] = new.unplaced
    assert check(json.loads(json.dumps(exported))) == []


def test_later_weeks_keep_the_hours_of_the_week_before_where_they_can(programme):
    with db.unit_of_work(programme) as s:
        build = lambda **kw: planning.build_week(s, PROGRAMME, MONDAY, 2, time_limit_s=120,
                                                 work_limit_s=WORK, **kw)
        outcome = planning.solve_week(build(), build)
        stable = planning.with_usual_hours(s, outcome)
    week = dt.timedelta(days=7)

    def same_hour(visits):
        at = {(v.family, v.date): v.start_min for v in visits}
        return sum(at.get((v.family, v.date - week)) == v.start_min for v in visits)

    # More stable (this week leaves room to), never more driving, every rule kept, the same
    # visits on the same days.
    assert same_hour(stable.visits) > same_hour(outcome.visits)
    assert stable.solution.kpis.driving_min <= outcome.solution.kpis.driving_min
    assert not check_solution(stable.week.problem, stable.solution)
    assert sorted((v.family, v.date, v.nurse) for v in stable.visits) == \
        sorted((v.family, v.date, v.nurse) for v in outcome.visits)
    assert check(planning.export(stable)) == []


def test_workshops_keep_facilitators_and_families_free_with_the_way_there(week_plan):
    _week, _outcome, exported = week_plan
    assert exported["workshops"]  # the demo's of that week
    index = {code: k for k, code in enumerate(exported["places"])}
    travel = exported["travel_min"]
    working = {(n["code"], day["date"]): day["pieces"] for n in exported["nurses"]
               for day in n["working"]}
    seen = 0
    for shop in exported["workshops"]:
        lo, hi, place = _min(shop["from"]), _min(shop["to"]), index[shop["place"]]
        for nurse in shop["facilitators"]:
            for a, b in working.get((nurse, shop["date"]), []):
                # Her working pieces leave the workshop out, with the way from and to her office.
                assert _min(b) + travel[index[nurse]][place] <= lo \
                    or hi + travel[place][index[nurse]] <= _min(a)
        for v in exported["visits"]:
            if v["date"] == shop["date"] and (v["nurse"] in shop["facilitators"]
                                              or v["family"] in shop["invited"]):
                here = index[v["family"]]
                assert _min(v["end"]) + travel[here][place] <= lo \
                    or hi + travel[place][here] <= _min(v["start"])
                seen += 1
    assert seen  # the rule was met by visits of those dates, not by an empty day
    # The independent checker sees a visit held during a workshop.
    visit = next(v for v in exported["visits"] if v["date"] == exported["workshops"][0]["date"])
    broken = json.loads(json.dumps(exported))
    broken["workshops"][0] |= {"from": visit["start"], "to": visit["end"],
                               "invited": [*broken["workshops"][0]["invited"], visit["family"]],
                               "capacity": len(broken["workshops"][0]["invited"]) + 1}
    assert any("must be at the workshop" in e for e in check(broken))
    broken["workshops"][0]["capacity"] = 1
    assert any("places" in e for e in check(broken))


def test_a_workshop_is_refused_with_the_field_to_fix_and_nothing_saved(programme):
    base = WorkshopInput(territory="lunellois", label="Chant", date=MONDAY, start_min=600,
                         end_min=690, place_label="Salle", place_lat=43.68, place_lon=4.13,
                         capacity=2, facilitators=("p-hugon",), invited=("F-0061",))
    for change, field in (({"capacity": 0}, "capacity"), ({"invited": ("F-0061", "F-0062", "F-0063")}, "invited"),
                          ({"facilitators": ("p-nobody",)}, "facilitators"),
                          ({"facilitators": ()}, "facilitators"),
                          ({"date": MONDAY + dt.timedelta(days=5)}, "date"),
                          ({"end_min": 600}, "end"), ({"invited": ("F-9999",)}, "invited"),
                          ({"territory": "nowhere"}, "territory"), ({"label": " "}, "label")):
        with db.unit_of_work(programme) as s:
            count = len(s.exec(select(HomeWorkshop)).all())
            with pytest.raises(InvalidInput, match=f"^{field} :"):
                save_workshop(s, PROGRAMME, dataclasses.replace(base, **change))
            assert len(s.exec(select(HomeWorkshop)).all()) == count


def _min(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def test_later_weeks_keep_the_weekdays_of_the_week_before(programme, monkeypatch):
    """Stable days come after travel in the objective: a plan of two weeks puts more of a
    family's second-week visits on the weekdays of its first week than a plan without the
    term, and places as many visits."""
    week = dt.timedelta(days=7)

    def planned(cost: int):
        monkeypatch.setattr(planning, "STABLE_DAY_COST", cost)
        with db.unit_of_work(programme) as s:
            build = lambda **kw: planning.build_week(s, PROGRAMME, MONDAY, 2, time_limit_s=120,
                                                     work_limit_s=WORK, **kw)
            outcome = planning.solve_week(build(), build)
        assert check(planning.export(outcome)) == []
        days = {(v.family, v.date) for v in outcome.visits}
        later = [v for v in outcome.visits if v.date >= MONDAY + week]
        return len(outcome.visits), sum((v.family, v.date - week) in days for v in later) / len(later)

    visits, same_day = planned(planning.STABLE_DAY_COST)
    visits_without, same_day_without = planned(0)
    assert visits >= visits_without - 2
    assert same_day >= same_day_without + 0.05, (same_day, same_day_without)
