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
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from outreach.appointments import (
    ACTIVE,
    AGE_BANDS,
    BookableSession,
    SessionRef,
    Slot,
    bookable_session,
)
from outreach.data.scenarios import french_phone
from outreach.db import use_case
from outreach.errors import FieldProblem, InvalidInput, msg
from outreach.messages import Message
from outreach.models import Booking
from outreach.privacy import reseal, seal, unseal

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


def _validated(found: BookableSession, request: Request, today: dt.date) -> tuple[str, str, str]:
    """(first name, contact kind, contact) of a request, or the refusal naming its field."""
    if found.ref.date < today:
        raise BookingRefused("", msg("Cette séance est passée."))
    offer = found.appointments.offer(request.offer)
    slot = found.slot(request.offer, request.start_min)
    if offer is None or slot is None:
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


def _holding(session: Session, ref: SessionRef) -> list[Booking]:
    return list(session.exec(select(Booking).where(
        Booking.scenario_id == ref.scenario_id, Booking.session_date == ref.date,
        Booking.stop_code == ref.stop_code, Booking.service_code == ref.service_code,
        col(Booking.status).in_(ACTIVE))))


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


@use_case
def book(session: Session, ref: SessionRef, request: Request, now: dt.datetime
         ) -> tuple[Booking, str]:
    """Book the request's slot in the session ``ref``: the booking and its link's token.
    Raises :class:`BookingRefused` (a field to fix, or the slot full)."""
    found = bookable_session(session, ref)
    if found is None:
        raise BookingRefused("", msg("Cette séance ne prend pas de rendez-vous en ligne."))
    first_name, kind, contact = _validated(found, request, now.date())
    same = [b for b in _holding(session, ref) if unseal(b.contact_sealed) == contact]
    if len(same) >= MAX_PER_CONTACT:
        raise BookingRefused("contact", msg(
            "Ce contact a déjà %(n)s rendez-vous dans cette séance : utilisez le lien reçu pour "
            "les voir ou les déplacer.", n=len(same)))
    slot = found.slot(request.offer, request.start_min)
    assert slot is not None  # _validated checked it
    token = secrets.token_urlsafe(32)
    booking = Booking(
        scenario_id=ref.scenario_id, session_date=ref.date, stop_code=ref.stop_code,
        service_code=ref.service_code, offer_code=request.offer, slot_start_min=slot.start_min,
        slot_end_min=slot.end_min, status="booked", first_name_sealed=seal(first_name),
        contact_sealed=seal(contact), contact_kind=kind, age_band=request.age_band,
        consent_at=now, created_at=now, token_hash=token_hash(token), token_sealed=seal(token))
    if not _take_seat(session, ref, slot, booking):
        raise BookingRefused("slot", msg("Ce créneau vient d'être pris : choisissez-en un autre."))
    return booking, token


def find(session: Session, token: str) -> Booking | None:
    """The booking of a link's token (compared in constant time), or None."""
    if not token or len(token) > 100:
        return None
    wanted = token_hash(token)
    booking = session.exec(select(Booking).where(Booking.token_hash == wanted)).first()
    if booking is None or not hmac.compare_digest(booking.token_hash, wanted):
        return None
    return booking


def _erase(booking: Booking, now: dt.datetime) -> None:
    booking.first_name_sealed = booking.contact_sealed = booking.token_sealed = ""
    booking.age_band = ""
    booking.erased_at = now


@use_case
def cancel(session: Session, token: str, now: dt.datetime) -> Booking:
    """Cancel the link's booking: its seat is freed and its personal data erased at once
    (the count of bookings stays)."""
    booking = find(session, token)
    if booking is None:
        raise BookingRefused("", msg("Ce lien de rendez-vous n'est pas valable."))
    if booking.status != "booked":
        raise BookingRefused("", msg("Ce rendez-vous ne peut plus être annulé."))
    booking.status, booking.seat_key, booking.cancelled_at = "cancelled", None, now
    _erase(booking, now)
    session.add(booking)
    return booking


@use_case
def move(session: Session, token: str, offer: str, start_min: int, now: dt.datetime) -> Booking:
    """Move the link's booking to another slot of its session (its seat there taken
    before the old one is freed: a full slot leaves the booking where it was)."""
    booking = find(session, token)
    if booking is None:
        raise BookingRefused("", msg("Ce lien de rendez-vous n'est pas valable."))
    if booking.status != "booked" or booking.session_date < now.date():
        raise BookingRefused("", msg("Ce rendez-vous ne peut plus être déplacé."))
    ref = SessionRef.of(booking)
    found = bookable_session(session, ref)
    slot = found.slot(offer, start_min) if found is not None else None
    if slot is None or (offer, start_min) == (booking.offer_code, booking.slot_start_min):
        raise BookingRefused("slot", msg("Choisissez un autre des créneaux proposés."))
    if not _take_seat(session, ref, slot, booking):  # the use case undoes the tries
        raise BookingRefused("slot", msg("Ce créneau vient d'être pris : choisissez-en un autre."))
    return booking


def first_name(booking: Booking) -> str:
    return unseal(booking.first_name_sealed)


def contact(booking: Booking) -> str:
    return unseal(booking.contact_sealed)


@use_case
def confirmed(session: Session, booking_id: int | None, now: dt.datetime) -> None:
    """Record that the booking's confirmation was handed over (never sent twice)."""
    booking = session.get(Booking, booking_id)
    if booking is not None and booking.confirmed_at is None:
        booking.confirmed_at = now
        session.add(booking)


RETENTION_ENV = "OUTREACH_BOOKING_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 30


def retention_days() -> int:
    """Days after its session a booking's personal data is kept (``OUTREACH_BOOKING_RETENTION_DAYS``,
    default 30)."""
    raw = os.environ.get(RETENTION_ENV, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    if not raw.isdigit():
        raise InvalidInput(f"{RETENTION_ENV} : un nombre de jours est attendu (par exemple 30), "
                           f"pas {raw!r}")
    return int(raw)


@use_case
def erase_past(session: Session, today: dt.date, days: int | None = None) -> int:
    """Erase the personal fields of the bookings whose session is more than ``days`` (the
    retention) before ``today``; the bookings stay, to be counted. Returns how many."""
    limit = today - dt.timedelta(days=retention_days() if days is None else days)
    erased = 0
    for booking in session.exec(select(Booking).where(
            Booking.session_date < limit, col(Booking.erased_at).is_(None))):
        _erase(booking, dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC))
        session.add(booking)
        erased += 1
    return erased


def reseal_all(session: Session) -> int:
    """Encrypt every booking's personal fields again with the first key (key rotation)."""
    count = 0
    for booking in session.exec(select(Booking).where(col(Booking.erased_at).is_(None))):
        booking.first_name_sealed = reseal(booking.first_name_sealed)
        booking.contact_sealed = reseal(booking.contact_sealed)
        booking.token_sealed = reseal(booking.token_sealed)
        session.add(booking)
        count += 1
    return count
