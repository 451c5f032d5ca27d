"""Category pages, sort and filters on the product lists, the category tree page, the home
page's categories and the breadcrumbs, through the test client."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from app.catalog.sales import shop_day
from app.db import utcnow


def _names(html: str) -> list[str]:
    """Product names on a list page, in the order shown."""
    return re.findall(r'class="stretched-link[^"]*" href="/products/\d+">([^<]+)</a>', html)


def _crumbs(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="Breadcrumb".*?</nav>', html, re.S).group(0)
    return [" ".join(text.split()) for text in re.findall(r"<li[^>]*>(?:<a[^>]*>)?([^<]+)", nav)]


def _links(html: str, testid: str) -> list[str]:
    block = re.search(rf'data-testid="{testid}".*?</ul>', html, re.S).group(0)
    return re.findall(r'href="(/categories/[^"]+)"', block)


def _pager_hrefs(html: str) -> list[str]:
    block = re.search(r'<nav aria-label="Pages">.*?</nav>', html, re.S).group(0)
    return [html_lib.unescape(href) for href in re.findall(r'href="([^"]+)"', block)]


@pytest.fixture
def shop(category_row, kitchen_and_garden_products):
    """Kitchen (Mugs shown, Knives hidden) and Garden; a hidden Attic with Boxes."""
    ids = {"kitchen": category_row("Kitchen", position=1, name_en=None)}
    ids["mugs"] = category_row("Mugs", parent=ids["kitchen"])
    ids["knives"] = category_row("Knives", parent=ids["kitchen"], visible=False)
    ids["garden"] = category_row("Garden", position=0)
    ids["attic"] = category_row("Attic", visible=False, position=2)
    ids["boxes"] = category_row("Boxes", parent=ids["attic"])
    return {**ids, **kitchen_and_garden_products(ids)}


def test_a_category_page_lists_it_and_its_shown_subcategories(client, shop):
    response = client.get("/categories/kitchen?sort=newest")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _names(html) == ["Red Mug", "Blue Mug", "Bowl"]
    assert "<h1 class=\"h3 mb-0\">Kitchen</h1>" in html
    assert _crumbs(html) == ["Home", "Kitchen"]
    assert _links(html, "subcategories") == ["/categories/mugs"]
    assert "3 products" in html


def test_a_subcategory_page_has_the_full_trail(client, shop):
    html = client.get("/categories/mugs").get_data(as_text=True)
    assert _crumbs(html) == ["Home", "Kitchen", "Mugs"]
    assert 'href="/categories/kitchen"' in html
    assert sorted(_names(html)) == ["Blue Mug", "Red Mug"]


@pytest.mark.parametrize("slug", ["knives", "attic", "boxes", "nope", "%00"])
def test_a_hidden_or_unknown_category_is_the_shops_404_page(client, shop, slug):
    assert client.get("/categories/kitchen").status_code == 200
    response = client.get(f"/categories/{slug}")
    assert response.status_code == 404
    assert "Browse products" in response.get_data(as_text=True)


def test_sort_and_filters_change_the_list_and_show_in_the_form(client, shop):
    html = client.get("/products?sort=price_desc&min_price=1000&max_price=3000&in_stock=1"
                      ).get_data(as_text=True)

    assert _names(html) == ["Red Mug", "Bowl", "Chef Knife"]
    assert '<option value="price_desc" selected>' in html
    assert 'id="min_price" name="min_price"' in html and 'value="1000"' in html
    assert re.search(r'id="in_stock" name="in_stock" value="1" checked', html)
    assert "<details class=\"list-choices mb-3\" open" in html
    assert 'data-testid="clear-filters"' in html


def test_garbage_choices_give_the_default_list_never_an_error(client, shop):
    garbage = client.get("/products?sort=DROP&min_price=abc&max_price=-1&in_stock=perhaps"
                         "&page=x")
    default = client.get("/products")
    assert garbage.status_code == 200
    assert _names(garbage.get_data(as_text=True)) == _names(default.get_data(as_text=True))
    assert '<option value="recommended" selected>' in garbage.get_data(as_text=True)
    assert re.search(r'name="max_price"[^>]*value=""', garbage.get_data(as_text=True))
    assert 'data-testid="clear-filters"' not in default.get_data(as_text=True)


def test_a_range_upside_down_is_swapped(client, shop):
    html = client.get("/products?sort=price_asc&min_price=3000&max_price=1000"
                      ).get_data(as_text=True)
    assert _names(html) == ["Blue Mug", "Chef Knife", "Red Mug", "Bowl"]


def test_paging_keeps_the_choices_and_never_overlaps(app, client, shop, make_product, shelve):
    app.config["PER_PAGE"] = 2
    try:
        for n in range(5):
            shelve(make_product(name=f"Cup {n}", price=2_000 + n, stock=1).id, shop["mugs"])
        url = "/categories/kitchen?sort=price_asc&in_stock=1&q=cup"
        first = client.get(url).get_data(as_text=True)
        hrefs = _pager_hrefs(first)
        seen = list(_names(first))
        for page in (2, 3):
            assert f"/categories/kitchen?page={page}&q=cup&sort=price_asc&in_stock=1" in hrefs
            seen += _names(client.get(f"{url}&page={page}").get_data(as_text=True))
    finally:
        app.config["PER_PAGE"] = 12
    assert seen == [f"Cup {n}" for n in range(5)]


def test_the_search_form_carries_the_choices_and_the_filter_form_the_search(client, shop):
    html = client.get("/categories/kitchen?q=mug&sort=price_desc&max_price=5000"
                      ).get_data(as_text=True)
    search = re.search(r'<form[^>]*role="search".*?</form>', html, re.S).group(0)
    filters = re.search(r'<details class="list-choices.*?</details>', html, re.S).group(0)
    assert 'action="/categories/kitchen"' in search
    assert '<input type="hidden" name="sort" value="price_desc">' in search
    assert '<input type="hidden" name="max_price" value="5000">' in search
    assert '<input type="hidden" name="q" value="mug">' in filters
    clear = re.search(r'href="([^"]+)" data-testid="clear-filters"', filters).group(1)
    assert clear == "/categories/kitchen?q=mug"


@pytest.mark.parametrize("url", ["/products?q=teapot", "/products?min_price=90000",
                                 "/categories/garden?in_stock=1&q=hose"])
def test_an_empty_result_suggests_the_category_pages(client, shop, url):
    html = client.get(url).get_data(as_text=True)
    assert _names(html) == []
    assert 'data-testid="no-results"' in html
    assert "0 products" in html
    assert _links(html, "category-suggestions") == ["/categories/garden", "/categories/kitchen"]
    assert 'href="/products">Show all products' in html


def test_the_category_tree_page_lists_what_is_shown(client, shop):
    html = client.get("/categories").get_data(as_text=True)
    assert re.findall(r'href="/categories/([^"]+)"', html.split('id="content"')[1]) == [
        "garden", "kitchen", "mugs"]


def test_home_shows_the_top_categories_and_the_newest_products(app, client, shop, sold):
    with app.app_context():
        sold(shop["Bowl"], 9, shop_day(utcnow()))  # the best seller is still the oldest
    html = client.get("/").get_data(as_text=True)
    assert _links(html, "shop-by-category") == ["/categories/garden", "/categories/kitchen"]
    arrivals = html.split('data-testid="new-arrivals"')[1]
    assert _names(arrivals) == ["Rake", "Chef Knife", "Red Mug", "Blue Mug", "Bowl"]


def test_the_header_links_to_the_categories(client):
    assert 'href="/categories">Categories</a>' in client.get("/products").get_data(as_text=True)


def test_a_product_page_has_home_top_sub_product_breadcrumbs(client, shop, make_product):
    assert _crumbs(client.get(f"/products/{shop['Red Mug']}").get_data(as_text=True)) == [
        "Home", "Kitchen", "Mugs", "Red Mug"]
    assert _crumbs(client.get(f"/products/{shop['Rake']}").get_data(as_text=True)) == [
        "Home", "Garden", "Rake"]
    # A hidden category is no step on the way: the product sits under Products.
    assert _crumbs(client.get(f"/products/{shop['Chef Knife']}").get_data(as_text=True)) == [
        "Home", "Products", "Chef Knife"]
    loose = make_product(name="Loose")
    assert _crumbs(client.get(f"/products/{loose.id}").get_data(as_text=True)) == [
        "Home", "Products", "Loose"]
