"""HR administration (人事管理) for HR and managers: employees (department, position, manager,
status), the leave approval queue, overtime approval, performance reviews with KPI lines (sales
KPIs proposed from the published warehouse) and training records.

Widget prefixes: ``hra.emp``, ``hra.leave``, ``hra.ot``, ``hra.review``, ``hra.train``. Every save
is one ``unit_of_work`` through ``operational.services.hr``; a ``DomainError`` is shown under the
field it names and nothing is written. The hire, review and training forms create their record
once per drawn form (``form_state.token``): a double click or "save" pressed again on the same form
shows the first record instead of creating a second one.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pandas as pd
import streamlit as st

from dashboards import serving, serving_hr
from dashboards.components import form_state
from dashboards.components.date_field import date_field
from dashboards.components.export import export_buttons
from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.i18n import t
from dashboards.session import current_user, require_page
from operational.db import read_only, unit_of_work
from operational.models.hr import LEAVE_STATES, TRAINING_RESULTS
from operational.services import hr, hr_queries, idempotency, queries
from operational.services.errors import DomainError

EMP, LEAVE, OT, REVIEW, TRAIN = "hra.emp", "hra.leave", "hra.ot", "hra.review", "hra.train"
HIRE = "hra.hire"
KPI_LINES = 3
EMPLOYEE_COLUMNS = ("employee_code", "employee_name", "department", "position", "manager_name", "status",
                    "hire_date", "leave_date", "email", "phone")
PENDING_COLUMNS = ("doc_no", "employee_code", "employee_name", "department", "leave_type", "start_date", "end_date",
                   "days", "balance", "reason")
LEAVE_COLUMNS = ("doc_no", "employee_code", "employee_name", "leave_type", "start_date", "end_date", "days",
                 "status", "note")
OT_COLUMNS = ("employee_code", "employee_name", "department", "work_date", "hours", "reason", "status")
REVIEW_COLUMNS = ("period", "employee_code", "employee_name", "department", "score", "rating", "reviewer_name",
                  "comments")
KPI_COLUMNS = ("line_no", "kpi_name", "target", "actual", "weight", "score")
TRAIN_COLUMNS = ("employee_code", "employee_name", "department", "course", "provider", "start_date", "end_date",
                 "hours", "result", "certificate")

require_page("hr_admin")
st.title(t("ui.page.hr_admin"))


@form_state.guarded(lambda prefix, *_, **__: prefix)
def _run(prefix: str, action: Callable[[Any, Any], Any], success: Callable[[Any], str], *,
         reset: bool = True, token: str | None = None) -> None:
    """One unit of work as the logged-in user. With the form's ``token`` a created record is created
    once (``idempotency.once``): the same form sent again shows the first record's message."""
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
    if reset:
        form_state.reset_inputs(prefix)



def _value(key: str) -> Any:
    return st.session_state.get(key)


