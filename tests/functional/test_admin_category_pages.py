"""Admin category pages (/admin/categories and its forms) and the product form's category."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.catalog.models import Category, Product
from app.extensions import db
from tests.helpers import field_errors, post_form

LIST = "/admin/categories"


def _rows(html: str) -> list[str]:
    table = html.split('data-testid="categories"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr data-category-id[^>]*>(.*?)</tr>", table, re.S)


def _names(html: str) -> list[str]:
    return [re.search(r'lang="ko">([^<]+)<', row).group(1) for row in _rows(html)]


def _alerts(html: str) -> list[str]:
    return [" ".join(text.split()) for text in
            re.findall(r'role="alert">(.*?)<button', html, re.S)]


def _categories(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(select(Category.name, Category.parent_id, Category.position,
                                         Category.slug, Category.is_visible)
                                  .order_by(Category.id)).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def test_the_tree_shows_subcategories_under_their_top_with_counts_and_badges(
        admin_client, add_category, make_product, app):
    tea = add_category("차", name_en="Tea")
    cups = add_category("컵", is_visible=False)
    green = add_category("녹차", name_en="Green tea", parent_id=tea.id)
    add_category("머그", parent_id=cups.id)
    product = make_product()
    with app.app_context():
        db.session.get(Product, product.id).category_id = green.id
        db.session.commit()
    html = admin_client.get(LIST).get_data(as_text=True)
    assert _names(html) == ["차", "녹차", "컵", "머그"]
    rows = _rows(html)
    assert 'class="category-sub"' not in rows[0] and "category-sub-name" in rows[1]
    assert "Green tea" in rows[1] and "<code>green-tea</code>" in rows[1]
    assert re.search(r'data-testid="product-count">1<', rows[1])
    assert ">Hidden<" in rows[2] and "Hidden with its top category" in rows[3]
    # Delete is offered only for an empty category; Up/Down only where there is room.
    assert ["Delete" in row for row in rows] == [False, False, False, True]
    assert ["Move 차 up" in rows[0], "Move 차 down" in rows[0]] == [False, True]
    assert ["Move 컵 up" in rows[2], "Move 컵 down" in rows[2]] == [True, False]


def test_create_a_top_category_and_a_subcategory(admin_client, app):
    response = post_form(admin_client, LIST, {"name": "차", "name_en": "Tea", "parent_id": "",
                                              "slug": "", "is_visible": "y"})
    assert (response.status_code, response.location) == (302, LIST)
    page = admin_client.get(LIST).get_data(as_text=True)
    assert _alerts(page) == ["Created the category 차."]
    [(name, parent, position, slug, visible)] = _categories(app)
    assert (name, parent, position, slug, visible) == ("차", None, 0, "tea", True)
    response = post_form(admin_client, LIST, {"name": "녹차", "parent_id": "1",
                                              "slug": "green-tea"})
    assert response.status_code == 302
    assert _categories(app)[1] == ("녹차", 1, 0, "green-tea", False)


@pytest.mark.parametrize("form, field, message", [
    ({"name": ""}, "name", "Enter the category's name."),
    ({"name": "가" * 61}, "name", "At most 60 characters."),
    ({"name": "차", "slug": "Green Tea"}, "slug", "An address name is 1 to 80 lowercase"),
    ({"name": "차", "slug": "taken"}, "slug", "Another category already uses the address "
                                              "name 'taken'."),
    ({"name": "차", "parent_id": "2"}, "parent_id", "Categories are two levels deep"),
    ({"name": "차", "parent_id": "999"}, "parent_id", "There is no category #999"),
    ({"name": "차", "parent_id": "abc"}, "parent_id", "Choose a top category as the parent"),
])
def test_a_bad_new_category_is_shown_again_with_its_error(admin_client, add_category,
                                                          db_snapshot, form, field, message):
    top = add_category("기존", slug="taken")
    add_category("하위", parent_id=top.id)
    before = db_snapshot()
    response = post_form(admin_client, LIST, {"is_visible": "y", **form})
    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), field)
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert db_snapshot() == before


def test_edit_a_category(admin_client, add_category, app):
    tea = add_category("차", slug="tea")
    cups = add_category("컵")
    url = f"/admin/categories/{tea.id}/edit"
    page = admin_client.get(url).get_data(as_text=True)
    assert 'value="tea"' in page
    # A category is never offered as its own parent.
    assert f'<option value="{tea.id}"' not in page and f'<option value="{cups.id}"' in page
    response = post_form(admin_client, url, {"name": "좋은 차", "name_en": "Good tea",
                                             "slug": "", "parent_id": ""})
    assert (response.status_code, response.location) == (302, LIST)
    assert _categories(app)[0] == ("좋은 차", None, 0, "tea", False)


@pytest.mark.parametrize("form, field", [
    ({"name": ""}, "name"),
    ({"name": "차", "slug": "cups"}, "slug"),
    ({"name": "차", "slug": "-x"}, "slug"),
])
def test_a_bad_edit_is_shown_again_with_its_error(admin_client, add_category, db_snapshot,
                                                  form, field):
    tea = add_category("차", slug="tea")
    add_category("컵", slug="cups")
    before = db_snapshot()
    response = post_form(admin_client, f"/admin/categories/{tea.id}/edit",
                         {"parent_id": "", **form})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), field)
    assert db_snapshot() == before


def test_a_category_with_subcategories_cannot_be_moved_under_another(admin_client,
                                                                     add_category, db_snapshot):
    tea = add_category("차")
    add_category("녹차", parent_id=tea.id)
    cups = add_category("컵")
    before = db_snapshot()
    response = post_form(admin_client, f"/admin/categories/{tea.id}/edit",
                         {"name": "차", "parent_id": str(cups.id)})
    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "parent_id") == [
        "This category has subcategories, so it cannot go under another category."]
    assert db_snapshot() == before


def test_move_hide_show_and_delete(admin_client, add_category, app):
    a, b = add_category("가"), add_category("나")
    token_from = LIST
    response = post_form(admin_client, f"/admin/categories/{b.id}/move", {"offset": "-1"},
                         token_from=token_from)
    assert (response.status_code, response.location) == (302, LIST)
    assert _names(admin_client.get(LIST).get_data(as_text=True)) == ["나", "가"]
    post_form(admin_client, f"/admin/categories/{a.id}/visibility", {"visible": "0"},
              token_from=token_from)
    assert [row[4] for row in _categories(app)] == [False, True]
    post_form(admin_client, f"/admin/categories/{a.id}/visibility", {"visible": "1"},
              token_from=token_from)
    assert [row[4] for row in _categories(app)] == [True, True]
    response = post_form(admin_client, f"/admin/categories/{a.id}/delete", {},
                         token_from=token_from)
    assert response.status_code == 302
    assert _alerts(admin_client.get(LIST).get_data(as_text=True)) == ["Deleted the category 가."]
    assert [row[0] for row in _categories(app)] == ["나"]


@pytest.mark.parametrize("action, form", [
    ("move", {"offset": "2"}), ("move", {"offset": "up"}), ("move", {}),
    ("visibility", {"visible": "maybe"}), ("visibility", {}),
])
def test_bad_buttons_change_nothing(admin_client, add_category, db_snapshot, action, form):
    add_category("가")
    b = add_category("나")
    before = db_snapshot()
    response = post_form(admin_client, f"/admin/categories/{b.id}/{action}", form,
                         token_from=LIST)
    assert (response.status_code, response.location) == (302, LIST)
    assert db_snapshot() == before
    assert "alert-danger" in admin_client.get(LIST).get_data(as_text=True)


def test_a_category_that_is_not_empty_is_not_deleted(admin_client, add_category, db_snapshot):
    tea = add_category("차")
    add_category("녹차", parent_id=tea.id)
    before = db_snapshot()
    response = post_form(admin_client, f"/admin/categories/{tea.id}/delete", {},
                         token_from=LIST)
    assert response.status_code == 302
    assert _alerts(admin_client.get(LIST).get_data(as_text=True)) == [
        "차 has subcategories: move or delete them first."]
    assert db_snapshot() == before


@pytest.mark.parametrize("method, path", [
    ("GET", "/admin/categories/999/edit"), ("POST", "/admin/categories/999/move"),
    ("POST", "/admin/categories/999/visibility"), ("POST", "/admin/categories/999/delete"),
])
def test_an_unknown_category_is_404(admin_client, method, path):
    if method == "GET":
        assert admin_client.get(path).status_code == 404
        return
    data = {"offset": "1", "visible": "1"}
    response = post_form(admin_client, path, data, token_from=LIST)
    if path.endswith("/delete"):
        assert response.status_code == 404
    else:  # the refusal is flashed on the list
        assert response.status_code == 302
        assert _alerts(admin_client.get(LIST).get_data(as_text=True)) == [
            "There is no category #999."]


# --- the product form's category ----------------------------------------------------------


def test_the_product_form_offers_every_category_as_top_and_sub(admin_client, add_category):
    tea = add_category("차")
    add_category("녹차", parent_id=tea.id, is_visible=False)
    page = admin_client.get("/admin/products/new").get_data(as_text=True)
    select_html = page.split('name="category_id"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="(\d*)">([^<]*)</option>', select_html) == [
        ("", "— none —"), ("1", "차"), ("2", "차 › 녹차 (hidden)")]


def test_create_and_edit_a_product_with_a_category(admin_client, add_category, app):
    tea = add_category("차")
    green = add_category("녹차", parent_id=tea.id)
    response = post_form(admin_client, "/admin/products/new", {
        "name": "세작", "price": "9000", "stock": "3", "category_id": str(green.id),
        "is_active": "y"})
    assert response.status_code == 302
    product_url = response.location
    page = admin_client.get(product_url).get_data(as_text=True)
    assert re.search(r'data-testid="category">\s*차 › 녹차', page)
    listing = admin_client.get("/admin/products").get_data(as_text=True)
    assert re.search(r'data-testid="category">\s*차 › 녹차', listing)

    product_id = int(product_url.rsplit("/", 1)[1])
    edit = f"/admin/products/{product_id}/edit"
    assert f'<option selected value="{green.id}">' in admin_client.get(edit).get_data(
        as_text=True)
    response = post_form(admin_client, edit, {"name": "세작", "price": "9000",
                                              "category_id": "", "is_active": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Product, product_id).category_id is None


@pytest.mark.parametrize("value", ["999", "abc", "-1"])
def test_an_unknown_category_on_the_product_form_is_a_form_error(admin_client, add_category,
                                                                 make_product, db_snapshot,
                                                                 value):
    add_category("차")
    product = make_product()
    before = db_snapshot()
    for url, form in (("/admin/products/new", {"name": "세작", "price": "9000", "stock": "3"}),
                      (f"/admin/products/{product.id}/edit", {"name": "세작", "price": "9000"})):
        response = post_form(admin_client, url, {**form, "category_id": value})
        assert response.status_code == 422, url
        assert field_errors(response.get_data(as_text=True), "category_id") == [
            "Choose a category from the list, or none."]
    assert db_snapshot() == before
