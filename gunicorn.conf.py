"""Gunicorn settings read when it starts from the project's folder (docs/deploy.md).

Each worker tells the arbiter it is alive by touching a temporary file at every request;
with that file on a disk-backed /tmp, bursts of families' bookings took about a third
longer on a 2-core machine (bench/RESULTS.md). A memory-backed folder keeps the heartbeat
off the disk."""

import os

if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
