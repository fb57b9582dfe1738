"""Receivables (应收账款): sales invoices from shipments, their instalments from payment terms,
customer receipts with allocation (oldest first or chosen), advances, credit notes from sales
returns and bad-debt write-offs with a manager's approval.

Every settlement of an instalment goes through the shared machine ``open_items`` (AR side
``AR`` below), which writes one append-only ``ar_allocation`` row and moves the instalment's
``settled_amount`` with a conditional UPDATE, so an instalment is never settled beyond its amount.

Documents are posted when saved and never edited. An invoice may be cancelled only while
nothing at all is allocated to it (then its shipment lines can be invoiced again); a receipt's
or credit note's money that is not allocated stays on its ``unallocated_amount`` (an advance /
unapplied credit) until ``allocate_advance`` / ``apply_credit_note`` applies it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from operational.models import (
    AppUser,
    ArAllocation,
    ArInstalment,
    BadDebtWriteOff,
    CashAccount,
    CreditNote,
    CreditNoteLine,
    Customer,
    CustomerReceipt,
    InvoicedShipmentLine,
    PaymentTerm,
    PaymentTermLine,
    SalesInvoice,
    SalesInvoiceLine,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    Shipment,
    ShipmentLine,
)
from operational.models.base import utcnow
from operational.models.receivables import RECEIPT_METHODS
from operational.services import auth, cash, numbering, open_items, stock_cancellation, tax
from operational.services.errors import NotFoundError, StateError, ValidationError
from operational.services.open_items import DEFAULT_BUCKETS, MoneySource, OpenItemSide, Source
from operational.services.validation import (
    check_column_limits,
    choice,
    document_date,
    get_or_fail,
    positive,
    required_text,
)

CENT = Decimal("0.01")
FINANCE_ROLES = ("finance",)
APPROVER_ROLES = ("manager",)
POSTED, CANCELLED = "posted", "cancelled"
REQUESTED, APPROVED, REJECTED = "requested", "approved", "rejected"

AR = OpenItemSide(name="receivable", document_model=SalesInvoice, document_entity="sales_invoice",
                  partner_field="customer_id", date_field="invoice_date", document_field="invoice_id",
                  instalment_model=ArInstalment, allocation_model=ArAllocation,
                  # what stands to a customer's credit until applied (未核销): advances and the
                  # unallocated part of receipts (a reversed receipt leaves on its reversal date),
                  # and credit notes not yet applied
                  money_sources=(MoneySource("receipt", CustomerReceipt, "customer_id", "receipt_date",
                                             statuses=(POSTED,), reversed_status="reversed"),
                                 MoneySource("credit_note", CreditNote, "customer_id", "note_date")))

_ISL = InvoicedShipmentLine.__table__
_INVOICE_QTY = (update(_ISL)
                .where(_ISL.c.shipment_line_id == bindparam("sl"),
                       _ISL.c.invoiced_qty + bindparam("q", type_=_ISL.c.invoiced_qty.type)
                       <= bindparam("limit", type_=_ISL.c.invoiced_qty.type))
                .values(invoiced_qty=_ISL.c.invoiced_qty + bindparam("q", type_=_ISL.c.invoiced_qty.type),
                        updated_at=bindparam("now")))


def _uid(user: AppUser | None) -> int | None:
    return user.id if user is not None else None


# --- payment terms -------------------------------------------------------------------------------

def create_payment_term(session: Session, code: str, name: str, lines: Sequence[tuple[Any, Any]]) -> PaymentTerm:
    """A payment term such as "30/60/90 in thirds": ``lines`` are (percent, days) adding up to 100 %."""
    code = required_text(code, "code")
    if session.execute(select(PaymentTerm.id).where(PaymentTerm.code == code)).first():
        raise ValidationError("duplicate", field="code", record=code, entity="entity.payment_term", key=code)
    parsed = open_items.check_term_lines(lines)
    term = PaymentTerm(code=code, name=required_text(name, "name", record=code))
    term.lines = [PaymentTermLine(seq=n, percent=p, days=d) for n, (p, d) in enumerate(parsed, start=1)]
    session.add(term)
    session.flush()
    return term


def payment_terms(session: Session) -> list[PaymentTerm]:
    return list(session.execute(select(PaymentTerm).order_by(PaymentTerm.code)).scalars())


def set_customer_term(session: Session, customer_id: int, term_id: int | None) -> Customer:
    customer = get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
    if term_id is not None:
        get_or_fail(session, PaymentTerm, term_id, "payment_term", field="payment_term_id")
    customer.payment_term_id = term_id
    session.flush()
    return customer


# --- invoices ------------------------------------------------------------------------------------

@dataclass
class InvoiceLineInput:
    """Invoice ``quantity`` of a shipment line (None: all of it that is not invoiced yet)."""

    shipment_line_id: int
    quantity: Any = None


@dataclass
class InvoiceRequest:
    """One invoice to post: a customer, a date and (parts of) its shipment lines."""

    customer_id: int | None
    invoice_date: Any
    lines: Sequence[InvoiceLineInput]
    note: str | None = None
    payment_term_id: int | None = None  # None: the customer's term


def invoiced_quantity(session: Session, shipment_line_ids: Sequence[int]) -> dict[int, Decimal]:
    rows = session.execute(select(InvoicedShipmentLine.shipment_line_id, InvoicedShipmentLine.invoiced_qty)
                           .where(InvoicedShipmentLine.shipment_line_id.in_(list(shipment_line_ids))))
    return {int(k): Decimal(v) for k, v in rows}


def uninvoiced_lines(session: Session, shipment_ids: Sequence[int]) -> list[InvoiceLineInput]:
    """Every not-yet-invoiced quantity of the shipments' lines (for "invoice whole shipments")."""
    lines = session.execute(select(ShipmentLine.id, ShipmentLine.quantity).where(ShipmentLine.shipment_id.in_(
        list(shipment_ids))).order_by(ShipmentLine.shipment_id, ShipmentLine.line_no)).all()
    done = invoiced_quantity(session, [i for i, _ in lines])
    return [InvoiceLineInput(i, q - done.get(i, Decimal(0))) for i, q in lines if q > done.get(i, Decimal(0))]


