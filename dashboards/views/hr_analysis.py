"""HR analysis (人力分析): attendance rate, lateness, leave and overtime by department for a range
of months, with drill-down from a department to its employees, an employee's attendance rows and
the leave requests; sales per salesperson with their months; the performance rating distribution
of a review period; leave balances per employee. Every table exports to CSV and Excel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import serving, serving_hr
from dashboards.components import charts
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message
from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.components.safe_text import message
from dashboards.i18n import t
from dashboards.session import require_page

DEPARTMENT_COLUMNS = ("department", "headcount", "scheduled_days", "present_days", "attendance_rate", "late_count",
                      "lateness_rate", "late_minutes", "leave_days", "annual_leave_days", "sick_leave_days",
                      "personal_leave_days", "other_leave_days", "absent_days", "overtime_hours")
EMPLOYEE_COLUMNS = ("employee_code", "employee_name", "present_days", "late_count", "late_minutes",
                    "early_leave_minutes")
ROW_COLUMNS = ("work_date", "clock_in", "clock_out", "late_minutes", "early_leave_minutes", "hours_on_site", "source")
LEAVE_COLUMNS = ("doc_no", "employee_code", "employee_name", "department", "leave_type_name", "start_date",
                 "end_date", "days", "status", "reason")
SALES_COLUMNS = ("salesperson_code", "salesperson_name", "revenue", "cogs", "gross_margin", "margin_rate", "orders")
SALES_MONTH_COLUMNS = ("year_month", "revenue", "cogs", "gross_margin", "margin_rate", "orders", "customers")
PERFORMANCE_COLUMNS = ("department", "rating", "employees", "share", "average_score")
BALANCE_COLUMNS = ("employee_code", "employee_name", "department", "leave_type_name", "entitled_days", "used_days",
                   "remaining_days")
PERCENT = ("attendance_rate", "lateness_rate", "margin_rate", "share")
MONEY = ("revenue", "cogs", "gross_margin")


def _python(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


require_page("hr_analysis")
st.title(t("ui.page.hr_analysis"))
options = serving_hr.options() if serving.is_published() else None
if options is None or not (options.months or options.sales_months or options.periods):
    no_data_message()
    st.stop()

att_tab, sales_tab, perf_tab, balance_tab = st.tabs([t("ui.hr.tab.attendance"), t("ui.hr.tab.sales"),
                                                     t("ui.hr.tab.performance"), t("ui.hr.tab.balances")])

with att_tab:
    if not options.months:
        st.caption(t("ui.chart.empty"))
    else:
        cols = st.columns(3)
        last = cols[1].selectbox(t("ui.hr.last_month"), options.months, key="hrx.last")
        first = cols[0].selectbox(t("ui.hr.first_month"), [m for m in options.months if m <= last], key="hrx.first",
                                  index=0)
        department = cols[2].selectbox(t("ui.col.department"), [None, *options.departments], key="hrx.department",
                                       format_func=lambda d: t("ui.hr.all_departments") if d is None else d)
        table = serving_hr.attendance_by_department(first, last, department)
        trend = serving_hr.attendance_trend(min(options.months), last, department)
        charts.show(trend, lambda df: charts.line(df, "year_month", "attendance_rate", "ui.hr.chart.attendance"),
                    key="hrx.trend")
        shown = with_headers(table.assign(department=table["department"].fillna(t("ui.none"))), DEPARTMENT_COLUMNS)
        show_table(shown, rates=PERCENT, key="hrx.table")
        export_buttons(shown, "attendance_by_department", "hrx.export")

        departments = list(table["department"])
        picked = st.selectbox(t("ui.drill.pick", what=t("ui.col.department")), list(range(len(departments))),
                              index=None, key="hrx.drill.department", placeholder=t("ui.drill.placeholder"),
                              format_func=lambda i: _python(departments[i]) or t("ui.none"))
        if picked is not None:
            chosen = _python(departments[picked])
            people = serving_hr.department_employees(first, last, chosen)
            st.subheader(message("ui.hr.department_employees", department=chosen or t("ui.none")))
            shown = with_headers(people, EMPLOYEE_COLUMNS)
            show_table(shown, key="hrx.people")
            export_buttons(shown, "department_attendance", "hrx.people_export")
            names = dict(zip(people["employee_id"], people["employee_code"] + " " + people["employee_name"],
                             strict=True))
            person = st.selectbox(t("ui.drill.pick", what=t("field.employee")), list(names), index=None,
                                  key="hrx.drill.employee", format_func=names.get,
                                  placeholder=t("ui.drill.placeholder"))
            if person is not None:
                rows = serving_hr.employee_attendance(int(_python(person)), first, last)
                st.subheader(message("ui.hr.attendance_rows", name=names[person]))
                shown = with_headers(rows, ROW_COLUMNS)
                show_table(shown, key="hrx.rows")
                export_buttons(shown, "attendance_rows", "hrx.rows_export")
            leave = serving_hr.leave_requests(first, last, chosen)
            st.subheader(t("ui.hr.leave_documents"))
            if not leave.empty:
                leave["status"] = translate_values(leave["status"], "state")
            shown = with_headers(leave, LEAVE_COLUMNS)
            show_table(shown, key="hrx.leave")
            export_buttons(shown, "leave_requests", "hrx.leave_export")

with sales_tab:
    if not options.sales_months:
        st.caption(t("ui.chart.empty"))
    else:
        cols = st.columns(2)
        s_last = cols[1].selectbox(t("ui.hr.last_month"), options.sales_months, key="hrx.s_last")
        s_first = cols[0].selectbox(t("ui.hr.first_month"), [m for m in options.sales_months if m <= s_last],
                                    key="hrx.s_first", index=min(2, len([m for m in options.sales_months
                                                                         if m <= s_last]) - 1))
        sales = serving_hr.sales_by_salesperson(s_first, s_last)
        sales = sales.assign(salesperson_name=sales["salesperson_name"].fillna(t("ui.hr.no_salesperson")))
        charts.show(sales, lambda df: charts.bars(df, "salesperson_name", "revenue", "ui.hr.chart.sales"),
                    key="hrx.sales_chart")
        shown = with_headers(sales, SALES_COLUMNS)
        show_table(shown, money=MONEY, rates=PERCENT, key="hrx.sales")
        export_buttons(shown, "sales_by_salesperson", "hrx.sales_export")
        people = list(sales["salesperson_id"])
        labels = list(sales["salesperson_name"])
        picked = st.selectbox(t("ui.drill.pick", what=t("ui.col.salesperson_name")), list(range(len(people))),
                              index=None, key="hrx.drill.salesperson", format_func=lambda i: labels[i],
                              placeholder=t("ui.drill.placeholder"))
        if picked is not None:
            sp = _python(people[picked])
            months = serving_hr.salesperson_months(None if sp is None else int(sp), s_first, s_last)
            shown = with_headers(months, SALES_MONTH_COLUMNS)
            show_table(shown, money=MONEY, rates=PERCENT, key="hrx.sales_months")
            export_buttons(shown, "salesperson_months", "hrx.sales_months_export")

with perf_tab:
    if not options.periods:
        st.caption(t("ui.chart.empty"))
    else:
        period = st.selectbox(t("field.period"), options.periods, key="hrx.period")
        dist = serving_hr.performance_distribution(period)
        totals = dist.groupby("rating", as_index=False)["employees"].sum() if not dist.empty else dist
        charts.show(totals, lambda df: charts.bars(df, "rating", "employees", "ui.hr.chart.ratings"),
                    key="hrx.perf_chart")
        shown = with_headers(dist.assign(department=dist["department"].fillna(t("ui.none"))), PERFORMANCE_COLUMNS)
        show_table(shown, rates=PERCENT, key="hrx.perf")
        export_buttons(shown, "performance_distribution", "hrx.perf_export")

with balance_tab:
    if not options.years:
        st.caption(t("ui.chart.empty"))
    else:
        cols = st.columns(2)
        year = cols[0].selectbox(t("ui.hr.year"), options.years, key="hrx.year")
        b_department = cols[1].selectbox(t("ui.col.department"), [None, *options.departments], key="hrx.b_department",
                                         format_func=lambda d: t("ui.hr.all_departments") if d is None else d)
        balances = serving_hr.leave_balances(year, b_department)
        shown = with_headers(balances, BALANCE_COLUMNS)
        show_table(shown, key="hrx.balances")
        export_buttons(shown, "leave_balances", "hrx.balances_export")
