"""Imports every model so that the metadata (and Alembic's autogenerate) sees all tables."""

from app.accounts.models import ApiToken, User
from app.cart.models import CartItem
from app.catalog.models import (Category, Product, ProductDailySales, ProductImage,
                                StockImport, StockMovement)
from app.coupons.models import Coupon, UserCoupon
from app.exports.models import ExportEvent
from app.orders.models import Order, OrderLine, Payment
from app.wallet.models import LedgerEntry, Wallet

__all__ = [
    "ApiToken", "CartItem", "Category", "Coupon", "ExportEvent", "LedgerEntry", "Order",
    "OrderLine", "Payment", "Product", "ProductDailySales", "ProductImage", "StockImport",
    "StockMovement", "User", "UserCoupon", "Wallet",
]
