"""The checkout's one write statement on PostgreSQL stays within what psycopg caches."""

from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH, MAX_CACHED_STATEMENT_PARAMS
from sqlalchemy.dialects.postgresql import psycopg

from app.orders.services import _WRITE_ORDER_PG


def test_the_write_statement_is_short_enough_for_psycopg_to_cache_its_parse():
    """psycopg parses a query's placeholders again on every run once it is over 4 KB or 50
    parameters; for this statement that cost ~0.4 ms per checkout (docs/BENCHMARKS.md)."""
    compiled = _WRITE_ORDER_PG.compile(dialect=psycopg.dialect())
    assert len(str(compiled).encode()) <= MAX_CACHED_STATEMENT_LENGTH
    assert len(compiled.params) <= MAX_CACHED_STATEMENT_PARAMS
