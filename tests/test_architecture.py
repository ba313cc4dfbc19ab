"""The layering holds: web -> outreach -> solver, the solver's one public module,
and a solver that imports only what it declares and speaks no language."""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

import solver

ROOT = Path(__file__).resolve().parents[1]
SOLVER_DEPENDENCIES = {"ortools", "pyvrp", "numpy"}


def _imports(path: Path, names: bool = False) -> set[str]:
    """Modules imported by ``path``; with ``names``, ``from outreach import x`` also
    counts as ``outreach.x``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            if names:
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _sources(*folders: str) -> list[Path]:
    return [p for f in folders for p in sorted((ROOT / f).rglob("*.py"))
            if "migrations" not in p.parts]


def test_the_rest_of_the_product_uses_only_the_solver_package() -> None:
    leaks = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.startswith("solver."))
             for p in _sources("outreach", "web", "bench")}
    assert {p: m for p, m in leaks.items() if m} == {}


def test_the_solver_imports_the_standard_library_and_its_declared_dependencies() -> None:
    allowed = set(sys.stdlib_module_names) | SOLVER_DEPENDENCIES | {"solver"}
    foreign = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p)
                                                 if m.split(".")[0] not in allowed)
               for p in _sources("solver")}
    assert {p: m for p, m in foreign.items() if m} == {}


def test_web_and_outreach_do_not_import_upwards() -> None:
    upward = {str(p.relative_to(ROOT)): sorted(m for m in _imports(p) if m.split(".")[0] == "web")
              for p in _sources("outreach", "solver")}
    assert {p: m for p, m in upward.items() if m} == {}


def test_the_solver_speaks_no_language() -> None:
    """Its string literals (docstrings aside) are ASCII: no French sentence is built there."""
    worded = []
    for path in _sources("solver"):
        source = path.read_text(encoding="utf-8")
        doc_lines = {n.body[0].value.lineno for n in ast.walk(ast.parse(source))
                     if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef))
                     and n.body and isinstance(n.body[0], ast.Expr)
                     and isinstance(n.body[0].value, ast.Constant)}
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and token.start[0] not in doc_lines \
                    and not token.string.isascii():
                worded.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    assert worded == []


def test_every_finding_code_has_french_and_english_words() -> None:
    from outreach.wording import TEMPLATES

    for lang, table in TEMPLATES.items():
        assert solver.FINDING_CODES <= set(table), (lang, sorted(solver.FINDING_CODES - set(table)))


def test_the_views_do_not_commit() -> None:
    """Each use case is its own unit of work (outreach.db.use_case); the views only call
    them (web/__init__.py closes the request's session, rolling back after an error)."""
    committing = [f"{p.relative_to(ROOT)}:{n}" for p in _sources("web") if p.name != "__init__.py"
                  for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                  if ".commit(" in line or ".rollback(" in line]
    assert committing == []


def test_a_use_case_commits_alone_and_leaves_an_outer_unit_to_commit(db_url) -> None:
    from sqlmodel import Session, select

    from outreach import db
    from outreach.db import use_case
    from outreach.models import Scenario

    @use_case
    def rename(session: Session, name: str, fail: bool = False) -> None:
        scenario = session.exec(select(Scenario)).first()
        scenario.name = name
        session.add(scenario)
        session.flush()
        if fail:
            raise ValueError("refused")

    def name() -> str:
        with Session(db.get_engine(db_url)) as s:
            return s.exec(select(Scenario)).first().name

    with Session(db.get_engine(db_url)) as s:
        rename(s, "alone")
    assert name() == "alone"
    with Session(db.get_engine(db_url)) as s:
        try:
            rename(s, "broken", fail=True)
        except ValueError:
            pass
        assert s.exec(select(Scenario)).first().name == "alone"  # rolled back at once
    assert name() == "alone"
    try:
        with db.unit_of_work(db_url) as s:
            rename(s, "inside")
            raise RuntimeError("the outer unit fails after the use case")
    except RuntimeError:
        pass
    assert name() == "alone"


# The domain's packages, lowest first: each imports only those before it (and the
# shared top-level modules of outreach/, which import none of them but access).
DOMAIN_LAYERS = ("access", "data", "planning", "publishing")


def test_the_domain_packages_import_only_downwards() -> None:
    wrong = []
    for rank, package in enumerate(DOMAIN_LAYERS):
        above = DOMAIN_LAYERS[rank + 1:]
        for path in (ROOT / "outreach" / package).rglob("*.py"):
            for name in _imports(path, names=True):
                parts = name.split(".")
                if len(parts) > 1 and parts[0] == "outreach" and parts[1] in above:
                    wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    shared = [p for p in (ROOT / "outreach").glob("*.py") if p.name != "cli.py"]
    for path in shared:
        for name in _imports(path, names=True):
            parts = name.split(".")
            if len(parts) > 1 and parts[0] == "outreach" and parts[1] in DOMAIN_LAYERS[1:]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []
