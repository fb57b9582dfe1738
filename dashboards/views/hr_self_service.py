"""Employee self-service (员工自助): clock in / out, my attendance, my leave balances, submit and
cancel my leave, record my overtime. Every logged-in user whose login is linked to an employee
uses it; the services refuse anything not about that employee.

Widget prefixes: ``hrs.clock``, ``hrs.leave`` (new request), ``hrs.cancel``, ``hrs.ot`` (overtime).
The leave request and the overtime record are created once per drawn form (``form_state.token``):
a double click or "submit" pressed again on the same form returns the first record.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.export import export_buttons
from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.components.safe_text import message
from dashboards.i18n import t
from dashboards.session import current_user, require_page
from operational.db import read_only, unit_of_work
from operational.services import hr, hr_queries, idempotency, queries
from operational.services.errors import DomainError

CLOCK, LEAVE, CANCEL, OVERTIME = "hrs.clock", "hrs.leave", "hrs.cancel", "hrs.ot"
LEAVE_FIELDS = ("leave_type_id", "start_date", "end_date", "half_day", "days")
ATTENDANCE_COLUMNS = ("work_date", "clock_in", "clock_out", "late_minutes", "early_leave_minutes")
LEAVE_COLUMNS = ("doc_no", "leave_type", "start_date", "end_date", "days", "status", "reason", "note")
BALANCE_COLUMNS = ("leave_type", "entitled_days", "used_days", "remaining_days")
OVERTIME_COLUMNS = ("work_date", "hours", "reason", "status")
ATTENDANCE_DAYS = 31

user = require_page("hr_self_service")
st.title(t("ui.page.hr_self_service"))
with read_only() as session:
    me = hr_queries.employee_of_user(session, user.id)
if me is None:
    st.info(t("ui.hr.no_employee"), icon=":material/person_off:")
    st.stop()
st.caption(message("ui.hr.me", name=me.name, code=me.code, department=me.department or t("ui.none")))


@form_state.guarded(lambda prefix, *_, **__: prefix)
def _run(prefix: str, action, success, token: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """One unit of work as the logged-in user; a DomainError is shown by the form, nothing written.
    With the form's ``token`` the record is created once (``idempotency.once``): the same form sent
    again shows the first record's message."""
    form_state.clear(prefix)
    current = current_user()
    try:
        with unit_of_work() as session:
            actor = queries.user_by_id(session, current.id) if current else None
            result = idempotency.once(session, token, lambda: action(session, actor)).document
            message = success(result)
    except DomainError as err:
        form_state.record_error(prefix, err)
        return
    form_state.record_success(prefix, message)
    form_state.reset_inputs(prefix)


def _clock(kind: str) -> None:
    if kind == "in":
        _run(CLOCK, lambda s, actor: hr.clock_in(s, actor, me.id),
             lambda row: t("ui.hr.clocked_in", time=row.clock_in.strftime("%H:%M")))
    else:
        _run(CLOCK, lambda s, actor: hr.clock_out(s, actor, me.id),
             lambda row: t("ui.hr.clocked_out", time=row.clock_out.strftime("%H:%M")))


def _submit_leave(token: str | None = None) -> None:
    state = st.session_state
    _run(LEAVE, lambda s, actor: hr.create_leave_request(
        s, actor, me.id, state.get(f"{LEAVE}.type"), state.get(f"{LEAVE}.start"), state.get(f"{LEAVE}.end"),
        half_day=bool(state.get(f"{LEAVE}.half_day")), reason=state.get(f"{LEAVE}.reason")),
        lambda request: t("ui.hr.leave_submitted", doc_no=request.doc_no, days=f"{request.days.normalize():f}"),
        token)


def _cancel_leave() -> None:
    request_id = st.session_state.get(f"{CANCEL}.request")
    _run(CANCEL, lambda s, actor: hr.cancel_leave(s, actor, request_id),
         lambda request: t("ui.hr.leave_cancelled", doc_no=request.doc_no))


def _record_overtime(token: str | None = None) -> None:
    state = st.session_state
    _run(OVERTIME, lambda s, actor: hr.record_overtime(s, actor, me.id, state.get(f"{OVERTIME}.date"),
                                                        state.get(f"{OVERTIME}.hours"), state.get(f"{OVERTIME}.reason")),
         lambda record: t("ui.hr.overtime_recorded", hours=f"{record.hours.normalize():f}"), token)



today = hr.local_now().date()
with read_only() as session:
    today_rows = hr_queries.attendance(session, me.id, today, today)
    balances = hr_queries.leave_balances(session, me.id, today)
    leave_types = hr_queries.leave_type_choices(session)
    my_leave = hr_queries.leave_requests(session, employee_id=me.id)
    my_overtime = hr_queries.overtime_records(session, employee_id=me.id)
    my_attendance = hr_queries.attendance(session, me.id, today - timedelta(days=ATTENDANCE_DAYS - 1), today)

