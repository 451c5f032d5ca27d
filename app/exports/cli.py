"""``flask exports …``: the relay, manual retries, the RQ worker, and a status line."""

from __future__ import annotations

import logging
import signal
import time

import click
from flask import current_app
from flask.cli import AppGroup
from redis.exceptions import RedisError
from rq import SimpleWorker

from app.db import utcnow
from app.errors import DomainError
from app.exports.gauges import OutboxCollector
from app.exports.jobs import start_drain
from app.exports.services import export_summary, relay_pending, retry_event
from app.jobs import get_queue, redis_connection, release_dead_scheduler_lock
from app.metrics import serve

log = logging.getLogger(__name__)
# RQ retries a scheduler lock that was taken at start only at its maintenance pass, every
# 10 minutes by default; a minute bounds how long retries wait for a dead scheduler's lock.
WORKER_MAINTENANCE_INTERVAL = 60
# Waits between attempts to reach Redis again, doubling up to the last.
RECONNECT_WAITS = (1, 2, 4, 8, 15)


exports_group = AppGroup("exports", help="Export events for the data platform (the outbox).")

METRICS_OPTION = click.option(
    "--metrics", metavar="HOST:PORT",
    help="Serve this process's Prometheus metrics at http://HOST:PORT/metrics to scrapers "
         "sending METRICS_TOKEN as their bearer token.")


def _serve_metrics(address: str | None, *collectors) -> None:
    if not address:
        return
    # The exports matter more than their metrics: without them, run on and say why.
    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        log.warning("--metrics %s ignored: METRICS_TOKEN is not set", address)
        return
    try:
        serve(address, token, collectors)
    except (OSError, ValueError) as error:
        log.warning("--metrics %s: not served (%s)", address, error)


@exports_group.command("relay")
@click.option("--once/--loop", default=True,
              help="One pass (default), or keep passing every --interval seconds.")
@click.option("--older-than", type=click.FloatRange(min=0), default=180, show_default=True,
              help="Re-enqueue pending events whose last attempt or enqueue is older than "
                   "this (s); under RQ a drain is asked for the untried ones after 10 s.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=5, show_default=True,
              help="Seconds between passes with --loop.")
@METRICS_OPTION
def relay_command(once: bool, older_than: float, interval: float, metrics: str | None):
    """Enqueue again the events that have been pending too long (Redis or worker was down)."""
    # The outbox's gauges describe the whole shop: the relay, one per shop, serves them.
    _serve_metrics(metrics, OutboxCollector(current_app._get_current_object()))
    while True:
        enqueued, not_enqueued = relay_pending(older_than)
        left = f", {not_enqueued} left pending (queue unreachable)" if not_enqueued else ""
        click.echo(f"relay: {enqueued} enqueued{left}")
        if once:
            if not_enqueued:
                raise SystemExit(1)
            return
        time.sleep(interval)


@exports_group.command("retry")
@click.argument("event_id", type=int)
def retry_command(event_id: int):
    """Give a failed event a fresh set of attempts and enqueue it."""
    try:
        event = retry_event(event_id)
    except DomainError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"export event {event.id} re-enqueued")


class _Worker(SimpleWorker):
    """RQ's in-process worker that remembers whether it was asked to stop (SIGTERM, ^C),
    which is the only reason ``flask exports worker`` ends without ``--burst``."""

    stop_requested = False

    def request_stop(self, signum, frame):
        self.stop_requested = True
        super().request_stop(signum, frame)


@exports_group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@METRICS_OPTION
def worker_command(burst: bool, metrics: str | None):
    """Run an RQ worker (with its scheduler, for retry backoff) on the app's queue.

    At start it frees the lock of a scheduler that died (``kill -9``) and queues a drain for
    what a crashed worker left pending. When Redis goes away it waits and starts again.
    """
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it jobs run inline.")
    _serve_metrics(metrics)
    waits = iter(RECONNECT_WAITS)
    while True:
        try:
            worker = _start_worker()
            waits = iter(RECONNECT_WAITS)
            worker.work(burst=burst, with_scheduler=True)
        except RedisError as exc:
            if burst:
                raise click.ClickException(f"Redis is unreachable: {exc}") from exc
            log.warning("exports worker: Redis unreachable (%s)", exc)
        else:
            if burst or worker.stop_requested:
                return
        wait = next(waits, RECONNECT_WAITS[-1])
        click.echo(f"exports worker: stopped (Redis gone?); starting again in {wait} s",
                   err=True)
        # RQ's handlers belong to the worker that ended: a stop now just ends the process.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        time.sleep(wait)


def _start_worker() -> _Worker:
    # Jobs run in this process, not in a child forked per job: a delivery is a few
    # milliseconds of work, and the fork cost more CPU than the delivery itself
    # (docs/BENCHMARKS.md). Our jobs are our own code, so the isolation is not needed.
    connection = redis_connection()
    connection.ping()
    release_dead_scheduler_lock(connection)
    start_drain()
    return _Worker([get_queue(connection)], connection=connection,
                   maintenance_interval=WORKER_MAINTENANCE_INTERVAL)


@exports_group.command("status")
def status_command():
    """Counts by status, the age of the oldest pending event, and the failed events."""
    summary = export_summary()
    counts = " ".join(f"{status}={count}" for status, count in summary["counts"].items())
    oldest = summary["oldest_pending"]
    age = f" oldest_pending={(utcnow() - oldest).total_seconds():.0f}s" if oldest else ""
    click.echo(counts + age)
    for event in summary["failed"]:
        click.echo(f"failed #{event.id} order {event.order_id} {event.kind} "
                   f"after {event.attempts} attempts: {event.last_error}")


commands = [exports_group]
