"""customer contacts, follow-ups, opportunities and service tickets

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in (*columns, "updated_at"):
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "customer_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=100), nullable=True),
        sa.Column("wechat", sa.String(length=50), nullable=True),
        sa.Column("is_primary", sa.Boolean(), server_default=sa.false(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_customer_contact_customer_id_customer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contact")),
    )
    _indexes("customer_contact", "customer_id")

    op.create_table(
        "crm_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("next_action", sa.String(length=300), nullable=True),
        sa.Column("next_action_date", sa.Date(), nullable=True),
        sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["contact_id"], ["customer_contact.id"],
                                name=op.f("fk_crm_follow_up_contact_id_customer_contact")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_crm_follow_up_customer_id_customer")),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"], name=op.f("fk_crm_follow_up_employee_id_employee")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_follow_up")),
    )
    _indexes("crm_follow_up", "customer_id", "employee_id", "happened_on")

    op.create_table(
        "crm_opportunity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("expected_value", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("probability", operational.types.ScaledDecimal(scale=4, precision=9), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("expected_close_date", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("lost_reason", sa.String(length=300), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_crm_opportunity_customer_id_customer")),
        sa.ForeignKeyConstraint(["owner_id"], ["employee.id"], name=op.f("fk_crm_opportunity_owner_id_employee")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_opportunity")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_crm_opportunity_doc_no")),
    )
    _indexes("crm_opportunity", "customer_id", "owner_id", "stage")

    op.create_table(
        "crm_opportunity_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=20), nullable=True),
        sa.Column("to_stage", sa.String(length=20), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["changed_by"], ["employee.id"],
                                name=op.f("fk_crm_opportunity_stage_changed_by_employee")),
        sa.ForeignKeyConstraint(["opportunity_id"], ["crm_opportunity.id"],
                                name=op.f("fk_crm_opportunity_stage_opportunity_id_crm_opportunity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_opportunity_stage")),
    )
    _indexes("crm_opportunity_stage", "opportunity_id")

    op.create_table(
        "service_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("response_sla_hours", sa.Integer(), nullable=False),
        sa.Column("resolution_sla_hours", sa.Integer(), nullable=False),
        sa.Column("first_response_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.String(length=1000), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["assignee_id"], ["employee.id"], name=op.f("fk_service_ticket_assignee_id_employee")),
        sa.ForeignKeyConstraint(["contact_id"], ["customer_contact.id"],
                                name=op.f("fk_service_ticket_contact_id_customer_contact")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_service_ticket_customer_id_customer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_ticket")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_service_ticket_doc_no")),
    )
    _indexes("service_ticket", "assignee_id", "customer_id", "opened_at", "status")


def downgrade() -> None:
    for table in ("service_ticket", "crm_opportunity_stage", "crm_opportunity", "crm_follow_up", "customer_contact"):
        op.drop_table(table)
