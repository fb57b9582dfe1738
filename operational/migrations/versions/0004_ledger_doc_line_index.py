"""index the stock ledger by document line

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Returns find the receipt / shipment rows they return, transfers their in-transit rows.
    op.create_index("ix_stock_ledger_doc_line", "stock_ledger", ["doc_type", "doc_line_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_stock_ledger_doc_line", table_name="stock_ledger")
