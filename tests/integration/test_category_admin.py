"""app/catalog/categories.py on the database: the tree's rules, ordering, slugs, deleting,
and two admins taking the same slug at the same moment."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from app.catalog import categories, csv_io, editing
from app.catalog.category_rules import (CategoryHasSubcategories, CategoryNotEmpty,
                                        CategoryNotFound, SlugTaken, slugify)
from app.catalog.models import Category, Product
from app.errors import InvalidInput
from app.extensions import db
from tests.helpers import outcome_counts, run_concurrently


def _tree() -> list[tuple]:
    """(name, parent name, position) in tree order, from admin_tree."""
    rows = []
    for top in categories.admin_tree():
        rows.append((top.category.name, None, top.category.position))
        rows += [(child.category.name, top.category.name, child.category.position)
                 for child in top.children]
    return rows


def test_a_new_category_goes_last_among_its_siblings(ctx):
    tea = categories.create_category("차", name_en="Tea")
    cups = categories.create_category("컵", name_en="Cups")
    green = categories.create_category("녹차", parent_id=tea.id)
    black = categories.create_category("홍차", parent_id=tea.id)
    assert (tea.position, cups.position, green.position, black.position) == (0, 1, 0, 1)
    assert _tree() == [("차", None, 0), ("녹차", "차", 0), ("홍차", "차", 1), ("컵", None, 1)]


@pytest.mark.parametrize("name_en, expected", [
    ("Green Tea & Cups", "green-tea-cups"),
    ("  Café Crème  ", "cafe-creme"),
    ("x" * 100, "x" * 80),
    ("--Tea--", "tea"),
])
def test_slugify(name_en, expected):
    assert slugify(name_en) == expected


def test_slugs_are_made_unique_from_the_english_name_or_numbered(ctx):
    assert categories.create_category("차", name_en="Tea").slug == "tea"
    assert categories.create_category("차 2", name_en="TEA").slug == "tea-2"
    assert categories.create_category("차 3", name_en="tea!").slug == "tea-3"
    # No ASCII to make one from: category-<n>, n from the count on, skipping taken ones.
    categories.create_category("기타", slug="category-5")
    assert categories.create_category("선물").slug == "category-6"
    assert categories.create_category("과자", name_en="한글").slug == "category-7"


def test_a_numbered_slug_skips_the_taken_numbers(ctx):
    categories.create_category("하나", slug="category-2")
    assert categories.create_category("둘").slug == "category-3"
    assert categories.create_category("셋").slug == "category-4"


def test_a_given_slug_that_is_taken_is_refused(ctx, db_snapshot):
    categories.create_category("차", slug="tea")
    before = db_snapshot()
    with pytest.raises(SlugTaken) as refused:
        categories.create_category("다른 차", slug="tea")
    assert (refused.value.code, refused.value.status, refused.value.field) == (
        "slug_taken", 409, "slug")
    assert db_snapshot() == before


@pytest.mark.parametrize("fields, field", [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "가" * 61}, "name"),
    ({"name": "차\x00"}, "name"),
    ({"name": 5}, "name"),
    ({"name": None}, "name"),
    ({"name": "차", "name_en": "x" * 61}, "name_en"),
    ({"name": "차", "name_en": ["Tea"]}, "name_en"),
    ({"name": "차", "slug": "Tea"}, "slug"),
    ({"name": "차", "slug": "-tea"}, "slug"),
    ({"name": "차", "slug": "tea-"}, "slug"),
    ({"name": "차", "slug": "green tea"}, "slug"),
    ({"name": "차", "slug": "녹차"}, "slug"),
    ({"name": "차", "slug": "a" * 81}, "slug"),
    ({"name": "차", "slug": 7}, "slug"),
    ({"name": "차", "is_visible": "yes"}, "is_visible"),
    ({"name": "차", "parent_id": "1"}, "parent_id"),
    ({"name": "차", "parent_id": 0}, "parent_id"),
    ({"name": "차", "parent_id": 2**31}, "parent_id"),
    ({"name": "차", "parent_id": 999}, "parent_id"),
])
def test_bad_new_categories_are_refused_and_change_nothing(ctx, db_snapshot, fields, field):
    categories.create_category("기존", slug="existing")
    before = db_snapshot()
    with pytest.raises(InvalidInput) as refused:
        categories.create_category(**fields)
    assert refused.value.field == field
    assert db_snapshot() == before


def test_a_subcategory_cannot_have_subcategories(ctx, db_snapshot):
    tea = categories.create_category("차")
    green = categories.create_category("녹차", parent_id=tea.id)
    cups = categories.create_category("컵")
    before = db_snapshot()
    with pytest.raises(InvalidInput) as refused:
        categories.create_category("말차", parent_id=green.id)
    assert refused.value.field == "parent_id"
    with pytest.raises(InvalidInput) as refused:
        categories.update_category(cups.id, parent_id=green.id)
    assert refused.value.field == "parent_id"
    assert db_snapshot() == before


def test_update_renames_hides_and_changes_the_slug(ctx):
    tea = categories.create_category("차", slug="tea")
    changed = categories.update_category(tea.id, name=" 좋은 차 ", name_en="Good tea",
                                         slug="good-tea", is_visible=False)
    assert (changed.name, changed.name_en, changed.slug, changed.is_visible) == (
        "좋은 차", "Good tea", "good-tea", False)
    # Its own slug again is no conflict; English emptied is none.
    assert categories.update_category(tea.id, slug="good-tea", name_en="").name_en is None


@pytest.mark.parametrize("fields, error, field", [
    ({}, InvalidInput, None),
    ({"colour": "red"}, InvalidInput, None),
    ({"name": ""}, InvalidInput, "name"),
    ({"slug": "cups"}, SlugTaken, "slug"),
    ({"slug": None}, InvalidInput, "slug"),
    ({"position": -1}, InvalidInput, "position"),
    ({"position": 1.5}, InvalidInput, "position"),
    ({"position": 10_000}, InvalidInput, "position"),
    ({"parent_id": "me"}, InvalidInput, "parent_id"),
    ({"is_visible": None}, InvalidInput, "is_visible"),
])
def test_bad_updates_are_refused_and_change_nothing(ctx, db_snapshot, fields, error, field):
    tea = categories.create_category("차", slug="tea")
    categories.create_category("컵", slug="cups")
    before = db_snapshot()
    with pytest.raises(error) as refused:
        categories.update_category(tea.id, **fields)
    assert refused.value.field == field
    assert db_snapshot() == before


def test_a_category_cannot_be_its_own_parent(ctx, db_snapshot):
    tea = categories.create_category("차")
    before = db_snapshot()
    with pytest.raises(InvalidInput) as refused:
        categories.update_category(tea.id, parent_id=tea.id)
    assert refused.value.field == "parent_id"
    assert db_snapshot() == before


def test_a_category_with_subcategories_cannot_go_under_another(ctx, db_snapshot):
    tea = categories.create_category("차")
    categories.create_category("녹차", parent_id=tea.id)
    cups = categories.create_category("컵")
    before = db_snapshot()
    with pytest.raises(CategoryHasSubcategories) as refused:
        categories.update_category(tea.id, parent_id=cups.id)
    assert (refused.value.code, refused.value.status) == ("category_has_subcategories", 409)
    assert db_snapshot() == before


def test_moving_under_another_parent_renumbers_both_sides(ctx):
    tea = categories.create_category("차")
    cups = categories.create_category("컵")
    green = categories.create_category("녹차", parent_id=tea.id)
    categories.create_category("홍차", parent_id=tea.id)
    categories.create_category("머그", parent_id=cups.id)
    categories.update_category(green.id, parent_id=cups.id)
    assert _tree() == [("차", None, 0), ("홍차", "차", 0),
                       ("컵", None, 1), ("머그", "컵", 0), ("녹차", "컵", 1)]
    # To the top level, at the front.
    categories.update_category(green.id, parent_id=None, position=0)
    assert _tree() == [("녹차", None, 0), ("차", None, 1), ("홍차", "차", 0),
                       ("컵", None, 2), ("머그", "컵", 0)]


def test_position_places_it_among_its_siblings(ctx):
    a, b, c = (categories.create_category(name) for name in ("가", "나", "다"))
    categories.update_category(c.id, position=0)
    assert _tree() == [("다", None, 0), ("가", None, 1), ("나", None, 2)]
    categories.update_category(c.id, position=99)  # past the end: last
    assert _tree() == [("가", None, 0), ("나", None, 1), ("다", None, 2)]


def test_move_up_and_down_stops_at_the_ends_and_renumbers(ctx):
    a, b, c = (categories.create_category(name) for name in ("가", "나", "다"))
    categories.delete_category(b.id)
    assert _tree() == [("가", None, 0), ("다", None, 1)]
    d = categories.create_category("라")
    categories.move_category(d.id, -1)
    assert _tree() == [("가", None, 0), ("라", None, 1), ("다", None, 2)]
    categories.move_category(d.id, -1)
    categories.move_category(d.id, -1)  # already first: stays
    assert _tree() == [("라", None, 0), ("가", None, 1), ("다", None, 2)]
    categories.move_category(a.id, 1)
    categories.move_category(a.id, 1)
    assert _tree() == [("라", None, 0), ("다", None, 1), ("가", None, 2)]


@pytest.mark.parametrize("offset", [0, "1", 1.0, None, 10_000])
def test_a_bad_move_is_refused(ctx, db_snapshot, offset):
    tea = categories.create_category("차")
    before = db_snapshot()
    with pytest.raises(InvalidInput):
        categories.move_category(tea.id, offset)
    assert db_snapshot() == before


@pytest.mark.parametrize("category_id", [999, 0, -1, "1", 2**31])
def test_unknown_categories_are_not_found(ctx, category_id):
    categories.create_category("차")
    for call in (lambda: categories.update_category(category_id, name="x"),
                 lambda: categories.move_category(category_id, 1),
                 lambda: categories.delete_category(category_id),
                 lambda: categories.get_category(category_id)):
        with pytest.raises(CategoryNotFound):
            call()


def test_only_an_empty_category_can_be_deleted(ctx, db_snapshot, make_product):
    tea = categories.create_category("차")
    green = categories.create_category("녹차", parent_id=tea.id)
    product = make_product(name="Sencha")
    editing.update_product(product.id, category_id=green.id)
    before = db_snapshot()
    with pytest.raises(CategoryNotEmpty, match="subcategories"):
        categories.delete_category(tea.id)
    with pytest.raises(CategoryNotEmpty, match="1 product"):
        categories.delete_category(green.id)
    assert db_snapshot() == before

    editing.update_product(product.id, category_id=None)
    categories.delete_category(green.id)
    categories.delete_category(tea.id)
    assert db.session.scalars(select(Category)).all() == []


def test_admin_tree_counts_products_and_shows_hidden_ones(ctx, make_product):
    tea = categories.create_category("차", is_visible=False)
    green = categories.create_category("녹차", parent_id=tea.id)
    for _ in range(2):
        editing.update_product(make_product().id, category_id=green.id)
    editing.update_product(make_product(is_active=False).id, category_id=tea.id)
    [top] = categories.admin_tree()
    assert (top.category.is_visible, top.products, top.deletable) == (False, 1, False)
    [child] = top.children
    assert (child.products, child.deletable) == (2, False)


# --- products' category -------------------------------------------------------------------


def test_products_are_created_and_edited_with_a_category(ctx, admin_user):
    tea = categories.create_category("차")
    product = editing.create_product("녹차", 5_000, 3, actor_id=admin_user.id,
                                     category_id=tea.id)
    assert db.session.get(Product, product.id).category_id == tea.id
    assert editing.patch_product(product.id, {"category_id": None}).category_id is None
    assert editing.update_product(product.id, category_id=tea.id).category_id == tea.id


@pytest.mark.parametrize("category_id", [999, "1", 0, 1.0, True, 2**31])
def test_an_unknown_category_is_refused_for_a_product(ctx, db_snapshot, make_product,
                                                      category_id):
    categories.create_category("차")
    product = make_product()
    before = db_snapshot()
    for call in (lambda: editing.create_product("녹차", 5_000, 3, category_id=category_id),
                 lambda: editing.update_product(product.id, category_id=category_id),
                 lambda: editing.patch_product(product.id, {"category_id": category_id})):
        with pytest.raises(InvalidInput) as refused:
            call()
        assert refused.value.field == "category_id"
    assert db_snapshot() == before


# --- concurrency ----------------------------------------------------------------------------


def test_two_admins_taking_one_slug_at_once_one_wins_the_others_hear_why(app, ctx, db_snapshot):
    """Real threads, released together: every insert checks the slug before any commits, so
    on PostgreSQL the unique index decides; the losers get slug_taken, never a 500."""
    outcomes = run_concurrently(app, categories.create_category,
                                [(f"차 {n}", None, None, "tea") for n in range(8)])
    assert outcome_counts(outcomes) == {"ok": 1, "slug_taken": 7}
    assert [row["slug"] for row in db_snapshot()["categories"]] == ["tea"]


def test_made_up_slugs_made_at_once_are_all_distinct(app, ctx, db_snapshot):
    outcomes = run_concurrently(app, categories.create_category,
                                [(f"차 {n}", "Tea") for n in range(6)])
    assert outcome_counts(outcomes) == {"ok": 6}
    slugs = sorted(row["slug"] for row in db_snapshot()["categories"])
    assert slugs == sorted(["tea", *(f"tea-{n}" for n in range(2, 7))])


def test_a_subcategory_added_while_its_parent_moves_keeps_two_levels(app, ctx):
    """One admin adds a subcategory under 차 while another moves 차 under 컵: whichever runs
    second is refused, so the tree never gets a third level."""
    tea = categories.create_category("차")
    cups = categories.create_category("컵")
    for _ in range(5):
        outcomes = run_concurrently(app, lambda call: call(), [
            (lambda: categories.create_category("녹차", parent_id=tea.id),),
            (lambda: categories.update_category(tea.id, parent_id=cups.id),)])
        assert outcome_counts(outcomes)["ok"] == 1, outcomes
        db.session.remove()
        rows = db.session.scalars(select(Category)).all()
        parents = {row.id: row.parent_id for row in rows}
        assert all(parents.get(parent) is None for parent in parents.values() if parent), parents
        # Back to the start for the next round.
        for row in rows:
            if row.name == "녹차":
                categories.delete_category(row.id)
        categories.update_category(tea.id, parent_id=None)


def test_the_product_csv_names_each_products_category_by_slug(ctx, make_product):
    tea = categories.create_category("차", slug="tea")
    shelved = make_product(name="Sencha")
    make_product(name="Loose")
    editing.update_product(shelved.id, category_id=tea.id)
    rows = list(csv.DictReader(io.StringIO(csv_io.export_products_csv().decode("utf-8-sig"))))
    assert [(row["name"], row["category"]) for row in rows] == [("Sencha", "tea"), ("Loose", "")]


def test_a_product_shelved_while_its_category_is_deleted_is_one_or_the_other(app, ctx,
                                                                           make_product):
    """The delete sees no product and the edit sees the category, both at once: the foreign
    key decides, and the loser hears why (422 on category_id, or 409 not empty), never a
    500."""
    product = make_product()
    for _ in range(5):
        tea = categories.create_category("차")
        outcomes = run_concurrently(app, lambda call: call(), [
            (lambda: categories.delete_category(tea.id),),
            (lambda: editing.update_product(product.id, category_id=tea.id),)])
        counts = outcome_counts(outcomes)
        assert counts in ({"ok": 1, "invalid_input": 1}, {"ok": 1, "category_not_empty": 1}), \
            outcomes
        db.session.remove()
        shelf = db.session.get(Product, product.id).category_id
        assert shelf == (tea.id if counts.get("category_not_empty") else None)
        if shelf:
            editing.update_product(product.id, category_id=None)
            categories.delete_category(tea.id)
