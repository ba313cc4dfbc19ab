"""A starting scenario for any département, generated from the national communes file.

It lets a coordinator (or a benchmark) plan a whole département at once: the
prevention bus service of the Indre-et-Loire demo, one vehicle per cluster of
stops based in the largest town near it, a staff pool per vehicle with part-time days, and
candidate stops in the villages with the most young children, spread out so
that no two stops are closer than ``min_gap_km``. Everything is deterministic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, select

from outreach.access.travel import GeodesicTravelModel
from outreach.data import roads
from outreach.data.communes import import_communes
from outreach.data.scenarios import CrossingSpec, ScenarioSpec, field_problems
from outreach.errors import InvalidInput, msg
from outreach.models import Commune

URBAN_GAP_KM = 2.0  # stops of an urban département: towns at least this far apart
WEEKDAY_PATTERNS = ([2, 4], [1, 3], [2, 3, 4], [1, 2, 4, 5], [1, 2, 3, 4, 5], [3, 5])


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def candidate_stops(communes: Sequence[Commune], count: int, base: Commune,
                    min_gap_km: float = 6.0, urban: bool = False,
                    taken: list[Commune] | None = None) -> list[Commune]:
    """Villages of ``communes`` (300 to 5,000 inhabitants, 15 km or more from the largest
    town) with the most young children, at least ``min_gap_km`` apart (and from the stops
    already ``taken``). ``urban``: for a département with few such villages (the Petite
    Couronne), any commune but the largest, however near or large."""
    travel = GeodesicTravelModel(circuity=1.0)
    villages = sorted((c for c in communes if c.insee != base.insee
                       and (urban or 300 <= c.population <= 5000)),
                      key=lambda c: (-c.children_0_6, c.insee))
    chosen: list[Commune] = []
    before = list(taken or [])
    for commune in villages:
        here = (commune.lat, commune.lon)
        if not urban and travel.road_m(here, (base.lat, base.lon)) < 15_000:
            continue
        if all(travel.road_m(here, (c.lat, c.lon)) >= min_gap_km * 1000
               and c.insee != commune.insee for c in before + chosen):
            chosen.append(commune)
        if len(chosen) == count:
            break
    return chosen


def bases_for(communes: list[Commune], stops: list[Commune], count: int) -> list[Commune]:
    """One base per vehicle: the largest town near each of ``count`` clusters of the stops
    (a few rounds of k-means from a deterministic start)."""
    points = sorted((c.lat, c.lon) for c in stops) or [(c.lat, c.lon) for c in communes]
    centres = [points[i * len(points) // count] for i in range(count)]
    for _ in range(20):
        groups: list[list[tuple[float, float]]] = [[] for _ in centres]
        for p in points:
            nearest = min(range(len(centres)),
                          key=lambda k: (p[0] - centres[k][0]) ** 2 + (p[1] - centres[k][1]) ** 2)
            groups[nearest].append(p)
        centres = [(sum(p[0] for p in g) / len(g), sum(p[1] for p in g) / len(g)) if g else c
                   for g, c in zip(groups, centres)]
    travel = GeodesicTravelModel(circuity=1.0)
    bases = []
    for centre in centres:
        near = [c for c in communes if travel.road_m((c.lat, c.lon), centre) <= 20_000]
        bases.append(max(near, key=lambda c: (c.population, c.insee)) if near else
                     min(communes, key=lambda c: travel.road_m((c.lat, c.lon), centre)))
    return bases


def generate_spec(session: Session, departement: str, stops: int = 40, vehicles: int = 2,
                  start: dt.date | None = None, scenario_id: str | None = None,
                  crossings: Sequence[CrossingSpec] = ()) -> ScenarioSpec:
    """A validated scenario for ``departement`` (loading its communes if needed), named
    ``scenario_id`` (default ``auto-<code>``). With ``crossings``, its bus takes those
    ferries, and each island they reach gets a stop in its commune with the most young
    children (one of the ``stops``)."""
    code = departement.upper()
    if session.exec(select(Commune).where(Commune.departement == code)).first() is None:
        import_communes(session, code)
    every = session.exec(select(Commune).where(Commune.departement == code)).all()
    largest = max(every, key=lambda c: (c.population, c.insee))
    # The vehicles drive on the largest town's land: communes no road joins to it
    # (Marie-Galante, Belle-Île...) are not offered stops.
    communes = [c for c in every if roads.by_road(c.insee, largest.insee)]
    crossed = sorted({c.land for c in crossings})
    off_land = sorted({roads.land_name(c.insee) for c in every
                       if roads.land_of(c.insee) not in crossed}
                      - {roads.land_name(largest.insee)})
    islands = [max((c for c in every if roads.land_of(c.insee) == land),
                   key=lambda c: (c.children_0_6, c.insee), default=None) for land in crossed]
    on_islands = [c for c in islands if c is not None][:stops]
    stops -= len(on_islands)
    chosen = candidate_stops(communes, stops, largest) if stops else []
    if len(chosen) < stops // 2:  # an urban département: its towns make up the rest
        chosen += candidate_stops(communes, stops - len(chosen), largest, URBAN_GAP_KM,
                                  urban=True, taken=chosen)
    if not chosen and not on_islands:
        raise InvalidInput(msg(
            "Département %(code)s : une seule commune (%(name)s), aucun arrêt à proposer. Un "
            "scénario généré place ses arrêts dans les communes autres que la plus peuplée ; "
            "décrivez les arrêts par quartier dans un fichier de scénario et chargez-le avec "
            "« outreach import-scenario ».", code=code, name=largest.name))
    bases = bases_for(list(communes), chosen or [largest], vehicles)
    chosen += on_islands
    scenario_id = scenario_id or f"auto-{code.lower()}"
    staff: list[dict[str, Any]] = []
    for v in range(vehicles):
        team = [("doctor", 0), ("doctor", 1), ("midwife", 5), ("puericultrice", 2),
                ("puericultrice", 1), ("driver", 4), ("driver", 3)]
        for n, (role, pattern) in enumerate(team):
            staff.append({"id": f"v{v + 1}-{role}-{n + 1}".replace("_", "-"),
                          "name": f"{role} {n + 1} (véhicule {v + 1})",
                          "roles": [role], "weekdays": WEEKDAY_PATTERNS[pattern],
                          "day_start": "07:30", "day_end": "18:30"})
    stop_specs = []
    for commune in chosen:
        days = [d for d in (1, 2, 3, 4, 5) if _stable(commune.insee + str(d)) % 3 != 0] or [2]
        stop_specs.append({
            "id": f"{commune.insee.lower()}-salle", "commune_insee": commune.insee,
            "venue": "Salle des fêtes", "services": ["bus-prevention"],
            "windows": [{"weekday": d, "from": "08:30", "to": "17:30"} for d in days],
        })
    data = {
        "scenario": {"id": scenario_id, "name": f"Département {code} — scénario généré",
                     "departement": code, "default_start": (start or dt.date(2027, 1, 4)).isoformat(),
                     "default_weeks": 4,
                     "description": f"{len(chosen)} arrêts candidats dans les villages du département "
                                    f"{code} les plus peuplés en jeunes enfants, {vehicles} véhicule(s)."
                                    + (f" Sans route depuis {largest.name}, donc sans arrêt : "
                                       f"{', '.join(off_land)}." if off_land else "")
                                    + (f" Par traversée : {', '.join(c.name for c in on_islands)}."
                                       if on_islands else "")},
        "services": [{
            "id": "bus-prevention", "name": "Bus de la prévention",
            "required_roles": [["doctor", "midwife"], ["puericultrice"], ["driver"]],
            "session_min": 360, "setup_min": 30, "packup_min": 30, "earliest_start": "10:00",
            "latest_end": "16:00", "visits_per_period": 1, "period_weeks": 4,
            "min_spacing_days": 21, "max_sessions_per_day": 1, "access_threshold_min": 30,
            "crossings": [c.model_dump() for c in crossings]}],
        "vehicles": [{"id": f"bus-{v + 1}", "name": f"Bus {v + 1}", "base_insee": bases[v].insee,
                      "base_name": bases[v].name, "services": ["bus-prevention"],
                      "weekdays": [1, 2, 3, 4, 5], "max_duty_min": 600,
                      "shift_start": "07:30", "shift_end": "19:00"} for v in range(vehicles)],
        "staff": staff,
        "stops": stop_specs,
    }
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as error:  # a crossing that does not fit the generated bases
        raise InvalidInput(f"Département {code} : scénario impossible à générer :",
                           [f"champ {where} : {text}"
                            for where, text in field_problems(error)]) from None
