"""Collection (催收): the worklist of customers with overdue receivables (largest overdue amount
first, then oldest), recording a follow-up with a promised payment date, reminders of broken
promises, the follow-up history, and customer statements (PDF / Excel). Finance sees every
customer; a sales rep only his own customers."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.format import money
from dashboards.components.print_panel import statement_print_buttons
from dashboards.components.receivables_view import ar_table, pick
from dashboards.components.safe_text import text
from dashboards.i18n import current_language, t
from dashboards.session import require_page
from operational.db import read_only, unit_of_work
from operational.models import COLLECTION_CHANNELS
from operational.services import collection, queries, receivables_queries, statements
from operational.services.errors import DomainError

WORK, NOTE, STATEMENT = "col.work", "col.note", "col.stmt"
WORK_COLUMNS = ("code", "name", "overdue_amount", "overdue_days", "overdue_instalments", "unapplied_amount",
                "outstanding",
                "last_note_date", "promised_date", "promised_amount", "promise_state", "phone")

user = require_page("collection")
st.title(t("ui.page.collection"))
language = current_language()


def _scope() -> set[int] | None:
    with read_only() as session:
        return collection.visible_customers(session, queries.user_by_id(session, user.id))



def _worklist(scope: set[int] | None) -> None:
    as_of = st.date_input(t("ui.ar.as_of"), value="today", key=f"{WORK}.as_of")
    with read_only() as session:
        rows = collection.worklist(session, as_of, customer_ids=scope)
        broken = collection.broken_promises(session, as_of, customer_ids=scope)
        names = dict(receivables_queries.customer_choices(session, scope))
    if broken:
        st.warning(t("ui.ar.broken.count", n=len(broken)), icon=":material/notification_important:")
        ar_table([{"customer_name": names.get(p.customer_id, ""), "note_date": p.note_date,
                   "promised_date": p.promised_date, "promised_amount": p.promised_amount, "received": p.received,
                   "days_late": (as_of - p.promised_date).days} for p in broken],
                 ("customer_name", "note_date", "promised_date", "promised_amount", "received", "days_late"),
                 "broken_promises", f"{WORK}.broken")
    st.subheader(t("ui.ar.worklist"))
    ar_table(rows, WORK_COLUMNS, "collection_worklist", WORK)


@form_state.guarded(NOTE)
def _save_note() -> None:
    form_state.clear(NOTE)
    state = st.session_state
    try:
        with unit_of_work() as session:
            collection.record_follow_up(
                session, state.get(f"{NOTE}.customer"), state.get(f"{NOTE}.date"), state.get(f"{NOTE}.channel"),
                state.get(f"{NOTE}.note"), contact=state.get(f"{NOTE}.contact"),
                promised_date=state.get(f"{NOTE}.promised_date") if state.get(f"{NOTE}.promise") else None,
                promised_amount=state.get(f"{NOTE}.promised_amount") if state.get(f"{NOTE}.promise") else None,
                user=queries.user_by_id(session, user.id))
    except DomainError as err:
        form_state.record_error(NOTE, err)
        return
    form_state.reset_inputs(NOTE)
    form_state.record_success(NOTE, t("ui.ar.note.saved"))


def _follow_up(scope: set[int] | None) -> None:
    form_state.flash(NOTE)
    with read_only() as session:
        customers = dict(receivables_queries.customer_choices(session, scope))
    cols = st.columns([2, 1, 1])
    with cols[0]:
        customer_id = pick(t("field.customer_id"), customers, f"{NOTE}.customer")
        form_state.field_error(NOTE, "customer_id")
    date_field(t("field.note_date"), value="today", key=f"{NOTE}.date", where=cols[1])
    cols[2].selectbox(t("field.channel"), COLLECTION_CHANNELS, key=f"{NOTE}.channel",
                      format_func=lambda c: t(f"ui.ar.channel.{c}"))
    cols = st.columns([1, 3])
    cols[0].text_input(t("field.contact"), key=f"{NOTE}.contact")
    with cols[1]:
        st.text_input(t("ui.ar.col.note"), key=f"{NOTE}.note")
        form_state.field_error(NOTE, "note")
    if st.checkbox(t("ui.ar.note.promise"), key=f"{NOTE}.promise"):
        cols = st.columns(2)
        with cols[0]:
            date_field(t("field.promised_date"), value=date.today() + timedelta(days=7),
                          key=f"{NOTE}.promised_date")
            form_state.field_error(NOTE, "promised_date")
        with cols[1]:
            st.text_input(t("field.promised_amount"), key=f"{NOTE}.promised_amount")
            form_state.field_error(NOTE, "promised_amount")
    form_state.other_errors(NOTE, ("customer_id", "note", "promised_date", "promised_amount"))
    st.button(t("ui.ar.note.save"), key=f"{NOTE}.save", type="primary", on_click=_save_note)
    with read_only() as session:  # rows are read inside: leaving the session expires the notes
        notes = collection.notes(session, customer_ids=scope, customer_id=customer_id)
        names = dict(receivables_queries.customer_choices(session, scope))
        rows = [{"note_date": n.note_date, "customer_name": names.get(n.customer_id, ""), "channel": n.channel,
                 "contact": n.contact, "note": n.note, "promised_date": n.promised_date,
                 "promised_amount": n.promised_amount} for n in notes[:500]]
    st.subheader(t("ui.ar.note.history"))
    ar_table(rows, ("note_date", "customer_name", "channel", "contact", "note", "promised_date", "promised_amount"),
             "collection_notes", f"{NOTE}.list")


def _statement(scope: set[int] | None) -> None:
    with read_only() as session:
        customers = dict(receivables_queries.customer_choices(session, scope))
    cols = st.columns([2, 1, 1])
    with cols[0]:
        customer_id = pick(t("field.customer_id"), customers, f"{STATEMENT}.customer")
    today = date.today()
    start = date_field(t("field.start_date"), value=today.replace(day=1), key=f"{STATEMENT}.start", where=cols[1])
    end = date_field(t("field.end_date"), value=today, key=f"{STATEMENT}.end", where=cols[2])
    if customer_id is None:
        return
    try:
        with read_only() as session:
            data = statements.build(session, customer_id, start, end)
    except DomainError as err:
        st.error(text(err.message(language)), icon=":material/error:")
        return
    left, mid, right = st.columns(3)
    left.metric(t("ui.ar.statement.opening"), money(data.opening))
    mid.metric(t("ui.ar.statement.closing"), money(data.closing))
    right.metric(t("ui.ar.statement.unapplied"), money(data.unapplied))
    rows = [{"date": ln.on, "kind": ln.kind, "doc_no": ln.doc_no, "debit": ln.debit or None,
             "credit": ln.credit or None, "balance": ln.balance} for ln in data.lines]
    ar_table(rows, ("date", "kind", "doc_no", "debit", "credit", "balance"), "statement_lines", f"{STATEMENT}.lines")
    name = f"statement_{data.customer_code}_{data.start:%Y%m%d}_{data.end:%Y%m%d}"
    cols = st.columns([1, 1, 4])
    cols[0].download_button(t("ui.ar.statement.pdf"), statements.to_pdf(data, language), file_name=f"{name}.pdf",
                            mime="application/pdf", key=f"{STATEMENT}.pdf", icon=":material/picture_as_pdf:")
    cols[1].download_button(t("ui.ar.statement.xlsx"), statements.to_excel(data, language), file_name=f"{name}.xlsx",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            key=f"{STATEMENT}.xlsx", icon=":material/table_view:")
    statement_print_buttons(customer_id, data.start, data.end, STATEMENT)


scope = _scope()
tabs = st.tabs([t("ui.ar.tab.worklist"), t("ui.ar.tab.follow_up"), t("ui.ar.tab.statement")])
with tabs[0]:
    _worklist(scope)
with tabs[1]:
    _follow_up(scope)
with tabs[2]:
    _statement(scope)