# ---------------------------------------------------------------- clock in / out
st.subheader(t("ui.hr.clock"))
form_state.flash(CLOCK)
row = today_rows[0] if today_rows else None
cols = st.columns(3)
cols[0].metric(t("ui.col.clock_in"), row["clock_in"].strftime("%H:%M") if row and row["clock_in"] else "—")
cols[1].metric(t("ui.col.clock_out"), row["clock_out"].strftime("%H:%M") if row and row["clock_out"] else "—")
cols[2].metric(t("ui.col.late_minutes"), row["late_minutes"] if row else 0)
form_state.other_errors(CLOCK, ())
left, right, _ = st.columns([1, 1, 3])
left.button(t("ui.hr.clock_in"), key=f"{CLOCK}.in", type="primary", on_click=_clock, args=("in",),
            icon=":material/login:")
right.button(t("ui.hr.clock_out"), key=f"{CLOCK}.out", on_click=_clock, args=("out",), icon=":material/logout:")
st.caption(t("ui.hr.schedule", start=hr.WORK_START.strftime("%H:%M"), end=hr.WORK_END.strftime("%H:%M"),
             grace=hr.GRACE_MINUTES))

# ---------------------------------------------------------------- leave
st.subheader(t("ui.hr.my_balances", year=today.year))
shown = with_headers(pd.DataFrame(balances, columns=list(BALANCE_COLUMNS)).astype(
    {c: float for c in BALANCE_COLUMNS[1:]}), BALANCE_COLUMNS)
show_table(shown, key="hrs.balances")
export_buttons(shown, "leave_balances", "hrs.balances_export")

st.subheader(t("ui.hr.new_leave"))
form_state.flash(LEAVE)
st.selectbox(t("field.leave_type"), list(leave_types), key=f"{LEAVE}.type", format_func=leave_types.get,
             index=None, placeholder=t("ui.hr.choose"))
form_state.field_error(LEAVE, "leave_type_id")
cols = st.columns(3)
with cols[0]:
    date_field(t("field.start_date"), value=None, key=f"{LEAVE}.start")
    form_state.field_error(LEAVE, "start_date")
with cols[1]:
    date_field(t("field.end_date"), value=None, key=f"{LEAVE}.end")
    form_state.field_error(LEAVE, "end_date")
with cols[2]:
    st.checkbox(t("ui.hr.half_day"), key=f"{LEAVE}.half_day")
    form_state.field_error(LEAVE, "half_day")
st.text_input(t("ui.hr.reason"), key=f"{LEAVE}.reason")
form_state.field_error(LEAVE, "days")
form_state.other_errors(LEAVE, LEAVE_FIELDS)
st.button(t("ui.hr.submit_leave"), key=f"{LEAVE}.submit", type="primary", on_click=_submit_leave,
          args=(form_state.token(LEAVE),))

st.subheader(t("ui.hr.my_leave"))
form_state.flash(CANCEL)
if my_leave:
    df = pd.DataFrame(my_leave).astype({"days": float})
    df["status"] = translate_values(df["status"], "state")
    shown = with_headers(df, LEAVE_COLUMNS)
    show_table(shown, key="hrs.leave_table")
    export_buttons(shown, "my_leave", "hrs.leave_export")
    cancellable = {r["leave_request_id"]: f'{r["doc_no"]} {r["leave_type"]} {r["start_date"]}–{r["end_date"]}'
                   for r in my_leave if r["status"] in ("draft", "submitted")}
    if cancellable:
        st.selectbox(t("ui.hr.cancel_which"), list(cancellable), key=f"{CANCEL}.request", index=None,
                     format_func=cancellable.get, placeholder=t("ui.hr.choose"))
        form_state.other_errors(CANCEL, ())
        st.button(t("ui.hr.cancel_leave"), key=f"{CANCEL}.submit", on_click=_cancel_leave)
else:
    st.caption(t("ui.hr.none_yet"))

# ---------------------------------------------------------------- overtime
st.subheader(t("ui.hr.my_overtime"))
form_state.flash(OVERTIME)
cols = st.columns([1, 1, 2])
with cols[0]:
    date_field(t("field.work_date"), value=None, key=f"{OVERTIME}.date")
    form_state.field_error(OVERTIME, "work_date")
with cols[1]:
    st.text_input(t("ui.hr.overtime_hours"), key=f"{OVERTIME}.hours")
    form_state.field_error(OVERTIME, "hours")
with cols[2]:
    st.text_input(t("ui.hr.reason"), key=f"{OVERTIME}.reason")
form_state.other_errors(OVERTIME, ("work_date", "hours"))
st.button(t("ui.hr.record_overtime"), key=f"{OVERTIME}.submit", on_click=_record_overtime,
          args=(form_state.token(OVERTIME),))
if my_overtime:
    df = pd.DataFrame(my_overtime).astype({"hours": float})
    df["status"] = translate_values(df["status"], "state")
    shown = with_headers(df, OVERTIME_COLUMNS)
    show_table(shown, key="hrs.ot_table")
    export_buttons(shown, "my_overtime", "hrs.ot_export")

# ---------------------------------------------------------------- attendance
st.subheader(t("ui.hr.my_attendance", days=ATTENDANCE_DAYS))
if my_attendance:
    shown = with_headers(pd.DataFrame(my_attendance), ATTENDANCE_COLUMNS)
    show_table(shown, key="hrs.att_table")
    export_buttons(shown, "my_attendance", "hrs.att_export")
else:
    st.caption(t("ui.hr.none_yet"))
