"""Printing documents (单据打印): what each document type puts on paper, and the print log.

``print_document`` reads a purchase order, goods receipt (入库单), sales order, shipment (送货单),
transfer (调拨单) or stocktake count sheet (盘点表), records the print in ``document_print`` and
returns the PDF (``print_layout`` draws it, on A4 or on the 241 mm continuous form). The first
print of a document is the original; every later one is copy 2, 3 … and says 补打 on the paper.
``print_statement`` does the same for a customer statement (对账单) of a period. Pages call these;
nothing else writes the print log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.i18n import translate
from operational.models import (
    AppUser,
    Company,
    Customer,
    Employee,
    GoodsReceipt,
    Product,
    ProductCategory,
    PurchaseOrder,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    Stocktake,
    StockTransfer,
    Supplier,
    Warehouse,
    utcnow,
)
from operational.models.printing import PAPERS, PRINTABLE_TYPES, DocumentPrint
from operational.services import statements, units
from operational.services.errors import NotFoundError
from operational.services.print_layout import PAPERS as LAYOUTS
from operational.services.print_layout import Column, PrintDocument, render, with_optional_columns
from operational.services.validation import choice, get_or_fail

DOCUMENT_TYPES = tuple(t for t in PRINTABLE_TYPES if t != "statement")
ZERO = Decimal(0)
CHINA = timedelta(hours=8)  # the print time on paper is company local time (UTC+8)

MODELS: dict[str, type] = {"purchase_order": PurchaseOrder, "goods_receipt": GoodsReceipt,
                           "sales_order": SalesOrder, "shipment": Shipment, "stock_transfer": StockTransfer,
                           "stocktake": Stocktake}
DATE_FIELDS = {"purchase_order": "order_date", "goods_receipt": "receipt_date", "sales_order": "order_date",
               "shipment": "ship_date", "stock_transfer": "ship_date", "stocktake": "count_date"}

GOODS = [Column("line_no", "ui.print.col.line_no", 0.5), Column("sku", "ui.print.col.sku", 1.4),
         Column("name", "ui.print.col.name", 3.2), Column("unit", "ui.print.col.unit", 0.6)]
PRICED = GOODS + [Column("quantity", "ui.print.col.quantity", 1.0, "qty"),
                  Column("unit_price", "ui.print.col.unit_price", 1.1, "price"),
                  Column("amount", "ui.print.col.amount", 1.3, "money")]


@dataclass(frozen=True)
class PrintOut:
    """A printed document: the PDF, its file name, and which copy it was (1 = the original)."""

    pdf: bytes
    file_name: str
    doc_no: str
    copy_no: int

    @property
    def reprint(self) -> bool:
        return self.copy_no > 1


# --- reading the documents -----------------------------------------------------------------------


def company_name(session: Session) -> str:
    return session.execute(select(Company.name).order_by(Company.id).limit(1)).scalar() or ""


def _products(session: Session, ids: set[int]) -> dict[int, Product]:
    if not ids:
        return {}
    return {p.id: p for p in session.execute(select(Product).where(Product.id.in_(ids))).scalars()}


def _goods(line_no: int, product: Product) -> dict[str, Any]:
    return {"line_no": line_no, "sku": product.sku, "name": product.name + (f" {product.spec}" if product.spec else ""),
            "unit": product.unit}


def _tax(source: Any) -> dict[str, Any]:
    """The VAT split of a document line where the line has one (tax rate, tax, gross amount);
    ``print_layout.with_optional_columns`` shows those columns only then."""
    return {key: getattr(source, key, None) for key in ("tax_rate", "tax_amount", "gross_amount")}


def _partner(model: type, partner_id: int | None, session: Session) -> Any:
    return session.get(model, partner_id) if partner_id is not None else None


def _label(obj: Any) -> str:
    return f"{obj.code} {obj.name}" if obj is not None else ""


def _priced_document(session: Session, doc_type: str, doc: Any, rows: list[tuple[Any, Any, Decimal, Decimal]],
                     partner_label: str, partner: Any, fields: list[tuple[str, str]],
                     signatures: tuple[str, ...]) -> PrintDocument:
    """A document with prices. ``rows``: (product_id holder, price source line, quantity, amount).
    Each line is shown in the unit it was entered in (1 箱 at 100.00), the price per that unit."""
    products = _products(session, {holder.product_id for holder, *_ in rows})
    lines = []
    for n, (holder, priced, _qty, amount) in enumerate(rows, start=1):
        product = products[holder.product_id]
        line = _goods(getattr(holder, "line_no", n), product)
        unit, qty, factor = units.shown(holder, product.unit)
        line.update(unit=unit, quantity=qty, unit_price=units.shown_price(priced, factor),
                    discount_rate=priced.discount_rate, amount=amount)
        line.update(_tax(holder) if any(_tax(holder).values()) else _tax(priced))
        lines.append(line)
    return PrintDocument(
        doc_type=doc_type, doc_no=doc.doc_no, doc_date=getattr(doc, DATE_FIELDS[doc_type]),
        company=company_name(session), partner_label=partner_label, partner=_label(partner), fields=fields,
        columns=with_optional_columns(PRICED, lines), lines=lines,
        total_quantity=_total_quantity(lines),
        total_amount=sum((ln["amount"] for ln in lines), ZERO), signatures=signatures, note=doc.note,
        status="state.cancelled" if doc.status == "cancelled" else None)


def _total_quantity(lines: list[dict[str, Any]]) -> Decimal | None:
    """The quantity total, only where every line is in one unit (2 箱 + 5 个 is no number)."""
    if len({ln["unit"] for ln in lines}) > 1:
        return None
    return sum((ln["quantity"] for ln in lines), ZERO)


def _warehouse(session: Session, warehouse_id: int | None) -> str:
    return _label(session.get(Warehouse, warehouse_id)) if warehouse_id else ""


def _purchase_order(session: Session, doc: PurchaseOrder) -> PrintDocument:
    fields = [("field.warehouse", _warehouse(session, doc.warehouse_id)),
              ("field.expected_date", f"{doc.expected_date:%Y-%m-%d}" if doc.expected_date else "")]
    return _priced_document(session, "purchase_order", doc,
                            [(ln, ln, ln.quantity, ln.amount) for ln in doc.lines], "field.supplier",
                            _partner(Supplier, doc.supplier_id, session), fields,
                            ("ui.print.sign.prepared", "ui.print.sign.approved", "ui.print.sign.supplier"))


def _goods_receipt(session: Session, doc: GoodsReceipt) -> PrintDocument:
    order = session.get(PurchaseOrder, doc.purchase_order_id)
    po_lines = {ln.id: ln for ln in order.lines}
    fields = [("field.warehouse", _warehouse(session, doc.warehouse_id)), ("ui.print.order_no", order.doc_no)]
    # the receipt's amount is the accepted quantity at the order's net price (landed costs aside)
    rows = [(ln, po_lines[ln.po_line_id], ln.quantity, ln.amount) for ln in doc.lines]
    printed = _priced_document(session, "goods_receipt", doc, rows, "field.supplier",
                               _partner(Supplier, doc.supplier_id, session), fields,
                               ("ui.print.sign.prepared", "ui.print.sign.storekeeper", "ui.print.sign.deliverer"))
    landed = doc.freight_amount + doc.duty_amount
    if landed:
        printed.extra_totals.append(("ui.print.landed", f"{landed:,.2f}"))
    return printed


def _sales_order(session: Session, doc: SalesOrder) -> PrintDocument:
    person = session.get(Employee, doc.salesperson_id) if doc.salesperson_id else None
    fields = [("field.warehouse", _warehouse(session, doc.warehouse_id)),
              ("field.required_date", f"{doc.required_date:%Y-%m-%d}" if doc.required_date else ""),
              ("ui.print.salesperson", person.name if person else "")]
    return _priced_document(session, "sales_order", doc,
                            [(ln, ln, ln.quantity, ln.amount) for ln in doc.lines], "field.customer",
                            _partner(Customer, doc.customer_id, session), fields,
                            ("ui.print.sign.prepared", "ui.print.sign.approved", "ui.print.sign.customer"))


def _shipment(session: Session, doc: Shipment) -> PrintDocument:
    order = session.get(SalesOrder, doc.sales_order_id)
    so_lines: dict[int, SalesOrderLine] = {ln.id: ln for ln in order.lines}
    customer = _partner(Customer, doc.customer_id, session)
    fields = [("ui.print.order_no", order.doc_no), ("field.warehouse", _warehouse(session, doc.warehouse_id)),
              ("ui.print.contact", " ".join(x for x in (customer.contact, customer.phone) if x) if customer else ""),
              ("ui.print.address", (customer.address or "") if customer else "")]
    # a shipment line has no price of its own: the order line's price and discount, the one rule
    rows = [(ln, so_lines[ln.so_line_id], ln.quantity, units.amount_at_price(so_lines[ln.so_line_id], ln.quantity))
            for ln in doc.lines]
    return _priced_document(session, "shipment", doc, rows, "field.customer", customer, fields,
                            ("ui.print.sign.prepared", "ui.print.sign.deliverer", "ui.print.sign.receiver",
                             "ui.print.sign.date"))


def _stock_transfer(session: Session, doc: StockTransfer) -> PrintDocument:
    products = _products(session, {ln.product_id for ln in doc.lines})
    lines = []
    for ln in doc.lines:
        product = products[ln.product_id]
        line = _goods(ln.line_no, product)
        unit, qty, factor = units.shown(ln, product.unit)
        received = None if ln.received_qty is None else (ln.received_qty / factor).quantize(units.QTY_PLACES)
        line.update(unit=unit, quantity=qty, received_qty=received)
        lines.append(line)
    columns = GOODS + [Column("quantity", "ui.print.col.shipped_qty", 1.1, "qty"),
                       Column("received_qty", "ui.print.col.received_qty", 1.1, "qty"),
                       Column("remark", "ui.print.col.remark", 1.6, "blank")]
    route = f"{_warehouse(session, doc.from_warehouse_id)} → {_warehouse(session, doc.to_warehouse_id)}"
    fields = [("ui.print.receive_date", f"{doc.receive_date:%Y-%m-%d}" if doc.receive_date else ""),
              ("ui.print.status", translate(f"state.{doc.status}"))]
    return PrintDocument(
        doc_type="stock_transfer", doc_no=doc.doc_no, doc_date=doc.ship_date, company=company_name(session),
        partner_label="ui.print.route", partner=route, fields=fields, columns=columns, lines=lines,
        total_quantity=_total_quantity(lines), signatures=(
            "ui.print.sign.prepared", "ui.print.sign.sender", "ui.print.sign.receiver", "ui.print.sign.date"),
        note=doc.note, status="state.cancelled" if doc.status == "cancelled" else None)


def _stocktake(session: Session, doc: Stocktake) -> PrintDocument:
    products = _products(session, {ln.product_id for ln in doc.lines})
    lines = []
    for ln in doc.lines:
        line = _goods(ln.line_no, products[ln.product_id])
        line.update(book_qty=ln.book_qty)  # the counted column stays blank: it is filled in by hand
        lines.append(line)
    columns = GOODS + [Column("book_qty", "ui.print.col.book_qty", 1.1, "qty"),
                       Column("counted_qty", "ui.print.col.counted_qty", 1.3, "blank"),
                       Column("remark", "ui.print.col.remark", 1.5, "blank")]
    category = session.get(ProductCategory, doc.category_id) if doc.category_id else None
    fields = [("ui.print.category", _label(category) if category else translate("ui.print.all_categories")),
              ("ui.print.status", translate(f"state.{doc.status}"))]
    return PrintDocument(
        doc_type="stocktake", doc_no=doc.doc_no, doc_date=doc.count_date, company=company_name(session),
        partner_label="field.warehouse", partner=_warehouse(session, doc.warehouse_id), fields=fields,
        columns=columns, lines=lines, total_quantity=None,
        extra_totals=[("ui.print.line_count", str(len(lines)))],
        signatures=("ui.print.sign.counter", "ui.print.sign.checker", "ui.print.sign.date"), note=doc.note,
        status="state.cancelled" if doc.status == "cancelled" else None)


BUILDERS: dict[str, Callable[[Session, Any], PrintDocument]] = {
    "purchase_order": _purchase_order, "goods_receipt": _goods_receipt, "sales_order": _sales_order,
    "shipment": _shipment, "stock_transfer": _stock_transfer, "stocktake": _stocktake}


def document(session: Session, doc_type: Any, doc_id: Any) -> PrintDocument:
    """What the document puts on paper (nothing is logged)."""
    kind = choice(doc_type, DOCUMENT_TYPES, "doc_type")
    try:
        key = int(doc_id) if doc_id not in (None, "") else None
    except (TypeError, ValueError):
        raise NotFoundError("not_found", field="doc_id", entity=f"entity.{kind}", key=doc_id) from None
    doc = get_or_fail(session, MODELS[kind], key, kind, field="doc_id")
    return BUILDERS[kind](session, doc)


def statement_document(session: Session, customer_id: Any, start: Any, end: Any,
                       language: str = "zh_CN") -> tuple[PrintDocument, int]:
    """A customer statement (``statements.build``) as a printed document, and the customer's id."""
    st = statements.build(session, customer_id, start, end)
    customer = session.execute(select(Customer).where(Customer.code == st.customer_code)).scalar_one()
    columns = [Column("on", "ui.ar.statement.date", 1.2), Column("kind", "ui.ar.statement.type", 1.1),
               Column("doc_no", "ui.ar.statement.doc_no", 1.8),
               Column("debit", "ui.ar.statement.debit", 1.2, "money"),
               Column("credit", "ui.ar.statement.credit", 1.2, "money"),
               Column("balance", "ui.ar.statement.balance", 1.3, "money")]
    lines: list[dict[str, Any]] = [{"kind": translate("ui.ar.statement.opening", language), "balance": st.opening}]
    lines += [{"on": ln.on, "kind": translate(f"ui.ar.kind.{ln.kind}", language), "doc_no": ln.doc_no,
               "debit": ln.debit or None, "credit": ln.credit or None, "balance": ln.balance} for ln in st.lines]
    doc = PrintDocument(
        doc_type="statement", doc_no=statement_number(st.customer_code, st.start, st.end), doc_date=st.end,
        company=company_name(session), partner_label="field.customer", partner=f"{st.customer_code} {st.customer_name}",
        fields=[("ui.ar.statement.period", f"{st.start:%Y-%m-%d} ~ {st.end:%Y-%m-%d}"),
                ("ui.ar.statement.opening", f"{st.opening:,.2f}")],
        columns=columns, lines=lines, total_amount=st.closing, amount_label="ui.ar.statement.closing",
        extra_totals=[("ui.print.period_totals", f"{st.total_debit:,.2f} / {st.total_credit:,.2f}")],
        signatures=("ui.print.sign.customer_confirm", "ui.print.sign.date"))
    return doc, customer.id


