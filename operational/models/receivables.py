"""Receivables (应收账款): payment terms with instalments, sales invoices raised from shipments,
their instalments (one row per due date), customer receipts, credit notes from sales returns,
bad-debt write-offs, the append-only allocation journal that settles instalments, and collection
(催收) follow-up notes.

The rules live in ``operational/services/receivables.py`` (documents), ``open_items.py`` (the
instalment / allocation machine shared with payables) and ``collection.py``; these are the tables.
``payment_term`` is shared: suppliers use the same terms for payables.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from operational.models.base import Base, Timestamped, utcnow
from operational.models.tax import TaxedDocumentTotals, TaxedLine
from operational.types import Money, Qty, Rate, UnitPrice

INVOICE_STATES = ("posted", "cancelled")
WRITE_OFF_STATES = ("requested", "approved", "rejected")
ALLOCATION_SOURCES = ("receipt", "credit_note", "write_off")
RECEIPT_METHODS = ("transfer", "cash", "cheque", "acceptance", "other")
RECEIPT_STATES = ("posted", "reversed")
COLLECTION_CHANNELS = ("call", "visit", "wechat", "email", "letter")


class PaymentTerm(Timestamped, Base):
    """A named payment term (付款条件), e.g. "30/60/90": its lines say which share of a document
    falls due how many days after the document date."""

    __tablename__ = "payment_term"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    lines: Mapped[list[PaymentTermLine]] = relationship(
        back_populates="term", order_by="PaymentTermLine.seq", cascade="all, delete-orphan"
    )


class PaymentTermLine(Timestamped, Base):
    """One instalment of a term: ``percent`` of the total due ``days`` after the document date."""

    __tablename__ = "payment_term_line"
    __table_args__ = (UniqueConstraint("term_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("payment_term.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    percent: Mapped[Decimal] = mapped_column(UnitPrice())  # 33.3333 (4 places)
    days: Mapped[int] = mapped_column(Integer)
    term: Mapped[PaymentTerm] = relationship(back_populates="lines")


class SalesInvoice(TaxedDocumentTotals, Timestamped, Base):
    """A sales invoice (销售发票) for shipped goods. Posted when saved; its amount never changes.
    Cancelled only while nothing has been allocated to it."""

    __tablename__ = "sales_invoice"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="posted", index=True)
    total_amount: Mapped[Decimal] = mapped_column(Money())
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("payment_term.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    lines: Mapped[list[SalesInvoiceLine]] = relationship(
        back_populates="invoice", order_by="SalesInvoiceLine.line_no", cascade="all, delete-orphan"
    )
    instalments: Mapped[list[ArInstalment]] = relationship(
        back_populates="invoice", order_by="ArInstalment.seq", cascade="all, delete-orphan"
    )


class SalesInvoiceLine(TaxedLine, Timestamped, Base):
    """Invoiced quantity of one shipment line at the sales-order line's net unit price."""

    __tablename__ = "sales_invoice_line"
    __table_args__ = (UniqueConstraint("invoice_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    shipment_line_id: Mapped[int] = mapped_column(ForeignKey("shipment_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())  # the order line's price and discount
    discount_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(Money())  # quantity × price × (1 − discount), to the cent
    invoice: Mapped[SalesInvoice] = relationship(back_populates="lines")


class InvoicedShipmentLine(Timestamped, Base):
    """How much of a shipment line has been invoiced (net of cancelled invoices): the counter the
    race-safe conditional UPDATE guards, so a line is never invoiced beyond what was shipped."""

    __tablename__ = "invoiced_shipment_line"
    shipment_line_id: Mapped[int] = mapped_column(ForeignKey("shipment_line.id"), primary_key=True)
    invoiced_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))


class ArInstalment(Timestamped, Base):
    """One due date of an invoice (应收分期). ``settled_amount`` is the sum of its allocations and
    only moves through the conditional UPDATE in ``open_items`` (never beyond ``amount``)."""

    __tablename__ = "ar_instalment"
    __table_args__ = (UniqueConstraint("invoice_id", "seq"), Index("ix_ar_instalment_due", "due_date"))
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    settled_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    invoice: Mapped[SalesInvoice] = relationship(back_populates="instalments")


