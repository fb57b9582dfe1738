"""Receivables entry (应收单据): invoice shipments (whole or chosen quantities), record a customer
receipt (oldest first, or allocated by hand; the rest stays as an advance) and apply advances,
issue the credit note of a sales return, request a bad-debt write-off (finance) and approve or
reject it (manager). Every form calls operational.services.receivables; lists export."""

from __future__ import annotations

from decimal import Decimal

import streamlit as st

from dashboards.components import form_state
from dashboards.components.allocation_grid import allocation_grid, error_fields, typed_allocation
from dashboards.components.date_field import date_field
from dashboards.components.format import money
from dashboards.components.receivables_view import ar_table, pick
from dashboards.components.reversal_form import reversal_form
from dashboards.components.safe_text import text
from dashboards.i18n import t
from dashboards.session import current_user, require_page
from operational.db import read_only, unit_of_work
from operational.models import RECEIPT_METHODS
from operational.services import cash, idempotency, queries, receivables, receivables_queries
from operational.services.errors import DomainError

INVOICE, RECEIPT, ADVANCE, CREDIT, WRITE_OFF, DECIDE = "ar.inv", "ar.rc", "ar.adv", "ar.cn", "ar.wo", "ar.dec"

user = require_page("ar_entry")
st.title(t("ui.page.ar_entry"))
is_finance = user.role in ("admin", *receivables.FINANCE_ROLES)
may_reverse = user.role in ("admin", *receivables.REVERSE_RECEIPT_ROLES)
is_approver = user.role in ("admin", *receivables.APPROVER_ROLES)



def _acting(session):  # noqa: ANN001, ANN202 - the logged-in user as a store row
    return queries.user_by_id(session, current_user().id)


def _lines_typed(prefix: str, rows: list[dict], id_key: str) -> list[tuple[int, str]]:
    state = st.session_state
    typed = [(row[id_key], str(state.get(f"{prefix}.q.{row[id_key]}") or "").strip()) for row in rows]
    return [(i, v) for i, v in typed if v not in ("", "0")]


# --- invoice -------------------------------------------------------------------------------------

@form_state.guarded(INVOICE)
def _post_invoice(rows: list[dict], token: str | None = None) -> None:
    form_state.clear(INVOICE)
    state = st.session_state
    chosen = _lines_typed(INVOICE, rows, "shipment_line_id")
    try:
        with unit_of_work() as session:
            lines = [receivables.InvoiceLineInput(i, q) for i, q in chosen]
            invoice = idempotency.once(session, token, lambda: receivables.create_invoice(
                session, state.get(f"{INVOICE}.customer"), state.get(f"{INVOICE}.date"), lines,
                user=_acting(session), note=state.get(f"{INVOICE}.note") or None)).document
            doc_no, total = invoice.doc_no, invoice.total_amount
    except DomainError as err:
        form_state.record_error(INVOICE, err)
        return
    form_state.reset_inputs(INVOICE)
    form_state.record_success(INVOICE, t("ui.ar.invoice.posted", doc_no=doc_no, amount=f"{total:,.2f}"))


def _fill_all(rows: list[dict]) -> None:
    for row in rows:
        st.session_state[f"{INVOICE}.q.{row['shipment_line_id']}"] = f"{row['open_qty'].normalize():f}"


