"""Tax settings pages and the customer price list: the date from which the company's small-scale
taxpayer flag applies, customer price groups and the customer price list (客户价目表).

Existing rows: no company has a date for its flag (None: the flag has always applied, as before),
no customer is in a price group and no customer price exists, so every order is priced as before.

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.add_column(sa.Column("small_scale_from", sa.Date(), nullable=True))
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_group", sa.String(length=20), nullable=True))
    op.create_table(
        "customer_price",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("price_group", sa.String(length=20), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("price", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price_includes_tax", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("(customer_id IS NULL) <> (price_group IS NULL)",
                           name=op.f("ck_customer_price_customer_or_group")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_customer_price_customer_id_customer")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_customer_price_product_id_product")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_price")),
    )
    with op.batch_alter_table("customer_price", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_price_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_price_price_group"), ["price_group"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_price_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_price_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_table("customer_price")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("price_group")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_column("small_scale_from")
