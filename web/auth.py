"""Sign-in, roles, CSRF tokens and a login rate limit."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Any
from urllib.parse import urlparse

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from outreach.models import User
from outreach.users import authenticate
from web.i18n import gettext as _

bp = Blueprint("auth", __name__)

MAX_FAILURES = 5
FAILURE_WINDOW_S = 300.0


class _RateLimiter:
    """Failed sign-ins per client address in a sliding window (in memory, per process)."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        with self._lock:
            window = self._failures[key]
            while window and window[0] < time.monotonic() - FAILURE_WINDOW_S:
                window.popleft()
            return len(window) >= MAX_FAILURES

    def fail(self, key: str) -> None:
        with self._lock:
            self._failures[key].append(time.monotonic())

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


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
    if g.user is not None and not g.user.active:
        g.user = None


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
        key = request.remote_addr or "?"
        limiter: _RateLimiter = current_app.extensions["login_limiter"]
        if limiter.blocked(key):
            return render_template("auth/login.html", email=email,
                                   error=_("Trop de tentatives. Réessayez dans quelques minutes.")), 429
        user = authenticate(g.db, email, request.form.get("password", ""))
        if user is None:
            limiter.fail(key)
            error = _("Adresse ou mot de passe incorrect.")
        else:
            limiter.reset(key)
            session.clear()
            session["user_id"] = user.id
            session.permanent = True
            home = "coordination.plans" if user.role == "coordinator" else "staff.rounds"
            return redirect(_safe_next(request.args.get("next")) or url_for(home))
    return render_template("auth/login.html", email=email, error=error), (401 if error else 200)


@bp.post("/deconnexion")
def logout():  # type: ignore[no-untyped-def]
    session.clear()
    flash(_("Vous êtes déconnecté."))
    return redirect(url_for("public.index"))


def init_app(app: Any) -> None:
    app.extensions["login_limiter"] = _RateLimiter()
    app.before_request(check_csrf)
    app.before_request(load_user)
    app.jinja_env.globals["csrf_token"] = csrf_token
