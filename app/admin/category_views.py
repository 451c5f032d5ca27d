"""Admin categories: the tree with its buttons (move, hide/show, delete), create and edit.

Every change is a POST with the CSRF token, answered by a redirect and a flash (so Reload
never repeats it); a refused form is shown again with its errors and a 422.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.admin.blueprint import ID, bp
from app.admin.forms import (ActionForm, CategoryForm, CategoryMoveForm, CategoryVisibilityForm,
                             EditCategoryForm, category_choices, chosen_id)
from app.catalog import categories
from app.errors import DomainError, show_on_form


def _parent_choices(form: CategoryForm, tree, exclude_id: int | None = None) -> None:
    form.parent_id.choices = category_choices(
        tree, none_label=gettext("— none: a top category —"), exclude_id=exclude_id,
        tops_only=True)


def _tree_page(form: CategoryForm, status: int = 200):
    tree = categories.admin_tree()
    _parent_choices(form, tree)
    return render_template("admin/categories.html", tree=tree, form=form,
                           move_form=CategoryMoveForm(), visibility_form=CategoryVisibilityForm(),
                           delete_form=ActionForm()), status


@bp.get("/categories")
def category_list():
    """Every category, hidden ones too: top ones with their subcategories beneath."""
    return _tree_page(CategoryForm())


@bp.post("/categories")
def create_category():
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category = categories.create_category(
                form.name.data, name_en=form.name_en.data or None,
                parent_id=chosen_id(form.parent_id.data), slug=form.slug.data or None,
                is_visible=form.is_visible.data)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(gettext("Created the category %(name)s.", name=category.name), "success")
            return redirect(url_for("admin.category_list"))
    return _tree_page(form, 422)


@bp.route(f"/categories/<{ID}:category_id>/edit", methods=["GET", "POST"])
def edit_category(category_id: int):
    category = categories.get_category(category_id)
    form = EditCategoryForm(obj=category)
    _parent_choices(form, categories.admin_tree(), exclude_id=category_id)
    if form.validate_on_submit():
        fields = {"name": form.name.data, "name_en": form.name_en.data or None,
                  "parent_id": chosen_id(form.parent_id.data),
                  "is_visible": form.is_visible.data}
        if form.slug.data:  # left empty: the address stays as it is
            fields["slug"] = form.slug.data
        try:
            category = categories.update_category(category_id, **fields)
        except DomainError as error:
            show_on_form(form, error)
        else:
            flash(gettext("Saved the category %(name)s.", name=category.name), "success")
            return redirect(url_for("admin.category_list"))
    return render_template("admin/category_form.html", form=form, category=category), \
        422 if request.method == "POST" else 200


def _refused_or_done(action, done_message) -> None:
    try:
        category = action()
    except DomainError as error:
        flash(error.detail, "danger")
    else:
        flash(done_message(category), "success")


@bp.post(f"/categories/<{ID}:category_id>/move")
def move_category(category_id: int):
    form = CategoryMoveForm()
    if not form.validate_on_submit():
        flash(gettext("Choose up or down."), "danger")
    else:
        _refused_or_done(lambda: categories.move_category(category_id, int(form.offset.data)),
                         lambda category: gettext("Moved %(name)s.", name=category.name))
    return redirect(url_for("admin.category_list"))


@bp.post(f"/categories/<{ID}:category_id>/visibility")
def category_visibility(category_id: int):
    form = CategoryVisibilityForm()
    if not form.validate_on_submit():
        flash(gettext("Choose show or hide."), "danger")
    else:
        visible = form.visible.data == "1"
        _refused_or_done(
            lambda: categories.update_category(category_id, is_visible=visible),
            lambda category: gettext("%(name)s is shown in the shop.", name=category.name)
            if visible else gettext("%(name)s is hidden from the shop.", name=category.name))
    return redirect(url_for("admin.category_list"))


@bp.post(f"/categories/<{ID}:category_id>/delete")
def delete_category(category_id: int):
    form = ActionForm()
    if form.validate_on_submit():
        category = categories.get_category(category_id)
        _refused_or_done(lambda: categories.delete_category(category_id),
                         lambda _: gettext("Deleted the category %(name)s.", name=category.name))
    return redirect(url_for("admin.category_list"))
