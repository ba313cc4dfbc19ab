"""Application-level encryption of sensitive personal data (issue 13: the families of
the home-visit programme).

A family's name, address, phone, notes and home location are stored as Fernet tokens
(AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package), never in clear, so
a copy of the database, a backup or a log line of a query holds nothing readable.

Keys come from ``OUTREACH_DATA_KEYS``: one or more Fernet keys (url-safe base64 of 32
bytes, as ``outreach new-data-key`` prints), comma-separated. The first encrypts; every
one decrypts. Rotation: put a new key first, keep the old ones after it, run
``outreach rotate-data-keys`` (every token re-encrypted with the first key), then drop
the old keys. Without the variable (a laptop's embedded default), a key is made once
in ``var/data-keys`` (mode 0600), next to the SQLite file it protects; production sets
the variable from its secret store (docs/deploy.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from outreach.config import PROJECT_ROOT

ENV = "OUTREACH_DATA_KEYS"


class DataKeyError(RuntimeError):
    """The keys are missing, malformed, or cannot read a stored token."""


def _local_keys() -> str:
    path = PROJECT_ROOT / "var" / "data-keys"
    try:
        changed = path.stat().st_mtime_ns
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(Fernet.generate_key().decode() + "\n")
        changed = path.stat().st_mtime_ns
    return _read_keys(path, changed)


@cache
def _read_keys(path: Path, changed: int) -> str:
    """The key file's text, read again only when the file changes (a booking post asks
    for the keys several times)."""
    return path.read_text().strip()


def _keys_text() -> str:
    return os.environ.get(ENV, "").strip() or _local_keys()


@cache
def _fernet(keys_text: str) -> MultiFernet:
    try:
        keys = [Fernet(k.strip().encode()) for k in keys_text.split(",") if k.strip()]
    except ValueError as error:
        raise DataKeyError(f"{ENV}: each key must be a Fernet key (url-safe base64 of 32 "
                           f"bytes, see `outreach new-data-key`): {error}") from None
    if not keys:
        raise DataKeyError(f"{ENV} holds no key")
    return MultiFernet(keys)


def cipher() -> MultiFernet:
    """The current keys (read from the environment on each call, cached per value)."""
    return _fernet(_keys_text())


def seal(text: str) -> str:
    """``text`` encrypted with the first key ("" stays "": nothing to hide)."""
    if not text:
        return ""
    return cipher().encrypt(text.encode("utf-8")).decode("ascii")


def unseal(token: str) -> str:
    """The clear text of a token made by :func:`seal` with any of the current keys."""
    if not token:
        return ""
    try:
        return cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DataKeyError(f"a stored value cannot be read with the keys of {ENV}: was a key "
                           "dropped before `outreach rotate-data-keys` ran?") from None


def fingerprint(text: str) -> str:
    """A keyed hash of ``text`` (HMAC-SHA256 under the first key): equal texts give equal
    fingerprints, so a value can be looked up without being stored in clear, and nobody
    without the key can test a guess against it ("" stays "")."""
    if not text:
        return ""
    key = _keys_text().split(",")[0].strip().encode("ascii")
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:40]


def reseal(token: str) -> str:
    """``token`` encrypted again with the first key (key rotation)."""
    if not token:
        return ""
    try:
        return cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DataKeyError(f"a stored value cannot be read with the keys of {ENV}") from None


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")
