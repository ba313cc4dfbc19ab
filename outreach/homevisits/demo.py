"""The demo home-visit programme (``seeds/programmes/*.toml``): its territories and
puéricultrices as written, and fictional families drawn at random (a fixed seed) in the
territories' communes in proportion to their young children, each placed at a random
point inside its commune's boundary (never an address)."""

from __future__ import annotations

import math
import random
import tomllib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from outreach import config
from outreach.data.boundaries import Polygons, commune_polygons, contains
from outreach.data.communes import import_communes
from outreach.data.organisations import ensure_organisation
from outreach.db import use_case
from outreach.errors import InvalidInput
from outreach.homevisits import PUERICULTRICE, FamilyRecord, save_family
from outreach.homevisits.workshops import WorkshopInput, save_workshop
from outreach.models import (
    Commune,
    HomeNurse,
    HomeProgramme,
    HomeTeamSlot,
    HomeTerritory,
    HomeWorkshop,
)
from outreach.timefmt import parse_hhmm

FIRST_NAMES = ("Amandine", "Leïla", "Océane", "Jessica", "Sarah", "Fatima", "Mélanie", "Kelly",
               "Nora", "Aïcha", "Coralie", "Samia", "Élodie", "Mégane", "Yasmina", "Laetitia")
SURNAMES = ("Albert", "Bouzid", "Castel", "Dumas", "Ferrand", "Gilles", "Hamdi", "Jullian",
            "Lambert", "Marty", "Naceri", "Ortiz", "Pujol", "Rouvière", "Sabatier", "Teisseire",
            "Vidal", "Zerrouki")
STREETS = ("rue des Lilas", "avenue des Platanes", "impasse du Moulin", "rue de la Fontaine",
           "chemin des Vignes", "place de l'Église", "rue du Stade", "allée des Pins")
NOTES = ("Premier enfant ; mère isolée.", "Jumeaux de 4 mois ; fatigue importante.",
         "Suivi après une sortie de néonatologie.", "Parents demandeurs d'aide pour le sommeil.",
         "Famille récemment arrivée ; pas de médecin traitant.", "")


def programmes_dir() -> Path:
    return config.seeds_dir() / "programmes"


def random_point(polygons: Polygons, rng: random.Random) -> tuple[float, float]:
    """A point drawn uniformly inside ``polygons`` (rejection in the bounding box)."""
    xs = [x for polygon in polygons for ring in polygon for x, _ in ring]
    ys = [y for polygon in polygons for ring in polygon for _, y in ring]
    for _ in range(10_000):
        lon, lat = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
        if contains(polygons, lon, lat):
            return round(lat, 5), round(lon, 5)
    raise InvalidInput("no point found inside a commune boundary")


