"""languages: a shopper's chosen language; English product and coupon text beside the Korean

Revision ID: 0006_languages
Revises: 0005_stock_imports
Create Date: 2026-12-02 12:00:00

The shop is Korean-first: the existing name and description columns hold the Korean text
(required); the new *_en columns are optional English, and English pages fall back to the
Korean. users.locale is the language picked with the switcher (null: not chosen).
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_languages'
down_revision = '0005_stock_imports'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not batch mode: SQLite adds and (3.35+) drops columns itself, and a
# batch rebuild of users or products would cascade-delete the rows that point at them.
def upgrade():
    op.add_column('users', sa.Column('locale', sa.String(length=5), nullable=True))
    op.add_column('products', sa.Column('name_en', sa.String(length=120), nullable=True))
    op.add_column('products', sa.Column('description_en', sa.Text(), nullable=True))
    op.add_column('coupons', sa.Column('name_en', sa.String(length=120), nullable=True))


def downgrade():
    op.drop_column('coupons', 'name_en')
    op.drop_column('products', 'description_en')
    op.drop_column('products', 'name_en')
    op.drop_column('users', 'locale')
