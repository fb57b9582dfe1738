"""Cancel (作废) a posted stock document entered in error, and the document's view of a
cancellation: pick the document, read its status (a cancelled one shows who, when and why), give
the reason, tick the confirmation and cancel. One component for the six kinds of document; the
rules (refusals, reversing rows) are ``operational.services.stock_cancellation``'s."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboards.components import form_state
from dashboards.components.safe_text import text
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.services import auth, idempotency, queries, stock_cancellation
from operational.services.errors import DomainError


@form_state.guarded(lambda entity, prefix, *_, **__: prefix)
def _cancel(entity: str, prefix: str, roles: tuple[str, ...], token: str) -> None:
    form_state.clear(prefix)
    state = st.session_state
    if not state.get(f"{prefix}.confirm"):
        form_state.record_error(prefix, DomainError("cancel_not_confirmed", field="confirm"))
        return
    user = current_user()
    with unit_of_work() as session:
        acting = queries.user_by_id(session, user.id) if user else None
        auth.require_role(acting, *roles)
        outcome = idempotency.once(session, token, lambda: stock_cancellation.cancel_stock_document(
            session, entity, state.get(f"{prefix}.doc"), state.get(f"{prefix}.reason"),
            user_id=acting.id if acting else None))
        doc_no = outcome.document.doc_no
    form_state.reset_inputs(prefix)
    form_state.record_success(prefix, t("ui.cancel.done", doc_no=doc_no))


def _status_line(doc: dict[str, Any]) -> None:
    st.markdown(f"**{t('ui.cancel.status')}**: {t('state.' + doc['status'])}")
    if doc["status"] == "cancelled":
        when = doc["cancelled_at"].strftime("%Y-%m-%d %H:%M") if doc["cancelled_at"] else ""
        st.warning(t("ui.cancel.cancelled_info", when=when, who=text(doc["cancelled_by"] or "—")) + " "
                   + text(doc["cancel_reason"]), icon=":material/block:")


def cancel_form(entity: str, prefix: str, roles: tuple[str, ...]) -> None:
    """The cancel action for documents of ``entity`` (one of ``stock_cancellation.KINDS``) for users
    of ``roles`` (and admin); everyone who opens the page sees a chosen document's status."""
    st.subheader(t("ui.cancel.title"))
    form_state.flash(prefix)
    with read_only() as session:
        docs = {d["id"]: d for d in stock_cancellation.recent_documents(session, entity)}
    if not docs:
        st.caption(t("ui.cancel.none"))
        return
    st.caption(t("ui.cancel.note"))
    labels = {i: f"{d['doc_no']} · {d['doc_date']} · {t('state.' + d['status'])}" for i, d in docs.items()}
    chosen = st.selectbox(t("ui.cancel.document"), list(docs), key=f"{prefix}.doc", index=None,
                          format_func=lambda i: labels.get(i, str(i)), placeholder=t("ui.cancel.choose"))
    if chosen is None or chosen not in docs:
        form_state.other_errors(prefix, ())
        return
    doc = docs[chosen]
    _status_line(doc)
    user = current_user()
    if not doc["cancellable"] or user is None or not (user.role == "admin" or user.role in roles):
        return
    st.text_input(t("ui.cancel.reason"), key=f"{prefix}.reason", max_chars=300)
    form_state.field_error(prefix, "cancel_reason")
    st.checkbox(t("ui.cancel.confirm"), key=f"{prefix}.confirm")
    form_state.field_error(prefix, "confirm")
    form_state.other_errors(prefix, ("cancel_reason", "confirm"))
    st.button(t("ui.cancel.submit"), key=f"{prefix}.save", type="primary", on_click=_cancel,
              args=(entity, prefix, roles, form_state.token(prefix)))
