"""What a checkout may be asked, without a database: the lines and the idempotency key."""

import pytest

from app.catalog.stock import ProductNotFound
from app.errors import InvalidInput
from app.idempotency import check_idempotency_key
from app.orders.rules import normalize_items


def test_lines_of_one_product_add_up_and_come_back_in_product_id_order():
    # Each line is within 1..10,000; together they may exceed it, and then the stock decides.
    assert normalize_items([(7, 6_000), (3, 1), [7, 6_000]]) == [(3, 1), (7, 12_000)]


def test_the_bounds_are_inclusive():
    assert normalize_items([(1, 1), (2, 10_000)]) == [(1, 1), (2, 10_000)]
    assert len(normalize_items([(i, 1) for i in range(1, 101)])) == 100


@pytest.mark.parametrize("items, field", [
    pytest.param([], None, id="empty cart"),
    pytest.param(None, None, id="no items"),
    pytest.param([(1, 0)], "quantity", id="quantity 0"),
    pytest.param([(1, -1)], "quantity", id="negative quantity"),
    pytest.param([(1, 1.5)], "quantity", id="fractional quantity"),
    pytest.param([(1, 2.0)], "quantity", id="float quantity"),
    pytest.param([(1, "2")], "quantity", id="string quantity"),
    pytest.param([(1, True)], "quantity", id="bool quantity"),
    pytest.param([(1, 10_001)], "quantity", id="huge quantity"),
    pytest.param([(1, 10**30)], "quantity", id="enormous quantity"),
    pytest.param([(0, 1)], "product_id", id="product id 0"),
    pytest.param([("1", 1)], "product_id", id="string product id"),
    pytest.param([(True, 1)], "product_id", id="bool product id"),
    pytest.param([(1,)], None, id="line without quantity"),
    pytest.param([(1, 1, 1)], None, id="line with three cells"),
    pytest.param(["1x1"], None, id="line as text"),
    # Counted as sent, as the API document's maxItems does, even for one product.
    pytest.param([(1, 1)] * 101, "items", id="too many lines"),
])
def test_bad_lines_are_invalid_input_naming_the_field(items, field):
    with pytest.raises(InvalidInput) as refused:
        normalize_items(items)
    assert refused.value.field == field


def test_an_id_no_database_integer_can_hold_is_an_unknown_product():
    with pytest.raises(ProductNotFound, match="not available"):
        normalize_items([(10**20, 1)])


@pytest.mark.parametrize("key", [None, "k", "x" * 100, "550e8400-e29b-41d4-a716-446655440000",
                                 "~!@#$%^&*()_+"])
def test_good_idempotency_keys_are_kept_as_sent(key):
    assert check_idempotency_key(key) == key


@pytest.mark.parametrize("key", ["", " ", "has space", "x" * 101, 42, "ключ", "tab\there"])
def test_bad_idempotency_keys_are_invalid_input(key):
    with pytest.raises(InvalidInput, match="idempotency key"):
        check_idempotency_key(key)
