"""Read-only queries behind the expenses and cash forms and lists (the pages never write SQL):
claims a user may see, the approval and payment queues, a claim with its lines and trail,
choices for select boxes, accounts with balances and an account's ledger with a running balance.

Who sees which claim is decided by ``operational.services.expenses`` (``may_view`` /
``may_decide``); the filters here only narrow the rows those rules allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from operational.models import (
    AppUser,
    CashAccount,
    CashLedger,
    Employee,
    ExpenseApprovalStep,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseClaimLine,
)
from operational.services import expenses

LIST_LIMIT = 500


# ---------------------------------------------------------------- claims

def _visible(query: Select[Any], user: AppUser) -> Select[Any]:
    """Narrow ``query`` (over ExpenseClaim joined to its Employee) to the claims ``user`` may see."""
    if user.role == "admin" or user.role in expenses.READ_ALL_ROLES:
        return query
    if user.employee_id is None:
        return query.where(False)
    return query.where(or_(ExpenseClaim.employee_id == user.employee_id, Employee.manager_id == user.employee_id))


def claim_rows(session: Session, user: AppUser, *, mine: bool = False, statuses: tuple[str, ...] | None = None,
               start: date | None = None, end: date | None = None, department: str | None = None,
               search: str | None = None, limit: int = LIST_LIMIT) -> list[dict[str, Any]]:
    """Claims ``user`` may see (``mine``: only their own), newest first."""
    query = (select(ExpenseClaim.id, ExpenseClaim.doc_no, ExpenseClaim.claim_date, Employee.name.label("claimant"),
                    ExpenseClaim.department, ExpenseClaim.status, ExpenseClaim.total_amount, ExpenseClaim.payee,
                    ExpenseClaim.required_levels, ExpenseClaim.approved_levels, ExpenseClaim.reimbursed_on)
             .join(Employee, Employee.id == ExpenseClaim.employee_id))
    query = query.where(ExpenseClaim.employee_id == (user.employee_id or -1)) if mine else _visible(query, user)
    if statuses:
        query = query.where(ExpenseClaim.status.in_(statuses))
    if start is not None:
        query = query.where(ExpenseClaim.claim_date >= start)
    if end is not None:
        query = query.where(ExpenseClaim.claim_date <= end)
    if department:
        query = query.where(ExpenseClaim.department == department)
    if search:
        like = f"%{search.strip()}%"
        query = query.where(or_(ExpenseClaim.doc_no.ilike(like), Employee.name.ilike(like),
                                ExpenseClaim.payee.ilike(like)))
    rows = session.execute(query.order_by(ExpenseClaim.claim_date.desc(), ExpenseClaim.id.desc()).limit(limit))
    return [dict(row._mapping) for row in rows]


def approval_queue(session: Session, user: AppUser) -> list[dict[str, Any]]:
    """Submitted claims waiting for a level ``user`` may approve now."""
    claims = session.execute(select(ExpenseClaim).where(ExpenseClaim.status == "submitted")
                             .order_by(ExpenseClaim.claim_date, ExpenseClaim.id)).scalars()
    wanted = {c.id for c in claims if expenses.may_decide(session, user, c)}
    rows = claim_rows(session, user, statuses=("submitted",), limit=100_000) if wanted else []
    out = [r for r in rows if r["id"] in wanted]
    for row in out:
        row["next_level"] = row["approved_levels"] + 1
    return sorted(out, key=lambda r: (r["claim_date"], r["id"]))


def is_approver(session: Session, user: AppUser) -> bool:
    """Whether ``user`` approves claims at some level: by role, or as somebody's line manager."""
    if user.role == "admin" or any(user.role in level.roles for level in expenses.APPROVAL_LEVELS):
        return True
    return user.employee_id is not None and session.execute(
        select(Employee.id).where(Employee.manager_id == user.employee_id).limit(1)).first() is not None


def payment_queue(session: Session, user: AppUser) -> list[dict[str, Any]]:
    """Approved claims waiting to be paid (finance)."""
    return sorted(claim_rows(session, user, statuses=("approved",), limit=100_000),
                  key=lambda r: (r["claim_date"], r["id"]))


@dataclass(frozen=True)
class ClaimDetail:
    id: int
    doc_no: str
    employee_id: int
    claimant: str
    department: str | None
    claim_date: date
    status: str
    total_amount: Decimal
    payee: str | None
    note: str | None
    required_levels: int
    approved_levels: int
    reimbursed_account: str | None
    reimbursed_on: date | None
    lines: list[dict[str, Any]]
    steps: list[dict[str, Any]]


