"""Supplier bills (采购发票): enter a bill against goods receipts with the three-way match shown
live per line (billable quantity, order net price, variance, within tolerance or not); the queue of
held bills for finance and managers to approve or reject; every bill with filters, drill-down to
its lines, receipts, instalments and settlements, and export."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import streamlit as st

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.format import money
from dashboards.components.payables_view import ap_table, bill_detail, pick, price_text
from dashboards.components.safe_text import text
from dashboards.i18n import current_language, t
from dashboards.session import current_user, require_page
from operational.db import read_only, unit_of_work
from operational.models.payables import BILL_STATES
from operational.services import idempotency, payables, payables_queries, queries
from operational.services.errors import DomainError
from operational.services.payables import BillLineInput

NEW, HELD, ALL, TOL = "ap.bill", "ap.held", "ap.bills", "ap.tol"
BILL_COLUMNS = ("doc_no", "supplier_invoice_no", "supplier_name", "bill_date", "status", "match_status",
                "total_amount", "open_amount", "approved_on", "hold_reason")

user = require_page("supplier_bill")
st.title(t("ui.page.supplier_bill"))
may_enter = user.role in ("admin", *payables.ENTER_BILL_ROLES)
may_approve = user.role in ("admin", *payables.APPROVE_BILL_ROLES)
may_set_tolerance = user.role in ("admin", *payables.TOLERANCE_ROLES)



def _line_key(line_id: int, field: str) -> str:
    return f"{NEW}.{field}.{line_id}"


# How the invoice states its prices: as the order line was priced, with VAT (含税) or without.
TAX_MODES = ("order", "with", "without")


def _inputs(line_ids: list[int]) -> list[BillLineInput]:
    state = st.session_state
    mode = state.get(f"{NEW}.tax_mode", "order")
    includes = None if mode == "order" else mode == "with"
    lines = []
    for line_id in line_ids:
        qty = str(state.get(_line_key(line_id, "qty")) or "").strip()
        if qty in ("", "0"):
            continue
        lines.append(BillLineInput(line_id, qty, str(state.get(_line_key(line_id, "price")) or "").strip(),
                                   price_includes_tax=includes,
                                   tax_amount=str(state.get(_line_key(line_id, "tax")) or "").strip() or None))
    return lines


@form_state.guarded(NEW)
def _save(supplier_id: int | None, line_ids: list[int], token: str | None = None) -> None:
    form_state.clear(NEW)
    state = st.session_state
    try:
        with unit_of_work() as session:
            bill = idempotency.once(session, token, lambda: payables.create_bill(
                session, supplier_id, state.get(f"{NEW}.invoice_no"), state.get(f"{NEW}.date"), _inputs(line_ids),
                user=queries.user_by_id(session, current_user().id))).document
            doc_no, status, reason = bill.doc_no, bill.status, bill.hold_reason
    except DomainError as err:
        form_state.record_error(NEW, err)
        return
    form_state.reset_inputs(NEW)
    key = "ui.ap.bill.posted" if status == "posted" else "ui.ap.bill.held"
    form_state.record_success(NEW, t(key, doc_no=doc_no, reason=reason or ""))


@form_state.guarded(HELD)
def _decide(action: str) -> None:
    form_state.clear(HELD)
    state = st.session_state
    try:
        with unit_of_work() as session:
            actor = queries.user_by_id(session, current_user().id)
            if action == "approve":
                bill = payables.approve_bill(session, state.get(f"{HELD}.bill"), user=actor,
                                             note=state.get(f"{HELD}.note"))
            else:
                bill = payables.reject_bill(session, state.get(f"{HELD}.bill"), user=actor,
                                            note=state.get(f"{HELD}.note"))
            doc_no, status = bill.doc_no, bill.status
    except DomainError as err:
        form_state.record_error(HELD, err)
        return
    state.pop(f"{HELD}.bill", None)
    state.pop(f"{HELD}.note", None)
    form_state.record_success(HELD, t("ui.ap.changed", doc_no=doc_no, status=t(f"state.{status}")))


def _entry() -> None:
    form_state.flash(NEW)
    state = st.session_state
    with read_only() as session:
        suppliers = dict(payables_queries.supplier_choices(session))
    cols = st.columns([2, 3])
    with cols[0]:
        supplier_id = pick(t("field.supplier"), suppliers, f"{NEW}.supplier")
        form_state.field_error(NEW, "supplier_id")
    if supplier_id is None:
        return
    with read_only() as session:
        receipts = dict(payables_queries.receipt_choices(session, supplier_id))
    with cols[1]:
        picked = st.multiselect(t("ui.ap.bill.receipts"), list(receipts), key=f"{NEW}.receipts",
                                format_func=lambda i: receipts.get(i, str(i)), placeholder=t("ui.ap.choose"))
    if not receipts:
        st.caption(t("ui.ap.bill.nothing_to_bill"))
    with read_only() as session:
        lines = payables_queries.billable_lines(session, supplier_id, list(picked)) if picked else []
    cols = st.columns(2)
    with cols[0]:
        st.text_input(t("field.supplier_invoice_no"), key=f"{NEW}.invoice_no")
        form_state.field_error(NEW, "supplier_invoice_no")
    with cols[1]:
        date_field(t("field.bill_date"), value="today", key=f"{NEW}.date")
        form_state.field_error(NEW, "bill_date")
    for line in lines:  # defaults: what is billable at the order's net price
        state.setdefault(_line_key(line.receipt_line_id, "qty"), f"{line.billable.normalize():f}")
        state.setdefault(_line_key(line.receipt_line_id, "price"), f"{line.po_price.normalize():f}")
    st.radio(t("ui.vat.bill.price_mode"), TAX_MODES, key=f"{NEW}.tax_mode", horizontal=True,
             format_func=lambda mode: t(f"ui.vat.mode.{mode}"))
    checks = _preview(supplier_id, [line.receipt_line_id for line in lines], state.get(f"{NEW}.date"))
    if lines:
        widths = [2.2, 3, 1.2, 1.2, 1.3, 1.3, 1.3, 3]
        heads = st.columns(widths)
        for col, name in zip(heads, ("receipt_no", "product_name", "billable_qty", "po_price", "quantity",
                                     "unit_price"), strict=False):
            col.caption(t(f"ui.ap.col.{name}"))
        heads[6].caption(t("ui.vat.bill.tax_amount"))
        heads[7].caption(t("ui.ap.col.match"))
        for n, line in enumerate(lines, start=1):
            row = st.columns(widths, vertical_alignment="center")
            row[0].write(f"{line.receipt_no} #{line.line_no}")
            row[1].write(text(f"{line.sku} {line.product_name}"))
            row[2].write(f"{line.billable.normalize():f} {text(line.unit)}")
            row[3].write(price_text(line.po_price))
            row[4].text_input(t("ui.ap.col.quantity"), key=_line_key(line.receipt_line_id, "qty"),
                              label_visibility="collapsed")
            row[5].text_input(t("ui.ap.col.unit_price"), key=_line_key(line.receipt_line_id, "price"),
                              label_visibility="collapsed")
            row[6].text_input(t("ui.vat.bill.tax_amount"), key=_line_key(line.receipt_line_id, "tax"),
                              label_visibility="collapsed")
            row[7].write(checks.get(line.receipt_line_id, ""))
            form_state.line_error(NEW, n)
        net, vat, gross = checks.get("_totals", (Decimal(0), Decimal(0), Decimal(0)))
        st.metric(t("ui.ap.bill.total"), money(gross))
        st.caption(t("ui.vat.bill.total", net=money(net), tax=money(vat), gross=money(gross)))
    form_state.field_error(NEW, "lines")
    form_state.other_errors(NEW, ("supplier_id", "supplier_invoice_no", "bill_date", "lines"))
    st.button(t("ui.ap.bill.save"), key=f"{NEW}.save", type="primary", on_click=_save,
              args=(supplier_id, [line.receipt_line_id for line in lines], form_state.token(NEW)))


def _preview(supplier_id: int, line_ids: list[int], on: object = None) -> dict:
    """Receipt line → "✓" or the variance text, plus the bill's net, VAT and gross (``_totals``)."""
    inputs = _inputs(line_ids)
    if not inputs:
        return {}
    try:
        with read_only() as session:
            previews = payables.preview_bill(session, supplier_id, inputs, on if isinstance(on, date) else None)
    except DomainError:
        return {}  # a number being typed: the save button reports it
    result: dict = {"_totals": (sum((p.amount for p in previews), Decimal(0)),
                                sum((p.tax_amount for p in previews), Decimal(0)),
                                sum((p.gross_amount for p in previews), Decimal(0)))}
    for p in previews:
        result[p.receipt_line_id] = ("✓ " + t("ui.ap.bill.within") if p.check.within_tolerance
                                     else "✗ " + payables.hold_reason(p, p.check, current_language()))
    return result


