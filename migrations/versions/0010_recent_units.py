"""products.recent_units: units sold in the last 30 shop days, kept for the "recommended" order

Revision ID: 0010_recent_units
Revises: 0009_categories_images
Create Date: 2026-12-02 13:00:00

Summing each listed product's 30 days of product_daily_sales at query time cost 100 ms for a
6,000-product category and 315 ms for the whole shop at 100,000 products
(docs/BENCHMARKS.md); a number on the row, refreshed from those sums every few minutes
(app/catalog/sales.py), makes the order an index scan. It starts at 0: the first
"recommended" list after the upgrade fills it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_recent_units'
down_revision = '0009_categories_images'
branch_labels = None
depends_on = None


def upgrade():
    # As in 0009: SQLite takes the CHECK only inside its ADD COLUMN.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ALTER TABLE products ADD COLUMN recent_units INTEGER DEFAULT '0' NOT NULL "
                   'CONSTRAINT ck_products_recent_units_not_negative CHECK (recent_units >= 0)')
    else:
        op.add_column('products', sa.Column('recent_units', sa.Integer(), server_default='0',
                                            nullable=False))
        op.create_check_constraint(op.f('ck_products_recent_units_not_negative'), 'products',
                                   'recent_units >= 0')
    op.create_index('ix_products_recent_units_id', 'products', ['recent_units', 'id'])
    op.create_index('ix_products_category_id_recent_units_id', 'products',
                    ['category_id', 'recent_units', 'id'])


def downgrade():
    op.drop_index('ix_products_category_id_recent_units_id', table_name='products')
    op.drop_index('ix_products_recent_units_id', table_name='products')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_products_recent_units_not_negative'), 'products',
                           type_='check')
    op.drop_column('products', 'recent_units')
