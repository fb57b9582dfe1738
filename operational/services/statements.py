"""Customer statements (对账单): for one customer and a period, the opening balance, every invoice,
receipt, credit note and approved write-off in the period with a running balance, the closing
balance, and the aging of what is open at the end; rendered to PDF (reportlab, the CJK font of
``operational.services.pdf``) and Excel (openpyxl).

Balance = posted invoices − receipts + reversed receipts − credit notes − approved write-offs,
each dated up to the day (a write-off from its approval date, a reversal from its reversal date).
It is what the customer owes net of advances, so it equals the customer's net balance
(``receivables.net_balance``: open instalments − receipts and credit notes not yet applied) on
that day. The aging at the end is ``receivables.aging``: its buckets plus the unapplied money
(``open_items.unapplied``, the one rule, shown negative) add up to the closing balance.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from xml.sax.saxutils import escape

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.i18n import translate
from operational.models import BadDebtWriteOff, CreditNote, Customer, CustomerReceipt, SalesInvoice
from operational.services import pdf, receivables
from operational.services.errors import ValidationError
from operational.services.open_items import DEFAULT_BUCKETS, UNAPPLIED, bucket_labels
from operational.services.validation import get_or_fail, required_date
from operational.spreadsheet import workbook_to_xlsx

ZERO = Decimal(0)


@dataclass(frozen=True)
class StatementLine:
    on: date
    kind: str  # invoice | receipt | receipt_reversal | credit_note | write_off
    doc_no: str
    debit: Decimal  # increases what the customer owes
    credit: Decimal
    balance: Decimal


@dataclass
class Statement:
    customer_code: str
    customer_name: str
    start: date
    end: date
    opening: Decimal
    lines: list[StatementLine] = field(default_factory=list)
    closing: Decimal = ZERO
    aging: list[tuple[str, Decimal]] = field(default_factory=list)  # (bucket label, amount) as of end
    unapplied: Decimal = ZERO  # advances and unapplied credit notes at the end (positive; shown negative)

    @property
    def total_debit(self) -> Decimal:
        return sum((ln.debit for ln in self.lines), ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((ln.credit for ln in self.lines), ZERO)


def _movements(session: Session, customer_id: int, start: date | None, end: date) -> list[tuple[date, str, str, Decimal]]:
    """(date, kind, doc_no, signed amount) of the customer's documents dated in [start, end]."""
    out: list[tuple[date, str, str, Decimal]] = []
    specs = ((SalesInvoice, SalesInvoice.invoice_date, "invoice", 1, SalesInvoice.total_amount,
              SalesInvoice.status == "posted"),
             (CustomerReceipt, CustomerReceipt.receipt_date, "receipt", -1, CustomerReceipt.amount, None),
             # a reversed receipt stays on its date and is taken back on the day it was reversed
             (CustomerReceipt, CustomerReceipt.reversed_on, "receipt_reversal", 1, CustomerReceipt.amount,
              CustomerReceipt.status == "reversed"),
             (CreditNote, CreditNote.note_date, "credit_note", -1, CreditNote.amount, None),
             (BadDebtWriteOff, BadDebtWriteOff.decided_on, "write_off", -1, BadDebtWriteOff.amount,
              BadDebtWriteOff.status == "approved"))
    for model, on, kind, sign, amount, cond in specs:
        query = select(on, model.doc_no, amount).where(model.customer_id == customer_id, on <= end)
        if start is not None:
            query = query.where(on >= start)
        if cond is not None:
            query = query.where(cond)
        out.extend((d, kind, no, sign * Decimal(a)) for d, no, a in session.execute(query))
    order = {"invoice": 0, "credit_note": 1, "receipt": 2, "receipt_reversal": 3, "write_off": 4}
    return sorted(out, key=lambda m: (m[0], order[m[1]], m[2]))


def balance(session: Session, customer_id: int, as_of: date) -> Decimal:
    """What the customer owes at the end of ``as_of`` net of advances and unapplied credits."""
    return sum((a for *_, a in _movements(session, customer_id, None, as_of)), ZERO)


def build(session: Session, customer_id: int | None, start: object, end: object) -> Statement:
    customer = get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
    first, last = required_date(start, "start_date"), required_date(end, "end_date")
    if last < first:
        raise ValidationError("date_order", field="end_date", field_label="field.end_date",
                              other_label="field.start_date")
    opening = balance(session, customer.id, first - timedelta(days=1))
    statement = Statement(customer.code, customer.name, first, last, opening)
    running = opening
    for on, kind, no, amount in _movements(session, customer.id, first, last):
        running += amount
        statement.lines.append(StatementLine(on, kind, no, amount if amount > 0 else ZERO,
                                             -amount if amount < 0 else ZERO, running))
    statement.closing = running
    aged = receivables.aging(session, last, customer_id=customer.id)
    by_label = {label: amount for (_c, _o, label), amount in aged.items()}
    statement.aging = [(label, by_label.get(label, ZERO)) for label in bucket_labels(DEFAULT_BUCKETS)]
    # the aging's own (negative) column, as a positive amount of credit not yet applied
    statement.unapplied = -by_label.get(UNAPPLIED, ZERO)
    return statement


def customers_with_activity(session: Session, start: date, end: date) -> list[int]:
    ids: set[int] = set()
    for model, on in ((SalesInvoice, SalesInvoice.invoice_date), (CustomerReceipt, CustomerReceipt.receipt_date)):
        ids |= set(session.execute(select(func.distinct(model.customer_id)).where(on.between(start, end))).scalars())
    return sorted(ids)