def _held() -> None:
    form_state.flash(HELD)
    with read_only() as session:
        rows = payables_queries.held_bills(session)
    if ap_table(rows, BILL_COLUMNS, "held_supplier_bills", HELD) is None:
        return
    choices = {r["bill_id"]: f"{r['doc_no']} · {r['supplier_name']} · {money(r['total_amount'])}" for r in rows}
    bill_id = pick(t("entity.supplier_bill"), choices, f"{HELD}.bill")
    if bill_id is None:
        return
    bill_detail(bill_id, f"{HELD}.detail")
    st.text_input(t("field.decision_note"), key=f"{HELD}.note")
    form_state.field_error(HELD, "decision_note")
    form_state.other_errors(HELD, ("decision_note",))
    cols = st.columns([1, 1, 4])
    cols[0].button(t("ui.ap.approve"), key=f"{HELD}.approve", type="primary", on_click=_decide, args=("approve",))
    cols[1].button(t("ui.ap.reject"), key=f"{HELD}.reject", on_click=_decide, args=("reject",))


def _all() -> None:
    with read_only() as session:
        suppliers = dict(payables_queries.supplier_choices(session))
    cols = st.columns([2, 2, 2, 1])
    supplier_id = cols[0].selectbox(t("field.supplier"), [None, *suppliers], key=f"{ALL}.supplier",
                                    format_func=lambda i: t("ui.ap.all_suppliers") if i is None else suppliers[i])
    statuses = cols[1].multiselect(t("ui.documents.status"), BILL_STATES, key=f"{ALL}.statuses",
                                   format_func=lambda s: t(f"state.{s}"), placeholder=t("ui.edges_rest.all"))
    picked = date_field(t("ui.filter.date_range"), value=(), key=f"{ALL}.dates", where=cols[2])
    search = cols[3].text_input(t("ui.documents.search"), key=f"{ALL}.search")
    start = end = None
    if isinstance(picked, tuple | list) and picked:
        start, end = picked[0], picked[-1]
    with read_only() as session:
        rows = payables_queries.bill_rows(session, supplier_id=supplier_id, statuses=tuple(statuses) or None,
                                          start=start, end=end, search=search)
    if ap_table(rows, BILL_COLUMNS, "supplier_bills", ALL) is None:
        return
    choices = {r["bill_id"]: f"{r['doc_no']} · {r['supplier_name']}" for r in rows}
    bill_id = pick(t("ui.ap.open_bill"), choices, f"{ALL}.bill")
    if bill_id is not None:
        bill_detail(bill_id, f"{ALL}.detail")


