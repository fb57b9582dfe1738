"""optional storage bins (locations) inside warehouses

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "storage_bin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_storage_bin_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_bin")),
        sa.UniqueConstraint("warehouse_id", "code", name=op.f("uq_storage_bin_warehouse_id_code")),
    )
    with op.batch_alter_table("storage_bin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_storage_bin_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "stock_bin_balance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("bin_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("quantity", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["stock_batch.id"], name=op.f("fk_stock_bin_balance_batch_id_stock_batch")
        ),
        sa.ForeignKeyConstraint(
            ["bin_id"], ["storage_bin.id"], name=op.f("fk_stock_bin_balance_bin_id_storage_bin")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_stock_bin_balance_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouse.id"], name=op.f("fk_stock_bin_balance_warehouse_id_warehouse")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_bin_balance")),
        sa.UniqueConstraint(
            "product_id", "bin_id", "batch_id", name=op.f("uq_stock_bin_balance_product_id_bin_id_batch_id")
        ),
    )
    with op.batch_alter_table("stock_bin_balance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_bin_balance_bin_id"), ["bin_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_bin_balance_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_stock_bin_balance_warehouse_id"), ["warehouse_id"], unique=False)
        batch_op.create_index("uq_stock_bin_balance_product_bin_no_batch", ["product_id", "bin_id"], unique=True,
                              sqlite_where=sa.text("batch_id IS NULL"), postgresql_where=sa.text("batch_id IS NULL"))

    with op.batch_alter_table("warehouse", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uses_bins", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("default_bin_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_warehouse_default_bin_id_storage_bin"), "storage_bin", ["default_bin_id"], ["id"]
        )

    with op.batch_alter_table("stock_ledger", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bin_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_stock_ledger_bin_id_storage_bin"), "storage_bin", ["bin_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_ledger", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_stock_ledger_bin_id_storage_bin"), type_="foreignkey")
        batch_op.drop_column("bin_id")

    with op.batch_alter_table("warehouse", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_warehouse_default_bin_id_storage_bin"), type_="foreignkey")
        batch_op.drop_column("default_bin_id")
        batch_op.drop_column("uses_bins")

    with op.batch_alter_table("stock_bin_balance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_bin_balance_warehouse_id"))
        batch_op.drop_index(batch_op.f("ix_stock_bin_balance_updated_at"))
        batch_op.drop_index(batch_op.f("ix_stock_bin_balance_bin_id"))

    op.drop_table("stock_bin_balance")
    with op.batch_alter_table("storage_bin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_storage_bin_updated_at"))

    op.drop_table("storage_bin")
