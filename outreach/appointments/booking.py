"""Booking a slot without an account, and the secret link that shows, moves or cancels it.

A family gives a first name (or initials), a phone number or an e-mail address for the
messages, the child's age band when the offer asks it, and its consent; nothing else.
Those fields are sealed (outreach.privacy). The booking's link carries a random token of
which only a hash is stored: the link cannot be rebuilt from the database, and a token
is compared in constant time.

Exactly one family gets the last seat of a slot: each booking holds a seat by a unique
``seat_key``; two families trying one seat at the same moment both insert it, and the
database lets one through (the other tries the next seat, and finds the slot full).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from outreach.appointments import (
    ACTIVE,
    AGE_BANDS,
    SESSION_OF,
    BookableSession,
    SessionRef,
    Slot,
    bookable_session,
    local_moment,
    local_today,
    session_params,
    site_horizon,
    utc,
)
from outreach.data.scenarios import french_phone
from outreach.db import use_case
from outreach.errors import FieldProblem, InvalidInput, msg
from outreach.messages import Message
from outreach.models import Booking, FormAttempt
from outreach.privacy import fingerprint, reseal, seal, unseal

MAX_PER_CONTACT = 2  # bookings one phone number or address may hold in one session
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[a-zA-Z]{2,}$")


class BookingRefused(InvalidInput):
    """A booking refused; ``field`` names the form field to fix (or "" for the slot)."""

    def __init__(self, field: str, message: Message) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Request:
    """What a family types to book."""

    offer: str
    start_min: int
    first_name: str
    contact: str
    age_band: str = ""
    consent: bool = False


def contact_of(text: str) -> tuple[str, str]:
    """("email" | "phone", the contact written one way) of what a family typed."""
    text = text.strip()
    if "@" in text:
        if not _EMAIL.match(text) or len(text) > 200:
            raise BookingRefused("contact", msg("Cette adresse e-mail ne semble pas complète "
                                                "(exemple : prenom@exemple.fr)."))
        return "email", text.lower()
    try:
        phone = french_phone(text)
    except FieldProblem:
        phone = ""
    if not phone:
        raise BookingRefused("contact", msg("Indiquez un numéro de téléphone français à dix "
                                            "chiffres (exemple : 06 12 34 56 78) ou une "
                                            "adresse e-mail."))
    return "phone", phone


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _person(found: BookableSession, offer_id: str, request: Request) -> tuple[str, str, str]:
    """(first name, contact kind, contact) of what a family typed, or the refusal naming
    its field."""
    offer = found.appointments.offer(offer_id)
    if offer is None:
        raise BookingRefused("slot", msg("Choisissez l'un des créneaux proposés."))
    first_name = " ".join(request.first_name.split())
    if not first_name:
        raise BookingRefused("first_name", msg("Indiquez un prénom ou des initiales."))
    if len(first_name) > 40:
        raise BookingRefused("first_name", msg("Un prénom ou des initiales suffisent "
                                               "(40 caractères au plus)."))
    kind, contact = contact_of(request.contact)
    if offer.ask_age_band and request.age_band not in AGE_BANDS:
        raise BookingRefused("age_band", msg("Indiquez l'âge de l'enfant."))
    if not request.consent:
        raise BookingRefused("consent", msg("Cochez la case d'accord pour que nous gardions "
                                            "ces informations jusqu'à la séance."))
    return first_name, kind, contact


def _bookable_now(session: Session, ref: SessionRef, now: dt.datetime,
                  found: BookableSession | None = None) -> BookableSession:
    """The session ``ref`` if it takes bookings at ``now`` (``found``: as the caller just
    read it, not read again)."""
    found = found if found is not None and found.ref == ref else bookable_session(session, ref)
    if found is None:
        raise BookingRefused("", msg("Cette séance ne prend pas de rendez-vous en ligne."))
    if found.ref.date < local_today(now):
        raise BookingRefused("", msg("Cette séance est passée."))
    horizon = site_horizon(found, local_today(now))
    if horizon is not None and found.ref.date > horizon:
        raise BookingRefused("", msg("Les rendez-vous de ce jour ne sont pas encore ouverts : "
                                     "ils ouvrent %(weeks)s semaines avant.",
                                     weeks=(horizon - local_today(now)).days // 7))
    return found


_TABLE = Booking.__table__  # type: ignore[attr-defined]
# Built once, as families' posts run them each time (Core statements, their SQL cached).
_SAME_CONTACT = select(func.count()).select_from(_TABLE).where(
    *SESSION_OF, _TABLE.c.contact_hash == bindparam("contact"),
    _TABLE.c.status.in_((*ACTIVE, "waiting")))


def _check_contact(session: Session, ref: SessionRef, contact: str) -> None:
    same = session.connection().execute(
        _SAME_CONTACT, {**session_params(ref), "contact": fingerprint(contact)}).scalar_one()
    if same >= MAX_PER_CONTACT:
        raise BookingRefused("contact", msg(
            "Ce contact a déjà %(n)s rendez-vous dans cette séance : utilisez le lien reçu pour "
            "les voir ou les déplacer.", n=same))


def _new(ref: SessionRef, offer: str, status: str, person: tuple[str, str, str], age_band: str,
         now: dt.datetime) -> tuple[Booking, str]:
    first_name, kind, contact = person
    token = secrets.token_urlsafe(32)
    return Booking(
        scenario_id=ref.scenario_id, session_date=ref.date, stop_code=ref.stop_code,
        service_code=ref.service_code, offer_code=offer, slot_start_min=0, slot_end_min=0,
        status=status, first_name_sealed=seal(first_name), contact_sealed=seal(contact),
        contact_hash=fingerprint(contact),
        contact_kind=kind, age_band=age_band, consent_at=now, created_at=now,
        token_hash=token_hash(token), token_sealed=seal(token)), token


def _holding(session: Session, ref: SessionRef, also: tuple[str, ...] = ()) -> list[Booking]:
    """The session's bookings holding a seat (and those of the statuses ``also``), in the
    order they were made."""
    return list(session.exec(select(Booking).where(
        *ref.where(), col(Booking.status).in_(ACTIVE + also)).order_by(col(Booking.id))))


def _take_seat(session: Session, ref: SessionRef, slot: Slot, booking: Booking) -> bool:
    """Give ``booking`` a free seat of ``slot`` (saved), or False when none is left. Each
    try is a savepoint: a seat another family holds (the unique ``seat_key``) undoes that
    try alone, and the booking's slot is set again for the next."""
    for seat in range(slot.seats):
        booking.offer_code, booking.slot_start_min = slot.offer, slot.start_min
        booking.slot_end_min = slot.end_min
        booking.seat_key = ref.seat_key(slot.offer, slot.start_min, seat)
        try:
            with session.begin_nested():
                session.add(booking)
                session.flush()
            return True
        except IntegrityError:
            continue
    return False


