"""Supplier payments (付款): the payment schedule (open instalments by due date per supplier with
the account suggested to pay from, drill-down to the instalments), proposing a payment (purchasing
or finance; oldest due date first or for chosen instalments), finance's queue to approve and pay
or reject, and every payment with export."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import streamlit as st

from dashboards.components import form_state
from dashboards.components.allocation_grid import (
    allocation_grid,
    anything_typed,
    error_fields,
    typed_allocation,
)
from dashboards.components.date_field import date_field
from dashboards.components.format import money
from dashboards.components.payables_view import ap_table, pick
from dashboards.components.reversal_form import reversal_form
from dashboards.i18n import t
from dashboards.session import current_user, require_page
from operational.db import read_only, unit_of_work
from operational.models.payables import PAID, PAYMENT_STATES
from operational.services import cash, idempotency, payables, payables_queries, queries
from operational.services.errors import DomainError

SCHEDULE, PROPOSE, APPROVE, ALL, REVERSE = "ap.sched", "ap.prop", "ap.appr", "ap.pays", "ap.rev"
PAYMENT_COLUMNS = ("doc_no", "supplier_name", "payment_date", "amount", "account", "status", "unallocated_amount",
                   "memo")
INSTALMENT_COLUMNS = ("due_date", "days_overdue", "doc_no", "supplier_invoice_no", "bill_date", "seq", "amount",
                      "settled_amount", "open_amount")

user = require_page("supplier_payment")
st.title(t("ui.page.supplier_payment"))
may_propose = user.role in ("admin", *payables.PROPOSE_PAYMENT_ROLES)
may_pay = user.role in ("admin", *payables.PAY_ROLES)



@form_state.guarded(PROPOSE)
def _propose(instalments: list[dict], token: str | None = None) -> None:
    form_state.clear(PROPOSE)
    state = st.session_state
    typed = typed_allocation(PROPOSE, instalments)
    targets = typed if anything_typed(typed) else None  # nothing typed: oldest first
    try:
        with unit_of_work() as session:
            payment = idempotency.once(session, token, lambda: payables.propose_payment(
                session, state.get(f"{PROPOSE}.supplier"), state.get(f"{PROPOSE}.amount") or None,
                state.get(f"{PROPOSE}.date"), state.get(f"{PROPOSE}.account"),
                user=queries.user_by_id(session, current_user().id), targets=targets,
                memo=state.get(f"{PROPOSE}.memo") or None)).document
            doc_no, amount = payment.doc_no, payment.amount
    except DomainError as err:
        form_state.record_error(PROPOSE, err)
        return
    form_state.reset_inputs(PROPOSE)
    form_state.record_success(PROPOSE, t("ui.ap.pay.proposed", doc_no=doc_no, amount=f"{amount:,.2f}"))


@form_state.guarded(APPROVE)
def _decide(action: str) -> None:
    form_state.clear(APPROVE)
    state = st.session_state
    try:
        with unit_of_work() as session:
            actor = queries.user_by_id(session, current_user().id)
            if action == "pay":
                payment = payables.approve_payment(session, state.get(f"{APPROVE}.payment"), user=actor,
                                                   on=state.get(f"{APPROVE}.date"))
            else:
                payment = payables.reject_payment(session, state.get(f"{APPROVE}.payment"), user=actor,
                                                  note=state.get(f"{APPROVE}.note"))
            doc_no, status = payment.doc_no, payment.status
    except DomainError as err:
        form_state.record_error(APPROVE, err)
        return
    state.pop(f"{APPROVE}.payment", None)
    form_state.record_success(APPROVE, t("ui.ap.changed", doc_no=doc_no, status=t(f"state.{status}")))


def _schedule() -> None:
    with read_only() as session:
        suppliers = dict(payables_queries.supplier_choices(session))
    cols = st.columns([2, 1])
    supplier_id = cols[0].selectbox(t("field.supplier"), [None, *suppliers], key=f"{SCHEDULE}.supplier",
                                    format_func=lambda i: t("ui.ap.all_suppliers") if i is None else suppliers[i])
    due_by = date_field(t("ui.ap.pay.due_by"), value=date.today() + timedelta(days=30),
                                key=f"{SCHEDULE}.due_by", where=cols[1])
    with read_only() as session:
        rows = payables_queries.payment_schedule(session, supplier_id=supplier_id, due_by=due_by)
    if rows:
        total = sum((r["net_amount"] for r in rows), Decimal(0))
        overdue = sum((r["overdue_amount"] for r in rows), Decimal(0))
        left, right = st.columns(2)
        left.metric(t("ui.ap.pay.due_total"), money(total))
        right.metric(t("ui.ap.pay.overdue_total"), money(overdue))
    if ap_table(rows, ("supplier_name", "first_due_date", "instalments", "open_amount", "overdue_amount",
                       "unapplied_amount", "net_amount", "suggested_account"), "payment_schedule",
                SCHEDULE) is None:
        return
    drill = pick(t("ui.ap.pay.drill"), {r["supplier_id"]: r["supplier_name"] for r in rows}, f"{SCHEDULE}.drill")
    if drill is not None:
        with read_only() as session:
            detail = payables_queries.open_instalments(session, supplier_id=drill, due_by=due_by)
        ap_table(detail, INSTALMENT_COLUMNS, "open_instalments", f"{SCHEDULE}.inst")


def _proposal() -> None:
    form_state.flash(PROPOSE)
    with read_only() as session:
        suppliers = dict(payables_queries.supplier_choices(session))
        accounts = dict(cash.account_choices(session))
    cols = st.columns([2, 2, 1])
    with cols[0]:
        supplier_id = pick(t("field.supplier"), suppliers, f"{PROPOSE}.supplier")
        form_state.field_error(PROPOSE, "supplier_id")
    with cols[1]:
        pick(t("field.cash_account_id"), accounts, f"{PROPOSE}.account")
        form_state.field_error(PROPOSE, "cash_account_id")
    with cols[2]:
        date_field(t("field.payment_date"), value="today", key=f"{PROPOSE}.date")
        form_state.field_error(PROPOSE, "payment_date")
    instalments: list[dict] = []
    if supplier_id is not None:
        with read_only() as session:
            instalments = payables_queries.open_instalments(session, supplier_id=supplier_id)
        st.caption(t("ui.ap.pay.how"))
        allocation_grid(PROPOSE, instalments, column_catalog="ui.ap.col", amount_column="pay_amount")
        if not instalments:
            st.caption(t("ui.ap.pay.nothing_open"))
    cols = st.columns(2)
    with cols[0]:
        st.text_input(t("ui.ap.pay.amount"), key=f"{PROPOSE}.amount")
        form_state.field_error(PROPOSE, "amount")
    with cols[1]:
        st.text_input(t("ui.ap.col.memo"), key=f"{PROPOSE}.memo")
    form_state.other_errors(PROPOSE, ("supplier_id", "cash_account_id", "payment_date", "amount",
                                      *error_fields(instalments)))
    st.button(t("ui.ap.pay.propose"), key=f"{PROPOSE}.save", type="primary", on_click=_propose,
              args=(instalments, form_state.token(PROPOSE)))


def _approvals() -> None:
    form_state.flash(APPROVE)
    with read_only() as session:
        rows = payables_queries.proposed_payments(session)
    if ap_table(rows, PAYMENT_COLUMNS, "proposed_payments", APPROVE) is None:
        return
    choices = {r["payment_id"]: f"{r['doc_no']} · {r['supplier_name']} · {money(r['amount'])}" for r in rows}
    payment_id = pick(t("entity.supplier_payment"), choices, f"{APPROVE}.payment")
    if payment_id is None:
        return
    with read_only() as session:
        targets = payables_queries.payment_targets(session, payment_id)
    if targets:
        ap_table(targets, ("doc_no", "seq", "due_date", "amount"), "payment_targets", f"{APPROVE}.targets")
    else:
        st.caption(t("ui.ap.pay.oldest_first"))
    cols = st.columns(2)
    date_field(t("field.payment_date"), value="today", key=f"{APPROVE}.date", where=cols[0])
    cols[1].text_input(t("field.decision_note"), key=f"{APPROVE}.note")
    form_state.other_errors(APPROVE, ())
    cols = st.columns([1.4, 1, 4])
    cols[0].button(t("ui.ap.pay.approve"), key=f"{APPROVE}.pay", type="primary", on_click=_decide, args=("pay",))
    cols[1].button(t("ui.ap.reject"), key=f"{APPROVE}.reject", on_click=_decide, args=("reject",))


def _all() -> None:
    statuses = st.multiselect(t("ui.documents.status"), PAYMENT_STATES, key=f"{ALL}.statuses",
                              format_func=lambda s: t(f"state.{s}"), placeholder=t("ui.edges_rest.all"))
    with read_only() as session:
        rows = payables_queries.payment_rows(session, statuses=tuple(statuses) or None)
    ap_table(rows, (*PAYMENT_COLUMNS, "reversed_on", "reversal_reason"), "supplier_payments", ALL)
    if may_pay:
        with read_only() as session:
            paid = payables_queries.payment_rows(session, statuses=(PAID,))
        reversal_form(REVERSE, {r["payment_id"]: f"{r['doc_no']} · {r['supplier_name']} · {money(r['amount'])}"
                                for r in paid}, payables.reverse_payment, entity="entity.supplier_payment")


with read_only() as session:
    waiting = len(payables_queries.proposed_payments(session)) if may_pay else 0
names = ["schedule"] + (["propose"] if may_propose else []) + (["approve"] if may_pay else []) + ["all"]
labels = {"schedule": t("ui.ap.tab.schedule"), "propose": t("ui.ap.tab.propose"),
          "approve": t("ui.ap.tab.approve", n=waiting), "all": t("ui.ap.tab.payments")}
tabs = dict(zip(names, st.tabs([labels[n] for n in names]), strict=True))
with tabs["schedule"]:
    _schedule()
if "propose" in tabs:
    with tabs["propose"]:
        _proposal()
if "approve" in tabs:
    with tabs["approve"]:
        _approvals()
with tabs["all"]:
    _all()
