"""The shopper's product list (app/catalog/services.py list_products) and the category tree
(app/catalog/shelves.py) on the database: each sort with its ties, each filter, a category
covering its shown subcategories, paging without overlaps, a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.catalog import services, shelves
from app.catalog.choices import ListChoices
from app.catalog.models import ProductImage
from app.catalog.sales import shop_day
from app.db import transaction, utcnow
from app.extensions import db
from tests.helpers import statements


def listed(choices=ListChoices(), *, category_ids=None, page=1, per_page=100) -> list[str]:
    result = services.list_products(choices, page, per_page, category_ids=category_ids)
    return [product.name for product in result.items]


@pytest.fixture
def today(ctx):
    return shop_day(utcnow())


@pytest.fixture
def kitchen(ctx, category_row, make_product, shelve):
    """Kitchen (top) with Mugs (shown) and Knives (hidden); Garden, a second top. Products,
    oldest first: A 3,000 in Kitchen; B 1,000 in Mugs, sold out; C 3,000 in Mugs; D 2,000 in
    Knives; E 5,000 in Garden; F 4,000 in no category."""
    ids = {"kitchen": category_row("Kitchen", position=1)}
    ids["mugs"] = category_row("Mugs", parent=ids["kitchen"], position=2)
    ids["knives"] = category_row("Knives", parent=ids["kitchen"], position=1, visible=False)
    ids["garden"] = category_row("Garden", position=0)
    for name, price, stock, category in [("A", 3_000, 5, "kitchen"), ("B", 1_000, 0, "mugs"),
                                         ("C", 3_000, 2, "mugs"), ("D", 2_000, 9, "knives"),
                                         ("E", 5_000, 1, "garden"), ("F", 4_000, 3, None)]:
        product = make_product(name=name, price=price, stock=stock)
        shelve(product.id, ids.get(category))
        ids[name] = product.id
    return ids


def test_newest_is_by_id_descending(kitchen):
    assert listed(ListChoices(sort="newest")) == ["F", "E", "D", "C", "B", "A"]


def test_price_sorts_put_equal_prices_newest_first(kitchen):
    assert listed(ListChoices(sort="price_asc")) == ["B", "D", "C", "A", "F", "E"]
    assert listed(ListChoices(sort="price_desc")) == ["E", "F", "C", "A", "D", "B"]


def test_recommended_ranks_units_sold_in_the_last_30_shop_days(kitchen, sold, today):
    sold(kitchen["A"], 2, today)
    sold(kitchen["A"], 2, today - timedelta(days=29))   # day 30 of the window: counts
    sold(kitchen["C"], 4, today - timedelta(days=3))    # ties with A: the newer first
    sold(kitchen["E"], 3, today)
    sold(kitchen["B"], 50, today - timedelta(days=30))  # the day before the window

    assert listed() == ["C", "A", "E", "F", "D", "B"]
    assert listed(ListChoices(sort="recommended")) == listed()


def test_price_range_is_inclusive_and_in_stock_means_stock_left(kitchen):
    assert listed(ListChoices(sort="price_asc", min_price=2_000, max_price=3_000)) == [
        "D", "C", "A"]
    assert listed(ListChoices(sort="price_asc", min_price=4_000)) == ["F", "E"]
    assert listed(ListChoices(sort="price_asc", max_price=1_000)) == ["B"]
    assert listed(ListChoices(min_price=3_001, max_price=2_999)) == []
    assert listed(ListChoices(sort="newest", in_stock=True)) == ["F", "E", "D", "C", "A"]


def test_filters_and_search_combine(kitchen, make_product, shelve):
    mug = make_product(name="Blue Mug", description="stoneware", price=2_500, stock=0)
    shelve(mug.id, kitchen["mugs"])
    assert listed(ListChoices(q="mug stoneware")) == ["Blue Mug"]
    assert listed(ListChoices(q="mug stoneware", in_stock=True)) == []


def test_the_tree_is_the_shown_categories_in_order(kitchen, category_row):
    hidden_top = category_row("Attic", position=-1, visible=False)
    category_row("Boxes", parent=hidden_top)

    tree = shelves.visible_tree()

    assert [(shelf.category.name, [child.name for child in shelf.children])
            for shelf in tree] == [("Garden", []), ("Kitchen", ["Mugs"])]


def test_a_category_page_covers_itself_and_its_shown_subcategories(kitchen):
    top = shelves.shelf_by_slug("kitchen")
    mugs = shelves.shelf_by_slug("mugs")

    assert sorted(top.category_ids) == sorted([kitchen["kitchen"], kitchen["mugs"]])
    assert listed(ListChoices(sort="newest"), category_ids=top.category_ids) == ["C", "B", "A"]
    assert mugs.parent.name == "Kitchen"
    assert listed(ListChoices(sort="newest"), category_ids=mugs.category_ids) == ["C", "B"]
    assert shelves.shelf_by_id(kitchen["mugs"]).category.slug == "mugs"


@pytest.mark.parametrize("slug", ["knives", "nope", ""])
def test_an_unknown_or_hidden_category_is_not_found(kitchen, slug):
    with pytest.raises(shelves.CategoryNotFound):
        shelves.shelf_by_slug(slug)


def test_a_subcategory_of_a_hidden_top_is_hidden_too(kitchen, category_row):
    attic = category_row("Attic", visible=False)
    boxes = category_row("Boxes", parent=attic)
    for find in (lambda: shelves.shelf_by_slug("boxes"), lambda: shelves.shelf_by_id(boxes),
                 lambda: shelves.shelf_by_id(2**40)):
        with pytest.raises(shelves.CategoryNotFound):
            find()


def test_pages_with_filters_never_overlap(kitchen, make_product, shelve):
    for n in range(9):
        product = make_product(name=f"Cup {n}", price=1_000 * (n % 3), stock=n % 2)
        shelve(product.id, kitchen["mugs"])
    choices = ListChoices(sort="price_asc", in_stock=True)
    ids = shelves.shelf_by_slug("kitchen").category_ids
    everything = listed(choices, category_ids=ids)
    pages = [listed(choices, category_ids=ids, page=n, per_page=2) for n in (1, 2, 3, 4)]

    assert [name for page in pages for name in page] == everything
    assert len(everything) == len(set(everything)) == 6  # 4 cups in stock, A, C


def test_a_page_costs_the_same_queries_whatever_its_size(app, kitchen, make_product, shelve):
    def count(per_page: int) -> list[int]:
        with app.app_context():
            with statements(db.engine, "products") as product_reads, \
                    statements(db.engine, "product_images") as image_reads, \
                    statements(db.engine, "categories") as category_reads:
                page = services.list_products(ListChoices(), 1, per_page)
                for product in page.items:
                    _ = (product.main_image, product.category_id)
            db.session.remove()
        return [len(product_reads), len(image_reads), len(category_reads)]

    with app.app_context(), transaction() as uow:
        for product_id in (kitchen["A"], kitchen["C"], kitchen["E"]):
            uow.session.add(ProductImage(product_id=product_id, digest="ab" * 32,
                                         sizes=[[320, 240]], position=0))
    for n in range(20):
        product = make_product(name=f"More {n}")
        shelve(product.id, kitchen["mugs"] if n % 2 else kitchen["garden"])

    count(1)  # the first "recommended" list refreshes the ranking (test_recent_units.py)
    # The page's rows joined to their images, and its count; no category is read (a list
    # knows its products' category ids, and the shelves which of them are shown).
    assert count(2) == count(26) == [2, 1, 0]
