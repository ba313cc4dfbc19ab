"""The families' pages, rendered once per published state and served from memory.

A public page depends only on what is published (each scenario's published plan),
the day (sessions from today on), the language and the address asked for. Anonymous
requests are answered from a per-process cache keyed by those; the published state
is read again at most every ``PUBLIC_STATE_TTL_S`` seconds (0: every request), so a
new publication reaches the pages within that time. Each answer carries an ETag of
its key and ``Cache-Control: public`` for ``PUBLIC_MAX_AGE_S``, so that browsers and a
reverse proxy revalidate it cheaply (``304 Not Modified``) or serve it themselves.
Signed-in people (their header differs) and pages with a flashed message are never
cached.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from flask import Flask, Response, current_app, g, make_response, request, session

from outreach.publishing.public import published_plan_ids

DEFAULT_STATE_TTL_S = 2.0
DEFAULT_MAX_AGE_S = 60
MAX_ENTRIES = 4096  # pages kept per process, least recently used dropped first


Page = TypeVar("Page")


def keepable() -> bool:
    """Whether this request's page may be kept for others: an anonymous visitor with no
    flashed message waiting (a signed-in user's header, and a message, are per visitor)."""
    return g.get("user") is None and not session.get("_flashes")


class PageCache(Generic[Page]):
    """Rendered pages by key, least recently used dropped past ``size`` entries."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[Any, ...], Page] = OrderedDict()
        self._lock = threading.Lock()
        self._state: tuple[Any, ...] | None = None
        self._state_read_at = float("-inf")
        self.hits = self.misses = 0

    def state(self, read: Callable[[], tuple[Any, ...]], ttl_s: float) -> tuple[Any, ...]:
        """The published state, read again when older than ``ttl_s`` (monotonic clock)."""
        now = time.monotonic()
        with self._lock:
            if self._state is not None and now - self._state_read_at < ttl_s:
                return self._state
        state = read()
        with self._lock:
            if state != self._state:
                self._pages.clear()  # a new publication or a new day: start afresh
            self._state, self._state_read_at = state, now
        return state

    def get(self, key: tuple[Any, ...]) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
            return page

    def put(self, key: tuple[Any, ...], page: Page) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def init_app(app: Flask) -> None:
    app.config.setdefault("PUBLIC_STATE_TTL_S", 0.0 if app.testing else DEFAULT_STATE_TTL_S)
    app.config.setdefault("PUBLIC_MAX_AGE_S", DEFAULT_MAX_AGE_S)
    app.extensions["public_pages"] = PageCache[tuple[bytes, int, str]]()


def published_state(today: dt.date) -> tuple[Any, ...]:
    return (today.isoformat(), tuple(published_plan_ids(g.db)))


def cached_page(today: Callable[[], dt.date]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Serve the view's page from the cache for anonymous visitors (see the module)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            if not keepable():
                response = make_response(view(*args, **kwargs))
                response.headers["Cache-Control"] = "private, no-cache"
                return response
            cache: PageCache[tuple[bytes, int, str]] = current_app.extensions["public_pages"]
            state = cache.state(lambda: published_state(today()),
                                float(current_app.config["PUBLIC_STATE_TTL_S"]))
            key = (state, g.get("lang"), request.endpoint, request.full_path)
            page = cache.get(key)
            if page is None:
                rendered = make_response(view(*args, **kwargs))
                page = (rendered.get_data(), rendered.status_code, rendered.mimetype or "text/html")
                if rendered.status_code == 200:
                    cache.put(key, page)
            body, status, mimetype = page
            response = Response(body, status=status, mimetype=mimetype)
            response.set_etag(hashlib.sha256(repr(key).encode()).hexdigest()[:32])
            response.headers["Cache-Control"] = (
                f"public, max-age={int(current_app.config['PUBLIC_MAX_AGE_S'])}")
            response.vary.update(("Cookie", "Accept-Language"))
            return response.make_conditional(request)  # type: ignore[return-value]

        return wrapper

    return decorate
