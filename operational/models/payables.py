"""Payables (应付账款): supplier bills matched to order and receipt (three-way match), their
payment instalments, supplier payments, debit notes from purchase returns and the append-only
allocations that settle instalments.

A bill is posted to AP (status ``posted``) when every line matches within tolerance, or when a
finance user approves a held bill; only then does it get instalments. ``ap_instalment.settled_amount``
is the running total kept by the race-safe guard of ``operational.services.open_items``; the
``ap_allocation`` rows are the history behind it (never updated), so AP as of any date is
instalments of bills posted by then less allocations made by then.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operational.models.base import Base, Timestamped, utcnow
from operational.models.tax import TaxedDocumentTotals, TaxedLine
from operational.types import Money, Qty, Rate, UnitPrice

# Bill states. held: a line is outside tolerance and waits for approval; posted: approved
# (automatically when matched, else by finance) and in AP with instalments; rejected: refused at
# approval (the supplier re-bills), never in AP. "posted" is the state the shared open-items
# machine counts, the same word as a posted sales invoice.
HELD, POSTED, REJECTED = "held", "posted", "rejected"
BILL_STATES = (HELD, POSTED, REJECTED)
MATCHED, MISMATCH = "matched", "mismatch"
MATCH_STATES = (MATCHED, MISMATCH)
# Payment states. proposed: entered (purchasing or finance), no money moved; paid: approved by
# finance, posted to the cash ledger and allocated; rejected: refused by finance; reversed: a paid
# payment undone (冲销: its allocations and cash row reversed by opposite rows dated reversed_on).
PROPOSED, PAID, REVERSED = "proposed", "paid", "reversed"
PAYMENT_STATES = (PROPOSED, PAID, REJECTED, REVERSED)
# What settles an AP instalment.
AP_ALLOCATION_SOURCES = ("payment", "debit_note")


class SupplierMatchTolerance(Timestamped, Base):
    """A supplier's own three-way-match tolerances, overriding the company defaults of
    ``operational.services.payables.DEFAULT_TOLERANCE``."""

    __tablename__ = "supplier_match_tolerance"
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), primary_key=True)
    qty_tolerance: Mapped[Decimal] = mapped_column(Rate())  # share of the billable quantity, 0.02 = 2 %
    price_tolerance: Mapped[Decimal] = mapped_column(Rate())  # share of the order's net price
    price_abs_tolerance: Mapped[Decimal] = mapped_column(UnitPrice())  # per unit, for rounding


class SupplierBill(TaxedDocumentTotals, Timestamped, Base):
    """A supplier's invoice (采购发票) entered against goods receipts."""

    __tablename__ = "supplier_bill"
    __table_args__ = (Index("ix_supplier_bill_supplier_invoice", "supplier_id", "supplier_invoice_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    # The supplier's VAT invoice number: unique per supplier among bills that are not rejected.
    supplier_invoice_no: Mapped[str] = mapped_column(String(40))
    bill_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=HELD, index=True)
    match_status: Mapped[str] = mapped_column(String(20), default=MATCHED)
    total_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    hold_reason: Mapped[str | None] = mapped_column(String(500))
    # The business date of the approval (the bill date when matched at entry); NULL while held or
    # when rejected. AP counts a posted bill from its bill date, like the supplier does.
    approved_on: Mapped[date | None] = mapped_column(Date)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # NULL: matched, automatic
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    rejected_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    rejected_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[SupplierBillLine]] = relationship(
        back_populates="bill", order_by="SupplierBillLine.line_no", cascade="all, delete-orphan"
    )


class SupplierBillLine(TaxedLine, Timestamped, Base):
    """One billed receipt line with what the match found: the quantity still billable on the
    receipt line, the order's net price and the variances against them."""

    __tablename__ = "supplier_bill_line"
    __table_args__ = (UniqueConstraint("bill_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("supplier_bill.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("goods_receipt_line.id"), index=True)
    po_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_order_line.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())  # net of VAT (price_includes_tax: how it was typed)
    amount: Mapped[Decimal] = mapped_column(Money())  # net of VAT
    billable_qty: Mapped[Decimal] = mapped_column(Qty())  # accepted on the receipt line − billed before
    po_price: Mapped[Decimal] = mapped_column(UnitPrice())  # order price net of discount
    qty_variance: Mapped[Decimal] = mapped_column(Qty())  # quantity − billable_qty
    price_variance: Mapped[Decimal] = mapped_column(UnitPrice())  # unit_price − po_price
    # VAT billed − the bill line's net × the order line's rate (operational.services.payables.TAX_TOLERANCE)
    tax_variance: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    within_tolerance: Mapped[bool] = mapped_column(Boolean)
    bill: Mapped[SupplierBill] = relationship(back_populates="lines")


