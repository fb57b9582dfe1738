"""Reads for the receivables and collection pages and forms (choices, open items, document lists,
drill-down to an invoice's lines, instalments and allocations). No rules here: posting is in
``receivables``; these only read the store and return plain rows (dicts) for tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.models import (
    ArAllocation,
    ArInstalment,
    BadDebtWriteOff,
    CashAccount,
    CreditNote,
    Customer,
    CustomerReceipt,
    InvoicedShipmentLine,
    Product,
    SalesInvoice,
    SalesInvoiceLine,
    SalesOrderLine,
    SalesReturn,
    Shipment,
    ShipmentLine,
)
from operational.services import tax


def customer_choices(session: Session, ids: set[int] | None = None) -> list[tuple[int, str]]:
    rows = session.execute(select(Customer.id, Customer.code, Customer.name).order_by(Customer.code))
    return [(i, f"{c} {n}") for i, c, n in rows if ids is None or i in ids]


def uninvoiced_shipment_lines(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """Shipment lines of the customer with a quantity not invoiced yet, oldest shipment first."""
    rows = session.execute(
        select(ShipmentLine.id, Shipment.id.label("shipment_id"), Shipment.doc_no, Shipment.ship_date,
               ShipmentLine.line_no, Product.sku, Product.name, ShipmentLine.quantity, ShipmentLine.returned_qty,
               func.coalesce(InvoicedShipmentLine.invoiced_qty, 0).label("invoiced"),
               SalesOrderLine.unit_price, SalesOrderLine.discount_rate, SalesOrderLine.tax_rate,
               SalesOrderLine.price_includes_tax, SalesOrderLine.price_in_unit, SalesOrderLine.unit_factor)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .join(SalesOrderLine, SalesOrderLine.id == ShipmentLine.so_line_id)
        .join(Product, Product.id == ShipmentLine.product_id)
        .outerjoin(InvoicedShipmentLine, InvoicedShipmentLine.shipment_line_id == ShipmentLine.id)
        .where(Shipment.customer_id == customer_id,
               func.coalesce(InvoicedShipmentLine.invoiced_qty, 0) < ShipmentLine.quantity)
        .order_by(Shipment.ship_date, Shipment.id, ShipmentLine.line_no))
    out = []
    for r in rows:
        invoiced = _qty(r.invoiced)
        left = Decimal(r.quantity) - invoiced
        split = tax.resplit(r, left)
        out.append({"shipment_line_id": r.id, "shipment_id": r.shipment_id, "shipment_no": r.doc_no,
                    "ship_date": r.ship_date, "line_no": r.line_no, "sku": r.sku, "product_name": r.name,
                    "quantity": r.quantity, "returned_qty": r.returned_qty, "invoiced_qty": invoiced,
                    "open_qty": left, "unit_price": r.unit_price, "discount_rate": r.discount_rate,
                    "tax_rate": r.tax_rate, "open_net": split.net, "open_tax": split.tax,
                    "open_amount": split.gross})  # what an invoice of it comes to, with VAT
    return out


def _qty(value: Any) -> Decimal:
    # coalesce() over a scaled column loses its type on SQLite: a raw scaled integer comes back.
    scale = InvoicedShipmentLine.__table__.c.invoiced_qty.type.scale
    return Decimal(value).scaleb(-scale) if isinstance(value, int) and value else Decimal(value or 0)


def open_instalments(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """The customer's open instalments, oldest due date first (the order of oldest-first allocation)."""
    rows = session.execute(
        select(ArInstalment.id, ArInstalment.seq, ArInstalment.due_date, ArInstalment.amount,
               ArInstalment.settled_amount, SalesInvoice.id.label("invoice_id"), SalesInvoice.doc_no,
               SalesInvoice.invoice_date)
        .join(SalesInvoice, SalesInvoice.id == ArInstalment.invoice_id)
        .where(SalesInvoice.customer_id == customer_id, SalesInvoice.status == "posted",
               ArInstalment.settled_amount < ArInstalment.amount)
        .order_by(ArInstalment.due_date, SalesInvoice.invoice_date, SalesInvoice.id, ArInstalment.seq))
    today = date.today()
    return [{"instalment_id": r.id, "invoice_id": r.invoice_id, "doc_no": r.doc_no, "invoice_date": r.invoice_date,
             "seq": r.seq, "due_date": r.due_date, "days_overdue": max((today - r.due_date).days, 0),
             "amount": r.amount, "settled_amount": r.settled_amount, "open_amount": r.amount - r.settled_amount}
            for r in rows]


