"""Collection (催收): the worklist of customers with overdue receivables, follow-up notes with
promised payment dates, and reminders when a promise is broken.

* Worklist (as of a date): per customer with something overdue — overdue amount (instalments
  past their due date, not settled as of that date, less the customer's money not yet applied,
  taken oldest due date first), the oldest overdue instalment's age, the net balance (open
  instalments − unapplied money) and the unapplied money, the latest note and its promise —
  ordered by overdue amount (largest first), then age (oldest first).
* A promise is the latest note of a customer that names a promised date. It is **broken** on a
  report date when the promised date has passed (before the report date) and the customer paid
  less than the promised amount from the note's date up to the report date; **kept** once
  receipts since the note reach the promised amount; otherwise **open**.
* Sales reps see only their own customers (``Customer.salesperson_id`` = their employee).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.models import AppUser, CollectionNote, Customer, CustomerReceipt
from operational.models.receivables import COLLECTION_CHANNELS
from operational.services import auth, open_items
from operational.services.errors import ValidationError
from operational.services.receivables import AR
from operational.services.validation import (
    choice,
    document_date,
    get_or_fail,
    positive,
    required_date,
    required_text,
)

NOTE_ROLES = ("finance", "sales")
ALL_CUSTOMER_ROLES = ("admin", "finance", "manager", "analyst")
KEPT, BROKEN, OPEN = "kept", "broken", "open"


@dataclass(frozen=True)
class Promise:
    note_id: int
    customer_id: int
    note_date: date
    promised_date: date
    promised_amount: Decimal
    received: Decimal  # receipts from the note date up to the report date
    state: str


def visible_customers(session: Session, user: AppUser | None) -> set[int] | None:
    """The customers a user may see in collection: None = all (finance, manager, admin, analyst);
    a sales rep only those he is the salesperson of."""
    if user is None or user.role in ALL_CUSTOMER_ROLES:
        return None
    if user.employee_id is None:
        return set()
    return set(session.execute(select(Customer.id).where(Customer.salesperson_id == user.employee_id)).scalars())


def record_follow_up(session: Session, customer_id: int | None, note_date: Any, channel: str, note: str, *,
                     contact: str | None = None, promised_date: Any = None, promised_amount: Any = None,
                     user: AppUser | None) -> CollectionNote:
    """Write down a collection contact; a promise needs both its date (not before the note) and amount."""
    auth.require_role(user, *NOTE_ROLES)
    customer = get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
    on = document_date(note_date, "note_date", session=session)
    promise_on = required_date(promised_date, "promised_date") if promised_date not in (None, "") else None
    amount = positive(promised_amount, "promised_amount") if promised_amount not in (None, "") else None
    if (promise_on is None) != (amount is None):
        raise_field = "promised_amount" if amount is None else "promised_date"
        raise ValidationError("required", field=raise_field, field_label=f"field.{raise_field}", record=customer.code)
    if promise_on is not None and promise_on < on:
        raise ValidationError("date_order", field="promised_date", field_label="field.promised_date",
                              other_label="field.note_date", record=customer.code)
    row = CollectionNote(customer_id=customer.id, note_date=on, channel=choice(channel, COLLECTION_CHANNELS, "channel"),
                         contact=(contact or "").strip() or None, note=required_text(note, "note"),
                         promised_date=promise_on, promised_amount=amount, created_by=user.id if user else None)
    session.add(row)
    session.flush()
    return row


def _received_since(session: Session, pairs: dict[int, date], as_of: date) -> dict[int, Decimal]:
    """Per customer: receipts dated from its date in ``pairs`` to ``as_of`` (inclusive)."""
    if not pairs:
        return {}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    rows = session.execute(select(CustomerReceipt.customer_id, CustomerReceipt.receipt_date, CustomerReceipt.amount)
                           .where(CustomerReceipt.customer_id.in_(list(pairs)), CustomerReceipt.status == "posted",
                                  CustomerReceipt.receipt_date <= as_of,
                                  CustomerReceipt.receipt_date >= min(pairs.values())))
    for cid, on, amount in rows:
        if on >= pairs[cid]:
            totals[cid] += Decimal(amount)
    return totals


def promises(session: Session, as_of: date, *, customer_ids: set[int] | None = None) -> dict[int, Promise]:
    """The latest promise (note with a promised date, dated ≤ ``as_of``) of each customer and its state."""
    latest = (select(CollectionNote.customer_id, func.max(CollectionNote.id).label("nid"))
              .where(CollectionNote.promised_date.is_not(None), CollectionNote.note_date <= as_of)
              .group_by(CollectionNote.customer_id).subquery())
    notes = session.execute(select(CollectionNote).join(latest, latest.c.nid == CollectionNote.id)).scalars().all()
    if customer_ids is not None:
        notes = [n for n in notes if n.customer_id in customer_ids]
    received = _received_since(session, {n.customer_id: n.note_date for n in notes}, as_of)
    result = {}
    for n in notes:
        got = received.get(n.customer_id, Decimal(0))
        if got >= n.promised_amount:
            state = KEPT
        elif n.promised_date < as_of:
            state = BROKEN
        else:
            state = OPEN
        result[n.customer_id] = Promise(n.id, n.customer_id, n.note_date, n.promised_date, n.promised_amount,
                                        got, state)
    return result


def broken_promises(session: Session, as_of: date, *, customer_ids: set[int] | None = None) -> list[Promise]:
    """Reminders: promises whose date has passed with less than promised received since the note,
    the oldest promised date first."""
    found = [p for p in promises(session, as_of, customer_ids=customer_ids).values() if p.state == BROKEN]
    return sorted(found, key=lambda p: (p.promised_date, p.customer_id))


def worklist(session: Session, as_of: date, *, customer_ids: set[int] | None = None) -> list[dict[str, Any]]:
    """Customers with something overdue on ``as_of``, largest overdue amount first, then oldest.

    Amounts are net of the customer's money not yet applied (``open_items.unapplied``): the
    outstanding is the net balance, and the overdue amount, count and age are what would still be
    overdue had that money been applied oldest due date first (as allocation does). A customer
    whose advances cover everything overdue is not on the list."""
    per: dict[int, dict[str, Any]] = {}
    credit = open_items.unapplied(session, AR, as_of)
    left: dict[int, Decimal] = dict(credit)
    for item in open_items.balances(session, AR, as_of):  # oldest due date first within a customer
        if customer_ids is not None and item.partner_id not in customer_ids:
            continue
        row = per.setdefault(item.partner_id, {"customer_id": item.partner_id,
                                               "outstanding": -credit.get(item.partner_id, Decimal(0)),
                                               "unapplied_amount": credit.get(item.partner_id, Decimal(0)),
                                               "overdue_amount": Decimal(0), "overdue_days": 0,
                                               "overdue_instalments": 0})
        row["outstanding"] += item.outstanding
        covered = min(left.get(item.partner_id, Decimal(0)), item.outstanding)
        left[item.partner_id] = left.get(item.partner_id, Decimal(0)) - covered
        still_open = item.outstanding - covered
        age = open_items.age_days(as_of, item.due_date)
        if age > 0 and still_open > 0:
            row["overdue_amount"] += still_open
            row["overdue_instalments"] += 1
            row["overdue_days"] = max(row["overdue_days"], age)
    rows = [r for r in per.values() if r["overdue_amount"] > 0]
    if not rows:
        return []
    ids = [r["customer_id"] for r in rows]
    names = {c.id: c for c in session.execute(select(Customer).where(Customer.id.in_(ids))).scalars()}
    last_note = dict(session.execute(select(CollectionNote.customer_id, func.max(CollectionNote.note_date))
                                     .where(CollectionNote.customer_id.in_(ids), CollectionNote.note_date <= as_of)
                                     .group_by(CollectionNote.customer_id)).all())
    promise = promises(session, as_of, customer_ids=set(ids))
    for r in rows:
        c = names[r["customer_id"]]
        p = promise.get(c.id)
        r.update(code=c.code, name=c.name, salesperson_id=c.salesperson_id, phone=c.phone,
                 last_note_date=last_note.get(c.id), promised_date=p.promised_date if p else None,
                 promised_amount=p.promised_amount if p else None, promise_state=p.state if p else None)
    rows.sort(key=lambda r: (-r["overdue_amount"], -r["overdue_days"], r["code"]))
    return rows


def notes(session: Session, *, customer_ids: set[int] | None = None, customer_id: int | None = None,
          start: date | None = None, end: date | None = None) -> list[CollectionNote]:
    query = select(CollectionNote).order_by(CollectionNote.note_date.desc(), CollectionNote.id.desc())
    if customer_id is not None:
        query = query.where(CollectionNote.customer_id == customer_id)
    if start is not None:
        query = query.where(CollectionNote.note_date >= start)
    if end is not None:
        query = query.where(CollectionNote.note_date <= end)
    found = list(session.execute(query).scalars())
    return [n for n in found if customer_ids is None or n.customer_id in customer_ids]
