"""The admin blueprint with every admin route attached (access rule in ``blueprint.py``)."""

from app.admin import category_views, inventory_views, sales_views  # noqa: F401 - attach routes
from app.admin.blueprint import bp

__all__ = ["bp"]
