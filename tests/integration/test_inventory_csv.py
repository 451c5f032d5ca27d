"""Product CSV export and the all-or-nothing stock-receipts import."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.catalog import csv_io, stock_imports
from app.catalog.models import StockMovement
from app.errors import InvalidInput
from app.extensions import db
from tests.helpers import column, outcome_counts, run_concurrently


def test_export_lists_every_product_with_a_header(ctx, make_product):
    tea = make_product(name="Green tea", price=8_000, stock=4, description='Say "hi", ok')
    hidden = make_product(name="=HYPERLINK(\"http://evil\")", price=1, stock=0, is_active=False)
    data = csv_io.export_products_csv()
    assert data.startswith("\ufeff".encode())  # Excel then reads it as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["id", "name", "price", "stock", "is_active", "description", "created_at",
                       "name_en", "description_en", "category"]
    assert [r[:6] for r in rows[1:]] == [
        [str(tea.id), "Green tea", "8000", "4", "yes", 'Say "hi", ok'],
        # A cell a spreadsheet would run as a formula is neutralised.
        [str(hidden.id), "'=HYPERLINK(\"http://evil\")", "1", "0", "no", ""],
    ]


def _receipt_rows() -> list[tuple]:
    return db.session.execute(
        select(StockMovement.product_id, StockMovement.delta, StockMovement.reason)
        .where(StockMovement.kind == "receipt").order_by(StockMovement.id)).all()


def test_a_good_file_is_previewed_then_imported(ctx, make_product, admin_user, db_snapshot):
    a = make_product(name="Alpha", stock=1)
    b = make_product(name="Beta", stock=0)
    text = ("product_id,name,quantity,reason\r\n"
            f"{b.id},,5,delivery 1\r\n"
            ",Alpha,10,\"delivery 2, pallet 3\"\r\n"
            "\r\n"
            f"{a.id},,2,delivery 3\r\n")
    before = db_snapshot()
    preview = csv_io.preview_receipts(text)
    assert preview.ok and preview.file_errors == []
    assert [(r.line, r.product_id, r.stock_before, r.quantity, r.stock_after)
            for r in preview.rows] == [
        (2, b.id, 0, 5, 5), (3, a.id, 1, 10, 11), (5, a.id, 11, 2, 13)]
    assert db_snapshot() == before  # a preview changes nothing

    result = stock_imports.import_receipts(text, admin_user.id)
    assert result.total_units == 17
    state = db_snapshot()
    assert column(state, "products", "stock") == {a.id: 13, b.id: 5}
    assert len(state["stock_movements"]) == len(before["stock_movements"]) + 3
    # Applied in ascending product id order (the lock order), each row its own movement.
    assert _receipt_rows() == [
        (a.id, 10, "delivery 2, pallet 3 (CSV line 3)"), (a.id, 2, "delivery 3 (CSV line 5)"),
        (b.id, 5, "delivery 1 (CSV line 2)")]
    actors = db.session.scalars(select(StockMovement.actor_id)
                                .where(StockMovement.kind == "receipt")).all()
    assert actors == [admin_user.id] * 3


def test_one_bad_row_imports_nothing_and_reports_the_row(ctx, make_product, admin_user,
                                                         db_snapshot):
    a = make_product(name="Alpha", stock=1)
    b = make_product(name="Beta", stock=2)
    text = (f"product_id,quantity,reason\n{a.id},5,delivery\n{b.id},-3,delivery\n"
            f"{a.id},1,delivery\n")
    before = db_snapshot()
    with pytest.raises(stock_imports.ReceiptImportRejected) as rejected:
        stock_imports.import_receipts(text, admin_user.id)
    assert db_snapshot() == before
    preview = rejected.value.preview
    assert [(row.line, row.errors) for row in preview.bad_rows] == [
        (3, ["quantity '-3' is not a whole number from 1 to 1,000,000"])]
    assert "line 3" in rejected.value.detail and "Nothing was imported" in rejected.value.detail


@pytest.mark.parametrize("row, error", [
    ("{id},0,delivery", "quantity '0' is not a whole number from 1 to 1,000,000"),
    ("{id},1.5,delivery", "quantity '1.5' is not a whole number from 1 to 1,000,000"),
    ("{id},1000001,delivery", "quantity '1000001' is not a whole number from 1 to 1,000,000"),
    ("{id},,delivery", "quantity '' is not a whole number from 1 to 1,000,000"),
    ("{id},٣,delivery", "quantity '٣' is not a whole number from 1 to 1,000,000"),
    ("{id},3,", "no reason"),
    ("{id},3," + "x" * 201, "the reason is longer than 200 characters"),
    ("99999,3,delivery", "there is no product #99999"),
    ("abc,3,delivery", "product_id 'abc' is not a product number"),
    ("-1,3,delivery", "product_id '-1' is not a product number"),
    ("9999999999,3,delivery", "product_id '9999999999' is not a product number"),
    (",3,delivery", "no product_id or name"),
])
def test_each_kind_of_bad_row_is_named(ctx, make_product, admin_user, db_snapshot, row, error):
    product = make_product(stock=1)
    text = f"product_id,quantity,reason\n{product.id},1,fine\n" + row.format(id=product.id)
    preview = csv_io.preview_receipts(text)
    assert not preview.ok
    assert [(r.line, r.errors) for r in preview.rows] == [(2, []), (3, [error])]
    before = db_snapshot()
    with pytest.raises(stock_imports.ReceiptImportRejected):
        stock_imports.import_receipts(text, admin_user.id)
    assert db_snapshot() == before


def test_names_must_match_exactly_one_product(ctx, make_product):
    make_product(name="Twin")
    make_product(name="Twin")
    unique = make_product(name="Solo", stock=4)
    preview = csv_io.preview_receipts(
        "name,quantity,reason\nTwin,1,x\nSolo,2,x\nNobody,1,x\n")
    assert [(r.line, r.product_id, r.errors) for r in preview.rows] == [
        (2, None, ["2 products are named 'Twin'; use product_id"]),
        (3, unique.id, []),
        (4, None, ["there is no product named 'Nobody'"]),
    ]


@pytest.mark.parametrize("text, error", [
    ("", "The file is empty."),
    ("product_id,quantity\n1,2\n", "The first line must name the columns"),
    ("sku,quantity,reason\n1,2,x\n", "The first line must name the columns"),
    ("product_id,quantity,reason\n\n\n", "The file has no rows to import."),
])
def test_file_level_problems_refuse_the_import_and_change_nothing(ctx, admin_user, db_snapshot,
                                                                  text, error):
    """What each problem says is tests/unit/test_receipt_csv.py; here: nothing is applied."""
    before = db_snapshot()
    with pytest.raises(stock_imports.ReceiptImportRejected, match=error):
        stock_imports.import_receipts(text, admin_user.id)
    assert db_snapshot() == before


def test_header_names_ignore_case_spaces_and_extra_columns(ctx, make_product, admin_user):
    product = make_product(name="녹차", stock=0)
    text = " Name , QUANTITY ,Reason,note\n녹차,3,입고,ignored\n"
    stock_imports.import_receipts(text, admin_user.id)
    assert db.session.scalar(select(StockMovement.delta).where(
        StockMovement.product_id == product.id, StockMovement.kind == "receipt")) == 3


def test_one_preview_applies_at_most_once(ctx, make_product, admin_user, db_snapshot):
    a = make_product(name="Alpha", stock=1)
    text = f"product_id,quantity,reason\n{a.id},5,delivery 1\n"
    import_id = stock_imports.new_import_id()
    stock_imports.import_receipts(text, admin_user.id, import_id=import_id)
    applied = db_snapshot()
    with pytest.raises(stock_imports.ImportAlreadyApplied) as again:
        stock_imports.import_receipts(text, admin_user.id, import_id=import_id)
    assert again.value.code == "import_already_applied" and again.value.import_id == import_id
    assert db_snapshot() == applied and column(applied, "products", "stock") == {a.id: 6}
    shown = stock_imports.applied_import(import_id)
    assert (shown.actor_email, shown.rows, shown.units) == (admin_user.email, 1, 5)
    assert [(line.product_id, line.delta, line.reason) for line in shown.lines] == [
        (a.id, 5, "delivery 1 (CSV line 2)")]


def test_concurrent_applies_of_one_preview_apply_it_once(app, ctx, make_product, admin_user):
    """Two tabs, a double click and a retry all at once: real threads, one import."""
    a = make_product(name="Alpha", stock=0)
    b = make_product(name="Beta", stock=0)
    text = f"product_id,quantity,reason\n{b.id},2,delivery\n{a.id},3,delivery\n"
    import_id = stock_imports.new_import_id()
    outcomes = run_concurrently(app, stock_imports.import_receipts,
                                [(text, admin_user.id, import_id)] * 8)
    assert outcome_counts(outcomes) == {"ok": 1, "import_already_applied": 7}
    db.session.rollback()
    assert dict(db.session.execute(select(StockMovement.product_id, StockMovement.delta)
                                   .where(StockMovement.kind == "receipt")).all()) == {
        a.id: 3, b.id: 2}
    assert stock_imports.applied_import(import_id).units == 5


def test_a_malformed_import_id_is_refused(ctx, make_product, admin_user, db_snapshot):
    a = make_product(stock=1)
    before = db_snapshot()
    with pytest.raises(InvalidInput, match="upload the file again"):
        stock_imports.import_receipts(f"product_id,quantity,reason\n{a.id},1,x\n", admin_user.id,
                                      import_id="' OR 1=1 --")
    assert db_snapshot() == before


@pytest.mark.parametrize("row, column", [
    ("{id},,1,deli\x00very", "reason"),
    (",Al\x00pha,1,delivery", "name"),
    ("{id}\x00,,1,delivery", "product_id"),
])
def test_a_nul_in_a_cell_is_named_and_nothing_is_imported(ctx, make_product, admin_user,
                                                          db_snapshot, row, column):
    product = make_product(name="Alpha", stock=1)
    text = (f"product_id,name,quantity,reason\n{product.id},,1,fine\n"
            + row.format(id=product.id) + "\n")
    preview = csv_io.preview_receipts(text)
    assert [(r.line, r.errors) for r in preview.rows] == [
        (2, []), (3, [f"the {column} column contains a NUL character"])]
    before = db_snapshot()
    with pytest.raises(stock_imports.ReceiptImportRejected, match=f"line 3: the {column} column"):
        stock_imports.import_receipts(text, admin_user.id)
    assert db_snapshot() == before


def test_the_sample_names_real_products_so_it_imports_as_shown(ctx, make_product):
    first = make_product(name="Twin")
    make_product(name="Twin")
    solo = make_product(name='Solo, "the" one')
    preview = csv_io.preview_receipts(csv_io.sample_receipts_csv())
    assert preview.ok, [row.errors for row in preview.rows]
    # By id the first product; by name the first one whose name is its own.
    assert [row.product_id for row in preview.rows] == [first.id, solo.id]
