"""Payables (应付账款): supplier bills with the three-way match, held-bill approval, debit notes
from purchase returns, supplier payments and their allocation to instalments.

The rules of the area, each in one place:

- **Three-way match** (``match_line``), per bill line against the purchase-order line (price) and
  the goods-receipt line (quantity). The billable quantity of a receipt line is accepted −
  returned − already billed (bills not rejected) + already debited. Quantity: billing *more* than
  billable by more than ``qty`` × billable is a mismatch (billing less is a partial bill, fine).
  Price: the billed unit price may differ from the order's net price (price × (1 − discount)) by
  at most ``price`` × net price + ``price_abs`` (rounding), either way. Company defaults
  ``DEFAULT_TOLERANCE`` (2 %, 1 %, 0.01), a supplier may have its own (``set_tolerance``).
- A bill whose every line matches is **posted** at once (approved automatically, ``approved_by``
  NULL) and gets instalments from the supplier's payment term (the shared ``open_items``
  schedule). Otherwise it is **held** with a reason naming each line and variance, until a
  finance or manager user approves it (posted) or rejects it (the quantity is freed; the
  supplier re-bills). Two bills for the same receipt line entered at once are matched one after
  the other (atomic counter ``billed_receipt_line``), so over-billing is caught even then.
- **Debit notes** (``create_debit_note``): a purchase return credits the supplier for the
  returned quantity that had been billed (returned before billing, the supplier bills net and no
  note is due), at the billed unit price (else the order's net price). A note is applied to its
  bill's instalments first, then to the supplier's other open instalments oldest first; what is
  left waits on ``unallocated_amount`` and is applied when the supplier's next bill posts.
- **Payments**: proposed by purchasing or finance (optionally naming instalments and amounts),
  approved and paid by finance: one ``cash.post`` (kind ``supplier_payment``, refused when the
  account cannot cover it) and the allocation, in one savepoint. With named instalments the
  allocation is exactly that and is refused (nothing written, no money moves) when an instalment
  no longer has that much open — two payments of the same bill cannot both pay it. Without, it
  settles the supplier's open instalments oldest due date first and what is left stays
  unallocated (an advance), applied to the next bill. No instalment is ever over-settled.

Services take a ``Session`` and the acting ``AppUser`` and never commit; callers wrap them in
``operational.db.unit_of_work``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from operational.i18n import DEFAULT_LANGUAGE, translate
from operational.models import (
    AppUser,
    CashAccount,
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrderLine,
    PurchaseReturn,
    Supplier,
    utcnow,
)
from operational.models.payables import (
    HELD,
    MATCHED,
    MISMATCH,
    PAID,
    POSTED,
    PROPOSED,
    REJECTED,
    REVERSED,
    ApAllocation,
    ApInstalment,
    BilledReceiptLine,
    DebitNote,
    DebitNoteLine,
    SupplierBill,
    SupplierBillLine,
    SupplierMatchTolerance,
    SupplierPayment,
    SupplierPaymentTarget,
)
from operational.services import auth, cash, numbering, open_items, stock_cancellation, tax
from operational.services.errors import StateError, ValidationError
from operational.services.open_items import MoneySource, OpenItemSide, Source
from operational.services.validation import (
    document_date,
    get_or_fail,
    non_negative,
    positive,
    rate,
    required_text,
    to_decimal,
)

CENT = Decimal("0.01")
QTY = Decimal("0.0001")

# Who may do what (admins may do everything, see auth.require_role).
ENTER_BILL_ROLES = ("finance", "purchasing")
APPROVE_BILL_ROLES = ("finance", "manager")
PROPOSE_PAYMENT_ROLES = ("finance", "purchasing")
PAY_ROLES = ("finance",)
DEBIT_NOTE_ROLES = ("finance", "purchasing")
TOLERANCE_ROLES = ("finance",)

AP = OpenItemSide(
    name="payable", document_model=SupplierBill, document_entity="supplier_bill", partner_field="supplier_id",
    date_field="bill_date", document_field="bill_id", instalment_model=ApInstalment, allocation_model=ApAllocation,
    # what stands to our credit with a supplier until applied (未核销): advances and the unallocated
    # part of paid payments (a reversed payment leaves on its reversal date), debit notes not yet applied
    money_sources=(MoneySource("payment", SupplierPayment, "supplier_id", "payment_date", statuses=(PAID,),
                               reversed_status=REVERSED),
                   MoneySource("debit_note", DebitNote, "supplier_id", "note_date")),
)


@dataclass(frozen=True)
class Tolerance:
    """Three-way-match tolerances: ``qty`` and ``price`` are shares (0.02 = 2 %), ``price_abs`` is
    an amount per unit added to the price tolerance for rounding."""

    qty: Decimal
    price: Decimal
    price_abs: Decimal


DEFAULT_TOLERANCE = Tolerance(qty=Decimal("0.02"), price=Decimal("0.01"), price_abs=Decimal("0.01"))
# The VAT on a bill line may differ from net × the order line's rate by this much (the 0.06 per line
# that VAT invoicing software allows for its own rounding); beyond it the bill is held.
TAX_TOLERANCE = Decimal("0.06")


@dataclass(frozen=True)
class LineCheck:
    """What the match found for one bill line."""

    qty_variance: Decimal  # billed − billable (positive: billed more than received)
    price_variance: Decimal  # billed unit price − order net price
    qty_allowed: Decimal  # how far above billable the quantity may go
    price_allowed: Decimal  # how far the unit price may differ either way
    qty_ok: bool
    price_ok: bool
    # VAT: billed tax − net × the order line's rate (to the cent), and whether within TAX_TOLERANCE
    tax_variance: Decimal = Decimal(0)
    tax_ok: bool = True

    @property
    def within_tolerance(self) -> bool:
        return self.qty_ok and self.price_ok and self.tax_ok


def match_line(quantity: Decimal, unit_price: Decimal, billable_qty: Decimal, po_price: Decimal,
               tolerance: Tolerance = DEFAULT_TOLERANCE, *, tax_variance: Decimal = Decimal(0)) -> LineCheck:
    """The three-way match of one line (pure; see the module docstring for the rule). Prices are
    compared net of VAT; the VAT is compared separately (``tax_variance``)."""
    billable = max(Decimal(billable_qty), Decimal(0))
    qty_variance = (Decimal(quantity) - billable).quantize(QTY)
    qty_allowed = (billable * tolerance.qty).quantize(QTY, ROUND_HALF_UP)
    price_variance = (Decimal(unit_price) - Decimal(po_price)).quantize(QTY)
    price_allowed = (Decimal(po_price) * tolerance.price + tolerance.price_abs).quantize(QTY, ROUND_HALF_UP)
    return LineCheck(qty_variance, price_variance, qty_allowed, price_allowed,
                     qty_ok=qty_variance <= qty_allowed, price_ok=abs(price_variance) <= price_allowed,
                     tax_variance=Decimal(tax_variance), tax_ok=abs(Decimal(tax_variance)) <= TAX_TOLERANCE)


def net_price(po_line: Any) -> Decimal:
    """The order line's unit price net of its discount and of VAT, 4 places (what a receipt line
    is worth to the three-way match)."""
    return tax.net_unit_price(po_line.unit_price, po_line.discount_rate, po_line.tax_rate,
                              includes_tax=bool(po_line.price_includes_tax)).quantize(QTY, ROUND_HALF_UP)


# --- tolerances ----------------------------------------------------------------------------------

def tolerance_for(session: Session, supplier_id: int) -> Tolerance:
    """The supplier's own tolerances, else the company defaults."""
    row = session.get(SupplierMatchTolerance, supplier_id)
    if row is None:
        return DEFAULT_TOLERANCE
    return Tolerance(row.qty_tolerance, row.price_tolerance, row.price_abs_tolerance)


