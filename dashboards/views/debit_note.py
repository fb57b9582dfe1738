"""Debit notes (扣款单): pick a purchase return without a note, see what it credits (the returned
quantity that had been billed, at the billed price) and post the note, which is applied to the
returned goods' bill first and then oldest due date first. Every note with export."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.payables_view import ap_table, pick
from dashboards.i18n import t
from dashboards.session import current_user, require_page
from operational.db import read_only, unit_of_work
from operational.services import idempotency, payables, payables_queries, queries
from operational.services.errors import DomainError

NEW = "ap.dn"

require_page("debit_note")
st.title(t("ui.page.debit_note"))


@form_state.guarded(NEW)
def _post(token: str | None = None) -> None:
    form_state.clear(NEW)
    state = st.session_state
    try:
        with unit_of_work() as session:
            note = idempotency.once(session, token, lambda: payables.create_debit_note(
                session, state.get(f"{NEW}.return"), on=state.get(f"{NEW}.date"), memo=state.get(f"{NEW}.memo") or None,
                user=queries.user_by_id(session, current_user().id))).document
            doc_no, amount, left = note.doc_no, note.amount, note.unallocated_amount
    except DomainError as err:
        form_state.record_error(NEW, err)
        return
    form_state.reset_inputs(NEW)
    form_state.record_success(NEW, t("ui.ap.dn.posted", doc_no=doc_no, amount=f"{amount:,.2f}",
                                     left=f"{left:,.2f}"))


message = form_state.success_message(NEW)
if message:
    st.success(message, icon=":material/task_alt:")
with read_only() as session:
    returns = dict(payables_queries.returns_without_debit_note(session))
cols = st.columns([3, 1])
with cols[0]:
    return_id = pick(t("entity.purchase_return"), returns, f"{NEW}.return")
    form_state.field_error(NEW, "purchase_return_id")
with cols[1]:
    date_field(t("field.note_date"), value="today", key=f"{NEW}.date")
    form_state.field_error(NEW, "note_date")
if return_id is not None:
    with read_only() as session:
        lines = [asdict(line) for line in payables.debitable_lines(session, return_id)]
    if lines:
        ap_table(lines, ("receipt_line_id", "quantity", "unit_price", "amount"), "debit_note_lines", f"{NEW}.lines")
    else:
        st.info(t("ui.ap.dn.nothing"))
st.text_input(t("ui.ap.col.memo"), key=f"{NEW}.memo")
form_state.other_errors(NEW, ("purchase_return_id", "note_date"))
st.button(t("ui.ap.dn.post"), key=f"{NEW}.post", type="primary", on_click=_post, args=(form_state.token(NEW),))

st.subheader(t("ui.ap.dn.list"))
with read_only() as session:
    notes = payables_queries.debit_note_rows(session)
ap_table(notes, ("doc_no", "note_date", "supplier_name", "return_no", "bill_no", "amount", "unallocated_amount"),
         "debit_notes", f"{NEW}.all")
