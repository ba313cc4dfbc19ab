"""Flask application: public pages for families, coordinator pages, plan exports."""

from __future__ import annotations

import datetime as dt
import functools
import os
import secrets
from types import FunctionType
from typing import Any
from urllib.parse import urlsplit

import xstatic.pkg.leaflet
from flask import Flask, Response, g, jsonify, render_template, request, send_from_directory
from flask.ctx import _AppCtxGlobals
from flask_babel import gettext
from sqlmodel import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from outreach import audit, config, db
from outreach.appointments import local_today
from outreach.planning.jobs import make_runner
from outreach.publishing.export import proven_gap_pct, role_fr
from outreach.timefmt import format_hhmm
from web.cookie_session import CookieSessions

STATUS_LABELS = {"draft": "brouillon", "published": "publié", "archived": "archivé"}
JOB_LABELS = {"queued": "en attente", "running": "calcul en cours", "done": "terminé",
              "failed": "échec"}


_PLAIN_ERROR = ("<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Erreur</title>"
                "<h1>Erreur</h1><p>{message}</p></html>")


def _origin(url: str) -> str:
    """scheme://host of a tile URL template, for the Content-Security-Policy."""
    parts = urlsplit(url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class MissingSecret(RuntimeError):
    """The application refuses to start without a secret to sign its cookies."""


def _secret_key(app: Flask) -> str:
    """``OUTREACH_SECRET_KEY``; else, for tests, a random one; else, for the local server
    of ``make demo`` (``LOCAL_SERVER``), one generated once and kept in ./var. Anything
    else (gunicorn in production) refuses to start: a known secret lets anyone forge a
    coordinator's cookie."""
    if app.config.get("SECRET_KEY"):
        return str(app.config["SECRET_KEY"])
    if app.config.get("TESTING"):
        return secrets.token_urlsafe(32)
    if app.config.get("LOCAL_SERVER"):
        path = config.PROJECT_ROOT / "var" / "secret_key"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        return path.read_text(encoding="utf-8").strip()
    raise MissingSecret(
        "OUTREACH_SECRET_KEY n'est pas défini : le serveur refuse de démarrer sans secret "
        "pour signer les cookies. Définissez-le, par exemple : export OUTREACH_SECRET_KEY="
        "$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')")


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute address of a page, on the configured public address
    (``OUTREACH_PUBLIC_URL``) when there is one, else on the request's."""
    from flask import current_app, url_for

    base = current_app.config.get("PUBLIC_URL", "")
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def wall_clock() -> dt.datetime:
    """The machine's time: what ``now`` returns unless the app is given a ``CLOCK``."""
    return dt.datetime.now(dt.UTC)


def now() -> dt.datetime:
    """Now, or the moment the app is configured to live at (``CLOCK``, a callable: tests)."""
    from flask import current_app

    clock = current_app.config.get("CLOCK")
    return clock() if clock else wall_clock()


def today() -> dt.date:
    """The day it is in France by ``now``: what "next sessions" and "today's rounds" count
    from, on every page."""
    return local_today(now())


def webcal_url(feed_url: str | None) -> str | None:
    """A feed's address for a phone's calendar to subscribe to (``webcal://``)."""
    if not feed_url:
        return None
    return feed_url.replace("https://", "webcal://").replace("http://", "webcal://")


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (drawn here: no network)."""
    import segno

    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))


class _Globals(_AppCtxGlobals):
    """``g``, whose database session (``g.db``) is opened the first time a request uses
    it (a family's page drawn from what the process keeps needs none), and closed at
    the request's end (``_close_session``)."""

    def __getattr__(self, name: str) -> Any:
        if name != "db":
            return super().__getattr__(name)
        from flask import current_app

        session = Session(db.get_engine(current_app.config["DATABASE_URL"]),
                          expire_on_commit=False)
        self.db = session
        return session


class _App(Flask):
    """Flask, with what it works out again for each of its request hooks at every
    request (whether the hook is a coroutine, eight times a request) kept."""

    app_ctx_globals_class = _Globals

    def ensure_sync(self, func: Any) -> Any:
        if not isinstance(func, FunctionType):
            return super().ensure_sync(func)
        found = self._synced.get(func)
        if found is None:
            found = self._synced[func] = super().ensure_sync(func)
        return found

    @functools.cached_property
    def _synced(self) -> dict[Any, Any]:
        return {}


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = _App(__name__)
    app.session_interface = CookieSessions()
    app.config.from_mapping(
        DATABASE_URL=config.database_url(),
        SECRET_KEY=os.environ.get("OUTREACH_SECRET_KEY", ""),
        # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host (0: none).
        TRUSTED_PROXIES=int(os.environ.get("OUTREACH_TRUSTED_PROXIES", "0") or 0),
        SESSION_COOKIE_SECURE=os.environ.get("OUTREACH_SECURE_COOKIES") == "1",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        # A tile server URL template enables map backgrounds; none by default (works offline).
        TILE_URL=os.environ.get("OUTREACH_TILE_URL", ""),
        SOLVE_INLINE=False,
        # Production: solves go to a Redis queue processed by `outreach worker`.
        REDIS_URL=os.environ.get("OUTREACH_REDIS_URL", ""),
        # Who publishes the site, for the legal notice (docs/deploy.md): name, director
        # of publication, host, and a contact (an e-mail address, a phone, an address).
        PUBLISHER=os.environ.get("OUTREACH_PUBLISHER", ""),
        PUBLICATION_DIRECTOR=os.environ.get("OUTREACH_PUBLICATION_DIRECTOR", ""),
        HOST_NAME=os.environ.get("OUTREACH_HOST_NAME", ""),
        PUBLIC_CONTACT=os.environ.get("OUTREACH_PUBLIC_CONTACT", ""),
        # The address families and staff reach the site at (links on posters, in e-mails
        # and calendar feeds): https://prevention.departement.fr; else the request's own.
        PUBLIC_URL=os.environ.get("OUTREACH_PUBLIC_URL", "").rstrip("/"),
    )
    if test_config:
        app.config.update(test_config)
    app.config["SECRET_KEY"] = _secret_key(app)
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.extensions["solve_runner"] = make_runner(app.config["DATABASE_URL"],
                                                 app.config.get("REDIS_URL"))

    @app.teardown_request
    def _close_session(error: BaseException | None) -> None:
        audit.act_as(*audit.NOBODY)  # the next request of this thread sets its own actor
        session = g.pop("db", None)
        if session is not None:
            if error is not None:
                session.rollback()
            session.close()

    tile_origin = _origin(app.config["TILE_URL"])

    security_headers = [
        ("X-Content-Type-Options", "nosniff"),
        *([("Strict-Transport-Security", "max-age=31536000; includeSubDomains")]
          if app.config["SESSION_COOKIE_SECURE"] else []),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Content-Security-Policy",
         f"default-src 'self'; img-src 'self' data: {tile_origin}".rstrip()
         + "; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
         "form-action 'self'; frame-ancestors 'none'"),
    ]  # built once; a view may have set its own (booking pages: their referrer policy)

    named = [(k.lower(), k, v) for k, v in security_headers]

    @app.after_request
    def _security_headers(response):  # type: ignore[no-untyped-def]
        headers = response.headers
        # (werkzeug's ``in`` raises and catches a KeyError for each header it lacks)
        present = {k.lower() for k, _ in headers}
        headers.extend([(k, v) for lower, k, v in named if lower not in present])
        return response

    @app.get("/vendor/leaflet/<path:filename>", endpoint="vendor_leaflet")
    def _leaflet(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(xstatic.pkg.leaflet.BASE_DIR, filename, max_age=86400)

    from flask_babel import gettext as _

    from web import auth, booking, coordination, coverage, data, i18n, public, public_cache

    i18n.init_app(app)
    public_cache.init_app(app)
    app.jinja_env.filters["hhmm"] = format_hhmm
    app.jinja_env.filters["role_fr"] = lambda role: gettext(role_fr(role))
    app.jinja_env.globals["proven_gap_pct"] = proven_gap_pct
    app.jinja_env.globals["public_url"] = public_url
    app.jinja_env.globals["qr_svg"] = qr_svg
    app.jinja_env.globals["status_label"] = lambda status: gettext(STATUS_LABELS[status])
    app.jinja_env.globals["job_status_label"] = lambda status: gettext(JOB_LABELS[status])
    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(booking.bp)
    app.register_blueprint(coordination.bp)
    app.register_blueprint(coverage.bp)
    app.register_blueprint(data.bp)
    from web import admin, api, homevisits, national, staff
    app.register_blueprint(api.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(homevisits.coordination)
    app.register_blueprint(homevisits.nurse_bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(national.bp)

    def _error_answer(status: int, title: str, message: str):  # type: ignore[no-untyped-def]
        """The error page, or a JSON error under /api/."""
        if request.path.startswith("/api/"):
            return jsonify({"error": {"status": status, "message": message}}), status
        return render_template("error.html", title=title, message=message), status

    @app.errorhandler(404)
    def _not_found(_error):  # type: ignore[no-untyped-def]
        return _error_answer(404, _("Page introuvable"), _("Cette page n'existe pas ou plus."))

    @app.errorhandler(403)
    def _forbidden(_error):  # type: ignore[no-untyped-def]
        return _error_answer(403, _("Accès refusé"), _("Votre compte ne donne pas accès à cette page."))

    @app.errorhandler(400)
    def _bad_request(error):  # type: ignore[no-untyped-def]
        return _error_answer(400, _("Requête refusée"),
                      _(getattr(error, "description", "Requête invalide.")))

    @app.errorhandler(500)
    def _server_error(_error):  # type: ignore[no-untyped-def]
        """Never fails: when even the page cannot be drawn (the database gone, say),
        a fixed page (or JSON under /api/) answers."""
        try:
            session = g.get("db")
            if session is not None:
                session.rollback()
        except Exception:  # the database may be the very thing that failed
            app.logger.exception("rolling back after an error failed")
        message = "Une erreur est survenue ; rien n'a été enregistré. Réessayez dans un instant."
        try:
            return _error_answer(500, _("Erreur"), _(message))
        except Exception:  # the page itself could not be drawn
            app.logger.exception("the error page failed")
            if request.path.startswith("/api/"):
                return Response('{"error": {"status": 500, "message": "' + message + '"}}',
                                status=500, mimetype="application/json")
            return Response(_PLAIN_ERROR.format(message=message), status=500,
                            mimetype="text/html")

    return app
