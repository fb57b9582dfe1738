"""reversal (冲销) of customer receipts and paid supplier payments

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer_receipt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=20), server_default="posted", nullable=False))
        batch_op.add_column(sa.Column("reversed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reversed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reversal_reason", sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f("ix_customer_receipt_status"), ["status"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_customer_receipt_reversed_by_app_user"), "app_user",
                                    ["reversed_by"], ["id"])
    with op.batch_alter_table("supplier_payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reversed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reversed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reversal_reason", sa.String(length=300), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_supplier_payment_reversed_by_app_user"), "app_user",
                                    ["reversed_by"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("supplier_payment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_supplier_payment_reversed_by_app_user"), type_="foreignkey")
        batch_op.drop_column("reversal_reason")
        batch_op.drop_column("reversed_by")
        batch_op.drop_column("reversed_on")
    with op.batch_alter_table("customer_receipt", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_customer_receipt_reversed_by_app_user"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_customer_receipt_status"))
        batch_op.drop_column("reversal_reason")
        batch_op.drop_column("reversed_by")
        batch_op.drop_column("reversed_on")
        batch_op.drop_column("status")
