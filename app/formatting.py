"""How money and moments read, in the response's language: the ``won``, ``won_text``,
``local_time`` and ``local_date`` template filters, also used where a view writes a sentence
(a flash), by the CSV exports and by the admin pages, so that money is written one way.

- ``format_won``: an amount on its own (a price, a balance, a table cell): ``₩12,900``,
  ``−₩171,700`` (a true minus sign, as a Korean price list prints it).
- ``format_won_text``: an amount inside a sentence: ``12,900원`` in Korean, ``₩12,900`` in
  English.
- ``format_local_time`` / ``format_local_date``: a UTC moment in the shop's time zone, as the
  language writes dates: ``2026년 12월 2일 (수) 14:05`` / ``Wed, Dec 2, 2026, 14:05``.

Not in app/shop: capabilities' views use them, and the shop package imports capabilities.
"""

from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal
from flask import current_app

from app.i18n import current_locale

MINUS = "\u2212"
_WON_PATTERN = f"¤#,##0;{MINUS}¤#,##0"
_DATE_PATTERNS = {"ko": "y년 M월 d일 (E)", "en": "EEE, MMM d, y"}
_TIME_PATTERNS = {"ko": "y년 M월 d일 (E) HH:mm", "en": "EEE, MMM d, y, HH:mm"}


# A page shows the same prices over and over (a list of 12, the same ones on the next page):
# each amount is formatted once per language per process. Babel's formatting is ~25 µs a call.
@functools.lru_cache(maxsize=4096)
def _won(amount: int, locale: str) -> str:
    return format_currency(amount, "KRW", format=_WON_PATTERN, currency_digits=False,
                           locale=locale)


@functools.lru_cache(maxsize=4096)
def _won_text(amount: int, locale: str) -> str:
    if locale != "ko":
        return _won(amount, locale)
    number = format_decimal(abs(amount), format="#,##0", locale=locale)
    return f"{MINUS if amount < 0 else ''}{number}원"


def format_won(value) -> str:
    return _won(int(value), current_locale())


def format_won_text(value) -> str:
    return _won_text(int(value), current_locale())


def _local(value: datetime, patterns: dict[str, str]) -> str:
    """A moment within a day of year 1 or 9999 has no local time (converting overflows): it
    is shown in its own zone, named, since one bad row must not break a page for everyone."""
    locale = current_locale()
    zone = ZoneInfo(current_app.config["SHOP_TIMEZONE"])
    try:
        value.astimezone(zone)
    except OverflowError:
        shown = format_datetime(value, patterns[locale], tzinfo=value.tzinfo, locale=locale)
        return f"{shown} {value.tzname()}"
    return format_datetime(value, patterns[locale], tzinfo=zone, locale=locale)


def format_local_time(value) -> str:
    return "" if value is None else _local(value, _TIME_PATTERNS)


def format_local_date(value) -> str:
    return "" if value is None else _local(value, _DATE_PATTERNS)
