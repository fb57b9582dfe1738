"""cancelled open quantity on order lines, and the history of cancellations

Orders closed before this revision ("closed": partly fulfilled, the backorder cancelled) get their
cancelled quantity per line (ordered − fulfilled) and one history row per such line, so the
scorecard and every open-quantity figure treat them like cancellations entered from now on.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# The reason recorded for backorders closed before cancellations were kept per line.
BACKFILL_REASON = "订单关闭，欠货取消（迁移前关闭）"
SIDES = (("purchase_order", "purchase_order_line", "received_qty"),
         ("sales_order", "sales_order_line", "shipped_qty"))


def upgrade() -> None:
    for _, line_table, _ in SIDES:
        with op.batch_alter_table(line_table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("cancelled_qty", operational.types.ScaledDecimal(scale=4, precision=18),
                                          server_default="0", nullable=False))
    op.create_table(
        "order_line_cancellation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_kind", sa.String(length=20), nullable=False),
        sa.Column("purchase_order_id", sa.Integer(), nullable=True),
        sa.Column("purchase_order_line_id", sa.Integer(), nullable=True),
        sa.Column("sales_order_id", sa.Integer(), nullable=True),
        sa.Column("sales_order_line_id", sa.Integer(), nullable=True),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("quantity", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("cancel_date", sa.Date(), nullable=False),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("order_kind in ('purchase_order', 'sales_order')",
                           name=op.f("ck_order_line_cancellation_order_kind")),
        sa.CheckConstraint("(purchase_order_line_id is null) <> (sales_order_line_id is null)",
                           name=op.f("ck_order_line_cancellation_one_line")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_line_cancellation_positive")),
        sa.ForeignKeyConstraint(["cancelled_by"], ["app_user.id"],
                                name=op.f("fk_order_line_cancellation_cancelled_by_app_user")),
        sa.ForeignKeyConstraint(["purchase_order_id"], ["purchase_order.id"],
                                name=op.f("fk_order_line_cancellation_purchase_order_id_purchase_order")),
        sa.ForeignKeyConstraint(["purchase_order_line_id"], ["purchase_order_line.id"],
                                name=op.f("fk_order_line_cancellation_purchase_order_line_id_purchase_order_line")),
        sa.ForeignKeyConstraint(["sales_order_id"], ["sales_order.id"],
                                name=op.f("fk_order_line_cancellation_sales_order_id_sales_order")),
        sa.ForeignKeyConstraint(["sales_order_line_id"], ["sales_order_line.id"],
                                name=op.f("fk_order_line_cancellation_sales_order_line_id_sales_order_line")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_line_cancellation")),
    )
    with op.batch_alter_table("order_line_cancellation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_line_cancellation_purchase_order_id"), ["purchase_order_id"])
        batch_op.create_index(batch_op.f("ix_order_line_cancellation_sales_order_id"), ["sales_order_id"])
        batch_op.create_index(batch_op.f("ix_order_line_cancellation_updated_at"), ["updated_at"])
    _backfill_closed_orders()


def _backfill_closed_orders() -> None:
    conn = op.get_bind()
    for order_table, line_table, done in SIDES:
        conn.execute(sa.text(f"""
            INSERT INTO order_line_cancellation (order_kind, {order_table}_id, {order_table}_line_id, line_no,
                quantity, reason, cancel_date, cancelled_by, created_at, updated_at)
            SELECT '{order_table}', o.id, l.id, l.line_no, l.quantity - l.{done}, :reason,
                   CAST(o.updated_at AS DATE), NULL, o.updated_at, o.updated_at
            FROM {line_table} l JOIN {order_table} o ON o.id = l.order_id
            WHERE o.status = 'closed' AND l.quantity > l.{done}
            ORDER BY l.id"""), {"reason": BACKFILL_REASON})
        conn.execute(sa.text(f"""
            UPDATE {line_table} SET cancelled_qty = quantity - {done}
            WHERE quantity > {done}
              AND order_id IN (SELECT id FROM {order_table} WHERE status = 'closed')"""))


def downgrade() -> None:
    with op.batch_alter_table("order_line_cancellation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_line_cancellation_updated_at"))
        batch_op.drop_index(batch_op.f("ix_order_line_cancellation_sales_order_id"))
        batch_op.drop_index(batch_op.f("ix_order_line_cancellation_purchase_order_id"))
    op.drop_table("order_line_cancellation")
    for _, line_table, _ in reversed(SIDES):
        with op.batch_alter_table(line_table, schema=None) as batch_op:
            batch_op.drop_column("cancelled_qty")
