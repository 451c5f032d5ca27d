"""Inventory services: products, stock adjustments and the CSV receipts import, on the database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalog import editing, queries
from app.catalog.models import Product, StockMovement
from app.catalog.stock import OutOfStock, ProductNotFound
from app.errors import InvalidInput
from app.extensions import db
from tests.helpers import changed_tables, column


def _movements(product_id: int) -> list[tuple]:
    return db.session.execute(
        select(StockMovement.delta, StockMovement.kind, StockMovement.reason,
               StockMovement.actor_id)
        .where(StockMovement.product_id == product_id).order_by(StockMovement.id)).all()


# --- create -----------------------------------------------------------------------------


def test_create_product_records_the_initial_stock_as_a_movement(ctx, admin_user):
    product = editing.create_product("  Oolong tea  ", 12_000, 30, "Roasted.", True,
                                     actor_id=admin_user.id)
    assert (product.name, product.price, product.stock, product.is_active) == (
        "Oolong tea", 12_000, 30, True)
    assert db.session.get(Product, product.id).stock == 30
    assert _movements(product.id) == [(30, "initial", "Initial stock", admin_user.id)]


def test_a_product_created_without_stock_has_no_movement(ctx):
    product = editing.create_product("Preorder", 5_000, 0, "", False)
    assert (product.stock, product.is_active) == (0, False)
    assert _movements(product.id) == []


@pytest.mark.parametrize("name, price, stock, description, is_active, field", [
    ("", 1000, 1, "", True, "name"),
    ("   ", 1000, 1, "", True, "name"),
    ("x" * 121, 1000, 1, "", True, "name"),
    (None, 1000, 1, "", True, "name"),
    ("Tea", -1, 1, "", True, "price"),
    ("Tea", 100_000_001, 1, "", True, "price"),
    ("Tea", 10.5, 1, "", True, "price"),
    ("Tea", "1000", 1, "", True, "price"),
    ("Tea", True, 1, "", True, "price"),
    ("Tea", 1000, -1, "", True, "stock"),
    ("Tea", 1000, 1_000_001, "", True, "stock"),
    ("Tea", 1000, 2.0, "", True, "stock"),
    ("Tea", 1000, 1, "x" * 5001, True, "description"),
    ("Tea", 1000, 1, 42, True, "description"),
    ("Tea", 1000, 1, "", "yes", "is_active"),
])
def test_create_product_refuses_bad_input_and_writes_nothing(ctx, db_snapshot, name, price,
                                                             stock, description, is_active,
                                                             field):
    before = db_snapshot()
    with pytest.raises(InvalidInput) as refused:
        editing.create_product(name, price, stock, description, is_active)
    assert refused.value.field == field
    assert db_snapshot() == before


# --- update -----------------------------------------------------------------------------


def test_update_product_changes_fields_and_leaves_stock_and_ledger_alone(ctx, make_product,
                                                                         db_snapshot):
    product = make_product(price=1000, stock=7)
    before = db_snapshot()
    updated = editing.update_product(product.id, name="Renamed", price=1500,
                                     description="New text", is_active=False)
    assert (updated.name, updated.price, updated.description, updated.is_active) == (
        "Renamed", 1500, "New text", False)
    after = db_snapshot()
    assert changed_tables(before, after) == {"products"}
    assert column(after, "products", "stock") == column(before, "products", "stock")


def test_update_after_a_sale_keeps_the_sold_stock(ctx, make_product):
    """The edit bumps the version on top of the sale's bump: neither overwrites the other."""
    from app.catalog.stock import change_stock
    from app.db import transaction

    product = make_product(stock=7)
    with transaction() as uow:
        change_stock(uow.session, product.id, -2, "sale")
    updated = editing.update_product(product.id, price=2500)
    row = db.session.execute(select(Product.stock, Product.price, Product.version)
                             .where(Product.id == product.id)).one()
    assert (updated.stock, row.stock, row.price, row.version) == (5, 5, 2500, 3)


@pytest.mark.parametrize("fields", [
    {}, {"stock": 5}, {"version": 9}, {"price": -5}, {"name": ""}, {"is_active": 1},
])
def test_update_product_refuses_bad_fields(ctx, make_product, db_snapshot, fields):
    product = make_product()
    before = db_snapshot()
    with pytest.raises(InvalidInput):
        editing.update_product(product.id, **fields)
    assert db_snapshot() == before
    assert db.session.get(Product, product.id).name == product.name


