"""The home page."""

from flask import Blueprint, render_template

bp = Blueprint("shop", __name__)


@bp.get("/")
def home():
    return render_template("shop/home.html")
