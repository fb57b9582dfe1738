"""User administration (用户管理, admins only): the logins with their last login, a password
reset that hands out a temporary password (to be changed at the next login), the latest
login events (the audit trail of every attempt), and the REST API's tokens (issue one for a user,
shown once; revoke). Everything goes through ``operational.services.auth`` and
``operational.services.api_tokens``, which check the admin role again."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import streamlit as st

from dashboards.components import form_state
from dashboards.i18n import t
from dashboards.session import client, require_page
from operational.db import read_only, unit_of_work
from operational.models import AppUser
from operational.services import api_tokens, auth, idempotency
from operational.services.errors import DomainError

PREFIX = "user_admin.reset"
TEMPORARY_KEY = "_user_admin_temporary"  # shown once, then forgotten
TOKEN_PREFIX = "user_admin.token"
REVOKE_PREFIX = "user_admin.revoke"
SECRET_KEY = "_user_admin_api_token"  # the new token's secret: shown once, then forgotten
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


@form_state.guarded(TOKEN_PREFIX)
def _issue_token(form_token: str) -> None:
    form_state.clear(TOKEN_PREFIX)
    days = st.session_state.get(f"{TOKEN_PREFIX}.days") or None
    issued: list[api_tokens.IssuedToken] = []
    with unit_of_work() as session:
        def create() -> object:
            issued.append(api_tokens.issue_token(session, session.get(AppUser, me.id),
                                                 st.session_state.get(f"{TOKEN_PREFIX}.user_id"),
                                                 st.session_state.get(f"{TOKEN_PREFIX}.name"),
                                                 expires_in_days=int(days) if days else None))
            return issued[0].record

        # a second click of the same drawn form issues nothing (and cannot show the secret again)
        idempotency.once(session, form_token, create)
    if issued:
        form_state.forget_token(TOKEN_PREFIX)
        form_state.record_success(TOKEN_PREFIX, t("ui.api_tokens.issued"))
        st.session_state[SECRET_KEY] = issued[0].token


@form_state.guarded(REVOKE_PREFIX)
def _revoke_token() -> None:
    form_state.clear(REVOKE_PREFIX)
    with unit_of_work() as session:
        record = api_tokens.revoke_token(session, session.get(AppUser, me.id),
                                         st.session_state.get(f"{REVOKE_PREFIX}.token_id"))
        form_state.record_success(REVOKE_PREFIX, t("ui.api_tokens.revoked", prefix=record.token_prefix))


with read_only() as session:
    actor = session.get(AppUser, me.id)
    users = auth.list_users(session, actor)
    # plain rows: the read-only session's rollback expires the ORM objects
    tokens = [SimpleNamespace(id=k.id, user_id=k.user_id, name=k.name, token_prefix=k.token_prefix,
                              created_at=k.created_at, expires_at=k.expires_at, last_used_at=k.last_used_at,
                              revoked_at=k.revoked_at) for k in api_tokens.list_tokens(session, actor)]
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

st.subheader(t("ui.api_tokens.title"))
st.caption(t("ui.api_tokens.note"))
usernames = {u.id: u.username for u in users}


def _when(moment: object) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""  # type: ignore[attr-defined]


st.dataframe(pd.DataFrame([{
    t("ui.user_admin.col.username"): usernames.get(k.user_id, ""),
    t("ui.api_tokens.col.name"): k.name,
    t("ui.api_tokens.col.prefix"): k.token_prefix + "…",
    t("ui.api_tokens.col.created"): _when(k.created_at),
    t("ui.api_tokens.col.expires"): _when(k.expires_at),
    t("ui.api_tokens.col.last_used"): _when(k.last_used_at),
    t("ui.api_tokens.col.revoked"): _when(k.revoked_at),
} for k in tokens], columns=[t("ui.user_admin.col.username"), t("ui.api_tokens.col.name"),
                              t("ui.api_tokens.col.prefix"), t("ui.api_tokens.col.created"),
                              t("ui.api_tokens.col.expires"), t("ui.api_tokens.col.last_used"),
                              t("ui.api_tokens.col.revoked")]), hide_index=True, width="stretch")
active = {u.id: names[u.id] for u in users if u.is_active}
with st.form(TOKEN_PREFIX):
    st.selectbox(t("ui.user_admin.user"), list(active), format_func=active.get, key=f"{TOKEN_PREFIX}.user_id")
    st.text_input(t("ui.api_tokens.name"), max_chars=100, key=f"{TOKEN_PREFIX}.name")
    form_state.field_error(TOKEN_PREFIX, "token_name")
    st.number_input(t("ui.api_tokens.days"), min_value=0, max_value=api_tokens.MAX_EXPIRY_DAYS, step=1, value=0,
                    key=f"{TOKEN_PREFIX}.days")
    form_state.other_errors(TOKEN_PREFIX, ("token_name",))
    st.form_submit_button(t("ui.api_tokens.issue"), type="primary", on_click=_issue_token,
                          args=(form_state.token(TOKEN_PREFIX),))
form_state.flash(TOKEN_PREFIX)
secret = st.session_state.pop(SECRET_KEY, None)
if secret:
    st.code(secret, language=None)  # literal text, with a copy button; not shown again
live = {k.id: f"{usernames.get(k.user_id, '')} · {k.name} · {k.token_prefix}…" for k in tokens if k.revoked_at is None}
if live:
    with st.form(REVOKE_PREFIX):
        st.selectbox(t("ui.api_tokens.token"), list(live), format_func=live.get, key=f"{REVOKE_PREFIX}.token_id")
        form_state.other_errors(REVOKE_PREFIX, ())
        st.form_submit_button(t("ui.api_tokens.revoke"), on_click=_revoke_token)
form_state.flash(REVOKE_PREFIX)
