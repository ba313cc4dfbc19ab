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
from outreach.models import User
from outreach.users import end_sessions, sign_in, sign_in_blocked

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
    audit.act_as(g.user.email if g.user is not None else "anonyme", request.remote_addr or "")


def require_role(*roles: str) -> None:
    """Send an anonymous visitor to the sign-in page; refuse a user without the role."""
    if g.user is None:
        abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
    if g.user.role not in roles:
        abort(403)


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
        else:
            session.clear()
            session["user_id"] = user.id
            session["generation"] = user.session_generation
            session.permanent = True
            home = "coordination.plans" if user.role == "coordinator" else "staff.rounds"
            return redirect(_safe_next(request.args.get("next")) or url_for(home))
    return render_template("auth/login.html", email=email, error=error), (401 if error else 200)


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