def test_update_unknown_product(ctx):
    with pytest.raises(ProductNotFound):
        editing.update_product(999, name="Ghost")


# --- adjust -----------------------------------------------------------------------------


def test_receipts_and_corrections_move_stock_and_write_the_ledger(ctx, make_product, admin_user):
    product = make_product(stock=3)
    assert editing.adjust_stock(product.id, 20, "receipt", "delivery 4711", admin_user.id) == 23
    assert editing.adjust_stock(product.id, -4, "correction", " recount ", admin_user.id) == 19
    assert editing.adjust_stock(product.id, 1, "correction", "found one", admin_user.id) == 20
    assert _movements(product.id)[1:] == [
        (20, "receipt", "delivery 4711", admin_user.id),
        (-4, "correction", "recount", admin_user.id),
        (1, "correction", "found one", admin_user.id),
    ]
    assert db.session.get(Product, product.id).stock == 20


def test_a_correction_to_exactly_zero_is_allowed(ctx, make_product, admin_user):
    product = make_product(stock=3)
    assert editing.adjust_stock(product.id, -3, "correction", "all broken", admin_user.id) == 0


def test_an_adjustment_below_zero_is_refused_and_changes_nothing(ctx, make_product, admin_user,
                                                                 db_snapshot):
    product = make_product(stock=3)
    before = db_snapshot()
    with pytest.raises(OutOfStock) as refused:
        editing.adjust_stock(product.id, -4, "correction", "recount", admin_user.id)
    assert refused.value.detail == "Stock cannot go below 0 (3 in stock)."
    assert refused.value.code == "out_of_stock" and refused.value.field == "delta"
    assert db_snapshot() == before


@pytest.mark.parametrize("delta, kind, reason, field", [
    (5, "receipt", "", "reason"),
    (5, "receipt", "   ", "reason"),
    (5, "receipt", None, "reason"),
    (5, "receipt", "x" * 201, "reason"),
    (0, "correction", "zero", "delta"),
    (-1, "receipt", "negative receipt", "delta"),
    (1_000_001, "receipt", "too many", "delta"),
    (-1_000_001, "correction", "too many", "delta"),
    (1.0, "receipt", "float", "delta"),
    ("5", "receipt", "text", "delta"),
    (True, "receipt", "bool", "delta"),
    (5, "sale", "not an admin kind", "kind"),
    (5, "initial", "not an admin kind", "kind"),
])
def test_bad_adjustments_are_refused_and_change_nothing(ctx, make_product, admin_user,
                                                        db_snapshot, delta, kind, reason, field):
    product = make_product(stock=3)
    before = db_snapshot()
    with pytest.raises(InvalidInput) as refused:
        editing.adjust_stock(product.id, delta, kind, reason, admin_user.id)
    assert refused.value.field == field
    assert db_snapshot() == before


def test_adjusting_an_unknown_product(ctx, admin_user, db_snapshot):
    before = db_snapshot()
    with pytest.raises(ProductNotFound):
        editing.adjust_stock(12345, 1, "receipt", "delivery", admin_user.id)
    assert db_snapshot() == before


@pytest.mark.postgres
def test_stock_beyond_the_column_range_is_bad_input_not_a_crash(ctx, make_product, admin_user,
                                                                db_snapshot):
    product = make_product(stock=1)
    from app.db import transaction

    with transaction() as uow:
        uow.session.execute(Product.__table__.update().where(Product.id == product.id)
                            .values(stock=2**31 - 10))
    before = db_snapshot()
    with pytest.raises(InvalidInput) as refused:
        editing.adjust_stock(product.id, 100, "receipt", "overflow", admin_user.id)
    assert refused.value.field == "delta"
    assert db_snapshot() == before


# --- patch (the API's combined change) ---------------------------------------------------


def test_patch_changes_fields_and_stock_together(ctx, make_product, admin_user):
    product = make_product(price=1000, stock=5)
    patched = editing.patch_product(product.id, {"name": "Big tea", "price": 1200}, 10,
                                    "delivery", admin_user.id)
    assert (patched.name, patched.price, patched.stock) == ("Big tea", 1200, 15)
    assert _movements(product.id)[-1] == (10, "receipt", "delivery", admin_user.id)
    negative = editing.patch_product(product.id, {}, -2, "broken", admin_user.id)
    assert negative.stock == 13
    assert _movements(product.id)[-1] == (-2, "correction", "broken", admin_user.id)


