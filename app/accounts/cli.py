import click
from flask.cli import AppGroup

from app.accounts import services
from app.errors import DomainError

users_cli = AppGroup("users", help="Manage shop accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The admin's password (prompted for when left out).")
@click.option("--name", default="Admin", show_default=True)
def create_admin_command(email, password, name):
    """Create an admin account, or make an existing account an admin.

    An existing account also gets the given password, so whoever runs this can log in.
    """
    try:
        user = services.create_admin(email, password, name)
    except DomainError as error:
        raise click.ClickException(error.detail) from None
    click.echo(f"Admin ready: {user.email}")


commands = [users_cli]
