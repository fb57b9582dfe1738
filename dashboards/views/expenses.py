"""Expense claims (费用报销): my claims (submit a draft, cancel), a new claim with lines, the
approval queue of whoever may approve (line managers, finance, the general manager above the
threshold), the payment queue of finance, and — for finance, managers and analysts — every claim
with filters. Every list exports to CSV / Excel and opens a claim's lines and trail."""

from __future__ import annotations

import streamlit as st

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.expense_form import (
    acting_user,
    claim_form,
    claim_view,
    claims_table,
    load_draft,
    pick_claim,
)
from dashboards.i18n import t
from dashboards.session import require_page
from operational.db import read_only, unit_of_work
from operational.models import CLAIM_STATES
from operational.services import cash, expenses, expenses_queries
from operational.services.errors import DomainError

MINE, APPROVE, PAY, ALL = "ex.mine", "ex.appr", "ex.pay", "ex.all"

require_page("expenses")
st.title(t("ui.page.expenses"))


@form_state.guarded(lambda prefix, *_, **__: prefix)
def _act(prefix: str, action: str) -> None:
    """Submit / cancel (own claims), approve / reject (queue), pay (finance) the picked claim."""
    form_state.clear(prefix)
    state = st.session_state
    claim_id = state.get(f"{prefix}.claim")
    try:
        with unit_of_work() as session:
            user = acting_user(session)
            if action == "submit":
                claim = expenses.submit_claim(session, user, claim_id)
            elif action == "cancel":
                claim = expenses.cancel_claim(session, user, claim_id)
            elif action == "approve":
                claim = expenses.approve_claim(session, user, claim_id, state.get(f"{prefix}.note"))
            elif action == "reject":
                claim = expenses.reject_claim(session, user, claim_id, state.get(f"{prefix}.note"))
            else:
                claim = expenses.reimburse_claim(session, user, claim_id, state.get(f"{prefix}.account"),
                                                 state.get(f"{prefix}.date"))
            doc_no, status = claim.doc_no, claim.status
    except DomainError as err:
        form_state.record_error(prefix, err)
        return
    state.pop(f"{prefix}.claim", None)
    state.pop(f"{prefix}.note", None)
    form_state.record_success(prefix, t("ui.expenses.changed", doc_no=doc_no, status=t(f"state.{status}")))



with read_only() as session:
    me = acting_user(session)
    approvals = expenses_queries.approval_queue(session, me)
    payments = expenses_queries.payment_queue(session, me) if me.role in ("admin", *expenses.REIMBURSE_ROLES) else []
    mine = expenses_queries.claim_rows(session, me, mine=True)
    accounts = dict(cash.account_choices(session, with_balance=True))
    departments = expenses_queries.departments(session)
    role = me.role  # read inside the session: the row expires when it ends
    approver = bool(approvals) or expenses_queries.is_approver(session, me)
payer = role in ("admin", *expenses.REIMBURSE_ROLES)
reader = role in ("admin", *expenses.READ_ALL_ROLES)

names = ["mine", "new"] + (["approvals"] if approver else []) + (["payments"] if payer else []) + \
    (["all"] if reader else [])
labels = {"mine": t("ui.expenses.tab.mine"), "new": t("ui.expenses.tab.new"),
          "approvals": t("ui.expenses.tab.approvals", n=len(approvals)),
          "payments": t("ui.expenses.tab.payments", n=len(payments)), "all": t("ui.expenses.tab.all")}
tabs = dict(zip(names, st.tabs([labels[n] for n in names]), strict=True))

with tabs["mine"]:
    form_state.flash(MINE)
    if claims_table(mine, "my_expense_claims", MINE) is not None:
        picked = pick_claim(mine, f"{MINE}.claim")
        if picked is not None:
            detail = claim_view(picked, MINE)
            if detail is not None and detail.status in ("draft", "submitted"):
                form_state.other_errors(MINE, ())
                cols = st.columns([1, 1, 1, 3])
                if detail.status == "draft":
                    cols[0].button(t("ui.expenses.submit"), key=f"{MINE}.submit", type="primary",
                                   on_click=_act, args=(MINE, "submit"))
                    cols[2].button(t("ui.expenses.edit"), key=f"{MINE}.edit", on_click=load_draft,
                                   args=(detail.id,), help=t("ui.expenses.edit_help"))
                cols[1].button(t("ui.documents.cancel"), key=f"{MINE}.cancel", on_click=_act, args=(MINE, "cancel"))

with tabs["new"]:
    claim_form()

if "approvals" in tabs:
    with tabs["approvals"]:
        form_state.flash(APPROVE)
        if claims_table(approvals, "expense_approvals", APPROVE) is not None:
            picked = pick_claim(approvals, f"{APPROVE}.claim")
            if picked is not None and claim_view(picked, APPROVE) is not None:
                st.text_input(t("ui.expenses.note"), key=f"{APPROVE}.note")
                form_state.field_error(APPROVE, "reason")
                form_state.other_errors(APPROVE, ("reason",))
                cols = st.columns([1, 1, 4])
                cols[0].button(t("ui.expenses.approve"), key=f"{APPROVE}.approve", type="primary",
                               on_click=_act, args=(APPROVE, "approve"))
                cols[1].button(t("ui.expenses.reject"), key=f"{APPROVE}.reject", on_click=_act,
                               args=(APPROVE, "reject"))

if "payments" in tabs:
    with tabs["payments"]:
        form_state.flash(PAY)
        if claims_table(payments, "expense_payments", PAY) is not None:
            picked = pick_claim(payments, f"{PAY}.claim")
            if picked is not None and claim_view(picked, PAY) is not None:
                cols = st.columns(2)
                with cols[0]:
                    st.selectbox(t("field.account_id"), list(accounts), key=f"{PAY}.account", index=None,
                                 format_func=lambda i: accounts.get(i, str(i)), placeholder=t("ui.order.choose"))
                    form_state.field_error(PAY, "account_id")
                with cols[1]:
                    date_field(t("field.reimbursed_on"), value="today", key=f"{PAY}.date")
                    form_state.field_error(PAY, "reimbursed_on")
                form_state.other_errors(PAY, ("account_id", "reimbursed_on"))
                st.button(t("ui.expenses.pay"), key=f"{PAY}.pay", type="primary", on_click=_act, args=(PAY, "pay"))

if "all" in tabs:
    with tabs["all"]:
        cols = st.columns([2, 2, 1, 1])
        statuses = cols[0].multiselect(t("ui.documents.status"), CLAIM_STATES, key=f"{ALL}.statuses",
                                       format_func=lambda s: t(f"state.{s}"), placeholder=t("ui.edges_rest.all"))
        picked_dates = date_field(t("ui.filter.date_range"), value=(), key=f"{ALL}.dates", where=cols[1])
        department = cols[2].selectbox(t("ui.col.department"), [None, *departments], key=f"{ALL}.department",
                                       format_func=lambda d: t("ui.expenses.all_departments") if d is None else d)
        search = cols[3].text_input(t("ui.documents.search"), key=f"{ALL}.search")
        start = end = None
        if isinstance(picked_dates, tuple | list) and picked_dates:
            start, end = picked_dates[0], picked_dates[-1]
        with read_only() as session:
            rows = expenses_queries.claim_rows(session, acting_user(session), statuses=tuple(statuses) or None,
                                               start=start, end=end, department=department, search=search)
        if claims_table(rows, "expense_claims", ALL) is not None:
            picked = pick_claim(rows, f"{ALL}.claim")
            if picked is not None:
                claim_view(picked, ALL)