# --- printing and the log ------------------------------------------------------------------------


def _log(session: Session, doc: PrintDocument, doc_id: int, paper: str, user_id: int | None,
         now: datetime | None) -> DocumentPrint:
    row = DocumentPrint(doc_type=doc.doc_type, doc_id=doc_id, doc_no=doc.doc_no,
                        copy_no=print_count(session, doc.doc_type, doc.doc_no) + 1, paper=paper, printed_by=user_id,
                        printed_at=now or utcnow())
    session.add(row)
    session.flush()  # the unique (doc_type, doc_no, copy_no) refuses a second original printed at once
    return row


def _output(session: Session, doc: PrintDocument, paper: str, copy_no: int, user_id: int | None,
            language: str, at: datetime) -> PrintOut:
    user = session.get(AppUser, user_id) if user_id else None
    doc.copy_no = copy_no
    doc.printed_by = user.display_name if user else ""
    doc.printed_at = f"{at + CHINA:%Y-%m-%d %H:%M}"
    data = render(doc, LAYOUTS[paper], language)
    return PrintOut(data, file_name(doc.doc_no, paper), doc.doc_no, copy_no)


def file_name(doc_no: str, paper: str) -> str:
    """PO-2026-000001.pdf on A4, PO-2026-000001-241.pdf on the continuous form."""
    return f"{doc_no}{'' if paper == 'a4' else '-241'}.pdf"