def _invoice_form() -> None:
    form_state.flash(INVOICE)
    with read_only() as session:
        customers = dict(receivables_queries.customer_choices(session))
    cols = st.columns([2, 1, 2])
    with cols[0]:
        customer_id = pick(t("field.customer_id"), customers, f"{INVOICE}.customer")
        form_state.field_error(INVOICE, "customer_id")
    with cols[1]:
        date_field(t("field.invoice_date"), value="today", key=f"{INVOICE}.date")
        form_state.field_error(INVOICE, "invoice_date")
    cols[2].text_input(t("ui.ar.col.note"), key=f"{INVOICE}.note")
    rows: list[dict] = []
    if customer_id is not None:
        with read_only() as session:
            rows = receivables_queries.uninvoiced_shipment_lines(session, customer_id)
        if not rows:
            st.caption(t("ui.ar.invoice.nothing"))
        else:
            st.caption(t("ui.ar.invoice.how"))
            st.button(t("ui.ar.invoice.all"), key=f"{INVOICE}.all", on_click=_fill_all, args=(rows,))
            widths = [1.6, 1.0, 2.4, 1.0, 1.0, 1.2]
            heads = st.columns(widths)
            for col, name in zip(heads, ("shipment_no", "ship_date", "product_name", "open_qty", "unit_price",
                                         "invoice_qty"), strict=True):
                col.caption(t(f"ui.ar.col.{name}"))
            # The invoice gets only the lines with a quantity: its line k is the k-th of those.
            typed = [row["shipment_line_id"] for row in rows
                     if str(st.session_state.get(f"{INVOICE}.q.{row['shipment_line_id']}") or "").strip() not in ("", "0")]
            for row in rows:
                line = st.columns(widths, vertical_alignment="center")
                line[0].write(row["shipment_no"])
                line[1].write(f"{row['ship_date']:%Y-%m-%d}")
                line[2].write(text(f"{row['sku']} {row['product_name']}"))
                line[3].write(f"{row['open_qty'].normalize():f}")
                line[4].write(money(row['unit_price']))
                line[5].text_input(t("ui.ar.col.invoice_qty"), key=f"{INVOICE}.q.{row['shipment_line_id']}",
                                   label_visibility="collapsed", placeholder="0")
                if row["shipment_line_id"] in typed:
                    form_state.line_error(INVOICE, typed.index(row["shipment_line_id"]) + 1)
    form_state.other_errors(INVOICE, ("customer_id", "invoice_date"))
    st.button(t("ui.ar.invoice.post"), key=f"{INVOICE}.save", type="primary", on_click=_post_invoice,
              args=(rows, form_state.token(INVOICE)))


# --- receipt -------------------------------------------------------------------------------------

@form_state.guarded(RECEIPT)
def _post_receipt(instalments: list[dict], token: str | None = None) -> None:
    form_state.clear(RECEIPT)
    state = st.session_state
    manual = state.get(f"{RECEIPT}.mode") == "manual"
    allocation = typed_allocation(RECEIPT, instalments) if manual else None
    try:
        with unit_of_work() as session:
            receipt = idempotency.once(session, token, lambda: receivables.receive_payment(
                session, state.get(f"{RECEIPT}.customer"), state.get(f"{RECEIPT}.amount"),
                state.get(f"{RECEIPT}.account"), state.get(f"{RECEIPT}.date"), allocation=allocation,
                method=state.get(f"{RECEIPT}.method") or "transfer", reference=state.get(f"{RECEIPT}.reference"),
                user=_acting(session))).document
            session.refresh(receipt)
            doc_no, amount, left = receipt.doc_no, receipt.amount, receipt.unallocated_amount
    except DomainError as err:
        form_state.record_error(RECEIPT, err)
        return
    form_state.reset_inputs(RECEIPT)
    form_state.record_success(RECEIPT, t("ui.ar.receipt.posted", doc_no=doc_no, amount=f"{amount:,.2f}",
                                         advance=f"{left:,.2f}"))


