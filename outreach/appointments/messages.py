"""Messages to families about their bookings: e-mail through SMTP (outreach.mail), text
messages through a provider (:class:`SmsProvider`).

The text-message provider is chosen by ``OUTREACH_SMS``: ``log`` (the default) hands
nothing to anyone and logs only that a message of some length was ready for booking N,
never the number or the text; a département plugs in its operator's service by
implementing :class:`SmsProvider` (``send(number, text)``) and naming it
``module:Class`` in ``OUTREACH_SMS``.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import Protocol

from outreach import mail
from outreach.appointments import BookableSession
from outreach.models import Booking
from outreach.privacy import unseal
from outreach.timefmt import format_hhmm
from outreach.wording import date_fr

log = logging.getLogger(__name__)


class SmsProvider(Protocol):
    def send(self, number: str, text: str) -> None: ...


class LogOnlySms:
    """Sends nothing: logs that a text of so many characters was ready (no number, no text)."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, number: str, text: str) -> None:
        self.sent += 1
        log.info("SMS non envoyé (OUTREACH_SMS=log) : message de %s caractères prêt", len(text))


def sms_provider() -> SmsProvider:
    name = os.environ.get("OUTREACH_SMS", "log").strip() or "log"
    if name == "log":
        return LogOnlySms()
    module, _, cls = name.partition(":")
    return getattr(importlib.import_module(module), cls)()  # type: ignore[no-any-return]


def when(booking: Booking) -> str:
    return (f"{date_fr(booking.session_date)} à {format_hhmm(booking.slot_start_min)}")


def confirmation(booking: Booking, found: BookableSession, link: str) -> tuple[str, str]:
    """(subject, body) of the message that confirms a booking, in plain French."""
    offer = found.appointments.offer(booking.offer_code)
    label = offer.label if offer else found.service_name
    subject = f"Rendez-vous confirmé le {when(booking)} – {found.service_name}"
    body = "\n".join([
        f"Bonjour {unseal(booking.first_name_sealed)},",
        "",
        f"Votre rendez-vous est confirmé le {when(booking)} (jusqu'à "
        + f"{format_hhmm(booking.slot_end_min)}) :",
        f"{label}.",
        f"Lieu : {found.venue}, {found.commune_name}.",
        "",
        f"Pour voir, déplacer ou annuler ce rendez-vous : {link}",
        "Si vous ne pouvez pas venir, annulez-le : la place ira à une autre famille.",
        "",
        f"{found.service_name}" + (f" – {found.contact}" if found.contact else "")
        + (f" – {found.phone}" if found.phone else ""),
    ])
    return subject, body


def short_text(booking: Booking, found: BookableSession, link: str) -> str:
    """The same confirmation as a text message."""
    return (f"RDV {found.service_name} le {when(booking)}, {found.venue}, {found.commune_name}. "
            f"Voir, déplacer ou annuler : {link}")


def send_confirmation(booking: Booking, found: BookableSession, link: str,
                      sms: SmsProvider | None = None) -> bool:
    """Hand the confirmation to the booking's channel; True when it was handed over (the
    caller records ``confirmed_at``). A mail server that refuses it is logged (without the
    address) and the page still shows the link."""
    contact = unseal(booking.contact_sealed)
    try:
        if booking.contact_kind == "email":
            if not mail.configured():
                return False
            mail.send(contact, *confirmation(booking, found, link))
        else:
            (sms or sms_provider()).send(contact, short_text(booking, found, link))
    except mail.MailError:
        log.warning("confirmation of booking %s not handed to the mail server", booking.id)
        return False
    return True
