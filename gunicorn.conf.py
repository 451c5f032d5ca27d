"""gunicorn's hooks for the shop's metrics (docs/DEPLOY.md).

gunicorn reads ``gunicorn.conf.py`` from its working directory by itself, so the README's
command, the systemd unit of docs/DEPLOY.md and the tests all get these hooks; flags on the
command line still choose workers, threads and the address. Nothing here imports the app:
the master stays as light as gunicorn makes it.

With ``PROMETHEUS_MULTIPROC_DIR`` set, each worker keeps its metrics in files in that
folder (app/metrics.py). The master empties it when it starts, so a restart does not add
the old workers' counts to the new ones' (Prometheus reads a restart as a counter reset),
and when a worker exits its live gauges (connections in use) are dropped, while its
counters stay in the sums.
"""

import os
from pathlib import Path


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
