"""A shopper's list choices read from a query string (app/catalog/choices.py): leniently for
pages, strictly for the API."""

import pytest
from werkzeug.datastructures import MultiDict

from app.catalog.choices import ListChoices
from app.catalog.editing import PRICE_MAX
from app.errors import InvalidInput


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


def page(**args) -> ListChoices:
    return ListChoices.from_page_args(MultiDict(args))


def api(**args) -> ListChoices:
    return ListChoices.from_api_args(MultiDict(args))


def test_nothing_chosen_is_the_defaults_and_a_clean_url():
    assert page() == api() == ListChoices(q="", sort="recommended", min_price=None,
                                          max_price=None, in_stock=False)
    assert page().url_args() == {}


def test_a_page_takes_every_choice_and_gives_them_back_for_links():
    choices = page(q=" mug ", sort="price_asc", min_price="1000", max_price="20000",
                   in_stock="1")
    assert choices == ListChoices(q="mug", sort="price_asc", min_price=1000, max_price=20000,
                                  in_stock=True)
    assert choices.url_args() == {"q": "mug", "sort": "price_asc", "min_price": 1000,
                                  "max_price": 20000, "in_stock": "1"}
    assert choices.url_args(q=None, sort=None) == {"min_price": 1000, "max_price": 20000,
                                                   "in_stock": "1"}


@pytest.mark.parametrize(("args", "expected"), [
    ({"sort": "cheapest"}, ListChoices()),
    ({"sort": "PRICE_ASC"}, ListChoices()),
    ({"min_price": "abc", "max_price": "-5"}, ListChoices()),
    ({"min_price": "1.5", "max_price": "١٢"}, ListChoices()),  # not ASCII digits
    ({"min_price": "12,900", "max_price": "₩ 30,000"},
     ListChoices(min_price=12_900, max_price=30_000)),
    ({"max_price": "99999999999999999999999"}, ListChoices(max_price=PRICE_MAX)),
    ({"in_stock": "on"}, ListChoices(in_stock=True)),
    ({"in_stock": "maybe"}, ListChoices()),
])
def test_a_page_turns_garbage_into_defaults(args, expected):
    assert page(**args) == expected


def test_a_page_swaps_a_range_given_upside_down():
    assert page(min_price="50000", max_price="10000") == ListChoices(min_price=10_000,
                                                                      max_price=50_000)


@pytest.mark.parametrize(("args", "parameter"), [
    ({"sort": "cheapest"}, "sort"),
    ({"min_price": "abc"}, "min_price"),
    ({"min_price": "-1"}, "min_price"),
    ({"max_price": "1.5"}, "max_price"),
    ({"max_price": str(PRICE_MAX + 1)}, "max_price"),
    ({"in_stock": "1"}, "in_stock"),
    ({"in_stock": "yes"}, "in_stock"),
])
def test_the_api_refuses_anything_outside_the_document_naming_the_parameter(args, parameter):
    with pytest.raises(InvalidInput) as refused:
        api(**args)
    assert refused.value.field == parameter
    assert f"'{parameter}'" in refused.value.detail


def test_the_api_takes_a_range_as_written():
    assert api(min_price="50000", max_price="10000", in_stock="false", sort="newest") == \
        ListChoices(sort="newest", min_price=50_000, max_price=10_000)
    assert api(in_stock="true", max_price=str(PRICE_MAX)).in_stock is True
