"""Imports every model so that the metadata (and Alembic's autogenerate) sees all tables."""

from app.accounts.models import ApiToken, User
from app.bestsellers.models import ProductDailySales
from app.cart.models import CartItem
from app.catalog.models import Product, StockMovement
from app.coupons.models import Coupon, UserCoupon
from app.exports.models import ExportEvent
from app.orders.models import Order, OrderLine, Payment
from app.wallet.models import LedgerEntry, Wallet

__all__ = [
    "ApiToken", "CartItem", "Coupon", "ExportEvent", "LedgerEntry", "Order", "OrderLine",
    "Payment", "Product", "ProductDailySales", "StockMovement", "User", "UserCoupon", "Wallet",
]