def invoice_shipments(session: Session, shipment_ids: Sequence[int], invoice_date: Any, *,
                      user: AppUser | None = None, note: str | None = None) -> SalesInvoice:
    """One invoice for everything not yet invoiced on these shipments (all one customer's)."""
    return invoice_shipment_groups(session, [shipment_ids], invoice_date, user=user, note=note)[0]


def invoice_shipment_groups(session: Session, groups: Sequence[Sequence[int]], invoice_date: Any, *,
                            user: AppUser | None = None, note: str | None = None) -> list[SalesInvoice]:
    """Batch invoicing (批量开票, e.g. at month end): one invoice per group of shipments, each group
    one customer's, for everything on them not invoiced yet; all posted in one go."""
    ids = sorted({sid for group in groups for sid in group})
    customer_of = dict(session.execute(select(Shipment.id, Shipment.customer_id).where(Shipment.id.in_(ids))).all())
    open_lines = {}
    for line in uninvoiced_lines(session, ids):
        open_lines[line.shipment_line_id] = line
    line_shipment = dict(session.execute(select(ShipmentLine.id, ShipmentLine.shipment_id)
                                         .where(ShipmentLine.id.in_(list(open_lines)))).all()) if open_lines else {}
    by_shipment: dict[int, list[InvoiceLineInput]] = defaultdict(list)
    for line_id, line in open_lines.items():
        by_shipment[line_shipment[line_id]].append(line)
    requests = []
    for group in groups:
        customers = {customer_of.get(sid) for sid in group}
        if len(customers) != 1 or None in customers:
            raise ValidationError("one_customer_per_invoice", field="shipment_ids")
        lines = [ln for sid in sorted(set(group)) for ln in by_shipment.get(sid, [])]
        if not lines:
            raise ValidationError("nothing_to_invoice", field="shipment_ids")
        requests.append(InvoiceRequest(customers.pop(), invoice_date, lines, note=note))
    return create_invoices(session, requests, user=user)


def create_invoice(session: Session, customer_id: int | None, invoice_date: Any, lines: Sequence[InvoiceLineInput],
                   *, user: AppUser | None = None, note: str | None = None,
                   payment_term_id: int | None = None) -> SalesInvoice:
    """Post a sales invoice for (parts of) shipment lines of one customer (see ``create_invoices``)."""
    return create_invoices(session, [InvoiceRequest(customer_id, invoice_date, lines, note, payment_term_id)],
                           user=user)[0]


@dataclass
class _Parsed:
    request: InvoiceRequest
    customer: Customer
    on: date
    lines: list[tuple[Any, Decimal]]  # (shipment line row, quantity)


_LINE_FIELDS = (ShipmentLine.id, ShipmentLine.quantity, ShipmentLine.product_id, Shipment.doc_no,
                Shipment.customer_id, Shipment.ship_date, SalesOrderLine.unit_price, SalesOrderLine.discount_rate,
                SalesOrderLine.tax_rate, SalesOrderLine.tax_rate_code, SalesOrderLine.price_includes_tax,
                # units of measure: an order line priced per case is split at that exact price
                SalesOrderLine.price_in_unit, SalesOrderLine.unit_factor)