def statement_number(customer_code: str, start: date, end: date) -> str:
    return f"DZ-{customer_code}-{start:%Y%m%d}-{end:%Y%m%d}"


def print_document(session: Session, doc_type: Any, doc_id: Any, *, paper: Any = "a4", user_id: int | None = None,
                   language: str = "zh_CN", now: datetime | None = None) -> PrintOut:
    """Print a document: log the print (copy 1 is the original, later ones are 补打) and return
    the PDF. A bad type, an unknown document or an unknown paper raise a ValidationError and
    nothing is logged."""
    doc, paper_key = document(session, doc_type, doc_id), choice(paper, PAPERS, "paper")
    row = _log(session, doc, int(doc_id), paper_key, user_id, now)
    return _output(session, doc, paper_key, row.copy_no, user_id, language, row.printed_at)


def preview_document(session: Session, doc_type: Any, doc_id: Any, *, paper: Any = "a4",
                     user_id: int | None = None, language: str = "zh_CN", now: datetime | None = None) -> PrintOut:
    """The PDF the next print of the document will be (补打 if it was printed before), logging
    nothing: a page offers it for download and logs it with ``record_print`` when it is taken."""
    doc, paper_key = document(session, doc_type, doc_id), choice(paper, PAPERS, "paper")
    return _output(session, doc, paper_key, print_count(session, doc.doc_type, doc.doc_no) + 1, user_id, language,
                   now or utcnow())