def _receipt_form() -> None:
    form_state.flash(RECEIPT)
    with read_only() as session:
        customers = dict(receivables_queries.customer_choices(session))
        accounts = dict(cash.account_choices(session))
    cols = st.columns([2, 2, 1])
    with cols[0]:
        customer_id = pick(t("field.customer_id"), customers, f"{RECEIPT}.customer")
        form_state.field_error(RECEIPT, "customer_id")
    with cols[1]:
        pick(t("ui.ar.receive_account"), accounts, f"{RECEIPT}.account")
        form_state.field_error(RECEIPT, "cash_account_id")
    with cols[2]:
        date_field(t("field.received_date"), value="today", key=f"{RECEIPT}.date")
        form_state.field_error(RECEIPT, "received_date")
    cols = st.columns([1, 1, 2])
    with cols[0]:
        st.text_input(t("field.amount"), key=f"{RECEIPT}.amount")
        form_state.field_error(RECEIPT, "amount")
    cols[1].selectbox(t("ui.ar.col.method"), RECEIPT_METHODS, key=f"{RECEIPT}.method",
                      format_func=lambda m: t(f"ui.ar.method.{m}"))
    cols[2].text_input(t("ui.ar.col.reference"), key=f"{RECEIPT}.reference")
    st.radio(t("ui.ar.receipt.mode"), ("oldest", "manual"), key=f"{RECEIPT}.mode", horizontal=True,
             format_func=lambda m: t(f"ui.ar.receipt.mode_{m}"))
    instalments: list[dict] = []
    if customer_id is not None:
        with read_only() as session:
            instalments = receivables_queries.open_instalments(session, customer_id)
        if not instalments:
            st.caption(t("ui.ar.receipt.nothing_open"))
        elif st.session_state.get(f"{RECEIPT}.mode") == "manual":
            allocation_grid(RECEIPT, instalments, column_catalog="ui.ar.col", amount_column="allocate_amount")
        else:
            ar_table(instalments, ("due_date", "days_overdue", "doc_no", "seq", "open_amount"), "ar_open_instalments",
                     f"{RECEIPT}.open")
    form_state.other_errors(RECEIPT, ("customer_id", "cash_account_id", "received_date", "amount",
                                      *error_fields(instalments)))
    st.button(t("ui.ar.receipt.post"), key=f"{RECEIPT}.save", type="primary", on_click=_post_receipt,
              args=(instalments, form_state.token(RECEIPT)))
    _advances()


@form_state.guarded(ADVANCE)
def _apply_advance(kind: str, doc_id: int) -> None:
    form_state.clear(ADVANCE)
    try:
        with unit_of_work() as session:
            apply = receivables.allocate_advance if kind == "receipt" else receivables.apply_credit_note
            rows = apply(session, doc_id, st.session_state.get(f"{ADVANCE}.date"), user=_acting(session))
            applied = sum((r.amount for r in rows), Decimal(0))
    except DomainError as err:
        form_state.record_error(ADVANCE, err)
        return
    form_state.record_success(ADVANCE, t("ui.ar.advance.applied", amount=f"{applied:,.2f}"))


def _advances() -> None:
    st.subheader(t("ui.ar.advance.title"))
    form_state.flash(ADVANCE)
    with read_only() as session:
        rows = receivables_queries.advances(session)
        names = dict(receivables_queries.customer_choices(session))
    for row in rows:
        row["customer_name"] = names.get(row["customer_id"], "")
    if ar_table(rows, ("kind", "doc_no", "date", "customer_name", "amount", "unallocated_amount"), "ar_advances",
                ADVANCE) is None:
        return
    choices = {(r["kind"], r["id"]): f"{r['doc_no']} · {r['customer_name']} · {money(r['unallocated_amount'])}"
               for r in rows}
    chosen = pick(t("ui.ar.advance.pick"), choices, f"{ADVANCE}.doc")
    date_field(t("field.allocated_on"), value="today", key=f"{ADVANCE}.date")
    form_state.other_errors(ADVANCE, ())
    if chosen is not None:
        st.button(t("ui.ar.advance.apply"), key=f"{ADVANCE}.save", on_click=_apply_advance, args=chosen)


# --- credit note ---------------------------------------------------------------------------------

@form_state.guarded(CREDIT)
def _issue_credit(token: str | None = None) -> None:
    form_state.clear(CREDIT)
    try:
        with unit_of_work() as session:
            note = idempotency.once(session, token, lambda: receivables.issue_credit_note(
                session, st.session_state.get(f"{CREDIT}.return"), st.session_state.get(f"{CREDIT}.date"),
                user=_acting(session))).document
            session.refresh(note)
            doc_no, amount, left = note.doc_no, note.amount, note.unallocated_amount
    except DomainError as err:
        form_state.record_error(CREDIT, err)
        return
    st.session_state.pop(f"{CREDIT}.return", None)
    form_state.forget_token(CREDIT)
    form_state.record_success(CREDIT, t("ui.ar.credit.posted", doc_no=doc_no, amount=f"{amount:,.2f}",
                                        left=f"{left:,.2f}"))