def create_invoices(session: Session, requests: Sequence[InvoiceRequest], *,
                    user: AppUser | None = None) -> list[SalesInvoice]:
    """Post sales invoices for (parts of) shipment lines, each of one customer.

    Each line is invoiced at its sales-order line's price and discount. A shipment line can never
    be invoiced beyond its shipped quantity less what earlier invoices took (a conditional UPDATE
    on ``invoiced_shipment_line``, safe when two clerks invoice the same shipment at once). The
    instalments come from the payment term given, else the customer's term, else one instalment
    after the customer's ``payment_terms_days``. Everything is validated before anything is
    written; if one line fails, none of the invoices is kept (one unit of work)."""
    all_ids = [ln.shipment_line_id for r in requests for ln in r.lines]
    found = {row.id: row for row in session.execute(
        select(*_LINE_FIELDS).join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .join(SalesOrderLine, SalesOrderLine.id == ShipmentLine.so_line_id)
        .where(ShipmentLine.id.in_(all_ids)))} if all_ids else {}
    done = invoiced_quantity(session, all_ids) if all_ids else {}
    taken: dict[int, Decimal] = defaultdict(Decimal)  # by earlier requests of this batch
    parsed: list[_Parsed] = []
    # One read for the batch's customers (get_or_fail then finds them in the session) and one
    # check per distinct date (a month-end batch has hundreds of invoices of one date).
    wanted_customers = {r.customer_id for r in requests if isinstance(r.customer_id, int)}
    if wanted_customers:
        session.execute(select(Customer).where(Customer.id.in_(wanted_customers))).scalars().all()
    dates: dict[Any, date] = {}
    for req in requests:
        customer = get_or_fail(session, Customer, req.customer_id, "customer", field="customer_id")
        key = req.invoice_date if isinstance(req.invoice_date, (date, str)) else id(req.invoice_date)
        if key not in dates:
            dates[key] = document_date(req.invoice_date, "invoice_date", session=session)
        on = dates[key]
        if not req.lines:
            raise ValidationError("no_lines", field="lines")
        ids = [ln.shipment_line_id for ln in req.lines]
        if len(set(ids)) != len(ids):
            raise ValidationError("duplicate_line", field="lines")
        lines = []
        for n, ln in enumerate(req.lines, start=1):
            row = found.get(ln.shipment_line_id)
            if row is None:
                raise ValidationError("not_found", field=f"lines.{n}.shipment_line_id", line_no=n,
                                      entity="entity.shipment_line", key=ln.shipment_line_id)
            if row.customer_id != customer.id:
                raise ValidationError("other_customer_shipment", field=f"lines.{n}.shipment_line_id", line_no=n,
                                      record=row.doc_no)
            if row.ship_date > on:
                raise ValidationError("invoice_before_shipment", field="invoice_date", record=row.doc_no, line_no=n)
            left = Decimal(row.quantity) - done.get(row.id, Decimal(0)) - taken[row.id]
            qty = left if ln.quantity in (None, "") else positive(ln.quantity, "quantity", line_no=n)
            if qty <= 0 or qty > left:
                raise ValidationError("over_invoice", field=f"lines.{n}.quantity", line_no=n, record=row.doc_no,
                                      left=left, quantity=qty)
            taken[row.id] += qty
            lines.append((row, qty))
        parsed.append(_Parsed(req, customer, on, lines))

    _count_invoiced(session, [(row, qty) for p in parsed for row, qty in p.lines])
    # Read after the counters are locked: a shipment cancelled (作废) meanwhile is seen here.
    stock_cancellation.refuse_cancelled_lines(session, "shipment", all_ids)
    terms: dict[tuple[int | None, int], list[tuple[Decimal, int]]] = {}
    headers, bodies = [], []
    for p in parsed:
        term_id = p.request.payment_term_id if p.request.payment_term_id is not None else p.customer.payment_term_id
        key = (term_id, p.customer.payment_terms_days)
        if key not in terms:
            terms[key] = open_items.term_lines(session, term_id, p.customer.payment_terms_days)
        # VAT as on the order line (its rate and how its price was stated), split per invoice line.
        body = [(n, row, qty, tax.resplit(row, qty)) for n, (row, qty) in enumerate(p.lines, start=1)]
        sums = tax.totals(split for *_, split in body)
        total = sums.gross  # what the customer owes: 价税合计
        headers.append({"doc_no": numbering.next_doc_no(session, "sales_invoice", p.on), "customer_id": p.customer.id,
                        "invoice_date": p.on, "status": POSTED, "total_amount": total, "net_amount": sums.net,
                        "tax_amount": sums.tax, "payment_term_id": term_id,
                        "note": (p.request.note or "").strip() or None, "created_by": _uid(user)})
        bodies.append((body, terms[key], total))
    # Bulk INSERTs: a month-end batch of hundreds of invoices is a handful of statements.
    invoice_ids = list(session.execute(insert(SalesInvoice).returning(SalesInvoice.id, sort_by_parameter_order=True),
                                       headers).scalars())
    line_rows, inst_rows = [], []
    for invoice_id, header, (body, term, total) in zip(invoice_ids, headers, bodies, strict=True):
        for n, row, qty, split in body:
            line_rows.append({"invoice_id": invoice_id, "line_no": n, "shipment_line_id": row.id,
                              "product_id": row.product_id, "quantity": qty, "unit_price": row.unit_price,
                              "discount_rate": row.discount_rate,
                              **tax.line_values(split, row.tax_rate_code, includes_tax=bool(row.price_includes_tax))})
        inst_rows.extend(open_items.instalment_rows(AR, invoice_id, header["invoice_date"], term, total))
    session.execute(insert(SalesInvoiceLine), line_rows)
    if inst_rows:
        session.execute(insert(ArInstalment), inst_rows)
    _expire_counters(session, list(taken))
    invoices = session.execute(select(SalesInvoice).where(SalesInvoice.id.in_(invoice_ids))
                               .options(selectinload(SalesInvoice.instalments))).scalars().all()
    by_id = {i.id: i for i in invoices}
    return [by_id[i] for i in invoice_ids]


