"""E-mail through SMTP, when ``OUTREACH_SMTP_URL`` is set.

``smtp://user:password@host:port`` (plain, or STARTTLS when the server offers it),
``smtps://...`` (TLS from the start); ``OUTREACH_MAIL_FROM`` is the sender (default
``outreach@localhost``). Without ``OUTREACH_SMTP_URL`` nothing is sent and the callers
show what would have been sent to the person who asked (an administrator's invitation
link, for instance).
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import unquote, urlparse


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


def configured() -> bool:
    return bool(os.environ.get("OUTREACH_SMTP_URL"))


def send(to: str, subject: str, body: str, url: str | None = None) -> None:
    """Hand one plain-text message to the SMTP server of ``url`` (default
    ``OUTREACH_SMTP_URL``)."""
    url = url or os.environ.get("OUTREACH_SMTP_URL", "")
    parsed = urlparse(url)
    if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
        raise MailError("OUTREACH_SMTP_URL : attendu smtp://hôte:port ou smtps://hôte:port")
    message = EmailMessage()
    message["From"] = os.environ.get("OUTREACH_MAIL_FROM", "outreach@localhost")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        if parsed.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(parsed.hostname, parsed.port or 465, timeout=20,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(parsed.hostname, parsed.port or 25, timeout=20)
        with client:
            client.ehlo()
            if parsed.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
            if parsed.username:
                client.login(unquote(parsed.username), unquote(parsed.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"Envoi du message à {to} impossible : {error}") from error