def _seats_from(slot: Slot) -> list[int]:
    """The seats of ``slot`` in the order to try them: from the first one its count says
    is free (the seats before it are most likely held), then the others (a cancellation
    frees a seat anywhere)."""
    first = min(slot.booked, slot.seats)
    return [*range(first, slot.seats), *range(first)]


def _seat_insert(insert: Any) -> Any:
    """A new booking in a seat, in one statement: its row inserted unless the seat is
    held (ON CONFLICT DO NOTHING on the unique ``seat_key``) or its contact already holds
    :data:`MAX_PER_CONTACT` bookings in the session; the new id, or no row."""
    row = select(*[bindparam(c, type_=_TABLE.c[c].type) for c in _COLUMNS]).where(
        _SAME_CONTACT.scalar_subquery() < MAX_PER_CONTACT)
    return insert(_TABLE).from_select(list(_COLUMNS), row).on_conflict_do_nothing(
        index_elements=["seat_key"]).returning(_TABLE.c.id)


_COLUMNS = tuple(c.name for c in _TABLE.columns if c.name != "id")
_SEAT_INSERT = {"postgresql": _seat_insert(postgresql_insert), "sqlite": _seat_insert(sqlite_insert)}


def _one_statement_connection(session: Session) -> Any:
    """The connection for a use case whose writes are each one statement (atomic on its
    own): the session's transaction when it has begun one, else a connection sending each
    statement without a transaction around it (on PostgreSQL, the BEGIN and COMMIT round
    trips saved)."""
    if session.in_transaction():
        return session.connection()
    return session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _insert_in_seat(session: Session, ref: SessionRef, slot: Slot, booking: Booking,
                    contact: str) -> bool:
    """Insert the new ``booking`` in a free seat of ``slot`` (its id set), or False when
    every seat is held; refused when ``contact`` holds its share of the session already.
    One statement a seat tried, no error to undo (:func:`_one_statement_connection`)."""
    connection = _one_statement_connection(session)
    statement = _SEAT_INSERT[connection.dialect.name]
    booking.offer_code, booking.slot_start_min = slot.offer, slot.start_min
    booking.slot_end_min = slot.end_min
    values = {column: getattr(booking, column) for column in _COLUMNS}
    values.update(session_params(ref), contact=booking.contact_hash)
    for tried, seat in enumerate(_seats_from(slot)):
        values["seat_key"] = ref.seat_key(slot.offer, slot.start_min, seat)
        inserted = connection.execute(statement, values).scalar()
        if inserted is not None:
            booking.id, booking.seat_key = inserted, values["seat_key"]
            return True
        if not tried:
            _check_contact(session, ref, contact)  # refused for its contact, or the seat held
    return False


