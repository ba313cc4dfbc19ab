"""Communes: import from the national seed file, young-children figures, look-ups.

The seed file ``seeds/communes/communes.csv.xz`` holds every commune of France
(see seeds/SOURCE.md). No per-commune count of young children ships offline,
so it is estimated from population (:data:`CHILDREN_0_6_SHARE`) until a
coordinator imports real figures.
"""

from __future__ import annotations

import csv
import io
import lzma
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from outreach import audit, config
from outreach.db import use_case
from outreach.errors import InvalidInput, UnknownDepartement
from outreach.models import Commune

# Children aged 0 to 6 are about 6-7 % of the French population (INSEE age
# pyramids; DESIGN.md "Data and real components"). 6.5 % is the midpoint.
CHILDREN_0_6_SHARE = 0.065

SEED_COLUMNS = [
    "insee", "name", "departement", "postcodes", "population", "population_year",
    "lat", "lon", "point_source",
]


def seed_path() -> Path:
    return config.seeds_dir() / "communes" / "communes.csv.xz"


def normalise_name(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces, "st" as "saint"."""
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[-'’`.,/]+", " ", text)
    text = re.sub(r"\bste\b", "sainte", text)
    text = re.sub(r"\bst\b", "saint", text)
    return " ".join(text.split())


def estimate_children(population: int) -> int:
    return round(population * CHILDREN_0_6_SHARE)


@dataclass(frozen=True)
class SeedCommune:
    insee: str
    name: str
    departement: str
    postcodes: str
    population: int
    population_year: int
    lat: float
    lon: float
    point_source: str


def read_seed(path: Path | None = None) -> Iterator[SeedCommune]:
    """Rows of the national communes file, in INSEE order."""
    with lzma.open(path or seed_path(), "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != SEED_COLUMNS:
            raise InvalidInput(
                f"communes seed file has columns {reader.fieldnames}, expected {SEED_COLUMNS}"
            )
        for row in reader:
            yield SeedCommune(
                insee=row["insee"],
                name=row["name"],
                departement=row["departement"],
                postcodes=row["postcodes"],
                population=int(row["population"]),
                population_year=int(row["population_year"]),
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                point_source=row["point_source"],
            )


def import_communes(session: Session, departement: str, path: Path | None = None) -> int:
    """Load (or refresh) one département's communes; returns how many.

    Imported children figures survive a refresh; estimated ones follow the
    new population.
    """
    code = departement.strip().upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    rows = [row for row in read_seed(path) if row.departement == code]
    if not rows:
        raise UnknownDepartement(
            f"Département inconnu : {departement!r}. Donnez un code officiel comme 37, 2A, 971."
        )
    existing = {
        c.insee: c
        for c in session.exec(select(Commune).where(Commune.departement == code)).all()
    }
    for row in rows:
        commune = existing.get(row.insee) or Commune(
            insee=row.insee, children_source="estimate", children_0_6=0,
            name="", search_name="", departement=code, population=0, population_year=0,
            lat=0.0, lon=0.0, point_source="",
        )
        commune.name = row.name
        commune.search_name = normalise_name(row.name)
        commune.departement = row.departement
        commune.postcodes = row.postcodes
        commune.population = row.population
        commune.population_year = row.population_year
        commune.lat = row.lat
        commune.lon = row.lon
        commune.point_source = row.point_source
        if commune.children_source == "estimate":
            commune.children_0_6 = estimate_children(row.population)
        session.add(commune)
    session.flush()
    return len(rows)


@use_case
def import_children_csv(session: Session, text: str) -> int:
    """Replace estimated young-children counts with a coordinator's figures.

    The CSV has a header with ``insee`` and ``children_0_6`` (``;`` or ``,``
    separated). Every line must be valid or nothing is imported; each bad line
    is reported with its number and field.
    """
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    missing = {"insee", "children_0_6"} - set(fields)
    if missing:
        raise InvalidInput(
            "Fichier refusé : l'en-tête doit contenir les colonnes insee et children_0_6 "
            f"(il manque : {', '.join(sorted(missing))})."
        )
    reader.fieldnames = fields
    problems: list[str] = []
    figures: dict[str, int] = {}
    line_of: dict[str, int] = {}
    for number, row in enumerate(reader, start=2):
        insee = (row.get("insee") or "").strip().upper()
        raw = (row.get("children_0_6") or "").strip()
        if not re.fullmatch(r"(\d{5}|2[AB]\d{3})", insee):
            problems.append(f"ligne {number}, champ insee : {insee!r} n'est pas un code INSEE à 5 caractères")
            continue
        if not raw.isdigit():
            problems.append(
                f"ligne {number}, champ children_0_6 : {raw!r} doit être un nombre entier positif"
            )
            continue
        if insee in figures:
            problems.append(f"ligne {number}, champ insee : la commune {insee} apparaît deux fois")
            continue
        figures[insee] = int(raw)
        line_of[insee] = number
    if not figures and not problems:
        raise InvalidInput("Fichier refusé : il ne contient aucune ligne de données.")
    communes = {
        c.insee: c
        for c in session.exec(select(Commune).where(col(Commune.insee).in_(list(figures)))).all()
    }
    for insee in figures:
        if insee not in communes:
            problems.append(
                f"ligne {line_of[insee]}, champ insee : la commune {insee} n'est pas chargée "
                "(importez d'abord son département avec import-communes)"
            )
    problems.sort(key=lambda p: int(p.split(",")[0].split()[1]))
    if problems:
        raise InvalidInput("Fichier refusé, rien n'a été importé :", problems)
    for insee, children in figures.items():
        commune = communes[insee]
        commune.children_0_6 = children
        commune.children_source = "import"
        session.add(commune)
    session.flush()
    audit.record(session, "children.import", f"{len(figures)} communes")
    return len(figures)


def search_communes(session: Session, query: str, limit: int = 10) -> list[Commune]:
    """Communes whose postcode or name matches ``query`` (offline look-up).

    A 5-digit query matches postcodes then INSEE codes; otherwise names match
    exactly first, then by prefix, then anywhere.
    """
    query = query.strip()
    if not query:
        return []
    if re.fullmatch(r"\d{5}", query):
        found = session.exec(
            select(Commune).where(col(Commune.postcodes).contains(query)).order_by(Commune.name)
        ).all()
        exact = [c for c in found if query in c.postcodes.split()]
        if exact:
            return exact[:limit]
        commune = session.get(Commune, query)
        return [commune] if commune else []
    key = normalise_name(query)
    if not key:
        return []
    candidates = session.exec(
        select(Commune).where(col(Commune.search_name).contains(key))
    ).all()

    def rank(c: Commune) -> tuple[int, int, str]:
        position = 0 if c.search_name == key else 1 if c.search_name.startswith(key) else 2
        return (position, -c.population, c.name)

    return sorted(candidates, key=rank)[:limit]
