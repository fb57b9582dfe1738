"""cash and bank accounts with their ledger

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cash_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("bank_name", sa.String(length=100), nullable=True),
        sa.Column("account_no", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("allow_overdraft", sa.Boolean(), nullable=False),
        sa.Column("balance", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_account")),
        sa.UniqueConstraint("code", name=op.f("uq_cash_account_code")),
    )
    with op.batch_alter_table("cash_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cash_account_updated_at"), ["updated_at"], unique=False)
    op.create_table(
        "cash_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("doc_type", sa.String(length=30), nullable=True),
        sa.Column("doc_id", sa.Integer(), nullable=True),
        sa.Column("doc_no", sa.String(length=30), nullable=True),
        sa.Column("counterparty", sa.String(length=200), nullable=True),
        sa.Column("memo", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["cash_account.id"],
                                name=op.f("fk_cash_ledger_account_id_cash_account")),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_cash_ledger_created_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_ledger")),
    )
    with op.batch_alter_table("cash_ledger", schema=None) as batch_op:
        batch_op.create_index("ix_cash_ledger_account_date", ["account_id", "entry_date"], unique=False)
        batch_op.create_index("ix_cash_ledger_doc", ["doc_type", "doc_id"], unique=False)


def downgrade() -> None:
    op.drop_table("cash_ledger")
    op.drop_table("cash_account")
