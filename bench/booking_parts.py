"""The CPU one booking post costs the application, by kind of answer, in-process.

    .venv/bin/python -m bench.booking_parts --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Seeds the Indre-et-Loire demo in a scratch database beside the one named (dropped at the
end), plans and publishes it (3 reference seconds), then calls the Flask application
directly (its WSGI callable, no server, no socket) one request at a time, each from a
prepared request (cookie, form token), and times each call in the calling thread's CPU
(``time.thread_time``), with the PostgreSQL server processes' CPU read from Linux /proc
around each group. The groups, in order, on the plan's first bus session:

- ``page``: the booking page drawn (GET), ``--posts`` times;
- ``booked``: one post per seat, each taking a free seat (303), a different contact each;
- ``refused``: ``--posts`` posts on a slot already full when read (400), the answer a
  burst of families mostly gets;
- ``floor``: the same number of GETs of a route that only answers "ok" through the same
  application hooks (session, CSRF, headers): the framework's own share.

It prints, per group, the median and mean CPU of a call and the PostgreSQL CPU per call.
The booking load (bench.booking_load) times the same posts through gunicorn; this one
says where they go. Each post comes from an address of its own, so
``--forms-per-hour`` (the per-address form limit; 0, off, by default as in the load
bench, whose clients are all 127.0.0.1; production's default is 20) counts each form
without refusing any.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import time
import urllib.parse
import uuid
from collections.abc import Callable
from typing import Any

from bench.booking_load import (
    _backends,
    _cli,
    _cpu_seconds,
    _drop,
    _scratch_database,
    _session_path,
)
from outreach.privacy import new_key


def _call(app: Any, environ: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    """Run one request through the WSGI callable: (status, body)."""
    environ = dict(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status.append(line)
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        answer = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return int(status[0].split(" ", 1)[0]), answer


def _environ(method: str, path: str, cookie: str = "") -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9",
        "HTTP_COOKIE": cookie, "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0),
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }


def _cookie_and_token(app: Any, path: str) -> tuple[str, str]:
    """A visitor's session cookie and form token, from the booking page."""
    environ = _environ("GET", path)
    headers: list[tuple[str, str]] = []

    def start_response(line: str, sent: list[tuple[str, str]], exc_info: Any = None) -> Any:
        headers.extend(sent)
        return lambda data: None

    page = b"".join(app(environ, start_response)).decode("utf-8")
    cookie = "; ".join(v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None, "no form token on the booking page"
    return cookie, token.group(1)


def _timed(calls: list[Callable[[], int]], backends: list[int],
           expected: int) -> tuple[list[float], float]:
    """Each call's thread CPU (ms), and the database servers' CPU per call (ms)."""
    before = _cpu_seconds(backends)
    spent = []
    for call in calls:
        start = time.thread_time()
        status = call()
        spent.append((time.thread_time() - start) * 1000)
        assert status == expected, f"answered {status}, expected {expected}"
    return spent, (_cpu_seconds(backends) - before) / len(calls) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to connect to")
    parser.add_argument("--posts", type=int, default=400)
    parser.add_argument("--forms-per-hour", default="0",
                        help="the per-address form limit (0: off, as in bench.booking_load)")
    args = parser.parse_args()
    url, name = _scratch_database(args.database_url)
    env = {"OUTREACH_DATABASE_URL": url, "OUTREACH_GEOCODER": "off",
           "OUTREACH_SECRET_KEY": uuid.uuid4().hex, "OUTREACH_DATA_KEYS": new_key(),
           "OUTREACH_BOOKING_FORMS_PER_HOUR": args.forms_per_hour}
    os.environ.update(env)
    try:
        _cli({**os.environ}, "db", "upgrade")
        _cli({**os.environ}, "seed-demo", "--scenario", "indre-et-loire")
        _cli({**os.environ}, "plan", "--scenario", "indre-et-loire", "--time-limit", "60",
             "--work-limit", "3", "--publish", "--quiet")
        path = _session_path(url)
        from flask import Flask

        from web import create_app

        app = create_app()
        assert isinstance(app, Flask)
        app.add_url_rule("/bench-floor", "bench_floor", lambda: "ok")
        cookie, token = _cookie_and_token(app, path)
        page = _call(app, _environ("GET", path, cookie), b"")[1].decode("utf-8")
        slots = re.findall(r'name="slot" value="([^"@]+@\d+)"', page)
        assert slots, "no free slot on the booking page"
        for _ in range(20):  # first calls fill the process's caches (templates, plan)
            _call(app, _environ("GET", path, cookie), b"")
        backends = _backends(args.database_url, name)
        post = _environ("POST", path, cookie)

        def form(slot: str, k: int) -> bytes:
            return urllib.parse.urlencode({
                "csrf_token": token, "slot": slot, "first_name": f"F{k}",
                "contact": f"famille{k}@example.org", "age_band": "0-1",
                "consent": "oui"}).encode()

        def sent(k: int) -> dict[str, Any]:
            """The post of family ``k``, from an address of its own (the form limit is
            per address, as for families each on their own phone)."""
            return {**post, "REMOTE_ADDR": f"10.{k // 65536}.{k // 256 % 256}.{k % 256}"}

        get = _environ("GET", path, cookie)
        floor = _environ("GET", "/bench-floor", cookie)
        groups: list[tuple[str, list[Callable[[], int]], int]] = [
            ("page", [lambda: _call(app, get, b"")[0]] * args.posts, 200),
            ("booked", [lambda s=s, k=k: _call(app, sent(k), form(s, k))[0]  # type: ignore[misc]
                        for k, s in enumerate(slots)], 303),
            ("refused", [lambda k=k: _call(app, sent(1000 + k), form(slots[0], 1000 + k))[0]  # type: ignore[misc]
                         for k in range(args.posts)], 400),
            ("floor", [lambda: _call(app, floor, b"")[0]] * args.posts, 200),
        ]
        print(f"In-process calls of the booking application (one at a time), PostgreSQL; "
              f"{len(slots)} slots; form limit {args.forms_per_hour or 'off'} an hour")
        print()
        print("| group | calls | median ms | mean ms | PostgreSQL ms a call |")
        print("|---|---|---|---|---|")
        for label, calls, expected in groups:
            spent, database = _timed(calls, backends, expected)
            print(f"| {label} | {len(calls)} | {statistics.median(spent):.3f} | "
                  f"{statistics.fmean(spent):.3f} | {database:.3f} |")
        print()
        print("Thread CPU of the calling thread (time.thread_time); PostgreSQL from /proc "
              "clock ticks of 10 ms, divided by the calls.")
    finally:
        from outreach import db

        db.get_engine(url).dispose()
        _drop(args.database_url, name)


if __name__ == "__main__":
    main()