def invoices(session: Session, *, customer_id: int | None = None, start: date | None = None,
             end: date | None = None, statuses: Sequence[str] | None = None, limit: int = 2000) -> list[dict[str, Any]]:
    query = (select(SalesInvoice, Customer.code, Customer.name)
             .join(Customer, Customer.id == SalesInvoice.customer_id)
             .order_by(SalesInvoice.invoice_date.desc(), SalesInvoice.id.desc()).limit(limit))
    if customer_id is not None:
        query = query.where(SalesInvoice.customer_id == customer_id)
    if start is not None:
        query = query.where(SalesInvoice.invoice_date >= start)
    if end is not None:
        query = query.where(SalesInvoice.invoice_date <= end)
    if statuses:
        query = query.where(SalesInvoice.status.in_(list(statuses)))
    found = session.execute(query).all()
    ids = [inv.id for inv, _, _ in found]
    open_by: dict[int, Decimal] = defaultdict(Decimal)
    if ids:
        for iid, amount, settled in session.execute(select(ArInstalment.invoice_id, ArInstalment.amount,
                                                           ArInstalment.settled_amount)
                                                    .where(ArInstalment.invoice_id.in_(ids))):
            open_by[iid] += amount - settled
    return [{"invoice_id": inv.id, "doc_no": inv.doc_no, "invoice_date": inv.invoice_date,
             "customer_name": f"{code} {name}", "status": inv.status, "total_amount": inv.total_amount,
             "open_amount": open_by[inv.id] if inv.status == "posted" else Decimal(0), "note": inv.note}
            for inv, code, name in found]


def invoice_lines(session: Session, invoice_id: int) -> list[dict[str, Any]]:
    rows = session.execute(select(SalesInvoiceLine, Shipment.doc_no, Product.sku, Product.name)
                           .join(ShipmentLine, ShipmentLine.id == SalesInvoiceLine.shipment_line_id)
                           .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
                           .join(Product, Product.id == SalesInvoiceLine.product_id)
                           .where(SalesInvoiceLine.invoice_id == invoice_id).order_by(SalesInvoiceLine.line_no))
    return [{"line_no": ln.line_no, "shipment_no": sh, "sku": sku, "product_name": name, "quantity": ln.quantity,
             "unit_price": ln.unit_price, "discount_rate": ln.discount_rate, "amount": ln.amount}
            for ln, sh, sku, name in rows]


def invoice_instalments(session: Session, invoice_id: int) -> list[dict[str, Any]]:
    rows = session.execute(select(ArInstalment).where(ArInstalment.invoice_id == invoice_id)
                           .order_by(ArInstalment.seq)).scalars()
    return [{"seq": i.seq, "due_date": i.due_date, "amount": i.amount, "settled_amount": i.settled_amount,
             "open_amount": i.amount - i.settled_amount} for i in rows]


