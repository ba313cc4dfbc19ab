import pytest
from sqlmodel import Session, func, select

from outreach import db
from outreach.data.communes import (
    CHILDREN_0_6_SHARE,
    import_children_csv,
    import_communes,
    normalise_name,
    read_seed,
    search_communes,
)
from outreach.errors import InvalidInput, UnknownDepartement
from outreach.models import Commune

SEED_DEPARTEMENTS = ["34", "37", "42", "76", "79"]


@pytest.fixture(scope="module")
def seed_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in read_seed():
        counts[row.departement] = counts.get(row.departement, 0) + 1
    return counts


@pytest.fixture
def empty_session(empty_db_url):
    with Session(db.get_engine(empty_db_url), expire_on_commit=False) as s:
        yield s


@pytest.mark.parametrize("departement", SEED_DEPARTEMENTS)
def test_seed_departements_load_with_their_csv_counts(empty_session, seed_counts, departement):
    loaded = import_communes(empty_session, departement)
    stored = empty_session.exec(
        select(func.count()).select_from(Commune).where(Commune.departement == departement)
    ).one()
    assert loaded == stored == seed_counts[departement]
    for commune in empty_session.exec(select(Commune).where(Commune.departement == departement)):
        assert 41.3 <= commune.lat <= 51.2 and -5.3 <= commune.lon <= 9.7, commune.insee


@pytest.mark.parametrize("code", ["2A", "2b", "971", "1"])
def test_corsica_overseas_and_short_codes_load(empty_session, code):
    assert import_communes(empty_session, code) > 0


def test_unknown_departement_is_a_clear_error(empty_session):
    with pytest.raises(UnknownDepartement, match="Département inconnu : '99'"):
        import_communes(empty_session, "99")


def test_reimport_is_idempotent_and_keeps_imported_children(empty_session):
    first = import_communes(empty_session, "37")
    import_children_csv(empty_session, "insee;children_0_6\n37072;123\n")
    second = import_communes(empty_session, "37")
    assert first == second
    assert empty_session.get(Commune, "37072").children_0_6 == 123
    assert empty_session.get(Commune, "37072").children_source == "import"


def test_children_are_estimated_from_population(empty_session):
    import_communes(empty_session, "37")
    commune = empty_session.get(Commune, "37261")  # Tours
    assert commune.children_source == "estimate"
    assert commune.children_0_6 == round(commune.population * CHILDREN_0_6_SHARE)


def test_children_import_is_all_or_nothing_and_names_each_bad_line(empty_session):
    import_communes(empty_session, "37")
    empty_session.commit()
    before = empty_session.get(Commune, "37072").children_0_6
    text = "insee,children_0_6\n37072,40\n3707,12\n37073,douze\n99999,3\n37072,41\n"
    with pytest.raises(InvalidInput) as caught:
        import_children_csv(empty_session, text)
    message = str(caught.value)
    assert "ligne 3, champ insee" in message
    assert "ligne 4, champ children_0_6" in message
    assert "ligne 5, champ insee : la commune 99999 n'est pas chargée" in message
    assert "ligne 6, champ insee : la commune 37072 apparaît deux fois" in message
    empty_session.rollback()
    assert empty_session.get(Commune, "37072").children_0_6 == before


def test_children_import_needs_its_columns(empty_session):
    with pytest.raises(InvalidInput, match="children_0_6"):
        import_children_csv(empty_session, "code;enfants\n37072;3\n")


def test_search_by_postcode_and_by_name_without_accents(empty_session):
    import_communes(empty_session, "37")
    by_postcode = search_communes(empty_session, "37160")
    assert "Descartes" in [c.name for c in by_postcode]
    by_name = search_communes(empty_session, "chateau renault")
    assert by_name[0].name == "Château-Renault"
    assert search_communes(empty_session, "st avertin")[0].name == "Saint-Avertin"


def test_normalise_name():
    assert normalise_name("L'Île-Bouchard") == "l ile bouchard"
    assert normalise_name("Ste-Maure-de-Touraine") == "sainte maure de touraine"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252"])
def test_children_import_reads_every_common_encoding(empty_session, encoding):
    """Excel writes UTF-8 with a byte-order mark, UTF-16 ("Unicode text") or Windows-1252."""
    import_communes(empty_session, "37")
    text = "insee;children_0_6;commune\n37072;40;Château-Renault\n"
    assert import_children_csv(empty_session, text.encode(encoding)) == 1
    assert empty_session.get(Commune, "37072").children_0_6 == 40


def test_children_import_refuses_what_it_cannot_read_or_believe(empty_session):
    import_communes(empty_session, "37")
    empty_session.commit()
    with pytest.raises(InvalidInput, match="encodage n'est pas reconnu"):
        import_children_csv(empty_session, b"\x81\x8d\x8f\x90\x9d" * 10)
    tours = empty_session.get(Commune, "37261")
    with pytest.raises(InvalidInput) as caught:
        import_children_csv(empty_session, "insee;children_0_6\n37261;1000000000\n")
    assert (f"ligne 2, champ children_0_6 : 1000000000 enfants de moins de 6 ans à Tours, plus "
            f"que ses {tours.population} habitants") in str(caught.value)


def test_a_large_bad_file_lists_the_first_fifty_problems_and_counts_the_rest(empty_session):
    import_communes(empty_session, "37")
    lines = "".join(f"x{i};{i}\n" for i in range(200_000))  # about 2 MB, every line wrong
    with pytest.raises(InvalidInput) as caught:
        import_children_csv(empty_session, ("insee;children_0_6\n" + lines).encode())
    problems = caught.value.problems
    assert len(problems) == 51
    assert problems[0].startswith("ligne 2, champ insee")
    assert problems[-1] == ("… et 199950 autres erreurs (corrigez les premières, puis "
                            "réimportez).")
