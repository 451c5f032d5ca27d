"""Inventory for shop admins: create and edit products, adjust stock, CSV export and import.

Every stock change goes through ``change_stock`` (a compare-and-set on ``stock + delta >= 0``
plus a ``stock_movements`` row in the same transaction), so a product's stock always equals
the sum of its movements and no adjustment can take it below zero, however many run at once.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.catalog.models import Product, StockImport, StockMovement
from app.catalog.stock import OutOfStock, ProductNotFound, change_stock
from app.db import is_id, retry_on_conflict, transaction
from app.errors import DomainError, InvalidInput, NotFound
from app.extensions import db
from app.orders.models import Order

NAME_MAX = 120
DESCRIPTION_MAX = 5000
REASON_MAX = 200
PRICE_MAX = 100_000_000  # the most a wallet can hold: dearer products could never be bought
STOCK_MAX = 1_000_000
DELTA_MAX = 1_000_000
LOW_STOCK_DEFAULT = 5
ADJUSTMENT_KINDS = ("receipt", "correction")
EDITABLE_FIELDS = ("name", "price", "description", "is_active")
# An edit is a version-checked ORM write, and every sale or adjustment committed between its
# read and its write bumps the version. Five attempts were not always enough against 20
# concurrent adjustments on a loaded machine (tests/integration/test_inventory_concurrency.py).
WRITE_ATTEMPTS = 10

CSV_MAX_BYTES = 1_000_000
CSV_MAX_ROWS = 5_000
EXPORT_COLUMNS = ("id", "name", "price", "stock", "is_active", "description", "created_at")


# --- validation: the same rules for the pages, the API and the CSV import ---------------


def check_name(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Enter the product's name.", field="name")
    value = value.strip()
    if len(value) > NAME_MAX:
        raise InvalidInput(f"A name has at most {NAME_MAX} characters.", field="name")
    return value


def check_price(value) -> int:
    if type(value) is not int or not 0 <= value <= PRICE_MAX:
        raise InvalidInput(f"A price is a whole number of won from 0 to {PRICE_MAX:,}.",
                           field="price")
    return value


def check_stock(value) -> int:
    if type(value) is not int or not 0 <= value <= STOCK_MAX:
        raise InvalidInput(f"Initial stock is a whole number from 0 to {STOCK_MAX:,}.",
                           field="stock")
    return value


def check_description(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("A description is text.", field="description")
    if len(value) > DESCRIPTION_MAX:
        raise InvalidInput(f"A description has at most {DESCRIPTION_MAX:,} characters.",
                           field="description")
    return value.strip()


def check_is_active(value) -> bool:
    if type(value) is not bool:
        raise InvalidInput("'is_active' is true or false.", field="is_active")
    return value


def check_reason(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Say why the stock changes (e.g. 'delivery 4711', 'recount').",
                           field="reason")
    value = value.strip()
    if len(value) > REASON_MAX:
        raise InvalidInput(f"A reason has at most {REASON_MAX} characters.", field="reason")
    return value


def check_adjustment(delta, kind) -> tuple[int, str]:
    """A receipt adds goods; a correction (a recount) may go either way; never zero."""
    if kind not in ADJUSTMENT_KINDS:
        raise InvalidInput("An adjustment is a receipt or a correction.", field="kind")
    if type(delta) is not int or delta == 0 or abs(delta) > DELTA_MAX:
        raise InvalidInput(f"The change is a whole number from -{DELTA_MAX:,} to {DELTA_MAX:,},"
                           " not 0.", field="delta")
    if kind == "receipt" and delta < 0:
        raise InvalidInput("A receipt adds stock; record a loss as a correction.", field="delta")
    return delta, kind


_CHECKS = {"name": check_name, "price": check_price, "description": check_description,
           "is_active": check_is_active}


def _clean_fields(fields: dict) -> dict:
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidInput(f"These fields cannot be changed here: {', '.join(unknown)}.")
    return {name: _CHECKS[name](value) for name, value in fields.items()}


def _known_id(product_id) -> int:
    if not is_id(product_id):
        raise ProductNotFound(f"There is no product #{product_id}.")
    return product_id


def _apply_stock_change(session, product_id: int, delta: int, kind: str, reason: str,
                        actor_id: int | None, import_id: str | None = None) -> int:
    try:
        return change_stock(session, product_id, delta, kind, reason=reason, actor_id=actor_id,
                            import_id=import_id)
    except DataError:
        # PostgreSQL's 32-bit stock column overflowed: bad input, not a server fault.
        raise InvalidInput("That would take the stock beyond what can be stored.",
                           field="delta") from None
    except OutOfStock:
        # An admin broke the floor rule; the shopper's "Only 5 of … left" would not say so.
        stock = session.scalar(select(Product.stock).where(Product.id == product_id))
        raise OutOfStock(f"Stock cannot go below 0 ({stock:,} in stock).",
                         field="delta") from None


# --- services ---------------------------------------------------------------------------


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def create_product(name, price, stock, description="", is_active=True,
                   actor_id: int | None = None) -> Product:
    """A new product; its initial stock is an ``initial`` movement so stock = Σ movements."""
    name, price, stock = check_name(name), check_price(price), check_stock(stock)
    description, is_active = check_description(description), check_is_active(is_active)
    with transaction() as uow:
        product = Product(name=name, price=price, stock=0, description=description,
                          is_active=is_active)
        uow.session.add(product)
        uow.session.flush()
        if stock:
            change_stock(uow.session, product.id, stock, "initial", reason="Initial stock",
                         actor_id=actor_id)
            # change_stock wrote behind the ORM's back: reload stock and version.
            uow.session.refresh(product)
    return product


def _update_fields(session, product_id: int, fields: dict) -> Product:
    product = session.get(Product, _known_id(product_id))
    if product is None:
        raise ProductNotFound(f"There is no product #{product_id}.")
    for name, value in fields.items():
        setattr(product, name, value)
    session.flush()
    return product


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def update_product(product_id: int, **fields) -> Product:
    """Change name, price, description or visibility (``is_active``).

    An ORM write on the versioned row: a sale or adjustment committed since the row was read
    makes the flush fail with ``StaleDataError``, and the whole unit of work is retried on
    the fresh row, so the edit never overwrites the stock someone else just changed.
    """
    fields = _clean_fields(fields)
    if not fields:
        raise InvalidInput("Nothing to change.")
    with transaction() as uow:
        product = _update_fields(uow.session, product_id, fields)
    return product


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def adjust_stock(product_id: int, delta, kind: str, reason, actor_id: int | None) -> int:
    """Receive goods (``receipt``, delta > 0) or correct a count (``correction``, ±delta).

    A reason is required. The stock never goes below zero: ``OutOfStock`` ("Stock cannot go
    below 0") and nothing is written. Returns the stock after the change.
    """
    product_id = _known_id(product_id)
    delta, kind = check_adjustment(delta, kind)
    reason = check_reason(reason)
    with transaction() as uow:
        return _apply_stock_change(uow.session, product_id, delta, kind, reason, actor_id)


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def patch_product(product_id: int, fields: dict, stock_delta=None, reason=None,
                  actor_id: int | None = None) -> Product:
    """Field changes and a stock change in one transaction: both happen, or neither.

    A positive ``stock_delta`` is recorded as a ``receipt``, a negative one as a
    ``correction``; either needs a reason.
    """
    product_id = _known_id(product_id)
    fields = _clean_fields(fields)
    if stock_delta is not None:
        positive = type(stock_delta) is int and stock_delta > 0
        stock_delta, kind = check_adjustment(stock_delta, "receipt" if positive else "correction")
        reason = check_reason(reason)
    elif reason is not None:
        raise InvalidInput("A reason goes with a stock_delta.", field="reason")
    if not fields and stock_delta is None:
        raise InvalidInput("Nothing to change.")
    with transaction() as uow:
        product = _update_fields(uow.session, product_id, fields) if fields else None
        if stock_delta is not None:
            _apply_stock_change(uow.session, product_id, stock_delta, kind, reason, actor_id)
        # change_stock wrote behind the ORM's back: read the row as it is now.
        if product is None:
            product = uow.session.get(Product, product_id, populate_existing=True)
        else:
            uow.session.refresh(product)
    return product


# --- read models ------------------------------------------------------------------------


def inventory_page(*, q: str = "", low_stock: int | None = None, page: int = 1,
                   per_page: int = 25):
    """Every product, hidden ones too; ``low_stock`` keeps those with stock at or below it."""
    query = select(Product)
    q = (q or "").strip()
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Product.name.ilike(f"%{escaped}%", escape="\\"))
    if low_stock is not None:
        query = query.where(Product.stock <= low_stock).order_by(Product.stock, Product.id)
    else:
        query = query.order_by(Product.id)
    return db.paginate(query, page=page, per_page=per_page, max_per_page=100, error_out=False)


def low_stock_products(threshold: int = LOW_STOCK_DEFAULT, limit: int = 10) -> list[Product]:
    """Active products that may sell out soon, emptiest first."""
    return list(db.session.scalars(
        select(Product).where(Product.is_active.is_(True), Product.stock <= threshold)
        .order_by(Product.stock, Product.id).limit(limit)
    ))


def get_product(product_id: int) -> Product:
    """Any product, hidden or not (admins see everything), or ``ProductNotFound``."""
    product = db.session.get(Product, _known_id(product_id))
    if product is None:
        raise ProductNotFound(f"There is no product #{product_id}.")
    return product


@dataclass(frozen=True)
class MovementRow:
    id: int
    created_at: datetime
    delta: int
    kind: str
    reason: str
    order_id: int | None
    actor_email: str | None
    shopper_email: str | None


def movement_page(product_id: int, page: int = 1, per_page: int = 25):
    """The product's stock movement ledger, newest first, with who made each change.

    Sales and cancellations carry no actor but an order: its shopper is shown instead.
    """
    actor, shopper = aliased(User), aliased(User)
    query = (
        select(StockMovement.id, StockMovement.created_at, StockMovement.delta,
               StockMovement.kind, StockMovement.reason, StockMovement.order_id,
               actor.email.label("actor_email"), shopper.email.label("shopper_email"))
        .outerjoin(actor, actor.id == StockMovement.actor_id)
        .outerjoin(Order, Order.id == StockMovement.order_id)
        .outerjoin(shopper, shopper.id == Order.user_id)
        .where(StockMovement.product_id == product_id)
        .order_by(StockMovement.id.desc())
    )
    total = db.session.scalar(select(func.count()).select_from(StockMovement)
                              .where(StockMovement.product_id == product_id))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return [MovementRow(*row) for row in rows], total


# --- CSV --------------------------------------------------------------------------------


def _csv_cell(value) -> str:
    """Text that a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def export_products_csv() -> str:
    """Every product as CSV (UTF-8), hidden ones included, by id."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for product in db.session.scalars(select(Product).order_by(Product.id)):
        writer.writerow([product.id, _csv_cell(product.name), product.price, product.stock,
                         "yes" if product.is_active else "no", _csv_cell(product.description),
                         product.created_at.isoformat()])
    return out.getvalue()


@dataclass
class ReceiptRow:
    """One data line of a stock-receipt CSV, as the preview shows it."""

    line: int
    raw_product: str
    raw_quantity: str
    reason: str
    product_id: int | None = None
    product_name: str | None = None
    stock_before: int | None = None
    quantity: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def stock_after(self) -> int | None:
        if self.stock_before is None or self.quantity is None:
            return None
        return self.stock_before + self.quantity


@dataclass
class ReceiptPreview:
    rows: list[ReceiptRow]
    file_errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.file_errors and bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def bad_rows(self) -> list[ReceiptRow]:
        return [row for row in self.rows if row.errors]

    @property
    def total_units(self) -> int:
        return sum(row.quantity or 0 for row in self.rows)


class ImportAlreadyApplied(DomainError):
    code = "import_already_applied"
    status = 409
    title = "Already imported"

    def __init__(self, applied: StockImport):
        rows = f"{applied.rows:,} row{'' if applied.rows == 1 else 's'}"
        super().__init__(f"This preview was already imported ({rows}, {applied.units:,} "
                         "units received); nothing was changed again.")
        self.import_id = applied.id


class ReceiptImportRejected(InvalidInput):
    code = "invalid_input"
    title = "The file was not imported"

    def __init__(self, preview: ReceiptPreview):
        problems = preview.file_errors or [
            f"line {row.line}: {'; '.join(row.errors)}" for row in preview.bad_rows]
        super().__init__("Nothing was imported. " + " ".join(problems[:5]))
        self.preview = preview


def decode_csv(data: bytes) -> str:
    """The uploaded bytes as text: UTF-8 (a BOM is fine), at most ``CSV_MAX_BYTES``."""
    if len(data) > CSV_MAX_BYTES:
        raise InvalidInput(f"The file is larger than {CSV_MAX_BYTES // 1000:,} kB.", field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("The file is not UTF-8 text; save it as 'CSV UTF-8'.",
                           field="file") from None


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    errors = []
    if "quantity" not in columns or "reason" not in columns or not (
            "product_id" in columns or "name" in columns):
        errors.append("The first line must name the columns: product_id or name, quantity, "
                      "reason.")
    return columns, errors


def _cell(record: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(record):
        return ""
    return record[index].strip()


def preview_receipts(text: str) -> ReceiptPreview:
    """Parse and check every row of a stock-receipt CSV without changing anything.

    Columns: ``product_id`` or ``name`` (exact name; must be unique), ``quantity`` (a whole
    number from 1 to 1,000,000) and ``reason`` (required). Blank lines are skipped.
    """
    if len(text.encode()) > CSV_MAX_BYTES:
        return ReceiptPreview([], [f"The file is larger than {CSV_MAX_BYTES // 1000:,} kB."])
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return ReceiptPreview([], [f"This is not a readable CSV file: {exc}."])
    if not records:
        return ReceiptPreview([], ["The file is empty."])
    columns, file_errors = _header_map(records[0])
    if file_errors:
        return ReceiptPreview([], file_errors)
    rows = []
    for line, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        raw_id, raw_name = _cell(record, columns, "product_id"), _cell(record, columns, "name")
        rows.append(ReceiptRow(line=line, raw_product=raw_id or raw_name,
                               raw_quantity=_cell(record, columns, "quantity"),
                               reason=_cell(record, columns, "reason")))
        rows[-1].errors = _check_row(rows[-1], raw_id, raw_name)
    if not rows:
        file_errors.append("The file has no rows to import.")
    elif len(rows) > CSV_MAX_ROWS:
        file_errors.append(f"A file has at most {CSV_MAX_ROWS:,} rows; split it.")
    if not file_errors:
        _resolve_products(rows)
    return ReceiptPreview(rows, file_errors)


def _check_row(row: ReceiptRow, raw_id: str, raw_name: str) -> list[str]:
    cells = {"product_id": raw_id, "name": raw_name, "quantity": row.raw_quantity,
             "reason": row.reason}
    # PostgreSQL stores no NUL in text, and a NUL is never what an admin meant to type.
    with_nul = [column for column, value in cells.items() if "\x00" in value]
    if with_nul:
        # The preview still shows the row, with a visible mark where each NUL was.
        row.raw_product, row.raw_quantity, row.reason = (
            value.replace("\x00", "\ufffd")
            for value in (row.raw_product, row.raw_quantity, row.reason))
        return [f"the {column} column contains a NUL character" for column in with_nul]
    errors = []
    if raw_id:
        if raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 9:
            row.product_id = int(raw_id)
        else:
            errors.append(f"product_id '{raw_id}' is not a product number")
    elif not raw_name:
        errors.append("no product_id or name")
    if raw_name and not raw_id:
        row.product_name = raw_name
    quantity = row.raw_quantity
    if quantity.isascii() and quantity.isdigit() and 1 <= int(quantity) <= DELTA_MAX:
        row.quantity = int(quantity)
    else:
        errors.append(f"quantity '{quantity}' is not a whole number from 1 to {DELTA_MAX:,}")
    if not row.reason:
        errors.append("no reason")
    elif len(row.reason) > REASON_MAX:
        errors.append(f"the reason is longer than {REASON_MAX} characters")
    return errors


def _resolve_products(rows: list[ReceiptRow]) -> None:
    """Find each row's product (by id, or by its unique exact name); note what is missing."""
    ids = {row.product_id for row in rows if row.product_id is not None}
    names = {row.product_name for row in rows if row.product_id is None and row.product_name}
    by_id = {p.id: p for p in db.session.execute(
        select(Product.id, Product.name, Product.stock).where(Product.id.in_(ids))
    )} if ids else {}
    by_name: dict[str, list] = {}
    if names:
        for p in db.session.execute(
                select(Product.id, Product.name, Product.stock).where(Product.name.in_(names))):
            by_name.setdefault(p.name, []).append(p)
    running: dict[int, int] = {}
    for row in rows:
        if row.product_id is not None:
            product = by_id.get(row.product_id)
            if product is None:
                row.errors.append(f"there is no product #{row.product_id}")
                continue
        elif row.product_name:
            matches = by_name.get(row.product_name, [])
            if not matches:
                row.errors.append(f"there is no product named '{row.product_name}'")
                continue
            if len(matches) > 1:
                row.errors.append(f"{len(matches)} products are named '{row.product_name}'; "
                                  "use product_id")
                continue
            product = matches[0]
        else:
            continue
        row.product_id, row.product_name = product.id, product.name
        # Several rows for one product add up: show each row's stock as it will be then.
        row.stock_before = running.get(product.id, product.stock)
        if row.quantity is not None:
            running[product.id] = row.stock_before + row.quantity


_IMPORT_ID = re.compile(r"[0-9a-f]{32}")


def new_import_id() -> str:
    """The id a preview issues; applying it records the id, so it applies at most once."""
    return secrets.token_hex(16)


def _is_import_id(value) -> bool:
    return isinstance(value, str) and _IMPORT_ID.fullmatch(value) is not None


def _check_import_id(import_id) -> str:
    if not _is_import_id(import_id):
        raise InvalidInput("This preview has no valid import id; upload the file again.",
                           field="import_id")
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
                _apply_stock_change(uow.session, row.product_id, row.quantity, "receipt",
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
        raise NotFound("There is no such import.")
    row = db.session.execute(
        select(StockImport, User.email).outerjoin(User, User.id == StockImport.actor_id)
        .where(StockImport.id == import_id)).first()
    if row is None:
        raise NotFound("There is no such import.")
    applied, email = row
    lines = [AppliedLine(*line) for line in db.session.execute(
        select(StockMovement.product_id, Product.name, StockMovement.delta, StockMovement.reason)
        .join(Product, Product.id == StockMovement.product_id)
        .where(StockMovement.import_id == import_id).order_by(StockMovement.id))]
    return AppliedImport(applied.id, applied.created_at, email, applied.rows, applied.units,
                         lines)


def sample_receipts_csv() -> str:
    """The import page's example, written for this shop's products so it imports as shown.

    One row names its product by id, the other by a name no other product has.
    """
    by_id = db.session.execute(select(Product.id).order_by(Product.id).limit(1)).scalar()
    by_name = db.session.execute(
        select(Product.name).group_by(Product.name).having(func.count() == 1)
        .order_by(func.min(Product.id)).limit(1)).scalar()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([("product_id", "name", "quantity", "reason"),
                      (by_id or 12, "", 40, "delivery 4711"),
                      ("", by_name or "Green tea", 5, "delivery 4712, pallet 2")])
    return out.getvalue()
