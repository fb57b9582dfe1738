"""Reversing (冲销) a money document entered in error — a customer receipt or a paid supplier
payment: pick it, give the date and the reason, and the service undoes its allocations and its
cash row in one go (or refuses with a message that names the document)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import unit_of_work
from operational.services import queries
from operational.services.errors import DomainError

Reverse = Callable[..., Any]  # (session, doc_id, on, reason, *, user) -> the reversed document


@form_state.guarded(lambda prefix, *_, **__: prefix)
def _reverse(prefix: str, reverse: Reverse) -> None:
    form_state.clear(prefix)
    state = st.session_state
    try:
        with unit_of_work() as session:
            doc = reverse(session, state.get(f"{prefix}.doc"), state.get(f"{prefix}.date"), state.get(f"{prefix}.reason"),
                          user=_acting(session))
            doc_no, amount = doc.doc_no, doc.amount
    except DomainError as err:
        form_state.record_error(prefix, err)
        return
    form_state.reset_inputs(prefix)
    form_state.record_success(prefix, t("ui.reversal.done", doc_no=doc_no, amount=f"{amount:,.2f}"))


def _acting(session: Session) -> Any:
    return queries.user_by_id(session, current_user().id)


def reversal_form(prefix: str, choices: dict[int, str], reverse: Reverse, *, entity: str) -> None:
    """``choices``: the documents that may still be reversed (id → text); ``entity`` its catalog key."""
    st.subheader(t("ui.reversal.title"))
    form_state.flash(prefix)
    if not choices:
        st.caption(t("ui.reversal.nothing"))
        return
    st.caption(t("ui.reversal.how"))
    cols = st.columns([3, 1, 3])
    cols[0].selectbox(t(entity), list(choices), key=f"{prefix}.doc", index=None, placeholder=t("ui.reversal.choose"),
                      format_func=lambda i: choices.get(i, str(i)))
    with cols[1]:
        date_field(t("field.reversed_on"), value=date.today(), key=f"{prefix}.date")
        form_state.field_error(prefix, "reversed_on")
    with cols[2]:
        st.text_input(t("field.reversal_reason"), key=f"{prefix}.reason")
        form_state.field_error(prefix, "reversal_reason")
    form_state.other_errors(prefix, ("reversed_on", "reversal_reason"))
    st.button(t("action.reverse"), key=f"{prefix}.save", on_click=_reverse, args=(prefix, reverse))
