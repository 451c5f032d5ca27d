import os

import click
from flask.cli import with_appcontext

from app.shop import demo


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Fill an empty shop with demo products, coupons, an admin and a shopper (idempotent)."""
    report = demo.seed_demo()
    if report.already_seeded:
        click.echo("Demo data already seeded; nothing changed.")
    else:
        click.echo("Demo data created: " + ", ".join(report.created) + ".")
    click.echo(f"\nStorefront: http://127.0.0.1:{os.environ.get('PORT', '5000')}")
    click.echo(f"  admin:   {demo.ADMIN_EMAIL} / {demo.ADMIN_PASSWORD}")
    click.echo(f"  shopper: {demo.SHOPPER_EMAIL} / {demo.SHOPPER_PASSWORD}")


commands = [seed_demo]