class BilledReceiptLine(Timestamped, Base):
    """Per goods-receipt line: the quantity on bills that are not rejected and the quantity
    credited back on debit notes. One atomic ``UPDATE ... RETURNING`` moves ``billed_qty``, so two
    bills entered at once for the same receipt line each see what the other billed (the second
    is matched against what is left). Still billable = accepted − returned − billed + debited."""

    __tablename__ = "billed_receipt_line"
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("goods_receipt_line.id"), primary_key=True)
    billed_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    debited_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))


class ApInstalment(Timestamped, Base):
    """One due date of an approved bill (付款期). ``settled_amount`` only grows, through the
    shared guard, and never beyond ``amount``."""

    __tablename__ = "ap_instalment"
    __table_args__ = (UniqueConstraint("bill_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("supplier_bill.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    settled_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))


class SupplierPayment(Timestamped, Base):
    """A payment to a supplier (付款单): proposed, then approved and paid by finance."""

    __tablename__ = "supplier_payment"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    payment_date: Mapped[date] = mapped_column(Date, index=True)  # planned, then the date paid
    amount: Mapped[Decimal] = mapped_column(Money())
    cash_account_id: Mapped[int] = mapped_column(ForeignKey("cash_account.id"))
    status: Mapped[str] = mapped_column(String(20), default=PROPOSED, index=True)
    # What is not (yet) allocated to instalments: a credit with the supplier (预付/待核销).
    unallocated_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    memo: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    cash_ledger_id: Mapped[int | None] = mapped_column(ForeignKey("cash_ledger.id"))
    reversed_on: Mapped[date | None] = mapped_column(Date)
    reversed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reversal_reason: Mapped[str | None] = mapped_column(String(300))
    targets: Mapped[list[SupplierPaymentTarget]] = relationship(
        back_populates="payment", order_by="SupplierPaymentTarget.id", cascade="all, delete-orphan"
    )


class SupplierPaymentTarget(Base):
    """A user-chosen allocation of a proposed payment: pay this much of this instalment. Without
    targets a payment is allocated oldest due date first."""

    __tablename__ = "supplier_payment_target"
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("supplier_payment.id"), index=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("ap_instalment.id"))
    amount: Mapped[Decimal] = mapped_column(Money())
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    payment: Mapped[SupplierPayment] = relationship(back_populates="targets")


class DebitNote(Timestamped, Base):
    """What the supplier owes back for goods returned to it (红字/扣款单), one per purchase return."""

    __tablename__ = "debit_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    purchase_return_id: Mapped[int] = mapped_column(ForeignKey("purchase_return.id"), unique=True)
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("supplier_bill.id"))  # the bill of the returned goods
    note_date: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money())  # gross (价税合计)
    # The input VAT the note takes back (进项税额转出), per the returned lines' rates.
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    unallocated_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    memo: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[DebitNoteLine]] = relationship(
        back_populates="note", order_by="DebitNoteLine.line_no", cascade="all, delete-orphan"
    )


class DebitNoteLine(TaxedLine, Timestamped, Base):
    __tablename__ = "debit_note_line"
    __table_args__ = (UniqueConstraint("debit_note_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    debit_note_id: Mapped[int] = mapped_column(ForeignKey("debit_note.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    return_line_id: Mapped[int] = mapped_column(ForeignKey("purchase_return_line.id"))
    receipt_line_id: Mapped[int] = mapped_column(ForeignKey("goods_receipt_line.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())  # the billed price, else the order's net price (net of VAT)
    amount: Mapped[Decimal] = mapped_column(Money())  # net; tax_amount at the billed (else the order's) rate
    note: Mapped[DebitNote] = relationship(back_populates="lines")


class ApAllocation(Base):
    """One amount of a payment or debit note applied to one instalment (核销记录). Never updated:
    undoing one is a new row with the negative amount. ``allocated_on`` is the date from which the
    instalment counts as settled (never before its bill date)."""

    __tablename__ = "ap_allocation"
    __table_args__ = (Index("ix_ap_allocation_source", "source_type", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("ap_instalment.id"), index=True)
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money())
    allocated_on: Mapped[date] = mapped_column(Date, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
