"""Expense claims (费用报销): filing, the approval flow by role and amount, reimbursement through
the cash ledger, and who may see and act on which claim.

The rules of the area, each in one place:

- Approval levels are data (``APPROVAL_LEVELS``): a level is required when the claim's total is
  *above* its threshold. Level 1 (every claim) is approved by a finance user or the claimant's
  own manager (``employee.manager_id``); level 2 (total above 5,000.00) by a user with the
  manager role (总经理). So 4,999.99 and 5,000.00 need one approval, 5,000.01 needs two — finance
  (or the line manager) first, then the general manager. Levels are approved in order, each by a
  different user, and never by the claimant (admins included).
- A claim is draft → submitted → approved → reimbursed, or rejected (a reason is required) /
  cancelled. Every step is one row of the append-only ``expense_approval_step`` (who, when,
  level, note).
- Reimbursement is by finance, out of one cash or bank account, through
  ``operational.services.cash.post``: kind ``expense_reimbursement`` when the employee is paid,
  ``other_expense`` when the claim names a third-party ``payee`` (rent to a landlord). An account
  that cannot cover it refuses with ``insufficient_funds`` and nothing is written.
- Who sees what: every user linked to an employee files and sees their own claims; finance
  files for anyone and sees all; managers and analysts see all; a line manager sees the claims
  they may approve.

Services take a ``Session`` and the acting ``AppUser`` and never commit; callers wrap them in
``operational.db.unit_of_work``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import (
    AppUser,
    CashAccount,
    Employee,
    ExpenseApprovalStep,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseClaimLine,
    utcnow,
)
from operational.services import auth, cash, numbering
from operational.services.errors import AuthError, StateError, ValidationError
from operational.services.validation import document_date, get_or_fail, positive, required_text

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ApprovalLevel:
    """One approval a claim needs when its total is above ``above``."""

    level: int
    above: Decimal
    roles: tuple[str, ...]  # roles whose users may approve at this level
    line_manager: bool  # the claimant's own manager (employee.manager_id) may approve too


# THE approval rule. Change it here (tests state it in numbers).
APPROVAL_LEVELS: tuple[ApprovalLevel, ...] = (
    ApprovalLevel(1, Decimal("0.00"), ("finance",), True),
    ApprovalLevel(2, Decimal("5000.00"), ("manager",), False),
)
CLERK_ROLES = ("finance",)  # besides admin: file claims for any employee, see every claim
REIMBURSE_ROLES = ("finance",)
READ_ALL_ROLES = ("finance", "manager", "analyst")
BUDGET_ROLES = ("finance",)

# Default catalogue (code, name), created by ``ensure_categories``.
DEFAULT_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("TRAVEL", "差旅费"),
    ("ENTERTAIN", "业务招待费"),
    ("OFFICE", "办公费"),
    ("TRANSPORT", "交通费"),
    ("TELECOM", "通讯费"),
    ("MARKETING", "市场推广费"),
    ("RENT", "租金"),
    ("UTILITIES", "水电费"),
)


@dataclass(frozen=True)
class ClaimLineInput:
    category_id: int | None
    expense_date: Any
    amount: Any
    description: str | None = None
    invoice_no: str | None = None


# ---------------------------------------------------------------- the rule

def required_levels(total: Decimal) -> tuple[ApprovalLevel, ...]:
    """The approval levels a claim of ``total`` needs, in the order they approve."""
    return tuple(level for level in APPROVAL_LEVELS if Decimal(total) > level.above)


def next_level(claim: ExpenseClaim) -> ApprovalLevel | None:
    """The level whose approval a submitted claim waits for (None when not waiting)."""
    if claim.status != "submitted" or claim.approved_levels >= claim.required_levels:
        return None
    return APPROVAL_LEVELS[claim.approved_levels]


def _is_admin(actor: AppUser | None) -> bool:
    return actor is not None and actor.role == "admin"


def is_own(actor: AppUser | None, claim: ExpenseClaim) -> bool:
    return actor is not None and actor.employee_id is not None and actor.employee_id == claim.employee_id


def qualifies(actor: AppUser | None, level: ApprovalLevel, employee: Employee) -> bool:
    """Whether ``actor`` holds what ``level`` asks for (role, or being the claimant's manager)."""
    if actor is None:
        return False
    if _is_admin(actor) or actor.role in level.roles:
        return True
    return level.line_manager and employee.manager_id is not None and actor.employee_id == employee.manager_id


def may_decide(session: Session, actor: AppUser | None, claim: ExpenseClaim) -> bool:
    """Whether ``actor`` may approve or reject the claim now: it waits for a level they qualify
    for, it is not their own, and they have not approved an earlier level of it."""
    level = next_level(claim)
    if actor is None or level is None or is_own(actor, claim):
        return False
    if not qualifies(actor, level, session.get(Employee, claim.employee_id)):
        return False
    return actor.id not in _approvers(session, claim.id)


def may_view(session: Session, actor: AppUser | None, claim: ExpenseClaim) -> bool:
    if actor is None:
        return False
    if _is_admin(actor) or actor.role in READ_ALL_ROLES or is_own(actor, claim):
        return True
    employee = session.get(Employee, claim.employee_id)
    return actor.employee_id is not None and employee.manager_id == actor.employee_id


def _approvers(session: Session, claim_id: int) -> set[int]:
    rows = session.execute(select(ExpenseApprovalStep.user_id).where(
        ExpenseApprovalStep.claim_id == claim_id, ExpenseApprovalStep.step == "approve")).scalars()
    return {uid for uid in rows if uid is not None}


def _require_actor(actor: AppUser | None) -> AppUser:
    if actor is None:
        raise AuthError("forbidden")
    return actor


def _require_filer(actor: AppUser | None, employee: Employee, record: str | None = None) -> AppUser:
    """Users file and edit claims of the employee their login is linked to; finance for anyone."""
    actor = _require_actor(actor)
    if _is_admin(actor) or actor.role in CLERK_ROLES or actor.employee_id == employee.id:
        return actor
    raise AuthError("expense_not_own", record=record or employee.code)


# ---------------------------------------------------------------- catalogue

def ensure_categories(session: Session) -> dict[str, ExpenseCategory]:
    """The default categories (created when missing), by code."""
    existing = {c.code: c for c in session.execute(select(ExpenseCategory)).scalars()}
    for code, name in DEFAULT_CATEGORIES:
        if code not in existing:
            existing[code] = ExpenseCategory(code=code, name=name, is_active=True)
            session.add(existing[code])
    session.flush()
    return existing


def create_category(session: Session, actor: AppUser | None, code: str, name: str) -> ExpenseCategory:
    auth.require_role(actor, *BUDGET_ROLES)
    code = required_text(code, "code")
    if session.execute(select(ExpenseCategory.id).where(ExpenseCategory.code == code)).first():
        raise ValidationError("duplicate", field="code", entity="entity.expense_category", key=code)
    category = ExpenseCategory(code=code, name=required_text(name, "name", record=code), is_active=True)
    session.add(category)
    session.flush()
    return category


# ---------------------------------------------------------------- filing

def _claim(session: Session, claim_id: Any) -> ExpenseClaim:
    """The claim, row-locked for the rest of the transaction (``FOR UPDATE`` on PostgreSQL; SQLite
    transactions are serialized already) and read fresh, so two clerks acting on one claim at once
    queue up: the second sees the first's state (a claim is never paid twice)."""
    get_or_fail(session, ExpenseClaim, claim_id, "expense_claim", field="claim_id")
    return session.get(ExpenseClaim, claim_id, with_for_update=True, populate_existing=True)


def _require_state(claim: ExpenseClaim, states: tuple[str, ...], action: str) -> None:
    if claim.status not in states:
        raise StateError("bad_state", record=claim.doc_no, state=f"state.{claim.status}", action=f"action.{action}")


def _lines(session: Session, lines: Sequence[ClaimLineInput], claim_date: date,
           record: str | None) -> list[ExpenseClaimLine]:
    if not lines:
        raise ValidationError("no_lines", field="lines", record=record)
    out = []
    for line_no, line in enumerate(lines, start=1):
        category = get_or_fail(session, ExpenseCategory, line.category_id, "expense_category",
                               field="category_id", line_no=line_no, record=record)
        if not category.is_active:
            raise ValidationError("inactive", field=f"lines.{line_no}.category_id", record=record, line_no=line_no,
                                  entity="entity.expense_category", key=category.name)
        try:
            # Money spent shortly before go-live may be claimed after it: the calendar bounds only.
            spent = document_date(line.expense_date, "expense_date", session=None, record=record)
        except ValidationError as err:
            raise ValidationError(err.code, field=f"lines.{line_no}.expense_date", record=record, line_no=line_no,
                                  **{k: v for k, v in err.params.items() if k != "line_no"}) from None
        if spent > claim_date:
            raise ValidationError("expense_after_claim", field=f"lines.{line_no}.expense_date", record=record,
                                  line_no=line_no, expense_date=spent.isoformat(), claim_date=claim_date.isoformat())
        amount = positive(line.amount, "amount", record=record, line_no=line_no)
        if amount != amount.quantize(CENT):
            raise ValidationError("invalid_number", field=f"lines.{line_no}.amount", record=record, line_no=line_no,
                                  field_label="field.amount", value=line.amount)
        out.append(ExpenseClaimLine(line_no=line_no, category_id=category.id, expense_date=spent, amount=amount,
                                    description=(line.description or "").strip() or None,
                                    invoice_no=(line.invoice_no or "").strip() or None))
    return out


def _step(session: Session, claim: ExpenseClaim, step: str, actor: AppUser | None, at: datetime,
          note: str | None = None, level: int | None = None) -> None:
    session.add(ExpenseApprovalStep(claim_id=claim.id, step=step, level=level, user_id=actor.id if actor else None,
                                    at=at, note=note))


def create_claim(session: Session, actor: AppUser | None, employee_id: Any, claim_date: Any,
                 lines: Sequence[ClaimLineInput], *, note: str | None = None, payee: str | None = None,
                 submit: bool = False, at: datetime | None = None) -> ExpenseClaim:
    """A claim of ``employee_id`` (users: their own; finance: anyone's), saved as a draft or
    submitted right away."""
    employee = get_or_fail(session, Employee, employee_id, "employee", field="employee_id")
    actor = _require_filer(actor, employee)
    day = document_date(claim_date, "claim_date", session=session)
    built = _lines(session, lines, day, None)
    claim = ExpenseClaim(doc_no=numbering.next_doc_no(session, "expense_claim", day), employee_id=employee.id,
                         department=employee.department, claim_date=day, status="draft",
                         total_amount=sum((line.amount for line in built), Decimal(0)),
                         payee=(payee or "").strip() or None, note=(note or "").strip() or None,
                         required_levels=0, approved_levels=0, created_by=actor.id, lines=built)
    session.add(claim)
    session.flush()
    if submit:
        submit_claim(session, actor, claim.id, at=at)
    return claim


def update_claim(session: Session, actor: AppUser | None, claim_id: Any, claim_date: Any,
                 lines: Sequence[ClaimLineInput], *, note: str | None = None,
                 payee: str | None = None) -> ExpenseClaim:
    """Replace a draft's date, lines, note and payee."""
    claim = _claim(session, claim_id)
    _require_filer(actor, session.get(Employee, claim.employee_id), claim.doc_no)
    _require_state(claim, ("draft",), "edit")
    day = document_date(claim_date, "claim_date", session=session, record=claim.doc_no)
    built = _lines(session, lines, day, claim.doc_no)
    claim.lines.clear()
    session.flush()  # the old line numbers are free before the new lines take them
    claim.lines.extend(built)
    claim.claim_date = day
    claim.total_amount = sum((line.amount for line in built), Decimal(0))
    claim.note = (note or "").strip() or None
    claim.payee = (payee or "").strip() or None
    session.flush()
    return claim


def submit_claim(session: Session, actor: AppUser | None, claim_id: Any, *, at: datetime | None = None) -> ExpenseClaim:
    """Send a draft for approval: the department is copied from the employee and the number of
    approval levels fixed from the total."""
    claim = _claim(session, claim_id)
    employee = session.get(Employee, claim.employee_id)
    actor = _require_filer(actor, employee, claim.doc_no)
    _require_state(claim, ("draft",), "submit")
    at = at or utcnow()
    claim.status = "submitted"
    claim.department = employee.department
    claim.required_levels = len(required_levels(claim.total_amount))
    claim.approved_levels = 0
    claim.submitted_at = at
    _step(session, claim, "submit", actor, at)
    session.flush()
    return claim


def _require_decider(session: Session, actor: AppUser | None, claim: ExpenseClaim, action: str) -> AppUser:
    actor = _require_actor(actor)
    _require_state(claim, ("submitted",), action)
    if is_own(actor, claim):
        raise AuthError("expense_self_approval", record=claim.doc_no)
    level = next_level(claim)
    if level is None or not qualifies(actor, level, session.get(Employee, claim.employee_id)):
        raise AuthError("expense_not_approver", record=claim.doc_no, level=level.level if level else 0)
    if actor.id in _approvers(session, claim.id):
        raise AuthError("expense_approved_already", record=claim.doc_no)
    return actor


def approve_claim(session: Session, actor: AppUser | None, claim_id: Any, note: str | None = None, *,
                  at: datetime | None = None) -> ExpenseClaim:
    """Approve the level the claim waits for; the last level makes it ``approved``."""
    claim = _claim(session, claim_id)
    actor = _require_decider(session, actor, claim, "approve")
    at = at or utcnow()
    claim.approved_levels += 1
    _step(session, claim, "approve", actor, at, (note or "").strip() or None, level=claim.approved_levels)
    if claim.approved_levels >= claim.required_levels:
        claim.status = "approved"
        claim.decided_at = at
    session.flush()
    return claim


def reject_claim(session: Session, actor: AppUser | None, claim_id: Any, reason: str | None, *,
                 at: datetime | None = None) -> ExpenseClaim:
    """Reject a submitted claim at the level it waits for; the reason is required."""
    claim = _claim(session, claim_id)
    actor = _require_decider(session, actor, claim, "reject")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("expense_reject_reason", field="reason", record=claim.doc_no)
    at = at or utcnow()
    claim.status = "rejected"
    claim.decided_at = at
    _step(session, claim, "reject", actor, at, reason, level=claim.approved_levels + 1)
    session.flush()
    return claim


def reimburse_claim(session: Session, actor: AppUser | None, claim_id: Any, account_id: Any, on: Any, *,
                    at: datetime | None = None) -> ExpenseClaim:
    """Pay an approved claim out of ``account_id`` on ``on``: one cash-ledger row for the total.
    Refused (nothing written) when the account cannot cover it."""
    auth.require_role(actor, *REIMBURSE_ROLES)
    claim = _claim(session, claim_id)
    _require_state(claim, ("approved",), "reimburse")
    if is_own(actor, claim):
        raise AuthError("expense_self_approval", record=claim.doc_no)
    account = get_or_fail(session, CashAccount, account_id, "cash_account", field="account_id", record=claim.doc_no)
    day = document_date(on, "reimbursed_on", session=session, record=claim.doc_no)
    if day < claim.claim_date:
        raise ValidationError("date_order", field="reimbursed_on", record=claim.doc_no,
                              field_label="field.reimbursed_on", other_label="field.claim_date")
    employee = session.get(Employee, claim.employee_id)
    # The money moves first: a refusal raises before the claim changes (and the caller's unit of
    # work rolls back anyway).
    cash.post(session, account.id, day, -claim.total_amount,
              "other_expense" if claim.payee else "expense_reimbursement",
              doc_type="expense_claim", doc_id=claim.id, doc_no=claim.doc_no,
              counterparty=claim.payee or employee.name, memo=claim.note, user=actor, field="account_id")
    at = at or utcnow()
    claim.status = "reimbursed"
    claim.reimbursed_account_id = account.id
    claim.reimbursed_on = day
    _step(session, claim, "reimburse", actor, at, account.code)
    session.flush()
    return claim


def cancel_claim(session: Session, actor: AppUser | None, claim_id: Any, note: str | None = None, *,
                 at: datetime | None = None) -> ExpenseClaim:
    """The claimant (or finance) cancels a draft or a claim still waiting for approval; finance
    also cancels an approved claim not yet paid. A reimbursed claim stays."""
    claim = _claim(session, claim_id)
    actor = _require_filer(actor, session.get(Employee, claim.employee_id), claim.doc_no)
    clerk = _is_admin(actor) or actor.role in CLERK_ROLES
    _require_state(claim, ("draft", "submitted", "approved") if clerk else ("draft", "submitted"), "cancel")
    at = at or utcnow()
    claim.status = "cancelled"
    _step(session, claim, "cancel", actor, at, (note or "").strip() or None)
    session.flush()
    return claim


def history(session: Session, claim_id: int) -> list[ExpenseApprovalStep]:
    """The claim's trail, oldest first."""
    return list(session.execute(select(ExpenseApprovalStep).where(ExpenseApprovalStep.claim_id == claim_id)
                                .order_by(ExpenseApprovalStep.id)).scalars())