def set_tolerance(session: Session, supplier_id: Any, qty: Any, price: Any, price_abs: Any, *,
                  user: AppUser | None) -> SupplierMatchTolerance:
    """Give a supplier its own match tolerances (finance)."""
    auth.require_role(user, *TOLERANCE_ROLES)
    supplier = get_or_fail(session, Supplier, supplier_id, "supplier", field="supplier_id")
    values = dict(qty_tolerance=rate(qty, "qty_tolerance"), price_tolerance=rate(price, "price_tolerance"),
                  price_abs_tolerance=non_negative(price_abs, "price_abs_tolerance"))
    row = session.get(SupplierMatchTolerance, supplier.id)
    if row is None:
        row = SupplierMatchTolerance(supplier_id=supplier.id, **values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.flush()
    return row


# --- bills ---------------------------------------------------------------------------------------

@dataclass
class BillLineInput:
    """One line of the supplier's invoice. ``price_includes_tax`` None: as the order line was
    priced; ``tax_amount`` None: net × the order line's rate (else the tax the invoice states);
    ``tax_rate_code`` None: the order line's rate (else the rate the invoice states, on the bill date)."""

    receipt_line_id: int | None
    quantity: Any
    unit_price: Any
    price_includes_tax: bool | None = None
    tax_amount: Any = None
    tax_rate_code: Any = None


@dataclass(frozen=True)
class LinePreview:
    """A bill line as the match sees it (the form shows this live, before saving)."""

    line_no: int
    receipt_line_id: int
    po_line_id: int
    product_id: int
    quantity: Decimal
    unit_price: Decimal  # net of VAT, 4 places
    amount: Decimal  # net
    billable_qty: Decimal
    po_price: Decimal
    check: LineCheck
    tax_rate_code: str | None = None
    tax_rate: Decimal = Decimal(0)
    tax_amount: Decimal = Decimal(0)
    gross_amount: Decimal = Decimal(0)
    price_includes_tax: bool = False


_BRL = BilledReceiptLine.__table__


def billing_counters(session: Session, receipt_line_ids: Sequence[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """(billed, debited) quantity per receipt line that has been billed."""
    rows = session.execute(select(_BRL.c.receipt_line_id, _BRL.c.billed_qty, _BRL.c.debited_qty)
                           .where(_BRL.c.receipt_line_id.in_(list(receipt_line_ids)))).all()
    return {int(r): (Decimal(b), Decimal(d)) for r, b, d in rows}


def billable_quantity(receipt_line: Any, billed: Decimal, debited: Decimal) -> Decimal:
    """What of a receipt line may still be billed: accepted − returned − billed + debited."""
    return receipt_line.quantity - receipt_line.returned_qty - billed + debited


def _parse_lines(session: Session, supplier: Supplier, lines: Sequence[BillLineInput],
                 record: str | None) -> list[tuple[int, Any, Any, Decimal, Decimal]]:
    """(line no, receipt line row, order line row, quantity, unit price) per bill line, validated.
    The rows carry the receipt line's columns, its receipt's doc_no / supplier_id / receipt_date
    and the order line's unit_price / discount_rate."""
    if not lines:
        raise ValidationError("no_lines", field="lines", record=record)
    # One read for every line's receipt line, receipt and order line (bills can have hundreds);
    # plain rows, not ORM objects: nothing here is changed.
    ids = {int(item.receipt_line_id) for item in lines if str(item.receipt_line_id or "").isdigit()}
    found = {row.id: (row, row, row) for row in session.execute(
        select(GoodsReceiptLine.id, GoodsReceiptLine.line_no, GoodsReceiptLine.product_id, GoodsReceiptLine.quantity,
               GoodsReceiptLine.returned_qty, GoodsReceiptLine.po_line_id, GoodsReceipt.doc_no,
               GoodsReceipt.supplier_id, GoodsReceipt.receipt_date, PurchaseOrderLine.unit_price,
               PurchaseOrderLine.discount_rate, PurchaseOrderLine.tax_rate, PurchaseOrderLine.tax_rate_code,
               PurchaseOrderLine.price_includes_tax)
        .join(GoodsReceipt, GoodsReceipt.id == GoodsReceiptLine.receipt_id)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == GoodsReceiptLine.po_line_id)
        .where(GoodsReceiptLine.id.in_(ids)))} if ids else {}
    parsed = []
    seen: set[int] = set()
    for n, item in enumerate(lines, start=1):
        if item.receipt_line_id in (None, ""):
            raise ValidationError("required", field=f"lines.{n}.receipt_line_id", record=record, line_no=n,
                                  field_label="field.receipt_line_id")
        hit = found.get(int(item.receipt_line_id)) if str(item.receipt_line_id).isdigit() else None
        if hit is None:
            raise ValidationError("not_found", field=f"lines.{n}.receipt_line_id", record=record, line_no=n,
                                  entity="entity.goods_receipt_line", key=item.receipt_line_id)
        rl, receipt, ol = hit
        if receipt.supplier_id != supplier.id:
            raise ValidationError("receipt_of_other_supplier", field=f"lines.{n}.receipt_line_id", record=record,
                                  line_no=n, receipt_no=receipt.doc_no)
        if rl.id in seen:
            raise ValidationError("duplicate_receipt_line", field=f"lines.{n}.receipt_line_id", record=record,
                                  line_no=n, receipt_no=receipt.doc_no, receipt_line_no=rl.line_no)
        seen.add(rl.id)
        qty = positive(item.quantity, "quantity", record=record, line_no=n)
        price = non_negative(item.unit_price, "unit_price", record=record, line_no=n)
        parsed.append((n, rl, ol, qty, price))
    return parsed


_ADD_BILLED = (
    update(_BRL).where(_BRL.c.receipt_line_id == bindparam("r"))
    .values(billed_qty=_BRL.c.billed_qty + bindparam("q", type_=_BRL.c.billed_qty.type), updated_at=bindparam("now"))
)


def _move_billed(session: Session, deltas: dict[int, Decimal]) -> dict[int, tuple[Decimal, Decimal]]:
    """Add ``deltas`` to the receipt lines' billed quantity and return each line's (billed after,
    debited). The UPDATE comes first and locks the rows (PostgreSQL; SQLite holds the write lock),
    so the read after it sees every other bill committed before and none that is still running."""
    if not deltas:
        return {}
    now = utcnow()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    conn = session.connection()
    conn.execute(insert(BilledReceiptLine).on_conflict_do_nothing(index_elements=["receipt_line_id"]),
                 [{"receipt_line_id": rid, "billed_qty": Decimal(0), "debited_qty": Decimal(0), "created_at": now,
                   "updated_at": now} for rid in deltas])
    conn.execute(_ADD_BILLED, [{"r": rid, "q": q, "now": now} for rid, q in deltas.items()])
    return billing_counters(session, list(deltas))


def _bill_tax(session: Session, n: int, ol: Any, item: BillLineInput, qty: Decimal, price: Decimal,
              on: date | None, record: str | None) -> tuple[str | None, tax.LineTax, Decimal, bool]:
    """A bill line's VAT split as the supplier's invoice states it: (rate code, split, net unit
    price, price with tax?); and with it what the order line's rate expects (see ``_preview``)."""
    includes = bool(ol.price_includes_tax) if item.price_includes_tax is None else bool(item.price_includes_tax)
    if item.tax_rate_code in (None, ""):
        code, vat_rate = ol.tax_rate_code, ol.tax_rate
    else:
        code = str(item.tax_rate_code).strip()
        vat_rate = tax.rate_on(session, code, on or date.today(), line_no=n)
    split = tax.split_line(qty, price, vat_rate, includes_tax=includes)
    if item.tax_amount not in (None, ""):  # the tax the invoice states; the match judges it
        stated = to_decimal(item.tax_amount, "tax_amount", record=record, line_no=n).quantize(CENT, ROUND_HALF_UP)
        if stated < 0:
            raise ValidationError("bill_tax_negative", field=f"lines.{n}.tax_amount", record=record, line_no=n)
        split = (tax.LineTax(vat_rate, split.gross - stated, stated, split.gross) if includes
                 else tax.LineTax(vat_rate, split.net, stated, split.net + stated))
    unit = tax.net_unit_price(price, Decimal(0), vat_rate, includes_tax=includes).quantize(QTY, ROUND_HALF_UP)
    return code, split, unit, includes


def _preview(session: Session, n: int, rl: Any, ol: Any, item: BillLineInput, qty: Decimal, price: Decimal,
             billable: Decimal, tolerance: Tolerance, on: date | None, record: str | None) -> LinePreview:
    po_price = net_price(ol)
    code, split, unit, includes = _bill_tax(session, n, ol, item, qty, price, on, record)
    # Net and tax are matched separately: the net unit price against the order's, the tax against
    # the bill's net at the order line's rate.
    expected = tax.cents(split.net * ol.tax_rate)
    check = match_line(qty, unit, billable, po_price, tolerance, tax_variance=split.tax - expected)
    return LinePreview(n, rl.id, rl.po_line_id, rl.product_id, qty, unit, split.net, billable, po_price, check,
                       code, split.rate, split.tax, split.gross, includes)


def preview_bill(session: Session, supplier_id: Any, lines: Sequence[BillLineInput],
                 on: date | None = None) -> list[LinePreview]:
    """The match of a bill being typed, against what is billed now (writes nothing)."""
    supplier = get_or_fail(session, Supplier, supplier_id, "supplier", field="supplier_id")
    parsed = _parse_lines(session, supplier, lines, None)
    counters = billing_counters(session, [rl.id for _, rl, *_ in parsed])
    tolerance = tolerance_for(session, supplier.id)
    return [_preview(session, n, rl, ol, lines[n - 1], qty, price,
                     billable_quantity(rl, *counters.get(rl.id, (Decimal(0), Decimal(0)))), tolerance, on, None)
            for n, rl, ol, qty, price in parsed]


def hold_reason(line: LinePreview | SupplierBillLine, check: LineCheck, language: str = DEFAULT_LANGUAGE) -> str:
    """Why one line is outside tolerance, naming the line and its variances ("" when it is not)."""
    parts = []
    if not check.qty_ok:
        parts.append(translate("payables.hold.quantity", language, line_no=line.line_no,
                               quantity=_fmt(line.quantity), billable=_fmt(line.billable_qty),
                               variance=_fmt(check.qty_variance), allowed=_fmt(check.qty_allowed)))
    if not check.price_ok:
        pct = (check.price_variance / line.po_price * 100).quantize(CENT) if line.po_price else Decimal(0)
        parts.append(translate("payables.hold.price", language, line_no=line.line_no,
                               price=_fmt_price(line.unit_price), po_price=_fmt_price(line.po_price),
                               variance=_fmt_price(check.price_variance), percent=f"{pct:f}",
                               allowed=_fmt_price(check.price_allowed)))
    if not check.tax_ok:
        parts.append(translate("payables.hold.tax", language, line_no=line.line_no, tax=f"{line.tax_amount:f}",
                               variance=f"{check.tax_variance:f}", allowed=f"{TAX_TOLERANCE:f}"))
    return "; ".join(parts)


def line_check(session: Session, line: SupplierBillLine) -> LineCheck:
    """The match of a saved bill line, recomputed from its stored figures and the supplier's
    current tolerances (for showing which side of the line is off)."""
    bill = session.get(SupplierBill, line.bill_id)
    return match_line(line.quantity, line.unit_price, line.billable_qty, line.po_price,
                      tolerance_for(session, bill.supplier_id), tax_variance=line.tax_variance)


def _fmt(value: Decimal) -> str:
    """4.0000 → 4.00, 4.0600 → 4.06, 4.0625 → 4.0625, 100.0000 → 100 (quantities stay whole)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):f}"
    text = f"{value.normalize():f}"
    return text if len(text.split(".")[1]) >= 2 else f"{value.quantize(CENT):f}"


def _fmt_price(value: Decimal) -> str:
    value = Decimal(value)
    return _fmt(value) if value != value.to_integral_value() else f"{value.quantize(CENT):f}"


def create_bill(session: Session, supplier_id: Any, supplier_invoice_no: Any, bill_date: Any,
                lines: Sequence[BillLineInput], *, user: AppUser | None, note: str | None = None) -> SupplierBill:
    """Enter a supplier's bill against receipt lines. Matched: posted with instalments at once;
    otherwise held for approval with the reason. Validates everything before writing."""
    auth.require_role(user, *ENTER_BILL_ROLES)
    supplier = get_or_fail(session, Supplier, supplier_id, "supplier", field="supplier_id")
    invoice_no = required_text(supplier_invoice_no, "supplier_invoice_no")
    when = document_date(bill_date, "bill_date", session=session, record=invoice_no)
    duplicate = session.execute(select(SupplierBill.doc_no).where(
        SupplierBill.supplier_id == supplier.id, SupplierBill.supplier_invoice_no == invoice_no,
        SupplierBill.status != REJECTED)).scalar()
    if duplicate:
        raise ValidationError("duplicate_supplier_invoice", field="supplier_invoice_no", record=invoice_no,
                              doc_no=duplicate)
    parsed = _parse_lines(session, supplier, lines, invoice_no)
    for _, rl, *_ in parsed:
        if when < rl.receipt_date:
            raise ValidationError("date_order", field="bill_date", record=invoice_no, field_label="field.bill_date",
                                  other_label="field.receipt_date")
    tolerance = tolerance_for(session, supplier.id)
    bill = SupplierBill(doc_no=numbering.next_doc_no(session, "supplier_bill", when), supplier_id=supplier.id,
                        supplier_invoice_no=invoice_no, bill_date=when, status=HELD, match_status=MATCHED,
                        note=note, created_by=user.id if user else None)
    # The counters move first and atomically; what they held before is what other bills took.
    after = _move_billed(session, {rl.id: qty for _, rl, _, qty, _ in parsed})
    # Read after the counters are locked: a receipt cancelled (作废) meanwhile is seen here.
    stock_cancellation.refuse_cancelled_lines(session, "goods_receipt", [rl.id for _, rl, *_ in parsed],
                                              record=invoice_no)
    previews = []
    for n, rl, ol, qty, price in parsed:
        billed_now, debited = after[rl.id]
        billable = billable_quantity(rl, billed_now - qty, debited)
        previews.append(_preview(session, n, rl, ol, lines[n - 1], qty, price, billable, tolerance, when,
                                 invoice_no))
    reasons = []
    for p in previews:
        bill.lines.append(SupplierBillLine(
            line_no=p.line_no, receipt_line_id=p.receipt_line_id, po_line_id=p.po_line_id, product_id=p.product_id,
            quantity=p.quantity, unit_price=p.unit_price, amount=p.amount, billable_qty=p.billable_qty,
            po_price=p.po_price, qty_variance=p.check.qty_variance, price_variance=p.check.price_variance,
            tax_variance=p.check.tax_variance, within_tolerance=p.check.within_tolerance,
            tax_rate_code=p.tax_rate_code, tax_rate=p.tax_rate, tax_amount=p.tax_amount, gross_amount=p.gross_amount,
            price_includes_tax=p.price_includes_tax))
        if not p.check.within_tolerance:
            reasons.append(hold_reason(p, p.check))
    sums = tax.totals(tax.LineTax(p.tax_rate, p.amount, p.tax_amount, p.gross_amount) for p in previews)
    # AP is what the supplier's invoice asks: 价税合计.
    bill.total_amount, bill.net_amount, bill.tax_amount = sums.gross, sums.net, sums.tax
    session.add(bill)
    session.flush()
    if reasons:
        bill.match_status = MISMATCH
        bill.hold_reason = "; ".join(reasons)[:500]
        session.flush()
    else:
        _post(session, bill, when, approved_by=None)
    return bill


def _post(session: Session, bill: SupplierBill, on: date, *, approved_by: AppUser | None) -> None:
    """Held/new → posted: instalments from the supplier's terms, then open credits applied."""
    supplier = session.get(Supplier, bill.supplier_id)
    bill.status = POSTED
    bill.approved_on = on
    bill.approved_at = utcnow()
    bill.approved_by = approved_by.id if approved_by else None
    session.flush()
    lines = open_items.term_lines(session, getattr(supplier, "payment_term_id", None), supplier.payment_terms_days)
    open_items.add_instalments(session, AP, bill, lines, bill.total_amount)
    apply_credits(session, supplier.id, on, user_id=approved_by.id if approved_by else None)


def _held(session: Session, bill_id: Any, action: str) -> SupplierBill:
    bill = get_or_fail(session, SupplierBill, bill_id, "supplier_bill", field="bill_id")
    if bill.status != HELD:
        raise StateError("bad_state", record=bill.doc_no, field="status", state=f"state.{bill.status}",
                         action=action)
    return bill


def approve_bill(session: Session, bill_id: Any, *, user: AppUser | None, on: Any = None,
                 note: str | None = None) -> SupplierBill:
    """Approve a held bill (finance or manager): it is posted to AP with its instalments."""
    auth.require_role(user, *APPROVE_BILL_ROLES)
    bill = _held(session, bill_id, "action.approve")
    when = document_date(on, "approved_on", session=session, record=bill.doc_no) if on else date.today()
    if when < bill.bill_date:
        raise ValidationError("date_order", field="approved_on", record=bill.doc_no,
                              field_label="field.approved_on", other_label="field.bill_date")
    bill.decision_note = (note or "").strip() or None
    _post(session, bill, when, approved_by=user)
    return bill


def has_debit_note(session: Session, bill_id: int) -> bool:
    """A debit note points at this bill: the supplier has credited against it, so it can't be rejected."""
    return session.execute(select(DebitNote.id).where(DebitNote.bill_id == bill_id)).first() is not None


def reject_bill(session: Session, bill_id: Any, *, user: AppUser | None, note: Any = None) -> SupplierBill:
    """Reject a held bill (finance or manager, with a reason): its quantities may be billed again."""
    auth.require_role(user, *APPROVE_BILL_ROLES)
    bill = _held(session, bill_id, "action.reject")
    reason = required_text(note, "decision_note", record=bill.doc_no)
    if has_debit_note(session, bill.id):
        raise StateError("bill_has_debit_note", record=bill.doc_no, field="status")
    now = utcnow()
    _move_billed(session, {line.receipt_line_id: -line.quantity for line in bill.lines})
    bill.status = REJECTED
    bill.rejected_by = user.id if user else None
    bill.rejected_at = now
    bill.decision_note = reason
    session.flush()
    return bill


# --- credits: debit notes and unallocated payments -----------------------------------------------

def apply_credits(session: Session, supplier_id: int, on: date, *, user_id: int | None = None) -> Decimal:
    """Apply the supplier's unallocated debit notes, then payments (oldest first), to its open
    instalments oldest first. Returns the amount applied."""
    applied = Decimal(0)
    # Only credits dated on or before ``on``: a credit applied before its own date would stand
    # negative in the aging of the days between.
    credits = [(DebitNote, "debit_note", r) for r in session.execute(
        select(DebitNote).where(DebitNote.supplier_id == supplier_id, DebitNote.unallocated_amount > 0,
                                DebitNote.note_date <= on)
        .order_by(DebitNote.note_date, DebitNote.id)).scalars()]
    credits += [(SupplierPayment, "payment", r) for r in session.execute(
        select(SupplierPayment).where(SupplierPayment.supplier_id == supplier_id, SupplierPayment.status == PAID,
                                      SupplierPayment.unallocated_amount > 0, SupplierPayment.payment_date <= on)
        .order_by(SupplierPayment.payment_date, SupplierPayment.id)).scalars()]
    for model, kind, row in credits:
        session.refresh(row, ["unallocated_amount"])
        if row.unallocated_amount <= 0:
            continue
        source = Source(kind, row.id, record=row.doc_no, user_id=user_id)
        rows, left = open_items.allocate_oldest_first(session, AP, supplier_id, row.unallocated_amount,
                                                      source=source, on=on)
        used = row.unallocated_amount - left
        if used > 0:
            open_items.take_unallocated(session, model, row.id, used, record=row.doc_no)
            applied += used
        if left > 0:
            break  # nothing open any more
    return applied


@dataclass(frozen=True)
class DebitLine:
    return_line_id: int
    receipt_line_id: int
    product_id: int
    quantity: Decimal
    unit_price: Decimal  # net of VAT
    amount: Decimal  # net
    bill_id: int | None
    tax_amount: Decimal = Decimal(0)  # the input VAT taken back, at the billed (else the order's) rate
    tax_rate: Decimal = Decimal(0)
    tax_rate_code: str | None = None


def debitable_lines(session: Session, purchase_return_id: Any) -> list[DebitLine]:
    """What a purchase return credits: per return line, the returned quantity that had been billed
    (and not debited yet) at the billed unit price, else the order's net price."""
    ret = get_or_fail(session, PurchaseReturn, purchase_return_id, "purchase_return", field="purchase_return_id")
    counters = billing_counters(session, [line.receipt_line_id for line in ret.lines])
    taken: dict[int, Decimal] = {}
    result = []
    for line in ret.lines:
        billed, debited = counters.get(line.receipt_line_id, (Decimal(0), Decimal(0)))
        open_billed = billed - debited - taken.get(line.receipt_line_id, Decimal(0))
        qty = min(line.quantity, max(open_billed, Decimal(0)))
        if qty <= 0:
            continue
        taken[line.receipt_line_id] = taken.get(line.receipt_line_id, Decimal(0)) + qty
        bill_line = session.execute(
            select(SupplierBillLine).join(SupplierBill, SupplierBill.id == SupplierBillLine.bill_id)
            .where(SupplierBillLine.receipt_line_id == line.receipt_line_id, SupplierBill.status != REJECTED)
            .order_by(SupplierBill.bill_date.desc(), SupplierBill.id.desc())).scalars().first()
        if bill_line is not None:
            price, bill_id, vat_rate, code = (bill_line.unit_price, bill_line.bill_id, bill_line.tax_rate,
                                              bill_line.tax_rate_code)
        else:
            rl = session.get(GoodsReceiptLine, line.receipt_line_id)
            order_line = session.get(PurchaseOrderLine, rl.po_line_id)
            price, bill_id, vat_rate, code = net_price(order_line), None, order_line.tax_rate, order_line.tax_rate_code
        split = tax.split_line(qty, price, vat_rate, includes_tax=False)
        result.append(DebitLine(line.id, line.receipt_line_id, line.product_id, qty, price, split.net, bill_id,
                                split.tax, vat_rate, code))
    return result


_DEBIT = (
    update(_BRL).where(_BRL.c.receipt_line_id == bindparam("r"),
                       _BRL.c.debited_qty + bindparam("q", type_=_BRL.c.debited_qty.type) <= _BRL.c.billed_qty)
    .values(debited_qty=_BRL.c.debited_qty + bindparam("q", type_=_BRL.c.debited_qty.type),
            updated_at=bindparam("now"))
)


def create_debit_note(session: Session, purchase_return_id: Any, *, user: AppUser | None, on: Any = None,
                      memo: str | None = None) -> DebitNote:
    """The debit note (扣款单) of a purchase return, applied to its bill first, then oldest first."""
    auth.require_role(user, *DEBIT_NOTE_ROLES)
    ret = get_or_fail(session, PurchaseReturn, purchase_return_id, "purchase_return", field="purchase_return_id")
    existing = session.execute(select(DebitNote.doc_no).where(DebitNote.purchase_return_id == ret.id)).scalar()
    if existing:
        raise ValidationError("duplicate", field="purchase_return_id", entity="entity.debit_note", key=existing)
    when = document_date(on, "note_date", session=session, record=ret.doc_no) if on else ret.return_date
    if when < ret.return_date:
        raise ValidationError("date_order", field="note_date", record=ret.doc_no, field_label="field.note_date",
                              other_label="field.return_date")
    lines = debitable_lines(session, ret.id)
    if not lines:
        raise StateError("nothing_to_debit", record=ret.doc_no, field="purchase_return_id")
    with session.begin_nested():
        now = utcnow()
        conn = session.connection()
        for dl in lines:
            if conn.execute(_DEBIT, {"r": dl.receipt_line_id, "q": dl.quantity, "now": now}).rowcount != 1:
                raise StateError("nothing_to_debit", record=ret.doc_no, field="purchase_return_id")
        bill_ids = [dl.bill_id for dl in lines if dl.bill_id is not None]
        vat = sum((dl.tax_amount for dl in lines), Decimal(0))
        total = sum((dl.amount for dl in lines), Decimal(0)) + vat  # gross: what the supplier owes back
        note = DebitNote(doc_no=numbering.next_doc_no(session, "debit_note", when), supplier_id=ret.supplier_id,
                         purchase_return_id=ret.id, bill_id=bill_ids[0] if bill_ids else None, note_date=when,
                         amount=total, tax_amount=vat, unallocated_amount=total, memo=memo, created_by=user.id if user else None)
        for n, dl in enumerate(lines, start=1):
            note.lines.append(DebitNoteLine(line_no=n, return_line_id=dl.return_line_id,
                                            receipt_line_id=dl.receipt_line_id, product_id=dl.product_id,
                                            quantity=dl.quantity, unit_price=dl.unit_price,
                                            **tax.line_values(tax.LineTax(dl.tax_rate, dl.amount, dl.tax_amount,
                                                                          dl.amount + dl.tax_amount),
                                                              dl.tax_rate_code, includes_tax=False)))
        session.add(note)
        session.flush()
        source = Source("debit_note", note.id, record=note.doc_no, user_id=user.id if user else None)
        left = total
        if bill_ids:  # its own bill first, then whatever else is open
            _, left = open_items.allocate_oldest_first(session, AP, ret.supplier_id, left, source=source, on=when,
                                                       document_ids=sorted(set(bill_ids)))
        if left > 0:
            _, left = open_items.allocate_oldest_first(session, AP, ret.supplier_id, left, source=source, on=when)
        if total - left > 0:
            open_items.take_unallocated(session, DebitNote, note.id, total - left, record=note.doc_no)
    return note


# --- payments ------------------------------------------------------------------------------------

def propose_payment(session: Session, supplier_id: Any, amount: Any, payment_date: Any, cash_account_id: Any, *,
                    user: AppUser | None, targets: Sequence[tuple[int, Any]] | None = None,
                    memo: str | None = None) -> SupplierPayment:
    """A payment waiting for finance (purchasing or finance). ``targets`` are (instalment, amount)
    pairs the payment must settle (their sum is the payment); without them it goes oldest first."""
    auth.require_role(user, *PROPOSE_PAYMENT_ROLES)
    supplier = get_or_fail(session, Supplier, supplier_id, "supplier", field="supplier_id")
    when = document_date(payment_date, "payment_date", session=session)
    get_or_fail(session, CashAccount, cash_account_id, "cash_account", field="cash_account_id")
    parsed: list[tuple[int, Decimal]] = []
    if targets:
        open_by_id = {row.id: row for row in session.execute(
            select(ApInstalment.id, ApInstalment.seq, ApInstalment.amount, ApInstalment.settled_amount,
                   SupplierBill.doc_no)
            .join(SupplierBill, SupplierBill.id == ApInstalment.bill_id)
            .where(ApInstalment.id.in_([int(i) for i, _ in targets]), SupplierBill.supplier_id == supplier.id,
                   SupplierBill.status == POSTED, ApInstalment.settled_amount < ApInstalment.amount))}
        for n, (instalment_id, value) in enumerate(targets, start=1):
            part = to_decimal(value, "amount", line_no=n).quantize(CENT)
            if part == 0:
                continue
            item = open_by_id.get(int(instalment_id))
            if item is None:
                raise ValidationError("instalment_not_open", field=f"allocations.{n}.instalment_id", line_no=n,
                                      key=instalment_id)
            still_open = item.amount - item.settled_amount
            if part < 0 or part > still_open:
                raise ValidationError("over_allocation", field=f"allocations.{n}.amount", line_no=n,
                                      document=item.doc_no, seq=item.seq, open=still_open, amount=part)
            parsed.append((item.id, part))
        total = sum((p for _, p in parsed), Decimal(0))
        value = total if amount in (None, "") else positive(amount, "amount").quantize(CENT)
        if value != total or total <= 0:
            raise ValidationError("allocation_total", field="amount", total=total, amount=value)
    else:
        value = positive(amount, "amount").quantize(CENT)
    payment = SupplierPayment(doc_no=numbering.next_doc_no(session, "supplier_payment", when),
                              supplier_id=supplier.id, payment_date=when, amount=value,
                              cash_account_id=int(cash_account_id), status=PROPOSED, unallocated_amount=Decimal(0),
                              memo=memo, created_by=user.id if user else None)
    for instalment_id, part in parsed:
        payment.targets.append(SupplierPaymentTarget(instalment_id=instalment_id, amount=part))
    session.add(payment)
    session.flush()
    return payment


def approve_payment(session: Session, payment_id: Any, *, user: AppUser | None, on: Any = None) -> SupplierPayment:
    """Finance approves and pays a proposed payment: money out of its account and allocated, in one
    savepoint — refused as a whole when the account cannot cover it or a chosen instalment no
    longer has that much open."""
    auth.require_role(user, *PAY_ROLES)
    payment = get_or_fail(session, SupplierPayment, payment_id, "supplier_payment", field="payment_id")
    if payment.status != PROPOSED:
        raise StateError("bad_state", record=payment.doc_no, field="status", state=f"state.{payment.status}",
                         action="action.pay")
    when = document_date(on, "payment_date", session=session, record=payment.doc_no) if on else payment.payment_date
    supplier = session.get(Supplier, payment.supplier_id)
    source = Source("payment", payment.id, record=payment.doc_no, user_id=user.id if user else None)
    with session.begin_nested():
        ledger = cash.post(session, payment.cash_account_id, when, -payment.amount, "supplier_payment",
                           doc_type="supplier_payment", doc_id=payment.id, doc_no=payment.doc_no,
                           counterparty=supplier.name, memo=payment.memo, user=user)
        if payment.targets:
            open_items.allocate_chosen(session, AP, supplier.id,
                                       [(t.instalment_id, t.amount) for t in payment.targets], source=source, on=when)
            left = Decimal(0)
        else:
            _, left = open_items.allocate_oldest_first(session, AP, supplier.id, payment.amount, source=source,
                                                       on=when)
        payment.status = PAID
        payment.payment_date = when
        payment.unallocated_amount = left
        payment.approved_by = user.id if user else None
        payment.approved_at = utcnow()
        payment.cash_ledger_id = ledger.id
        session.flush()
    return payment


def reject_payment(session: Session, payment_id: Any, *, user: AppUser | None, note: str | None = None) -> SupplierPayment:
    """Finance refuses a proposed payment; nothing moves."""
    auth.require_role(user, *PAY_ROLES)
    payment = get_or_fail(session, SupplierPayment, payment_id, "supplier_payment", field="payment_id")
    if payment.status != PROPOSED:
        raise StateError("bad_state", record=payment.doc_no, field="status", state=f"state.{payment.status}",
                         action="action.reject")
    payment.status = REJECTED
    payment.approved_by = user.id if user else None
    payment.approved_at = utcnow()
    payment.memo = ((payment.memo or "") + (f" | {note.strip()}" if note and note.strip() else ""))[:300] or None
    session.flush()
    return payment


def reverse_payment(session: Session, payment_id: Any, on: Any, reason: Any, *,
                    user: AppUser | None) -> SupplierPayment:
    """Reverse (冲销) a paid payment, e.g. paid to the wrong supplier or returned by the bank: what
    it settled is opened again (negative allocation rows dated ``on``), the money comes back to its
    account (a positive cash-ledger row), and the payment is marked reversed with who, when and why.
    Finance only. All or nothing."""
    auth.require_role(user, *PAY_ROLES)
    payment = get_or_fail(session, SupplierPayment, payment_id, "supplier_payment", field="payment_id")
    supplier = session.get(Supplier, payment.supplier_id)
    open_items.reverse_money_document(
        session, AP, payment, source_type="payment", document_date=payment.payment_date, active_status=PAID,
        on=on, reason=reason, user=user, cash_amount=payment.amount, cash_kind="supplier_payment",
        counterparty=supplier.name if supplier else None)
    return payment


def pay(session: Session, supplier_id: Any, amount: Any, payment_date: Any, cash_account_id: Any, *,
        user: AppUser | None, targets: Sequence[tuple[int, Any]] | None = None,
        memo: str | None = None) -> SupplierPayment:
    """Propose and pay at once (a finance user paying directly)."""
    auth.require_role(user, *PAY_ROLES)
    payment = propose_payment(session, supplier_id, amount, payment_date, cash_account_id, user=user,
                              targets=targets, memo=memo)
    return approve_payment(session, payment.id, user=user)


# --- store-side truth for reconciliation and pages -----------------------------------------------

def outstanding_by_supplier(session: Session, as_of: date | None = None, **kwargs: Any) -> dict[int, Decimal]:
    """Open instalments of posted bills per supplier, gross of unapplied credits (the balance is
    ``net_by_supplier``)."""
    return open_items.outstanding_by_partner(session, AP, as_of, **kwargs)


def unapplied_by_supplier(session: Session, as_of: date | None = None, *,
                          supplier_id: int | None = None) -> dict[int, Decimal]:
    """Per supplier: paid money not yet applied (advances, unallocated payments) + debit notes not
    yet applied, now or as of the end of a date (``open_items.unapplied``, the one rule)."""
    return open_items.unapplied(session, AP, as_of, partner_id=supplier_id)


def net_by_supplier(session: Session, as_of: date | None = None, *, supplier_id: int | None = None) -> dict[int, Decimal]:
    """What we owe each supplier: open instalments − unapplied payments − unapplied debit notes
    (negative: the supplier owes us)."""
    return open_items.net_by_partner(session, AP, as_of, partner_id=supplier_id)


def aging(session: Session, as_of: date, bounds: Sequence[int] = open_items.DEFAULT_BUCKETS,
          supplier_id: int | None = None) -> dict[tuple[int, int, str], Decimal]:
    """AP aging per (supplier, bucket order, bucket label) as of a date, with the credits not yet
    applied as the negative bucket ``(-1, "unapplied")``: a supplier's entries add up to the net
    payable."""
    return open_items.aging(session, AP, as_of, bounds, partner_id=supplier_id)
