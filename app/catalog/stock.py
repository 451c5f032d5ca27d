"""The one way stock changes: a compare-and-set on the invariant plus a movement row.

Checkout, cancellation and admin adjustments all call ``change_stock`` inside their own
transaction, so ``products.stock`` always equals the sum of its ``stock_movements``.
"""

from __future__ import annotations

from sqlalchemy import select, update

from app.catalog.models import Product, StockMovement
from app.errors import DomainError


class OutOfStock(DomainError):
    code = "out_of_stock"
    status = 409
    title = "Out of stock"
    field = "quantity"


class ProductNotFound(DomainError):
    code = "product_not_found"
    status = 404
    title = "Product not found"


def change_stock(session, product_id: int, delta: int, kind: str, *, reason: str = "",
                 order_id: int | None = None, actor_id: int | None = None,
                 import_id: str | None = None) -> int:
    """Add ``delta`` (negative to take) to a product's stock; returns the stock left.

    ``UPDATE … SET stock = stock + :delta, version = version + 1 WHERE stock + :delta >= 0``:
    the row lock orders concurrent writers, and the condition is re-checked on the latest
    row, so a shopper is refused only when the stock truly cannot cover them. Raises
    ``OutOfStock`` (nothing written) or ``ProductNotFound``.
    """
    stock_left = session.execute(
        update(Product)
        .where(Product.id == product_id, Product.stock + delta >= 0)
        .values(stock=Product.stock + delta, version=Product.version + 1)
        .returning(Product.stock)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if stock_left is None:
        raise stock_refusal(session, product_id)
    session.add(StockMovement(product_id=product_id, delta=delta, kind=kind, reason=reason,
                              order_id=order_id, actor_id=actor_id, import_id=import_id))
    return stock_left


def stock_refusal(session, product_id: int) -> DomainError:
    """Why a compare-and-set on the stock matched no row, read from the newest row."""
    row = session.execute(select(Product.name, Product.stock).where(Product.id == product_id)).first()
    if row is None:
        return ProductNotFound(f"There is no product #{product_id}.")
    if row.stock == 0:
        return OutOfStock(f"{row.name} is sold out.")
    return OutOfStock(f"Only {row.stock} of {row.name} left.")
