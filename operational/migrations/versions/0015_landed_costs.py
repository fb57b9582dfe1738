"""landed-cost documents entered after their goods receipts, and their allocation to receipt lines

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("landed_cost",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("cost_type", sa.String(length=20), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("cost_date", sa.Date(), nullable=False),
        sa.Column("allocation_basis", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["cancelled_by"], ["app_user.id"], name=op.f("fk_landed_cost_cancelled_by_app_user")),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_landed_cost_created_by_app_user")),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_landed_cost_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landed_cost")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_landed_cost_doc_no")),
    )
    op.create_index(op.f("ix_landed_cost_cost_date"), "landed_cost", ["cost_date"], unique=False)
    op.create_index(op.f("ix_landed_cost_status"), "landed_cost", ["status"], unique=False)
    op.create_index(op.f("ix_landed_cost_supplier_id"), "landed_cost", ["supplier_id"], unique=False)
    op.create_index(op.f("ix_landed_cost_updated_at"), "landed_cost", ["updated_at"], unique=False)
    op.create_table("landed_cost_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("landed_cost_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("receipt_id", sa.Integer(), nullable=False),
        sa.Column("receipt_line_id", sa.Integer(), nullable=False),
        sa.Column("stock_ledger_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("basis_quantity", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("basis_value", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["landed_cost_id"], ["landed_cost.id"],
                                name=op.f("fk_landed_cost_allocation_landed_cost_id_landed_cost")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_landed_cost_allocation_product_id_product")),
        sa.ForeignKeyConstraint(["receipt_id"], ["goods_receipt.id"],
                                name=op.f("fk_landed_cost_allocation_receipt_id_goods_receipt")),
        sa.ForeignKeyConstraint(["receipt_line_id"], ["goods_receipt_line.id"],
                                name=op.f("fk_landed_cost_allocation_receipt_line_id_goods_receipt_line")),
        sa.ForeignKeyConstraint(["stock_ledger_id"], ["stock_ledger.id"],
                                name=op.f("fk_landed_cost_allocation_stock_ledger_id_stock_ledger")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landed_cost_allocation")),
        sa.UniqueConstraint("landed_cost_id", "line_no", name=op.f("uq_landed_cost_allocation_landed_cost_id_line_no")),
    )
    op.create_index(op.f("ix_landed_cost_allocation_landed_cost_id"), "landed_cost_allocation", ["landed_cost_id"],
                    unique=False)
    op.create_index(op.f("ix_landed_cost_allocation_receipt_id"), "landed_cost_allocation", ["receipt_id"],
                    unique=False)
    op.create_index(op.f("ix_landed_cost_allocation_receipt_line_id"), "landed_cost_allocation", ["receipt_line_id"],
                    unique=False)
    op.create_index(op.f("ix_landed_cost_allocation_stock_ledger_id"), "landed_cost_allocation", ["stock_ledger_id"],
                    unique=False)
    op.create_index(op.f("ix_landed_cost_allocation_updated_at"), "landed_cost_allocation", ["updated_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_table("landed_cost_allocation")
    op.drop_table("landed_cost")
