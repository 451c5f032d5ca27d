"""Admin inventory: product list with a low-stock filter, create/edit, stock adjustments, CSV.

The product page also shows the product's images; their routes are in image_views.py."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_number, gettext, ngettext
from flask_login import current_user

from app.admin.blueprint import ID, bp
from app.admin.forms import (AdjustStockForm, CsvConfirmForm, CsvUploadForm, ImageUploadForm,
                             NewProductForm, ProductForm, category_choices, chosen_id)
from app.catalog import categories, csv_io, editing, queries, stock_imports
from app.catalog.models import MAX_IMAGES_PER_PRODUCT
from app.db import utcnow
from app.errors import DomainError, show_on_form
from app.paging import page_arg

MOVEMENTS_PER_PAGE = 25


def _low_stock_arg() -> int | None:
    """``?low=1`` turns the filter on; ``threshold`` (0–1,000,000) overrides the default 5."""
    if not request.args.get("low"):
        return None
    threshold = request.args.get("threshold", queries.LOW_STOCK_DEFAULT, type=int)
    if threshold is None or not 0 <= threshold <= editing.STOCK_MAX:
        return queries.LOW_STOCK_DEFAULT
    return threshold


@bp.get("/products")
def products():
    """Every product with its stock; ``?low=1&threshold=N`` keeps those at or below N."""
    threshold = _low_stock_arg()
    q = request.args.get("q", "").strip()[:100]
    page = page_arg()
    pagination = queries.inventory_page(q=q, low_stock=threshold, page=page)
    return render_template("admin/products.html", pagination=pagination, q=q,
                           threshold=threshold, default_threshold=queries.LOW_STOCK_DEFAULT)


def _with_categories(form: ProductForm) -> ProductForm:
    form.category_id.choices = category_choices(categories.admin_tree(),
                                                none_label=gettext("— none —"))
    return form


@bp.route("/products/new", methods=["GET", "POST"])
def new_product():
    form = _with_categories(NewProductForm())
    if form.validate_on_submit():
        try:
            product = editing.create_product(
                form.name.data, form.price.data, form.stock.data, form.description.data,
                form.is_active.data, actor_id=current_user.id, name_en=form.name_en.data,
                description_en=form.description_en.data,
                category_id=chosen_id(form.category_id.data))
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(gettext("Created %(name)s with %(stock)s in stock.", name=product.name,
                          stock=format_number(product.stock)), "success")
            return redirect(url_for("admin.product", product_id=product.id))
    return render_template("admin/product_form.html", form=form, product=None), \
        422 if form.errors or request.method == "POST" else 200


@bp.route(f"/products/<{ID}:product_id>/edit", methods=["GET", "POST"])
def edit_product(product_id: int):
    product = queries.get_product(product_id)
    form = _with_categories(ProductForm(obj=product))
    if form.validate_on_submit():
        try:
            product = editing.update_product(
                product_id, name=form.name.data, name_en=form.name_en.data,
                price=form.price.data, description=form.description.data,
                description_en=form.description_en.data, is_active=form.is_active.data,
                category_id=chosen_id(form.category_id.data))
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(gettext("Saved %(name)s.", name=product.name), "success")
            return redirect(url_for("admin.product", product_id=product_id))
    return render_template("admin/product_form.html", form=form, product=product), \
        422 if form.errors or request.method == "POST" else 200


def product_page(product_id: int, form: AdjustStockForm | None = None, status: int = 200,
                 image_form: ImageUploadForm | None = None):
    """The admin's product page; a form given shows what was refused in it."""
    product = queries.get_product(product_id)
    page = page_arg()
    movements, total = queries.movement_page(product_id, page, MOVEMENTS_PER_PAGE)
    pages = max((total + MOVEMENTS_PER_PAGE - 1) // MOVEMENTS_PER_PAGE, 1)
    return render_template("admin/product.html", product=product,
                           form=form or AdjustStockForm(),
                           image_form=image_form or ImageUploadForm(),
                           max_images=MAX_IMAGES_PER_PRODUCT,
                           movements=movements, total=total, page=page, pages=pages), status


@bp.get(f"/products/<{ID}:product_id>")
def product(product_id: int):
    """The product, its stock movement ledger (newest first) and the adjustment form."""
    return product_page(product_id)


@bp.post(f"/products/<{ID}:product_id>/stock")
def adjust_stock(product_id: int):
    form = AdjustStockForm()
    if form.validate_on_submit():
        try:
            stock = editing.adjust_stock(product_id, form.delta.data, form.kind.data,
                                         form.reason.data, actor_id=current_user.id)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(gettext("Stock is now %(stock)s.", stock=format_number(stock)), "success")
            return redirect(url_for("admin.product", product_id=product_id))
    return product_page(product_id, form, 422)


@bp.get("/products.csv")
def export_products():
    """Every product as a CSV download (hidden products included), UTF-8 with a byte order
    mark so that Excel reads the Korean names."""
    zone = ZoneInfo(current_app.config["SHOP_TIMEZONE"])
    stamp = utcnow().astimezone(zone).strftime("%Y%m%d-%H%M")
    return Response(
        csv_io.export_products_csv(), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="products-{stamp}.csv"'},
    )


def _import_page(form: CsvUploadForm, preview, confirm: CsvConfirmForm, status: int = 200,
                 applied=None, encoding: str | None = None):
    return render_template("admin/stock_import.html", form=form, preview=preview,
                           confirm=confirm, applied=applied,
                           encoding_note=csv_io.ENCODING_NOTES.get(encoding),
                           sample_csv=csv_io.sample_receipts_csv()), status


@bp.route("/stock-import", methods=["GET", "POST"])
def stock_import():
    """Upload a receipts CSV → a preview of every row, with per-row errors; nothing changes.

    ``?applied=<import id>`` shows what that import did (where applying one leads).
    """
    form = CsvUploadForm()
    preview = encoding = None
    confirm = CsvConfirmForm()
    if form.validate_on_submit():
        try:
            text, encoding = csv_io.decode_csv(form.file.data.read(csv_io.CSV_MAX_BYTES + 1))
        except DomainError as error:
            show_on_form(form, error)
        else:
            preview = csv_io.preview_receipts(text)
            # The decoded text travels on: applying it needs no second guess at the encoding.
            confirm.csv_text.data = text
            confirm.import_id.data = stock_imports.new_import_id()
    applied = None
    if request.method == "GET" and request.args.get("applied"):
        try:
            applied = stock_imports.applied_import(request.args["applied"])
        except DomainError as error:
            flash(error.detail, "warning")
    refused = bool(form.errors) or (preview is not None and not preview.ok)
    return _import_page(form, preview, confirm, 422 if refused else 200, applied, encoding)


@bp.post("/stock-import/apply")
def stock_import_apply():
    """Apply the previewed file: all rows in one transaction, or none (errors shown again)."""
    confirm = CsvConfirmForm()
    if not confirm.validate_on_submit():
        flash(gettext("Upload the file again: the preview was lost."), "danger")
        return redirect(url_for("admin.stock_import"))
    import_id = confirm.import_id.data
    try:
        preview = stock_imports.import_receipts(confirm.csv_text.data, actor_id=current_user.id,
                                                import_id=import_id)
    except stock_imports.ImportAlreadyApplied as done:
        # A double submit or Back + resubmit: show the first apply, as if it were this one.
        flash(done.detail, "warning")
        return redirect(url_for("admin.stock_import", applied=done.import_id))
    except stock_imports.ReceiptImportRejected as rejected:
        flash(rejected.detail, "danger")
        return _import_page(CsvUploadForm(), rejected.preview, confirm, 422)
    except DomainError as error:
        flash(gettext("Nothing was imported: %(problem)s", problem=error.detail), "danger")
        return _import_page(CsvUploadForm(), None, confirm, error.status)
    flash(ngettext("Imported %(rows)s row: %(units)s units received.",
                   "Imported %(rows)s rows: %(units)s units received.", len(preview.rows),
                   rows=format_number(len(preview.rows)),
                   units=format_number(preview.total_units)), "success")
    return redirect(url_for("admin.stock_import", applied=import_id))
