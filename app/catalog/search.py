"""A shopper's search: every word of the query must occur, in any order and any case, in
``PRODUCT_SEARCHABLE`` (both names and both descriptions), taken literally."""

from __future__ import annotations

from sqlalchemy import String, bindparam

from app.catalog.models import PRODUCT_SEARCHABLE

MAX_QUERY_CHARS = 100
MAX_WORDS = 8


def words(q: str | None) -> list[str]:
    """The lower-cased words of ``q``: at most MAX_WORDS from its first MAX_QUERY_CHARS
    characters, so a pasted essay costs a bounded query rather than an error."""
    return (q or "")[:MAX_QUERY_CHARS].lower().split()[:MAX_WORDS]


def like_pattern(word: str) -> str:
    """``%word%`` with LIKE's own metacharacters escaped, so they match themselves."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def word_patterns(q: str | None) -> dict[str, str]:
    """The LIKE pattern of each word of ``q``, as ``matching_words`` names its parameters."""
    return {f"word_{n}": like_pattern(word) for n, word in enumerate(words(q))}


def matching_words(count: int) -> list:
    """One condition per word, ``count`` of them, each taking its pattern from the parameter
    ``word_patterns`` gives; none when there are no words, so it lists everything."""
    return [PRODUCT_SEARCHABLE.like(bindparam(f"word_{n}", type_=String), escape="\\")
            for n in range(count)]
