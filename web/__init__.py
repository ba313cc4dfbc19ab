"""Flask application: public pages for families, coordinator pages, plan exports."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import xstatic.pkg.leaflet
from flask import Flask, g, render_template, send_from_directory
from sqlmodel import Session

from outreach import config, db
from outreach.export import proven_gap_pct, role_fr
from outreach.jobs import make_runner
from outreach.timefmt import format_hhmm

STATUS_LABELS = {"draft": "brouillon", "published": "publié", "archived": "archivé"}
JOB_LABELS = {"queued": "en attente", "running": "calcul en cours", "done": "terminé",
              "failed": "échec"}


def _origin(url: str) -> str:
    """scheme://host of a tile URL template, for the Content-Security-Policy."""
    parts = urlsplit(url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE_URL=config.database_url(),
        SECRET_KEY=os.environ.get("OUTREACH_SECRET_KEY", "dev-only-change-me"),
        SESSION_COOKIE_SECURE=os.environ.get("OUTREACH_SECURE_COOKIES") == "1",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        # A tile server URL template enables map backgrounds; none by default (works offline).
        TILE_URL=os.environ.get("OUTREACH_TILE_URL", ""),
        SOLVE_INLINE=False,
        # Production: solves go to a Redis queue processed by `outreach worker`.
        REDIS_URL=os.environ.get("OUTREACH_REDIS_URL", ""),
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["solve_runner"] = make_runner(app.config["DATABASE_URL"],
                                                 app.config.get("REDIS_URL"))

    @app.before_request
    def _open_session() -> None:
        g.db = Session(db.get_engine(app.config["DATABASE_URL"]), expire_on_commit=False)

    @app.teardown_request
    def _close_session(error: BaseException | None) -> None:
        session = g.pop("db", None)
        if session is not None:
            if error is not None:
                session.rollback()
            session.close()

    tile_origin = _origin(app.config["TILE_URL"])

    @app.after_request
    def _security_headers(response):  # type: ignore[no-untyped-def]
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; img-src 'self' data: {tile_origin}".rstrip()
            + "; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        )
        return response

    @app.get("/vendor/leaflet/<path:filename>", endpoint="vendor_leaflet")
    def _leaflet(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(xstatic.pkg.leaflet.BASE_DIR, filename, max_age=86400)

    from web import auth, coordination, data, i18n, public
    from web.i18n import gettext as _

    i18n.init_app(app)
    app.jinja_env.filters["hhmm"] = format_hhmm
    app.jinja_env.filters["role_fr"] = lambda role: i18n.gettext(role_fr(role))
    app.jinja_env.globals["proven_gap_pct"] = proven_gap_pct
    app.jinja_env.globals["status_label"] = lambda status: i18n.gettext(STATUS_LABELS[status])
    app.jinja_env.globals["job_status_label"] = lambda status: i18n.gettext(JOB_LABELS[status])
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(coordination.bp)
    app.register_blueprint(data.bp)
    from web import api, staff
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)

    @app.errorhandler(404)
    def _not_found(_error):  # type: ignore[no-untyped-def]
        return render_template("error.html", title=_("Page introuvable"),
                               message=_("Cette page n'existe pas ou plus.")), 404

    @app.errorhandler(403)
    def _forbidden(_error):  # type: ignore[no-untyped-def]
        return render_template("error.html", title=_("Accès refusé"),
                               message=_("Votre compte ne donne pas accès à cette page.")), 403

    @app.errorhandler(400)
    def _bad_request(error):  # type: ignore[no-untyped-def]
        return render_template("error.html", title=_("Requête refusée"),
                               message=_(getattr(error, "description", "Requête invalide."))), 400

    @app.errorhandler(500)
    def _server_error(_error):  # type: ignore[no-untyped-def]
        session = g.get("db")
        if session is not None:
            session.rollback()
        return render_template("error.html", title=_("Erreur"),
                               message=_("Une erreur est survenue ; rien n'a été enregistré. "
                                         "Réessayez dans un instant.")), 500

    return app