def record_print(session: Session, doc_type: Any, doc_id: Any, *, paper: Any = "a4", user_id: int | None = None,
                 now: datetime | None = None) -> int:
    """Log a print of the document (its PDF came from ``preview_document``); the copy number."""
    doc, paper_key = document(session, doc_type, doc_id), choice(paper, PAPERS, "paper")
    return _log(session, doc, int(doc_id), paper_key, user_id, now).copy_no


def print_statement(session: Session, customer_id: Any, start: Any, end: Any, *, paper: Any = "a4",
                    user_id: int | None = None, language: str = "zh_CN", now: datetime | None = None) -> PrintOut:
    """Print the customer's statement for [start, end] (logged like a document: the same customer
    and period printed again is 补打)."""
    doc, customer = statement_document(session, customer_id, start, end, language)
    paper_key = choice(paper, PAPERS, "paper")
    row = _log(session, doc, customer, paper_key, user_id, now)
    return _output(session, doc, paper_key, row.copy_no, user_id, language, row.printed_at)


def preview_statement(session: Session, customer_id: Any, start: Any, end: Any, *, paper: Any = "a4",
                      user_id: int | None = None, language: str = "zh_CN", now: datetime | None = None) -> PrintOut:
    """The statement's next print, logging nothing (see ``preview_document``)."""
    doc, _customer = statement_document(session, customer_id, start, end, language)
    paper_key = choice(paper, PAPERS, "paper")
    return _output(session, doc, paper_key, print_count(session, doc.doc_type, doc.doc_no) + 1, user_id, language,
                   now or utcnow())


