"""A shopper's search (app/catalog/search.py) through the service, and its index on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.catalog import services
from app.catalog.choices import ListChoices
from app.catalog.models import Product
from app.catalog.search import matching_words, word_patterns
from app.extensions import db

NEWEST_FIRST = ["찻잔 세트", "snake_case 머그", "100% 면 양말", "보성 녹차", "드립 커피 원두"]


def _found(q):
    return [p.name for p in services.list_products(ListChoices(q=q), per_page=100).items]


@pytest.mark.parametrize(("q", "expected"), [
    # Every word, in any order, each in whichever column holds it.
    ("green tea", ["찻잔 세트", "보성 녹차"]),
    ("tea green", ["찻잔 세트", "보성 녹차"]),
    ("drip 예가체프", ["드립 커피 원두"]),
    # Words only a description holds, in either language.
    ("예가체프", ["드립 커피 원두"]),
    ("yirgacheffe roast", ["드립 커피 원두"]),
    ("soft", ["100% 면 양말"]),
    # A Korean part of a word; the hidden coffee stays hidden.
    ("커피", ["드립 커피 원두"]),
    ("녹차", ["찻잔 세트", "보성 녹차"]),
    # Case does not matter.
    ("COFFEE beans", ["드립 커피 원두"]),
    ("SNAKE_CASE", ["snake_case 머그"]),
    # LIKE's metacharacters match themselves.
    ("%", ["100% 면 양말"]),
    ("100%", ["100% 면 양말"]),
    ("_", ["snake_case 머그"]),
    ("\\", ["snake_case 머그"]),
    ("' OR 1=1 --", []),
    # Blank lists everything; one unmatched word empties the result.
    ("", NEWEST_FIRST),
    ("   \t ", NEWEST_FIRST),
    (None, NEWEST_FIRST),
    ("coffee tea", []),
    ("없는말", []),
    # Bounded: the words past the eighth and the text past 100 characters are not searched.
    (" ".join(["drip"] * 8 + ["zzz"]), ["드립 커피 원두"]),
    ("drip" + " " * 100 + "zzz", ["드립 커피 원두"]),
])
def test_every_word_must_match_somewhere(ctx, search_shelf, q, expected):
    assert _found(q) == expected


@pytest.mark.postgres
def test_a_two_word_search_uses_the_trigram_index(ctx, search_shelf):
    query = (select(Product.id).where(*matching_words(2))
             .params(word_patterns("coffee beans")))
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.begin() as conn:
        # Five rows are cheaper to scan; forbid that so the plan shows whether the index
        # matches the query's expression at all.
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}")))
    assert "ix_products_searchable" in plan, plan
