"""Registers every capability's `flask` commands.

A capability adds commands by giving its package a ``cli.py`` with a ``commands`` list of
click commands or groups; nothing here changes when one is added.
"""

import importlib
import pkgutil

from flask import Flask

import app as app_package


def register_cli(app: Flask) -> None:
    for info in pkgutil.iter_modules(app_package.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"app.{info.name}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.{info.name}.cli":
                raise
            continue
        for command in module.commands:
            app.cli.add_command(command)
