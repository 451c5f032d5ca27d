"""flask seed-demo: a complete demo shop on the first run, nothing changed on the next."""

import re
from pathlib import Path

from app.accounts import services as accounts
from app.catalog.categories import create_category
from app.media.storage import file_path
from app.shop import demo
from tests.helpers import bearer_header, column, totals, wallet_of

HANGUL = re.compile("[가-힣]")


def _media_files(app) -> dict[str, int]:
    root = Path(app.config["MEDIA_ROOT"])
    return {str(path.relative_to(root)): path.stat().st_mtime_ns
            for path in root.rglob("*") if path.is_file()}


def _check_shelves(state) -> None:
    """Six top categories in Korean and English, two with subcategories, every product on
    one, each top category with products."""
    categories = {row["id"]: row for row in state["categories"]}
    tops = [row for row in categories.values() if row["parent_id"] is None]
    assert len(tops) == 6 and len(categories) == len(demo.CATEGORIES)
    assert all(HANGUL.search(row["name"]) and row["name_en"] and row["is_visible"]
               for row in categories.values())
    assert len({row["parent_id"] for row in categories.values()} - {None}) == 2
    assert all(categories[row["parent_id"]]["parent_id"] is None
               for row in categories.values() if row["parent_id"])
    shelf_of = {row["id"]: row["parent_id"] or row["id"] for row in categories.values()}
    products = state["products"]
    assert all(product["category_id"] in categories for product in products)
    per_top = {top["id"]: 0 for top in tops}
    for product in products:
        per_top[shelf_of[product["category_id"]]] += 1
    assert all(8 <= count <= 12 for count in per_top.values()), per_top


def _check_pictures(app, state) -> None:
    """One drawn picture per product, each different, stored in the widths it fills."""
    images = state["product_images"]
    assert sorted(image["product_id"] for image in images) == sorted(
        product["id"] for product in state["products"])
    assert all(product["image_count"] == 1 for product in state["products"])
    assert len({image["digest"] for image in images}) == len(images)
    root = Path(app.config["MEDIA_ROOT"])
    for image in images:
        assert [width for width, _ in image["sizes"]] == [320, 640]
        for width, _ in image["sizes"]:
            assert (root / file_path(image["digest"], width)).stat().st_size > 1_000


def test_seed_demo_builds_the_shop_once(app, runner, db_snapshot):
    first = runner.invoke(args=["seed-demo"])

    assert first.exit_code == 0, first.output
    assert "Demo data created" in first.output
    assert "http://127.0.0.1:5000" in first.output
    assert "admin@storefront.test / admin-pass-123" in first.output
    assert "shopper@storefront.test / shopper-pass-123" in first.output

    state = db_snapshot()
    stock = column(state, "products", "stock")
    assert len(stock) == len(demo.PRODUCTS) == 61
    assert sorted(stock.values()) == sorted(product.stock for product in demo.PRODUCTS)
    assert sum(1 for units in stock.values() if units == 0) == 5
    assert sum(1 for units in stock.values() if 0 < units <= 5) >= 5
    # Stock is the sum of its movements: every stocked product got one "initial" movement.
    assert len(state["stock_movements"]) == 56
    assert totals(state, "stock_movements", "delta", by="product_id") == {
        pid: units for pid, units in stock.items() if units}
    assert {movement["kind"] for movement in state["stock_movements"]} == {"initial"}
    coupons = state["coupons"]
    assert len(coupons) == 4
    assert {coupon["discount_type"] for coupon in coupons} == {"fixed", "percent"}
    assert all(coupon["quantity"] == coupon["remaining"] and coupon["status"] == "active"
               for coupon in coupons)
    assert any(coupon["quantity"] <= 10 for coupon in coupons)
    assert all(coupon["max_discount"] is not None
               for coupon in coupons if coupon["discount_type"] == "percent")
    assert [user["email"] for user in state["users"] if user["is_admin"]] == [
        "admin@storefront.test"]
    emails = column(state, "users", "email")
    balances = column(state, "wallets", "balance", by="user_id")
    assert {emails[user_id]: balance for user_id, balance in balances.items()} == {
        "admin@storefront.test": 0, "shopper@storefront.test": 50_000}
    assert len(state["ledger_entries"]) == 1
    _check_shelves(state)
    _check_pictures(app, state)
    files = _media_files(app)

    second = runner.invoke(args=["seed-demo"])

    assert second.exit_code == 0, second.output
    assert "already seeded" in second.output
    assert "shopper@storefront.test / shopper-pass-123" in second.output
    assert db_snapshot() == state
    assert _media_files(app) == files


def test_demo_logins_work(app, runner, client):
    runner.invoke(args=["seed-demo"])
    with app.app_context():
        assert accounts.authenticate(demo.ADMIN_EMAIL, demo.ADMIN_PASSWORD).is_admin
        assert not accounts.authenticate(demo.SHOPPER_EMAIL, demo.SHOPPER_PASSWORD).is_admin
    token = client.post("/api/v1/tokens", json={"email": demo.SHOPPER_EMAIL,
                                                "password": demo.SHOPPER_PASSWORD}).get_json()
    wallet = client.get("/api/v1/wallet", headers=bearer_header(token["token"]))
    assert wallet.get_json()["balance"] == 50_000
    assert [entry["kind"] for entry in wallet.get_json()["history"]] == ["charge"]


def test_seed_demo_leaves_an_existing_catalog_alone_and_completes_what_is_missing(
        app, runner, make_product, db_snapshot):
    make_product(name="The shop's own product", stock=5)
    with app.app_context():
        accounts.register_user(demo.SHOPPER_EMAIL, "another-pass-1", "Existing Shopper")

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    state = db_snapshot()
    assert len(state["products"]) == 1 and state["coupons"] == []
    assert state["categories"] == [] and state["product_images"] == []
    assert [user["email"] for user in state["users"] if user["is_admin"]] == [
        "admin@storefront.test"]
    # The shopper existed without a top-up: the seed gives the one it promises, once.
    [shopper] = [user["id"] for user in state["users"] if user["email"] == demo.SHOPPER_EMAIL]
    assert wallet_of(state, shopper) == (50_000, [("charge", 50_000, 50_000)])
    assert len(state["ledger_entries"]) == 1
    assert runner.invoke(args=["seed-demo"]).output.startswith("Demo data already seeded")
    assert db_snapshot() == state


def test_seed_demo_completes_a_run_that_stopped_after_some_categories(app, runner,
                                                                       db_snapshot):
    food, fruit = demo.CATEGORIES[:2]
    with app.app_context():
        top = create_category(food.name, food.name_en, slug=food.slug)
        create_category(fruit.name, fruit.name_en, slug=fruit.slug, parent_id=top.id)

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    state = db_snapshot()
    _check_shelves(state)
    _check_pictures(app, state)
    assert sorted(row["slug"] for row in state["categories"]) == sorted(
        category.slug for category in demo.CATEGORIES)