@use_case
def book(session: Session, ref: SessionRef, request: Request, now: dt.datetime,
         found: BookableSession | None = None,
         confirm: Callable[[str], bool] | None = None) -> tuple[Booking, str]:
    """Book the request's slot in the session ``ref`` (``found``: that session as the
    caller just read it): the booking and its link's token. Raises
    :class:`BookingRefused` (a field to fix, or the slot full). Two families taking the
    last seat at once: the seat's unique key lets one through.

    ``confirm``: the caller sends the confirmation itself right after, when
    ``confirm(contact kind)`` says that channel takes messages now; the booking is then
    saved with ``confirmed_at`` set (claimed in the same statement, so no other sender
    takes it), and the caller empties it again if the message was not handed over
    (:func:`claim_message`). The booking is not attached to ``session``."""
    found = _bookable_now(session, ref, now, found)
    slot = found.slot(request.offer, request.start_min)
    if slot is None:
        raise BookingRefused("slot", msg("Choisissez l'un des créneaux proposés."))
    person = _person(found, request.offer, request)
    taken = BookingRefused("slot", msg("Ce créneau vient d'être pris : choisissez-en un autre."))
    if not slot.free:
        raise taken  # full when the session was read: no seat to try, no contact to count
    booking, token = _new(ref, request.offer, "booked", person, request.age_band, now)
    if confirm is not None and confirm(booking.contact_kind):
        booking.confirmed_at = now
    if not _insert_in_seat(session, ref, slot, booking, person[2]):
        raise taken
    return booking, token


@use_case
def join_waiting_list(session: Session, ref: SessionRef, request: Request, now: dt.datetime,
                      found: BookableSession | None = None) -> tuple[Booking, str]:
    """Put a family on the waiting list of the request's offer, when none of its slots is
    free: the first seat freed is offered to the first in line (:func:`offer_free_seats`)."""
    found = _bookable_now(session, ref, now, found)
    person = _person(found, request.offer, request)
    if any(s.free for s in found.slots if s.offer == request.offer):
        raise BookingRefused("slot", msg("Des créneaux sont encore libres : choisissez-en un."))
    _check_contact(session, ref, person[2])
    booking, token = _new(ref, request.offer, "waiting", person, request.age_band, now)
    session.add(booking)
    session.flush()
    return booking, token


