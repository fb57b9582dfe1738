"""Expenses (费用管理): the expense catalogue, expense claims (报销单) with their lines, the
append-only approval trail of each claim, and monthly budgets per expense category.

The rules (who approves what above which amount, reimbursement through the cash ledger, budget
versions) live in ``operational.services.expenses`` and ``operational.services.budgets``; these
tables only hold what was recorded.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operational.models.base import Base, Timestamped, utcnow
from operational.types import Money

CLAIM_STATES = ("draft", "submitted", "approved", "rejected", "reimbursed", "cancelled")
APPROVAL_STEPS = ("submit", "approve", "reject", "reimburse", "cancel")


class ExpenseCategory(Timestamped, Base):
    """An expense category (费用类别): 差旅费, 业务招待费, 办公费, ..."""

    __tablename__ = "expense_category"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class ExpenseClaim(Timestamped, Base):
    """An expense claim (费用报销单): draft → submitted → approved (one or two levels, by amount)
    → reimbursed; or rejected / cancelled. ``payee`` is set when the money goes to a third party
    (a landlord, the power company) instead of the employee."""

    __tablename__ = "expense_claim"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    # Copied from the employee at submission, so a later transfer does not move past spending.
    department: Mapped[str | None] = mapped_column(String(50))
    claim_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    total_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    payee: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
    # Fixed at submission from the approval rule: how many levels must approve, how many have.
    required_levels: Mapped[int] = mapped_column(Integer, default=0)
    approved_levels: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    reimbursed_account_id: Mapped[int | None] = mapped_column(ForeignKey("cash_account.id"))
    reimbursed_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    lines: Mapped[list[ExpenseClaimLine]] = relationship(
        back_populates="claim", order_by="ExpenseClaimLine.line_no", cascade="all, delete-orphan")


class ExpenseClaimLine(Timestamped, Base):
    __tablename__ = "expense_claim_line"
    __table_args__ = (UniqueConstraint("claim_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("expense_claim.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(ForeignKey("expense_category.id"), index=True)
    expense_date: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    description: Mapped[str | None] = mapped_column(String(300))
    invoice_no: Mapped[str | None] = mapped_column(String(50))  # 发票号

    claim: Mapped[ExpenseClaim] = relationship(back_populates="lines")


class ExpenseApprovalStep(Base):
    """One step of a claim's life (who did what when). Never updated: the trail of a claim is
    its rows in id order. ``level`` is the approval level an approve / reject acted on."""

    __tablename__ = "expense_approval_step"
    __table_args__ = (Index("ix_expense_approval_step_claim", "claim_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("expense_claim.id"))
    step: Mapped[str] = mapped_column(String(20))
    level: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class Budget(Timestamped, Base):
    """The budget of one expense category for one month (first day), for one department or —
    ``department`` NULL — for the whole company. ``amount`` is the current version; every
    setting (the first included) is a row of ``budget_revision``."""

    __tablename__ = "budget"
    __table_args__ = (UniqueConstraint("category_id", "department", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("expense_category.id"))
    department: Mapped[str | None] = mapped_column(String(50))
    month: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    version: Mapped[int] = mapped_column(Integer, default=1)


class BudgetRevision(Base):
    """Append-only history of a budget: one row each time it was set (version 1, 2, ...)."""

    __tablename__ = "budget_revision"
    __table_args__ = (UniqueConstraint("budget_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget.id"))
    version: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money())
    previous_amount: Mapped[Decimal | None] = mapped_column(Money())
    set_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