def _count_invoiced(session: Session, lines: Sequence[tuple[Any, Decimal]]) -> None:
    """Add the invoiced quantities to the shipment lines' counters, each UPDATE conditional on
    staying within the shipped quantity. If one would go beyond it (someone invoiced the line in
    the meantime) ``over_invoice`` is raised and the caller's transaction keeps nothing."""
    if not lines:
        return
    now = utcnow()
    ids = sorted({row.id for row, _ in lines})
    have = set(invoiced_quantity(session, ids))
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for row, qty in lines:
        wanted[row.id] += qty
    new = [{"shipment_line_id": i, "invoiced_qty": wanted[i], "created_at": now, "updated_at": now}
           for i in ids if i not in have]
    if new:
        # A line invoiced for the first time gets its counter row with this quantity (checked
        # against the shipped quantity above). ON CONFLICT: another invoice created the row first
        # (PostgreSQL waits for it); those lines go through the conditional UPDATE below.
        dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        # Parameters as a list (executemany), not .values(new): a statement with the rows inlined
        # is compiled afresh for every batch.
        stmt = (dialect_insert(InvoicedShipmentLine)
                .on_conflict_do_nothing(index_elements=["shipment_line_id"])
                .returning(InvoicedShipmentLine.shipment_line_id))
        created = set(session.execute(stmt, new).scalars())
        lines = [(row, qty) for row, qty in lines if row.id not in created]
        if not lines:
            return
    conn = session.connection()
    params = [{"sl": row.id, "q": qty, "limit": row.quantity, "now": now} for row, qty in lines]
    if len(params) > 1 and conn.dialect.supports_sane_multi_rowcount:
        if conn.execute(_INVOICE_QTY, params).rowcount == len(params):
            return
        failed = None
    else:
        failed = next((n for n, p in enumerate(params) if conn.execute(_INVOICE_QTY, p).rowcount != 1), None)
        if failed is None:
            return
    # Name a line that no longer has the quantity (the transaction is rolled back by the caller).
    now_done = invoiced_quantity(session, ids)
    for n, (row, qty) in enumerate(lines):
        if n == failed or (failed is None and now_done.get(row.id, Decimal(0)) + qty > row.quantity):
            raise ValidationError("over_invoice", field=f"lines.{n + 1}.quantity", line_no=n + 1, record=row.doc_no,
                                  left=max(row.quantity - now_done.get(row.id, Decimal(0)), Decimal(0)), quantity=qty)
    raise ValidationError("over_invoice", field="lines", record=None, left=Decimal(0), quantity=Decimal(0))


def _expire_counters(session: Session, ids: Sequence[int]) -> None:
    for i in ids:
        obj = session.identity_map.get(session.identity_key(InvoicedShipmentLine, i))
        if obj is not None:
            session.expire(obj)


def cancel_invoice(session: Session, invoice_id: int, on: Any, *, user: AppUser | None = None) -> SalesInvoice:
    """Cancel a posted invoice that nothing has been allocated to (no receipt, credit note or
    write-off, not even one reversed since: the journal must stay readable). Its shipment lines
    become invoiceable again. An invoice with allocations is corrected with a credit note."""
    invoice = get_or_fail(session, SalesInvoice, invoice_id, "sales_invoice", field="invoice_id")
    when = document_date(on, "cancelled_on", session=session)
    if invoice.status != POSTED:
        raise StateError("bad_state", record=invoice.doc_no, state=f"state.{invoice.status}",
                         action="action.cancel")
    inst, inv = ArInstalment.__table__, SalesInvoice.__table__
    used = session.execute(select(exists().where(ArAllocation.instalment_id.in_(
        select(inst.c.id).where(inst.c.invoice_id == invoice.id))))).scalar()
    if used:
        raise StateError("invoice_has_allocations", record=invoice.doc_no)
    # Then the invoice row (conditional on still being posted): on PostgreSQL this waits for any
    # receipt that share-locked it while allocating, and makes later ones see it cancelled.
    done = session.connection().execute(
        update(inv).where(inv.c.id == invoice.id, inv.c.status == POSTED)
        .values(status=CANCELLED, cancelled_on=when, cancelled_by=_uid(user), updated_at=utcnow()))
    count = session.execute(select(func.count()).select_from(inst).where(inst.c.invoice_id == invoice.id)).scalar_one()
    touched = session.connection().execute(
        update(inst).where(inst.c.invoice_id == invoice.id, inst.c.settled_amount == 0).values(updated_at=utcnow()))
    if done.rowcount != 1 or touched.rowcount != count:
        # A receipt settled it in the meantime: refused, and the caller's unit of work rolls back.
        raise StateError("invoice_has_allocations", record=invoice.doc_no)
    for line in invoice.lines:
        session.connection().execute(
            update(_ISL).where(_ISL.c.shipment_line_id == line.shipment_line_id)
            .values(invoiced_qty=_ISL.c.invoiced_qty - bindparam("q", type_=_ISL.c.invoiced_qty.type),
                    updated_at=utcnow()), {"q": line.quantity})
    session.refresh(invoice)
    return invoice


# --- receipts ------------------------------------------------------------------------------------

Allocation = Sequence[tuple[int, Any]]


