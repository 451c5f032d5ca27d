"""How money and moments read on a page: the ``won`` and ``local_time`` template filters, also
used where a view writes a sentence (a flash) itself.

Not in app/shop: capabilities' views use them, and the shop package imports capabilities.
"""

from zoneinfo import ZoneInfo

from flask import current_app


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