def _credit_form() -> None:
    form_state.flash(CREDIT)
    with read_only() as session:
        pending = receivables_queries.returns_without_credit_note(session)
        notes = receivables_queries.credit_notes(session)
    choices = {r["sales_return_id"]: f"{r['doc_no']} · {r['return_date']:%Y-%m-%d} · {r['customer_name']}"
               for r in pending}
    cols = st.columns([3, 1])
    with cols[0]:
        pick(t("entity.sales_return"), choices, f"{CREDIT}.return")
        form_state.field_error(CREDIT, "sales_return_id")
    date_field(t("field.note_date"), value="today", key=f"{CREDIT}.date", where=cols[1])
    st.caption(t("ui.ar.credit.how"))
    form_state.other_errors(CREDIT, ("sales_return_id",))
    st.button(t("ui.ar.credit.post"), key=f"{CREDIT}.save", type="primary", on_click=_issue_credit,
              args=(form_state.token(CREDIT),))
    st.subheader(t("ui.ar.credit.list"))
    ar_table(notes, ("doc_no", "note_date", "customer_name", "return_no", "amount", "unallocated_amount", "reason"),
             "credit_notes", f"{CREDIT}.list")


# --- write-offs ----------------------------------------------------------------------------------

@form_state.guarded(WRITE_OFF)
def _request_write_off(token: str | None = None) -> None:
    form_state.clear(WRITE_OFF)
    state = st.session_state
    try:
        with unit_of_work() as session:
            row = idempotency.once(session, token, lambda: receivables.request_write_off(
                session, state.get(f"{WRITE_OFF}.invoice"), state.get(f"{WRITE_OFF}.reason"),
                state.get(f"{WRITE_OFF}.date"), amount=state.get(f"{WRITE_OFF}.amount") or None,
                user=_acting(session))).document
            doc_no, amount = row.doc_no, row.amount
    except DomainError as err:
        form_state.record_error(WRITE_OFF, err)
        return
    form_state.reset_inputs(WRITE_OFF)
    form_state.record_success(WRITE_OFF, t("ui.ar.write_off.requested", doc_no=doc_no, amount=f"{amount:,.2f}"))


def _write_off_form() -> None:
    form_state.flash(WRITE_OFF)
    with read_only() as session:
        invoices = receivables_queries.open_invoices(session)
    choices = {r["invoice_id"]: f"{r['doc_no']} · {r['customer_name']} · {money(r['open_amount'])}" for r in invoices}
    with st.columns([3, 1])[0]:
        pick(t("entity.sales_invoice"), choices, f"{WRITE_OFF}.invoice")
        form_state.field_error(WRITE_OFF, "invoice_id")
    cols = st.columns([1, 1, 2])
    date_field(t("field.request_date"), value="today", key=f"{WRITE_OFF}.date", where=cols[0])
    with cols[1]:
        st.text_input(t("ui.ar.write_off.amount"), key=f"{WRITE_OFF}.amount")
        form_state.field_error(WRITE_OFF, "amount")
    with cols[2]:
        st.text_input(t("field.reason"), key=f"{WRITE_OFF}.reason")
        form_state.field_error(WRITE_OFF, "reason")
    form_state.other_errors(WRITE_OFF, ("invoice_id", "amount", "reason"))
    st.button(t("ui.ar.write_off.request"), key=f"{WRITE_OFF}.save", type="primary", on_click=_request_write_off,
              args=(form_state.token(WRITE_OFF),))


