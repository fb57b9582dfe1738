"""The audit log (审计日志, admins only): every change to the store and every login, filtered by
user, table, record, date range and action, newest first, a page at a time; the shown page
exports through the formula-safe CSV / Excel buttons. Reading goes through
``operational.services.audit_log``, which checks the admin role again."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.components.date_field import date_field
from dashboards.components.export import export_buttons
from dashboards.components.safe_text import text
from dashboards.i18n import current_language, t
from dashboards.session import require_page
from operational.db import read_only
from operational.models import AUDIT_ACTIONS, AppUser
from operational.services import audit_log
from operational.services.errors import DomainError

KEY = "audit_log"
PAGE_SIZE = 50

me = require_page("audit_log")

st.title(t("ui.page.audit_log"))
st.caption(t("ui.audit_log.caption"))

with read_only() as session:
    actor = session.get(AppUser, me.id)
    tables = audit_log.table_names(session, actor)

any_ = t("ui.audit_log.any")
with st.container(border=True):
    c1, c2, c3 = st.columns(3)
    username = c1.text_input(t("ui.audit_log.user"), key=f"{KEY}.user", max_chars=100)
    table = c2.selectbox(t("ui.audit_log.table"), [None, *tables], key=f"{KEY}.table",
                         format_func=lambda v: any_ if v is None else v)
    record = c3.text_input(t("ui.audit_log.record"), key=f"{KEY}.record", max_chars=100)
    c4, c5, c6, c7 = st.columns(4)
    action = c4.selectbox(t("ui.audit_log.action"), [None, *AUDIT_ACTIONS], key=f"{KEY}.action",
                          format_func=lambda v: any_ if v is None else t(f"ui.audit_action.{v}"))
    date_from = date_field(t("ui.audit_log.date_from"), key=f"{KEY}.from", value=None, where=c5)
    date_to = date_field(t("ui.audit_log.date_to"), key=f"{KEY}.to", value=None, where=c6)
    page = c7.number_input(t("ui.audit_log.page"), min_value=1, max_value=1_000_000, step=1, key=f"{KEY}.page")

flt = audit_log.AuditFilter(username=username, table_name=table, record_id=record, action=action,
                            date_from=date_from, date_to=date_to)
try:
    with read_only() as session:
        result = audit_log.search(session, session.get(AppUser, me.id), flt, page=int(page), page_size=PAGE_SIZE)
except DomainError as err:
    st.error(text(err.message(current_language())), icon=":material/error:")
    st.stop()

st.caption(t("ui.audit_log.total", total=result.total, page=result.page, pages=result.pages))
if not result.entries:
    st.info(t("ui.audit_log.empty"))
    st.stop()

frame = pd.DataFrame([{
    t("ui.audit_log.col.occurred_at"): e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
    t("ui.audit_log.col.user"): e.username or t("ui.audit_log.system"),
    t("ui.audit_log.col.channel"): t(f"ui.audit_channel.{e.channel}"),
    t("ui.audit_log.col.action"): t(f"ui.audit_action.{e.action}"),
    t("ui.audit_log.col.table"): e.table_name,
    t("ui.audit_log.col.record"): e.record_id or "",
    t("ui.audit_log.col.old"): e.old_values or "",
    t("ui.audit_log.col.new"): e.new_values or "",
    t("ui.audit_log.col.detail"): e.detail or "",
} for e in result.entries])
# st.dataframe shows every cell as text (values typed by users stay inert).
st.dataframe(frame, hide_index=True, width="stretch")
export_buttons(frame, f"audit-log-p{result.page}", key=f"{KEY}.export")
