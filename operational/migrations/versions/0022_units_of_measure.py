"""units of measure (多单位): product units with factor and barcode, default purchase and sales
units, the entered unit on document lines, the exact value of a ledger row

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from operational.types import Money, Qty, UnitPrice

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_LINES = ("purchase_order_line", "sales_order_line", "goods_receipt_line", "shipment_line",
          "purchase_return_line", "sales_return_line", "stock_transfer_line")
_PRICED = ("purchase_order_line", "sales_order_line")


def upgrade() -> None:
    op.create_table(
        "product_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("factor", Qty(), nullable=False),
        sa.Column("barcode", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_product_unit_product_id_product")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_unit")),
        sa.UniqueConstraint("product_id", "unit", name=op.f("uq_product_unit_product_id_unit")),
        sa.UniqueConstraint("barcode", name=op.f("uq_product_unit_barcode")),
    )
    with op.batch_alter_table("product_unit") as batch:
        batch.create_index(batch.f("ix_product_unit_product_id"), ["product_id"])
        batch.create_index(batch.f("ix_product_unit_updated_at"), ["updated_at"])
    with op.batch_alter_table("product") as batch:
        batch.add_column(sa.Column("purchase_unit", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("sales_unit", sa.String(length=20), nullable=True))
    # Existing lines were entered in the base unit: NULL unit says exactly that.
    for table in _LINES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("unit", sa.String(length=20), nullable=True))
            batch.add_column(sa.Column("qty_in_unit", Qty(), nullable=True))
            batch.add_column(sa.Column("unit_factor", Qty(), nullable=True))
            if table in _PRICED:
                batch.add_column(sa.Column("price_in_unit", UnitPrice(), nullable=True))
    with op.batch_alter_table("stock_ledger") as batch:
        batch.add_column(sa.Column("cost_amount", Money(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stock_ledger") as batch:
        batch.drop_column("cost_amount")
    for table in _LINES:
        with op.batch_alter_table(table) as batch:
            if table in _PRICED:
                batch.drop_column("price_in_unit")
            batch.drop_column("unit_factor")
            batch.drop_column("qty_in_unit")
            batch.drop_column("unit")
    with op.batch_alter_table("product") as batch:
        batch.drop_column("sales_unit")
        batch.drop_column("purchase_unit")
    op.drop_table("product_unit")