def _percent(text: object) -> object:
    """"2" (per cent) → "0.02"; anything else goes to the service as typed and is reported there."""
    try:
        return str(Decimal(str(text).strip()) / 100)
    except (ArithmeticError, ValueError):
        return text


@form_state.guarded(TOL)
def _save_tolerance() -> None:
    form_state.clear(TOL)
    state = st.session_state
    try:
        with unit_of_work() as session:
            row = payables.set_tolerance(session, state.get(f"{TOL}.supplier"), _percent(state.get(f"{TOL}.qty")),
                                         _percent(state.get(f"{TOL}.price")), state.get(f"{TOL}.abs"),
                                         user=queries.user_by_id(session, current_user().id))
            supplier_id = row.supplier_id
    except DomainError as err:
        form_state.record_error(TOL, err)
        return
    form_state.record_success(TOL, t("ui.ap.tol.saved", supplier=supplier_id))


def _tolerances() -> None:
    form_state.flash(TOL)
    defaults = payables.DEFAULT_TOLERANCE
    st.caption(t("ui.ap.tol.defaults", qty=f"{defaults.qty * 100:f}".rstrip("0").rstrip("."),
                 price=f"{defaults.price * 100:f}".rstrip("0").rstrip("."), abs=f"{defaults.price_abs:f}"))
    with read_only() as session:
        rows = payables_queries.tolerance_rows(session)
        suppliers = dict(payables_queries.supplier_choices(session))
    ap_table(rows, ("supplier_name", "qty_tolerance", "price_tolerance", "price_abs_tolerance"),
             "supplier_match_tolerances", TOL)
    cols = st.columns([2, 1, 1, 1])
    with cols[0]:
        pick(t("field.supplier"), suppliers, f"{TOL}.supplier")
        form_state.field_error(TOL, "supplier_id")
    with cols[1]:
        st.text_input(t("ui.ap.tol.qty"), key=f"{TOL}.qty", placeholder="2")
        form_state.field_error(TOL, "qty_tolerance")
    with cols[2]:
        st.text_input(t("ui.ap.tol.price"), key=f"{TOL}.price", placeholder="1")
        form_state.field_error(TOL, "price_tolerance")
    with cols[3]:
        st.text_input(t("field.price_abs_tolerance"), key=f"{TOL}.abs", placeholder="0.01")
        form_state.field_error(TOL, "price_abs_tolerance")
    form_state.other_errors(TOL, ("supplier_id", "qty_tolerance", "price_tolerance", "price_abs_tolerance"))
    st.button(t("ui.ap.tol.save"), key=f"{TOL}.save", type="primary", on_click=_save_tolerance)


with read_only() as session:
    held_count = len(payables_queries.held_bills(session)) if may_approve else 0
names = (["new"] if may_enter else []) + (["held"] if may_approve else []) + ["all"] + \
    (["tolerance"] if may_set_tolerance else [])
labels = {"new": t("ui.ap.tab.new_bill"), "held": t("ui.ap.tab.held", n=held_count), "all": t("ui.ap.tab.bills"),
          "tolerance": t("ui.ap.tab.tolerance")}
tabs = dict(zip(names, st.tabs([labels[n] for n in names]), strict=True))
if "new" in tabs:
    with tabs["new"]:
        _entry()
if "held" in tabs:
    with tabs["held"]:
        _held()
with tabs["all"]:
    _all()
if "tolerance" in tabs:
    with tabs["tolerance"]:
        _tolerances()
