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


KINDS = ("confirmation", "offer", "before", "day", "moved")


def _subject(kind: str, booking: Booking, found: BookableSession) -> str:
    return {
        "confirmation": f"Rendez-vous confirmé le {when(booking)} – {found.service_name}",
        "offer": f"Une place s'est libérée le {when(booking)} – {found.service_name}",
        "before": f"Rappel : rendez-vous le {when(booking)} – {found.service_name}",
        "day": f"Aujourd'hui à {format_hhmm(booking.slot_start_min)} : votre rendez-vous – "
               f"{found.service_name}",
        "moved": f"Votre rendez-vous change : nouveau créneau proposé le {when(booking)} – "
                 f"{found.service_name}",
    }[kind]


def _until(booking: Booking) -> str:
    from outreach.appointments import PARIS, utc

    assert booking.offered_until is not None
    moment = utc(booking.offered_until).astimezone(PARIS)
    return f"{date_fr(moment.date())} à {moment.strftime('%Hh%M')}"


def compose(kind: str, booking: Booking, found: BookableSession, link: str) -> tuple[str, str]:
    """(subject, body) of a message about a booking, in plain French: a confirmation, a
    waiting family's offer of a freed seat, the reminder two days before or the morning's.
    Each says where and carries the link that moves or cancels."""
    offer = found.appointments.offer(booking.offer_code)
    label = offer.label if offer else found.service_name
    span = f"le {when(booking)} (jusqu'à {format_hhmm(booking.slot_end_min)})"
    opening = {
        "confirmation": f"Votre rendez-vous est confirmé {span} :",
        "offer": f"Une place s'est libérée {span} :",
        "before": f"Nous vous rappelons votre rendez-vous {span} :",
        "day": f"Nous vous attendons aujourd'hui à {format_hhmm(booking.slot_start_min)} :",
        "moved": f"La séance du {date_fr(booking.previous_date or booking.session_date)} n'a "
                 f"plus lieu. Nous vous proposons une place {span} :",
    }[kind]
    if kind in ("offer", "moved"):
        action = [f"Elle vous est réservée jusqu'au {_until(booking)}.",
                  f"Pour la prendre, ou la laisser à la famille suivante : {link}"]
    else:
        action = [f"Pour voir, déplacer ou annuler ce rendez-vous : {link}",
                  "Si vous ne pouvez pas venir, annulez-le : la place ira à une autre famille."]
    body = "\n".join([
        f"Bonjour {unseal(booking.first_name_sealed)},",
        "",
        opening,
        f"{label}.",
        f"Lieu : {found.venue}, {found.commune_name}.",
        "",
        *action,
        "",
        f"{found.service_name}" + (f" – {found.contact}" if found.contact else "")
        + (f" – {found.phone}" if found.phone else ""),
    ])
    return _subject(kind, booking, found), body


def confirmation(booking: Booking, found: BookableSession, link: str) -> tuple[str, str]:
    return compose("confirmation", booking, found, link)


def short_text(kind: str, booking: Booking, found: BookableSession, link: str) -> str:
    """The same message as a text message."""
    where = f"{found.venue}, {found.commune_name}"
    if kind in ("offer", "moved"):
        head = ("Place libérée" if kind == "offer" else
                f"Séance du {date_fr(booking.previous_date or booking.session_date)} annulée, "
                "place proposée")
        return (f"{head} : {found.service_name} le {when(booking)}, {where}. Réservée "
                f"jusqu'au {_until(booking)}. La prendre ou la laisser : {link}")
    head = {"confirmation": "RDV", "before": "Rappel RDV", "day": "Aujourd'hui RDV"}[kind]
    return (f"{head} {found.service_name} le {when(booking)}, {where}. "
            f"Voir, déplacer ou annuler : {link}")


def dropped(booking: Booking, service: tuple[str, str, str], site: str) -> tuple[str, str]:
    """(subject, body) telling a family its session left the plan and no seat near was free;
    ``service`` is (name, contact, phone)."""
    name, contact, phone = service
    day = date_fr(booking.previous_date or booking.session_date)
    body = "\n".join([
        f"Bonjour {unseal(booking.first_name_sealed)},",
        "",
        (f"La séance {name} du {day} n'a plus lieu, et aucune place n'est libre dans une "
         "séance proche pour l'instant : votre rendez-vous est annulé et vos informations "
         "sont effacées."),
        f"Pour reprendre rendez-vous : {site}",
        "",
        name + (f" – {contact}" if contact else "") + (f" – {phone}" if phone else ""),
    ])
    return f"Séance du {day} annulée – {name}", body


def can_send(contact_kind: str) -> bool:
    """Whether a message to a contact of this kind ("email" or "phone") can be handed
    over now: e-mails need a mail server (``OUTREACH_SMTP_URL``), text messages go to
    the provider (the log by default)."""
    return contact_kind != "email" or mail.configured()


def send_text(booking: Booking, subject: str, body: str, short: str,
              sms: SmsProvider | None = None) -> bool:
    """Hand a message to the booking's channel (``short`` by text message); True when it
    was handed over. A mail server that refuses it is logged (without the address);
    without an SMTP server, e-mails are not handed over (False)."""
    contact = unseal(booking.contact_sealed)
    if not contact or not can_send(booking.contact_kind):
        return False
    try:
        if booking.contact_kind == "email":
            mail.send(contact, subject, body)
        else:
            (sms or sms_provider()).send(contact, short)
    except mail.MailError:
        log.warning("a message of booking %s not handed to the mail server", booking.id)
        return False
    return True


def send(kind: str, booking: Booking, found: BookableSession, link: str,
         sms: SmsProvider | None = None) -> bool:
    """Hand a message about ``booking`` (a kind of :data:`KINDS`) to its channel."""
    return send_text(booking, *compose(kind, booking, found, link),
                     short_text(kind, booking, found, link), sms)


def send_confirmation(booking: Booking, found: BookableSession, link: str,
                      sms: SmsProvider | None = None) -> bool:
    """Hand the confirmation over (the caller has claimed it: ``confirmed_at``); the page
    shows the link whatever happens."""
    return send("confirmation", booking, found, link, sms)