def test_patch_refused_for_stock_changes_neither_name_nor_price(ctx, make_product, admin_user,
                                                                 db_snapshot):
    product = make_product(price=1000, stock=5)
    before = db_snapshot()
    with pytest.raises(OutOfStock):
        editing.patch_product(product.id, {"name": "Renamed", "price": 9}, -6, "recount",
                              admin_user.id)
    db.session.rollback()
    row = db.session.get(Product, product.id)
    assert (row.name, row.price) == (product.name, 1000)
    assert db_snapshot() == before


@pytest.mark.parametrize("fields, delta, reason", [
    ({}, None, None), ({}, 5, None), ({}, None, "why"), ({"stock": 3}, None, None),
    ({"price": "10"}, None, None), ({}, 0, "zero"),
])
def test_patch_refuses_bad_input(ctx, make_product, admin_user, db_snapshot, fields, delta,
                                 reason):
    product = make_product()
    before = db_snapshot()
    with pytest.raises(InvalidInput):
        editing.patch_product(product.id, fields, delta, reason, admin_user.id)
    assert db_snapshot() == before


# --- read models ------------------------------------------------------------------------


def test_low_stock_lists_active_products_at_or_below_the_threshold(ctx, make_product):
    empty = make_product(stock=0)
    five = make_product(stock=5)
    make_product(stock=6)
    make_product(stock=1, is_active=False)
    assert [p.id for p in queries.low_stock_products(5)] == [empty.id, five.id]
    assert [p.id for p in queries.low_stock_products(0)] == [empty.id]


def test_inventory_page_filters_and_searches_literally(ctx, make_product):
    make_product(name="100% cotton", stock=2)
    make_product(name="Cotton_candy", stock=9)
    hidden = make_product(name="Hidden thing", stock=1, is_active=False)
    assert [p.name for p in queries.inventory_page(q="%").items] == ["100% cotton"]
    assert [p.name for p in queries.inventory_page(q="_").items] == ["Cotton_candy"]
    assert [p.name for p in queries.inventory_page(q="COTTON").items] == [
        "100% cotton", "Cotton_candy"]
    assert [p.id for p in queries.inventory_page(low_stock=1).items] == [hidden.id]
    assert queries.inventory_page(low_stock=5).total == 2


def test_movement_page_names_who_changed_the_stock(ctx, make_product, make_user, admin_user):
    from app.orders.checkout import place_order

    shopper = make_user(balance=10_000)
    product = make_product(price=1000, stock=5)
    editing.adjust_stock(product.id, 2, "receipt", "delivery", admin_user.id)
    order, _ = place_order(shopper.id, [(product.id, 3)])
    rows, total = queries.movement_page(product.id)
    assert total == 3
    assert [(r.kind, r.delta, r.actor_email, r.shopper_email, r.order_id) for r in rows] == [
        ("sale", -3, None, shopper.email, order.id),
        ("receipt", 2, admin_user.email, None, None),
        ("initial", 5, None, None, None),
    ]
    rows, total = queries.movement_page(product.id, page=2, per_page=2)
    assert (total, [r.kind for r in rows]) == (3, ["initial"])


@pytest.mark.parametrize("product_id", [0, -1, 2**31, 10**20, "1", None])
def test_ids_outside_the_column_range_are_unknown_products(ctx, admin_user, db_snapshot,
                                                           product_id):
    before = db_snapshot()
    with pytest.raises(ProductNotFound):
        editing.adjust_stock(product_id, 1, "receipt", "delivery", admin_user.id)
    with pytest.raises(ProductNotFound):
        editing.update_product(product_id, name="x")
    with pytest.raises(ProductNotFound):
        editing.patch_product(product_id, {"price": 5})
    with pytest.raises(ProductNotFound):
        queries.get_product(product_id)
    assert db_snapshot() == before


def test_patch_answers_with_the_fresh_row_even_when_the_session_holds_a_copy(ctx, make_product,
                                                                            admin_user):
    product = make_product(stock=5)
    held = db.session.get(Product, product.id)  # referenced, so the identity map keeps it
    db.session.commit()  # ends the read without expiring the copy (expire_on_commit=False)
    patched = editing.patch_product(product.id, {}, 3, "delivery", admin_user.id)
    assert patched.stock == 8
    assert patched is held
