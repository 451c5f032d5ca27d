"""The catalog as shop admins read it: every product (hidden ones too), low stock, and a
product's stock movements with who made each change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import column, func, or_, select, table
from sqlalchemy.orm import aliased, selectinload

from app.accounts.models import User
from app.catalog.editing import check_product_id
from app.catalog.models import Product, StockMovement
from app.catalog.search import like_pattern
from app.catalog.stock import no_such_product
from app.extensions import db

LOW_STOCK_DEFAULT = 5
# A sale's movement names its order; the shopper behind it is read through these two columns
# of the orders table. Declared here rather than imported, because orders imports catalog
# (checkout takes stock) and catalog must not import orders back.
_orders = table("orders", column("id"), column("user_id"))


def inventory_page(*, q: str = "", low_stock: int | None = None, page: int = 1,
                   per_page: int = 25):
    """Every product, hidden ones too; ``q`` matches the Korean or the English name (a
    literal, case-insensitive part); ``low_stock`` keeps those with stock at or below it.
    Each product comes with its category (and that one's parent), for the list's column."""
    query = select(Product).options(selectinload(Product.category))
    q = (q or "").strip()
    if q:
        pattern = like_pattern(q)
        query = query.where(or_(Product.name.ilike(pattern, escape="\\"),
                                Product.name_en.ilike(pattern, escape="\\")))
    if low_stock is not None:
        query = query.where(Product.stock <= low_stock).order_by(Product.stock, Product.id)
    else:
        query = query.order_by(Product.id)
    return db.paginate(query, page=page, per_page=per_page, max_per_page=100, error_out=False)


def low_stock_products(threshold: int = LOW_STOCK_DEFAULT, limit: int = 10) -> list[Product]:
    """Active products that may sell out soon, emptiest first."""
    return list(db.session.scalars(
        select(Product).where(Product.is_active.is_(True), Product.stock <= threshold)
        .order_by(Product.stock, Product.id).limit(limit)
    ))


def get_product(product_id: int) -> Product:
    """Any product, hidden or not (admins see everything), or ``ProductNotFound``."""
    product = db.session.get(Product, check_product_id(product_id))
    if product is None:
        raise no_such_product(product_id)
    return product


@dataclass(frozen=True)
class MovementRow:
    id: int
    created_at: datetime
    delta: int
    kind: str
    reason: str
    order_id: int | None
    actor_email: str | None
    shopper_email: str | None


def movement_page(product_id: int, page: int = 1, per_page: int = 25):
    """The product's stock movement ledger, newest first, with who made each change.

    Sales and cancellations carry no actor but an order: its shopper is shown instead.
    """
    actor, shopper = aliased(User), aliased(User)
    query = (
        select(StockMovement.id, StockMovement.created_at, StockMovement.delta,
               StockMovement.kind, StockMovement.reason, StockMovement.order_id,
               actor.email.label("actor_email"), shopper.email.label("shopper_email"))
        .outerjoin(actor, actor.id == StockMovement.actor_id)
        .outerjoin(_orders, _orders.c.id == StockMovement.order_id)
        .outerjoin(shopper, shopper.id == _orders.c.user_id)
        .where(StockMovement.product_id == product_id)
        .order_by(StockMovement.id.desc())
    )
    total = db.session.scalar(select(func.count()).select_from(StockMovement)
                              .where(StockMovement.product_id == product_id))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return [MovementRow(*row) for row in rows], total


