"""Many families booking one session at the same moment, through gunicorn on PostgreSQL.

    .venv/bin/python -m bench.booking_load --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Creates a scratch database beside the one named (dropped at the end), seeds the
Indre-et-Loire demo, plans and publishes it (3 reference seconds), serves it with
gunicorn (``--workers`` sync workers) and sends ``--clients`` bookings of the first bus
session at once: each client first loads the booking page (its cookie and form token,
not timed), then every client's connection is opened and every post sent in one go by a
single client thread (client k takes the k-th free slot, round robin: several clients
per seat), each timed from its sending to its answer read. Prints the latency of the
posts (p50, p95, max), the answers by status (303 booked; 400 the slot was just taken;
5xx never expected) and checks in the database that no slot holds more bookings than
seats, then the CPU a post used during the burst by gunicorn's workers, by the PostgreSQL
server processes of the scratch database and by the client (Linux /proc), and the
machine's state at the burst: the CPU time of a fixed piece of Python just before and
just after it, and the share of CPU time the hypervisor took away during it (the same
code measures a third slower or faster from one run to the next on a shared machine).
Gunicorn starts from the project's folder, so it reads ``gunicorn.conf.py`` as production does; the
set-up's writes are flushed to disk before the burst. The per-address form limit is off
(``OUTREACH_BOOKING_FORMS_PER_HOUR=0``): every client comes from 127.0.0.1. The data keys
are given in ``OUTREACH_DATA_KEYS``, as in production. ``--warm-up`` first sends the same
burst to the plan's second bus session, not timed. ``--python`` runs gunicorn with another
interpreter, such as the distribution's, as production does (docs/deploy.md):

    /usr/bin/python3 -m venv /tmp/outreach-system && /tmp/outreach-system/bin/pip install -e '.[production]'
    .venv/bin/python -m bench.booking_load --database-url ... --python /tmp/outreach-system/bin/python
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

from bench.fault import _free_port
from bench.public_load import _wait
from outreach.privacy import new_key

ROOT = Path(__file__).resolve().parents[1]


def _scratch_database(url: str) -> tuple[str, str]:
    """(URL of a new empty database next to ``url``, its name)."""
    import psycopg

    name = f"outreach_bench_{uuid.uuid4().hex[:8]}"
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name, name


def _drop(url: str, name: str) -> None:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _cli(env: dict[str, str], *args: str) -> str:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "outreach"), *args], env=env, check=True,
                          capture_output=True, text=True).stdout


def _session_path(url: str, index: int = 0) -> str:
    """The path of the booking page of the plan's ``index``-th bus session (by date)."""
    from sqlmodel import Session, select

    from outreach import db
    from outreach.models import PlanSession
    from outreach.planning import published_plan_id

    with Session(db.get_engine(url)) as s:
        row = s.exec(select(PlanSession).where(
            PlanSession.plan_id == published_plan_id(s, "indre-et-loire"),
            PlanSession.service_code == "bus-prevention").order_by(
                PlanSession.date, PlanSession.stop_code).offset(index)).first()
        assert row is not None
    return f"/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/bus-prevention"


def _held_within_seats(url: str, path: str) -> tuple[int, int, bool]:
    """(bookings held, seats, every slot within its seats) of the session."""
    import datetime as dt

    from sqlmodel import Session

    from outreach import db
    from outreach.appointments import SessionRef, bookable_session

    _, _, scenario, date, stop, service = path.split("/")
    with Session(db.get_engine(url)) as s:
        found = bookable_session(s, SessionRef(scenario, dt.date.fromisoformat(date), stop, service))
        assert found is not None
        return (sum(x.booked for x in found.slots), sum(x.seats for x in found.slots),
                all(x.booked <= x.seats for x in found.slots))


def _free_slots(base: str, path: str) -> list[str]:
    page = urllib.request.urlopen(base + path, timeout=30).read().decode("utf-8")
    return re.findall(r'name="slot" value="([^"@]+@\d+)"', page)


