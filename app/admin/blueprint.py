"""The admin blueprint and its one access rule, checked before every admin view."""

from flask import Blueprint, abort
from flask_login import current_user

from app.extensions import login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only():
    """Anonymous → the login page (and back here afterwards); shoppers → 403.

    A blueprint-wide hook rather than a decorator per view, so that a new admin route is
    protected without anyone remembering to protect it.
    """
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403, "This page is for shop admins.")
    return None