@form_state.guarded(DECIDE)
def _decide(action: str) -> None:
    form_state.clear(DECIDE)
    state = st.session_state
    try:
        with unit_of_work() as session:
            decide = receivables.approve_write_off if action == "approve" else receivables.reject_write_off
            row = decide(session, state.get(f"{DECIDE}.write_off"), state.get(f"{DECIDE}.date"),
                         user=_acting(session), note=state.get(f"{DECIDE}.note") or None)
            doc_no, status = row.doc_no, row.status
    except DomainError as err:
        form_state.record_error(DECIDE, err)
        return
    state.pop(f"{DECIDE}.write_off", None)
    form_state.record_success(DECIDE, t("ui.ar.write_off.decided", doc_no=doc_no, status=t(f"state.{status}")))


def _write_offs() -> None:
    if is_finance:
        _write_off_form()
    if is_approver:
        st.subheader(t("ui.ar.write_off.approvals"))
        form_state.flash(DECIDE)
        with read_only() as session:
            waiting = receivables_queries.write_offs(session, statuses=("requested",))
        if ar_table(waiting, ("doc_no", "request_date", "customer_name", "invoice_no", "amount", "reason"),
                    "write_off_requests", f"{DECIDE}.list") is not None:
            pick(t("entity.bad_debt_write_off"),
                 {r["write_off_id"]: f"{r['doc_no']} · {r['customer_name']} · {money(r['amount'])}" for r in waiting},
                 f"{DECIDE}.write_off")
            cols = st.columns(2)
            date_field(t("field.decided_on"), value="today", key=f"{DECIDE}.date", where=cols[0])
            cols[1].text_input(t("field.decision_note"), key=f"{DECIDE}.note")
            form_state.other_errors(DECIDE, ())
            cols = st.columns([1, 1, 4])
            cols[0].button(t("action.approve"), key=f"{DECIDE}.approve", type="primary", on_click=_decide,
                           args=("approve",))
            cols[1].button(t("action.reject"), key=f"{DECIDE}.reject", on_click=_decide, args=("reject",))
    st.subheader(t("ui.ar.write_off.all"))
    with read_only() as session:
        rows = receivables_queries.write_offs(session)
    ar_table(rows, ("doc_no", "request_date", "customer_name", "invoice_no", "amount", "reason", "status",
                    "decided_on", "decision_note"), "bad_debt_write_offs", f"{WRITE_OFF}.all")


TERM = "ar.term"
TERM_LINES = 4


@form_state.guarded(TERM)
def _create_term() -> None:
    form_state.clear(TERM)
    state = st.session_state
    lines = [(str(state.get(f"{TERM}.p{n}") or "").strip(), str(state.get(f"{TERM}.d{n}") or "").strip())
             for n in range(1, TERM_LINES + 1)]
    try:
        with unit_of_work() as session:
            term = receivables.create_payment_term(session, state.get(f"{TERM}.code"), state.get(f"{TERM}.name"),
                                                   [(p, d or "0") for p, d in lines if p])
            code = term.code
    except DomainError as err:
        form_state.record_error(TERM, err)
        return
    form_state.reset_inputs(TERM)
    form_state.record_success(TERM, t("ui.ar.term.created", code=code))


@form_state.guarded(TERM)
def _assign_term() -> None:
    form_state.clear(TERM)
    state = st.session_state
    try:
        with unit_of_work() as session:
            receivables.set_customer_term(session, state.get(f"{TERM}.customer"), state.get(f"{TERM}.term"))
    except DomainError as err:
        form_state.record_error(TERM, err)
        return
    form_state.record_success(TERM, t("ui.ar.term.assigned"))


