"""Login page: username and password checked against the store's users."""

from __future__ import annotations

import streamlit as st

from dashboards.components import form_state
from dashboards.i18n import t
from dashboards.session import sign_in
from operational.services.errors import DomainError

PREFIX = "login"


def _submit() -> None:
    # A callback runs before the script, so the same run already draws the app for the new user.
    form_state.clear(PREFIX)
    try:
        sign_in(st.session_state.get("login_username", ""), st.session_state.get("login_password", ""))
    except DomainError as err:
        form_state.record_error(PREFIX, err)


st.title(t("ui.login.title"))
st.caption(t("ui.login.subtitle"))

with st.form("login_form"):
    st.text_input(t("field.username"), key="login_username")
    st.text_input(t("field.password"), type="password", key="login_password")
    form_state.other_errors(PREFIX, ())
    st.form_submit_button(t("ui.login.submit"), type="primary", on_click=_submit)
