"""Expense claim entry (费用报销单): employee (finance may pick anyone; others file their own), claim
date, payee (finance: a third party paid instead of the employee), note and lines (category,
expense date, amount, description, invoice number); saved as a draft or submitted for approval.
And the claim view shared by the pages: header, lines and the trail of who did what when."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.export import export_buttons
from dashboards.components.format import (
    local_time,
    money,
    show_table,
    translate_values,
    with_headers,
)
from dashboards.components.safe_text import message, text
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.models import AppUser
from operational.services import expenses, expenses_queries, idempotency, queries
from operational.services.errors import AuthError, DomainError
from operational.services.expenses import ClaimLineInput

NEW = "ex.new"
LINE_FIELDS = ("category", "date", "amount", "description", "invoice_no")
LINE_COLUMNS = ("line_no", "expense_category", "expense_date", "amount", "description", "invoice_no")
STEP_COLUMNS = ("step", "level", "user_name", "at", "note")


def acting_user(session: Session) -> AppUser:
    """The logged-in user as a store row (services decide with it)."""
    user = current_user()
    found = queries.user_by_id(session, user.id) if user else None
    if found is None:
        raise AuthError("forbidden")
    return found


def may_file_for_others(user: AppUser) -> bool:
    return user.role == "admin" or user.role in expenses.CLERK_ROLES


def _key(name: str) -> str:
    return f"{NEW}.{name}"


def _line_key(row_id: int, name: str) -> str:
    return f"{NEW}.line{row_id}.{name}"


def _rows() -> list[int]:
    return st.session_state.setdefault(_key("rows"), [1])


def _add_row() -> None:
    rows = _rows()
    rows.append(max(rows, default=0) + 1)


def _remove_row(row_id: int) -> None:
    rows = _rows()
    if len(rows) > 1:
        rows.remove(row_id)
        for name in LINE_FIELDS:
            st.session_state.pop(_line_key(row_id, name), None)
    form_state.clear(NEW)


def _text(key: str) -> str:
    return str(st.session_state.get(key) or "").strip()


def _is_blank(row_id: int) -> bool:
    return st.session_state.get(_line_key(row_id, "category")) is None and not any(
        _text(_line_key(row_id, name)) for name in ("amount", "description", "invoice_no"))


def _lines() -> list[ClaimLineInput]:
    rows = _rows()
    while len(rows) > 1 and _is_blank(rows[-1]):  # trailing empty rows are ignored
        rows = rows[:-1]
    if len(rows) == 1 and _is_blank(rows[0]):
        return []
    return [ClaimLineInput(st.session_state.get(_line_key(r, "category")), st.session_state.get(_line_key(r, "date")),
                           _text(_line_key(r, "amount")), _text(_line_key(r, "description")) or None,
                           _text(_line_key(r, "invoice_no")) or None) for r in rows]


def load_draft(claim_id: int) -> None:
    """Put a draft into the form (the new-claim tab) for editing; saving then updates it."""
    with read_only() as session:
        detail = expenses_queries.claim_detail(session, acting_user(session), claim_id)
    if detail is None or detail.status != "draft":
        return
    form_state.reset_inputs(NEW)
    form_state.clear(NEW)
    state = st.session_state
    state[_key("editing")] = (detail.id, detail.doc_no)
    state[_key("employee")] = detail.employee_id
    state[_key("date")] = detail.claim_date
    state[_key("payee")] = detail.payee or ""
    state[_key("note")] = detail.note or ""
    state[_key("rows")] = list(range(1, len(detail.lines) + 1))
    for row_id, line in enumerate(detail.lines, start=1):
        state[_line_key(row_id, "category")] = line["category_id"]
        state[_line_key(row_id, "date")] = line["expense_date"]
        state[_line_key(row_id, "amount")] = f"{line['amount']:f}"
        state[_line_key(row_id, "description")] = line["description"] or ""
        state[_line_key(row_id, "invoice_no")] = line["invoice_no"] or ""


@form_state.guarded(NEW)
def _save(submit: bool, token: str | None = None) -> None:
    form_state.clear(NEW)
    state = st.session_state
    editing = state.get(_key("editing"))
    try:
        with unit_of_work() as session:
            user = acting_user(session)
            note, payee = _text(_key("note")) or None, _text(_key("payee")) or None
            if editing:
                claim = expenses.update_claim(session, user, editing[0], state.get(_key("date")), _lines(),
                                              note=note, payee=payee)
                if submit:
                    expenses.submit_claim(session, user, claim.id)
            else:
                employee_id = state.get(_key("employee")) if may_file_for_others(user) else user.employee_id
                claim = idempotency.once(session, token, lambda: expenses.create_claim(
                    session, user, employee_id, state.get(_key("date")), _lines(), note=note, payee=payee,
                    submit=submit)).document
            doc_no, levels = claim.doc_no, claim.required_levels
    except DomainError as err:
        form_state.record_error(NEW, err)
        return
    form_state.reset_inputs(NEW)
    message = t("ui.expenses.submitted", doc_no=doc_no, levels=levels) if submit else t("ui.expenses.saved",
                                                                                         doc_no=doc_no)
    form_state.record_success(NEW, message)


def claim_form() -> None:
    message = form_state.success_message(NEW)
    if message:
        st.success(message, icon=":material/task_alt:")
    with read_only() as session:
        user = acting_user(session)
        clerk = may_file_for_others(user)
        employees = dict(expenses_queries.employee_choices(session)) if clerk else {}
        categories = dict(expenses_queries.category_choices(session))
        linked = user.employee_id is not None
    if not clerk and not linked:
        st.info(t("ui.expenses.no_employee"))
        return
    editing = st.session_state.get(_key("editing"))
    if editing:
        left, right = st.columns([4, 1])
        left.info(t("ui.expenses.editing", doc_no=editing[1]))
        right.button(t("ui.expenses.stop_editing"), key=_key("stop"), on_click=form_state.reset_inputs, args=(NEW,))
    header = st.columns(3)
    if clerk and not editing:
        with header[0]:
            st.selectbox(t("field.employee_id"), list(employees), key=_key("employee"), index=None,
                         format_func=lambda i: employees.get(i, str(i)), placeholder=t("ui.order.choose"))
            form_state.field_error(NEW, "employee_id")
    with header[1]:
        date_field(t("field.claim_date"), value="today", key=_key("date"))
        form_state.field_error(NEW, "claim_date")
    if clerk:
        with header[2]:
            st.text_input(t("field.payee"), key=_key("payee"), help=t("ui.expenses.payee_help"))
    st.text_input(t("ui.order.note"), key=_key("note"))

    st.subheader(t("ui.order.lines"))
    widths = [2, 1.6, 1.4, 3, 1.6, 0.6]
    for col, name in zip(st.columns(widths), LINE_FIELDS, strict=False):
        col.caption(t(f"ui.expenses.col.{name}"))
    for line_no, row_id in enumerate(_rows(), start=1):
        cols = st.columns(widths, vertical_alignment="center")

        def label(name: str, line_no: int = line_no) -> str:
            return t("ui.order.line_label", field=t(f"ui.expenses.col.{name}"), line_no=line_no)
        cols[0].selectbox(label("category"), list(categories), key=_line_key(row_id, "category"), index=None,
                          format_func=lambda c: categories.get(c, str(c)), label_visibility="collapsed",
                          placeholder=t("ui.order.choose"))
        date_field(label("date"), value="today", key=_line_key(row_id, "date"), label_visibility="collapsed", where=cols[1])
        cols[2].text_input(label("amount"), key=_line_key(row_id, "amount"), label_visibility="collapsed")
        cols[3].text_input(label("description"), key=_line_key(row_id, "description"), label_visibility="collapsed")
        cols[4].text_input(label("invoice_no"), key=_line_key(row_id, "invoice_no"), label_visibility="collapsed")
        cols[5].button("", key=_line_key(row_id, "remove"), icon=":material/delete:",
                       help=t("ui.order.remove_line"), on_click=_remove_row, args=(row_id,))
        form_state.line_error(NEW, line_no)
    form_state.field_error(NEW, "lines")
    form_state.other_errors(NEW, ("employee_id", "claim_date", "lines"))
    st.caption(t("ui.expenses.rule", threshold=money(expenses.APPROVAL_LEVELS[-1].above)))
    buttons = st.columns([1, 1, 1, 3])
    buttons[0].button(t("ui.order.add_line"), key=_key("add_line"), icon=":material/add:", on_click=_add_row)
    buttons[1].button(t("ui.expenses.save_draft"), key=_key("draft"), on_click=_save,
                      args=(False, form_state.token(NEW)))
    buttons[2].button(t("ui.expenses.submit"), key=_key("submit"), type="primary", on_click=_save,
                      args=(True, form_state.token(NEW)))


# ---------------------------------------------------------------- showing a claim

def claims_table(records: list[dict], name: str, key: str) -> pd.DataFrame | None:
    """A list of claims with CSV / Excel export; None when empty."""
    if not records:
        st.info(t("ui.documents.empty"))
        return None
    df = pd.DataFrame(records)
    df["total_amount"] = df["total_amount"].astype(float)
    df["status"] = translate_values(df["status"], "state")
    df["progress"] = df["approved_levels"].astype(str) + " / " + df["required_levels"].astype(str)
    shown = with_headers(df, ("doc_no", "claim_date", "claimant", "department", "status", "total_amount",
                              "progress", "payee", "reimbursed_on"))
    show_table(shown, money=("total_amount",))
    export_buttons(shown, name, f"{key}.export")
    return df


def pick_claim(records: list[dict], key: str) -> int | None:
    labels = {r["id"]: f"{r['doc_no']} {r['claimant']} {money(r['total_amount'])}" for r in records}
    return st.selectbox(t("ui.expenses.pick"), list(labels), key=key, index=None,
                        format_func=lambda i: labels.get(i, str(i)), placeholder=t("ui.drill.placeholder"))


def claim_view(claim_id: int, key: str) -> expenses_queries.ClaimDetail | None:
    """Header, lines and trail of a claim the user may see."""
    with read_only() as session:
        detail = expenses_queries.claim_detail(session, acting_user(session), claim_id)
    if detail is None:
        st.warning(t("ui.expenses.not_visible"))
        return None
    st.subheader(f"{detail.doc_no} · {t(f'state.{detail.status}')}")
    cols = st.columns(4)
    cols[0].metric(t("ui.col.claimant"), text(detail.claimant))
    cols[1].metric(t("ui.col.department"), text(detail.department) or "—")
    cols[2].metric(t("ui.col.total_amount"), money(detail.total_amount))
    cols[3].metric(t("ui.col.progress"), f"{detail.approved_levels} / {detail.required_levels}")
    if detail.payee:
        st.caption(f"{t('field.payee')}：{text(detail.payee)}")
    if detail.reimbursed_account:
        st.caption(message("ui.expenses.paid_from", account=detail.reimbursed_account, day=detail.reimbursed_on))
    lines = pd.DataFrame(detail.lines)
    lines["amount"] = lines["amount"].astype(float)
    shown = with_headers(lines, LINE_COLUMNS)
    show_table(shown, money=("amount",))
    export_buttons(shown, f"{detail.doc_no}_lines", f"{key}.lines_export")
    if not detail.steps:  # a draft has no trail yet
        return detail
    steps = pd.DataFrame(detail.steps)
    steps["step"] = translate_values(steps["step"], "ui.expenses.step")
    steps["at"] = steps["at"].map(lambda v: local_time(v, seconds=False))  # stored in UTC
    steps["level"] = steps["level"].map(lambda v: "" if v is None or pd.isna(v) else int(v))
    shown = with_headers(steps, STEP_COLUMNS)
    show_table(shown)
    export_buttons(shown, f"{detail.doc_no}_trail", f"{key}.trail_export")
    return detail
