"""Read-only public JSON API of published sessions, described by OpenAPI 3.

Only what the public pages show: commune, venue, date, hours, service and
what to bring. Never crews, vehicles or home visits (DESIGN.md, Privacy).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from outreach.data.places import national_index
from outreach.models import Commune
from outreach.publishing.public import next_sessions_near, published_services, published_sessions
from web import today

bp = Blueprint("api", __name__, url_prefix="/api")

API_VERSION = "1.0.0"
DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
MAX_RANGE_DAYS = 366
_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class _BadParameter(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@bp.errorhandler(_BadParameter)
def _bad_parameter(error: _BadParameter):  # type: ignore[no-untyped-def]
    return jsonify(error="bad_parameter", parameter=error.name, message=error.message), 400


@bp.after_request
def _public_headers(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Cache-Control", "public, max-age=300")
    return response


def _date(name: str, default: dt.date | None) -> dt.date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise _BadParameter(name, f"{name}: expected a date as YYYY-MM-DD, got {raw!r}") from None


def _limit() -> int:
    raw = request.args.get("limit", "").strip()
    if not raw:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise _BadParameter("limit", f"limit: expected an integer from 1 to {MAX_LIMIT}")
    return int(raw)


def _commune(name: str) -> Commune | None:
    raw = request.args.get(name, "").strip().upper()
    if not raw:
        return None
    if not _INSEE.match(raw):
        raise _BadParameter(name, f"{name}: expected an INSEE code of 5 characters, got {raw!r}")
    commune = g.db.get(Commune, raw)
    if commune is None:
        raise _BadParameter(name, f"{name}: unknown commune {raw!r}")
    return commune


@bp.get("/sessions")
def sessions():  # type: ignore[no-untyped-def]
    """Published sessions, filtered by commune (or nearness), date range and service."""
    date_from = _date("from", today())
    date_to = _date("to", None)
    assert date_from is not None
    if date_to is not None and date_to < date_from:
        raise _BadParameter("to", "to: the range ends before it starts")
    if date_to is not None and (date_to - date_from).days > MAX_RANGE_DAYS:
        raise _BadParameter("to", f"to: a range covers at most {MAX_RANGE_DAYS} days")
    service = request.args.get("service", "").strip()
    if service and not _CODE.match(service):
        raise _BadParameter("service", f"service: {service!r} is not a service code")
    commune = _commune("commune")
    near = _commune("near")
    if commune and near:
        raise _BadParameter("near", "near: give either commune or near, not both")
    limit = _limit()
    if near is not None:
        found = sorted(
            (s for s in next_sessions_near(g.db, near, date_from, limit=None)
             if (date_to is None or s.date <= date_to)
             and (not service or s.service_code == service)),
            key=lambda s: (s.travel_min, s.commune_name, s.date, s.start_min))[:limit]
    else:
        found = published_sessions(g.db, date_from, date_to,
                                   commune.insee if commune else None, service or None, limit)
    return jsonify(sessions=[s.as_json() for s in found], count=len(found))


@bp.get("/services")
def services():  # type: ignore[no-untyped-def]
    return jsonify(services=[
        {"code": s.code, "name": s.name, "description": s.description,
         "what_to_bring": s.what_to_bring, "contact": s.contact, "phone": s.phone,
         "departement": s.departement,
         "organisation": s.organisation, "access_threshold_min": s.access_threshold_min}
        for s in published_services(g.db)
    ])


@bp.get("/communes")
def communes():  # type: ignore[no-untyped-def]
    query = request.args.get("q", "").strip()[:100]
    if not query:
        raise _BadParameter("q", "q: give a commune name or a postcode")
    found = national_index().find(query)
    return jsonify(total=found.total, communes=[
        {"insee": c.insee, "name": c.name, "postcodes": c.postcodes.split(),
         "departement": c.departement, "departement_name": c.departement_name}
        for c in found.places
    ])


def _session_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["id", "date", "start", "end", "commune", "venue", "service"],
        "properties": {
            "id": {"type": "string", "description": "Stable identifier (also the iCalendar UID)."},
            "date": {"type": "string", "format": "date"},
            "start": {"type": "string", "pattern": "^\\d{2}:\\d{2}$",
                      "description": "Local time, Europe/Paris."},
            "end": {"type": "string", "pattern": "^\\d{2}:\\d{2}$"},
            "commune": {"type": "object", "properties": {
                "insee": {"type": "string"}, "name": {"type": "string"}}},
            "venue": {"type": "string"},
            "location": {"type": "object", "properties": {
                "lat": {"type": "number"}, "lon": {"type": "number"}}},
            "service": {"type": "object", "properties": {
                "code": {"type": "string"}, "name": {"type": "string"}}},
            "what_to_bring": {"type": "string"},
            "contact": {"type": "string",
                        "description": "How families reach the service (an office, never a person)."},
            "phone": {"type": "string",
                      "description": "The office's public number, e.g. `02 47 31 47 31` (may be empty)."},
            "organisation": {"type": "string",
                             "description": "The organisation that runs the service (a département)."},
            "travel_min": {"type": "integer",
                           "description": "Estimated driving minutes from `near` (only with near)."},
            "distance_km": {"type": "number", "description": "Only with near."},
        },
    }


def openapi_document() -> dict[str, Any]:
    error = {"description": "A parameter is invalid.", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
    date_param = {"schema": {"type": "string", "format": "date"}, "in": "query"}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Outreach — published sessions",
            "version": API_VERSION,
            "description": ("Read-only public API of the published sessions of mobile prevention "
                            "services (prevention bus, itinerant drop-in spaces). No personal data."),
        },
        "servers": [{"url": request.host_url.rstrip("/")}],
        "paths": {
            "/api/sessions": {"get": {
                "summary": "Published sessions",
                "operationId": "listSessions",
                "parameters": [
                    {"name": "commune", "in": "query", "schema": {"type": "string"},
                     "description": "INSEE code: sessions held in this commune."},
                    {"name": "near", "in": "query", "schema": {"type": "string"},
                     "description": ("INSEE code: sessions within reach by car (each "
                                     "service's access threshold, 30 minutes by default), "
                                     "nearest first.")},
                    {"name": "from", **date_param,
                     "description": "First date (default: today)."},
                    {"name": "to", **date_param, "description": "Last date (inclusive)."},
                    {"name": "service", "in": "query", "schema": {"type": "string"},
                     "description": "Service code, see /api/services."},
                    {"name": "limit", "in": "query",
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                "default": DEFAULT_LIMIT}},
                ],
                "responses": {
                    "200": {"description": "Sessions in date order (or nearest first with near).",
                            "content": {"application/json": {"schema": {
                                "type": "object", "properties": {
                                    "count": {"type": "integer"},
                                    "sessions": {"type": "array", "items": {
                                        "$ref": "#/components/schemas/Session"}}}}}}},
                    "400": error,
                },
            }},
            "/api/services": {"get": {
                "summary": "Services with a published plan",
                "operationId": "listServices",
                "responses": {"200": {"description": "Services.", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "services": {"type": "array", "items": {
                            "$ref": "#/components/schemas/Service"}}}}}}}},
            }},
            "/api/communes": {"get": {
                "summary": "Find communes of France by name, postcode or INSEE code "
                           "(homonyms all listed, the first 30; total counts them all)",
                "operationId": "findCommunes",
                "parameters": [{"name": "q", "in": "query", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Matching communes.", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "total": {"type": "integer"},
                        "communes": {"type": "array", "items": {
                            "$ref": "#/components/schemas/Commune"}}}}}}},
                    "400": error},
            }},
        },
        "components": {"schemas": {
            "Session": _session_schema(),
            "Service": {"type": "object", "properties": {
                "code": {"type": "string"}, "name": {"type": "string"},
                "description": {"type": "string"}, "what_to_bring": {"type": "string"},
                "contact": {"type": "string"}, "phone": {"type": "string"},
                "departement": {"type": "string"},
                "organisation": {"type": "string"}, "access_threshold_min": {"type": "integer"}}},
            "Commune": {"type": "object", "properties": {
                "insee": {"type": "string"}, "name": {"type": "string"},
                "postcodes": {"type": "array", "items": {"type": "string"}},
                "departement": {"type": "string"}, "departement_name": {"type": "string"}}},
            "Error": {"type": "object", "properties": {
                "error": {"type": "string"}, "parameter": {"type": "string"},
                "message": {"type": "string"}}},
        }},
    }


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(openapi_document())