def waiting_position(session: Session, booking: Booking) -> int:
    """1 for the first in line of its offer's waiting list, and so on (0: not waiting)."""
    if booking.status != "waiting":
        return 0
    line = [b.id for b in _holding(session, SessionRef.of(booking), ("waiting",))
            if b.status == "waiting" and b.offer_code == booking.offer_code]
    return line.index(booking.id) + 1 if booking.id in line else 0


OFFER_HOURS_ENV = "OUTREACH_WAITLIST_OFFER_HOURS"
DEFAULT_OFFER_HOURS = 24
LAST_OFFER_MIN = 60  # no offer ends less than this before the session starts


def offer_hours() -> int:
    """Hours a waiting family has to take a freed seat (``OUTREACH_WAITLIST_OFFER_HOURS``,
    default 24) before it goes to the next in line."""
    return setting(OFFER_HOURS_ENV, DEFAULT_OFFER_HOURS, "un nombre d'heures", least=1)


def offer_until(found: BookableSession, now: dt.datetime) -> dt.datetime | None:
    """Until when a seat of ``found`` offered at ``now`` stays held: ``offer_hours()``
    from now, never later than an hour before the session; None when that is already past
    (too close to the session, the seat stays open to anyone)."""
    until = min(utc(now) + dt.timedelta(hours=offer_hours()),
                local_moment(found.ref.date, found.start_min)
                - dt.timedelta(minutes=LAST_OFFER_MIN))
    return until if until > utc(now) else None


def hold(session: Session, ref: SessionRef, slot: Slot, booking: Booking,
         until: dt.datetime) -> bool:
    """Hold a seat of ``slot`` for ``booking`` until ``until`` (status "offered", its
    message to send), or False when the slot has no seat left."""
    if not _take_seat(session, ref, slot, booking):
        return False
    booking.status, booking.offered_until, booking.offer_sent_at = "offered", until, None
    session.add(booking)
    session.flush()
    return True


def offer_free_seats(session: Session, ref: SessionRef, now: dt.datetime) -> list[Booking]:
    """Hold each free seat for the first family in line for its offer: the family is
    "offered" the earliest free slot until :func:`offer_until`. The offers' messages are
    sent by :mod:`outreach.appointments.dispatch`."""
    found = bookable_session(session, ref)
    line = [b for b in _holding(session, ref, ("waiting",)) if b.status == "waiting"]
    until = offer_until(found, now) if found is not None and line else None
    if found is None or until is None:
        return []
    offered = []
    for entry in line:
        slot = next((s for s in found.slots if s.offer == entry.offer_code and s.free
                     and local_moment(ref.date, s.start_min) > until), None)
        if slot is None or not hold(session, ref, slot, entry, until):
            continue
        offered.append(entry)
        found = bookable_session(session, ref) or found  # that seat is held now
    return offered


@use_case
def accept_offer(session: Session, token: str, now: dt.datetime,
                 confirm: Callable[[str], bool] | None = None) -> Booking:
    """A waiting family takes the seat offered to it: booked (an offer past its time is
    refused; the dispatcher passes it to the next in line). ``confirm``: as for
    :func:`book`, the caller sends the confirmation, claimed here."""
    booking = _by_token(session, token)
    if booking.status != "offered" or booking.offered_until is None \
            or utc(booking.offered_until) <= utc(now):
        raise BookingRefused("", msg("Cette proposition n'est plus valable : le créneau est "
                                     "passé à la famille suivante."))
    # The seat taken is confirmed anew (a booking moved by a new plan had its first
    # confirmation already): the page sends it, or the dispatcher if it cannot.
    confirming = confirm is not None and confirm(booking.contact_kind)
    booking.status, booking.offered_until = "booked", None
    booking.confirmed_at = now if confirming else None
    session.add(booking)
    return booking


