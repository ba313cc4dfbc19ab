"""Public pages for families: the next visit near me. No login, nothing personal."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, render_template, request

from outreach.communes import normalise_name, search_communes
from outreach.models import Commune
from outreach.public import next_sessions_near

bp = Blueprint("public", __name__)


def _pick(query: str, matches: list[Commune]) -> Commune | None:
    """The commune meant, when the query leaves no doubt."""
    if len(matches) == 1:
        return matches[0]
    exact = [c for c in matches if c.search_name == normalise_name(query)]
    return exact[0] if len(exact) == 1 else None


@bp.get("/")
def index():  # type: ignore[no-untyped-def]
    query = request.args.get("q", "").strip()[:100]
    insee = request.args.get("insee", "").strip()[:5]
    matches: list[Commune] = []
    commune = None
    if insee:
        commune = g.db.get(Commune, insee)
    elif query:
        matches = search_communes(g.db, query)
        commune = _pick(query, matches)
    sessions = next_sessions_near(g.db, commune, dt.date.today()) if commune else []
    return render_template(
        "public/index.html", query=query, matches=matches, commune=commune, sessions=sessions,
        searched=bool(query or insee),
    )
