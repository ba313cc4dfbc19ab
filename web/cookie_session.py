"""The signed cookie that holds a visitor's session (form token, signed-in user, flashed
messages), read at every request.

Flask's own format (itsdangerous) costs about 60 us to read on the development machine: a
signer object, a derived key and two HMACs in pure Python, three base64 decodings and a
zlib one, then its tagged JSON walked again in Python. This one keeps what matters of it
(a JSON payload, a timestamp, an HMAC-SHA256 over both with a key derived from the secret
key, compared in constant time, too old past the session's lifetime) and computes its
HMAC in one C call. What a session holds here is plain JSON (a form token, a user's id,
numbers, flashed messages: a flashed (category, message) pair comes back as a list, which
Flask and the templates read the same way). A cookie set in Flask's format before is
still read, so nobody is signed out or loses a form's token when this replaces it; the
answer then sets it again in this format.

    2.<payload, base64url>.<seconds since the epoch>.<HMAC-SHA256, base64url>
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired

PREFIX = "2."
_PURPOSE = b"outreach.session-cookie"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    """Writes and reads the session cookie with the secret ``key`` (and, for cookies
    set before, Flask's serializer ``legacy``). ``clock``: seconds since the epoch."""

    def __init__(self, key: str | bytes, legacy: Any,
                 clock: Callable[[], float] = time.time) -> None:
        secret = key.encode("utf-8") if isinstance(key, str) else key
        self._key = hmac.digest(secret, _PURPOSE, "sha256")
        self._legacy = legacy
        self._clock = clock

    def _mac(self, body: str) -> str:
        return _b64(hmac.digest(self._key, body.encode("utf-8"), "sha256"))

    def dumps(self, data: dict[str, Any]) -> str:
        payload = _b64(json.dumps(data, separators=(",", ":")).encode("utf-8"))
        body = f"{PREFIX}{payload}.{int(self._clock())}"
        return f"{body}.{self._mac(body)}"

    def loads(self, value: str, max_age: int | None = None) -> Any:
        """The session in ``value``; :class:`BadSignature` when it was not signed with
        this key or was altered, :class:`SignatureExpired` when older than ``max_age``
        seconds."""
        if not value.startswith(PREFIX):
            return self._legacy.loads(value, max_age=max_age)
        body, _, mac = value.rpartition(".")
        if not hmac.compare_digest(mac.encode("utf-8"), self._mac(body).encode("ascii")):
            raise BadSignature("the session cookie's signature does not match")
        parts = body[len(PREFIX):].split(".")
        if len(parts) != 2 or not (parts[1].isascii() and parts[1].isdigit()):
            raise BadSignature("malformed session cookie")
        if max_age is not None and self._clock() - int(parts[1]) > max_age:
            raise SignatureExpired("the session cookie is too old")
        try:
            return json.loads(_unb64(parts[0]))
        except (binascii.Error, UnicodeDecodeError, ValueError) as error:
            raise BadSignature("malformed session cookie") from error


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, written and read by :class:`SessionCodec`, built
    once per secret key (Flask builds its serializer again at every request)."""

    clock: Callable[[], float] = time.time
    _codec: tuple[Any, SessionCodec | None] = (None, None)

    def get_signing_serializer(self, app: Flask) -> Any:
        key, codec = self._codec
        if codec is None or key != app.secret_key:
            legacy = super().get_signing_serializer(app)
            if legacy is None:
                return None
            codec = SessionCodec(app.secret_key, legacy, self.clock)  # type: ignore[arg-type]
            self._codec = (app.secret_key, codec)
        return codec
