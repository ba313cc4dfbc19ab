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
from outreach.errors import InvalidInput, Message, UnknownDepartement, msg
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


def _encodings_help() -> Message:
    return msg("enregistrez-le en « CSV UTF-8 » (Excel : Fichier > Enregistrer sous > CSV UTF-8) "
               "et réimportez-le")


def decode_upload(data: bytes) -> str:
    """The text of an uploaded CSV in any common encoding: UTF-8 (with or without its
    byte-order mark), UTF-16 with a byte-order mark (Excel's "Unicode text"), or
    Windows-1252 (Excel's older "CSV" on a French Windows); anything else is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    elif data[:200].count(b"\x00") > len(data[:200]) // 4:  # UTF-16 without a mark
        candidates = ["utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise InvalidInput(msg("Fichier refusé : son encodage n'est pas reconnu ; %(help)s.",
                           help=_encodings_help()))


@use_case
def import_children_csv(session: Session, text: str | bytes) -> int:
    """Replace estimated young-children counts with a coordinator's figures.

    The CSV has a header with ``insee`` and ``children_0_6`` (``;`` or ``,``
    separated), in any encoding :func:`decode_upload` reads. Every line must be valid
    or nothing is imported; the first problems are reported with their line and field,
    and how many more there are. A count is refused when it exceeds the commune's
    population (a typing slip, not a figure).
    """
    if isinstance(text, bytes):
        text = decode_upload(text)
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    try:
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    except csv.Error as error:
        raise InvalidInput(msg("Fichier refusé : ce n'est pas un fichier CSV lisible (%(error)s).",
                               error=str(error))) from None
    missing = {"insee", "children_0_6"} - set(fields)
    if missing:
        raise InvalidInput(msg(
            "Fichier refusé : l'en-tête doit contenir les colonnes insee et children_0_6 "
            "(il manque : %(missing)s).", missing=", ".join(sorted(missing))))
    reader.fieldnames = fields
    problems: list[tuple[int, str]] = []
    figures: dict[str, int] = {}
    line_of: dict[str, int] = {}
    number = 1
    try:
        for number, row in enumerate(reader, start=2):
            insee = (row.get("insee") or "").strip().upper()
            raw = (row.get("children_0_6") or "").strip().replace("\u202f", "").replace(" ", "")
            if not re.fullmatch(r"(\d{5}|2[AB]\d{3})", insee):
                problems.append((number, msg(
                    "ligne %(line)s, champ insee : « %(value)s » n'est pas un code INSEE à 5 "
                    "caractères", line=number, value=insee[:20])))
                continue
            if not raw.isdigit():
                problems.append((number, msg(
                    "ligne %(line)s, champ children_0_6 : « %(value)s » doit être un nombre entier "
                    "positif", line=number, value=raw[:20])))
                continue
            if insee in figures:
                problems.append((number, msg(
                    "ligne %(line)s, champ insee : la commune %(insee)s apparaît deux fois (déjà "
                    "ligne %(first)s)", line=number, insee=insee, first=line_of[insee])))
                continue
            figures[insee] = int(raw)
            line_of[insee] = number
    except csv.Error as error:
        problems.append((number + 1, msg("ligne %(line)s : ligne illisible (%(error)s)",
                                         line=number + 1, error=str(error))))
    if not figures and not problems:
        raise InvalidInput(msg("Fichier refusé : il ne contient aucune ligne de données."))
    known = {insee: (name, population) for insee, name, population in session.exec(
        select(Commune.insee, Commune.name, Commune.population))}
    for insee, children in figures.items():
        if insee not in known:
            problems.append((line_of[insee], msg(
                "ligne %(line)s, champ insee : la commune %(insee)s n'est pas chargée "
                "(importez d'abord son département avec import-communes)",
                line=line_of[insee], insee=insee)))
            continue
        name, population = known[insee]
        if population and children > population:
            problems.append((line_of[insee], msg(
                "ligne %(line)s, champ children_0_6 : %(children)s enfants de moins de 6 ans à "
                "%(name)s, plus que ses %(population)s habitants : vérifiez ce chiffre",
                line=line_of[insee], children=children, name=name, population=population)))
    if problems:
        problems.sort(key=lambda p: p[0])
        raise InvalidInput(msg("Fichier refusé, rien n'a été importé :"),
                           [text for _line, text in problems])
    communes = {c.insee: c for c in session.exec(select(Commune).where(
        col(Commune.insee).in_(list(figures))))} if len(figures) < 900 else {
        c.insee: c for c in session.exec(select(Commune)) if c.insee in figures}
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
