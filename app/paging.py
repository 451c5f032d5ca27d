"""The one reader of ``?page=`` for every paged page (shop and admin).

A page number is clamped to 1..``MAX_PAGE``: junk or a negative number is page 1, and a
number too large for the database's OFFSET (``page=99999999999999999999``, an
``OverflowError`` on SQLite and ``bigint out of range`` on PostgreSQL) is the last page we
would ever show, which is simply empty. No list in the shop has anywhere near this many pages.
"""

from flask import request

MAX_PAGE = 1_000_000


def page_arg() -> int:
    page = request.args.get("page", 1, type=int)
    return min(max(page, 1), MAX_PAGE)
