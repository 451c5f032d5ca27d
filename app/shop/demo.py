"""Demo data: a shop worth clicking through, created once.

Every part is seeded only when it is missing (the catalog when there are no products yet,
each demo category when its slug is free, each demo product's picture while it has no
image, each account when its email is free, the shopper's top-up when their ledger is
empty), so running the command again changes nothing, and a run that stopped half-way is
completed. Categories and pictures go through the catalog's own services (each its own
transaction), so the demo obeys the rules an admin's changes do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import exists, select

from app.accounts.models import User
from app.accounts.services import register_user
from app.catalog.categories import create_category
from app.catalog.images import add_image
from app.catalog.models import Category, Product
from app.catalog.stock import change_stock
from app.coupons.models import Coupon
from app.db import transaction
from app.extensions import db
from app.formatting import format_won
from app.shop.demo_arrivals import ARRIVALS
from app.shop.demo_catalog import CATEGORIES, FIRST_PRODUCTS, DemoProduct
from app.shop.demo_images import draw_product_image
from app.wallet.models import LedgerEntry
from app.wallet.services import charge_wallet

ADMIN_EMAIL = "admin@storefront.test"
ADMIN_PASSWORD = "admin-pass-123"
SHOPPER_EMAIL = "shopper@storefront.test"
SHOPPER_PASSWORD = "shopper-pass-123"
SHOPPER_TOP_UP = 50_000
# How far apart in hue a top category's pictures are drawn, from its first to its last.
HUE_SPREAD = 0.2


class DemoCoupon(NamedTuple):
    name: str
    name_en: str
    discount_type: str
    discount_value: int
    max_discount: int | None
    min_order_amount: int
    quantity: int
    valid_days: int


# Korean first, as the shop sells in Korea; English pages show the translations. Listed
# oldest first: the list shows newest first.
PRODUCTS = FIRST_PRODUCTS + ARRIVALS

COUPONS = [
    DemoCoupon("웰컴 쿠폰: 3,000원 할인", "Welcome: ₩3,000 off",
               "fixed", 3_000, None, 20_000, 1_000, 14),
    DemoCoupon("10% 할인 (최대 5,000원)", "10% off, up to ₩5,000",
               "percent", 10, 5_000, 10_000, 500, 7),
    DemoCoupon("10만 원 이상 주문 시 10,000원 할인", "₩10,000 off orders over ₩100,000",
               "fixed", 10_000, None, 100_000, 100, 30),
    DemoCoupon("선착순 10명 30% 반짝 할인", "Flash deal: 30% off, first 10 only",
               "percent", 30, 15_000, 30_000, 10, 3),
]


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)

    @property
    def already_seeded(self) -> bool:
        return not self.created


def _seed_categories() -> dict[str, int]:
    """The demo categories (each created unless its slug is taken); their ids by slug."""
    slugs = [category.slug for category in CATEGORIES]
    ids = dict(db.session.execute(select(Category.slug, Category.id)
                                  .where(Category.slug.in_(slugs))).all())
    db.session.rollback()
    for category in CATEGORIES:
        if category.slug not in ids:
            ids[category.slug] = create_category(
                category.name, category.name_en, slug=category.slug,
                parent_id=ids[category.parent] if category.parent else None).id
    return ids


def _seed_catalog() -> bool:
    """Categories, then products (with their initial stock movements) and coupons in one
    transaction."""
    if db.session.scalar(select(Product.id).limit(1)) is not None:
        return False
    category_ids = _seed_categories()
    with transaction() as uow:
        session = uow.session
        if session.scalar(select(Product.id).limit(1)) is not None:
            return False
        for item in PRODUCTS:
            product = Product(name=item.name, name_en=item.name_en, price=item.price, stock=0,
                              description=item.description,
                              description_en=item.description_en,
                              category_id=category_ids[item.category])
            session.add(product)
            session.flush()
            if item.stock:
                change_stock(session, product.id, item.stock, "initial", reason="demo data")
        for coupon in COUPONS:
            session.add(Coupon(**coupon._asdict(), remaining=coupon.quantity, status="active"))
    return True


def _looks() -> dict[str, tuple[str, float]]:
    """Each demo product's picture by its name, as (motif, hue): its top category's motif,
    in a hue that moves across HUE_SPREAD from the category's first product to its last."""
    top = {category.slug: category.parent or category.slug for category in CATEGORIES}
    shelves: dict[str, list[DemoProduct]] = {}
    for item in PRODUCTS:
        shelves.setdefault(top[item.category], []).append(item)
    looks = {}
    for category in CATEGORIES:
        shelf = shelves.get(category.slug, [])
        for i, item in enumerate(shelf):
            hue = category.hue + HUE_SPREAD * (i / max(len(shelf) - 1, 1) - 0.5)
            looks[item.name] = (category.motif, hue)
    return looks


def _seed_pictures() -> int:
    """A drawn picture for every demo product that has no image yet; how many were added."""
    waiting = db.session.execute(
        select(Product.id, Product.name)
        .where(Product.name.in_([item.name for item in PRODUCTS]), Product.image_count == 0)
        .order_by(Product.id)).all()
    db.session.rollback()
    looks = _looks()
    for product_id, name in waiting:
        motif, hue = looks[name]
        add_image(product_id, draw_product_image(motif, hue, name), "demo.png")
    return len(waiting)


def _user_id(email: str) -> int | None:
    return db.session.scalar(select(User.id).where(User.email == email))


def seed_demo() -> SeedReport:
    """Create whatever part of the demo shop is missing; report what was created."""
    report = SeedReport()
    if _seed_catalog():
        report.created.append(f"{len(CATEGORIES)} categories, {len(PRODUCTS)} products and "
                              f"{len(COUPONS)} coupons")
    pictures = _seed_pictures()
    if pictures:
        report.created.append(f"{pictures} product pictures")
    if _user_id(ADMIN_EMAIL) is None:
        register_user(ADMIN_EMAIL, ADMIN_PASSWORD, "상점 관리자", is_admin=True)
        report.created.append("the admin account")
    shopper_id = _user_id(SHOPPER_EMAIL)
    if shopper_id is None:
        shopper_id = register_user(SHOPPER_EMAIL, SHOPPER_PASSWORD, "김하나").id
        report.created.append("the shopper account")
    has_ledger = db.session.scalar(select(exists().where(LedgerEntry.user_id == shopper_id)))
    if not has_ledger:
        charge_wallet(shopper_id, SHOPPER_TOP_UP)
        report.created.append(f"a {format_won(SHOPPER_TOP_UP)} top-up for the shopper")
    return report
