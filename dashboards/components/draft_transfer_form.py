"""Draft transfers (调拨草稿, made from the supply plan): pick one, see its lines, and ship it on a
date (the same shipping leg as a transfer entered by hand) or drop it."""

from __future__ import annotations

import streamlit as st

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.format import quantity
from dashboards.components.safe_text import text
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.services import auth, queries, transfers

DRAFT = "trd"
ROLES = ("warehouse",)


def _act(ship: bool) -> None:
    form_state.clear(DRAFT)
    state = st.session_state
    with unit_of_work() as session:
        user = current_user()
        auth.require_role(queries.user_by_id(session, user.id) if user else None, *ROLES)
        if ship:
            doc = transfers.ship_draft_transfer(session, state.get(f"{DRAFT}.transfer"), state.get(f"{DRAFT}.date"))
        else:
            doc = transfers.cancel_draft_transfer(session, state.get(f"{DRAFT}.transfer"))
        doc_no = doc.doc_no
    state.pop(f"{DRAFT}.transfer", None)
    form_state.record_success(DRAFT, t("ui.transfer.draft_shipped" if ship else "ui.transfer.draft_dropped",
                                       doc_no=doc_no))


@form_state.guarded(DRAFT)
def _ship() -> None:
    _act(True)


@form_state.guarded(DRAFT)
def _drop() -> None:
    _act(False)


def draft_form() -> None:
    form_state.flash(DRAFT)
    with read_only() as session:
        choices = dict(queries.draft_transfers(session))
        transfer_id = st.session_state.get(f"{DRAFT}.transfer")
        lines = queries.transfer_lines(session, transfer_id) if transfer_id in choices else []
    if not choices:
        st.info(t("ui.transfer.no_drafts"))
        return
    left, right = st.columns([3, 1])
    with left:
        st.selectbox(t("entity.stock_transfer"), list(choices), key=f"{DRAFT}.transfer", index=None,
                     format_func=lambda i: choices.get(i, str(i)), placeholder=t("ui.transfer.choose"))
        form_state.field_error(DRAFT, "transfer_id")
    with right:
        date_field(t("field.ship_date"), value="today", key=f"{DRAFT}.date")
        form_state.field_error(DRAFT, "ship_date")
    for line in lines:
        st.write(text(f"{line.line_no}. {line.sku} {line.product_name} {quantity(line.quantity)} {line.unit}"))
    form_state.other_errors(DRAFT, ("transfer_id", "ship_date"))
    cols = st.columns(2)
    cols[0].button(t("ui.transfer.ship_draft"), key=f"{DRAFT}.ship", type="primary", on_click=_ship)
    cols[1].button(t("ui.transfer.drop_draft"), key=f"{DRAFT}.drop", on_click=_drop)