def receive_payment(session: Session, customer_id: int | None, amount: Any, cash_account_id: int | None,
                    receipt_date: Any, *, allocation: Allocation | None = None, method: str = "transfer",
                    reference: str | None = None, note: str | None = None, invoice_ids: Sequence[int] | None = None,
                    user: AppUser | None = None) -> CustomerReceipt:
    """Record money received from a customer into a cash/bank account (one cash-ledger row).

    ``allocation`` None: oldest first across the customer's open instalments (only those of
    ``invoice_ids`` when given); a list of (instalment_id, amount): the user's allocation, which
    must not exceed the receipt or what each instalment has open; an empty list: nothing
    allocated. What is left stays on the receipt as an advance (预收款)."""
    customer = get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
    on = document_date(receipt_date, "received_date", session=session)
    value = positive(amount, "amount").quantize(CENT)
    method = choice(method, RECEIPT_METHODS, "method")
    get_or_fail(session, CashAccount, cash_account_id, "cash_account", field="cash_account_id")
    receipt = CustomerReceipt(doc_no=numbering.next_doc_no(session, "customer_receipt", on), customer_id=customer.id,
                              receipt_date=on, amount=value, cash_account_id=cash_account_id, method=method,
                              reference=(reference or "").strip() or None, unallocated_amount=value,
                              note=(note or "").strip() or None, created_by=_uid(user))
    session.add(receipt)
    session.flush()
    cash.post(session, cash_account_id, on, value, "customer_receipt", doc_type="customer_receipt", doc_id=receipt.id,
              doc_no=receipt.doc_no, counterparty=customer.name, user=user)
    _apply(session, receipt, CustomerReceipt, "receipt", allocation, on, user, invoice_ids=invoice_ids,
           available=value)
    return receipt


@dataclass
class ReceiptRequest:
    """One receipt of ``receive_payments``; ``allocation`` as in ``receive_payment``."""

    customer_id: int | None
    amount: Any
    cash_account_id: int | None
    allocation: Allocation | None = None
    method: str = "transfer"
    reference: str | None = None
    note: str | None = None


def receive_payments(session: Session, receipt_date: Any, requests: Sequence[ReceiptRequest], *,
                     user: AppUser | None = None) -> list[CustomerReceipt]:
    """Many customers' receipts of one day at once (a day's bank statement, 银行流水): for each,
    what ``receive_payment`` records, by the same rules (numbered in the order given, one cash row
    each, the chosen allocations checked against what is open). Receipts naming their instalments
    are settled as one batch (``open_items.allocate_chosen_many``); the others oldest first, one
    by one. Everything named is validated before anything is written; one unit of work."""
    if not requests:
        return []
    on = document_date(receipt_date, "received_date", session=session)
    customer_ids = sorted({r.customer_id for r in requests if r.customer_id is not None})
    customers = {c.id: c for c in session.execute(select(Customer).where(Customer.id.in_(customer_ids))).scalars()}
    account_ids = sorted({r.cash_account_id for r in requests if r.cash_account_id is not None})
    accounts = set(session.execute(select(CashAccount.id).where(CashAccount.id.in_(account_ids))).scalars())
    headers, values = [], []
    for req in requests:
        if req.customer_id in (None, ""):
            raise ValidationError("required", field="customer_id", field_label="field.customer")
        if req.customer_id not in customers:
            raise NotFoundError("not_found", field="customer_id", entity="entity.customer", key=req.customer_id)
        value = positive(req.amount, "amount").quantize(CENT)
        method = choice(req.method, RECEIPT_METHODS, "method")
        if req.cash_account_id in (None, ""):
            raise ValidationError("required", field="cash_account_id", field_label="entity.cash_account")
        if req.cash_account_id not in accounts:
            raise NotFoundError("not_found", field="cash_account_id", entity="entity.cash_account",
                                key=req.cash_account_id)
        if req.allocation is not None:
            wanted = sum((Decimal(str(a)) for _, a in req.allocation), Decimal(0)).quantize(CENT)
            if wanted > value:
                raise ValidationError("allocation_exceeds_source", field="allocations", available=value,
                                      amount=wanted)
        headers.append({"customer_id": req.customer_id, "receipt_date": on, "amount": value,
                        "cash_account_id": req.cash_account_id, "method": method,
                        "reference": (req.reference or "").strip() or None, "unallocated_amount": value,
                        "note": (req.note or "").strip() or None, "created_by": _uid(user), "status": POSTED})
        values.append(value)
    for header in headers:
        header["doc_no"] = numbering.next_doc_no(session, "customer_receipt", on)
        check_column_limits(CustomerReceipt(**header))  # what every flush checks
    receipt_ids = list(session.execute(insert(CustomerReceipt).returning(CustomerReceipt.id,
                                                                         sort_by_parameter_order=True),
                                       headers).scalars())
    cash.post_many_in(session, on, "customer_receipt", [
        cash.MoneyIn(h["cash_account_id"], v, rid, h["doc_no"], customers[h["customer_id"]].name)
        for rid, h, v in zip(receipt_ids, headers, values, strict=True)], doc_type="customer_receipt", user=user)
    chosen = [(n, open_items.ChosenAllocation(req.customer_id, req.allocation,
                                              Source("receipt", rid, h["doc_no"], _uid(user)), on))
              for n, (rid, h, req) in enumerate(zip(receipt_ids, headers, requests, strict=True))
              if req.allocation is not None]
    used = open_items.allocate_chosen_many(session, AR, [item for _, item in chosen])
    taken = [{"i": receipt_ids[n], "x": amount, "now": utcnow()} for (n, _), amount in zip(chosen, used, strict=True)
             if amount]
    if taken:  # fresh receipts: what they allocated always fits
        session.connection().execute(_TAKE_RECEIPT, taken)
    receipts = {r.id: r for r in session.execute(select(CustomerReceipt).where(CustomerReceipt.id.in_(receipt_ids)))
                .scalars()}
    for rid, req, value in zip(receipt_ids, requests, values, strict=True):
        if req.allocation is None:  # oldest first, as receive_payment does
            _apply(session, receipts[rid], CustomerReceipt, "receipt", None, on, user, available=value)
    return [receipts[rid] for rid in receipt_ids]


