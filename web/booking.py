"""Families book a slot in a published session, without an account, and follow it by a
secret link (outreach.appointments). The pages are never cached nor indexed; the link's
pages send no referrer, so that the token never leaves in a Referer header."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from outreach import db
from outreach.appointments import (
    AGE_BANDS,
    PARIS,
    BookableSession,
    PlanSessions,
    SessionRef,
    bookable_session,
    bookable_sites,
    recount,
    site_days,
    utc,
)
from outreach.appointments import booking as bookings
from outreach.appointments.booking import BookingRefused, Request
from outreach.appointments.messages import can_send, send_confirmation
from outreach.models import Booking
from outreach.publishing import ical
from web import holes, now, public_url, today

bp = Blueprint("booking", __name__, url_prefix="/rendez-vous")

PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex",
           "Referrer-Policy": "no-referrer"}
FIELDS = ("slot", "first_name", "contact", "age_band", "consent")
HONEYPOT = "site_web"  # hidden from people; a robot that fills every field fills it


def _page(body: str, status: int = 200) -> Response:
    response = Response(body, status=status, mimetype="text/html")
    response.headers.update(PRIVATE)
    return response


def _known() -> PlanSessions:
    """This process's memory of sessions read from their plan (a post then reads only
    which plan is published and what is booked)."""
    known = current_app.extensions.get("booking.plan_sessions")
    if known is None:
        known = current_app.extensions["booking.plan_sessions"] = PlanSessions()
    return known


def _session_or_404(scenario_id: str, date: str, stop: str, service: str) -> BookableSession:
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        abort(404)
    with db.reading(current_app.config["DATABASE_URL"]) as reading:  # one round trip
        found = bookable_session(reading, SessionRef(scenario_id, day, stop, service), _known())
    if found is None:
        abort(404)
    return found


WAIT = "attente"  # the slot value of an offer's waiting list: "<offer>@attente"


def _client_hash() -> str:
    """The client's address, keyed-hashed (the rate limit never stores an address)."""
    key = str(current_app.secret_key or "").encode("utf-8")
    address = (request.remote_addr or "?").encode("utf-8")
    return hmac.new(key, address, hashlib.sha256).hexdigest()[:32]


def _slot_value(offer: str, start_min: int | str) -> str:
    return f"{offer}@{start_min}"


def _parse_slot(value: str) -> tuple[str, int]:
    offer, _, start = value.partition("@")
    return offer, int(start) if start.isdigit() else -1


def _confirm(booked: Booking, found: BookableSession, token: str) -> None:
    """Send the confirmation the booking claimed when it was saved (``confirmed_at``);
    when it cannot be handed over, the background worker tries again (the page shows the
    link whatever happens)."""
    if booked.confirmed_at is None:
        return  # its channel takes no message now: the worker has it
    if not send_confirmation(booked, found, public_url("booking.follow", token=token)):
        bookings.claim_message(g.db, booked.id, "confirmed_at", None)


@bp.route("/<scenario_id>/<date>/<stop>/<service>", methods=["GET", "POST"])
def session_page(scenario_id: str, date: str, stop: str, service: str) -> Response:
    """A session's free slots and the booking form; a booking made goes to its link."""
    found = _session_or_404(scenario_id, date, stop, service)
    form: dict[str, Any] = {}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in FIELDS}
        if request.form.get(HONEYPOT):
            abort(400)
        status = 400
        if not bookings.note_form(g.db, _client_hash(), now()):
            errors["slot"] = _("Trop de demandes depuis cette connexion : réessayez dans une "
                               "heure, ou appelez le service.")
            status = 429
    if request.method == "POST" and not errors:
        offer, start = _parse_slot(form["slot"])
        wait = form["slot"].endswith("@" + WAIT)
        asked = Request(offer=offer, start_min=start, first_name=form["first_name"],
                        contact=form["contact"], age_band=form["age_band"],
                        consent=form["consent"] == "oui")
        try:
            if wait:
                made, token = bookings.join_waiting_list(g.db, found.ref, asked, now(), found)
            else:
                made, token = bookings.book(g.db, found.ref, asked, now(), found, can_send)
        except BookingRefused as refused:
            errors[refused.field or "slot"] = str(refused)
            chosen = found.slot(offer, start)
            if chosen is not None and chosen.free:  # taken since it was read: read them again
                found = recount(g.db, found)
        else:
            if not wait:
                _confirm(made, found, token)
            return redirect(url_for("booking.follow", token=token, nouveau=1), 303)  # type: ignore[return-value]
    return _page(holes.render(
        "booking/session.html", (found.shown(), tuple(sorted(errors.items()))), form, s=found,
        errors=errors, age_bands=AGE_BANDS, slot_value=_slot_value, wait=WAIT,
        honeypot=HONEYPOT), status)