@use_case
def expire_offers(session: Session, now: dt.datetime) -> int:
    """Offers not taken in time: the family leaves the list (its data erased) and the seat
    goes to the next in line. Returns how many expired."""
    late = list(session.exec(select(Booking).where(
        Booking.status == "offered", col(Booking.offered_until) <= utc(now))))
    for booking in late:
        booking.status, booking.seat_key, booking.cancelled_at = "expired", None, now
        erase(booking, now)
        session.add(booking)
    session.flush()
    for ref in {SessionRef.of(b) for b in late}:
        offer_free_seats(session, ref, now)
    return len(late)


def find(session: Session, token: str) -> Booking | None:
    """The booking of a link's token (compared in constant time), or None."""
    if not token or len(token) > 100:
        return None
    wanted = token_hash(token)
    booking = session.exec(select(Booking).where(Booking.token_hash == wanted)).first()
    if booking is None or not hmac.compare_digest(booking.token_hash, wanted):
        return None
    return booking


def erase(booking: Booking, now: dt.datetime) -> None:
    """Erase a booking's personal fields (its counts stay)."""
    booking.first_name_sealed = booking.contact_sealed = booking.token_sealed = ""
    booking.contact_hash = ""
    booking.age_band = ""
    booking.erased_at = now


def _by_token(session: Session, token: str) -> Booking:
    booking = find(session, token)
    if booking is None:
        raise BookingRefused("", msg("Ce lien de rendez-vous n'est pas valable."))
    return booking


@use_case
def cancel(session: Session, token: str, now: dt.datetime) -> Booking:
    """Cancel the link's booking, or leave the waiting list, or decline a seat offered: a
    seat is freed (and offered to the first in line) and the personal data erased at once
    (the count of bookings stays)."""
    booking = _by_token(session, token)
    if booking.status not in ("booked", "waiting", "offered"):
        raise BookingRefused("", msg("Ce rendez-vous ne peut plus être annulé."))
    booking.status, booking.seat_key, booking.cancelled_at = "cancelled", None, now
    erase(booking, now)
    session.add(booking)
    session.flush()
    offer_free_seats(session, SessionRef.of(booking), now)
    return booking


@use_case
def move(session: Session, token: str, offer: str, start_min: int, now: dt.datetime) -> Booking:
    """Move the link's booking to another slot of its session (its seat there taken
    before the old one is freed: a full slot leaves the booking where it was); the seat
    freed is offered to the first in line."""
    booking = _by_token(session, token)
    if booking.status != "booked" or booking.session_date < local_today(now):
        raise BookingRefused("", msg("Ce rendez-vous ne peut plus être déplacé."))
    ref = SessionRef.of(booking)
    found = bookable_session(session, ref)
    slot = found.slot(offer, start_min) if found is not None else None
    if slot is None or (offer, start_min) == (booking.offer_code, booking.slot_start_min):
        raise BookingRefused("slot", msg("Choisissez un autre des créneaux proposés."))
    if not _take_seat(session, ref, slot, booking):  # the use case undoes the tries
        raise BookingRefused("slot", msg("Ce créneau vient d'être pris : choisissez-en un autre."))
    offer_free_seats(session, ref, now)
    return booking


def first_name(booking: Booking) -> str:
    return unseal(booking.first_name_sealed)


def contact(booking: Booking) -> str:
    return unseal(booking.contact_sealed)


@use_case
def claim_message(session: Session, booking_id: int | None, flag: str,
                  at: dt.datetime | None) -> bool:
    """Set the booking's message flag ``flag`` (``confirmed_at``, ``offer_sent_at``...) to
    ``at`` where it is still empty, before the message is sent: of two senders at once,
    one gets it, so it goes once. ``at`` None empties it again (the message was not handed
    over: outreach.appointments.dispatch tries at its next round). True when this call
    changed it."""
    column = getattr(Booking, flag)
    result = session.execute(update(Booking).where(
        col(Booking.id) == booking_id, column.is_(None) if at is not None else column.is_not(None)
    ).values({flag: at}))
    return bool(result.rowcount)  # type: ignore[attr-defined]


