"""Change one's own password (every login has this page); the only page of a user who must
change it (the demo password outside the demo, or a temporary password an admin set)."""

from __future__ import annotations

import streamlit as st

from dashboards.components import form_state
from dashboards.i18n import t
from dashboards.session import change_password, current_user
from operational.services.errors import DomainError
from operational.settings import get_login_settings

PREFIX = "change_password"
FIELDS = ("current_password", "new_password", "confirm_password")


def _submit() -> None:
    form_state.clear(PREFIX)
    values = [st.session_state.get(f"{PREFIX}.{field}", "") for field in FIELDS]
    try:
        change_password(*values)
    except DomainError as err:
        form_state.record_error(PREFIX, err)
        return
    form_state.reset_inputs(PREFIX)
    form_state.record_success(PREFIX, t("ui.change_password.done"))


user = current_user()
st.title(t("ui.change_password.title"))
if user is not None and user.must_change_password:
    st.warning(t("ui.change_password.required"), icon=":material/lock_reset:")
form_state.flash(PREFIX)
st.caption(t("ui.change_password.rules", min_length=get_login_settings().min_password_length))
with st.form(PREFIX):
    for field in FIELDS:
        st.text_input(t(f"field.{field}"), type="password", key=f"{PREFIX}.{field}")
        form_state.field_error(PREFIX, field)
    form_state.other_errors(PREFIX, FIELDS)
    st.form_submit_button(t("ui.change_password.submit"), type="primary", on_click=_submit)