@bp.get("/site/<scenario_id>/<code>")
def site_page(scenario_id: str, code: str) -> Response:
    """A fixed site's next openings for appointments (a maison départementale de la
    solidarité's first insertion appointments), each with its free slots."""
    site = next(iter(bookable_sites(g.db, scenario_id=scenario_id, code=code)), None)
    if site is None:
        abort(404)
    return _page(render_template("booking/site.html", site=site,
                                 days=site_days(g.db, site, today())))


def _booking_or_404(token: str) -> Booking:
    found = bookings.find(g.db, token)
    if found is None:
        abort(404)
    return found


def _follow_page(booking: Booking, token: str, errors: dict[str, str], status: int = 200,
                 new: bool = False) -> Response:
    found = bookable_session(g.db, SessionRef.of(booking), _known())
    return _page(render_template(
        "booking/follow.html", b=booking, s=found, token=token, slot_value=_slot_value,
        first_name=bookings.first_name(booking), new=new, errors=errors,
        position=bookings.waiting_position(g.db, booking),
        offered_until=utc(booking.offered_until).astimezone(PARIS) if booking.offered_until
        else None, offer_hours=bookings.offer_hours()), status)


@bp.get("/suivi/<token>")
def follow(token: str) -> Response:
    """A booking by its secret link: when and where, move it, cancel it, add it to a
    calendar; a waiting family's place in line, or the seat offered to it."""
    return _follow_page(_booking_or_404(token), token, {},
                        new=request.args.get("nouveau") == "1")


@bp.post("/suivi/<token>/accepter")
def accept(token: str) -> Response:
    """A waiting family takes the seat offered to it."""
    _booking_or_404(token)
    try:
        booked = bookings.accept_offer(g.db, token, now(), can_send)
    except BookingRefused as refused:
        return _follow_page(_booking_or_404(token), token, {"offer": str(refused)}, 409)
    found = bookable_session(g.db, SessionRef.of(booked), _known())
    if found is not None:
        _confirm(booked, found, token)
    return redirect(url_for("booking.follow", token=token, accepte=1), 303)  # type: ignore[return-value]


@bp.post("/suivi/<token>/annuler")
def cancel(token: str) -> Response:
    _booking_or_404(token)
    try:
        bookings.cancel(g.db, token, now())
    except BookingRefused:
        pass  # already cancelled or held: the page says what it is
    return redirect(url_for("booking.follow", token=token), 303)  # type: ignore[return-value]


@bp.post("/suivi/<token>/deplacer")
def move(token: str) -> Response:
    _booking_or_404(token)
    offer, start = _parse_slot(request.form.get("slot", ""))
    try:
        bookings.move(g.db, token, offer, start, now())
    except BookingRefused as refused:
        return _follow_page(_booking_or_404(token), token, {"slot": str(refused)}, 400)
    return redirect(url_for("booking.follow", token=token, deplace=1), 303)  # type: ignore[return-value]


@bp.get("/suivi/<token>/rendez-vous.ics")
def calendar_file(token: str) -> Response:
    """The booking as an iCalendar file (no name, no contact in it)."""
    booking = _booking_or_404(token)
    found = bookable_session(g.db, SessionRef.of(booking), _known())
    if booking.status != "booked" or found is None:
        abort(404)
    offer = found.appointments.offer(booking.offer_code)
    event = ical.Event(
        uid=f"booking-{booking.id}@outreach", date=booking.session_date,
        start_min=booking.slot_start_min, end_min=booking.slot_end_min,
        summary=f"{found.service_name} : {offer.label if offer else ''}".strip(" :"),
        location=f"{found.venue}, {found.commune_name}",
        description=_("Voir, déplacer ou annuler : %(link)s",
                      link=public_url("booking.follow", token=token)))
    body = ical.calendar([event], found.service_name, booking.created_at)
    response = Response(body, mimetype="text/calendar")
    response.headers.update(PRIVATE)
    response.headers["Content-Disposition"] = 'attachment; filename="rendez-vous.ics"'
    return response