def record_statement_print(session: Session, customer_id: Any, start: Any, end: Any, *, paper: Any = "a4",
                           user_id: int | None = None, now: datetime | None = None) -> int:
    doc, customer = statement_document(session, customer_id, start, end)
    return _log(session, doc, customer, choice(paper, PAPERS, "paper"), user_id, now).copy_no


def print_count(session: Session, doc_type: str, doc_no: str) -> int:
    """How many times the document has been printed (0: the next print is the original)."""
    return session.execute(select(func.count()).select_from(DocumentPrint).where(
        DocumentPrint.doc_type == doc_type, DocumentPrint.doc_no == doc_no)).scalar() or 0


def recent_documents(session: Session, doc_type: Any, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest documents of a type to choose from: id, number, date, partner and times printed."""
    kind = choice(doc_type, DOCUMENT_TYPES, "doc_type")
    model = MODELS[kind]
    day = getattr(model, DATE_FIELDS[kind])
    rows = session.execute(select(model.id, model.doc_no, day, model.status).order_by(day.desc(), model.id.desc())
                           .limit(max(1, min(limit, 1000)))).all()
    printed = dict(session.execute(
        select(DocumentPrint.doc_no, func.count()).where(DocumentPrint.doc_type == kind,
                                                         DocumentPrint.doc_no.in_([r.doc_no for r in rows]))
        .group_by(DocumentPrint.doc_no)).all()) if rows else {}
    return [{"id": r.id, "doc_no": r.doc_no, "doc_date": r[2], "status": r.status,
             "printed": printed.get(r.doc_no, 0)} for r in rows]


def print_history(session: Session, doc_type: str, doc_no: str) -> list[dict[str, Any]]:
    rows = session.execute(select(DocumentPrint.copy_no, DocumentPrint.paper, DocumentPrint.printed_at,
                                  AppUser.display_name)
                           .outerjoin(AppUser, AppUser.id == DocumentPrint.printed_by)
                           .where(DocumentPrint.doc_type == doc_type, DocumentPrint.doc_no == doc_no)
                           .order_by(DocumentPrint.copy_no)).all()
    return [{"copy_no": r.copy_no, "paper": r.paper, "printed_at": r.printed_at + CHINA,
             "printed_by": r.display_name or ""} for r in rows]

