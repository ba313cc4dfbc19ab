"""Ruin and recreate: a plan made better by taking out a few related sessions and
inserting again (:func:`solver.repair.fill`, synchronised pairs together), kept
when the objective does not fall."""

from __future__ import annotations

import random

from solver.budget import Budget
from solver.model import Stop
from solver.periods import target_visits
from solver.repair import (
    DayKey,
    Focus,
    PlanState,
    enforce_sync,
    fill,
    free_candidates,
    insert_synchronised,
    insertion_options,
    put_shortened,
)

RUIN_MIN, RUIN_MAX = 2, 6  # sessions taken out per round
# Work of a round, in reference seconds (see solver.budget): each day-route timed, and
# each session of the plan (taking stock and valuing the plan).
S_PER_ROUTE_TIMED = 1 / 11_000
S_PER_SESSION_ROUND = 2.5e-5
SHORT_SHARE = 0.5  # of the rounds, when stops are short of sessions: room made around one


def _insert_first(state: PlanState, stop: Stop) -> None:
    """One session of ``stop`` (with its partner's, when synchronised) at its best place,
    when that pays."""
    inst = state.inst
    if stop.id in inst.sync_of:
        sync = inst.sync_of[stop.id]
        insert_synchronised(state, inst.stops[sync.first])
        return
    service = next(s for s in inst.problem.services if s.id in stop.services)
    best = next(iter(insertion_options(state, stop, service)), None)
    if best is not None and best.gain > 0:
        state.put(best.route)


def ruin_and_recreate(state: PlanState, budget: Budget, seed: int) -> dict[str, float]:
    """Rounds until ``budget``'s work is spent (counted in day-routes timed and
    sessions valued, see :data:`S_PER_ROUTE_TIMED`): a session drawn at random, or a place around a stop
    still short of sessions, and the sessions of that date nearest it (pinned ones
    stay) are taken out, the plan filled again; the round is kept when the
    objective is at least as good. Deterministic for a seed and a budget; the
    budget's wall clock only stops it early (recorded)."""
    rng = random.Random(seed)
    inst = state.inst
    value = state.value()
    better = kept = done = 0
    spent = 0.0
    while spent < budget.work_s:
        if budget.past_deadline():
            budget.hit("improve")
            break
        done += 1
        timed = inst.routes_timed
        sessions = sorted((key, stop.id) for key, day in state.days.items() for stop in day.stops
                          if (stop.id, day.service.id, key[1]) not in state.pinned)
        if not sessions:
            break
        short = [stop for stop in inst.problem.stops for service in inst.problem.services
                 if service.id in stop.services
                 and len(state.session_dates(stop, service)) < target_visits(inst.problem, stop,
                                                                             service)]
        anchor = None
        if short and rng.random() < SHORT_SHARE:
            # Room around a stop still short of sessions, on one of the plan's dates,
            # and that stop inserted first.
            stop = anchor = rng.choice(short)
            here = stop.location
            dates = sorted({key[1] for key, _ in sessions})
            date = rng.choice(dates)
        else:
            (_vehicle, date), stop_id = rng.choice(sessions)
            here = inst.stops[stop_id].location
        near = sorted((s for s in sessions if s[0][1] == date),
                      key=lambda s: (inst.travel(here, inst.stops[s[1]].location)
                                     + rng.randrange(30), s))
        taken = near[:rng.randint(RUIN_MIN, RUIN_MAX)]
        saved = state.snapshot()
        by_day: dict[DayKey, set[str]] = {}
        for key, sid in taken:
            by_day.setdefault(key, set()).add(sid)
        for key, gone in sorted(by_day.items()):
            day = state.days[key]
            state.remove(key)
            rest = [s for s in day.stops if s.id not in gone]
            if rest:
                put_shortened(state, day, rest, [free_candidates(state, day.date, day)])
        enforce_sync(state)
        if anchor is not None:
            _insert_first(state, anchor)
        # The ruin made the room: on its date, and for the sessions it took out (and their
        # partners and spacing groups) wherever they fit; elsewhere the plan is as before.
        freed = {sid for _key, sid in taken}
        freed |= {s.id for sid in list(freed) for s in (
            *inst.spacing_groups.get(inst.stops[sid].spacing_group, ()),
            *([inst.sync_partner[sid]] if sid in inst.sync_partner else []))}
        fill(state, rng, room_attempts=0, focus=Focus(frozenset(freed), (date,)))
        new = state.value()
        spent += ((inst.routes_timed - timed) * S_PER_ROUTE_TIMED
                  + len(sessions) * S_PER_SESSION_ROUND)
        if new > value:
            better += 1
        if new >= value:
            kept += 1
            value = new
        else:
            state.restore(saved)
    return {"improve_rounds": float(done), "improve_better": float(better),
            "improve_kept": float(kept)}
