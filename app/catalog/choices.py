"""What a shopper chose for a product list: the search words, the sort order, a price range
and "in stock only". Read once from the query string, in one of two ways:

- ``from_page_args``: lenient, for pages. A shopper's URL is never an error page: an unknown
  sort is the default, a price that is not a whole number of won (after dropping commas,
  spaces and a ₩ sign) or is negative is no bound, one above the dearest price a product
  may have is that price, and a range given upside down (from 50,000 to 10,000) is swapped.
- ``from_api_args``: strict, for the API: anything outside the documented values is a 422
  ``invalid_input`` naming the parameter. A range given upside down is taken as written and
  so matches nothing (the OpenAPI document cannot say "min_price ≤ max_price", and a valid
  request by the document must not be refused).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext

from app.catalog.editing import PRICE_MAX
from app.errors import InvalidInput

SORTS = {
    "recommended": lazy_gettext("Recommended"),
    "newest": lazy_gettext("Newest"),
    "price_asc": lazy_gettext("Price: low to high"),
    "price_desc": lazy_gettext("Price: high to low"),
}
DEFAULT_SORT = "recommended"
_PAGE_TRUE = {"1", "true", "on", "yes"}
_API_BOOLEANS = {"true": True, "false": False}


@dataclass(frozen=True)
class ListChoices:
    q: str = ""
    sort: str = DEFAULT_SORT
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False

    @classmethod
    def from_page_args(cls, args) -> ListChoices:
        low, high = _lenient_price(args.get("min_price")), _lenient_price(args.get("max_price"))
        if low is not None and high is not None and low > high:
            low, high = high, low
        sort = args.get("sort", "")
        return cls(q=args.get("q", "").strip(), sort=sort if sort in SORTS else DEFAULT_SORT,
                   min_price=low, max_price=high,
                   in_stock=args.get("in_stock", "").lower() in _PAGE_TRUE)

    @classmethod
    def from_api_args(cls, args) -> ListChoices:
        sort = args.get("sort") or DEFAULT_SORT
        if sort not in SORTS:
            raise InvalidInput(gettext("'%(name)s' must be one of: %(allowed)s.", name="sort",
                                       allowed=", ".join(SORTS)), field="sort")
        in_stock = args.get("in_stock") or "false"
        if in_stock not in _API_BOOLEANS:
            raise InvalidInput(gettext("'%(name)s' must be one of: %(allowed)s.",
                                       name="in_stock", allowed="true, false"), field="in_stock")
        return cls(q=(args.get("q") or "").strip(), sort=sort,
                   min_price=_strict_price(args, "min_price"),
                   max_price=_strict_price(args, "max_price"),
                   in_stock=_API_BOOLEANS[in_stock])

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the list besides a category: a search or a filter."""
        return bool(self.q) or self.min_price is not None or self.max_price is not None \
            or self.in_stock

    def url_args(self, **overrides) -> dict:
        """The choices that differ from the defaults, as query parameters: what pager links
        and forms carry so that paging keeps them, and a clean URL for the defaults."""
        args = {"q": self.q or None,
                "sort": self.sort if self.sort != DEFAULT_SORT else None,
                "min_price": self.min_price, "max_price": self.max_price,
                "in_stock": "1" if self.in_stock else None}
        args.update(overrides)
        return {name: value for name, value in args.items() if value is not None}


def _lenient_price(raw: str | None) -> int | None:
    text = (raw or "").replace(",", "").replace("₩", "").replace(" ", "")
    if not text.isascii() or not text.isdigit():
        return None
    return min(int(text), PRICE_MAX)


def _strict_price(args, name: str) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > PRICE_MAX:
        raise InvalidInput(gettext("'%(name)s' must be a whole number from 0 to %(maximum)s.",
                                   name=name, maximum=PRICE_MAX), field=name)
    return int(raw)
