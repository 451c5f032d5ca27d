"""Values every page template can use: the shopper's balance in the navigation, money format."""

from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_login import current_user


def format_won(value) -> str:
    return f"₩{int(value):,}"


def format_local_time(value) -> str:
    """A UTC datetime shown in the shop's time zone, e.g. ``2026-11-25 14:03 KST``.

    A moment within a day of year 1 or 9999 has no local time (converting overflows): it is
    shown as it is, with its own zone, since one bad row must not break a page for everyone.
    """
    if value is None:
        return ""
    try:
        local = value.astimezone(ZoneInfo(current_app.config["SHOP_TIMEZONE"]))
    except OverflowError:
        local = value
    return local.strftime("%Y-%m-%d %H:%M %Z")


def register_template_context(app: Flask) -> None:
    app.add_template_filter(format_won, "won")
    app.add_template_filter(format_local_time, "local_time")

    @app.context_processor
    def nav_balance():
        if not current_user.is_authenticated:
            return {"nav_balance": None}
        from app.wallet.services import get_balance

        return {"nav_balance": get_balance(current_user.id)}
