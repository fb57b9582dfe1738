"""Reads of the payables tables for the payables forms and drill-downs (no rules here: the rules
are in ``operational.services.payables``). Every function takes a read-only session and returns
plain rows (dicts or dataclasses), so pages hold no SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from operational.models import (
    CashAccount,
    GoodsReceipt,
    GoodsReceiptLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    Supplier,
)
from operational.models.payables import (
    HELD,
    POSTED,
    PROPOSED,
    ApAllocation,
    ApInstalment,
    BilledReceiptLine,
    DebitNote,
    SupplierBill,
    SupplierBillLine,
    SupplierMatchTolerance,
    SupplierPayment,
    SupplierPaymentTarget,
)
from operational.services import payables

ZERO = Decimal(0)


def supplier_choices(session: Session) -> list[tuple[int, str]]:
    return [(i, f"{c} {n}") for i, c, n in session.execute(
        select(Supplier.id, Supplier.code, Supplier.name).order_by(Supplier.code))]


# --- bill entry ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BillableLine:
    receipt_line_id: int
    receipt_id: int
    receipt_no: str
    receipt_date: date
    order_no: str
    line_no: int
    sku: str
    product_name: str
    unit: str
    accepted: Decimal
    returned: Decimal
    billed: Decimal
    debited: Decimal
    po_price: Decimal

    @property
    def billable(self) -> Decimal:
        return self.accepted - self.returned - self.billed + self.debited


def billable_lines(session: Session, supplier_id: int, receipt_ids: list[int] | None = None, *,
                   only_open: bool = True, limit: int = 500) -> list[BillableLine]:
    """The supplier's receipt lines with what is still billable (newest receipts first)."""
    query = (select(GoodsReceiptLine.id, GoodsReceipt.id, GoodsReceipt.doc_no, GoodsReceipt.receipt_date,
                    PurchaseOrder.doc_no, GoodsReceiptLine.line_no, Product.sku, Product.name, Product.unit,
                    GoodsReceiptLine.quantity, GoodsReceiptLine.returned_qty, BilledReceiptLine.billed_qty,
                    BilledReceiptLine.debited_qty, PurchaseOrderLine.unit_price, PurchaseOrderLine.discount_rate,
                    PurchaseOrderLine.tax_rate, PurchaseOrderLine.price_includes_tax)
             .join(GoodsReceipt, GoodsReceipt.id == GoodsReceiptLine.receipt_id)
             .join(PurchaseOrder, PurchaseOrder.id == GoodsReceipt.purchase_order_id)
             .join(PurchaseOrderLine, PurchaseOrderLine.id == GoodsReceiptLine.po_line_id)
             .join(Product, Product.id == GoodsReceiptLine.product_id)
             .outerjoin(BilledReceiptLine, BilledReceiptLine.receipt_line_id == GoodsReceiptLine.id)
             .where(GoodsReceipt.supplier_id == supplier_id)
             .order_by(GoodsReceipt.receipt_date.desc(), GoodsReceipt.id.desc(), GoodsReceiptLine.line_no))
    if receipt_ids is not None:
        query = query.where(GoodsReceipt.id.in_(receipt_ids))
    result = []
    for row in session.execute(query):
        line = BillableLine(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9],
                            row[10], row[11] or ZERO, row[12] or ZERO,
                            payables.net_price(_Price(row[13], row[14], row[15], row[16])))
        if not only_open or line.billable > 0:
            result.append(line)
        if len(result) >= limit:
            break
    return result


@dataclass(frozen=True)
class _Price:
    unit_price: Decimal
    discount_rate: Decimal
    tax_rate: Decimal
    price_includes_tax: bool


def receipt_choices(session: Session, supplier_id: int) -> list[tuple[int, str]]:
    """Receipts of the supplier with something still billable: (id, "GR-… date PO-…")."""
    seen: dict[int, str] = {}
    for line in billable_lines(session, supplier_id):
        seen.setdefault(line.receipt_id, f"{line.receipt_no} · {line.receipt_date:%Y-%m-%d} · {line.order_no}")
    return list(seen.items())


def tolerance_rows(session: Session) -> list[dict[str, Any]]:
    """Suppliers with their own match tolerances (as percentages), the others use the defaults."""
    rows = session.execute(select(SupplierMatchTolerance, Supplier.code, Supplier.name)
                           .join(Supplier, Supplier.id == SupplierMatchTolerance.supplier_id)
                           .order_by(Supplier.code)).all()
    return [{"supplier_id": r.supplier_id, "supplier_name": f"{code} {name}", "qty_tolerance": r.qty_tolerance * 100,
             "price_tolerance": r.price_tolerance * 100, "price_abs_tolerance": r.price_abs_tolerance}
            for r, code, name in rows]


