"""The JSON API under /api/v1 (contract: shared/api-v1.md). Same services as the pages.

Every module in this package attaches its routes to ``bp`` and may declare
``OPENAPI_PATHS`` / ``OPENAPI_SCHEMAS`` for the OpenAPI document; they are found here.
"""

import importlib
import pkgutil

from app.api.common import bp

API_MODULES = [
    importlib.import_module(f"{__name__}.{info.name}")
    for info in pkgutil.iter_modules(__path__)
    if info.name != "common"
]

__all__ = ["bp", "API_MODULES"]
