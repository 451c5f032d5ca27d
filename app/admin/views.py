"""The admin blueprint with every admin route attached (access rule in ``blueprint.py``)."""

from app.admin import (category_views, image_views,  # noqa: F401 - they attach routes to bp
                       inventory_views, sales_views)
from app.admin.blueprint import bp

__all__ = ["bp"]
