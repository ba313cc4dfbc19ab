"""Public pages for families: the next visit near me, a page per commune and per
service, a poster for the town hall and a calendar feed. No login, nothing personal."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, render_template, request
from flask_babel import gettext as _

from outreach.access import DEFAULT_ACCESS_MIN, AccessPolicy
from outreach.appointments import BookableSite, bookable_sites
from outreach.data.geocoding import (
    AddressLookupUnavailable,
    AddressMatch,
    commune_hint,
    default_geocoder,
    locate_address,
    looks_like_address,
)
from outreach.data.places import Place, PlaceMatches, departement_name, national_index
from outreach.models import Commune
from outreach.publishing.public import (
    commune_rhythms,
    find_service,
    last_published_at,
    next_sessions_near,
    next_sessions_near_point,
    published_services,
    published_sessions,
    sessions_calendar,
)
from outreach.wording import elide
from web import today
from web.public_cache import cached_page

bp = Blueprint("public", __name__)

POSTER_SESSIONS = 6


def _place(insee: str) -> Commune | Place | None:
    """A commune by its INSEE code: the loaded one, else any commune of France."""
    return g.db.get(Commune, insee) or national_index().get(insee)


def _pick(matches: PlaceMatches) -> Commune | Place | None:
    """The commune meant, when the query leaves no doubt (homonyms are offered)."""
    if matches.total != 1:
        return None
    return _place(matches.places[0].insee)


def _geocoder() -> Any:
    """The address geocoder: injected by ``GEOCODER`` (None means off-line), off in
    tests and with OUTREACH_GEOCODER=off, else the national address base (BAN)."""
    if "GEOCODER" in current_app.config:
        return current_app.config["GEOCODER"]
    if current_app.testing or os.environ.get("OUTREACH_GEOCODER") == "off":
        return None
    if "ban_geocoder" not in current_app.extensions:
        current_app.extensions["ban_geocoder"] = default_geocoder()
    return current_app.extensions["ban_geocoder"]


def _today() -> dt.date:
    return today()


def _commune_or_404(insee: str) -> Commune | Place:
    commune = _place(insee[:5])
    if commune is None:
        abort(404)
    return commune


@bp.get("/")
@cached_page(lambda: _today())
def index():  # type: ignore[no-untyped-def]
    query = request.args.get("q", "").strip()[:200]
    insee = request.args.get("insee", "").strip()[:5]
    matches = PlaceMatches()
    commune: Commune | Place | None = None
    address: AddressMatch | None = None
    address_notice = None
    if insee:
        commune = _place(insee)
    elif query and looks_like_address(query):
        geocoder = _geocoder()
        try:
            if geocoder is None:
                raise AddressLookupUnavailable("address look-up is off")
            address = locate_address(query, geocoder)
            if address is None:
                address_notice = _("Adresse introuvable. Nous cherchons la commune à la place : "
                                   "vous pouvez aussi taper son nom ou son code postal.")
        except AddressLookupUnavailable:
            address_notice = _("La recherche par adresse est indisponible pour le moment (pas de "
                               "connexion au service national des adresses). Nous cherchons la "
                               "commune à la place : vous pouvez aussi taper son nom ou son code "
                               "postal.")
        if address is None:
            hint = commune_hint(query)
            if hint:
                matches = national_index().find(hint)
                commune = _pick(matches)
    elif query:
        matches = national_index().find(query)
        commune = _pick(matches)
    if address is not None:
        sessions = next_sessions_near_point(g.db, address.lat, address.lon, _today(),
                                            address.citycode)
        place = address.label
        if address.citycode:
            commune = _place(address.citycode)
    elif commune is not None:
        sessions = next_sessions_near(g.db, commune, _today())
        place = commune.name
    else:
        sessions, place = [], ""
    return render_template(
        "public/index.html", query=query, matches=matches, commune=commune, sessions=sessions,
        searched=bool(query or insee), place=place, address=address,
        address_notice=address_notice,
        threshold=_reach_minutes(commune.departement) if commune else DEFAULT_ACCESS_MIN,
        departement=departement_name(commune.departement) if commune else "",
    )


def _reach_minutes(departement: str) -> int:
    """The driving time the pages promise around a commune: the longest access threshold
    of the services published in its département (each service's own threshold decides
    which sessions are listed), else the default."""
    thresholds = [s.access_threshold_min for s in published_services(g.db)
                  if s.departement == departement]
    return max(thresholds, default=DEFAULT_ACCESS_MIN)


@bp.get("/commune/<insee>")
@cached_page(lambda: _today())
def commune_page(insee: str):  # type: ignore[no-untyped-def]
    commune = _commune_or_404(insee)
    here = published_sessions(g.db, _today(), commune_insee=commune.insee, limit=20)
    near = [s for s in next_sessions_near(g.db, commune, _today())
            if s.commune_insee != commune.insee]
    return render_template("public/commune.html", commune=commune, here=here, near=near,
                           rhythms=commune_rhythms(g.db, commune.insee),
                           threshold=_reach_minutes(commune.departement),
                           sites=_nearest_sites(commune))


NEAREST_SITES = 3


def _nearest_sites(commune: Commune | Place) -> list[tuple[BookableSite, int]]:
    """The département's fixed sites taking appointments, the nearest first (with their
    minutes by the access policy's travel model)."""
    access = AccessPolicy()
    sites = [(site, access.trip((commune.lat, commune.lon), (site.lat, site.lon))[0])
             for site in bookable_sites(g.db, commune.departement)]
    return sorted(sites, key=lambda pair: (pair[1], pair[0].name))[:NEAREST_SITES]


