"""The demo company's receivables pass (应收): invoices for its shipments, customer receipts into
the bank, credit notes for sales returns, collection follow-ups and bad-debt write-offs — all
through ``operational.services.receivables`` and ``collection``, one unit of work per day.

What happens:

- First call: the company's accounts B01 工商银行基本户 (3,000,000.00), B02 招商银行一般户
  (500,000.00) and C01 库存现金 (20,000.00) are opened on the first day if missing, and the
  payment terms "30/60/90 in thirds" and "50 % at 30, 50 % at 60 days" are created; about 12 % of
  the customers get the first, 8 % the second (the rest keep their single ``payment_terms_days``).
- Invoicing: most customers are invoiced per day for what was shipped to them that day (one
  invoice per customer and day); about 20 % are invoiced monthly, on the month's last day.
- Paying behaviour comes from the customer's code (the same customer behaves the same in every
  run): ≈ 60 % prompt (a few days before to 3 days after the due date), 25 % late (10–40 days),
  12 % very late (60–150 days), ≈ 3 % bad debt (they pay late for their first 120 days of
  invoices, then stop). A quarter of the customers pay once a month (on the 25th) whatever is due
  by then — one receipt covering several invoices; about one in ten round their payment up to the
  next hundred, which stays as an advance and is applied to their next invoice.
- Receipts go into B01 (most) or B02. Sales returns get their credit note on the return day.
- Collection: when an instalment is 15 days overdue, finance calls about a third of the time and
  notes a promise — kept when the customer was going to pay within two weeks, otherwise a promise
  one week out that will be broken.
- Bad debt: an instalment 180 days overdue of a customer who stopped paying makes finance request
  a write-off of the invoice's outstanding; the manager approves it two days later.

Randomness comes from ``random.Random(f"{seed}|receivables|...")`` keyed by the customer code or
document number; which documents to handle is read from the store, so days 1–10 then 11–20 give
the same store as 1–20 at once.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from operational.db import unit_of_work
from operational.models import (
    AppUser,
    ArInstalment,
    BadDebtWriteOff,
    CashAccount,
    CreditNote,
    Customer,
    InvoicedShipmentLine,
    PaymentTerm,
    SalesInvoice,
    SalesReturn,
    Shipment,
    ShipmentLine,
)
from operational.services import cash, collection
from operational.services import receivables as ar

ACCOUNTS = (("B01", "工商银行基本户", "bank", "中国工商银行", Decimal("3000000.00")),
            ("B02", "招商银行一般户", "bank", "招商银行", Decimal("500000.00")),
            ("C01", "库存现金", "cash", None, Decimal("20000.00")))
TERMS = (("T306090", "30/60/90天各三分之一", [("33.3333", 30), ("33.3333", 60), ("33.3334", 90)]),
         ("T3060", "30天50%，60天50%", [("50", 30), ("50", 60)]))
PROMPT, LATE, VERY_LATE, BAD = "prompt", "late", "very_late", "bad"
BAD_AFTER_DAYS = 120  # bad debtors pay for invoices of their first 120 days, then stop
WRITE_OFF_AFTER = 180  # days overdue before finance asks to write off
APPROVAL_DELAY = 2
CALL_AT_OVERDUE = 15
MONTHLY_PAY_DAY = 25
MONTHLY_INVOICE_SHARE = 0.35  # 月结: invoiced once a month
MONTHLY_PAYER_SHARE = 0.40  # pay once a month, on the 25th, whatever is due by then
CHANNELS = ("call", "call", "wechat", "visit", "email")
CONTACTS = ("财务王姐", "老板", "会计小李", "采购经理", "出纳")
PROMISE_NOTES = ("客户承诺月底前付款", "财务说本周安排付款", "老板答应下周转账", "对账无误，承诺按期付款")
REASON = "客户长期拖欠，经多次催收无果，已停止经营"


@dataclass(frozen=True)
class Behaviour:
    kind: str
    monthly_invoice: bool
    monthly_payer: bool
    rounds_up: bool


def behaviour(code: str) -> Behaviour:
    """How a customer pays, from its code only (the same in every run and continuation)."""
    rng = random.Random(f"receivables|behaviour|{code}")
    x = rng.random()
    kind = PROMPT if x < 0.60 else LATE if x < 0.85 else VERY_LATE if x < 0.97 else BAD
    return Behaviour(kind, rng.random() < MONTHLY_INVOICE_SHARE, rng.random() < MONTHLY_PAYER_SHARE,
                     rng.random() < 0.10)


@dataclass
class _Open:
    """An open instalment the pass is tracking."""

    id: int
    invoice_id: int
    doc_no: str
    seq: int
    customer_id: int
    invoice_date: date
    due_date: date
    open: Decimal
    pay_on: date | None  # None: never (bad debt)


@dataclass
class _State:
    customers: dict[int, tuple[str, Behaviour]]
    first_invoice: dict[int, date]
    finance: AppUser | None  # loaded once; services read only id and role
    manager: AppUser | None
    accounts: dict[str, int]
    open: dict[int, _Open] = field(default_factory=dict)
    pending_write_offs: list[tuple[int, date]] = field(default_factory=list)
    written_off_invoices: set[int] = field(default_factory=set)
    called: set[int] = field(default_factory=set)
    has_credit: set[int] = field(default_factory=set)  # customers with advances / unapplied credit notes


def run(engine: Engine, days: Sequence[date], seed: int) -> None:
    """The receivables pass over ``days`` (ascending)."""
    if not days:
        return
    with unit_of_work(engine) as session:
        _set_up(session, days[0], seed)
        state = _load(session, seed)
        shipments = _uninvoiced_shipments(session, days[-1])
        returns = _returns_without_credit_note(session, days[-1])
    for day in days:
        with unit_of_work(engine) as session:
            _day(session, state, day, seed, shipments, returns)


def _set_up(session: Session, first_day: date, seed: int) -> None:
    have = set(session.execute(select(CashAccount.code)).scalars())
    for code, name, kind, bank_name, opening in ACCOUNTS:
        if code not in have:
            cash.create_account(session, code, name, kind=kind, bank_name=bank_name, opening_balance=opening,
                                opened_on=first_day)
    if session.execute(select(PaymentTerm.id).limit(1)).first() is not None:
        return
    terms = [ar.create_payment_term(session, code, name, lines).id for code, name, lines in TERMS]
    for customer in session.execute(select(Customer).order_by(Customer.id)).scalars():
        x = random.Random(f"{seed}|receivables|term|{customer.code}").random()
        if x < 0.12:
            customer.payment_term_id = terms[0]
        elif x < 0.20:
            customer.payment_term_id = terms[1]
    session.flush()


def _load(session: Session, seed: int) -> _State:
    customers = {cid: (code, behaviour(code)) for cid, code in session.execute(
        select(Customer.id, Customer.code).order_by(Customer.id))}
    first = dict(session.execute(select(SalesInvoice.customer_id, func.min(SalesInvoice.invoice_date))
                                 .group_by(SalesInvoice.customer_id)).all())
    users = {u.username: u for u in session.execute(select(AppUser).where(
        AppUser.username.in_(("finance", "manager")))).scalars()}
    accounts = dict(session.execute(select(CashAccount.code, CashAccount.id)).all())
    state = _State(customers, first, users.get("finance"), users.get("manager"), accounts)
    rows = session.execute(
        select(ArInstalment.id, ArInstalment.invoice_id, SalesInvoice.doc_no, ArInstalment.seq,
               SalesInvoice.customer_id, SalesInvoice.invoice_date, ArInstalment.due_date,
               ArInstalment.amount, ArInstalment.settled_amount)
        .join(SalesInvoice, SalesInvoice.id == ArInstalment.invoice_id)
        .where(SalesInvoice.status == "posted", ArInstalment.settled_amount < ArInstalment.amount)
        .order_by(ArInstalment.id))
    for iid, inv, doc_no, seq, cid, inv_date, due, amount, settled in rows:
        state.open[iid] = _track(state, seed, iid, inv, doc_no, seq, cid, inv_date, due, amount - settled)
    state.written_off_invoices = set(session.execute(
        select(BadDebtWriteOff.invoice_id).where(BadDebtWriteOff.status.in_(("requested", "approved")))).scalars())
    state.pending_write_offs = [(wid, requested) for wid, requested in session.execute(
        select(BadDebtWriteOff.id, BadDebtWriteOff.request_date).where(BadDebtWriteOff.status == "requested")
        .order_by(BadDebtWriteOff.id))]
    state.has_credit = set(ar.unapplied_credits(session))
    return state


def _track(state: _State, seed: int, iid: int, invoice_id: int, doc_no: str, seq: int, cid: int, inv_date: date,
           due: date, left: Decimal) -> _Open:
    _code, how = state.customers[cid]
    rng = random.Random(f"{seed}|receivables|pay|{doc_no}|{seq}")
    first = state.first_invoice.get(cid, inv_date)
    if how.kind == PROMPT:
        delay = rng.choice((-5, -3, -1, 0, 0, 0, 1, 2, 3))
    elif how.kind == LATE:
        delay = rng.randint(10, 40)
    elif how.kind == VERY_LATE:
        delay = rng.randint(60, 150)
    else:
        delay = rng.randint(20, 60) if (inv_date - first).days <= BAD_AFTER_DAYS else None
    pay_on = None if delay is None else max(due + timedelta(days=delay), inv_date)
    if pay_on is not None and how.monthly_payer:
        pay_on = _next_pay_day(pay_on)
    return _Open(iid, invoice_id, doc_no, seq, cid, inv_date, due, left, pay_on)


def _next_pay_day(on: date) -> date:
    if on.day <= MONTHLY_PAY_DAY:
        return on.replace(day=MONTHLY_PAY_DAY)
    nxt = (on.replace(day=1) + timedelta(days=32)).replace(day=MONTHLY_PAY_DAY)
    return nxt


def _uninvoiced_shipments(session: Session, last_day: date) -> dict[date, list[tuple[int, int]]]:
    """(shipment id, customer id) by ship date of every shipment with something not invoiced."""
    open_lines = (select(ShipmentLine.shipment_id)
                  .outerjoin(InvoicedShipmentLine, InvoicedShipmentLine.shipment_line_id == ShipmentLine.id)
                  .where(func.coalesce(InvoicedShipmentLine.invoiced_qty, 0) < ShipmentLine.quantity))
    rows = session.execute(
        select(Shipment.id, Shipment.customer_id, Shipment.ship_date)
        .where(Shipment.ship_date <= last_day, Shipment.id.in_(open_lines))
        .order_by(Shipment.ship_date, Shipment.id))
    found: dict[date, list[tuple[int, int]]] = defaultdict(list)
    for sid, cid, on in rows:
        found[on].append((sid, cid))
    return found


def _returns_without_credit_note(session: Session, last_day: date) -> dict[date, list[int]]:
    rows = session.execute(select(SalesReturn.id, SalesReturn.return_date)
                           .where(SalesReturn.return_date <= last_day, SalesReturn.status == "posted",
                                  ~SalesReturn.id.in_(select(CreditNote.sales_return_id)
                                                      .where(CreditNote.sales_return_id.is_not(None))))
                           .order_by(SalesReturn.return_date, SalesReturn.id))
    found: dict[date, list[int]] = defaultdict(list)
    for rid, on in rows:
        found[on].append(rid)
    return found


def _due(bucket: dict[date, list], day: date) -> list:
    """Everything keyed on or before ``day`` (missed earlier), removed from the bucket."""
    items = []
    for key in sorted(k for k in bucket if k <= day):
        items.extend(bucket.pop(key))
    return items


def _day(session: Session, state: _State, day: date, seed: int, shipments: dict[date, list[tuple[int, int]]],
         returns: dict[date, list[int]]) -> None:
    finance, manager = state.finance, state.manager
    month_end = (day + timedelta(days=1)).day == 1
    # 1. invoices: per customer and day; monthly customers wait for the month's last day
    waiting = _due(shipments, day)
    by_customer: dict[int, list[int]] = defaultdict(list)
    keep: list[tuple[int, int]] = []
    for sid, cid in waiting:
        if state.customers[cid][1].monthly_invoice and not month_end:
            keep.append((sid, cid))
        else:
            by_customer[cid].append(sid)
    if keep:
        shipments.setdefault(day + timedelta(days=1), []).extend(keep)
    groups = [sids for _cid, sids in sorted(by_customer.items())]
    for invoice in ar.invoice_shipment_groups(session, groups, day, user=finance) if groups else []:
        cid = invoice.customer_id
        state.first_invoice.setdefault(cid, day)
        for inst in invoice.instalments:
            state.open[inst.id] = _track(state, seed, inst.id, invoice.id, invoice.doc_no, inst.seq, cid, day,
                                         inst.due_date, inst.amount)
    # 2. credit notes for the day's returns (applied to the returned shipment's invoice)
    for rid in _due(returns, day):
        note = ar.issue_credit_note(session, rid, day, user=finance)
        if note.invoice_id is not None:
            _refresh(session, state, note.invoice_id)
        if note.unallocated_amount > 0:
            state.has_credit.add(note.customer_id)
    # 3. payments: what each customer planned to pay by today, one receipt per customer
    paying: dict[int, list[_Open]] = defaultdict(list)
    by_customer: dict[int, list[int]] = defaultdict(list)  # open instalment ids (a scan per customer was quadratic)
    for item in state.open.values():
        by_customer[item.customer_id].append(item.id)
        if item.pay_on is not None and item.pay_on <= day and item.open > 0:
            paying[item.customer_id].append(item)
    # A customer's credits and receipt touch only its own instalments, so the credits are applied
    # first and the day's receipts then posted as one batch (the day's bank statement).
    requests: list[tuple[int, list[_Open], Decimal, ar.ReceiptRequest]] = []
    for cid, items in sorted(paying.items()):
        code, how = state.customers[cid]
        rng = random.Random(f"{seed}|receivables|receipt|{code}|{day.isoformat()}")
        if cid in state.has_credit:
            ar.apply_open_credits(session, cid, day, user=finance)
            _refresh_customer(session, state, by_customer[cid])
            if cid not in ar.unapplied_credits(session, cid):
                state.has_credit.discard(cid)
        items = [i for i in items if i.open > 0]
        if not items:
            continue
        amount = sum((i.open for i in items), Decimal(0))
        paid = amount
        if how.rounds_up:
            paid = (amount / 100).to_integral_value(ROUND_CEILING) * 100
            if paid == amount:
                paid += 100
        account = state.accounts["B02"] if rng.random() < 0.2 else state.accounts["B01"]
        allocation = None if how.monthly_payer else [(i.id, i.open) for i in items]
        requests.append((cid, items, amount, ar.ReceiptRequest(cid, paid, account, allocation, method="transfer",
                                                               reference=f"网银{rng.randrange(10**8):08d}")))
    receipts = ar.receive_payments(session, day, [req for *_, req in requests], user=finance) if requests else []
    for (cid, items, amount, req), receipt in zip(requests, receipts, strict=True):
        if req.allocation is None:  # oldest first may have settled other instalments than these
            _refresh_customer(session, state, by_customer[cid])
        else:
            for i in items:
                i.open = Decimal(0)
        if req.amount > amount or receipt.unallocated_amount > 0:
            state.has_credit.add(cid)
    # 4. collection calls with promises; 5. write-offs of bad debt
    for item in sorted(state.open.values(), key=lambda i: i.id):
        if item.open <= 0:
            continue
        overdue = (day - item.due_date).days
        if overdue == CALL_AT_OVERDUE and item.id not in state.called:
            state.called.add(item.id)
            _call(session, state, item, day, seed, finance)
        if (overdue >= WRITE_OFF_AFTER and item.pay_on is None and item.invoice_id not in state.written_off_invoices
                and finance is not None):
            state.written_off_invoices.add(item.invoice_id)
            wo = ar.request_write_off(session, item.invoice_id, REASON, day, user=finance)
            state.pending_write_offs.append((wo.id, day))
    for wid, requested in list(state.pending_write_offs):
        if manager is not None and (day - requested).days >= APPROVAL_DELAY:
            state.pending_write_offs.remove((wid, requested))
            row = session.get(BadDebtWriteOff, wid)
            if ar.invoice_outstanding(session, row.invoice_id) >= row.amount:
                ar.approve_write_off(session, wid, day, user=manager, note="同意核销")
            else:  # a credit note settled part of it meanwhile: ask again with the right amount
                ar.reject_write_off(session, wid, day, user=manager, note="金额已变化，请重新申请")
                state.written_off_invoices.discard(row.invoice_id)
            _refresh(session, state, row.invoice_id)
    for iid in [i for i, item in state.open.items() if item.open <= 0]:
        del state.open[iid]


def _call(session: Session, state: _State, item: _Open, day: date, seed: int, finance: AppUser | None) -> None:
    rng = random.Random(f"{seed}|receivables|call|{item.doc_no}|{item.seq}")
    if rng.random() >= 1 / 3:
        return
    kept = item.pay_on is not None and item.pay_on <= day + timedelta(days=14)
    promised = max(item.pay_on, day + timedelta(days=1)) if kept and item.pay_on else day + timedelta(days=7)
    collection.record_follow_up(session, item.customer_id, day, rng.choice(CHANNELS), rng.choice(PROMISE_NOTES),
                                contact=rng.choice(CONTACTS), promised_date=promised, promised_amount=item.open,
                                user=finance)


def _refresh_customer(session: Session, state: _State, ids: list[int]) -> None:
    """Re-read what is open on a customer's tracked instalments (``ids``)."""
    for iid, amount, settled in session.execute(select(ArInstalment.id, ArInstalment.amount,
                                                       ArInstalment.settled_amount)
                                                .where(ArInstalment.id.in_(ids))):
        state.open[iid].open = amount - settled


def _refresh(session: Session, state: _State, invoice_id: int) -> None:
    """Re-read what is open on an invoice's instalments after something settled them."""
    for iid, amount, settled in session.execute(select(ArInstalment.id, ArInstalment.amount,
                                                       ArInstalment.settled_amount)
                                                .where(ArInstalment.invoice_id == invoice_id)):
        if iid in state.open:
            state.open[iid].open = amount - settled