def _num(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return df.astype({c: float for c in columns if c in df.columns})


user = current_user()
with read_only() as session:
    choices = hr_queries.employee_choices(session)
    all_choices = hr_queries.employee_choices(session, active_only=False)
    staff_list = hr_queries.employees(session)
    pending_leave = hr_queries.pending_leave_for(session, user.id)
    # The status filter of the leave list is drawn further down; its value is known from the last run.
    recent_leave = hr_queries.leave_requests(session, limit=300,
                                             statuses=tuple(st.session_state.get(f"{LEAVE}.statuses") or ()))
    pending_ot = hr_queries.pending_overtime_for(session, user.id)
    recent_ot = hr_queries.overtime_records(session, limit=300)
    review_rows = hr_queries.reviews(session)
    training_rows = hr_queries.trainings(session)

tabs = st.tabs([t("ui.hr.tab.leave"), t("ui.hr.tab.overtime"), t("ui.hr.tab.employees"), t("ui.hr.tab.reviews"),
                t("ui.hr.tab.training")])

# ---------------------------------------------------------------- leave approval
with tabs[0]:
    st.subheader(t("ui.hr.pending_leave"))
    form_state.flash(LEAVE)
    if pending_leave:
        df = _num(pd.DataFrame(pending_leave), "days", "balance")
        shown = with_headers(df, PENDING_COLUMNS)
        show_table(shown, key=f"{LEAVE}.table")
        export_buttons(shown, "pending_leave", f"{LEAVE}.export")
        options = {r["leave_request_id"]: f'{r["doc_no"]} {r["employee_name"]} {r["leave_type"]} '
                                          f'{r["start_date"]}–{r["end_date"]}' for r in pending_leave}
        st.selectbox(t("field.leave_request"), list(options), key=f"{LEAVE}.request", index=None,
                     format_func=options.get, placeholder=t("ui.hr.choose"))
        st.text_input(t("ui.hr.note"), key=f"{LEAVE}.note")
        form_state.other_errors(LEAVE, ())

        def _decide_leave(approve: bool) -> None:
            request_id, note = _value(f"{LEAVE}.request"), _value(f"{LEAVE}.note")
            decide = hr.approve_leave if approve else hr.reject_leave
            _run(LEAVE, lambda s, actor: decide(s, actor, request_id, note),
                 lambda r: t("ui.hr.leave_decided", doc_no=r.doc_no, status=t(f"state.{r.status}")))

        left, right, _ = st.columns([1, 1, 3])
        left.button(t("ui.hr.approve"), key=f"{LEAVE}.approve", type="primary", on_click=_decide_leave, args=(True,))
        right.button(t("ui.hr.reject"), key=f"{LEAVE}.reject", on_click=_decide_leave, args=(False,))
    else:
        st.caption(t("ui.hr.nothing_pending"))

    st.subheader(t("ui.hr.all_leave"))
    st.multiselect(t("ui.col.status"), list(LEAVE_STATES), key=f"{LEAVE}.statuses",
                   format_func=lambda s: t(f"state.{s}"), placeholder=t("ui.edges_rest.all"))
    if recent_leave:
        df = _num(pd.DataFrame(recent_leave), "days")
        approved = {r["leave_request_id"]: f'{r["doc_no"]} {r["employee_name"]}' for r in recent_leave
                    if r["status"] == "approved"}
        df["status"] = translate_values(df["status"], "state")
        shown = with_headers(df, LEAVE_COLUMNS)
        show_table(shown, key=f"{LEAVE}.all")
        export_buttons(shown, "leave_requests", f"{LEAVE}.all_export")
        if approved:
            # HR may take back approved leave (the days return to the balance by a reversing entry).
            st.selectbox(t("ui.hr.revoke_which"), list(approved), key=f"{LEAVE}.revoke", index=None,
                         format_func=approved.get, placeholder=t("ui.hr.choose"))

            def _revoke() -> None:
                request_id = _value(f"{LEAVE}.revoke")
                _run(LEAVE, lambda s, actor: hr.cancel_leave(s, actor, request_id),
                     lambda r: t("ui.hr.leave_cancelled", doc_no=r.doc_no))

            st.button(t("ui.hr.revoke"), key=f"{LEAVE}.revoke_btn", on_click=_revoke)

# ---------------------------------------------------------------- overtime approval
with tabs[1]:
    st.subheader(t("ui.hr.pending_overtime"))
    form_state.flash(OT)
    if pending_ot:
        shown = with_headers(_num(pd.DataFrame(pending_ot), "hours"), OT_COLUMNS)
        show_table(shown, key=f"{OT}.table")
        export_buttons(shown, "pending_overtime", f"{OT}.export")
        options = {r["overtime_id"]: f'{r["employee_name"]} {r["work_date"]} {r["hours"].normalize():f}h'
                   for r in pending_ot}
        st.selectbox(t("ui.hr.overtime"), list(options), key=f"{OT}.record", index=None, format_func=options.get,
                     placeholder=t("ui.hr.choose"))
        form_state.other_errors(OT, ())

        def _decide_ot(approve: bool) -> None:
            record_id = _value(f"{OT}.record")
            _run(OT, lambda s, actor: hr.decide_overtime(s, actor, record_id, approve),
                 lambda r: t("ui.hr.overtime_decided", status=t(f"state.{r.status}")))

        left, right, _ = st.columns([1, 1, 3])
        left.button(t("ui.hr.approve"), key=f"{OT}.approve", type="primary", on_click=_decide_ot, args=(True,))
        right.button(t("ui.hr.reject"), key=f"{OT}.reject", on_click=_decide_ot, args=(False,))
    else:
        st.caption(t("ui.hr.nothing_pending"))
    if recent_ot:
        df = _num(pd.DataFrame(recent_ot), "hours")
        df["status"] = translate_values(df["status"], "state")
        shown = with_headers(df, OT_COLUMNS)
        show_table(shown, key=f"{OT}.all")
        export_buttons(shown, "overtime", f"{OT}.all_export")

# ---------------------------------------------------------------- employees
with tabs[2]:
    df = pd.DataFrame(staff_list)
    if not df.empty:
        df["status"] = translate_values(df["status"], "ui.hr.employee_status")
    shown = with_headers(df, EMPLOYEE_COLUMNS)
    show_table(shown, key=f"{EMP}.table")
    export_buttons(shown, "employees", f"{EMP}.export")

    with st.expander(t("ui.hr.new_employee"), expanded=bool(form_state.success_message(HIRE))):
        form_state.flash(HIRE)
        cols = st.columns(2)
        for col, (name, label) in zip(cols * 4, (("code", "field.code"), ("name", "field.employee_name"),
                                                  ("department", "ui.col.department"), ("position", "ui.col.position"),
                                                  ("email", "ui.col.email"), ("phone", "field.phone")), strict=False):
            col.text_input(t(label), key=f"{HIRE}.{name}")
            form_state.field_error(HIRE, name)
        date_field(t("field.hire_date"), value=None, key=f"{HIRE}.hire_date", where=cols[0])
        form_state.field_error(HIRE, "hire_date")
        cols[1].selectbox(t("field.manager"), [None, *choices], key=f"{HIRE}.manager", index=0,
                          format_func=lambda i: t("ui.none") if i is None else all_choices.get(i, str(i)))
        form_state.other_errors(HIRE, ("code", "name", "department", "position", "email", "phone", "hire_date"))

        def _hire(token: str) -> None:
            _run(HIRE, lambda s, actor: hr.hire_employee(
                s, actor, _value(f"{HIRE}.code"), _value(f"{HIRE}.name"), hire_date=_value(f"{HIRE}.hire_date"),
                department=_value(f"{HIRE}.department"), position=_value(f"{HIRE}.position"),
                manager_id=_value(f"{HIRE}.manager"), email=_value(f"{HIRE}.email"), phone=_value(f"{HIRE}.phone")),
                lambda e: t("ui.hr.employee_hired", code=e.code), token=token)

        st.button(t("ui.hr.hire"), key=f"{HIRE}.save", type="primary", on_click=_hire,
                  args=(form_state.token(HIRE),))

    st.subheader(t("ui.hr.edit_employee"))
    form_state.flash(EMP)
    picked = st.selectbox(t("field.employee"), list(all_choices), key=f"{EMP}.employee", index=None,
                          format_func=all_choices.get, placeholder=t("ui.hr.choose"))
    if picked is not None:
        with read_only() as session:
            info = hr_queries.employee(session, picked)
        key = f"{EMP}.{picked}"  # widgets keyed per employee start from the stored values
        cols = st.columns(2)
        cols[0].text_input(t("ui.col.department"), value=info.department or "", key=f"{key}.department")
        cols[1].text_input(t("ui.col.position"), value=info.position or "", key=f"{key}.position")
        managers = [None, *[i for i in choices if i != picked]]
        cols[0].selectbox(t("field.manager"), managers, key=f"{key}.manager",
                          index=managers.index(info.manager_id) if info.manager_id in managers else 0,
                          format_func=lambda i: t("ui.none") if i is None else all_choices.get(i, str(i)))
        form_state.field_error(EMP, "manager_id")
        cols[1].text_input(t("ui.col.email"), value=info.email or "", key=f"{key}.email")
        cols[0].selectbox(t("ui.col.status"), list(hr.EMPLOYEE_STATUSES), key=f"{key}.status",
                          index=list(hr.EMPLOYEE_STATUSES).index(info.status) if info.status in hr.EMPLOYEE_STATUSES
                          else 0, format_func=lambda s: t(f"ui.hr.employee_status.{s}"))
        date_field(t("field.leave_date"), value=info.leave_date, key=f"{key}.leave_date", where=cols[1])
        form_state.field_error(EMP, "leave_date")
        form_state.other_errors(EMP, ("manager_id", "leave_date"))

        def _save_employee(employee_id: int, key: str) -> None:
            _run(EMP, lambda s, actor: hr.update_employee(
                s, actor, employee_id, department=_value(f"{key}.department"), position=_value(f"{key}.position"),
                manager_id=_value(f"{key}.manager"), email=_value(f"{key}.email"), status=_value(f"{key}.status"),
                leave_date=_value(f"{key}.leave_date")),
                lambda e: t("ui.hr.employee_saved", code=e.code), reset=False)

        st.button(t("ui.hr.save"), key=f"{EMP}.save", type="primary", on_click=_save_employee, args=(picked, key))

# ---------------------------------------------------------------- performance reviews
with tabs[3]:
    st.subheader(t("ui.hr.new_review"))
    form_state.flash(REVIEW)
    if f"{REVIEW}.period" not in st.session_state:
        st.session_state[f"{REVIEW}.period"] = hr.quarter_of(hr.local_now().date())
    cols = st.columns([2, 1, 1])
    reviewed = cols[0].selectbox(t("field.employee"), list(all_choices), key=f"{REVIEW}.employee", index=None,
                                 format_func=all_choices.get, placeholder=t("ui.hr.choose"))
    cols[1].text_input(t("field.period"), key=f"{REVIEW}.period", help=t("ui.hr.period_help"))
    cols[2].text_input(t("ui.hr.overall_score"), key=f"{REVIEW}.score", help=t("ui.hr.score_help"))
    form_state.field_error(REVIEW, "period")
    form_state.field_error(REVIEW, "score")

    @form_state.guarded(REVIEW)
    def _propose_sales(employee_id: int) -> None:
        """Sales KPIs from the published warehouse: revenue and gross margin shipped in the period."""
        form_state.clear(REVIEW)
        try:
            start, end = hr.period_bounds(str(_value(f"{REVIEW}.period") or ""))
        except DomainError as err:
            form_state.record_error(REVIEW, err)
            return
        kpi = serving_hr.salesperson_kpi(employee_id, start, end)
        for line, (name, actual) in enumerate(((t("ui.hr.kpi.revenue"), kpi.revenue),
                                               (t("ui.hr.kpi.gross_margin"), kpi.gross_margin)), start=1):
            st.session_state[f"{REVIEW}.kpi.{line}.name"] = name
            st.session_state[f"{REVIEW}.kpi.{line}.actual"] = f"{actual:.2f}"
            if not str(st.session_state.get(f"{REVIEW}.kpi.{line}.weight") or "").strip():
                st.session_state[f"{REVIEW}.kpi.{line}.weight"] = "0.5"

    if reviewed is not None and serving.is_published():
        with read_only() as session:
            sells = hr_queries.is_salesperson(session, reviewed)
        if sells:
            st.button(t("ui.hr.propose_sales_kpis"), key=f"{REVIEW}.propose", on_click=_propose_sales,
                      args=(reviewed,), icon=":material/auto_awesome:")
    st.caption(t("ui.hr.kpi_rule"))
    for line in range(1, KPI_LINES + 1):
        cols = st.columns([2, 1, 1, 1])
        cols[0].text_input(t("field.kpi_name"), key=f"{REVIEW}.kpi.{line}.name")
        cols[1].text_input(t("field.target"), key=f"{REVIEW}.kpi.{line}.target")
        cols[2].text_input(t("field.actual"), key=f"{REVIEW}.kpi.{line}.actual")
        cols[3].text_input(t("field.weight"), key=f"{REVIEW}.kpi.{line}.weight")
        form_state.line_error(REVIEW, line)
    st.text_area(t("ui.hr.comments"), key=f"{REVIEW}.comments")
    form_state.other_errors(REVIEW, ("period", "score"))

    def _save_review(token: str) -> None:
        lines = []
        for line in range(1, KPI_LINES + 1):
            values = [str(_value(f"{REVIEW}.kpi.{line}.{f}") or "").strip() for f in ("name", "target", "actual",
                                                                                     "weight")]
            if any(values):
                lines.append(hr.KpiInput(*values))
        employee_id, period = _value(f"{REVIEW}.employee"), str(_value(f"{REVIEW}.period") or "")
        score = _value(f"{REVIEW}.score")
        _run(REVIEW, lambda s, actor: hr.create_review(s, actor, employee_id, period, lines,
                                                       score=None if lines else score,
                                                       comments=_value(f"{REVIEW}.comments")),
             lambda r: t("ui.hr.review_saved", period=r.period, score=f"{r.score:.2f}", rating=r.rating),
             token=token)

    st.button(t("ui.hr.save"), key=f"{REVIEW}.save", type="primary", on_click=_save_review,
              args=(form_state.token(REVIEW),))

    st.subheader(t("ui.hr.reviews"))
    if review_rows:
        df = _num(pd.DataFrame(review_rows), "score")
        shown = with_headers(df, REVIEW_COLUMNS)
        show_table(shown, key=f"{REVIEW}.table")
        export_buttons(shown, "performance_reviews", f"{REVIEW}.export")
        labels = {r["review_id"]: f'{r["period"]} {r["employee_code"]} {r["employee_name"]}' for r in review_rows}
        drill = st.selectbox(t("ui.drill.pick", what=t("entity.performance_review")), list(labels),
                             key=f"{REVIEW}.drill", index=None, format_func=labels.get,
                             placeholder=t("ui.drill.placeholder"))
        if drill is not None:
            with read_only() as session:
                kpis = hr_queries.review_kpis(session, drill)
            shown = with_headers(_num(pd.DataFrame(kpis, columns=list(KPI_COLUMNS)), "target", "actual", "weight",
                                      "score"), KPI_COLUMNS)
            show_table(shown, key=f"{REVIEW}.kpis")
            export_buttons(shown, "review_kpis", f"{REVIEW}.kpis_export")
    else:
        st.caption(t("ui.hr.none_yet"))

# ---------------------------------------------------------------- training
with tabs[4]:
    st.subheader(t("ui.hr.new_training"))
    form_state.flash(TRAIN)
    cols = st.columns(2)
    cols[0].selectbox(t("field.employee"), list(all_choices), key=f"{TRAIN}.employee", index=None,
                      format_func=all_choices.get, placeholder=t("ui.hr.choose"))
    cols[1].text_input(t("field.course"), key=f"{TRAIN}.course")
    form_state.field_error(TRAIN, "course")
    cols = st.columns(4)
    cols[0].text_input(t("ui.col.provider"), key=f"{TRAIN}.provider")
    date_field(t("field.start_date"), value=None, key=f"{TRAIN}.start", where=cols[1])
    date_field(t("field.end_date"), value=None, key=f"{TRAIN}.end", where=cols[2])
    cols[3].text_input(t("field.hours"), key=f"{TRAIN}.hours")
    form_state.field_error(TRAIN, "end_date")
    form_state.field_error(TRAIN, "hours")
    cols = st.columns(2)
    cols[0].selectbox(t("field.result"), [None, *TRAINING_RESULTS], key=f"{TRAIN}.result",
                      format_func=lambda r: t("ui.none") if r is None else t(f"ui.hr.result.{r}"))
    cols[1].text_input(t("ui.col.certificate"), key=f"{TRAIN}.certificate")
    form_state.other_errors(TRAIN, ("course", "end_date", "hours"))

    def _save_training(token: str) -> None:
        _run(TRAIN, lambda s, actor: hr.record_training(
            s, actor, _value(f"{TRAIN}.employee"), _value(f"{TRAIN}.course"), _value(f"{TRAIN}.start"),
            _value(f"{TRAIN}.end"), _value(f"{TRAIN}.hours"), provider=_value(f"{TRAIN}.provider"),
            result=_value(f"{TRAIN}.result"), certificate=_value(f"{TRAIN}.certificate")),
            lambda r: t("ui.hr.training_saved", course=r.course, hours=f"{Decimal(r.hours).normalize():f}"),
            token=token)

    st.button(t("ui.hr.save"), key=f"{TRAIN}.save", type="primary", on_click=_save_training,
              args=(form_state.token(TRAIN),))
    if training_rows:
        df = _num(pd.DataFrame(training_rows), "hours")
        df["result"] = translate_values(df["result"], "ui.hr.result")
        shown = with_headers(df, TRAIN_COLUMNS)
        show_table(shown, key=f"{TRAIN}.table")
        export_buttons(shown, "training", f"{TRAIN}.export")