_CR = CustomerReceipt.__table__
_TAKE_RECEIPT = (update(_CR).where(_CR.c.id == bindparam("i"))
                 .values(unallocated_amount=_CR.c.unallocated_amount - bindparam("x", type_=_CR.c.unallocated_amount.type),
                         updated_at=bindparam("now")))


REVERSE_RECEIPT_ROLES = ("finance", "manager")


def reverse_receipt(session: Session, receipt_id: Any, on: Any, reason: Any, *,
                    user: AppUser | None) -> CustomerReceipt:
    """Reverse (冲销) a receipt entered in error, e.g. the wrong customer or amount: everything it
    settled is opened again (negative allocation rows dated ``on``), the money leaves its account
    again (a negative cash-ledger row: refused when the account cannot cover it), and the receipt is
    marked reversed with who, when and why. Then enter the right receipt. All or nothing."""
    auth.require_role(user, *REVERSE_RECEIPT_ROLES)
    receipt = get_or_fail(session, CustomerReceipt, receipt_id, "customer_receipt", field="receipt_id")
    customer = session.get(Customer, receipt.customer_id)
    open_items.reverse_money_document(
        session, AR, receipt, source_type="receipt", document_date=receipt.receipt_date, active_status="posted",
        on=on, reason=reason, user=user, cash_amount=-receipt.amount, cash_kind="customer_receipt",
        counterparty=customer.name if customer else None)
    return receipt


def allocate_advance(session: Session, receipt_id: int, on: Any, *, allocation: Allocation | None = None,
                     invoice_ids: Sequence[int] | None = None, user: AppUser | None = None) -> list[ArAllocation]:
    """Apply a receipt's unallocated money (an advance) to open instalments, oldest first unless
    ``allocation`` chooses; the allocations are dated ``on``."""
    receipt = get_or_fail(session, CustomerReceipt, receipt_id, "customer_receipt", field="receipt_id")
    return _apply(session, receipt, CustomerReceipt, "receipt", allocation, document_date(on, "allocated_on", session=session), user,
                  invoice_ids=invoice_ids)


def apply_credit_note(session: Session, credit_note_id: int, on: Any, *, allocation: Allocation | None = None,
                      invoice_ids: Sequence[int] | None = None, user: AppUser | None = None) -> list[ArAllocation]:
    """Apply a credit note's unapplied amount to open instalments (oldest first unless chosen)."""
    note = get_or_fail(session, CreditNote, credit_note_id, "credit_note", field="credit_note_id")
    return _apply(session, note, CreditNote, "credit_note", allocation, document_date(on, "allocated_on", session=session), user,
                  invoice_ids=invoice_ids)


def apply_open_credits(session: Session, customer_id: int, on: date, *, user: AppUser | None = None) -> Decimal:
    """Apply every unapplied credit note, then every advance, of the customer (oldest document
    first) to its open instalments, oldest first. Returns the amount applied."""
    applied = Decimal(0)
    for model, kind, date_col in ((CreditNote, "credit_note", CreditNote.note_date),
                                  (CustomerReceipt, "receipt", CustomerReceipt.receipt_date)):
        docs = session.execute(select(model).where(model.customer_id == customer_id, model.unallocated_amount > 0,
                                                   date_col <= on).order_by(date_col, model.id)).scalars().all()
        for doc in docs:
            rows = _apply(session, doc, model, kind, None, on, user)
            applied += sum((r.amount for r in rows), Decimal(0))
            if not rows:
                return applied  # nothing open any more
    return applied


def _apply(session: Session, doc: Any, model: type, kind: str, allocation: Allocation | None, on: date,
           user: AppUser | None, *, invoice_ids: Sequence[int] | None = None,
           available: Decimal | None = None) -> list[ArAllocation]:
    source = Source(kind, doc.id, doc.doc_no, _uid(user))
    doc_date = doc.receipt_date if kind == "receipt" else doc.note_date
    if on < doc_date:  # money cannot be applied before it exists: the aging of the days between would go wrong
        raise ValidationError("date_order", field="allocated_on", record=doc.doc_no, field_label="field.allocated_on",
                              other_label="field.received_date" if kind == "receipt" else "field.note_date")
    if available is None:
        session.refresh(doc, ["unallocated_amount"])  # what other transactions left of it
        available = Decimal(doc.unallocated_amount)
    if allocation is None:
        if available <= 0:
            return []
        rows, left = open_items.allocate_oldest_first(session, AR, doc.customer_id, available, source=source, on=on,
                                                      document_ids=invoice_ids)
    else:
        wanted = sum((Decimal(str(a)) for _, a in allocation), Decimal(0)).quantize(CENT)
        if wanted > available:
            raise ValidationError("allocation_exceeds_source", field="allocations", record=doc.doc_no,
                                  available=available, amount=wanted)
        rows = open_items.allocate_chosen(session, AR, doc.customer_id, allocation, source=source, on=on)
    used = sum((r.amount for r in rows), Decimal(0))
    if used:
        open_items.take_unallocated(session, model, doc.id, used, record=doc.doc_no)  # expires the attribute
    return rows