@bp.get("/commune/<insee>/affiche")
@cached_page(lambda: _today())
def poster(insee: str):  # type: ignore[no-untyped-def]
    """An A4 poster: the commune's next sessions, then the nearest others to fill the page."""
    commune = _commune_or_404(insee)
    here = published_sessions(g.db, _today(), commune_insee=commune.insee, limit=POSTER_SESSIONS)
    room = POSTER_SESSIONS - len(here)
    near = [s for s in next_sessions_near(g.db, commune, _today(), limit=None)
            if s.commune_insee != commune.insee][:room]
    near.sort(key=lambda s: (s.date, s.start_min))  # a poster reads in date order
    shown = {s.service_code for s in here + near}
    services = [s for s in published_services(g.db) if s.code in shown]
    return render_template("public/poster.html", commune=commune, here=here, near=near,
                           services=services, threshold=_reach_minutes(commune.departement))


@bp.get("/commune/<insee>/calendrier.ics")
def commune_calendar(insee: str):  # type: ignore[no-untyped-def]
    commune = _commune_or_404(insee)
    sessions = next_sessions_near(g.db, commune, _today(), limit=None)
    body = sessions_calendar(sessions, elide(f"Prévention itinérante près de {commune.name}"),
                             last_published_at(g.db))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": f"attachment; filename=prevention-{commune.insee}.ics",
        "Cache-Control": "public, max-age=3600",
    })


@bp.get("/services")
@cached_page(lambda: _today())
def services():  # type: ignore[no-untyped-def]
    return render_template("public/services.html", services=published_services(g.db))


@bp.get("/service/<code>")
@cached_page(lambda: _today())
def service_page(code: str):  # type: ignore[no-untyped-def]
    service = find_service(g.db, code[:80])
    if service is None:
        abort(404)
    sessions = published_sessions(g.db, _today(), service_code=service.code, limit=60)
    return render_template("public/service.html", service=service, sessions=sessions)


def _departements() -> list[str]:
    """The names of the départements whose plans are published here."""
    codes = sorted({s.departement for s in published_services(g.db)})
    return [departement_name(code) for code in codes]


@bp.get("/mentions-legales")
@cached_page(lambda: _today())
def legal_notice():  # type: ignore[no-untyped-def]
    return render_template("public/legal.html", departements=_departements())


@bp.get("/accessibilite")
@cached_page(lambda: _today())
def accessibility():  # type: ignore[no-untyped-def]
    return render_template("public/accessibility.html")


@bp.get("/contact")
@cached_page(lambda: _today())
def contact():  # type: ignore[no-untyped-def]
    return render_template("public/contact.html", services=published_services(g.db))


@bp.get("/favicon.ico")
def favicon():  # type: ignore[no-untyped-def]
    return current_app.send_static_file("favicon.svg"), 200, {"Content-Type": "image/svg+xml"}
