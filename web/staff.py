"""Staff pages: my rounds, a printable day sheet, and my private calendar feed."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from outreach.appointments import (
    BookableSite,
    SessionRef,
    bookable_session,
    bookable_sites,
    local_today,
    site_days,
    staffing,
)
from outreach.appointments.booking import BookingRefused
from outreach.models import FixedSite, StaffMember
from outreach.publishing.rounds import (
    active_token,
    create_token,
    published_at,
    revoke_tokens,
    rounds_calendar,
    staff_for_token,
    staff_rounds,
)
from web import now, public_url, today, webcal_url
from web.auth import require_role

bp = Blueprint("staff", __name__)

# The feed is read by calendar apps that cannot sign in: its token is its key.
_TOKEN_ENDPOINTS = {"staff.feed"}


@bp.before_request
def _staff_only() -> None:
    if request.endpoint in _TOKEN_ENDPOINTS:
        return
    require_role("staff")
    if g.user.staff_id is None and g.user.site_id is None:
        abort(403)


def _member() -> StaffMember:
    member = g.db.get(StaffMember, g.user.staff_id) if g.user.staff_id is not None else None
    if member is None:
        abort(403)
    return member


def _site() -> BookableSite | None:
    """The fixed site of a site's staff account (None: a crew member's account)."""
    if g.user.site_id is None:
        return None
    row = g.db.get(FixedSite, g.user.site_id)
    site = next(iter(bookable_sites(g.db, scenario_id=row.scenario_id, code=row.code)), None) \
        if row is not None else None
    if site is None:
        abort(403)  # the site no longer takes appointments
    return site


@bp.get("/mes-tournees")
def rounds():  # type: ignore[no-untyped-def]
    site = _site()
    if site is not None:  # a site's staff: its openings, today's with its bookings
        return render_template("staff/site.html", site=site, days=site_days(g.db, site, today()),
                               today=local_today(now()))
    member = _member()
    show_past = request.args.get("passe") == "1"
    days = staff_rounds(g.db, member.id, None if show_past else today())
    return render_template("staff/rounds.html", member=member, days=days, show_past=show_past,
                           today=local_today(now()))


@bp.get("/mes-tournees/<day>")
def day_sheet(day: str):  # type: ignore[no-untyped-def]
    member = _member()
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        abort(404)
    assert member.id is not None
    days = [d for d in staff_rounds(g.db, member.id, date) if d.date == date]
    if not days:
        abort(404)
    return render_template("staff/day.html", member=member, days=days, date=date,
                           today=local_today(now()))


def _my_session_today(day: str, stop: str, service: str) -> SessionRef:
    """The session named, when it is today's and the signed-in member is in its crew (a
    site's staff: the site's opening today)."""
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        abort(404)
    if date != local_today(now()):
        abort(404)  # the list of the day only: nothing ahead, nothing past
    site = _site()
    if site is not None:
        ref = site.ref(date)
        if (stop, service) != (ref.stop_code, ref.service_code) \
                or bookable_session(g.db, ref) is None:
            abort(404)  # another site's, or the site is closed today
        return ref
    member = _member()
    assert member.id is not None
    mine = any(s.stop_code == stop and s.service_code == service
               for d in staff_rounds(g.db, member.id, date) if d.date == date for s in d.stops)
    if not mine:
        abort(404)
    return SessionRef(member.scenario_id, date, stop, service)


@bp.route("/mes-tournees/<day>/rendez-vous/<stop>/<service>", methods=["GET", "POST"])
def session_bookings(day: str, stop: str, service: str):  # type: ignore[no-untyped-def]
    """Today's session: the booked first names and slots; mark each seen or absent, count
    the families who walked in. Every look and mark is in the audit log."""
    ref = _my_session_today(day, stop, service)
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            if action == "walk_in":
                staffing.walk_in(g.db, ref, now())
            else:
                booking_id = request.form.get("booking", "")
                staffing.mark(g.db, ref, int(booking_id) if booking_id.isdigit() else -1,
                              action, now())
        except BookingRefused:
            abort(400)
        return redirect(url_for("staff.session_bookings", day=day, stop=stop, service=service))
    found, entries, walk_ins = staffing.day_list(g.db, ref)
    response = Response(render_template("staff/bookings.html", s=found, ref=ref,
                                        entries=entries, walk_ins=walk_ins))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/mes-tournees/calendrier", methods=["GET", "POST"])
def calendar_link():  # type: ignore[no-untyped-def]
    member = _member()
    if request.method == "POST":
        action = request.form.get("action")
        if action == "create":
            create_token(g.db, member.id)
            flash(_("Nouveau lien créé. L'ancien lien, s'il existait, ne fonctionne plus."))
        elif action == "revoke":
            revoke_tokens(g.db, member.id)
            flash(_("Lien révoqué : votre agenda ne recevra plus les mises à jour."))
        else:
            abort(400, description="Requête invalide.")
        return redirect(url_for("staff.calendar_link"))
    token = active_token(g.db, member.id)
    feed_url = public_url("staff.feed", token=token.token) if token else None
    return render_template("staff/calendar.html", member=member, token=token, feed_url=feed_url,
                           webcal_url=webcal_url(feed_url))


@bp.get("/calendrier/<token>.ics")
def feed(token: str):  # type: ignore[no-untyped-def]
    member = staff_for_token(g.db, token)
    if member is None:
        abort(404)
    assert member.id is not None
    days = staff_rounds(g.db, member.id, today() - dt.timedelta(days=31))
    body = rounds_calendar(member, days, published_at(g.db, member.scenario_id))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": "attachment; filename=mes-tournees.ics",
        "Cache-Control": "private, no-store",
        "X-Robots-Tag": "noindex",
    })