class CustomerReceipt(Timestamped, Base):
    """Money received from a customer (收款单) into one cash/bank account. What is not allocated to
    instalments stays on ``unallocated_amount`` as an advance (预收) until applied."""

    __tablename__ = "customer_receipt"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    receipt_date: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    cash_account_id: Mapped[int] = mapped_column(ForeignKey("cash_account.id"))
    method: Mapped[str] = mapped_column(String(20), default="transfer")
    reference: Mapped[str | None] = mapped_column(String(100))
    unallocated_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    note: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # posted, or reversed (冲销: entered in error; its allocations and its cash row are undone by
    # opposite rows dated reversed_on, the journal stays append-only).
    status: Mapped[str] = mapped_column(String(20), default="posted", server_default="posted", index=True)
    reversed_on: Mapped[date | None] = mapped_column(Date)
    reversed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reversal_reason: Mapped[str | None] = mapped_column(String(300))


class CreditNote(Timestamped, Base):
    """A credit note (红字发票 / 贷项通知单) for goods a customer returned: returned quantity × the
    invoiced (else the order line's net) unit price. Applied to the returned shipment's invoice
    instalments, oldest first; what cannot be applied stays unapplied on ``unallocated_amount``."""

    __tablename__ = "credit_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    sales_return_id: Mapped[int | None] = mapped_column(ForeignKey("sales_return.id"), unique=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("sales_invoice.id"), index=True)
    note_date: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money())  # gross (价税合计), what the customer is owed back
    # The output VAT the note takes back (红字), per the returned lines' rates.
    tax_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    unallocated_amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    reason: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lines: Mapped[list[CreditNoteLine]] = relationship(
        back_populates="note", order_by="CreditNoteLine.line_no", cascade="all, delete-orphan"
    )


class CreditNoteLine(TaxedLine, Timestamped, Base):
    """One returned line of a credit note with its VAT split (``amount`` net), so output VAT can be
    taken back per rate (销项税额转出)."""

    __tablename__ = "credit_note_line"
    __table_args__ = (UniqueConstraint("credit_note_id", "line_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    credit_note_id: Mapped[int] = mapped_column(ForeignKey("credit_note.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    return_line_id: Mapped[int] = mapped_column(ForeignKey("sales_return_line.id"))
    shipment_line_id: Mapped[int] = mapped_column(ForeignKey("shipment_line.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    quantity: Mapped[Decimal] = mapped_column(Qty())
    unit_price: Mapped[Decimal] = mapped_column(UnitPrice())  # the order line's, as stated (with or without tax)
    amount: Mapped[Decimal] = mapped_column(Money())  # net
    note: Mapped[CreditNote] = relationship(back_populates="lines")


class BadDebtWriteOff(Timestamped, Base):
    """A request to write off what is left of an invoice as bad debt (坏账核销). Nothing is settled
    until a manager approves; the approval allocates the amount to the invoice's instalments."""

    __tablename__ = "bad_debt_write_off"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("sales_invoice.id"), index=True)
    request_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="requested", index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(String(300))


class ArAllocation(Base):
    """One settlement of an instalment by a receipt, credit note or write-off (核销记录).
    Append-only: undoing one is a new row with the negative amount. ``allocated_on`` is the date
    from which the instalment counts as settled (never before its invoice date)."""

    __tablename__ = "ar_allocation"
    __table_args__ = (Index("ix_ar_allocation_source", "source_type", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("ar_instalment.id"), index=True)
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money())
    allocated_on: Mapped[date] = mapped_column(Date, index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class CollectionNote(Timestamped, Base):
    """A collection follow-up (催收记录): who was contacted how, what they said and, when they
    promised to pay, the promised date and amount."""

    __tablename__ = "collection_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    note_date: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(10))
    contact: Mapped[str | None] = mapped_column(String(50))
    note: Mapped[str] = mapped_column(String(500))
    promised_date: Mapped[date | None] = mapped_column(Date)
    promised_amount: Mapped[Decimal | None] = mapped_column(Money())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
