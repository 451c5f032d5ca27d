"""The shop's categories as admins shape them: create, rename, reorder, hide, delete.

Every write to ``categories`` is here, and so is the two-level rule: a top category
(``parent_id`` null) may have subcategories, a subcategory may not. What keeps the rule under
concurrent admins: each write that could break it locks the rows it reasons about first
(``FOR UPDATE`` on PostgreSQL; SQLite runs one writer at a time anyway), so "is the parent a
top category?" and "does this category have subcategories?" cannot both be answered "yes,
no" by two admins at once. A slug is unique in the database; the insert that loses a race
for one is translated into the same clean refusal as a slug taken long ago.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import format_number, gettext, ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from app.catalog.category_rules import (FIELD_CHECKS, POSITION_MAX, SLUG_MAX,
                                        CategoryHasSubcategories, CategoryNotEmpty,
                                        CategoryNotFound, category_id_or_404,
                                        check_is_visible, check_name, check_parent_id,
                                        check_slug, is_slug_violation, slug_taken, slugify)
from app.catalog.models import Category, Product
from app.db import retry_on_conflict, transaction
from app.errors import Conflict, InvalidInput
from app.extensions import db

# Two admins moving two categories under each other lock the same rows in opposite orders;
# PostgreSQL breaks the deadlock and the loser is retried (and then refused, one level deep).
WRITE_ATTEMPTS = 5
# A made-up slug can lose a race to another admin's identical one; it is then made again.
# Each round of such a race has one winner, so this many admins at once all get theirs.
AUTO_SLUG_ATTEMPTS = 10


# --- reading (admin) --------------------------------------------------------------------


@dataclass
class TreeRow:
    category: Category
    products: int
    children: list[TreeRow] = field(default_factory=list)

    @property
    def deletable(self) -> bool:
        return not self.children and self.products == 0


def admin_tree() -> list[TreeRow]:
    """Every category, hidden ones too, as top rows with their subcategories, each in
    ``position`` order, with how many products (hidden ones too) each holds directly."""
    categories = db.session.scalars(
        select(Category).order_by(Category.position, Category.id)).all()
    counts = dict(db.session.execute(
        select(Product.category_id, func.count()).where(Product.category_id.is_not(None))
        .group_by(Product.category_id)).all())
    rows = {c.id: TreeRow(c, counts.get(c.id, 0)) for c in categories}
    tops = []
    for category in categories:
        if category.parent_id is None:
            tops.append(rows[category.id])
        elif category.parent_id in rows:
            rows[category.parent_id].children.append(rows[category.id])
    return tops


def get_category(category_id) -> Category:
    category = db.session.get(Category, category_id_or_404(category_id))
    if category is None:
        raise CategoryNotFound(gettext("There is no category #%(id)s.", id=category_id))
    return category


# --- writing ----------------------------------------------------------------------------


def _locked(session, category_id: int, *, missing=None) -> Category:
    """The category, its row locked until the transaction ends; ``missing`` is raised
    (default: ``CategoryNotFound``) when there is none."""
    category = session.scalars(
        select(Category).where(Category.id == category_id).options(lazyload(Category.parent))
        .with_for_update().execution_options(populate_existing=True)).one_or_none()
    if category is None:
        raise missing or CategoryNotFound(gettext("There is no category #%(id)s.",
                                                  id=category_id))
    return category


def _has_children(session, category_id: int) -> bool:
    return session.scalar(select(Category.id).where(Category.parent_id == category_id)
                          .limit(1)) is not None


def _lock_parent(session, parent_id: int | None, category_id: int | None = None) -> None:
    """The parent must exist and be a top category; locked so that it stays one."""
    if parent_id is None:
        return
    if parent_id == category_id:
        raise InvalidInput(gettext("A category cannot be its own parent."), field="parent_id")
    parent = _locked(session, parent_id, missing=InvalidInput(
        gettext("There is no category #%(id)s to put it under.", id=parent_id),
        field="parent_id"))
    if parent.parent_id is not None:
        raise InvalidInput(gettext("Categories are two levels deep: choose a top category as "
                                   "the parent."), field="parent_id")


def _siblings(session, parent_id: int | None) -> list[Category]:
    """The categories under ``parent_id`` (top ones for None), locked, in shown order."""
    where = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    rows = session.scalars(select(Category).where(where).options(lazyload(Category.parent))
                           .order_by(Category.id).with_for_update()
                           .execution_options(populate_existing=True)).all()
    return sorted(rows, key=lambda c: (c.position, c.id))


def _renumber(ordered: list[Category]) -> None:
    for position, category in enumerate(ordered):
        if category.position != position:
            category.position = position


def _next_position(session, parent_id: int | None) -> int:
    where = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    last = session.scalar(select(func.max(Category.position)).where(where))
    return 0 if last is None else last + 1


def _free_slug(session, name_en: str | None) -> str:
    """A slug made from the English name, else ``category-<n>``, with ``-2``, ``-3``… added
    until no category has it."""
    base = slugify(name_en)
    if base:
        candidates = (base if n == 1 else f"{base[:SLUG_MAX - len(str(n)) - 1].rstrip('-')}-{n}"
                      for n in range(1, 10_000))
    else:
        start = session.scalar(select(func.count()).select_from(Category)) + 1
        candidates = (f"category-{n}" for n in range(start, start + 10_000))
    for candidate in candidates:
        if session.scalar(select(Category.id).where(Category.slug == candidate)) is None:
            return candidate
    raise AssertionError("no free slug in 10,000 tries")  # pragma: no cover


def _ensure_slug_free(session, slug: str, category_id: int | None = None) -> None:
    owner = session.scalar(select(Category.id).where(Category.slug == slug))
    if owner is not None and owner != category_id:
        raise slug_taken(slug)


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def create_category(name, name_en=None, parent_id=None, slug=None,
                    is_visible=True) -> Category:
    """A new category, last among its siblings; ``parent_id`` a top category or None.

    Without a slug one is made from the English name (or ``category-<n>``). A slug another
    category has is ``SlugTaken`` (409 ``slug_taken``), also when that category was created
    by someone else a moment ago: the unique constraint decides, and its violation is
    translated, never a 500.
    """
    name = check_name(name)
    name_en = check_name(name_en, "name_en", required=False)
    parent_id, is_visible = check_parent_id(parent_id), check_is_visible(is_visible)
    slug = None if slug is None or slug == "" else check_slug(slug)
    for _ in range(AUTO_SLUG_ATTEMPTS):
        try:
            with transaction() as uow:
                session = uow.session
                _lock_parent(session, parent_id)
                if slug is not None:
                    _ensure_slug_free(session, slug)
                category = Category(name=name, name_en=name_en, parent_id=parent_id,
                                    slug=slug or _free_slug(session, name_en),
                                    position=_next_position(session, parent_id),
                                    is_visible=is_visible)
                session.add(category)
                session.flush()
            return category
        except IntegrityError as error:
            if not is_slug_violation(error):
                raise
            if slug is not None:
                raise slug_taken(slug) from None
    raise Conflict(gettext("Too many categories were created at the same moment; nothing "
                           "was changed. Please try again."))


def _clean_fields(fields: dict) -> dict:
    unknown = sorted(set(fields) - set(FIELD_CHECKS))
    if unknown:
        raise InvalidInput(gettext("These fields cannot be changed here: %(fields)s.",
                                   fields=", ".join(unknown)))
    if not fields:
        raise InvalidInput(gettext("Nothing to change."))
    return {name: FIELD_CHECKS[name](value) for name, value in fields.items()}


def _move_under(session, category: Category, parent_id: int | None,
                position: int | None) -> None:
    if parent_id is not None and _has_children(session, category.id):
        raise CategoryHasSubcategories(gettext(
            "This category has subcategories, so it cannot go under another category."))
    _lock_parent(session, parent_id, category.id)
    old = [c for c in _siblings(session, category.parent_id) if c.id != category.id]
    new = _siblings(session, parent_id)
    category.parent_id = parent_id
    _renumber(old)
    new.insert(len(new) if position is None else min(position, len(new)), category)
    _renumber(new)


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def update_category(category_id, **fields) -> Category:
    """Change any of ``name``, ``name_en``, ``slug``, ``is_visible``, ``parent_id`` (moves it
    under another top category, or to the top level, last there unless ``position`` says
    otherwise) and ``position`` (its place among its siblings, counted from 0; past the
    end means last). The two-level rule and the slug's uniqueness hold as in
    ``create_category``."""
    category_id = category_id_or_404(category_id)
    fields = _clean_fields(fields)
    if fields.get("parent_id") == category_id:
        raise InvalidInput(gettext("A category cannot be its own parent."), field="parent_id")
    try:
        with transaction() as uow:
            session = uow.session
            category = _locked(session, category_id)
            if "slug" in fields:
                _ensure_slug_free(session, fields["slug"], category_id)
            # Moves first: they reload the siblings' rows, this one among them.
            parent_id = fields.get("parent_id", category.parent_id)
            if parent_id != category.parent_id:
                _move_under(session, category, parent_id, fields.get("position"))
            elif "position" in fields:
                siblings = [c for c in _siblings(session, parent_id) if c.id != category_id]
                siblings.insert(min(fields["position"], len(siblings)), category)
                _renumber(siblings)
            for name in ("name", "name_en", "slug", "is_visible"):
                if name in fields:
                    setattr(category, name, fields[name])
            session.flush()
    except IntegrityError as error:
        if is_slug_violation(error):
            raise slug_taken(fields["slug"]) from None
        raise
    return category


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def move_category(category_id, offset) -> Category:
    """Move a category ``offset`` places among its siblings (-1: up, 1: down), stopping at
    either end; the siblings are numbered 0..n-1 afterwards."""
    category_id = category_id_or_404(category_id)
    if type(offset) is not int or offset == 0 or abs(offset) > POSITION_MAX:
        raise InvalidInput(gettext("Move a category up or down."), field="offset")
    with transaction() as uow:
        session = uow.session
        category = _locked(session, category_id)
        siblings = _siblings(session, category.parent_id)
        index = next(i for i, c in enumerate(siblings) if c.id == category_id)
        siblings.pop(index)
        siblings.insert(max(0, min(index + offset, len(siblings))), category)
        _renumber(siblings)
    return category


@retry_on_conflict(attempts=WRITE_ATTEMPTS)
def delete_category(category_id) -> None:
    """Delete an empty category (its siblings renumbered 0..n-1): one with subcategories or
    products is ``CategoryNotEmpty`` (409 ``category_not_empty``) saying which, and stays.

    Its row is locked first. A product shelved in it at the same moment needs a key-share
    lock on that row for its foreign key, and a new subcategory locks it as its parent, so
    either waits for this delete (and then finds no category: 422) or this delete waits for
    it (and then counts it: 409); neither can slip in between the count and the delete.
    """
    category_id = category_id_or_404(category_id)
    with transaction() as uow:
        session = uow.session
        category = _locked(session, category_id)
        if _has_children(session, category_id):
            raise CategoryNotEmpty(gettext(
                "%(name)s has subcategories: move or delete them first.", name=category.name))
        products = session.scalar(select(func.count()).select_from(Product)
                                  .where(Product.category_id == category_id))
        if products:
            raise CategoryNotEmpty(ngettext(
                "%(name)s holds %(count)s product: move it to another category first.",
                "%(name)s holds %(count)s products: move them to another category first.",
                products, name=category.name, count=format_number(products)))
        _renumber([c for c in _siblings(session, category.parent_id) if c.id != category_id])
        session.delete(category)
