"""The catalog as shoppers' pages and the API read it: plain objects built from plain rows.

A page of products is read on every browse, and SQLAlchemy's ORM spent more time making
``Product``, ``ProductImage`` and ``Category`` objects (identity map, instance state,
collections) than the database spent finding them (docs/BENCHMARKS.md, "browse"). Nothing
here is ever written back, so app/catalog/services.py reads columns and builds these instead;
the text they show comes from the same mixins as the models' (app/catalog/models.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.catalog.models import ShownCategory, ShownImage, ShownProduct


@dataclass(eq=False)
class CategoryView(ShownCategory):
    id: int
    name: str
    name_en: str | None
    slug: str
    is_visible: bool
    parent_id: int | None = None
    parent: CategoryView | None = None


@dataclass(eq=False)
class ImageView(ShownImage):
    id: int
    digest: str
    sizes: list
    alt: str


@dataclass(eq=False)
class ProductView(ShownProduct):
    """A product with its images, main first; a list's products carry no description."""

    id: int
    name: str
    name_en: str | None
    price: int
    stock: int
    category_id: int | None
    is_active: bool = True
    description: str = ""
    description_en: str | None = None
    category: CategoryView | None = None
    images: list[ImageView] = field(default_factory=list)


def category_from(row, prefix: str = "") -> CategoryView | None:
    """The category in ``row``'s columns named ``prefix`` + field (None when the row has
    none: an outer join found no category)."""
    category_id = row._mapping[prefix + "id"]
    if category_id is None:
        return None
    return CategoryView(category_id, *(row._mapping[prefix + name] for name in
                                       ("name", "name_en", "slug", "is_visible", "parent_id")))


def products_from(rows) -> list[ProductView]:
    """Products from rows of a product joined to its images (one row per image, the
    product's columns repeated; ``image_id`` null for a product without one), in the rows'
    order."""
    products: dict[int, ProductView] = {}
    for row in rows:
        fields = row._mapping
        product = products.get(fields["id"])
        if product is None:
            product = products[fields["id"]] = ProductView(
                fields["id"], fields["name"], fields["name_en"], fields["price"],
                fields["stock"], fields["category_id"])
        if fields["image_id"] is not None:
            product.images.append(ImageView(fields["image_id"], fields["digest"],
                                            fields["sizes"], fields["alt"]))
    return list(products.values())
