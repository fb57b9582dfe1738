"""cancelling (作废) posted stock documents: reversing ledger rows and who / when / why

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

DOCUMENTS = ("goods_receipt", "shipment", "purchase_return", "sales_return", "stock_transfer", "stocktake")


def upgrade() -> None:
    with op.batch_alter_table("stock_ledger", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reverses_ledger_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_stock_ledger_reverses_ledger_id"), ["reverses_ledger_id"])
        batch_op.create_foreign_key(batch_op.f("fk_stock_ledger_reverses_ledger_id_stock_ledger"), "stock_ledger",
                                    ["reverses_ledger_id"], ["id"])
    for table in DOCUMENTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("cancelled_by", sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
            batch_op.add_column(sa.Column("cancel_reason", sa.String(length=300), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f"fk_{table}_cancelled_by_app_user"), "app_user",
                                        ["cancelled_by"], ["id"])


def downgrade() -> None:
    for table in reversed(DOCUMENTS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_cancelled_by_app_user"), type_="foreignkey")
            batch_op.drop_column("cancel_reason")
            batch_op.drop_column("cancelled_at")
            batch_op.drop_column("cancelled_by")
    with op.batch_alter_table("stock_ledger", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_stock_ledger_reverses_ledger_id_stock_ledger"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_stock_ledger_reverses_ledger_id"), type_="unique")
        batch_op.drop_column("reverses_ledger_id")
