"""The shapes every contended write is built from, as Core constructs.

An owner (stock, wallet, coupons, sales, exports, cart, orders) returns its write as a
construct built from these; a caller runs it alone inside its transaction, or composes it
with others into one statement (checkout on PostgreSQL, ``app.orders.one_statement``).
Values may be Python values (bound) or SQL, e.g. a column of another statement's CTE.
"""

from __future__ import annotations

import functools

from sqlalchemy import (ColumnElement, Insert, Integer, Select, String, Update, insert, literal,
                        literal_column, null, select, true, update)

from app.db import VersionedMixin


def constant(value: str | int) -> ColumnElement:
    """A value fixed by the code (a kind, a status, a bound such as 0), written into the
    SQL instead of bound: a composed statement stays short enough for psycopg to cache its
    parse (docs/BENCHMARKS.md). Never for input: that is bound."""
    if type(value) is int:
        return literal_column(str(value), Integer)
    if type(value) is str:
        return literal_column("'" + value.replace("'", "''") + "'", String)
    raise TypeError(f"not a SQL constant: {value!r}")


def compare_and_set(model, where, values: dict) -> Update:
    """``UPDATE model SET values WHERE where``: a compare-and-set whose ``where`` states the
    invariant. On a versioned model it bumps ``version`` too, so an ORM writer holding an
    older copy gets ``StaleDataError``; and it leaves the session's objects alone (the caller
    reads what it needs from ``RETURNING``), so no write can forget either."""
    if issubclass(model, VersionedMixin):
        values = {**values, "version": model.version + constant(1)}
    return (update(model).where(*where).values(values)
            .execution_options(synchronize_session=False))


def row_select(model, values: dict) -> Select:
    """``SELECT values`` for ``model``'s columns named by ``values``' keys: each value a
    Python value (bound with its column's type) or SQL, e.g. a column of a composed
    statement's CTE, which then gives one row per row of that CTE."""
    table = model.__table__
    rows = select(*(
        value if isinstance(value, ColumnElement)
        else null() if value is None else literal(value, table.c[name].type)
        for name, value in values.items()))
    froms = rows.get_final_froms()
    if len(froms) < 2:
        return rows
    # Several CTEs read together (each row of one with the single row of another): say
    # so with JOIN … ON true, which SQLAlchemy's cartesian-product check accepts.
    return rows.select_from(functools.reduce(lambda left, right: left.join(right, true()),
                                             froms))


def _left_null(table, name: str, value) -> bool:
    # A NULL for a column without a default is what leaving it out writes, in fewer bytes.
    column = table.c[name]
    return value is None and column.default is None and column.server_default is None


def insert_row(model, values: dict) -> Insert:
    """``INSERT INTO model (columns) SELECT values`` (``row_select``): one construct writes
    one row alone, or one row per row of a composed statement's CTE."""
    values = {name: value for name, value in values.items()
              if not _left_null(model.__table__, name, value)}
    return insert(model.__table__).from_select(list(values), row_select(model, values))
