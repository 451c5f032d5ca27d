"""Search as a shopper meets it: the product list page and GET /api/v1/products."""

from __future__ import annotations

import re

import pytest

CASES = [
    ("tea green", ["찻잔 세트", "보성 녹차"]),
    ("예가체프", ["드립 커피 원두"]),
    ("Yirgacheffe DRIP", ["드립 커피 원두"]),
    ("커피", ["드립 커피 원두"]),
    ("100%", ["100% 면 양말"]),
    ("_", ["snake_case 머그"]),
    ("\\", ["snake_case 머그"]),
    ("  ", ["찻잔 세트", "snake_case 머그", "100% 면 양말", "보성 녹차", "드립 커피 원두"]),
    ("coffee tea", []),
]


def _names(html: str) -> list[str]:
    return re.findall(r'class="stretched-link[^"]*" href="/products/\d+">([^<]+)</a>', html)


@pytest.mark.parametrize(("q", "expected"), CASES)
def test_the_list_page_shows_what_every_word_finds(client, search_shelf, q, expected):
    response = client.get("/products", query_string={"q": q},
                          headers={"Accept-Language": "ko"})
    assert response.status_code == 200
    assert _names(response.get_data(as_text=True)) == expected


@pytest.mark.parametrize(("q", "expected"), CASES)
def test_the_api_lists_what_every_word_finds(client, search_shelf, q, expected):
    response = client.get("/api/v1/products", query_string={"q": q},
                          headers={"Accept-Language": "ko"})
    assert response.status_code == 200
    body = response.get_json()
    assert [item["name"] for item in body["items"]] == expected
    assert body["total"] == len(expected)
