"""User administration (用户管理, admins only): the logins with their last login, a password
reset that hands out a temporary password (to be changed at the next login), and the latest
login events (the audit trail of every attempt). Everything goes through
``operational.services.auth``, which checks the admin role again."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.components import form_state
from dashboards.i18n import t
from dashboards.session import client, require_page
from operational.db import read_only, unit_of_work
from operational.models import AppUser
from operational.services import auth
from operational.services.errors import DomainError

PREFIX = "user_admin.reset"
TEMPORARY_KEY = "_user_admin_temporary"  # shown once, then forgotten
EVENT_LIMIT = 200

me = require_page("user_admin")


def _yes_no(flag: bool) -> str:
    return t("ui.user_admin.yes") if flag else t("ui.user_admin.no")


def _detail(detail: str | None) -> str:
    if not detail:
        return ""
    if detail.startswith("by:"):
        return t("ui.login_detail.by_admin", username=detail[3:])
    return t(f"ui.login_detail.{detail}")


def _reset() -> None:
    form_state.clear(PREFIX)
    user_id = st.session_state.get(f"{PREFIX}.user_id")
    try:
        with unit_of_work() as session:
            temporary = auth.reset_password(session, session.get(AppUser, me.id), user_id, client=client())
            username = session.get(AppUser, user_id).username
    except DomainError as err:
        form_state.record_error(PREFIX, err)
        return
    form_state.record_success(PREFIX, t("ui.user_admin.reset_done", username=username))
    st.session_state[TEMPORARY_KEY] = temporary


with read_only() as session:
    actor = session.get(AppUser, me.id)
    users = auth.list_users(session, actor)
    events = auth.login_events(session, actor, limit=EVENT_LIMIT)
    event_rows = [{
        t("ui.user_admin.col.occurred_at"): e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
        t("ui.user_admin.col.username"): e.username,
        t("ui.user_admin.col.client"): e.client,
        t("ui.user_admin.col.outcome"): t(f"ui.login_outcome.{e.outcome}"),
        t("ui.user_admin.col.detail"): _detail(e.detail),
    } for e in events]

st.title(t("ui.page.user_admin"))

st.subheader(t("ui.user_admin.users"))
st.dataframe(pd.DataFrame([{
    t("ui.user_admin.col.username"): u.username,
    t("ui.user_admin.col.display_name"): u.display_name,
    t("ui.user_admin.col.role"): t(f"ui.role.{u.role}"),
    t("ui.user_admin.col.active"): _yes_no(u.is_active),
    t("ui.user_admin.col.must_change"): _yes_no(u.must_change_password),
    t("ui.user_admin.col.last_login"): u.last_login_at.strftime("%Y-%m-%d %H:%M") if u.last_login_at else "",
} for u in users]), hide_index=True, width="stretch")

st.subheader(t("ui.user_admin.reset_title"))
st.caption(t("ui.user_admin.reset_note"))
names = {u.id: f"{u.username}（{u.display_name}）" for u in users}
with st.form(PREFIX):
    st.selectbox(t("ui.user_admin.user"), list(names), format_func=names.get, key=f"{PREFIX}.user_id")
    form_state.other_errors(PREFIX, ())
    st.form_submit_button(t("ui.user_admin.reset"), type="primary", on_click=_reset)
form_state.flash(PREFIX)
temporary_password = st.session_state.pop(TEMPORARY_KEY, None)
if temporary_password:
    st.code(temporary_password, language=None)  # literal text, with a copy button

st.subheader(t("ui.user_admin.events", count=EVENT_LIMIT))
st.dataframe(pd.DataFrame(event_rows), hide_index=True, width="stretch")
