"""Two builds of the booking application side by side, in lockstep: which costs less CPU.

    .venv/bin/python -m bench.booking_pairs --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        --a .venv/bin/python:/tmp/before --b .venv/bin/python:.

On a shared machine, the same code measures a third slower or faster from one minute to
the next, so two builds timed one after the other can't be told apart by less than that.
Here each side is a process of its own (``PYTHON:FOLDER``: the interpreter, and the
checkout whose code it runs, by default this one), both serving the same scratch
database (the Indre-et-Loire demo, planned and published; dropped at the end), and they
take turns: side A serves a batch, then side B, then B, then A, and so on. Each batch is
``--batch`` times (a booking post refused because its slot is full when read, then the
booking page drawn), called through the WSGI callable in-process, timed in the process's
thread CPU. Each pair of neighbouring batches ran under the same machine state: the
script prints each side's median, and the median, lowest and highest B/A ratio of the
pairs. The per-address form limit is off, as in bench.booking_load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import uuid
from pathlib import Path

from bench.booking_load import _cli, _drop, _scratch_database
from outreach.privacy import new_key

ROOT = Path(__file__).resolve().parents[1]

# Run by each side with its own interpreter and checkout (self-contained: an older
# checkout need not have this script). Fills the first slot of the plan's first bus
# session, then serves batches on demand: one line in (the batch size), one line out.
SIDE = r'''
import io, json, os, re, sys, time, urllib.parse
sys.path.insert(0, os.getcwd())
from sqlmodel import Session, select
from outreach import db
from outreach.models import PlanSession
from outreach.planning import published_plan_id
from web import create_app

url = os.environ["OUTREACH_DATABASE_URL"]
with Session(db.get_engine(url)) as s:
    row = s.exec(select(PlanSession).where(
        PlanSession.plan_id == published_plan_id(s, "indre-et-loire"),
        PlanSession.service_code == "bus-prevention").order_by(
            PlanSession.date, PlanSession.stop_code)).first()
path = f"/rendez-vous/indre-et-loire/{row.date.isoformat()}/{row.stop_code}/bus-prevention"
app = create_app()

def environ(method, cookie=""):
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1",
            "HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9", "HTTP_COOKIE": cookie,
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0), "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False}

def call(env, body=b""):
    env = dict(env, **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
    got = []
    def start_response(status, headers, exc_info=None):
        got.append((status, headers))
        return lambda data: None
    chunks = app(env, start_response)
    try:
        page = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return int(got[0][0].split()[0]), got[0][1], page

status, headers, page = call(environ("GET"))
cookie = "; ".join(v.split(";", 1)[0] for k, v in headers if k.lower() == "set-cookie")
page = call(environ("GET", cookie))[2].decode()
token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
slot = re.findall(r'name="slot" value="([^"@]+@\d+)"', page)[0]
post, get = environ("POST", cookie), environ("GET", cookie)

def form(contact):
    return urllib.parse.urlencode({"csrf_token": token, "slot": slot, "first_name": "F",
                                   "contact": contact, "age_band": "0-1",
                                   "consent": "oui"}).encode()

for k in range(100):  # take the slot's seats, then it refuses
    if call(post, form(f"{os.getpid()}-{k}@example.org"))[0] == 400:
        break
refused = form("late@example.org")
for _ in range(50):
    call(post, refused); call(get)
print("ready", flush=True)
for line in sys.stdin:
    n = int(line)
    start = time.thread_time()
    for _ in range(n):
        assert call(post, refused)[0] == 400
        assert call(get)[0] == 200
    print(json.dumps((time.thread_time() - start) / n * 1000), flush=True)
'''


def _side(spec: str) -> tuple[str, Path]:
    python, _, folder = spec.partition(":")
    return python, Path(folder or ROOT).resolve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to connect to")
    parser.add_argument("--a", required=True, help="PYTHON[:FOLDER] of side A")
    parser.add_argument("--b", required=True, help="PYTHON[:FOLDER] of side B")
    parser.add_argument("--pairs", type=int, default=60)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    url, name = _scratch_database(args.database_url)
    env = {**os.environ, "OUTREACH_DATABASE_URL": url, "OUTREACH_GEOCODER": "off",
           "OUTREACH_SECRET_KEY": uuid.uuid4().hex, "OUTREACH_DATA_KEYS": new_key(),
           "OUTREACH_BOOKING_FORMS_PER_HOUR": "0"}
    sides: dict[str, subprocess.Popen[str]] = {}
    try:
        _cli(env, "db", "upgrade")
        _cli(env, "seed-demo", "--scenario", "indre-et-loire")
        _cli(env, "plan", "--scenario", "indre-et-loire", "--time-limit", "60", "--work-limit",
             "3", "--publish", "--quiet")
        for label, spec in (("A", args.a), ("B", args.b)):
            python, folder = _side(spec)
            side = subprocess.Popen([python, "-c", SIDE], env=env, cwd=folder, text=True,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            sides[label] = side
            assert side.stdout is not None and side.stdout.readline().strip() == "ready", label
        spent: dict[str, list[float]] = {"A": [], "B": []}
        for pair in range(args.pairs):
            for label in ("A", "B") if pair % 2 == 0 else ("B", "A"):
                side = sides[label]
                assert side.stdin is not None and side.stdout is not None
                side.stdin.write(f"{args.batch}\n")
                side.stdin.flush()
                spent[label].append(json.loads(side.stdout.readline()))
        ratios = [b / a for a, b in zip(spent["A"], spent["B"])]
        print(f"{args.pairs} pairs of batches of {args.batch} (refused post + booking page), "
              "thread CPU ms per post and page")
        print()
        print("| side | interpreter:checkout | median ms | lowest | highest |")
        print("|---|---|---|---|---|")
        for label, spec in (("A", args.a), ("B", args.b)):
            python, folder = _side(spec)
            print(f"| {label} | {python}:{folder} | {statistics.median(spent[label]):.3f} | "
                  f"{min(spent[label]):.3f} | {max(spent[label]):.3f} |")
        print()
        print(f"B/A per pair: median {statistics.median(ratios):.3f}, lowest "
              f"{min(ratios):.3f}, highest {max(ratios):.3f}")
    finally:
        for side in sides.values():
            if side.stdin is not None:
                side.stdin.close()
            side.wait(timeout=60)
        from outreach import db

        db.get_engine(url).dispose()
        _drop(args.database_url, name)


if __name__ == "__main__":
    main()