# --- rendering -----------------------------------------------------------------------------------

def _labels(language: str) -> dict[str, str]:
    keys = ("title", "customer", "period", "opening", "closing", "date", "type", "doc_no", "debit", "credit",
            "balance", "aging", "bucket", "amount", "unapplied", "total", "net_total")
    return {k: translate(f"ui.ar.statement.{k}", language) for k in keys}


def _kind(kind: str, language: str) -> str:
    return translate(f"ui.ar.kind.{kind}", language)


def _bucket(label: str, language: str) -> str:
    return translate("ui.ar.bucket.not_due", language) if label == "not_due" else label


def to_excel(statement: Statement, language: str = "zh_CN") -> bytes:
    """The statement as one worksheet (header, lines with running balance, aging)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    lb = _labels(language)
    wb = Workbook()
    ws = wb.active
    ws.title = lb["title"][:31]
    bold = Font(bold=True)
    ws.append([lb["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([lb["customer"], f"{statement.customer_code} {statement.customer_name}"])
    ws.append([lb["period"], f"{statement.start:%Y-%m-%d} ~ {statement.end:%Y-%m-%d}"])
    ws.append([lb["opening"], float(statement.opening)])
    ws.append([])
    ws.append([lb["date"], lb["type"], lb["doc_no"], lb["debit"], lb["credit"], lb["balance"]])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for ln in statement.lines:
        ws.append([ln.on, _kind(ln.kind, language), ln.doc_no, float(ln.debit) or None, float(ln.credit) or None,
                   float(ln.balance)])
        ws.cell(ws.max_row, 1).number_format = "yyyy-mm-dd"
    ws.append([lb["total"], None, None, float(statement.total_debit), float(statement.total_credit), None])
    ws.append([lb["closing"], None, None, None, None, float(statement.closing)])
    for row in ws.iter_rows(min_row=4, min_col=2, max_col=6):
        for cell in row:
            if isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
    ws.append([])
    ws.append([lb["aging"]])
    ws.cell(ws.max_row, 1).font = bold
    ws.append([lb["bucket"], lb["amount"]])
    for label, amount in statement.aging:
        ws.append([_bucket(label, language), float(amount)])
        ws.cell(ws.max_row, 2).number_format = "#,##0.00"
    ws.append([lb["unapplied"], float(-statement.unapplied)])
    ws.cell(ws.max_row, 2).number_format = "#,##0.00"
    ws.append([lb["net_total"], float(sum((a for _, a in statement.aging), ZERO) - statement.unapplied)])
    ws.cell(ws.max_row, 2).number_format = "#,##0.00"
    for col, width in zip("ABCDEF", (14, 12, 20, 14, 14, 14), strict=True):
        ws.column_dimensions[col].width = width
    return workbook_to_xlsx(wb)  # the customer's typed name never runs as a formula


def to_pdf(statement: Statement, language: str = "zh_CN", company: str = "") -> bytes:
    """The statement as an A4 PDF; Chinese text in the CJK font of ``operational.services.pdf``."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    font = pdf.cjk_font_name()
    lb = _labels(language)
    title = ParagraphStyle("t", fontName=font, fontSize=16, leading=20)
    body = ParagraphStyle("b", fontName=font, fontSize=10, leading=14)

    def money(value: Decimal) -> str:
        return pdf.money(value, blank_zero=True)

    # Paragraph reads its text as markup: a customer called "A&B <Ltd>" must print as typed.
    story = [Paragraph(escape(f"{company} {lb['title']}".strip()), title), Spacer(1, 4 * mm),
             Paragraph(escape(f"{lb['customer']}：{statement.customer_code} {statement.customer_name}"), body),
             Paragraph(f"{lb['period']}：{statement.start:%Y-%m-%d} ~ {statement.end:%Y-%m-%d}", body),
             Spacer(1, 3 * mm)]
    rows = [[lb["date"], lb["type"], lb["doc_no"], lb["debit"], lb["credit"], lb["balance"]],
            ["", lb["opening"], "", "", "", f"{statement.opening:,.2f}"]]
    rows += [[f"{ln.on:%Y-%m-%d}", _kind(ln.kind, language), ln.doc_no, money(ln.debit), money(ln.credit),
              f"{ln.balance:,.2f}"] for ln in statement.lines]
    rows += [["", lb["total"], "", f"{statement.total_debit:,.2f}", f"{statement.total_credit:,.2f}", ""],
             ["", lb["closing"], "", "", "", f"{statement.closing:,.2f}"]]
    style = pdf.grid_style(font)
    story.append(Table(rows, colWidths=[24 * mm, 22 * mm, 40 * mm, 28 * mm, 28 * mm, 30 * mm], style=style,
                       repeatRows=1))
    story += [Spacer(1, 5 * mm), Paragraph(lb["aging"], body)]
    aging_rows = [[lb["bucket"], lb["amount"]]] + [[_bucket(label, language), f"{amount:,.2f}"]
                                                     for label, amount in statement.aging]
    aging_rows.append([lb["unapplied"], f"{-statement.unapplied:,.2f}"])
    aging_rows.append([lb["net_total"], f"{sum((a for _, a in statement.aging), ZERO) - statement.unapplied:,.2f}"])
    story.append(Table(aging_rows, colWidths=[40 * mm, 30 * mm], style=style))
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm, title=lb["title"], initialFontName=font).build(story)
    return buffer.getvalue()