RETENTION_ENV = "OUTREACH_BOOKING_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30


def retention_days() -> int:
    """Days after its session a booking's personal data is kept (``OUTREACH_BOOKING_RETENTION_DAYS``,
    default 30)."""
    return setting(RETENTION_ENV, DEFAULT_RETENTION_DAYS, "un nombre de jours")


def setting(name: str, default: int, what: str, least: int = 0) -> int:
    """A whole-number setting of the environment (``default`` when unset), or the error
    naming it and what is expected."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < least:
        raise InvalidInput(f"{name} : {what} est attendu (par exemple {default}), pas {raw!r}")
    return int(raw)


@use_case
def erase_past(session: Session, today: dt.date, days: int | None = None) -> int:
    """Erase the personal fields of the bookings whose session is more than ``days`` (the
    retention) before ``today``; the bookings stay, to be counted. Returns how many."""
    limit = today - dt.timedelta(days=retention_days() if days is None else days)
    erased = 0
    for booking in session.exec(select(Booking).where(
            Booking.session_date < limit, col(Booking.erased_at).is_(None))):
        erase(booking, dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC))
        session.add(booking)
        erased += 1
    return erased


def reseal_all(session: Session) -> int:
    """Encrypt every booking's personal fields again with the first key (key rotation)."""
    count = 0
    for booking in session.exec(select(Booking).where(col(Booking.erased_at).is_(None))):
        booking.first_name_sealed = reseal(booking.first_name_sealed)
        booking.contact_sealed = reseal(booking.contact_sealed)
        booking.contact_hash = fingerprint(unseal(booking.contact_sealed))
        booking.token_sealed = reseal(booking.token_sealed)
        session.add(booking)
        count += 1
    return count


RATE_ENV = "OUTREACH_BOOKING_FORMS_PER_HOUR"
DEFAULT_RATE = 20


def forms_per_hour() -> int:
    """Booking forms one client address may send in an hour
    (``OUTREACH_BOOKING_FORMS_PER_HOUR``, default 20; 0: no limit)."""
    return setting(RATE_ENV, DEFAULT_RATE, "un nombre de formulaires par heure")


def note_form(session: Session, client_hash: str, now: dt.datetime) -> bool:
    """Count a booking form sent from a client address (its keyed hash); False when the
    address has already sent ``forms_per_hour()`` in the last hour (the form is then not
    processed, and not counted). No limit: nothing counted, nothing written."""
    limit = forms_per_hour()
    return not limit or _note_form(session, client_hash, now, limit)


_FORMS = FormAttempt.__table__  # type: ignore[attr-defined]
# A form noted unless its address has sent ``limit`` in the hour: one statement.
_NOTE_FORM = insert(_FORMS).from_select(["client_hash", "at"], select(
    bindparam("client_hash", type_=_FORMS.c.client_hash.type), bindparam("at", type_=_FORMS.c.at.type)
).where(select(func.count()).select_from(_FORMS).where(
    _FORMS.c.client_hash == bindparam("client_hash"), _FORMS.c.at >= bindparam("since")
).scalar_subquery() < bindparam("limit"))).returning(_FORMS.c.id)
SWEEP_EVERY = 64  # every 64th form noted, the attempts older than a day are deleted


@use_case
def _note_form(session: Session, client_hash: str, now: dt.datetime, limit: int) -> bool:
    connection = _one_statement_connection(session)
    noted = connection.execute(_NOTE_FORM, {
        "client_hash": client_hash, "at": utc(now), "since": utc(now) - dt.timedelta(hours=1),
        "limit": limit}).scalar()
    if noted is None:
        return False
    if noted % SWEEP_EVERY == 0:
        connection.execute(delete(_FORMS).where(_FORMS.c.at < utc(now) - dt.timedelta(days=1)))
    return True
