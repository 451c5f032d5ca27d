"""Applying a stock-receipt CSV preview: every row or none, and each preview at most once
(its import id is the ``stock_imports`` row's key); and what an applied import did.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_number, gettext, lazy_gettext, ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.catalog.csv_io import ReceiptPreview, preview_receipts
from app.catalog.editing import REASON_MAX, WRITE_ATTEMPTS, apply_stock_change
from app.catalog.models import Product, StockImport, StockMovement
from app.db import retry_on_conflict, transaction
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db


class ImportAlreadyApplied(Conflict):
    code = "import_already_applied"
    title = lazy_gettext("Already imported")

    def __init__(self, applied: StockImport):
        super().__init__(ngettext(
            "This preview was already imported (%(rows)s row, %(units)s units received); "
            "nothing was changed again.",
            "This preview was already imported (%(rows)s rows, %(units)s units received); "
            "nothing was changed again.", applied.rows, rows=format_number(applied.rows),
            units=format_number(applied.units)))
        self.import_id = applied.id


class ReceiptImportRejected(InvalidInput):
    code = "invalid_input"
    title = lazy_gettext("The file was not imported")

    def __init__(self, preview: ReceiptPreview):
        problems = preview.file_errors or [
            gettext("line %(line)s: %(problems)s", line=row.line, problems="; ".join(row.errors))
            for row in preview.bad_rows]
        super().__init__(gettext("Nothing was imported. %(problems)s",
                                 problems=" ".join(problems[:5])))
        self.preview = preview


_IMPORT_ID = re.compile(r"[0-9a-f]{32}")


def new_import_id() -> str:
    """The id a preview issues; applying it records the id, so it applies at most once."""
    return secrets.token_hex(16)


def _is_import_id(value) -> bool:
    return isinstance(value, str) and _IMPORT_ID.fullmatch(value) is not None


def _check_import_id(import_id) -> str:
    if not _is_import_id(import_id):
        raise InvalidInput(gettext("This preview has no valid import id; upload the file "
                                   "again."), field="import_id")
    return import_id


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def import_receipts(text: str, actor_id: int | None,
                    import_id: str | None = None) -> ReceiptPreview:
    """Apply a stock-receipt CSV: every row, or none; each preview (``import_id``) once.

    A preview already applied raises ``ImportAlreadyApplied`` and writes nothing, however
    the second apply came (double submit, Back and resubmit, a retry, two at once): the
    ``stock_imports`` row is inserted under ``import_id`` in the same transaction as the
    movements, and its primary key refuses the second. Without an ``import_id`` the call
    is a new import of its own.

    The file is checked again here (never trust a preview made earlier); one bad row raises
    ``ReceiptImportRejected`` with the preview and nothing is written. Each row becomes one
    ``receipt`` movement whose reason ends with "(CSV line N)". Rows are applied in
    ascending product id order, the order every stock writer locks products in, so an
    import never deadlocks with a checkout.
    """
    import_id = new_import_id() if import_id is None else _check_import_id(import_id)
    _refuse_if_applied(import_id)
    preview = preview_receipts(text)
    if not preview.ok:
        raise ReceiptImportRejected(preview)
    try:
        with transaction() as uow:
            # The key first: a concurrent second apply waits on it, then fails, before it
            # has touched a single product.
            uow.session.add(StockImport(id=import_id, actor_id=actor_id, rows=len(preview.rows),
                                        units=preview.total_units))
            uow.session.flush()
            for row in sorted(preview.rows, key=lambda r: (r.product_id, r.line)):
                apply_stock_change(uow.session, row.product_id, row.quantity, "receipt",
                                    f"{row.reason} (CSV line {row.line})"[:REASON_MAX],
                                    actor_id, import_id)
    except IntegrityError:
        _refuse_if_applied(import_id)
        raise
    return preview


def _refuse_if_applied(import_id: str) -> None:
    applied = db.session.get(StockImport, import_id, populate_existing=True)
    if applied is not None:
        raise ImportAlreadyApplied(applied)


@dataclass(frozen=True)
class AppliedLine:
    product_id: int
    product_name: str
    delta: int
    reason: str


@dataclass(frozen=True)
class AppliedImport:
    id: str
    created_at: datetime
    actor_email: str | None
    rows: int
    units: int
    lines: list[AppliedLine]


def applied_import(import_id) -> AppliedImport:
    """What an applied import did: who, when, and its movements in the order written."""
    if not _is_import_id(import_id):
        raise NotFound(gettext("There is no such import."))
    row = db.session.execute(
        select(StockImport, User.email).outerjoin(User, User.id == StockImport.actor_id)
        .where(StockImport.id == import_id)).first()
    if row is None:
        raise NotFound(gettext("There is no such import."))
    applied, email = row
    lines = [AppliedLine(*line) for line in db.session.execute(
        select(StockMovement.product_id, Product.name, StockMovement.delta, StockMovement.reason)
        .join(Product, Product.id == StockMovement.product_id)
        .where(StockMovement.import_id == import_id).order_by(StockMovement.id))]
    return AppliedImport(applied.id, applied.created_at, email, applied.rows, applied.units,
                         lines)
