"""Sign-in, roles, CSRF tokens and a login rate limit.

The limit counts failed sign-ins in the database (:mod:`outreach.users`), by client
address and account, so every worker process shares it; behind a reverse proxy the
client address comes from ``X-Forwarded-For`` once ``OUTREACH_TRUSTED_PROXIES`` says
how many proxies to trust (see :func:`web.create_app`). A session remembers the
account's session generation: signing out or changing the password ends every
session opened before.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any
from urllib.parse import urlparse

import segno
from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from outreach import audit
from outreach.data.organisations import Scope
from outreach.errors import InvalidInput
from outreach.models import User
from outreach.users import (
    disable_totp,
    enable_totp,
    end_sessions,
    new_totp_secret,
    second_factor,
    sign_in,
    sign_in_blocked,
    totp_uri,
)

bp = Blueprint("auth", __name__)

def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf() -> None:
    """Every state-changing request carries the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, description="Jeton de sécurité manquant ou expiré : rechargez la page.")


def load_user() -> None:
    user_id = session.get("user_id")
    g.user = g.db.get(User, user_id) if user_id else None
    if g.user is not None and (not g.user.active
                               or session.get("generation") != g.user.session_generation):
        g.user = None
    g.scope = Scope.of(g.user) if g.user is not None else None
    audit.act_as(g.user.email if g.user is not None else "anonyme", request.remote_addr or "",
                 g.user.organisation_id if g.user is not None else None)


def require_role(*roles: str) -> None:
    """Send an anonymous visitor to the sign-in page; refuse a user without the role.
    Administrators may do what coordinators do, in every organisation."""
    if g.user is None:
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    if g.user.role not in roles and not (g.user.role == "admin" and "coordinator" in roles):
        abort(403)


def require_scenario(scenario_id: str) -> None:
    """Not found, for an account outside the scenario's organisation (as if it did not
    exist: its name is not told either)."""
    if g.scope is None or not g.scope.holds(g.db, scenario_id):
        abort(404)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    return target if not parsed.netloc and not parsed.scheme and target.startswith("/") else None


@bp.route("/connexion", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    email = request.form.get("email", "").strip()
    error = None
    if request.method == "POST":
        client = request.remote_addr or "?"
        now = dt.datetime.now(dt.UTC)
        if sign_in_blocked(g.db, client, email, now):
            return render_template("auth/login.html", email=email,
                                   error=_("Trop de tentatives. Réessayez dans quelques minutes.")), 429
        user = sign_in(g.db, email, request.form.get("password", ""), client, now)
        if user is None:
            error = _("Adresse ou mot de passe incorrect.")
        elif user.totp_secret:
            session.clear()  # nothing opens before the second factor
            session["pending_user"] = user.id
            session["pending_until"] = (now + SECOND_FACTOR_WAIT).timestamp()
            return redirect(url_for("auth.code", next=_safe_next(request.args.get("next"))))
        else:
            return _open_session(user)
    return render_template("auth/login.html", email=email, error=error), (401 if error else 200)


SECOND_FACTOR_WAIT = dt.timedelta(minutes=5)


def _open_session(user: User) -> Any:
    session.clear()
    session["user_id"] = user.id
    session["generation"] = user.session_generation
    session.permanent = True
    home = {"staff": "staff.rounds", "nurse": "nurse.week"}.get(user.role, "coordination.plans")
    return redirect(_safe_next(request.args.get("next")) or url_for(home))


@bp.route("/connexion/code", methods=["GET", "POST"])
def code():  # type: ignore[no-untyped-def]
    """The second step of a sign-in with a second factor: the authenticator's code."""
    now = dt.datetime.now(dt.UTC)
    user_id = session.get("pending_user")
    if user_id is None or now.timestamp() > session.get("pending_until", 0):
        session.pop("pending_user", None)
        flash(_("Reprenez la connexion depuis le début."))
        return redirect(url_for("auth.login"))
    error = None
    if request.method == "POST":
        client = request.remote_addr or "?"
        pending = g.db.get(User, user_id)
        email = pending.email if pending else ""
        if sign_in_blocked(g.db, client, email, now):
            return render_template("auth/code.html", error=_(
                "Trop de tentatives. Réessayez dans quelques minutes.")), 429
        user = second_factor(g.db, user_id, request.form.get("code", ""), client, now)
        if user is not None:
            return _open_session(user)
        error = _("Code incorrect ou déjà utilisé : saisissez le code affiché maintenant.")
    return render_template("auth/code.html", error=error), (401 if error else 200)


@bp.route("/compte/securite", methods=["GET", "POST"])
def security():  # type: ignore[no-untyped-def]
    """Turn the second factor (an authenticator app's codes) on or off."""
    if g.user is None:
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    now = dt.datetime.now(dt.UTC)
    error = None
    action = request.form.get("action", "")
    if request.method == "POST":
        try:
            if action == "enable":
                enable_totp(g.db, g.user, session.get("totp_setup", ""), request.form.get("code", ""),
                            now)
                session.pop("totp_setup", None)
                flash(_("Double authentification activée."))
                return redirect(url_for("auth.security"))
            if action == "disable":
                disable_totp(g.db, g.user, request.form.get("code", ""), now)
                flash(_("Double authentification désactivée."))
                return redirect(url_for("auth.security"))
        except InvalidInput:
            error = _("Code refusé : saisissez le code à 6 chiffres affiché par l'application.")
    secret = qr = None
    if not g.user.totp_secret:
        secret = session.get("totp_setup") or new_totp_secret()
        session["totp_setup"] = secret
        qr = segno.make(totp_uri(secret, g.user.email), error="m").svg_data_uri(scale=4)
    return render_template("auth/security.html", secret=secret, qr=qr, error=error), \
        (422 if error else 200)


@bp.post("/deconnexion")
def logout():  # type: ignore[no-untyped-def]
    if g.user is not None:
        end_sessions(g.db, g.user)  # a copy of this cookie no longer opens anything
    session.clear()
    flash(_("Vous êtes déconnecté."))
    return redirect(url_for("public.index"))


def init_app(app: Any) -> None:
    app.before_request(check_csrf)
    app.before_request(load_user)
    app.jinja_env.globals["csrf_token"] = csrf_token
