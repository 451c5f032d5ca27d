"""``flask exports …``: the relay, manual retries, the RQ worker, and a status line."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup
from rq import SimpleWorker

from app.errors import DomainError
from app.exports.services import export_summary, relay_pending, retry_event
from app.jobs import get_queue, redis_connection


exports_group = AppGroup("exports", help="Export events for the data platform (the outbox).")


@exports_group.command("relay")
@click.option("--once/--loop", default=True,
              help="One pass (default), or keep passing every --interval seconds.")
@click.option("--older-than", type=click.FloatRange(min=0), default=300, show_default=True,
              help="Re-enqueue pending events whose last enqueue is older than this (s).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=30, show_default=True,
              help="Seconds between passes with --loop.")
def relay_command(once: bool, older_than: float, interval: float):
    """Enqueue again the events that have been pending too long (Redis or worker was down)."""
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


@exports_group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool):
    """Run an RQ worker (with its scheduler, for retry backoff) on the app's queue."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: without it jobs run inline.")
    # Jobs run in this process, not in a child forked per job: a delivery is a few
    # milliseconds of work, and the fork cost more CPU than the delivery itself
    # (docs/BENCHMARKS.md). Our jobs are our own code, so the isolation is not needed.
    connection = redis_connection()
    SimpleWorker([get_queue(connection)], connection=connection).work(burst=burst,
                                                                       with_scheduler=True)


@exports_group.command("status")
def status_command():
    """Counts by status and the failed events with their last error."""
    summary = export_summary()
    click.echo(" ".join(f"{status}={count}" for status, count in summary["counts"].items()))
    for event in summary["failed"]:
        click.echo(f"failed #{event.id} order {event.order_id} {event.kind} "
                   f"after {event.attempts} attempts: {event.last_error}")


commands = [exports_group]
