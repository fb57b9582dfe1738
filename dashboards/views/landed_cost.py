"""Landed costs (到岸费用) entered after the goods receipts they cover: pick the billing supplier,
one or several receipts, the type, amount, basis and date; the allocation is previewed line by line
before posting. Below: every landed-cost document, and cancelling one entered in error (with a
reason)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import pandas as pd
import streamlit as st

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.format import show_table, with_headers
from dashboards.components.landed_cost_view import DOCUMENT_COLUMNS, documents_table
from dashboards.i18n import t
from dashboards.session import current_user, require_page
from operational.db import read_only, unit_of_work
from operational.models import LANDED_COST_BASES, LANDED_COST_TYPES
from operational.services import idempotency, landed_costs, queries
from operational.services.errors import DomainError

NEW = "lc.new"
CANCEL = "lc.cancel"
PREVIEW_COLUMNS = ("receipt_no", "receipt_date", "line_no", "sku", "product_name", "quantity", "goods_value",
                   "landed_share")
FIELDS = ("supplier_id", "receipt_ids", "cost_type", "amount", "allocation_basis", "cost_date")

require_page("landed_cost")
st.title(t("ui.page.landed_cost"))
st.caption(t("ui.landed_cost.intro"))


@form_state.guarded(NEW)
def _post(token: str | None = None) -> None:
    form_state.clear(NEW)
    state = st.session_state
    with unit_of_work() as session:
        user = queries.user_by_id(session, current_user().id)
        doc = idempotency.once(session, token, lambda: landed_costs.post_landed_cost(
            session, supplier_id=state.get(f"{NEW}.supplier"), cost_type=state.get(f"{NEW}.type"),
            amount=state.get(f"{NEW}.amount"), cost_date=state.get(f"{NEW}.date"),
            basis=state.get(f"{NEW}.basis"), receipt_ids=state.get(f"{NEW}.receipts") or [],
            note=state.get(f"{NEW}.note"), user=user)).document
        doc_no, amount, lines = doc.doc_no, doc.amount, len(doc.allocations)
    form_state.reset_inputs(NEW)
    form_state.record_success(NEW, t("ui.landed_cost.posted", doc_no=doc_no, amount=f"{amount:,.2f}", lines=lines))


@form_state.guarded(CANCEL)
def _cancel() -> None:
    form_state.clear(CANCEL)
    state = st.session_state
    try:
        with unit_of_work() as session:
            doc = landed_costs.cancel_landed_cost(session, state.get(f"{CANCEL}.doc"), state.get(f"{CANCEL}.reason"),
                                                  user=queries.user_by_id(session, current_user().id))
            doc_no = doc.doc_no
    except DomainError as err:
        form_state.record_error(CANCEL, err)
        return
    form_state.reset_inputs(CANCEL)
    form_state.record_success(CANCEL, t("ui.landed_cost.cancelled", doc_no=doc_no))


def _preview() -> None:
    """The allocation the form would post, when what is typed so far is enough to compute it."""
    state = st.session_state
    receipts = state.get(f"{NEW}.receipts") or []
    if not receipts:
        return
    try:
        amount = landed_costs.parse_amount(state.get(f"{NEW}.amount"))  # the same check as posting
        with read_only() as session:
            lines = landed_costs.covered_lines(session, receipt_ids=receipts, amount=amount,
                                               basis=state.get(f"{NEW}.basis"))
    except DomainError:
        return  # posting names the problem next to its field
    st.markdown(f"**{t('ui.landed_cost.preview')}**")
    df = pd.DataFrame([asdict(ln) for ln in lines]).rename(columns={"share": "landed_share"})
    show_table(with_headers(df, PREVIEW_COLUMNS), money=("goods_value", "landed_share"), key=f"{NEW}.preview")
    st.caption(t("ui.landed_cost.rounding"))


st.subheader(t("ui.landed_cost.new"))
form_state.flash(NEW)
with read_only() as session:
    suppliers = {s.id: f"{s.code} {s.name}" for s in queries.supplier_choices(session) if s.status != "blocked"}
    receipts = dict(landed_costs.receipt_choices(session))
cols = st.columns([2, 1, 1])
with cols[0]:
    st.selectbox(t("field.supplier"), list(suppliers), key=f"{NEW}.supplier", index=None,
                 format_func=lambda i: suppliers.get(i, str(i)), placeholder=t("ui.landed_cost.choose_supplier"))
    form_state.field_error(NEW, "supplier_id")
with cols[1]:
    st.selectbox(t("field.cost_type"), LANDED_COST_TYPES, key=f"{NEW}.type",
                 format_func=lambda c: t(f"ui.landed_cost_type.{c}"))
    form_state.field_error(NEW, "cost_type")
with cols[2]:
    date_field(t("field.cost_date"), value=date.today(), key=f"{NEW}.date")
    form_state.field_error(NEW, "cost_date")
st.multiselect(t("ui.landed_cost.receipts"), list(receipts), key=f"{NEW}.receipts",
               format_func=lambda i: receipts.get(i, str(i)), placeholder=t("ui.landed_cost.choose_receipts"))
form_state.field_error(NEW, "receipt_ids")
cols = st.columns([1, 1, 2])
with cols[0]:
    st.text_input(t("field.amount"), key=f"{NEW}.amount")
    form_state.field_error(NEW, "amount")
with cols[1]:
    st.radio(t("field.allocation_basis"), LANDED_COST_BASES, key=f"{NEW}.basis", horizontal=True,
             format_func=lambda b: t(f"ui.landed_cost_basis.{b}"))
    form_state.field_error(NEW, "allocation_basis")
with cols[2]:
    st.text_input(t("field.note"), key=f"{NEW}.note")
_preview()
form_state.other_errors(NEW, FIELDS)
st.button(t("ui.landed_cost.post"), key=f"{NEW}.post", type="primary", on_click=_post, args=(form_state.token(NEW),))

st.subheader(t("ui.landed_cost.list"))
with read_only() as session:
    documents = landed_costs.recent_landed_costs(session)
    cancellable = dict(landed_costs.cancellable_choices(session))
if documents:
    documents_table(documents, DOCUMENT_COLUMNS, "lc.list")
else:
    st.info(t("ui.landed_cost.empty"))

st.subheader(t("ui.landed_cost.cancel_title"))
form_state.flash(CANCEL)
if not cancellable:
    st.caption(t("ui.landed_cost.nothing_to_cancel"))
else:
    st.caption(t("ui.landed_cost.cancel_how"))
    cols = st.columns([2, 3])
    cols[0].selectbox(t("entity.landed_cost"), list(cancellable), key=f"{CANCEL}.doc", index=None,
                      format_func=lambda i: cancellable.get(i, str(i)), placeholder=t("ui.landed_cost.choose_doc"))
    with cols[1]:
        st.text_input(t("field.cancel_reason"), key=f"{CANCEL}.reason")
        form_state.field_error(CANCEL, "cancel_reason")
    form_state.other_errors(CANCEL, ("cancel_reason",))
    st.button(t("ui.landed_cost.cancel"), key=f"{CANCEL}.save", on_click=_cancel)
