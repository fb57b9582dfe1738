"""Cash and bank accounts (资金账户) and the append-only cash ledger that every receipt, payment,
reimbursement and transfer between accounts posts to."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, Timestamped, utcnow
from operational.types import Money

ACCOUNT_KINDS = ("cash", "bank")

# Why money moved; the source document (when there is one) is doc_type + doc_id.
CASH_ENTRY_KINDS = (
    "opening",
    "customer_receipt",  # 收款
    "customer_refund",
    "supplier_payment",  # 付款
    "supplier_refund",
    "expense_reimbursement",  # 报销
    "transfer_out",
    "transfer_in",
    "other_income",
    "other_expense",
)


class CashAccount(Timestamped, Base):
    """A cash box or bank account. ``balance`` is kept by every ledger posting (never set directly)
    so a payment can be refused atomically when the account cannot cover it."""

    __tablename__ = "cash_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="bank")
    bank_name: Mapped[str | None] = mapped_column(String(100))
    account_no: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # An account that may go below zero (an overdraft facility); others refuse the payment.
    allow_overdraft: Mapped[bool] = mapped_column(Boolean, default=False)
    balance: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class CashLedger(Base):
    """One row per movement of money. Never updated: a correction is a new row.

    ``amount`` is signed: + money in, − money out.
    """

    __tablename__ = "cash_ledger"
    __table_args__ = (
        Index("ix_cash_ledger_account_date", "account_id", "entry_date"),
        Index("ix_cash_ledger_doc", "doc_type", "doc_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("cash_account.id"))
    entry_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    kind: Mapped[str] = mapped_column(String(30))
    doc_type: Mapped[str | None] = mapped_column(String(30))
    doc_id: Mapped[int | None] = mapped_column(Integer)
    doc_no: Mapped[str | None] = mapped_column(String(30))
    counterparty: Mapped[str | None] = mapped_column(String(200))
    memo: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
