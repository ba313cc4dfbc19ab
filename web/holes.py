"""Pages drawn once and filled per request: a template whose per-visitor values (the form's
token, what the visitor typed, the choice ticked) are left as holes is rendered once per
key, kept, and each request fills the holes of the kept copy.

A family's booking post mostly answers with the page it came from (the slot was just
taken): drawing the whole page again took more CPU than the rest of the post together.
The kept copy never holds a visitor's value, only holes: a value goes in, escaped, when
the page is filled for the one request that sent it.

A page is kept only when :func:`web.public_cache.keepable` allows it (an anonymous visitor,
no flashed message); otherwise it is drawn and filled at once. The key names everything
else the page shows (the caller's part, the language, the address with its query); the
copies are kept in this process (a :class:`web.public_cache.PageCache`), the last
:data:`KEPT` used.
"""

from __future__ import annotations

import secrets
from collections.abc import Hashable, Mapping
from typing import Any

from flask import current_app, g, render_template, request
from markupsafe import Markup, escape

from web.auth import csrf_token
from web.public_cache import PageCache, keepable

KEPT = 256  # copies kept in each process
# Starts and ends a hole: drawn at random for each process, so that no text a page shows
# (a place's name typed by a coordinator, say) can pass for one.
_MARK = f"\x00{secrets.token_hex(8)}\x00"
_SEP = "\x01"


def _hole(kind: str, *args: str) -> Markup:
    return Markup(_MARK + _SEP.join((kind, *args)) + _MARK)


def _field(name: str, default: str = "") -> Markup:
    """The value typed in the field ``name`` (``default`` when none)."""
    return _hole("value", name, default)


def _checked(name: str, value: str) -> Markup:
    """``checked`` when the field ``name`` holds ``value``."""
    return _hole("checked", name, value)


def _token() -> Markup:
    return _hole("csrf")


Parts = tuple[tuple[str, tuple[str, ...] | None], ...]


def _parts(text: str) -> Parts:
    """The drawn page as (literal text, hole or None) pairs."""
    pieces = text.split(_MARK)
    return tuple((literal, tuple(hole.split(_SEP)) if hole is not None else None)
                 for literal, hole in zip(pieces[::2], [*pieces[1::2], None]))


def _fill(parts: Parts, form: Mapping[str, str]) -> str:
    out = []
    for literal, hole in parts:
        out.append(literal)
        if hole is None:
            continue
        kind, *args = hole
        if kind == "value":
            out.append(str(escape(form.get(args[0]) or args[1])))
        elif kind == "checked":
            out.append("checked" if form.get(args[0]) == args[1] else "")
        else:
            out.append(str(escape(csrf_token())))
    return "".join(out)


def render(template: str, key: Hashable, form: Mapping[str, str], **context: Any) -> str:
    """``template`` drawn with ``context`` and filled with ``form`` (what the visitor sent).
    ``key`` names all that ``context`` shows: two calls with equal keys, language and
    address draw the same page. The template writes ``field(name)`` for a field's value,
    ``checked(name, value)`` for a choice and ``csrf_token()`` as anywhere else."""
    kept: PageCache[Parts] | None = current_app.extensions.get("holes.pages")
    if kept is None:
        kept = current_app.extensions["holes.pages"] = PageCache(KEPT)
    full_key = (template, g.get("lang"), request.full_path, key)
    keep = keepable()
    parts = kept.get(full_key) if keep else None
    if parts is None:
        parts = _parts(render_template(template, field=_field, checked=_checked,
                                       csrf_token=_token, **context))
        if keep:
            kept.put(full_key, parts)
    return _fill(parts, form)
