"""Customer credit (信用控制): confirming a sales order checks the customer's exposure against its
credit limit; beyond it, only a manager's recorded approval lets the order through.

Exposure = the unshipped value of the customer's other confirmed or partly shipped orders + this
order + invoiced receivables still open (every instalment's amount less what is settled) − the
customer's unapplied credits (advances on receipts, unapplied credit notes: ``receivables.unapplied``,
the one rule shared with the aging and the statement), never below the orders' part. Goods shipped but not yet invoiced are not counted: the demo simulator decides
credit from its own order book before any invoice exists, and counting them would make it and
this check disagree. A credit limit of 0 means no limit is set and the order is not checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import (
    CONFIRMED,
    PARTIAL,
    AppUser,
    CreditApproval,
    Customer,
    SalesOrder,
    SalesOrderLine,
)
from operational.services import receivables
from operational.services.auth import require_role
from operational.services.errors import DomainError
from operational.services.validation import get_or_fail

CENT = Decimal("0.01")
ZERO = Decimal(0)
APPROVER_ROLES = ("manager",)


class CreditLimitError(DomainError):
    """Confirming the order would take the customer beyond its credit limit."""


@dataclass(frozen=True)
class CreditCheck:
    credit_limit: Decimal
    open_orders: Decimal  # unshipped value of the customer's other open orders
    this_order: Decimal
    receivables: Decimal = Decimal(0)  # invoiced and not yet settled
    unapplied_credits: Decimal = Decimal(0)  # advances and unapplied credit notes

    @property
    def exposure(self) -> Decimal:
        # Credits offset what is owed, not the orders: an advance larger than the open invoices
        # does not lower the exposure below the orders' value.
        owed = max(self.receivables - self.unapplied_credits, Decimal(0))
        return self.open_orders + self.this_order + owed

    @property
    def within_limit(self) -> bool:
        return self.credit_limit <= 0 or self.exposure <= self.credit_limit


def unshipped_value(lines: Iterable[tuple[Decimal, Decimal, Decimal]]) -> Decimal:
    """(quantity, shipped + cancelled, gross amount) per order line → the value still to ship, at the
    lines' prices with VAT (what the customer will owe), rounded once to the cent (cancelled
    quantity is never due)."""
    total = Decimal(0)
    for qty, shipped, amount in lines:
        if qty > 0 and shipped < qty:
            total += amount * (qty - shipped) / qty
    return total.quantize(CENT, ROUND_HALF_UP)


def open_order_value(session: Session, customer_id: int, *, excluding_order_id: int | None = None) -> Decimal:
    """Value still to ship (neither shipped nor cancelled) of the customer's confirmed and partly
    shipped orders."""
    stmt = (select(SalesOrderLine.quantity, SalesOrderLine.shipped_qty + SalesOrderLine.cancelled_qty,
                   SalesOrderLine.gross_amount)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .where(SalesOrder.customer_id == customer_id, SalesOrder.status.in_((CONFIRMED, PARTIAL))))
    if excluding_order_id is not None:
        stmt = stmt.where(SalesOrder.id != excluding_order_id)
    return unshipped_value(session.execute(stmt))


def check_credit(session: Session, order: SalesOrder) -> CreditCheck:
    customer = session.get(Customer, order.customer_id)
    return CreditCheck(credit_limit=customer.credit_limit,
                       open_orders=open_order_value(session, order.customer_id, excluding_order_id=order.id),
                       this_order=order.gross_amount,  # like the receivables: with VAT
                       receivables=receivables.outstanding(session, order.customer_id).get(order.customer_id, ZERO),
                       unapplied_credits=receivables.unapplied(session, order.customer_id).get(
                           order.customer_id, ZERO))


def ensure_within_limit(session: Session, order: SalesOrder) -> None:
    """Raise CreditLimitError unless the order is within the limit or a manager approved it."""
    customer = session.get(Customer, order.customer_id)
    if customer is not None and customer.credit_limit <= 0:
        return  # no limit set: nothing to check, so the exposure (four queries) is not computed
    result = check_credit(session, order)
    if result.within_limit or approval_for(session, order.id) is not None:
        return
    customer = session.get(Customer, order.customer_id)
    raise CreditLimitError("credit_limit_exceeded", record=order.doc_no, field="customer_id",
                           customer=customer.code, exposure=result.exposure, limit=result.credit_limit)


def orders_over_limit(session: Session) -> list[dict[str, object]]:
    """Draft sales orders that confirming would take beyond the customer's limit and that no
    manager has approved yet: the manager's approval worklist."""
    drafts = session.execute(select(SalesOrder).where(SalesOrder.status == "draft").order_by(SalesOrder.id)).scalars()
    found = []
    for order in drafts:
        result = check_credit(session, order)
        if not result.within_limit and approval_for(session, order.id) is None:
            customer = session.get(Customer, order.customer_id)
            found.append({"order_id": order.id, "doc_no": order.doc_no, "customer": f"{customer.code} {customer.name}",
                          "exposure": result.exposure, "credit_limit": result.credit_limit})
    return found


def approval_for(session: Session, order_id: int) -> CreditApproval | None:
    return session.execute(select(CreditApproval).where(CreditApproval.sales_order_id == order_id)
                           .order_by(CreditApproval.id.desc()).limit(1)).scalar_one_or_none()


def approve_credit(session: Session, order_id: int | None, user_id: int | None, *,
                   note: str | None = None) -> CreditApproval:
    """Record a manager's approval to confirm the order beyond the limit (who, when, the exposure)."""
    order = get_or_fail(session, SalesOrder, order_id, "sales_order", field="order_id")
    user = session.get(AppUser, user_id) if user_id is not None else None
    require_role(user, *APPROVER_ROLES)
    result = check_credit(session, order)
    approval = CreditApproval(sales_order_id=order.id, approved_by=user.id, exposure=result.exposure,
                              credit_limit=result.credit_limit, note=(note or "").strip() or None)
    session.add(approval)
    session.flush()
    return approval
