"""Expense budgets (费用预算) per category and month, for one department or the whole company, and
budget versus actual read straight from the store (the mart ``mart_budget_vs_actual`` computes the
same numbers in the warehouse).

- Setting a budget again replaces its amount and appends a ``budget_revision`` row (version 1,
  2, ...), so the history of every budget is kept and the current amount is one row.
- ``department`` None is the company-wide budget of a category; its actual is the spending of
  every department.
- Actual spending = lines of claims that are approved or reimbursed (``ACTUAL_STATES``), in the
  month of the line's expense date. Variance = actual − budget (positive: over budget);
  variance % = variance ÷ budget × 100, None without a budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.models import (
    AppUser,
    Budget,
    BudgetRevision,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseClaimLine,
)
from operational.services import auth
from operational.services.errors import ValidationError
from operational.services.validation import get_or_fail, non_negative, required_date

BUDGET_ROLES = ("finance",)
ACTUAL_STATES = ("approved", "reimbursed")
CENT = Decimal("0.01")


def month_start(day: date) -> date:
    return day.replace(day=1)


def set_budget(session: Session, actor: AppUser | None, category_id: Any, month: Any, amount: Any, *,
               department: str | None = None, note: str | None = None) -> Budget:
    """Set the budget of a category for the month containing ``month`` (first day stored)."""
    auth.require_role(actor, *BUDGET_ROLES)
    category = get_or_fail(session, ExpenseCategory, category_id, "expense_category", field="category_id")
    first = month_start(required_date(month, "month"))
    value = non_negative(amount, "amount").quantize(CENT)
    if value != non_negative(amount, "amount"):
        raise ValidationError("invalid_number", field="amount", field_label="field.amount", value=amount)
    department = (department or "").strip() or None
    query = select(Budget).where(Budget.category_id == category.id, Budget.month == first)
    query = query.where(Budget.department.is_(None) if department is None else Budget.department == department)
    budget = session.execute(query.with_for_update()).scalar_one_or_none()
    previous = None
    if budget is None:
        budget = Budget(category_id=category.id, department=department, month=first, amount=value, version=1)
        session.add(budget)
    else:
        previous = budget.amount
        budget.amount = value
        budget.version += 1
    session.flush()
    session.add(BudgetRevision(budget_id=budget.id, version=budget.version, amount=value, previous_amount=previous,
                               set_by=actor.id if actor else None, note=(note or "").strip() or None))
    session.flush()
    return budget


def revisions(session: Session, budget_id: int) -> list[BudgetRevision]:
    return list(session.execute(select(BudgetRevision).where(BudgetRevision.budget_id == budget_id)
                                .order_by(BudgetRevision.version)).scalars())


@dataclass(frozen=True)
class BudgetLine:
    month: date
    category_id: int
    department: str | None  # None: the whole company
    budget: Decimal | None
    actual: Decimal
    variance: Decimal
    variance_pct: Decimal | None


def actual_spending(session: Session, start: date, end: date) -> dict[tuple[date, int, str | None], Decimal]:
    """Approved / reimbursed claim lines with expense dates in [start, end], per (month,
    category, department)."""
    rows = session.execute(
        select(ExpenseClaimLine.expense_date, ExpenseClaimLine.category_id, ExpenseClaim.department,
               ExpenseClaimLine.amount)
        .join(ExpenseClaim, ExpenseClaim.id == ExpenseClaimLine.claim_id)
        .where(ExpenseClaim.status.in_(ACTUAL_STATES), ExpenseClaimLine.expense_date.between(start, end)))
    out: dict[tuple[date, int, str | None], Decimal] = {}
    for spent, category_id, department, amount in rows:
        key = (month_start(spent), category_id, department)
        out[key] = out.get(key, Decimal(0)) + amount
    return out


def budget_vs_actual(session: Session, start: date, end: date) -> list[BudgetLine]:
    """Budget versus actual per month × category × department for the months of [start, end]:
    a row per departmental budget or spending, and per category a company row (department None)
    whose actual is every department's spending against the company-wide budget (if any)."""
    first, last = month_start(start), month_start(end)
    budgets = {(b.month, b.category_id, b.department): b.amount for b in session.execute(
        select(Budget).where(Budget.month.between(first, last))).scalars()}
    spent = actual_spending(session, first, _month_end(last))
    company: dict[tuple[date, int, str | None], Decimal] = {}
    for (month, category_id, _dept), amount in spent.items():
        key = (month, category_id, None)
        company[key] = company.get(key, Decimal(0)) + amount
    departmental = {k: v for k, v in spent.items() if k[2] is not None}
    keys = set(budgets) | set(departmental) | set(company)
    lines = []
    for key in sorted(keys, key=lambda k: (k[0], k[1], k[2] is not None, k[2] or "")):
        actual = (company if key[2] is None else departmental).get(key, Decimal(0))
        budget = budgets.get(key)
        variance = actual - (budget or Decimal(0))
        pct = (variance / budget * 100).quantize(CENT, ROUND_HALF_UP) if budget else None
        lines.append(BudgetLine(key[0], key[1], key[2], budget, actual, variance, pct))
    return lines


def _month_end(first: date) -> date:
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def budget_total(session: Session, month: date) -> Decimal:
    """Sum of the company-wide budgets of a month (a quick figure for forms)."""
    return Decimal(session.execute(select(func.coalesce(func.sum(Budget.amount), 0)).where(
        Budget.month == month_start(month), Budget.department.is_(None))).scalar_one())