# --- credit notes --------------------------------------------------------------------------------

def credit_note_lines(session: Session, sales_return: SalesReturn) -> list[dict[str, Any]]:
    """The credit note's lines: each returned quantity at its order line's price, discount and VAT
    rate, split like the invoice (``tax.resplit``)."""
    rows = session.execute(select(SalesReturnLine.id, SalesReturnLine.quantity, SalesReturnLine.product_id,
                                  ShipmentLine.id.label("shipment_line_id"), SalesOrderLine.unit_price,
                                  SalesOrderLine.discount_rate, SalesOrderLine.tax_rate, SalesOrderLine.tax_rate_code,
                                  SalesOrderLine.price_includes_tax, SalesOrderLine.price_in_unit,
                                  SalesOrderLine.unit_factor)
                           .join(ShipmentLine, ShipmentLine.id == SalesReturnLine.shipment_line_id)
                           .join(SalesOrderLine, SalesOrderLine.id == ShipmentLine.so_line_id)
                           .where(SalesReturnLine.return_id == sales_return.id)
                           .order_by(SalesReturnLine.line_no)).all()
    return [{"line_no": n, "return_line_id": r.id, "shipment_line_id": r.shipment_line_id, "product_id": r.product_id,
             "quantity": r.quantity, "unit_price": r.unit_price,
             **tax.line_values(tax.resplit(r, r.quantity), r.tax_rate_code, includes_tax=bool(r.price_includes_tax))}
            for n, r in enumerate(rows, start=1)]


def credit_note_split(session: Session, sales_return: SalesReturn) -> tuple[tax.Totals, list[int]]:
    """The credit note's totals (sums of its lines) and the returned shipment lines."""
    lines = credit_note_lines(session, sales_return)
    sums = tax.totals(tax.LineTax(ln["tax_rate"], ln["amount"], ln["tax_amount"], ln["gross_amount"])
                      for ln in lines)
    return sums, [ln["shipment_line_id"] for ln in lines]


def credit_note_amount(session: Session, sales_return: SalesReturn) -> tuple[Decimal, list[int]]:
    """What the customer is owed back (gross, 价税合计) and the returned shipment lines."""
    sums, shipment_lines = credit_note_split(session, sales_return)
    return sums.gross, shipment_lines


def issue_credit_note(session: Session, sales_return_id: int | None, note_date: Any = None, *,
                      reason: str | None = None, user: AppUser | None = None) -> CreditNote:
    """The credit note for a sales return (one per return). It is applied at once to the open
    instalments of the invoices that billed the returned shipment lines, oldest first; what is
    left (nothing invoiced yet, or already paid) stays unapplied for the customer."""
    sales_return = get_or_fail(session, SalesReturn, sales_return_id, "sales_return", field="sales_return_id")
    if session.execute(select(CreditNote.id).where(CreditNote.sales_return_id == sales_return.id)).first():
        raise StateError("credit_note_exists", record=sales_return.doc_no)
    on = document_date(note_date, "note_date", session=session) if note_date else sales_return.return_date
    lines = credit_note_lines(session, sales_return)
    sums = tax.totals(tax.LineTax(ln["tax_rate"], ln["amount"], ln["tax_amount"], ln["gross_amount"])
                      for ln in lines)
    shipment_lines = [ln["shipment_line_id"] for ln in lines]
    amount = sums.gross
    if amount <= 0:
        raise ValidationError("nothing_to_credit", record=sales_return.doc_no, field="sales_return_id")
    invoice_ids = list(session.execute(
        select(SalesInvoice.id).join(SalesInvoiceLine, SalesInvoiceLine.invoice_id == SalesInvoice.id)
        .where(SalesInvoiceLine.shipment_line_id.in_(shipment_lines), SalesInvoice.status == POSTED,
               SalesInvoice.invoice_date <= on)
        .distinct().order_by(SalesInvoice.id)).scalars())
    note = CreditNote(doc_no=numbering.next_doc_no(session, "credit_note", on), customer_id=sales_return.customer_id,
                      sales_return_id=sales_return.id, invoice_id=invoice_ids[0] if invoice_ids else None,
                      note_date=on, amount=amount, tax_amount=sums.tax, unallocated_amount=amount,
                      reason=(reason or sales_return.reason or "").strip() or None, created_by=_uid(user))
    note.lines = [CreditNoteLine(**ln) for ln in lines]
    session.add(note)
    session.flush()
    if invoice_ids:
        _apply(session, note, CreditNote, "credit_note", None, on, user, invoice_ids=invoice_ids, available=amount)
    return note


# --- write-offs ----------------------------------------------------------------------------------

def invoice_outstanding(session: Session, invoice_id: int) -> Decimal:
    value = session.execute(select(func.coalesce(func.sum(ArInstalment.amount - ArInstalment.settled_amount), 0))
                            .where(ArInstalment.invoice_id == invoice_id)).scalar_one()
    return _money(value)


def _money(value: Any) -> Decimal:
    # An expression over scaled columns comes back from SQLite as the raw scaled integer.
    col_type = ArInstalment.__table__.c.amount.type
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value).scaleb(-col_type.scale).quantize(CENT)
    return Decimal(value).quantize(CENT)


