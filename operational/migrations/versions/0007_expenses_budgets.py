"""expense claims with approvals, cash transfers and budgets

Cash transfers need no table of their own: they are the CT-numbered transfer_out / transfer_in
rows of cash_ledger (0005).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MONEY = operational.types.ScaledDecimal(scale=2, precision=18)


def _stamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(), nullable=False), sa.Column("updated_at", sa.DateTime(), nullable=False)]


def upgrade() -> None:
    op.create_table(
        "expense_category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_category")),
        sa.UniqueConstraint("code", name=op.f("uq_expense_category_code")),
    )
    with op.batch_alter_table("expense_category", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expense_category_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "expense_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=50), nullable=True),
        sa.Column("claim_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total_amount", MONEY, nullable=False),
        sa.Column("payee", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("required_levels", sa.Integer(), nullable=False),
        sa.Column("approved_levels", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reimbursed_account_id", sa.Integer(), nullable=True),
        sa.Column("reimbursed_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_expense_claim_created_by_app_user")),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"], name=op.f("fk_expense_claim_employee_id_employee")),
        sa.ForeignKeyConstraint(["reimbursed_account_id"], ["cash_account.id"],
                                name=op.f("fk_expense_claim_reimbursed_account_id_cash_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_claim")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_expense_claim_doc_no")),
    )
    with op.batch_alter_table("expense_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expense_claim_claim_date"), ["claim_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_expense_claim_employee_id"), ["employee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expense_claim_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_expense_claim_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "expense_claim_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("expense_date", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column("invoice_no", sa.String(length=50), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(["category_id"], ["expense_category.id"],
                                name=op.f("fk_expense_claim_line_category_id_expense_category")),
        sa.ForeignKeyConstraint(["claim_id"], ["expense_claim.id"],
                                name=op.f("fk_expense_claim_line_claim_id_expense_claim")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_claim_line")),
        sa.UniqueConstraint("claim_id", "line_no", name=op.f("uq_expense_claim_line_claim_id_line_no")),
    )
    with op.batch_alter_table("expense_claim_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expense_claim_line_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expense_claim_line_expense_date"), ["expense_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_expense_claim_line_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "expense_approval_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["expense_claim.id"],
                                name=op.f("fk_expense_approval_step_claim_id_expense_claim")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_expense_approval_step_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expense_approval_step")),
    )
    with op.batch_alter_table("expense_approval_step", schema=None) as batch_op:
        batch_op.create_index("ix_expense_approval_step_claim", ["claim_id", "id"], unique=False)

    op.create_table(
        "budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=50), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(["category_id"], ["expense_category.id"],
                                name=op.f("fk_budget_category_id_expense_category")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget")),
        sa.UniqueConstraint("category_id", "department", "month", name=op.f("uq_budget_category_id_department_month")),
    )
    with op.batch_alter_table("budget", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_budget_month"), ["month"], unique=False)
        batch_op.create_index(batch_op.f("ix_budget_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "budget_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("budget_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("previous_amount", MONEY, nullable=True),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["budget_id"], ["budget.id"], name=op.f("fk_budget_revision_budget_id_budget")),
        sa.ForeignKeyConstraint(["set_by"], ["app_user.id"], name=op.f("fk_budget_revision_set_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_revision")),
        sa.UniqueConstraint("budget_id", "version", name=op.f("uq_budget_revision_budget_id_version")),
    )


def downgrade() -> None:
    op.drop_table("budget_revision")
    op.drop_table("budget")
    op.drop_table("expense_approval_step")
    op.drop_table("expense_claim_line")
    op.drop_table("expense_claim")
    op.drop_table("expense_category")