def claim_detail(session: Session, user: AppUser, claim_id: int) -> ClaimDetail | None:
    """The claim with its lines and trail, or None when ``user`` may not see it."""
    claim = session.get(ExpenseClaim, claim_id)
    if claim is None or not expenses.may_view(session, user, claim):
        return None
    employee = session.get(Employee, claim.employee_id)
    account = session.get(CashAccount, claim.reimbursed_account_id) if claim.reimbursed_account_id else None
    lines = [dict(row._mapping) for row in session.execute(
        select(ExpenseClaimLine.line_no, ExpenseClaimLine.category_id, ExpenseCategory.name.label("expense_category"),
               ExpenseClaimLine.expense_date,
               ExpenseClaimLine.amount, ExpenseClaimLine.description, ExpenseClaimLine.invoice_no)
        .join(ExpenseCategory, ExpenseCategory.id == ExpenseClaimLine.category_id)
        .where(ExpenseClaimLine.claim_id == claim.id).order_by(ExpenseClaimLine.line_no))]
    steps = [dict(row._mapping) for row in session.execute(
        select(ExpenseApprovalStep.step, ExpenseApprovalStep.level, AppUser.display_name.label("user_name"),
               ExpenseApprovalStep.at, ExpenseApprovalStep.note)
        .outerjoin(AppUser, AppUser.id == ExpenseApprovalStep.user_id)
        .where(ExpenseApprovalStep.claim_id == claim.id).order_by(ExpenseApprovalStep.id))]
    return ClaimDetail(claim.id, claim.doc_no, claim.employee_id, employee.name, claim.department, claim.claim_date,
                       claim.status, claim.total_amount, claim.payee, claim.note, claim.required_levels,
                       claim.approved_levels, f"{account.code} {account.name}" if account else None,
                       claim.reimbursed_on, lines, steps)


def claim_id_by_doc_no(session: Session, doc_no: str) -> int | None:
    return session.execute(select(ExpenseClaim.id).where(ExpenseClaim.doc_no == doc_no)).scalar_one_or_none()


def own_claim_choices(session: Session, user: AppUser, statuses: tuple[str, ...]) -> list[tuple[int, str]]:
    """(id, label) of the user's own claims in ``statuses`` (for submit / cancel)."""
    rows = claim_rows(session, user, mine=True, statuses=statuses, limit=200)
    return [(r["id"], f"{r['doc_no']} {r['claim_date']} ¥{r['total_amount']:,.2f}") for r in rows]


# ---------------------------------------------------------------- choices

def category_choices(session: Session) -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in session.execute(
        select(ExpenseCategory).where(ExpenseCategory.is_active.is_(True)).order_by(ExpenseCategory.id)).scalars()]


def employee_choices(session: Session) -> list[tuple[int, str]]:
    return [(e.id, f"{e.code} {e.name}" + (f"（{e.department}）" if e.department else "")) for e in session.execute(
        select(Employee).where(Employee.status == "active").order_by(Employee.code)).scalars()]


def departments(session: Session) -> list[str]:
    return [d for d in session.execute(select(Employee.department).where(Employee.department.is_not(None))
                                       .distinct().order_by(Employee.department)).scalars()]


# ---------------------------------------------------------------- cash

def account_rows(session: Session) -> list[dict[str, Any]]:
    """Every account with its balance and last movement date."""
    last = dict(session.execute(select(CashLedger.account_id, func.max(CashLedger.entry_date))
                                .group_by(CashLedger.account_id)).all())
    return [{"account_id": a.id, "account_code": a.code, "account_name": a.name, "account_kind": a.kind,
             "bank_name": a.bank_name, "account_no": a.account_no, "currency": a.currency,
             "allow_overdraft": a.allow_overdraft, "account_balance": a.balance, "is_active": a.is_active,
             "last_entry_date": last.get(a.id)}
            for a in expenses.cash.accounts(session, active_only=False)]


def ledger_rows(session: Session, account_id: int, *, start: date | None = None, end: date | None = None,
                kinds: tuple[str, ...] | None = None, search: str | None = None,
                limit: int = 2000) -> list[dict[str, Any]]:
    """An account's ledger in posting order with the balance after each row (the running balance
    counts every earlier row, filtered out or not), newest first."""
    user = aliased(AppUser)
    query = (select(CashLedger.id, CashLedger.entry_date, CashLedger.kind, CashLedger.amount, CashLedger.doc_type,
                    CashLedger.doc_no, CashLedger.counterparty, CashLedger.memo, user.display_name.label("user_name"))
             .outerjoin(user, user.id == CashLedger.created_by)
             .where(CashLedger.account_id == account_id)
             .order_by(CashLedger.entry_date, CashLedger.id))
    running = Decimal(0)
    out = []
    for row in session.execute(query):
        running += row.amount
        if start is not None and row.entry_date < start or end is not None and row.entry_date > end:
            continue
        if kinds and row.kind not in kinds:
            continue
        if search and not any(search.strip().lower() in (v or "").lower()
                              for v in (row.doc_no, row.counterparty, row.memo)):
            continue
        item = dict(row._mapping)
        item["amount_in"] = row.amount if row.amount > 0 else Decimal(0)
        item["amount_out"] = -row.amount if row.amount < 0 else Decimal(0)
        item["balance_after"] = running
        out.append(item)
    return list(reversed(out))[:limit]


def transfer_legs(session: Session, doc_no: str) -> list[dict[str, Any]]:
    """Both rows of a cash transfer (CT-…)."""
    return [dict(row._mapping) for row in session.execute(
        select(CashAccount.code.label("account_code"), CashAccount.name.label("account_name"), CashLedger.entry_date,
               CashLedger.kind, CashLedger.amount, CashLedger.memo)
        .join(CashAccount, CashAccount.id == CashLedger.account_id)
        .where(CashLedger.doc_type == "cash_transfer", CashLedger.doc_no == doc_no).order_by(CashLedger.id))]


def step_time(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M")
