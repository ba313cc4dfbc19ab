"""Gunicorn settings read when it starts from the project's folder (docs/deploy.md).

Each worker tells the arbiter it is alive by touching a temporary file at every request;
with that file on a disk-backed /tmp, bursts of families' bookings took about a third
longer on a 2-core machine (bench/RESULTS.md). A memory-backed folder keeps the heartbeat
off the disk.

Once a worker has loaded the application, the objects it holds (modules, mappers,
templates' code: some 200,000) are frozen out of the garbage collector's reach: they live
as long as the worker, and each full collection would otherwise scan them all again. In
the booking bench, each worker spent about 150 ms collecting garbage before, 14 ms after
(bench/RESULTS.md)."""

import gc
import os

if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    gc.freeze()
