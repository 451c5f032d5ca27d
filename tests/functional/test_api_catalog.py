"""GET /api/v1/products and /api/v1/products/{id}: readable without a token."""

import pytest

from tests.helpers import assert_problem


def test_list_products_shape_newest_first_and_only_active(client, make_product):
    tea = make_product(name="Green Tea", price=24_000, stock=35)
    make_product(name="Hidden", is_active=False)
    pear = make_product(name="Pear Box", price=59_000, stock=0)

    response = client.get("/api/v1/products")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == {
        "items": [
            {"id": pear.id, "name": "Pear Box", "price": 59_000, "stock": 0,
             "category": None, "images": []},
            {"id": tea.id, "name": "Green Tea", "price": 24_000, "stock": 35,
             "category": None, "images": []},
        ],
        "page": 1,
        "per_page": 20,
        "total": 2,
    }


def test_list_products_pages(client, make_product):
    ids = [make_product(name=f"Item {n}").id for n in range(5)]

    pages = [client.get(f"/api/v1/products?per_page=2&page={p}").get_json() for p in (1, 2, 3, 4)]

    assert [[item["id"] for item in page["items"]] for page in pages] == [
        ids[4:2:-1], ids[2:0:-1], ids[0:1], []]
    assert {page["total"] for page in pages} == {5}
    assert [page["page"] for page in pages] == [1, 2, 3, 4]
    assert {page["per_page"] for page in pages} == {2}


def test_list_products_search_is_case_insensitive_and_literal(client, make_product):
    make_product(name="Boseong Green Tea")
    make_product(name="100% Cotton Socks")
    make_product(name="snake_case Mug")
    make_product(name="Coffee")

    def names(q):
        body = client.get("/api/v1/products", query_string={"q": q}).get_json()
        assert body["total"] == len(body["items"])
        return [item["name"] for item in body["items"]]

    assert names("green TEA") == ["Boseong Green Tea"]
    assert names("%") == ["100% Cotton Socks"]
    assert names("_") == ["snake_case Mug"]
    assert names("' OR 1=1 --") == []
    assert names("") == ["Coffee", "snake_case Mug", "100% Cotton Socks", "Boseong Green Tea"]


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "per_page=-1", "per_page=abc",
                                   "per_page=1.5", "page=0", "page=-2", "page=x",
                                   "page=99999999999999999999"])
def test_list_products_refuses_bad_paging(client, make_product, query):
    make_product()
    assert_problem(client.get(f"/api/v1/products?{query}"), 422, "invalid_input")


def test_per_page_bounds_are_inclusive(client, make_product):
    make_product()
    assert client.get("/api/v1/products?per_page=1").get_json()["per_page"] == 1
    assert client.get("/api/v1/products?per_page=100").get_json()["per_page"] == 100


def test_get_product(client, make_product):
    product = make_product(name="Onggi Crock", price=68_000, stock=12, description="Hand thrown.")
    response = client.get(f"/api/v1/products/{product.id}")
    assert response.status_code == 200
    assert response.get_json() == {"id": product.id, "name": "Onggi Crock", "price": 68_000,
                                   "stock": 12, "description": "Hand thrown.",
                                   "category": None, "images": []}


@pytest.mark.parametrize("product_id", ["999", "0", "99999999999999999999"])
def test_get_unknown_product_is_product_not_found(client, make_product, product_id):
    make_product()
    assert_problem(client.get(f"/api/v1/products/{product_id}"), 404, "product_not_found")


def test_get_hidden_product_is_product_not_found(client, make_product):
    product = make_product(is_active=False)
    assert_problem(client.get(f"/api/v1/products/{product.id}"), 404, "product_not_found")


def test_a_non_numeric_product_id_is_a_problem_too(client):
    assert_problem(client.get("/api/v1/products/abc"), 404, "not_found")


def test_catalog_reads_ignore_a_bad_token(client, make_product):
    product = make_product()
    headers = {"Authorization": "Bearer not-a-token"}
    assert client.get("/api/v1/products", headers=headers).status_code == 200
    assert client.get(f"/api/v1/products/{product.id}", headers=headers).status_code == 200


def test_openapi_describes_the_catalog(client):
    document = client.get("/api/v1/openapi.json").get_json()
    listing = document["paths"]["/products"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "q", "category", "sort", "min_price", "max_price", "in_stock", "page", "per_page",
        "Accept-Language"}
    assert "security" not in listing
    assert set(document["paths"]["/products/{id}"]["get"]["responses"]) == {"200", "404"}
    schemas = document["components"]["schemas"]
    assert set(schemas["ProductPage"]["required"]) == {"items", "page", "per_page", "total"}
    assert set(schemas["Product"]["required"]) == {"id", "name", "price", "stock", "description",
                                                    "category", "images"}


def test_search_with_a_nul_character_is_refused_naming_q(client, make_product,
                                                        db_snapshot):
    """No text can hold a NUL (issue 13), so a search for one is refused, not answered."""
    make_product(name="Green Tea")
    before = db_snapshot()
    response = client.get("/api/v1/products", query_string={"q": "\x00tea"})
    body = assert_problem(response, 422, "invalid_input")
    assert "'q' contains a NUL character" in body["detail"]
    assert db_snapshot() == before
