"""catalog: categories (a two-level tree), product images, and the indexes for sorting

Revision ID: 0009_categories_images
Revises: 0008_product_search
Create Date: 2026-12-02 12:00:00

A product belongs to at most one category (null: not shelved yet); its images are rows of
product_images, whose files live under MEDIA_ROOT (app/media/). products.image_count holds
how many images a product has, and its CHECK is what keeps concurrent uploads to 8.
"""
from alembic import op
import sqlalchemy as sa

import app.db


revision = '0009_categories_images'
down_revision = '0008_product_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'categories',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('name_en', sa.String(length=60), nullable=True),
        sa.Column('slug', sa.String(length=80), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('is_visible', sa.Boolean(), nullable=False),
        sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('parent_id IS NULL OR parent_id <> id',
                           name=op.f('ck_categories_not_own_parent')),
        sa.ForeignKeyConstraint(['parent_id'], ['categories.id'],
                                name=op.f('fk_categories_parent_id_categories')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
        sa.UniqueConstraint('slug', name=op.f('uq_categories_slug')),
    )
    op.create_index('ix_categories_parent_id_position', 'categories', ['parent_id', 'position'])
    op.create_table(
        'product_images',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('sizes', sa.JSON(), nullable=False),
        sa.Column('alt', sa.String(length=200), nullable=False),
        sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['product_id'], ['products.id'],
                                name=op.f('fk_product_images_product_id_products')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_product_images')),
    )
    op.create_index('ix_product_images_digest', 'product_images', ['digest'])
    op.create_index('ix_product_images_product_id_position', 'product_images',
                    ['product_id', 'position'])
    # Not batch mode (see 0006: a rebuild of products would cascade-delete what points at
    # it). SQLite adds a column with its REFERENCES and CHECK in one ALTER TABLE, but cannot
    # add constraints afterwards, which is how Alembic adds them; PostgreSQL does either.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE products ADD COLUMN category_id INTEGER '
                   'CONSTRAINT fk_products_category_id_categories REFERENCES categories (id)')
        op.execute("ALTER TABLE products ADD COLUMN image_count INTEGER DEFAULT '0' NOT NULL "
                   'CONSTRAINT ck_products_image_count_in_range '
                   'CHECK (image_count BETWEEN 0 AND 8)')
    else:
        op.add_column('products', sa.Column('category_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_products_category_id_categories'), 'products',
                              'categories', ['category_id'], ['id'])
        op.add_column('products', sa.Column('image_count', sa.Integer(), server_default='0',
                                            nullable=False))
        op.create_check_constraint(op.f('ck_products_image_count_in_range'), 'products',
                                   'image_count BETWEEN 0 AND 8')
    op.create_index('ix_products_category_id_price', 'products', ['category_id', 'price'])
    op.create_index('ix_products_category_id_id', 'products', ['category_id', 'id'])
    op.create_index('ix_products_price', 'products', ['price'])


def downgrade():
    op.drop_index('ix_products_price', table_name='products')
    op.drop_index('ix_products_category_id_id', table_name='products')
    op.drop_index('ix_products_category_id_price', table_name='products')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('ck_products_image_count_in_range'), 'products', type_='check')
        op.drop_constraint(op.f('fk_products_category_id_categories'), 'products',
                           type_='foreignkey')
    op.drop_column('products', 'image_count')
    op.drop_column('products', 'category_id')
    op.drop_index('ix_product_images_product_id_position', table_name='product_images')
    op.drop_index('ix_product_images_digest', table_name='product_images')
    op.drop_table('product_images')
    op.drop_index('ix_categories_parent_id_position', table_name='categories')
    op.drop_table('categories')
