"""``flask audit``: exit 0 with a summary when every invariant holds, else 1 and the rows."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from app.audit.services import run_audit, shop_totals


@click.command("audit")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True,
              help="Offending rows printed per check.")
@with_appcontext
def audit(limit: int):
    """Check every invariant (balances, stock, sales, coupons, payments, refunds)."""
    started = time.perf_counter()
    findings = run_audit(limit=limit)
    elapsed = time.perf_counter() - started
    if not findings:
        totals = ", ".join(f"{n:,} {what}" for what, n in shop_totals().items())
        click.echo(f"audit: clean ({totals}; {elapsed * 1000:.0f} ms)")
        return
    for finding in findings:
        shown = finding.rows[:limit]
        more = " (more not shown)" if len(finding.rows) > limit else ""
        click.echo(f"FAIL {finding.check.name}: {finding.check.rule}: "
                   f"{len(shown)} row(s){more}", err=True)
        click.echo("    " + "  ".join(finding.columns), err=True)
        for row in shown:
            click.echo("    " + "  ".join("NULL" if v is None else str(v) for v in row),
                       err=True)
    click.echo(f"audit: {len(findings)} check(s) failed", err=True)
    raise SystemExit(1)


commands = [audit]
