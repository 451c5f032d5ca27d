"""stock_imports: a previewed CSV import applies at most once; its movements point to it

Revision ID: 0005_stock_imports
Revises: 0004_wallet_refunds_topup_keys
Create Date: 2026-12-02 10:00:00

The import page's preview issues an id, and applying it inserts a stock_imports row under
that id in the same transaction as its receipt movements: a second apply of one preview
(double submit, Back and resubmit, a retried request) hits the primary key and changes
nothing. stock_movements.import_id says which import wrote a movement; its index is partial
because sales and cancellations, nearly every row, have none.
"""
from alembic import op
import sqlalchemy as sa

import app.db


revision = '0005_stock_imports'
down_revision = '0004_wallet_refunds_topup_keys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stock_imports',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('units', sa.BigInteger(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_stock_imports_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_imports'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_id', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_stock_movements_import_id_stock_imports'),
                                    'stock_imports', ['import_id'], ['id'])
        batch_op.create_index('ix_stock_movements_import_id', ['import_id'], unique=False,
                              postgresql_where=sa.text('import_id IS NOT NULL'),
                              sqlite_where=sa.text('import_id IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movements_import_id')
        batch_op.drop_constraint(batch_op.f('fk_stock_movements_import_id_stock_imports'),
                                 type_='foreignkey')
        batch_op.drop_column('import_id')
    op.drop_table('stock_imports')
