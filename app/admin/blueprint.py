"""The admin blueprint and its one access rule, checked before every admin view."""

from flask import Blueprint
from flask_babel import gettext
from flask_login import current_user

from app.db import MAX_ID
from app.errors import Forbidden
from app.extensions import login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")

# A larger number in a URL than any row id is a 404 before any query, not a database error.
ID = f"int(max={MAX_ID})"


@bp.before_request
def admins_only():
    """Anonymous → the login page (and back here afterwards); shoppers → 403.

    A blueprint-wide hook rather than a decorator per view, so that a new admin route is
    protected without anyone remembering to protect it.
    """
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        raise Forbidden(gettext("This page is for shop admins."))
    return None