# --- bills ---------------------------------------------------------------------------------------

def bill_rows(session: Session, *, supplier_id: int | None = None, statuses: tuple[str, ...] | None = None,
              start: date | None = None, end: date | None = None, search: str = "",
              limit: int = 500) -> list[dict[str, Any]]:
    """Bills, newest first, with what is still open on the posted ones."""
    open_amount = (select(func.coalesce(func.sum(ApInstalment.amount), 0)).where(ApInstalment.bill_id == SupplierBill.id)
                   .scalar_subquery())
    settled = (select(func.coalesce(func.sum(ApInstalment.settled_amount), 0))
               .where(ApInstalment.bill_id == SupplierBill.id).scalar_subquery())
    query = (select(SupplierBill, Supplier.name, open_amount, settled)
             .join(Supplier, Supplier.id == SupplierBill.supplier_id)
             .order_by(SupplierBill.bill_date.desc(), SupplierBill.id.desc()).limit(limit))
    if supplier_id is not None:
        query = query.where(SupplierBill.supplier_id == supplier_id)
    if statuses:
        query = query.where(SupplierBill.status.in_(statuses))
    if start is not None:
        query = query.where(SupplierBill.bill_date >= start)
    if end is not None:
        query = query.where(SupplierBill.bill_date <= end)
    if search.strip():
        like = f"%{search.strip()}%"
        query = query.where(or_(SupplierBill.doc_no.ilike(like), SupplierBill.supplier_invoice_no.ilike(like)))
    rows = []
    for bill, supplier_name, scheduled, paid in session.execute(query):
        # SUM and COALESCE keep the column's type: Decimal on both backends.
        scheduled, paid = Decimal(scheduled or 0), Decimal(paid or 0)
        rows.append({"bill_id": bill.id, "doc_no": bill.doc_no, "supplier_invoice_no": bill.supplier_invoice_no,
                     "supplier_name": supplier_name, "bill_date": bill.bill_date, "status": bill.status,
                     "match_status": bill.match_status, "total_amount": bill.total_amount,
                     "open_amount": scheduled - paid if bill.status == POSTED else ZERO,
                     "hold_reason": bill.hold_reason, "approved_on": bill.approved_on})
    return rows


def held_bills(session: Session) -> list[dict[str, Any]]:
    """The approval queue: held bills, oldest first."""
    return sorted(bill_rows(session, statuses=(HELD,), limit=1000), key=lambda r: (r["bill_date"], r["bill_id"]))


def bill_lines(session: Session, bill_id: int) -> list[dict[str, Any]]:
    """A bill's lines with their receipt and the match figures."""
    rows = session.execute(
        select(SupplierBillLine, GoodsReceipt.id, GoodsReceipt.doc_no, GoodsReceipt.receipt_date,
               GoodsReceiptLine.line_no, Product.sku, Product.name)
        .join(GoodsReceiptLine, GoodsReceiptLine.id == SupplierBillLine.receipt_line_id)
        .join(GoodsReceipt, GoodsReceipt.id == GoodsReceiptLine.receipt_id)
        .join(Product, Product.id == SupplierBillLine.product_id)
        .where(SupplierBillLine.bill_id == bill_id).order_by(SupplierBillLine.line_no)).all()
    result = []
    for line, receipt_id, receipt_no, receipt_date, receipt_line_no, sku, name in rows:
        check = payables.line_check(session, line)
        result.append({"line_no": line.line_no, "receipt_id": receipt_id, "receipt_no": receipt_no, "receipt_date": receipt_date,
                       "receipt_line_no": receipt_line_no, "sku": sku, "product_name": name,
                       "quantity": line.quantity, "billable_qty": line.billable_qty, "qty_variance": line.qty_variance,
                       "unit_price": line.unit_price, "po_price": line.po_price,
                       "price_variance": line.price_variance, "amount": line.amount,
                       "within_tolerance": line.within_tolerance, "qty_ok": check.qty_ok, "price_ok": check.price_ok})
    return result


def bill_supplier(session: Session, bill_id: int) -> int | None:
    return session.execute(select(SupplierBill.supplier_id).where(SupplierBill.id == bill_id)).scalar()