def _source_numbers(session: Session, pairs: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    found: dict[tuple[str, int], str] = {}
    for kind, model in (("receipt", CustomerReceipt), ("credit_note", CreditNote), ("write_off", BadDebtWriteOff)):
        ids = [i for k, i in pairs if k == kind]
        if ids:
            for i, no in session.execute(select(model.id, model.doc_no).where(model.id.in_(ids))):
                found[(kind, i)] = no
    return found


def invoice_allocations(session: Session, invoice_id: int) -> list[dict[str, Any]]:
    rows = session.execute(select(ArAllocation, ArInstalment.seq)
                           .join(ArInstalment, ArInstalment.id == ArAllocation.instalment_id)
                           .where(ArInstalment.invoice_id == invoice_id).order_by(ArAllocation.id)).all()
    numbers = _source_numbers(session, {(a.source_type, a.source_id) for a, _ in rows})
    return [{"allocated_on": a.allocated_on, "seq": seq, "source_type": a.source_type,
             "source_no": numbers.get((a.source_type, a.source_id), ""), "amount": a.amount} for a, seq in rows]


def receipts(session: Session, *, customer_id: int | None = None, start: date | None = None,
             end: date | None = None, limit: int = 2000) -> list[dict[str, Any]]:
    query = (select(CustomerReceipt, Customer.code, Customer.name, CashAccount.code.label("acc"))
             .join(Customer, Customer.id == CustomerReceipt.customer_id)
             .join(CashAccount, CashAccount.id == CustomerReceipt.cash_account_id)
             .order_by(CustomerReceipt.receipt_date.desc(), CustomerReceipt.id.desc()).limit(limit))
    if customer_id is not None:
        query = query.where(CustomerReceipt.customer_id == customer_id)
    if start is not None:
        query = query.where(CustomerReceipt.receipt_date >= start)
    if end is not None:
        query = query.where(CustomerReceipt.receipt_date <= end)
    return [{"receipt_id": r.id, "doc_no": r.doc_no, "receipt_date": r.receipt_date, "customer_name": f"{c} {n}",
             "amount": r.amount, "unallocated_amount": r.unallocated_amount, "account": acc, "method": r.method,
             "reference": r.reference, "status": r.status, "reversed_on": r.reversed_on,
             "reversal_reason": r.reversal_reason} for r, c, n, acc in session.execute(query)]


def advances(session: Session, customer_id: int | None = None) -> list[dict[str, Any]]:
    """Receipts and credit notes with money not yet applied (for "apply an advance")."""
    out = []
    for kind, model, on in (("receipt", CustomerReceipt, CustomerReceipt.receipt_date),
                            ("credit_note", CreditNote, CreditNote.note_date)):
        query = select(model).where(model.unallocated_amount > 0).order_by(on, model.id)
        if customer_id is not None:
            query = query.where(model.customer_id == customer_id)
        for doc in session.execute(query).scalars():
            out.append({"kind": kind, "id": doc.id, "doc_no": doc.doc_no, "customer_id": doc.customer_id,
                        "date": getattr(doc, "receipt_date", None) or getattr(doc, "note_date", None),
                        "amount": doc.amount, "unallocated_amount": doc.unallocated_amount})
    return out


def credit_notes(session: Session, *, customer_id: int | None = None, limit: int = 2000) -> list[dict[str, Any]]:
    query = (select(CreditNote, Customer.code, Customer.name, SalesReturn.doc_no.label("ret"))
             .join(Customer, Customer.id == CreditNote.customer_id)
             .outerjoin(SalesReturn, SalesReturn.id == CreditNote.sales_return_id)
             .order_by(CreditNote.note_date.desc(), CreditNote.id.desc()).limit(limit))
    if customer_id is not None:
        query = query.where(CreditNote.customer_id == customer_id)
    return [{"credit_note_id": n.id, "doc_no": n.doc_no, "note_date": n.note_date, "customer_name": f"{c} {nm}",
             "return_no": ret, "amount": n.amount, "unallocated_amount": n.unallocated_amount, "reason": n.reason}
            for n, c, nm, ret in session.execute(query)]


def returns_without_credit_note(session: Session) -> list[dict[str, Any]]:
    credited = select(CreditNote.sales_return_id).where(CreditNote.sales_return_id.is_not(None))
    rows = session.execute(select(SalesReturn, Customer.code, Customer.name)
                           .join(Customer, Customer.id == SalesReturn.customer_id)
                           .where(SalesReturn.status == "posted", ~SalesReturn.id.in_(credited))
                           .order_by(SalesReturn.return_date.desc(), SalesReturn.id.desc()).limit(500))
    return [{"sales_return_id": r.id, "doc_no": r.doc_no, "return_date": r.return_date,
             "customer_name": f"{c} {n}", "reason": r.reason} for r, c, n in rows]


def open_invoices(session: Session, customer_id: int | None = None) -> list[dict[str, Any]]:
    """Posted invoices with something open (for a write-off request)."""
    rows = invoices(session, customer_id=customer_id, statuses=("posted",))
    return [r for r in rows if r["open_amount"] > 0]


def write_offs(session: Session, *, statuses: Sequence[str] | None = None) -> list[dict[str, Any]]:
    query = (select(BadDebtWriteOff, Customer.code, Customer.name, SalesInvoice.doc_no.label("inv"))
             .join(Customer, Customer.id == BadDebtWriteOff.customer_id)
             .join(SalesInvoice, SalesInvoice.id == BadDebtWriteOff.invoice_id)
             .order_by(BadDebtWriteOff.request_date.desc(), BadDebtWriteOff.id.desc()))
    if statuses:
        query = query.where(BadDebtWriteOff.status.in_(list(statuses)))
    return [{"write_off_id": w.id, "doc_no": w.doc_no, "request_date": w.request_date, "customer_name": f"{c} {n}",
             "invoice_no": inv, "amount": w.amount, "reason": w.reason, "status": w.status,
             "decided_on": w.decided_on, "decision_note": w.decision_note}
            for w, c, n, inv in session.execute(query)]


def customer_invoice_ids(session: Session, customer_id: int) -> list[int]:
    return list(session.execute(select(SalesInvoice.id).where(SalesInvoice.customer_id == customer_id)
                                .order_by(SalesInvoice.invoice_date.desc())).scalars())


def payment_term_rows(session: Session) -> list[dict[str, Any]]:
    """Every payment term with its lines spelled out and how many customers use it."""
    from operational.models import PaymentTerm

    users = dict(session.execute(select(Customer.payment_term_id, func.count()).where(
        Customer.payment_term_id.is_not(None)).group_by(Customer.payment_term_id)).all())
    out = []
    for term in session.execute(select(PaymentTerm).order_by(PaymentTerm.code)).scalars():
        lines = " / ".join(f"{ln.percent.normalize():f}% @ {ln.days}" for ln in term.lines)
        out.append({"payment_term_id": term.id, "code": term.code, "name": term.name, "term_lines": lines,
                    "customers": users.get(term.id, 0)})
    return out
