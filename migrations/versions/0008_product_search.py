"""products: a trigram index for the shopper's search (PostgreSQL only)

Revision ID: 0008_product_search
Revises: 0007_export_request_id
Create Date: 2026-12-02 10:15:00

A search matches every word with ``LIKE '%word%'`` against one lower-cased text of both names
and both descriptions (app.catalog.models.PRODUCT_SEARCHABLE). A b-tree cannot serve a
leading wildcard; a pg_trgm GIN index on that very expression can. The expression below is a
literal copy, not an import, so that this migration stays what it was when the model moves
on; tests/integration/test_product_search.py checks that the planner still uses it. SQLite
gets nothing: it scans, which a shop's catalog size allows.
"""
from alembic import op


revision = '0008_product_search'
down_revision = '0007_export_request_id'
branch_labels = None
depends_on = None

_SEARCHABLE = ("lower(name || ' ' || coalesce(name_en, '') || ' ' || description || ' ' "
               "|| coalesce(description_en, ''))")


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"CREATE INDEX ix_products_searchable ON products "
               f"USING gin ({_SEARCHABLE} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    # The extension stays: other objects may have come to use it since.
    op.execute("DROP INDEX ix_products_searchable")