def _terms() -> None:
    form_state.flash(TERM)
    with read_only() as session:
        rows = receivables_queries.payment_term_rows(session)
        customers = dict(receivables_queries.customer_choices(session))
    ar_table(rows, ("code", "name", "term_lines", "customers"), "payment_terms", f"{TERM}.list")
    st.subheader(t("ui.ar.term.new"))
    cols = st.columns(2)
    cols[0].text_input(t("field.code"), key=f"{TERM}.code")
    cols[1].text_input(t("field.name"), key=f"{TERM}.name")
    st.caption(t("ui.ar.term.how"))
    for n in range(1, TERM_LINES + 1):
        cols = st.columns(2)
        cols[0].text_input(t("field.percent"), key=f"{TERM}.p{n}", placeholder="%")
        cols[1].text_input(t("field.days"), key=f"{TERM}.d{n}")
    st.button(t("ui.ar.term.create"), key=f"{TERM}.save", on_click=_create_term)
    st.subheader(t("ui.ar.term.assign"))
    cols = st.columns(2)
    with cols[0]:
        pick(t("field.customer_id"), customers, f"{TERM}.customer")
    with cols[1]:
        pick(t("field.payment_term_id"), {r["payment_term_id"]: f"{r['code']} {r['name']}" for r in rows},
             f"{TERM}.term")
    form_state.other_errors(TERM, ())
    st.button(t("ui.ar.term.assign"), key=f"{TERM}.assign", on_click=_assign_term)


@form_state.guarded("ar.cancel")
def _cancel_invoice() -> None:
    form_state.clear("ar.cancel")
    try:
        with unit_of_work() as session:
            invoice = receivables.cancel_invoice(session, st.session_state.get("ar.cancel.invoice"),
                                                 st.session_state.get("ar.cancel.date"), user=_acting(session))
            doc_no = invoice.doc_no
    except DomainError as err:
        form_state.record_error("ar.cancel", err)
        return
    st.session_state.pop("ar.cancel.invoice", None)
    form_state.record_success("ar.cancel", t("ui.ar.invoice.cancelled", doc_no=doc_no))


def _cancel_form() -> None:
    st.subheader(t("ui.ar.invoice.cancel_title"))
    form_state.flash("ar.cancel")
    with read_only() as session:
        rows = [r for r in receivables_queries.invoices(session, statuses=("posted",), limit=500)
                if r["open_amount"] == r["total_amount"]]
    cols = st.columns([3, 1])
    with cols[0]:
        pick(t("entity.sales_invoice"), {r["invoice_id"]: f"{r['doc_no']} · {r['customer_name']} · "
                                                         f"{money(r['total_amount'])}" for r in rows},
             "ar.cancel.invoice")
    date_field(t("field.cancelled_on"), value="today", key="ar.cancel.date", where=cols[1])
    st.caption(t("ui.ar.invoice.cancel_how"))
    form_state.other_errors("ar.cancel", ())
    st.button(t("ui.ar.invoice.cancel"), key="ar.cancel.save", on_click=_cancel_invoice)


def _receipts_list() -> None:
    with read_only() as session:
        rows = receivables_queries.receipts(session)
    ar_table(rows, ("doc_no", "receipt_date", "customer_name", "amount", "unallocated_amount", "account", "method",
                    "reference", "status", "reversed_on", "reversal_reason"), "customer_receipts", "ar.rclist")
    if may_reverse:
        reversal_form("ar.rev", {r["receipt_id"]: f"{r['doc_no']} · {r['customer_name']} · {money(r['amount'])}"
                                 for r in rows if r["status"] == "posted"}, receivables.reverse_receipt,
                      entity="entity.customer_receipt")


names = (["invoice", "receipt", "credit"] if is_finance else []) + ["write_off", "receipts"] + (
    ["terms"] if is_finance else [])
labels = {"invoice": t("ui.ar.tab.invoice"), "receipt": t("ui.ar.tab.receipt"), "credit": t("ui.ar.tab.credit"),
          "write_off": t("ui.ar.tab.write_off"), "receipts": t("ui.ar.tab.receipts"), "terms": t("ui.ar.tab.terms")}
tabs = dict(zip(names, st.tabs([labels[n] for n in names]), strict=True))
if "invoice" in tabs:
    with tabs["invoice"]:
        _invoice_form()
        _cancel_form()
    with tabs["receipt"]:
        _receipt_form()
    with tabs["credit"]:
        _credit_form()
with tabs["write_off"]:
    _write_offs()
with tabs["receipts"]:
    _receipts_list()
if "terms" in tabs:
    with tabs["terms"]:
        _terms()
