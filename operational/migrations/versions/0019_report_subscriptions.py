"""report subscriptions and the delivery log

Which user receives which scheduled report (daily / weekly / monthly) in which language at which
address, and one row per message tried (the report or the stale-data notice, and its outcome).

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("report_kind", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("language in ('zh_CN', 'en')", name=op.f("ck_report_subscription_language")),
        sa.CheckConstraint("report_kind in ('daily', 'weekly', 'monthly')",
                           name=op.f("ck_report_subscription_report_kind")),
        sa.ForeignKeyConstraint(["changed_by"], ["app_user.id"],
                                name=op.f("fk_report_subscription_changed_by_app_user")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_report_subscription_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_subscription")),
        sa.UniqueConstraint("user_id", "report_kind", name=op.f("uq_report_subscription_user_id_report_kind")),
    )
    with op.batch_alter_table("report_subscription", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_subscription_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_report_subscription_user_id"), ["user_id"], unique=False)

    op.create_table(
        "report_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("report_kind", sa.String(length=10), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.Column("origin", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("content", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("publish_id", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.CheckConstraint("content in ('report', 'notice')", name=op.f("ck_report_delivery_content")),
        sa.CheckConstraint("outcome in ('sent', 'failed', 'not_configured')",
                           name=op.f("ck_report_delivery_outcome")),
        sa.CheckConstraint("origin in ('schedule', 'send_now')", name=op.f("ck_report_delivery_origin")),
        sa.ForeignKeyConstraint(["requested_by"], ["app_user.id"],
                                name=op.f("fk_report_delivery_requested_by_app_user")),
        sa.ForeignKeyConstraint(["subscription_id"], ["report_subscription.id"],
                                name=op.f("fk_report_delivery_subscription_id_report_subscription")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_report_delivery_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_delivery")),
    )
    with op.batch_alter_table("report_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_delivery_subscription_id"), ["subscription_id"], unique=False)
        batch_op.create_index("ix_report_delivery_user_id_attempted_at", ["user_id", "attempted_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_report_delivery_user_id_attempted_at")
        batch_op.drop_index(batch_op.f("ix_report_delivery_subscription_id"))
    op.drop_table("report_delivery")
    with op.batch_alter_table("report_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_subscription_user_id"))
        batch_op.drop_index(batch_op.f("ix_report_subscription_updated_at"))
    op.drop_table("report_subscription")
