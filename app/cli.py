"""Registers every capability's `flask` commands."""

from flask import Flask


def register_cli(app: Flask) -> None:
    from app.accounts.cli import users_cli

    app.cli.add_command(users_cli)
