"""The manager's credit approvals (信用审批): draft sales orders beyond their customer's credit
limit, approved with a note and confirmed in one step (the approval is recorded by the service)."""

from __future__ import annotations

import streamlit as st

from dashboards.components import form_state
from dashboards.components.format import money
from dashboards.i18n import t
from dashboards.session import current_user
from operational.db import read_only, unit_of_work
from operational.services import credit, sales
from operational.services.errors import DomainError

PREFIX = "credit"


@form_state.guarded(PREFIX)
def _approve() -> None:
    form_state.clear(PREFIX)
    user = current_user()
    try:
        with unit_of_work() as session:
            order = sales.approve_and_confirm(session, st.session_state.get(f"{PREFIX}.order"),
                                              user.id if user else None,
                                              note=st.session_state.get(f"{PREFIX}.note"))
            doc_no = order.doc_no
    except DomainError as err:
        form_state.record_error(PREFIX, err)
        return
    st.session_state.pop(f"{PREFIX}.order", None)
    form_state.reset_inputs(PREFIX)
    form_state.record_success(PREFIX, t("ui.credit.approved", doc_no=doc_no))


def credit_approvals() -> None:
    """Shown to managers (and admins) only."""
    user = current_user()
    if user is None or user.role not in ("manager", "admin"):
        return
    st.subheader(t("ui.credit.title"))
    message = form_state.success_message(PREFIX)
    if message:
        st.success(message, icon=":material/task_alt:")
    with read_only() as session:
        pending = credit.orders_over_limit(session)
    if not pending:
        st.caption(t("ui.credit.none"))
        return
    labels = {row["order_id"]: t("ui.credit.option", doc_no=row["doc_no"], customer=row["customer"],
                                 exposure=money(row["exposure"]), limit=money(row["credit_limit"]))
              for row in pending}
    st.selectbox(t("entity.sales_order"), list(labels), key=f"{PREFIX}.order", index=None,
                 format_func=labels.get, placeholder=t("ui.fulfil.choose_order"))
    st.text_input(t("ui.credit.note"), key=f"{PREFIX}.note")
    form_state.other_errors(PREFIX, ())
    st.button(t("ui.credit.approve"), key=f"{PREFIX}.approve", type="primary", on_click=_approve)
