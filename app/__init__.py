"""Storefront: the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.config import load_config
from app.db import configure_sqlite, ping_idle_connections, read_in_autocommit
from app.errors import register_error_handlers
from app.hostile_input import init_body_limits, init_hostile_input
from app.i18n import init_i18n
from app.logs import configure_logging
from app.metrics import watch_pool
from app.telemetry import init_telemetry

ROOT = Path(__file__).resolve().parent.parent

BLUEPRINT_MODULES = (
    "app.shop.views",
    "app.accounts.views",
    "app.wallet.views",
    "app.catalog.views",
    "app.media.views",
    "app.coupons.views",
    "app.cart.views",
    "app.orders.views",
    "app.admin.views",
    "app.bestsellers.views",
    "app.api",
    "app.ops.views",
)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app. ``overrides`` replace config values (tests use them)."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(Path(app.instance_path)))
    if overrides:
        app.config.update(overrides)
    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    # First of all hooks: every request gets its id and clock before anything can refuse it.
    init_telemetry(app)
    # Before CSRF and the text checks read a body: an upload route's larger limit counts.
    init_body_limits(app)

    # Imported here, not at module level: a package-level name ``db`` would shadow the
    # ``app.db`` module that migrations import.
    from app import models  # noqa: F401 - every table on the metadata before migrate sees it
    from app.extensions import cache, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    cache.init_app(app)
    login_manager.init_app(app)
    init_i18n(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        else:
            read_in_autocommit(db.engine)
            if app.config["DB_POOL_PRE_PING"]:
                ping_idle_connections(db.engine, app.config["DB_POOL_PING_IDLE"])
        watch_pool(db.engine)

    import importlib

    for module_name in BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(module_name).bp)

    register_error_handlers(app)
    init_hostile_input(app)

    from app.security import init_security

    init_security(app)

    from app.cli import register_cli

    register_cli(app)

    from app.shop.context import register_template_context

    register_template_context(app)
    return app
