"""Registers every capability's `flask` commands.

A capability adds commands by giving its package a ``cli.py`` with a ``commands`` list of
click commands or groups; nothing here changes when one is added.
"""

import importlib
import pkgutil
from pathlib import Path

from flask import Flask

# The app package's folder, found without importing the package this module is part of.
APP_FOLDER = Path(__file__).resolve().parent


def register_cli(app: Flask) -> None:
    for info in pkgutil.iter_modules([str(APP_FOLDER)]):
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
