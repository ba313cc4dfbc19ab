"""The families' pages under load: requests per second and latency, with ``wrk``.

    .venv/bin/python -m bench.public_load --database-url postgresql+psycopg://...  # gunicorn
    .venv/bin/python -m bench.public_load                                         # embedded

Loads the three demo scenarios into the database (which must be empty), plans and
publishes them (3 reference seconds each), then serves them with gunicorn (4 sync
workers) on PostgreSQL, or with the embedded default (SQLite and ``python -m web``'s
threaded development server) without ``--database-url``; warms each path, then runs
``wrk`` (Debian package ``wrk``) with 2 threads and each concurrency for
``--seconds``. p95 comes from wrk's own latency distribution; errors count socket
errors (connect, read, write), timeouts (2 s) and non-2xx answers.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

from bench.fault import _free_port

ROOT = Path(__file__).resolve().parents[1]
PATHS = ("/?q=Descartes", "/commune/37091", "/services")
REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %.1f %.1f %.1f\\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, summary.errors.status, summary.duration,
    0, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(ROOT / ".venv" / "bin" / "outreach"), *args], env=env,
                          check=True, capture_output=True, text=True)
    return done.stdout


def _prepare(env: dict[str, str]) -> None:
    _cli(env, "db", "upgrade")
    _cli(env, "seed-demo")
    for scenario in ("indre-et-loire", "loire", "deux-sevres"):
        _cli(env, "plan", "--scenario", scenario, "--time-limit", "60", "--work-limit", "3",
             "--publish", "--quiet")


def _wait(url: str) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer at {url}")


def _wrk(url: str, clients: int, seconds: int, script: Path) -> dict[str, float]:
    out = subprocess.run(["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s",
                          "--timeout", "2s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    fields = re.search(r"RESULT (.*)", out)
    assert fields is not None, out
    requests, sockets, timeouts, status, duration_us, _, p50, p95, p99 = (
        float(x) for x in fields.group(1).split())
    return {"rps": requests / (duration_us / 1e6), "p50": p50, "p95": p95, "p99": p99,
            "errors": f"{sockets:.0f} / {timeouts:.0f} / {status:.0f}", "requests": requests}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (else SQLite)")
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 200])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    scratch = Path(tempfile.mkdtemp(prefix="outreach-load-"))
    url = args.database_url or f"sqlite:///{scratch / 'outreach.db'}"
    env = {**os.environ, "OUTREACH_DATABASE_URL": url, "OUTREACH_GEOCODER": "off",
           "OUTREACH_SECRET_KEY": uuid.uuid4().hex}
    _prepare(env)
    port = _free_port()
    if args.database_url:
        command = [sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b",
                   f"127.0.0.1:{port}", "web:create_app()"]
        server = f"gunicorn, {args.workers} sync workers, PostgreSQL"
    else:
        command = [sys.executable, "-m", "web", "--host", "127.0.0.1", "--port", str(port)]
        server = "embedded default (python -m web, SQLite)"
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    script = scratch / "report.lua"
    script.write_text(REPORT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base + "/")
        for path in PATHS:
            for _ in range(4 * args.workers):  # every worker loads its look-up and cache
                urllib.request.urlopen(base + path, timeout=30).read()
        print(f"{server}, {args.seconds} s per row, wrk 2 threads (same 2-core machine)")
        print()
        print("| path | clients | requests/s | p50 ms | p95 ms | p99 ms | errors: socket / timeout / non-2xx |")
        print("|---|---|---|---|---|---|---|")
        for path in PATHS:
            for clients in args.clients:
                row = _wrk(base + path, clients, args.seconds, script)
                print(f"| `{path}` | {clients} | {row['rps']:.0f} | {row['p50']:.1f} | "
                      f"{row['p95']:.1f} | {row['p99']:.1f} | {row['errors']} |", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
