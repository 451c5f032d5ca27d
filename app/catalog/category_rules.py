"""A category's rules without the database: its errors, field checks and slugs.

The checks are the same for the admin pages and the API; app/catalog/categories.py runs
them before it writes, and the rules that need the tree (the parent is a top category, a
slug is free) there.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import format_number, gettext, lazy_gettext
from sqlalchemy.exc import IntegrityError

from app.catalog.editing import check_text
from app.db import is_id
from app.errors import Conflict, InvalidInput, NotFound

NAME_MAX = 60
SLUG_MAX = 80
POSITION_MAX = 9_999
SLUG_CONSTRAINT = "uq_categories_slug"
SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")


class CategoryNotFound(NotFound):
    code = "category_not_found"
    title = lazy_gettext("Category not found")


class SlugTaken(Conflict):
    code = "slug_taken"
    title = lazy_gettext("Address already in use")
    field = "slug"


class CategoryNotEmpty(Conflict):
    code = "category_not_empty"
    title = lazy_gettext("Category is not empty")


class CategoryHasSubcategories(Conflict):
    code = "category_has_subcategories"
    title = lazy_gettext("Category has subcategories")
    field = "parent_id"


# --- validation -------------------------------------------------------------------------


def check_name(value, field_name: str = "name", *, required: bool = True) -> str | None:
    """1–60 characters once trimmed, without NUL; the English name may be empty (None)."""
    if value is None and not required:
        return None
    value = check_text(value, field_name, NAME_MAX)
    if required and not value:
        raise InvalidInput(gettext("Enter the category's name."), field=field_name)
    return value or None


def check_slug(value) -> str:
    """Lowercase a-z, 0-9 and '-', 1–80 characters, not starting or ending with '-'."""
    if not isinstance(value, str) or len(value) > SLUG_MAX or not SLUG_PATTERN.fullmatch(value):
        raise InvalidInput(gettext(
            "An address name is 1 to %(max)s lowercase letters a-z, digits and hyphens, not "
            "starting or ending with a hyphen.", max=SLUG_MAX), field="slug")
    return value


def check_is_visible(value) -> bool:
    if type(value) is not bool:
        raise InvalidInput(gettext("'is_visible' is true or false."), field="is_visible")
    return value


def check_parent_id(value) -> int | None:
    """The type only; that the parent exists and is a top category is checked under lock."""
    if value is not None and not is_id(value):
        raise InvalidInput(gettext("Choose a top category as the parent, or none."),
                           field="parent_id")
    return value


def check_position(value) -> int:
    if type(value) is not int or not 0 <= value <= POSITION_MAX:
        raise InvalidInput(gettext("A position is a whole number from 0 to %(max)s.",
                                   max=format_number(POSITION_MAX)), field="position")
    return value


# What update_category may change, each with its check.
FIELD_CHECKS = {"name": check_name,
                "name_en": lambda value: check_name(value, "name_en", required=False),
                "slug": check_slug, "is_visible": check_is_visible,
                "parent_id": check_parent_id, "position": check_position}


def slugify(text: str | None) -> str:
    """An ASCII slug from (English) text: accents dropped, anything else becomes '-';
    empty when nothing ASCII is left (a Korean name, say)."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX].rstrip("-")


def category_id_or_404(category_id) -> int:
    if not is_id(category_id):
        raise CategoryNotFound(gettext("There is no category #%(id)s.", id=category_id))
    return category_id


def is_slug_violation(error: IntegrityError) -> bool:
    """Whether ``error`` is the slug's unique constraint (named on PostgreSQL, its column on
    SQLite)."""
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name is not None:
        return name == SLUG_CONSTRAINT
    return "UNIQUE constraint failed: categories.slug" in str(error.orig)


def slug_taken(slug: str) -> SlugTaken:
    return SlugTaken(gettext("Another category already uses the address name '%(slug)s'.",
                             slug=slug))
