"""supply planning: planner demand adjustments, target service level per ABC class, and the link
from a plan suggestion to the draft purchase order or transfer made from it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-11
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('demand_adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('quantity', operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("mode <> 'override' or quantity >= 0", name=op.f('ck_demand_adjustment_override_not_negative')),
    sa.CheckConstraint("mode in ('delta', 'override')", name=op.f('ck_demand_adjustment_mode')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_demand_adjustment_created_by_app_user')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_demand_adjustment_product_id_product')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_demand_adjustment_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_adjustment'))
    )
    with op.batch_alter_table('demand_adjustment', schema=None) as batch_op:
        batch_op.create_index('ix_demand_adjustment_key', ['product_id', 'warehouse_id', 'week_start'], unique=False)
        batch_op.create_index(batch_op.f('ix_demand_adjustment_updated_at'), ['updated_at'], unique=False)

    op.create_table('planning_service_level',
    sa.Column('abc_class', sa.String(length=1), nullable=False),
    sa.Column('service_level', operational.types.ScaledDecimal(scale=4, precision=9), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], name=op.f('fk_planning_service_level_updated_by_app_user')),
    sa.PrimaryKeyConstraint('abc_class', name=op.f('pk_planning_service_level'))
    )
    with op.batch_alter_table('planning_service_level', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planning_service_level_updated_at'), ['updated_at'], unique=False)

    op.create_table('plan_document_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_as_of', sa.Date(), nullable=False),
    sa.Column('suggestion_key', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('from_warehouse_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=True),
    sa.Column('quantity', operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=True),
    sa.Column('purchase_order_line_id', sa.Integer(), nullable=True),
    sa.Column('stock_transfer_id', sa.Integer(), nullable=True),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind in ('purchase', 'transfer')", name=op.f('ck_plan_document_link_kind')),
    sa.CheckConstraint('(purchase_order_id is null) <> (stock_transfer_id is null)', name=op.f('ck_plan_document_link_one_document')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_plan_document_link_positive')),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_plan_document_link_created_by_app_user')),
    sa.ForeignKeyConstraint(['from_warehouse_id'], ['warehouse.id'], name=op.f('fk_plan_document_link_from_warehouse_id_warehouse')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_plan_document_link_product_id_product')),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_order.id'], name=op.f('fk_plan_document_link_purchase_order_id_purchase_order')),
    sa.ForeignKeyConstraint(['purchase_order_line_id'], ['purchase_order_line.id'], name=op.f('fk_plan_document_link_purchase_order_line_id_purchase_order_line')),
    sa.ForeignKeyConstraint(['stock_transfer_id'], ['stock_transfer.id'], name=op.f('fk_plan_document_link_stock_transfer_id_stock_transfer')),
    sa.ForeignKeyConstraint(['supplier_id'], ['supplier.id'], name=op.f('fk_plan_document_link_supplier_id_supplier')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouse.id'], name=op.f('fk_plan_document_link_warehouse_id_warehouse')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_document_link'))
    )
    with op.batch_alter_table('plan_document_link', schema=None) as batch_op:
        batch_op.create_index('ix_plan_document_link_item', ['product_id', 'warehouse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_document_link_purchase_order_id'), ['purchase_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_document_link_stock_transfer_id'), ['stock_transfer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_document_link_updated_at'), ['updated_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('plan_document_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_document_link_updated_at'))
        batch_op.drop_index(batch_op.f('ix_plan_document_link_stock_transfer_id'))
        batch_op.drop_index(batch_op.f('ix_plan_document_link_purchase_order_id'))
        batch_op.drop_index('ix_plan_document_link_item')

    op.drop_table('plan_document_link')
    with op.batch_alter_table('planning_service_level', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planning_service_level_updated_at'))

    op.drop_table('planning_service_level')
    with op.batch_alter_table('demand_adjustment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demand_adjustment_updated_at'))
        batch_op.drop_index('ix_demand_adjustment_key')

    op.drop_table('demand_adjustment')