def request_write_off(session: Session, invoice_id: int | None, reason: str, request_date: Any, *,
                      amount: Any = None, user: AppUser | None) -> BadDebtWriteOff:
    """Finance asks to write off (part of) an invoice's outstanding as bad debt; nothing is
    settled until a manager approves."""
    auth.require_role(user, *FINANCE_ROLES)
    invoice = get_or_fail(session, SalesInvoice, invoice_id, "sales_invoice", field="invoice_id")
    on = document_date(request_date, "request_date", session=session)
    if invoice.status != POSTED:
        raise StateError("bad_state", record=invoice.doc_no, state=f"state.{invoice.status}",
                         action="action.write_off")
    left = invoice_outstanding(session, invoice.id)
    value = left if amount in (None, "") else positive(amount, "amount").quantize(CENT)
    if value <= 0 or value > left:
        raise ValidationError("write_off_exceeds_outstanding", field="amount", record=invoice.doc_no,
                              open=left, amount=value)
    row = BadDebtWriteOff(doc_no=numbering.next_doc_no(session, "bad_debt_write_off", on),
                          customer_id=invoice.customer_id, invoice_id=invoice.id, request_date=on, amount=value,
                          reason=required_text(reason, "reason", record=invoice.doc_no), status=REQUESTED,
                          requested_by=_uid(user))
    session.add(row)
    session.flush()
    return row


_WO = BadDebtWriteOff.__table__


def _decide(session: Session, write_off_id: int, status: str, user: AppUser | None, on: Any,
            note: str | None) -> BadDebtWriteOff:
    auth.require_role(user, *APPROVER_ROLES)
    row = get_or_fail(session, BadDebtWriteOff, write_off_id, "bad_debt_write_off", field="write_off_id")
    when = document_date(on, "decided_on", session=session)
    # Conditional on still being requested: two managers deciding at once cannot both act.
    done = session.connection().execute(
        update(_WO).where(_WO.c.id == row.id, _WO.c.status == REQUESTED)
        .values(status=status, decided_by=user.id, decided_on=when, decided_at=utcnow(),
                decision_note=(note or "").strip() or None, updated_at=utcnow()))
    if done.rowcount != 1:
        session.refresh(row)
        raise StateError("bad_state", record=row.doc_no, state=f"state.{row.status}",
                         action="action.approve" if status == APPROVED else "action.reject")
    session.refresh(row)
    return row


def approve_write_off(session: Session, write_off_id: int, on: Any, *, user: AppUser | None,
                      note: str | None = None) -> BadDebtWriteOff:
    """A manager approves: the amount settles the invoice's instalments oldest first, dated the
    day of approval. Refused when the invoice no longer has that much open (paid meanwhile)."""
    row = _decide(session, write_off_id, APPROVED, user, on, note)
    if row.decided_on < row.request_date:
        raise ValidationError("date_order", field="decided_on", field_label="field.decided_on",
                              other_label="field.request_date", record=row.doc_no)
    rows, left = open_items.allocate_oldest_first(session, AR, row.customer_id, row.amount,
                                                  source=Source("write_off", row.id, row.doc_no, user.id),
                                                  on=row.decided_on, document_ids=[row.invoice_id])
    if left:
        raise StateError("write_off_exceeds_outstanding", record=row.doc_no, field="amount",
                         open=row.amount - left, amount=row.amount)
    return row


def reject_write_off(session: Session, write_off_id: int, on: Any, *, user: AppUser | None,
                     note: str | None = None) -> BadDebtWriteOff:
    return _decide(session, write_off_id, REJECTED, user, on, note)


# --- balances (the store side of every AR number) ------------------------------------------------

def outstanding(session: Session, customer_id: int | None = None, as_of: date | None = None) -> dict[int, Decimal]:
    """Open instalments per customer (invoiced, less what is allocated to them), gross of the
    customer's unapplied money, now or as of the end of a date. The balance is ``net_balance``."""
    return open_items.outstanding_by_partner(session, AR, as_of, partner_id=customer_id)


def unapplied(session: Session, customer_id: int | None = None, as_of: date | None = None) -> dict[int, Decimal]:
    """Per customer: receipts not yet applied (advances, unallocated amounts) + credit notes not
    yet applied, now or as of the end of a date (``open_items.unapplied``, the one rule)."""
    return open_items.unapplied(session, AR, as_of, partner_id=customer_id)


def net_balance(session: Session, customer_id: int | None = None, as_of: date | None = None) -> dict[int, Decimal]:
    """What each customer owes: open instalments − unapplied receipts − unapplied credit notes
    (negative: the customer has credit with us)."""
    return open_items.net_by_partner(session, AR, as_of, partner_id=customer_id)


def aging(session: Session, as_of: date, buckets: Sequence[int] = DEFAULT_BUCKETS, *,
          customer_id: int | None = None) -> dict[tuple[int, int, str], Decimal]:
    """Outstanding as of ``as_of`` per (customer, bucket order, bucket label), with the money not
    yet applied as the negative bucket ``(-1, "unapplied")``: a customer's entries add up to its
    net balance."""
    return open_items.aging(session, AR, as_of, buckets, partner_id=customer_id)


def unapplied_credits(session: Session, customer_id: int | None = None) -> dict[int, Decimal]:
    """Per customer: advances (unallocated receipts) + unapplied credit notes, now (``unapplied``)."""
    return unapplied(session, customer_id)