def bill_instalments(session: Session, bill_id: int) -> list[dict[str, Any]]:
    return [{"seq": i.seq, "due_date": i.due_date, "amount": i.amount, "settled_amount": i.settled_amount,
             "open_amount": i.amount - i.settled_amount}
            for i in session.execute(select(ApInstalment).where(ApInstalment.bill_id == bill_id)
                                     .order_by(ApInstalment.seq)).scalars()]


def bill_allocations(session: Session, bill_id: int) -> list[dict[str, Any]]:
    """What settled the bill: payments and debit notes with their numbers."""
    rows = session.execute(
        select(ApAllocation, ApInstalment.seq).join(ApInstalment, ApInstalment.id == ApAllocation.instalment_id)
        .where(ApInstalment.bill_id == bill_id).order_by(ApAllocation.id)).all()
    numbers = {("payment", i): n for i, n in session.execute(
        select(SupplierPayment.id, SupplierPayment.doc_no).where(SupplierPayment.id.in_(
            [a.source_id for a, _ in rows if a.source_type == "payment"])))}
    numbers |= {("debit_note", i): n for i, n in session.execute(
        select(DebitNote.id, DebitNote.doc_no).where(DebitNote.id.in_(
            [a.source_id for a, _ in rows if a.source_type == "debit_note"])))}
    return [{"allocated_on": a.allocated_on, "seq": seq, "source_type": a.source_type,
             "source_no": numbers.get((a.source_type, a.source_id)), "amount": a.amount} for a, seq in rows]


# --- payments ------------------------------------------------------------------------------------

def open_instalments(session: Session, *, supplier_id: int | None = None, due_by: date | None = None,
                     as_of: date | None = None) -> list[dict[str, Any]]:
    """The payment schedule: open instalments of posted bills by due date (days overdue as of
    ``as_of``, default today)."""
    today = as_of or date.today()
    query = (select(ApInstalment, SupplierBill.doc_no, SupplierBill.supplier_invoice_no, SupplierBill.bill_date,
                    Supplier.id, Supplier.name)
             .join(SupplierBill, SupplierBill.id == ApInstalment.bill_id)
             .join(Supplier, Supplier.id == SupplierBill.supplier_id)
             .where(SupplierBill.status == POSTED, ApInstalment.settled_amount < ApInstalment.amount)
             .order_by(ApInstalment.due_date, SupplierBill.id, ApInstalment.seq))
    if supplier_id is not None:
        query = query.where(SupplierBill.supplier_id == supplier_id)
    if due_by is not None:
        query = query.where(ApInstalment.due_date <= due_by)
    return [{"instalment_id": i.id, "bill_id": i.bill_id, "due_date": i.due_date, "days_overdue": max((today - i.due_date).days, 0),
             "supplier_id": sid, "supplier_name": name, "doc_no": no, "supplier_invoice_no": inv,
             "bill_date": bill_date, "seq": i.seq, "amount": i.amount, "settled_amount": i.settled_amount,
             "open_amount": i.amount - i.settled_amount}
            for i, no, inv, bill_date, sid, name in session.execute(query)]


def suggested_account(session: Session, amount: Decimal) -> CashAccount | None:
    """Where to pay ``amount`` from: the bank account (else any account) with the most money that
    covers it."""
    accounts = sorted(session.execute(select(CashAccount).where(CashAccount.is_active.is_(True))).scalars(),
                      key=lambda a: (a.kind != "bank", -a.balance, a.code))
    return next((a for a in accounts if a.allow_overdraft or a.balance >= amount), None)


def payment_schedule(session: Session, *, supplier_id: int | None = None, due_by: date | None = None,
                     as_of: date | None = None) -> list[dict[str, Any]]:
    """Open amounts per supplier up to ``due_by``, the supplier's credits not yet applied
    (advances, unallocated payments, debit notes: ``payables.unapplied_by_supplier``) and the net
    to pay (open − unapplied; negative when the credits exceed it), with the account suggested to
    pay the net from."""
    totals: dict[int, dict[str, Any]] = {}
    for row in open_instalments(session, supplier_id=supplier_id, due_by=due_by, as_of=as_of):
        entry = totals.setdefault(row["supplier_id"], {"supplier_id": row["supplier_id"],
                                                       "supplier_name": row["supplier_name"],
                                                       "first_due_date": row["due_date"], "instalments": 0,
                                                       "open_amount": ZERO, "overdue_amount": ZERO})
        entry["instalments"] += 1
        entry["open_amount"] += row["open_amount"]
        if row["days_overdue"] > 0:
            entry["overdue_amount"] += row["open_amount"]
    credits = payables.unapplied_by_supplier(session, supplier_id=supplier_id)
    for entry in totals.values():
        entry["unapplied_amount"] = credits.get(entry["supplier_id"], ZERO)
        entry["net_amount"] = entry["open_amount"] - entry["unapplied_amount"]
        account = suggested_account(session, max(entry["net_amount"], ZERO))
        entry["suggested_account"] = f"{account.code} {account.name}" if account else None
    return sorted(totals.values(), key=lambda e: (e["first_due_date"], e["supplier_name"]))


