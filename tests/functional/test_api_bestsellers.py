"""GET /api/v1/products/best-sellers, the /best-sellers page and the home page section."""

from __future__ import annotations

import pytest

from app.extensions import cache, db
from tests.helpers import statements


@pytest.fixture
def ranked(make_product, shopper, buy):
    """Sales today: kettle 5, mug 2, tea 2 (tie: mug has the lower id), spoon none."""
    mug = make_product(name="Mug", price=8_000, stock=50)
    tea = make_product(name="Tea", price=4_500, stock=50)
    kettle = make_product(name="Kettle", price=39_000, stock=50)
    make_product(name="Spoon", price=2_000, stock=50)
    buy(shopper, {kettle: 3, mug: 2})
    buy(shopper, {kettle: 2, tea: 2})
    return {"mug": mug, "tea": tea, "kettle": kettle}


@pytest.fixture
def ranking_queries(app):
    with app.app_context(), statements(db.engine, "product_daily_sales") as seen:
        yield seen


def test_api_lists_the_ranking_with_its_window(client, ranked):
    response = client.get("/api/v1/products/best-sellers")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "items": [
            {"id": ranked["kettle"].id, "name": "Kettle", "price": 39_000, "stock": 45,
             "units_sold": 5},
            {"id": ranked["mug"].id, "name": "Mug", "price": 8_000, "stock": 48,
             "units_sold": 2},
            {"id": ranked["tea"].id, "name": "Tea", "price": 4_500, "stock": 48,
             "units_sold": 2},
        ],
        "window_days": 3,
    }


def test_api_with_no_sales_is_an_empty_list(client, make_product):
    make_product()
    assert client.get("/api/v1/products/best-sellers").get_json() == {
        "items": [], "window_days": 3}


def test_api_second_call_comes_from_the_cache(client, ranked, ranking_queries, shopper, buy):
    first = client.get("/api/v1/products/best-sellers").get_json()
    assert len(ranking_queries) == 1
    buy(shopper, {ranked["tea"]: 9})
    second = client.get("/api/v1/products/best-sellers").get_json()
    assert len(ranking_queries) == 1
    assert second == first


def test_route_does_not_shadow_product_by_id(client, ranked):
    response = client.get(f"/api/v1/products/{ranked['mug'].id}")
    assert response.status_code == 200 and response.get_json()["name"] == "Mug"
    assert client.get("/api/v1/products/best-seller").status_code == 404


def test_openapi_documents_both_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert "get" in document["paths"]["/products/best-sellers"]
    assert document["paths"]["/admin/exports"]["get"]["security"] == [{"bearerAuth": []}]
    assert {"BestSellers", "BestSeller", "ExportSummary", "ExportFailure"} <= set(
        document["components"]["schemas"])


def test_best_sellers_page_lists_them_in_order(client, ranked):
    response = client.get("/best-sellers")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('data-testid="best-seller"') == 3
    assert html.index(">Kettle<") < html.index(">Mug<") < html.index(">Tea<")
    assert "Spoon" not in html


def test_best_sellers_page_when_nothing_sold(client):
    html = client.get("/best-sellers").get_data(as_text=True)
    assert 'data-testid="no-best-sellers"' in html


def test_home_page_shows_the_section_only_when_something_sold(client, make_product, shopper,
                                                               buy):
    mug = make_product(name="Mug")
    assert 'data-testid="best-sellers"' not in client.get("/").get_data(as_text=True)
    buy(shopper, {mug: 1})
    with client.application.app_context():
        cache.clear()  # the next request recomputes (the TTL rule is tested elsewhere)
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="best-sellers"' in html
    assert html.count('data-testid="best-seller"') == 1 and ">Mug<" in html
