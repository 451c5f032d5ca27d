"""The category tree as shoppers see it: visible categories only, in their order.

A category is shown when it is visible and, for a subcategory, when its top category is too
(hiding a top category hides its subcategories). The whole tree is a few hundred rows at most,
so every read here is one query over it, ordered in the database, and no cache (one indexed
read of ``categories`` costs less than a cache round trip would).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import select

from app.catalog.category_rules import CategoryNotFound
from app.catalog.models import Category
from app.catalog.shown import CategoryView, category_from
from app.db import is_id
from app.extensions import db

_categories = Category.__table__
_VISIBLE = (select(_categories.c.id, _categories.c.name, _categories.c.name_en, _categories.c.slug,
                   _categories.c.is_visible, _categories.c.parent_id)
            .where(_categories.c.is_visible.is_(True))
            .order_by(_categories.c.position, _categories.c.id))


@dataclass
class Shelf:
    """A shown category with its parent (``None`` for a top one) and its shown subcategories."""

    category: CategoryView
    parent: CategoryView | None = None
    children: list[CategoryView] = field(default_factory=list)

    @property
    def categories(self) -> list[CategoryView]:
        """The categories whose products the category's page lists: itself and its shown
        subcategories."""
        return [self.category, *self.children]

    @property
    def category_ids(self) -> list[int]:
        return [category.id for category in self.categories]


def is_shown(category: CategoryView | None) -> bool:
    """Whether shoppers see ``category`` (its ``parent`` is loaded with it)."""
    return category is not None and category.is_visible and (
        category.parent is None or category.parent.is_visible)


def trail(category: CategoryView | None) -> list[CategoryView]:
    """The breadcrumb categories down to ``category`` (top first); none when it is hidden."""
    if not is_shown(category):
        return []
    return [category.parent, category] if category.parent is not None else [category]


def visible_tree() -> list[Shelf]:
    """The shown top categories in order, each with its shown subcategories in order (each
    subcategory's ``parent`` is its top one)."""
    categories = [category_from(row) for row in db.session.execute(_VISIBLE)]
    tops = {category.id: Shelf(category) for category in categories
            if category.parent_id is None}
    for category in categories:
        top = tops.get(category.parent_id)
        if top is not None:
            category.parent = top.category
            top.children.append(category)
    return list(tops.values())


def shown_by_id() -> dict[int, CategoryView]:
    """Every shown category by id."""
    return {category.id: category for top in visible_tree() for category in top.categories}


def shelf_by_slug(slug: str) -> Shelf:
    """The shown category ``slug`` as a shelf; ``CategoryNotFound`` when unknown or hidden."""
    return _find(lambda shelf: shelf.category.slug == slug,
                 gettext("There is no category “%(slug)s”.", slug=slug))


def shelf_by_id(category_id: int) -> Shelf:
    """The shown category ``category_id``; ``CategoryNotFound`` when unknown or hidden."""
    if not is_id(category_id):
        raise CategoryNotFound(gettext("There is no category #%(id)s.", id=category_id))
    return _find(lambda shelf: shelf.category.id == category_id,
                 gettext("There is no category #%(id)s.", id=category_id))


def _find(wanted, missing: str) -> Shelf:
    for top in visible_tree():
        if wanted(top):
            return top
        for child in top.children:
            shelf = Shelf(child, parent=top.category)
            if wanted(shelf):
                return shelf
    raise CategoryNotFound(missing)
