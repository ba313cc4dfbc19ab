"""French by default, English available.

Templates and views wrap user-facing French text in ``_`` (Flask-Babel's
``gettext``; placeholders are ``%(name)s``); the English message catalogue
(web/translations/en/LC_MESSAGES/messages.po, compiled to messages.mo by
``make translations``) maps each French text to its translation. The language
comes from ``?lang=``, then the ``lang`` cookie, then the browser's
Accept-Language, then French.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, request
from flask_babel import Babel, get_translations, gettext
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from outreach.data.places import departement_name
from outreach.errors import Message
from outreach.wording import elide, rhythm_words

SUPPORTED = ("fr", "en")
DEFAULT = "fr"
CATALOGUE_DIR = Path(__file__).resolve().parent / "translations"


def choose_locale() -> str:
    asked = request.args.get("lang")
    if asked in SUPPORTED:
        return asked
    cookie = request.cookies.get("lang")
    if cookie in SUPPORTED:
        return cookie
    return _best_language(request.headers.get("Accept-Language", ""))


@lru_cache(maxsize=256)
def _best_language(header: str) -> str:
    """The supported language a browser's Accept-Language prefers (browsers send a few
    distinct headers: each is parsed once per process)."""
    return parse_accept_header(header, LanguageAccept).best_match(
        SUPPORTED, default=DEFAULT) or DEFAULT


def init_app(app: Flask) -> None:
    # Flask-Babel's Jinja set-up is left out: its "new style" gettext would apply
    # %-formatting to texts called without values; ``_`` is its plain gettext.
    Babel(configure_jinja=False).init_app(
        app, default_locale=DEFAULT, locale_selector=lambda: g.get("lang") or choose_locale(),
        default_translation_directories=str(CATALOGUE_DIR))

    @app.before_request
    def _set_locale() -> None:
        g.lang = choose_locale()

    @app.after_request
    def _remember_locale(response: Response) -> Response:
        if request.args.get("lang") in SUPPORTED:
            response.set_cookie("lang", request.args["lang"], max_age=365 * 86400,
                                samesite="Lax", httponly=True,
                                secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")))
        response.headers.setdefault("Content-Language", g.get("lang", DEFAULT))
        return response

    app.jinja_env.globals["_"] = page_gettext
    app.jinja_env.filters["date_fr"] = long_date
    app.jinja_env.filters["percent_figure"] = percent_figure
    app.jinja_env.filters["figure"] = figure
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.filters["upper_first"] = upper_first
    app.jinja_env.filters["elide"] = lambda text: elide(text) if g.get("lang", DEFAULT) == "fr" else text
    app.jinja_env.filters["departement_name"] = departement_name
    app.jinja_env.globals["rhythm"] = rhythm
    app.jinja_env.globals["same_page_in"] = same_page_in


def page_gettext(text: str, **values: Any) -> str:
    """Flask-Babel's ``gettext`` for templates, the catalogue looked up once per request
    (a page calls it some thirty times; each lookup of Flask-Babel finds the request's
    locale and catalogue again)."""
    translations = g.get("_translations")
    if translations is None:
        translations = g._translations = get_translations()
    found = translations.ugettext(text)
    return found % values if values else found


_WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]


def long_date(value: Any) -> str:
    """"mardi 5 janvier 2027" or "Tuesday 5 January 2027"."""
    import datetime as dt

    from outreach.wording import date_fr

    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    if g.get("lang", DEFAULT) == "en":
        return f"{_WEEKDAYS_EN[day.weekday()]} {day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return date_fr(day)


def upper_first(text: str) -> str:
    """The first letter in capitals, the rest as it is ("Tuesday 5 January")."""
    return text[:1].upper() + text[1:]


def tr(value: Any) -> Any:
    """A domain message (:class:`outreach.errors.Message`) in the page's language; any
    other value as it is."""
    if isinstance(value, Message):
        return gettext(value.template, **{k: tr(v) for k, v in value.args.items()})
    return value


def figure(value: float) -> str:
    """A whole number as people read it: 114692 -> "114 692" (French, narrow no-break
    space) or "114,692" (English)."""
    text = f"{round(value):,}"
    return text if g.get("lang", DEFAULT) == "en" else text.replace(",", "\u202f")


def percent_figure(share: float) -> str:
    """A share as the figure before "%": 0.065 -> "6,5" (French) or "6.5" (English)."""
    text = f"{100 * share:.10g}"
    return text if g.get("lang", DEFAULT) == "en" else text.replace(".", ",")


def rhythm(weekday: int, week_of_month: int | None) -> str:
    """"chaque mardi", "le 2e mercredi du mois" (or in English)."""
    return rhythm_words(weekday, week_of_month or None, g.get("lang", DEFAULT))


def same_page_in(lang: str) -> str:
    """This page's address with its query kept and ``lang`` set, for the language switch."""
    args = {k: v for k, v in request.args.items() if k != "lang"} | {"lang": lang}
    return f"{request.path}?{urlencode(args)}"