def _forms(base: str, path: str, slots: list[str], clients: int) -> list[bytes]:
    """Each client's booking post, ready to send: its own session cookie and form token
    (read from the booking page, not timed), client k taking the k-th slot round robin."""
    forms = []
    for k in range(clients):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = opener.open(base + path, timeout=60).read().decode("utf-8")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        body = urllib.parse.urlencode({
            "csrf_token": token, "slot": slots[k % len(slots)], "first_name": f"F{k}",
            "contact": f"famille{k}@example.org", "age_band": "0-1", "consent": "oui"}).encode()
        forms.append((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                      "Content-Type: application/x-www-form-urlencoded\r\n"
                      f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
                     + body)
    return forms


def _burst(port: int, forms: list[bytes]) -> tuple[list[float], Counter[int]]:
    """Send every post at once and time each until its answer is read: one client thread
    (a selector over all the sockets), so that the client takes as little of the CPU the
    server shares as it can. Every connection is open before the first post is sent."""
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=60) for _ in forms]
    selector = selectors.DefaultSelector()
    started: dict[socket.socket, float] = {}
    answers: dict[socket.socket, bytearray] = {}
    for sock, form in zip(sockets, forms):
        started[sock] = time.perf_counter()
        sock.sendall(form)
        sock.setblocking(False)
        answers[sock] = bytearray()
        selector.register(sock, selectors.EVENT_READ)
    timings: list[float] = []
    statuses: Counter[int] = Counter()
    while len(timings) < len(forms):
        for key, _ in selector.select(timeout=60):
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            chunk = sock.recv(65536)
            if chunk:
                answers[sock] += chunk
                continue
            timings.append(time.perf_counter() - started[sock])  # closed: answer complete
            statuses[int(answers[sock].split(b" ", 2)[1])] += 1
            selector.unregister(sock)
            sock.close()
    return timings, statuses


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes ``pids`` have used so far (Linux /proc)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _steal_ticks() -> tuple[int, int]:
    """(CPU time stolen by the hypervisor, all CPU time) so far, in clock ticks, all
    cores (Linux /proc/stat; zeros elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def _reference_ms() -> float:
    """The CPU time of a fixed piece of pure Python in this process (the best of five),
    taken just before and just after the burst: how fast the machine runs Python then, to
    read the burst's figures against (on the development machine it has measured from
    5.2 to 9.7 ms within a minute, nothing else running)."""
    best = float("inf")
    for _ in range(5):
        start = time.thread_time()
        table: dict[str, int] = {}
        for k in range(20000):
            table[f"k{k}"] = k * 7 % 13
        sum(v for v in table.values() if v > 3)
        best = min(best, time.thread_time() - start)
    return best * 1000


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def _backends(url: str, name: str) -> list[int]:
    """The PostgreSQL server processes serving the database ``name`` (same machine)."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        return [pid for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to connect to")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter gunicorn runs with: a virtual environment with "
                             "the project installed (default: this one); production's is "
                             "the distribution's python3 (docs/deploy.md)")
    parser.add_argument("--warm-up", action="store_true",
                        help="first send the same burst to another session (not timed), as to "
                             "a server that has been up a while")
    args = parser.parse_args()
    url, name = _scratch_database(args.database_url)
    env = {**os.environ, "OUTREACH_DATABASE_URL": url, "OUTREACH_GEOCODER": "off",
           "OUTREACH_SECRET_KEY": uuid.uuid4().hex, "OUTREACH_BOOKING_FORMS_PER_HOUR": "0",
           "OUTREACH_DATA_KEYS": new_key()}  # as production sets them (docs/deploy.md)
    scratch = Path(tempfile.mkdtemp(prefix="outreach-booking-load-"))
    process = None
    try:
        _cli(env, "db", "upgrade")
        _cli(env, "seed-demo", "--scenario", "indre-et-loire")
        _cli(env, "plan", "--scenario", "indre-et-loire", "--time-limit", "60", "--work-limit",
             "3", "--publish", "--quiet")
        path = _session_path(url)
        about = ("import sys, gunicorn; "
                 "print(gunicorn.__version__, 'on Python', sys.version.split()[0], sys.executable)")
        server = subprocess.run([args.python, "-c", about], check=True, capture_output=True,
                                text=True).stdout.strip()
        port = _free_port()
        process = subprocess.Popen(
            [args.python, "-m", "gunicorn", "-w", str(args.workers), "--backlog", "512", "-b",
             f"127.0.0.1:{port}", "web:create_app()"], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        _wait(base + path)
        if args.warm_up:
            other = _session_path(url, 1)
            _burst(port, _forms(base, other, _free_slots(base, other), args.clients))
        slots = _free_slots(base, path)
        forms = _forms(base, path, slots, args.clients)
        os.sync()  # the set-up's writes reach the disk before, not during, the burst
        workers, backends = _workers(process.pid), _backends(args.database_url, name)
        reference = _reference_ms()
        cpu_before = _cpu_seconds(workers), _cpu_seconds(backends), time.process_time()
        stolen_before = _steal_ticks()
        timings, statuses = _burst(port, forms)
        stolen_after = _steal_ticks()
        cpu = (_cpu_seconds(workers) - cpu_before[0], _cpu_seconds(backends) - cpu_before[1],
               time.process_time() - cpu_before[2])
        reference_after = _reference_ms()
        held, seats, within = _held_within_seats(url, path)
        timings.sort()
        p = lambda q: timings[min(len(timings) - 1, int(q * len(timings)))] * 1000
        print(f"gunicorn {server}, {args.workers} sync workers, PostgreSQL; {args.clients} "
              f"clients posting "
              f"at once on one session ({len(slots)} slots, {seats} seats)"
              + ("; after the same burst on another session" if args.warm_up else ""))
        print()
        print("| clients | p50 ms | p95 ms | max ms | 303 booked | 400 taken | 5xx | other "
              "| bookings held | seats | no slot over its seats |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        fives = sum(n for s, n in statuses.items() if s >= 500)
        other = sum(n for s, n in statuses.items() if s not in (303, 400) and s < 500)
        print(f"| {args.clients} | {p(0.5):.0f} | {p(0.95):.0f} | {timings[-1] * 1000:.0f} | "
              f"{statuses[303]} | {statuses[400]} | {fives} | {other} | {held} | {seats} | "
              f"{'yes' if within and held == statuses[303] else 'NO'} |")
        print()
        print(f"CPU a post during the burst (ms): gunicorn workers {cpu[0] / args.clients * 1000:.2f}, "
              f"PostgreSQL {cpu[1] / args.clients * 1000:.2f}, this client "
              f"{cpu[2] / args.clients * 1000:.2f} (clock ticks of 10 ms: about ±0.05 ms each)")
        total = stolen_after[1] - stolen_before[1]
        print(f"Machine at the burst: a fixed piece of Python took {reference:.1f} ms of CPU "
              f"just before, {reference_after:.1f} just after (lower is faster); CPU time "
              f"stolen by the hypervisor during the burst "
              f"{(stolen_after[0] - stolen_before[0]) / total * 100 if total else 0:.0f}%")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)
        from outreach import db

        db.get_engine(url).dispose()
        _drop(args.database_url, name)


if __name__ == "__main__":
    main()
