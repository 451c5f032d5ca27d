"""The catalog as CSV: the product export, and reading a stock-receipt file into a preview
(decode, parse, check every row, find each product) without changing anything.
Applying a preview is ``app.catalog.stock_imports``.

Written for Korean spreadsheets: the export starts with a UTF-8 byte order mark, without
which Excel reads UTF-8 as the system's code page and garbles Hangul; money stays a plain
integer so that formulas work on it. An upload may be UTF-8 (with or without the mark) or
CP949, what Korean Excel writes for "CSV (쉼표로 분리)"; anything else is refused.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import format_number, gettext, lazy_gettext
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.catalog.editing import DELTA_MAX, REASON_MAX
from app.catalog.models import Product
from app.errors import InvalidInput
from app.extensions import db

CSV_MAX_BYTES = 1_000_000
CSV_MAX_ROWS = 5_000
# Newer columns come last (the English text, then the category's slug), so that the columns
# spreadsheets already use keep their places.
EXPORT_COLUMNS = ("id", "name", "price", "stock", "is_active", "description", "created_at",
                  "name_en", "description_en", "category")
# What the import page says it read a file as.
ENCODING_NOTES = {"utf-8": lazy_gettext("Read as UTF-8"),
                  "cp949": lazy_gettext("Read as CP949 (Korean Excel)")}


def _csv_cell(value) -> str:
    """Text that a spreadsheet would run as a formula is quoted with a leading apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def export_products_csv() -> bytes:
    """Every product as CSV bytes (UTF-8 with a byte order mark), hidden ones included, by id."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    products = select(Product).options(selectinload(Product.category)).order_by(Product.id)
    for product in db.session.scalars(products):
        writer.writerow([product.id, _csv_cell(product.name), product.price, product.stock,
                         "yes" if product.is_active else "no", _csv_cell(product.description),
                         product.created_at.isoformat(), _csv_cell(product.name_en),
                         _csv_cell(product.description_en),
                         product.category.slug if product.category else ""])
    return out.getvalue().encode("utf-8-sig")


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

class DecodedCsv(NamedTuple):
    text: str
    encoding: str  # a key of ENCODING_NOTES


def _too_large() -> str:
    return gettext("The file is larger than %(size)s kB.",
                   size=format_number(CSV_MAX_BYTES // 1000))


def decode_csv(data: bytes) -> DecodedCsv:
    """The uploaded bytes as text, at most ``CSV_MAX_BYTES``: UTF-8 (a BOM is fine), else
    CP949, else ``InvalidInput``.

    UTF-8 goes first: its rules are strict enough that other text almost never passes them,
    while CP949 takes most byte pairs. So CP949 text with control characters (other than
    tab and line ends) is refused too: that is a binary file or another encoding, and
    reading it as Korean would only show nonsense.
    """
    if len(data) > CSV_MAX_BYTES:
        raise InvalidInput(_too_large(), field="file")
    try:
        return DecodedCsv(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError:
        text = None
    if text is None or any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n"
                           for ch in text):
        raise InvalidInput(gettext("The file is neither UTF-8 nor CP949 text: save it from "
                                   "your spreadsheet as 'CSV UTF-8' or 'CSV (comma "
                                   "delimited)'."), field="file")
    return DecodedCsv(text, "cp949")


def _header_map(header: list[str]) -> tuple[dict[str, int], list[str]]:
    columns = {name.strip().lower(): index for index, name in enumerate(header)}
    errors = []
    if "quantity" not in columns or "reason" not in columns or not (
            "product_id" in columns or "name" in columns):
        errors.append(gettext("The first line must name the columns: product_id or name, "
                              "quantity, reason."))
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
        return ReceiptPreview([], [_too_large()])
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return ReceiptPreview([], [gettext("This is not a readable CSV file: %(error)s.",
                                           error=exc)])
    if not records:
        return ReceiptPreview([], [gettext("The file is empty.")])
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
        file_errors.append(gettext("The file has no rows to import."))
    elif len(rows) > CSV_MAX_ROWS:
        file_errors.append(gettext("A file has at most %(count)s rows; split it.",
                                   count=format_number(CSV_MAX_ROWS)))
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
        return [gettext("the %(column)s column contains a NUL character", column=column)
                for column in with_nul]
    errors = []
    if raw_id:
        if raw_id.isascii() and raw_id.isdigit() and len(raw_id) <= 9:
            row.product_id = int(raw_id)
        else:
            errors.append(gettext("product_id '%(value)s' is not a product number",
                                  value=raw_id))
    elif not raw_name:
        errors.append(gettext("no product_id or name"))
    if raw_name and not raw_id:
        row.product_name = raw_name
    quantity = row.raw_quantity
    if quantity.isascii() and quantity.isdigit() and 1 <= int(quantity) <= DELTA_MAX:
        row.quantity = int(quantity)
    else:
        errors.append(gettext("quantity '%(value)s' is not a whole number from 1 to %(max)s",
                              value=quantity, max=format_number(DELTA_MAX)))
    if not row.reason:
        errors.append(gettext("no reason"))
    elif len(row.reason) > REASON_MAX:
        errors.append(gettext("the reason is longer than %(max)s characters", max=REASON_MAX))
    return errors


def _resolve_products(rows: list[ReceiptRow]) -> None:
    """Find each row's product (by id, or by the exact Korean or English name that only one
    product has); note what is missing."""
    ids = {row.product_id for row in rows if row.product_id is not None}
    names = {row.product_name for row in rows if row.product_id is None and row.product_name}
    by_id = {p.id: p for p in db.session.execute(
        select(Product.id, Product.name, Product.stock).where(Product.id.in_(ids))
    )} if ids else {}
    by_name: dict[str, dict[int, object]] = {}
    if names:
        for p in db.session.execute(
                select(Product.id, Product.name, Product.stock, Product.name_en)
                .where(or_(Product.name.in_(names), Product.name_en.in_(names)))):
            for name in {p.name, p.name_en} & names:
                by_name.setdefault(name, {})[p.id] = p
    running: dict[int, int] = {}
    for row in rows:
        if row.product_id is not None:
            product = by_id.get(row.product_id)
            if product is None:
                row.errors.append(gettext("there is no product #%(id)s", id=row.product_id))
                continue
        elif row.product_name:
            matches = list(by_name.get(row.product_name, {}).values())
            if not matches:
                row.errors.append(gettext("there is no product named '%(name)s'",
                                          name=row.product_name))
                continue
            if len(matches) > 1:
                row.errors.append(gettext("%(count)s products are named '%(name)s'; use "
                                          "product_id", count=len(matches),
                                          name=row.product_name))
                continue
            product = matches[0]
        else:
            continue
        row.product_id, row.product_name = product.id, product.name
        # Several rows for one product add up: show each row's stock as it will be then.
        row.stock_before = running.get(product.id, product.stock)
        if row.quantity is not None:
            running[product.id] = row.stock_before + row.quantity


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
                      (by_id or 12, "", 40, gettext("delivery 4711")),
                      ("", by_name or "녹차", 5, gettext("delivery 4712, pallet 2"))])
    return out.getvalue()
