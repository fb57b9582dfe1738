"""CRM entry forms (客户跟进、销售机会、服务工单、联系人) for the CRM activity page.

Widget prefixes: ``fu`` (follow-ups and next actions), ``op`` (opportunities), ``tk`` (tickets),
``ct`` (contacts). Saves run in one ``unit_of_work`` through ``operational.services.crm``; a
``DomainError`` is shown under the field it names and nothing is written. Sales reps and managers
may write; other readers of the page see the lists only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.export import export_buttons
from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import (
    FOLLOW_UP_CHANNELS,
    OPPORTUNITY_STAGES,
    TICKET_CATEGORIES,
    TICKET_PRIORITIES,
    utcnow,
)
from operational.models.crm import TICKET_IN_PROGRESS, TICKET_OPEN, TICKET_RESOLVED
from operational.services import auth, crm, crm_queries, idempotency, queries
from operational.services.errors import DomainError

WRITERS = ("sales", "manager")
FU, OP, TK, CT = "fu", "op", "tk", "ct"
ACTION_COLUMNS = ("next_action_date", "next_action", "customer_name", "contact_name", "happened_on", "channel",
                  "summary", "employee_name")
FOLLOW_UP_COLUMNS = ("happened_on", "customer_name", "contact_name", "channel", "summary", "next_action",
                     "next_action_date", "done", "employee_name")
OPPORTUNITY_COLUMNS = ("doc_no", "customer_name", "title", "stage", "expected_value", "probability", "weighted_value",
                       "expected_close_date", "closed_on", "owner_name")
TICKET_COLUMNS = ("doc_no", "customer_name", "category", "priority", "subject", "status", "opened_at", "response_due",
                  "first_response_at", "resolution_due", "resolved_at", "response_met", "resolution_met",
                  "satisfaction", "assignee_name")
CONTACT_COLUMNS = ("contact_name", "contact_title", "phone", "email", "wechat", "is_primary")


def may_write() -> bool:
    user = current_user()
    return user is not None and (user.role == "admin" or user.role in WRITERS)


def _check(session: Session) -> None:
    user = current_user()
    auth.require_role(queries.user_by_id(session, user.id) if user else None, *WRITERS)


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "").strip()


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def _messages(prefix: str) -> None:
    message = form_state.success_message(prefix)
    if message:
        st.success(message)


def _my_employee() -> int | None:
    user = current_user()
    with read_only() as session:
        return crm_queries.employee_of_user(session, user.id if user else None)


def _options() -> tuple[dict[int, str], dict[int, str]]:
    with read_only() as session:
        return dict(crm_queries.customer_choices(session)), dict(crm_queries.employee_choices(session))


def _contact_select(prefix: str, customer_id: int | None) -> None:
    with read_only() as session:
        contacts = dict(crm_queries.contact_choices(session, customer_id))
    st.selectbox(t("ui.col.contact_name"), [None, *contacts], key=f"{prefix}.contact",
                 format_func=lambda i: t("ui.none") if i is None else contacts.get(i, str(i)))
    form_state.field_error(prefix, "contact_id")


# ---------------------------------------------------------------------- follow-ups

@form_state.guarded(FU)
def _save_follow_up(token: str | None = None) -> None:
    form_state.clear(FU)
    s = st.session_state
    try:
        with unit_of_work() as session:
            _check(session)
            fu = idempotency.once(session, token, lambda: crm.log_follow_up(
                session, s.get(f"{FU}.customer"), s.get(f"{FU}.employee"), s.get(f"{FU}.channel"), s.get(f"{FU}.date"),
                _text(f"{FU}.summary"), contact_id=s.get(f"{FU}.contact"), next_action=_text(f"{FU}.next_action"),
                next_action_date=s.get(f"{FU}.next_date"))).document
            message = t("ui.crm.follow_up_saved", date=fu.happened_on)
    except DomainError as err:
        form_state.record_error(FU, err)
        return
    employee = s.get(f"{FU}.employee")
    form_state.reset_inputs(FU)
    s[f"{FU}.employee"] = employee
    form_state.record_success(FU, message)


@form_state.guarded(FU)
def _complete(follow_up_id: int) -> None:
    form_state.clear(FU)
    try:
        with unit_of_work() as session:
            _check(session)
            crm.complete_follow_up(session, follow_up_id, date.today())
    except DomainError as err:
        form_state.record_error(FU, err)
        return
    form_state.record_success(FU, t("ui.crm.action_done"))


def follow_ups() -> None:
    customers, employees = _options()
    me = _my_employee()
    writer = may_write()
    st.subheader(t("ui.crm.my_actions"))
    with read_only() as session:
        actions = crm_queries.open_next_actions(session, me, date.today())
    if not actions:
        st.caption(t("ui.crm.no_actions"))
    else:
        frame = _frame(actions)
        frame = frame.assign(channel=translate_values(frame["channel"], "ui.crm.channel"))
        overdue = int(frame["overdue"].sum())
        if overdue:
            st.warning(t("ui.crm.overdue", n=overdue))
        shown = with_headers(frame, ACTION_COLUMNS)
        show_table(shown)
        export_buttons(shown, "next_actions", "fu.actions_export")
        if writer:
            labels = {r["follow_up_id"]: f"{r['next_action_date'] or ''} {r['customer_name']}：{r['next_action']}"
                      for r in actions}
            picked = st.selectbox(t("ui.crm.complete_pick"), list(labels), index=None, key="fu.complete_pick",
                                  format_func=lambda i: labels.get(i, str(i)), placeholder=t("ui.edges_rest.choose"))
            st.button(t("ui.crm.complete"), key="fu.complete", disabled=picked is None,
                      on_click=_complete, args=(picked,))

    if writer:
        st.subheader(t("ui.crm.new_follow_up"))
        if f"{FU}.employee" not in st.session_state and me in employees:
            st.session_state[f"{FU}.employee"] = me
        left, right = st.columns(2)
        with left:
            customer = st.selectbox(t("ui.crm.customer"), list(customers), index=None, key=f"{FU}.customer",
                                    format_func=lambda i: customers.get(i, str(i)), placeholder=t("ui.crm.pick"))
            form_state.field_error(FU, "customer_id")
            _contact_select(FU, customer)
            st.selectbox(t("ui.crm.channel_label"), FOLLOW_UP_CHANNELS, key=f"{FU}.channel",
                         format_func=lambda c: t(f"ui.crm.channel.{c}"))
            form_state.field_error(FU, "channel")
        with right:
            st.selectbox(t("ui.crm.employee"), list(employees), index=None, key=f"{FU}.employee",
                         format_func=lambda i: employees.get(i, str(i)), placeholder=t("ui.crm.pick"))
            form_state.field_error(FU, "employee_id")
            date_field(t("field.happened_on"), value=date.today(), key=f"{FU}.date")
            form_state.field_error(FU, "happened_on")
        st.text_area(t("field.summary"), key=f"{FU}.summary", height=80)
        form_state.field_error(FU, "summary")
        left, right = st.columns(2)
        with left:
            st.text_input(t("field.next_action"), key=f"{FU}.next_action")
            form_state.field_error(FU, "next_action")
        with right:
            date_field(t("field.next_action_date"), value=None, key=f"{FU}.next_date")
            form_state.field_error(FU, "next_action_date")
        form_state.other_errors(FU, ("customer_id", "contact_id", "channel", "employee_id", "happened_on", "summary",
                                     "next_action", "next_action_date"))
        st.button(t("ui.crm.save_follow_up"), key=f"{FU}.save", type="primary", on_click=_save_follow_up,
                  args=(form_state.token(FU),))
    _messages(FU)

    st.subheader(t("ui.crm.recent_follow_ups"))
    with read_only() as session:
        rows = crm_queries.follow_ups(session)
    frame = _frame(rows)
    if frame.empty:
        st.caption(t("ui.chart.empty"))
        return
    frame = frame.assign(channel=translate_values(frame["channel"], "ui.crm.channel"))
    shown = with_headers(frame, FOLLOW_UP_COLUMNS)
    show_table(shown)
    export_buttons(shown, "follow_ups", "fu.list_export")


# ---------------------------------------------------------------------- opportunities

@form_state.guarded(OP)
def _save_opportunity(token: str | None = None) -> None:
    form_state.clear(OP)
    s = st.session_state
    try:
        with unit_of_work() as session:
            _check(session)
            opp = idempotency.once(session, token, lambda: crm.open_opportunity(
                session, s.get(f"{OP}.customer"), s.get(f"{OP}.owner"), _text(f"{OP}.title"), _text(f"{OP}.value"),
                date.today(), expected_close_date=s.get(f"{OP}.close"), stage=s.get(f"{OP}.stage") or "lead")).document
            message = t("ui.crm.opportunity_saved", doc_no=opp.doc_no)
    except DomainError as err:
        form_state.record_error(OP, err)
        return
    form_state.reset_inputs(OP)
    form_state.record_success(OP, message)


@form_state.guarded(OP)
def _change_stage() -> None:
    form_state.clear(OP)
    s = st.session_state
    opp_id, stage = s.get(f"{OP}.pick"), s.get(f"{OP}.to_stage")
    by = _my_employee()
    try:
        with unit_of_work() as session:
            _check(session)
            if stage == "won":
                opp = crm.win_opportunity(session, opp_id, date.today(), by=by)
            elif stage == "lost":
                opp = crm.lose_opportunity(session, opp_id, date.today(), by=by, reason=_text(f"{OP}.lost_reason"))
            else:
                opp = crm.advance_opportunity(session, opp_id, stage, date.today(), by=by)
            message = t("ui.crm.stage_saved", doc_no=opp.doc_no, stage=t(f"state.crm.{opp.stage}"))
    except DomainError as err:
        form_state.record_error(OP, err)
        return
    form_state.record_success(OP, message)


def opportunities() -> None:
    writer = may_write()
    with read_only() as session:
        rows = crm_queries.opportunities(session)
    frame = _frame(rows)
    if not frame.empty:
        open_ones = frame[frame["closed_on"].isna()]
        pipeline = (open_ones.groupby("stage", sort=False)[["expected_value", "weighted_value"]].sum()
                    .reset_index().assign(stage=lambda df: translate_values(df["stage"], "state.crm")))
        st.subheader(t("ui.crm.pipeline"))
        shown = with_headers(pipeline, ("stage", "expected_value", "weighted_value"))
        show_table(shown, money=("expected_value", "weighted_value",))
        export_buttons(shown, "pipeline", "op.pipeline_export")
        frame = frame.assign(stage=translate_values(frame["stage"], "state.crm"))
        shown = with_headers(frame, OPPORTUNITY_COLUMNS)
        show_table(shown, money=("expected_value", "weighted_value"), rates=("probability",))
        export_buttons(shown, "opportunities", "op.list_export")
    if not writer:
        return
    customers, employees = _options()
    me = _my_employee()
    st.subheader(t("ui.crm.change_stage"))
    with read_only() as session:
        choices = dict(crm_queries.opportunity_choices(session))
    picked = st.selectbox(t("ui.crm.opportunity"), list(choices), index=None, key=f"{OP}.pick",
                          format_func=lambda i: choices.get(i, str(i)), placeholder=t("ui.crm.pick"))
    st.selectbox(t("field.stage"), OPPORTUNITY_STAGES[1:], key=f"{OP}.to_stage",
                 format_func=lambda s: t(f"state.crm.{s}"))
    form_state.field_error(OP, "stage")
    st.text_input(t("field.lost_reason"), key=f"{OP}.lost_reason")
    st.button(t("ui.crm.change_stage"), key=f"{OP}.change", disabled=picked is None, on_click=_change_stage)
    if picked is not None:
        with read_only() as session:
            history = _frame(crm_queries.opportunity_history(session, picked))
        history = history.assign(from_stage=translate_values(history["from_stage"], "state.crm"),
                                 to_stage=translate_values(history["to_stage"], "state.crm"))
        show_table(with_headers(history, ("changed_on", "from_stage", "to_stage", "changed_by")))

    st.subheader(t("ui.crm.new_opportunity"))
    if f"{OP}.owner" not in st.session_state and me in employees:
        st.session_state[f"{OP}.owner"] = me
    left, right = st.columns(2)
    with left:
        st.selectbox(t("ui.crm.customer"), list(customers), index=None, key=f"{OP}.customer",
                     format_func=lambda i: customers.get(i, str(i)), placeholder=t("ui.crm.pick"))
        form_state.field_error(OP, "customer_id")
        st.text_input(t("field.title"), key=f"{OP}.title")
        form_state.field_error(OP, "title")
        st.selectbox(t("field.stage"), OPPORTUNITY_STAGES[:4], key=f"{OP}.stage",
                     format_func=lambda s: t(f"state.crm.{s}"))
    with right:
        st.selectbox(t("ui.crm.owner"), list(employees), index=None, key=f"{OP}.owner",
                     format_func=lambda i: employees.get(i, str(i)), placeholder=t("ui.crm.pick"))
        form_state.field_error(OP, "owner_id")
        st.text_input(t("field.expected_value"), key=f"{OP}.value")
        form_state.field_error(OP, "expected_value")
        date_field(t("field.expected_close_date"), value=None, key=f"{OP}.close")
        form_state.field_error(OP, "expected_close_date")
    form_state.other_errors(OP, ("customer_id", "title", "owner_id", "expected_value", "expected_close_date", "stage"))
    st.button(t("ui.crm.save_opportunity"), key=f"{OP}.save", type="primary", on_click=_save_opportunity,
              args=(form_state.token(OP),))
    _messages(OP)


# ---------------------------------------------------------------------- tickets

@form_state.guarded(TK)
def _open_ticket(token: str | None = None) -> None:
    form_state.clear(TK)
    s = st.session_state
    try:
        with unit_of_work() as session:
            _check(session)
            ticket = idempotency.once(session, token, lambda: crm.open_ticket(
                session, s.get(f"{TK}.customer"), s.get(f"{TK}.category"), s.get(f"{TK}.priority"),
                _text(f"{TK}.subject"), utcnow(), contact_id=s.get(f"{TK}.contact"),
                assignee_id=s.get(f"{TK}.assignee"))).document
            message = t("ui.crm.ticket_saved", doc_no=ticket.doc_no, due=crm.sla_due(ticket).strftime("%Y-%m-%d %H:%M"))
    except DomainError as err:
        form_state.record_error(TK, err)
        return
    form_state.reset_inputs(TK)
    form_state.record_success(TK, message)


@form_state.guarded(TK)
def _ticket_action(action: str) -> None:
    form_state.clear(TK)
    s = st.session_state
    ticket_id = s.get(f"{TK}.pick")
    try:
        with unit_of_work() as session:
            _check(session)
            if action == "respond":
                ticket = crm.respond(session, ticket_id, utcnow())
            elif action == "resolve":
                ticket = crm.resolve(session, ticket_id, utcnow(), _text(f"{TK}.resolution"))
            else:
                ticket = crm.close_ticket(session, ticket_id, utcnow(), s.get(f"{TK}.satisfaction"))
            message = t("ui.crm.ticket_state", doc_no=ticket.doc_no, state=t(f"state.ticket.{ticket.status}"))
    except DomainError as err:
        form_state.record_error(TK, err)
        return
    for key in (f"{TK}.resolution", f"{TK}.satisfaction", f"{TK}.pick"):
        s.pop(key, None)
    form_state.record_success(TK, message)


def tickets() -> None:
    writer = may_write()
    if writer:
        customers, employees = _options()
        st.subheader(t("ui.crm.new_ticket"))
        left, right = st.columns(2)
        with left:
            customer = st.selectbox(t("ui.crm.customer"), list(customers), index=None, key=f"{TK}.customer",
                                    format_func=lambda i: customers.get(i, str(i)), placeholder=t("ui.crm.pick"))
            form_state.field_error(TK, "customer_id")
            _contact_select(TK, customer)
            st.selectbox(t("ui.crm.assignee"), [None, *employees], key=f"{TK}.assignee",
                         format_func=lambda i: t("ui.none") if i is None else employees.get(i, str(i)))
        with right:
            st.selectbox(t("field.category"), TICKET_CATEGORIES, key=f"{TK}.category",
                         format_func=lambda c: t(f"ui.crm.category.{c}"))
            st.selectbox(t("field.priority"), TICKET_PRIORITIES, index=1, key=f"{TK}.priority",
                         format_func=lambda p: t(f"ui.crm.priority.{p}", **_sla_params(p)))
        st.text_input(t("field.subject"), key=f"{TK}.subject")
        form_state.field_error(TK, "subject")
        st.button(t("ui.crm.open_ticket"), key=f"{TK}.save", type="primary", on_click=_open_ticket,
                  args=(form_state.token(TK),))

        st.subheader(t("ui.crm.work_ticket"))
        with read_only() as session:
            active = dict(crm_queries.ticket_choices(session, (TICKET_OPEN, TICKET_IN_PROGRESS, TICKET_RESOLVED)))
        st.selectbox(t("ui.crm.ticket"), list(active), index=None, key=f"{TK}.pick",
                     format_func=lambda i: active.get(i, str(i)), placeholder=t("ui.crm.pick"))
        st.text_area(t("field.resolution"), key=f"{TK}.resolution", height=70)
        form_state.field_error(TK, "resolution")
        st.selectbox(t("field.satisfaction"), [None, 5, 4, 3, 2, 1], key=f"{TK}.satisfaction",
                     format_func=lambda v: t("ui.none") if v is None else "★" * v)
        form_state.field_error(TK, "satisfaction")
        form_state.other_errors(TK, ("customer_id", "contact_id", "subject", "resolution", "satisfaction"))
        cols = st.columns(3)
        for col, action in zip(cols, ("respond", "resolve", "close"), strict=True):
            col.button(t(f"ui.crm.ticket_{action}"), key=f"{TK}.{action}", on_click=_ticket_action, args=(action,))
        _messages(TK)

    st.subheader(t("ui.crm.tickets"))
    with read_only() as session:
        rows = crm_queries.tickets(session, now=utcnow())
    frame = _frame(rows)
    if frame.empty:
        st.caption(t("ui.chart.empty"))
        return
    frame = frame.assign(category=translate_values(frame["category"], "ui.crm.category"),
                         priority=frame["priority"].map(lambda p: t(f"ui.crm.priority_short.{p}")),
                         status=translate_values(frame["status"], "state.ticket"))
    shown = with_headers(frame, TICKET_COLUMNS)
    show_table(shown)
    export_buttons(shown, "service_tickets", "tk.list_export")


def _sla_params(priority: str) -> dict[str, int]:
    sla = crm.sla_for(priority)
    return {"response": sla.response_hours, "resolution": sla.resolution_hours}


# ---------------------------------------------------------------------- contacts

@form_state.guarded(CT)
def _save_contact(token: str | None = None) -> None:
    form_state.clear(CT)
    s = st.session_state
    try:
        with unit_of_work() as session:
            _check(session)
            contact = idempotency.once(session, token, lambda: crm.add_contact(
                session, s.get(f"{CT}.customer"), _text(f"{CT}.name"), title=_text(f"{CT}.title"),
                phone=_text(f"{CT}.phone"), email=_text(f"{CT}.email"), wechat=_text(f"{CT}.wechat"),
                is_primary=bool(s.get(f"{CT}.primary")))).document
            message = t("ui.crm.contact_saved", name=contact.name)
    except DomainError as err:
        form_state.record_error(CT, err)
        return
    customer = s.get(f"{CT}.customer")
    form_state.reset_inputs(CT)
    s[f"{CT}.customer"] = customer
    form_state.record_success(CT, message)


def contacts() -> None:
    customers, _employees = _options()
    customer = st.selectbox(t("ui.crm.customer"), list(customers), index=None, key=f"{CT}.customer",
                            format_func=lambda i: customers.get(i, str(i)), placeholder=t("ui.crm.pick"))
    form_state.field_error(CT, "customer_id")
    if customer is not None:
        with read_only() as session:
            frame = _frame(crm_queries.contacts(session, customer))
        if frame.empty:
            st.caption(t("ui.crm.no_contacts"))
        else:
            shown = with_headers(frame, CONTACT_COLUMNS)
            show_table(shown)
            export_buttons(shown, "contacts", "ct.export")
    if not may_write():
        return
    st.subheader(t("ui.crm.new_contact"))
    left, right = st.columns(2)
    with left:
        st.text_input(t("field.contact_name"), key=f"{CT}.name")
        form_state.field_error(CT, "contact_name")
        st.text_input(t("ui.col.contact_title"), key=f"{CT}.title")
        st.text_input(t("ui.col.phone"), key=f"{CT}.phone")
    with right:
        st.text_input(t("ui.col.email"), key=f"{CT}.email")
        st.text_input(t("ui.col.wechat"), key=f"{CT}.wechat")
        st.checkbox(t("ui.col.is_primary"), key=f"{CT}.primary")
    form_state.other_errors(CT, ("customer_id", "contact_name"))
    st.button(t("ui.crm.save_contact"), key=f"{CT}.save", type="primary", on_click=_save_contact,
              args=(form_state.token(CT),))
    _messages(CT)