def _windows(rng: random.Random, not_wednesday: bool) -> list[dict[str, Any]]:
    """When the family may be visited: mornings, afternoons or both, every weekday but
    Wednesday for some."""
    days = [d for d in (1, 2, 3, 4, 5) if not (not_wednesday and d == 3)]
    mornings = rng.random() < 0.8
    afternoons = not mornings or rng.random() < 0.7
    windows = []
    for day in days:
        if mornings:
            windows.append({"weekday": day, "from": "09:00", "to": "12:30"})
        if afternoons:
            windows.append({"weekday": day, "from": "13:30", "to": "17:30"})
    return windows


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Kilometres on a flat local projection (enough to rank nearby offices)."""
    return math.hypot((a[0] - b[0]) * 111.0, (a[1] - b[1]) * 111.0 * math.cos(math.radians(a[0])))


def nearest(codes: Sequence[str], offices: dict[str, tuple[float, float]],
             point: tuple[float, float]) -> list[str]:
    """``codes`` by the distance of their office from ``point``."""
    return sorted(codes, key=lambda code: (_km(offices[code], point), code))


def _spread(count: int, weights: Sequence[tuple[str, int]]) -> list[str]:
    """``count`` communes drawn in proportion to their weights, by largest remainders
    (deterministic)."""
    total = sum(w for _, w in weights) or 1
    shares = [(insee, count * w / total) for insee, w in weights]
    chosen = {insee: int(share) for insee, share in shares}
    left = count - sum(chosen.values())
    for insee, share in sorted(shares, key=lambda s: (-(s[1] - int(s[1])), s[0]))[:left]:
        chosen[insee] += 1
    return [insee for insee, n in sorted(chosen.items()) for _ in range(n)]


@use_case
def seed_programme(session: Session, name: str = "herault-appui-parental",
                   spec: dict[str, Any] | None = None) -> HomeProgramme:
    """Load a demo programme, or load it again: the same seed draws the same families,
    saved over those of the same code (their access log stays). ``spec``: the programme's
    file as read (:func:`programme_spec`), changed (a larger programme for a benchmark)."""
    spec = spec or programme_spec(name)
    head = spec["programme"]
    organisation = ensure_organisation(session, head["departement"], head["organisation"])
    if session.get(Commune, head["departement"] + "001") is None:
        import_communes(session, head["departement"])
    communes = {c.name: c for c in session.exec(select(Commune).where(
        Commune.departement == head["departement"]))}
    programme = session.get(HomeProgramme, head["id"]) or HomeProgramme(
        id=head["id"], organisation_id=organisation.id, name=head["name"],
        departement=head["departement"])
    programme.max_visits_per_day = head.get("max_visits_per_day", 4)
    programme.retention_days = head.get("retention_days", 365)
    session.add(programme)
    territories: dict[str, list[Commune]] = {}
    active: dict[str, bool] = {}
    quotas: dict[str, int] = {}
    for t in spec["territories"]:
        missing = [n for n in t["communes"] if n not in communes]
        if missing:
            raise InvalidInput(f"{name}: communes inconnues dans {t['code']} : {missing}")
        territories[t["code"]] = [communes[n] for n in t["communes"]]
        active[t["code"]] = t.get("active", True)
        if "families" in t:
            quotas[t["code"]] = t["families"]
        area = session.exec(select(HomeTerritory).where(
            HomeTerritory.programme_id == programme.id, HomeTerritory.code == t["code"])).first()
        area = area or HomeTerritory(programme_id=programme.id, code=t["code"], name=t["name"])
        area.name, area.active = t["name"], active[t["code"]]
        area.communes = [c.insee for c in territories[t["code"]]]
        session.add(area)
    nurses: dict[str, list[str]] = {}
    offices: dict[str, tuple[float, float]] = {}
    for n in spec["nurses"]:
        office = communes[n["office"]]
        row = session.exec(select(HomeNurse).where(HomeNurse.programme_id == programme.id,
                                                   HomeNurse.code == n["code"])).first()
        row = row or HomeNurse(programme_id=programme.id, code=n["code"], name=n["name"],
                               territory=n["territory"], base_label="", base_lat=office.lat,
                               base_lon=office.lon)
        row.name, row.territory, row.weekdays = n["name"], n["territory"], list(n["weekdays"])
        row.profession = n.get("profession", PUERICULTRICE)
        row.base_label = f"Antenne des solidarités de {office.name} (fictive)"
        row.base_lat, row.base_lon = office.lat, office.lon
        session.add(row)
        if row.profession == PUERICULTRICE:  # the families' referents
            nurses.setdefault(n["territory"], []).append(n["code"])
            offices[n["code"]] = (office.lat, office.lon)
    for old in session.exec(select(HomeTeamSlot).where(HomeTeamSlot.programme_id == programme.id)):
        session.delete(old)
    for slot in spec.get("team_slots", []):
        session.add(HomeTeamSlot(programme_id=programme.id, label=slot["label"],
                                 weekday=slot["weekday"], start_min=parse_hhmm(slot["from"], "team_slots.from"),
                                 end_min=parse_hhmm(slot["to"], "team_slots.to"),
                                 territory=slot.get("territory", "")))
    session.flush()
    rng = random.Random(head.get("seed", 0))
    joint_rng = random.Random(head.get("seed", 0) + 1)  # its own draw: the families stay
    polygons = commune_polygons([head["departement"]])
    planned = [t for t in territories if active[t]]
    extension = [t for t in territories if not active[t]]
    number = 0
    drawn_at: list[tuple[str, str, tuple[float, float]]] = []  # (code, referent, point)
    for group, count in ((planned, head.get("families", 80)),
                         (extension, head.get("extension_families", 0))):
        territory_of = {c.insee: t for t in group for c in territories[t]}
        by_insee = {c.insee: c for t in group for c in territories[t]}
        # Each territory its share (``families`` in its table, else by young children),
        # spread over its communes by young children.
        shares = {t: quotas[t] for t in group if t in quotas}
        rest = [t for t in group if t not in quotas]
        if rest:
            weights = [(t, sum(c.children_0_6 for c in territories[t])) for t in rest]
            spread = _spread(count - sum(shares.values()), weights)
            shares |= {t: spread.count(t) for t in rest}
        drawn = [insee for t in group for insee in _spread(
            shares[t], [(c.insee, c.children_0_6) for c in territories[t]])]
        load: Counter[str] = Counter()
        cap = {t: -(-sum(territory_of[i] == t for i in drawn) // len(nurses[t])) for t in group}
        for insee in drawn:
            number += 1
            territory = territory_of[insee]
            lat, lon = random_point(polygons[insee], rng)
            # The referent: the nearest office with room (an even share of the territory's
            # families); the second referent: the nearest other office.
            team = nearest(nurses[territory], offices, (lat, lon))
            referent = next(c for c in team if load[c] < cap[territory])
            load[referent] += 1
            drawn_at.append((f"F-{number:04d}", referent, (lat, lon)))
            second = next((c for c in team if c != referent), None)
            visits = rng.choices((2, 3, 4), weights=(90, 9, 1))[0]
            save_family(session, programme.id, FamilyRecord(
                code=f"F-{number:04d}", territory=territory, referent=referent,
                second_referent=second,
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
                address=f"{rng.randint(1, 60)} {rng.choice(STREETS)}, {by_insee[insee].name} "
                        "(adresse fictive)",
                phone=f"04 65 71 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}",
                notes=rng.choice(NOTES), lat=lat, lon=lon, commune_insee=insee,
                visits_per_week=visits, min_spacing_days=1 if visits > 2 else 2,
                visit_min=60, windows=_windows(rng, rng.random() < 0.3),
                joint_visits_per_week=int(joint_rng.random() < head.get("joint_share", 0.0))))
    session.flush()
    _seed_workshops(session, programme, spec.get("workshops", []), communes, drawn_at)
    return programme


def _seed_workshops(session: Session, programme: HomeProgramme, specs: Sequence[dict[str, Any]],
                    communes: dict[str, Commune],
                    drawn: Sequence[tuple[str, str, tuple[float, float]]]) -> None:
    """The spec's workshops, in place of the programme's: each invites the families its
    facilitators follow, the nearest to its place first."""
    for old in session.exec(select(HomeWorkshop).where(HomeWorkshop.programme_id == programme.id)):
        session.delete(old)
    session.flush()
    points = {code: at for code, _, at in drawn}
    for spec in specs:
        where = communes[spec["commune"]]
        point = (where.lat, where.lon)
        near = sorted((code for code, referent, _ in drawn if referent in spec["facilitators"]),
                      key=lambda code: (_km(points[code], point), code))
        save_workshop(session, programme.id, WorkshopInput(
            territory=spec["territory"], label=spec["label"], date=spec["date"],
            start_min=parse_hhmm(spec["from"], "workshops.from"),
            end_min=parse_hhmm(spec["to"], "workshops.to"),
            place_label=f"{spec['place']}, {where.name}", place_lat=where.lat,
            place_lon=where.lon, capacity=spec["capacity"],
            facilitators=tuple(spec["facilitators"]), invited=tuple(near[:spec["invited"]])))


def programme_spec(name: str) -> dict[str, Any]:
    """The demo programme file ``seeds/programmes/<name>.toml``, as read."""
    return tomllib.loads((programmes_dir() / f"{name}.toml").read_text(encoding="utf-8"))


def demo_programme_names() -> list[str]:
    return sorted(p.stem for p in programmes_dir().glob("*.toml"))