def payment_rows(session: Session, *, statuses: tuple[str, ...] | None = None, supplier_id: int | None = None,
                 limit: int = 500) -> list[dict[str, Any]]:
    query = (select(SupplierPayment, Supplier.name, CashAccount.code, CashAccount.name)
             .join(Supplier, Supplier.id == SupplierPayment.supplier_id)
             .join(CashAccount, CashAccount.id == SupplierPayment.cash_account_id)
             .order_by(SupplierPayment.payment_date.desc(), SupplierPayment.id.desc()).limit(limit))
    if statuses:
        query = query.where(SupplierPayment.status.in_(statuses))
    if supplier_id is not None:
        query = query.where(SupplierPayment.supplier_id == supplier_id)
    return [{"payment_id": p.id, "doc_no": p.doc_no, "supplier_name": name, "payment_date": p.payment_date,
             "amount": p.amount, "account": f"{code} {acc}", "status": p.status, "reversed_on": p.reversed_on,
             "reversal_reason": p.reversal_reason,
             "unallocated_amount": p.unallocated_amount, "memo": p.memo}
            for p, name, code, acc in session.execute(query)]


def proposed_payments(session: Session) -> list[dict[str, Any]]:
    return list(reversed(payment_rows(session, statuses=(PROPOSED,), limit=1000)))


def payment_targets(session: Session, payment_id: int) -> list[dict[str, Any]]:
    """The instalments a proposed payment names (empty: oldest first)."""
    rows = session.execute(
        select(SupplierPaymentTarget.amount, ApInstalment.seq, ApInstalment.due_date, SupplierBill.doc_no)
        .join(ApInstalment, ApInstalment.id == SupplierPaymentTarget.instalment_id)
        .join(SupplierBill, SupplierBill.id == ApInstalment.bill_id)
        .where(SupplierPaymentTarget.payment_id == payment_id).order_by(SupplierPaymentTarget.id)).all()
    return [{"doc_no": no, "seq": seq, "due_date": due, "amount": amount} for amount, seq, due, no in rows]


# --- debit notes ---------------------------------------------------------------------------------

def returns_without_debit_note(session: Session, limit: int = 300) -> list[tuple[int, str]]:
    """Purchase returns that have no debit note yet, newest first: (id, "PR-… date supplier")."""
    rows = session.execute(
        select(PurchaseReturn.id, PurchaseReturn.doc_no, PurchaseReturn.return_date, Supplier.name)
        .join(Supplier, Supplier.id == PurchaseReturn.supplier_id)
        .where(PurchaseReturn.id.not_in(select(DebitNote.purchase_return_id)))
        .order_by(PurchaseReturn.return_date.desc(), PurchaseReturn.id.desc()).limit(limit)).all()
    return [(i, f"{no} · {d:%Y-%m-%d} · {name}") for i, no, d, name in rows]


def debit_note_rows(session: Session, limit: int = 500) -> list[dict[str, Any]]:
    rows = session.execute(
        select(DebitNote, Supplier.name, PurchaseReturn.doc_no, SupplierBill.doc_no)
        .join(Supplier, Supplier.id == DebitNote.supplier_id)
        .join(PurchaseReturn, PurchaseReturn.id == DebitNote.purchase_return_id)
        .outerjoin(SupplierBill, SupplierBill.id == DebitNote.bill_id)
        .order_by(DebitNote.note_date.desc(), DebitNote.id.desc()).limit(limit)).all()
    return [{"doc_no": n.doc_no, "note_date": n.note_date, "supplier_name": name, "return_no": ret_no,
             "bill_no": bill_no, "amount": n.amount, "unallocated_amount": n.unallocated_amount}
            for n, name, ret_no, bill_no in rows]
