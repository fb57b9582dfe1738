"""Finance analysis (财务分析): expenses by category and department with drill-down to the claim
lines, budget versus actual (and setting budgets, finance), and the monthly profit summary
(revenue and COGS net of returns, gross margin, expenses, operating profit)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.express as px
import streamlit as st

from dashboards import serving, serving_finance
from dashboards.components import charts, form_state
from dashboards.components.date_field import date_field
from dashboards.components.expense_form import acting_user
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message
from dashboards.components.format import money, show_table, with_headers
from dashboards.components.safe_text import message
from dashboards.i18n import t
from dashboards.session import require_page
from operational.db import read_only, unit_of_work
from operational.services import budgets, expenses, expenses_queries
from operational.services.errors import DomainError

BUDGET, CATEGORY = "fa.budget", "fa.category"
CATEGORY_COLUMNS = ("expense_category", "amount", "claims", "lines")
DEPARTMENT_COLUMNS = ("department", "amount", "claims", "lines")
LINE_COLUMNS = ("doc_no", "claim_date", "claimant", "department", "payee", "expense_category", "expense_date",
                "amount", "description", "invoice_no", "status")
BVA_COLUMNS = ("year_month", "expense_category", "department", "budget_amount", "actual_amount", "variance",
               "variance_pct")
PROFIT_COLUMNS = ("year_month", "gross_revenue", "returns_revenue", "net_revenue", "cogs", "gross_margin",
                  "gross_margin_pct", "expenses", "operating_profit", "operating_margin_pct")

require_page("finance_analysis")
st.title(t("ui.page.finance_analysis"))


def _months(first: date, last: date) -> list[date]:
    out, current = [], first
    while current <= last:
        out.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return out


def _floats(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    return frame.assign(**{c: frame[c].astype(float) for c in columns if c in frame.columns})


@form_state.guarded(CATEGORY)
def _add_category() -> None:
    form_state.clear(CATEGORY)
    state = st.session_state
    try:
        with unit_of_work() as session:
            category = expenses.create_category(session, acting_user(session), state.get(f"{CATEGORY}.code"),
                                                state.get(f"{CATEGORY}.name"))
            label = f"{category.code} {category.name}"
    except DomainError as err:
        form_state.record_error(CATEGORY, err)
        return
    form_state.reset_inputs(CATEGORY)
    form_state.record_success(CATEGORY, t("ui.finance.category_added", category=label))


@form_state.guarded(BUDGET)
def _set_budget() -> None:
    form_state.clear(BUDGET)
    state = st.session_state
    try:
        with unit_of_work() as session:
            budget = budgets.set_budget(session, acting_user(session), state.get(f"{BUDGET}.category"),
                                        state.get(f"{BUDGET}.month"), state.get(f"{BUDGET}.amount"),
                                        department=state.get(f"{BUDGET}.department"),
                                        note=state.get(f"{BUDGET}.note") or None)
            version, amount = budget.version, budget.amount
    except DomainError as err:
        form_state.record_error(BUDGET, err)
        return
    form_state.reset_inputs(BUDGET)
    form_state.record_success(BUDGET, t("ui.finance.budget_set", amount=money(amount), version=version))


options = serving_finance.options() if serving.is_published() else None
with read_only() as session:
    me = acting_user(session)
    categories = dict(expenses_queries.category_choices(session))
    departments = expenses_queries.departments(session)
    may_budget = me.role == "admin" or me.role in budgets.BUDGET_ROLES

expenses_tab, budget_tab, profit_tab = st.tabs([t("ui.finance.tab.expenses"), t("ui.finance.tab.budget"),
                                                t("ui.finance.tab.profit")])

months: list[date] = []
if options is not None and options.first_month is not None:
    months = _months(options.first_month, options.last_month)


def _month_range(key: str) -> tuple[date, date]:
    cols = st.columns(2)
    start = cols[0].selectbox(t("ui.finance.from_month"), months, index=max(0, len(months) - 12), key=f"{key}.from",
                              format_func=lambda m: m.strftime("%Y-%m"))
    end = cols[1].selectbox(t("ui.finance.to_month"), months, index=len(months) - 1, key=f"{key}.to",
                            format_func=lambda m: m.strftime("%Y-%m"))
    return (start, end) if start <= end else (end, start)


with expenses_tab:
    if not months:
        no_data_message()
    else:
        start, end = _month_range("fa.exp")
        cols = st.columns(2)
        department = cols[0].selectbox(t("ui.col.department"), [None, *departments], key="fa.exp.department",
                                       format_func=lambda d: t("ui.expenses.all_departments") if d is None else d)
        category_id = cols[1].selectbox(t("field.category_id"), [None, *categories], key="fa.exp.category",
                                        format_func=lambda c: t("ui.finance.all_categories") if c is None
                                        else categories.get(c, str(c)))
        data = _floats(serving_finance.expenses_by_category(start, end, category_id, department), "amount")
        if data.empty:
            st.caption(t("ui.chart.empty"))
        else:
            st.metric(t("ui.finance.total_expenses"), money(data["amount"].sum()))
            monthly = data.groupby(["year_month", "expense_category"], as_index=False)["amount"].sum()
            charts.show(monthly, lambda df: px.bar(
                df, x="year_month", y="amount", color="expense_category", title=t("ui.finance.expenses_chart"),
                labels={"year_month": t("ui.col.year_month"), "amount": t("ui.col.amount"),
                        "expense_category": t("ui.col.expense_category")}).update_layout(height=320), key="fa.exp.chart")
            left, right = st.columns(2)
            with left:
                st.subheader(t("ui.finance.by_category"))
                by_category = data.groupby(["category_id", "expense_category"], as_index=False)[
                    ["amount", "claims", "lines"]].sum().sort_values("amount", ascending=False)
                shown = with_headers(by_category, CATEGORY_COLUMNS)
                show_table(shown, money=("amount",))
                export_buttons(shown, "expenses_by_category", "fa.exp.cat_export")
            with right:
                st.subheader(t("ui.finance.by_department"))
                by_department = data.assign(department=data["department"].fillna(t("ui.none"))).groupby(
                    "department", as_index=False)[["amount", "claims", "lines"]].sum().sort_values(
                    "amount", ascending=False)
                shown = with_headers(by_department, DEPARTMENT_COLUMNS)
                show_table(shown, money=("amount",))
                export_buttons(shown, "expenses_by_department", "fa.exp.dept_export")
            st.subheader(t("ui.finance.by_month"))
            shown = with_headers(data, ("year_month", "expense_category", "department", "amount", "claims", "lines"))
            show_table(shown, money=("amount",))
            export_buttons(shown, "expenses_by_month", "fa.exp.month_export")
            labels = dict(zip(by_category["category_id"].tolist(), by_category["expense_category"], strict=True))
            drill = st.selectbox(t("ui.drill.pick", what=t("field.category_id")), list(labels), index=None,
                                 key="fa.exp.drill", format_func=lambda c: labels.get(c, str(c)),
                                 placeholder=t("ui.drill.placeholder"))
            if drill is not None:
                lines = _floats(serving_finance.expense_lines(start, end, drill, department), "amount")
                st.subheader(message("ui.finance.lines_of", name=labels[drill]))
                shown = with_headers(lines.assign(status=lines["status"].map(lambda s: t(f"state.{s}"))),
                                     LINE_COLUMNS)
                show_table(shown, money=("amount",))
                export_buttons(shown, "expense_lines", "fa.exp.lines_export")

with budget_tab:
    if may_budget:
        with st.expander(t("ui.finance.set_budget"), expanded=not months):
            message = form_state.success_message(BUDGET)
            if message:
                st.success(message, icon=":material/task_alt:")
            cols = st.columns(3)
            cols[0].selectbox(t("field.category_id"), list(categories), key=f"{BUDGET}.category", index=None,
                              format_func=lambda c: categories.get(c, str(c)), placeholder=t("ui.order.choose"))
            cols[1].selectbox(t("ui.col.department"), [None, *departments], key=f"{BUDGET}.department",
                              format_func=lambda d: t("ui.finance.company_wide") if d is None else d)
            date_field(t("field.month"), value="today", key=f"{BUDGET}.month", where=cols[2])
            cols = st.columns([1, 2])
            cols[0].text_input(t("field.amount"), key=f"{BUDGET}.amount")
            cols[1].text_input(t("ui.expenses.note"), key=f"{BUDGET}.note")
            form_state.other_errors(BUDGET, ())
            st.button(t("ui.finance.save_budget"), key=f"{BUDGET}.save", type="primary", on_click=_set_budget)
        with st.expander(t("ui.finance.add_category")):
            message = form_state.success_message(CATEGORY)
            if message:
                st.success(message, icon=":material/task_alt:")
            cols = st.columns(2)
            cols[0].text_input(t("field.code"), key=f"{CATEGORY}.code")
            cols[1].text_input(t("field.name"), key=f"{CATEGORY}.name")
            form_state.other_errors(CATEGORY, ())
            st.button(t("ui.finance.save_category"), key=f"{CATEGORY}.save", on_click=_add_category)
    if not months:
        no_data_message()
    else:
        start, end = _month_range("fa.bva")
        department = st.selectbox(t("ui.col.department"), [None, *departments], key="fa.bva.department",
                                  format_func=lambda d: t("ui.finance.company_wide") if d is None else d)
        bva = _floats(serving_finance.budget_vs_actual(start, end, department), "budget_amount", "actual_amount",
                      "variance", "variance_pct")
        if bva.empty:
            st.caption(t("ui.chart.empty"))
        else:
            cols = st.columns(3)
            cols[0].metric(t("ui.col.budget_amount"), money(bva["budget_amount"].sum()))
            cols[1].metric(t("ui.col.actual_amount"), money(bva["actual_amount"].sum()))
            cols[2].metric(t("ui.col.variance"), money(bva["variance"].sum()))
            by_category = bva.groupby("expense_category", as_index=False)[["budget_amount", "actual_amount"]].sum()
            charts.show(by_category.melt(id_vars="expense_category", var_name="measure", value_name="amount").assign(
                measure=lambda df: df["measure"].map(lambda m: t(f"ui.col.{m}"))), lambda df: px.bar(
                df, x="expense_category", y="amount", color="measure", barmode="group",
                title=t("ui.finance.bva_chart"), labels={"expense_category": t("ui.col.expense_category"),
                                                          "amount": t("ui.col.amount"), "measure": ""}
            ).update_layout(height=320), key="fa.bva.chart")
            shown = with_headers(bva.assign(department=bva["department"].fillna(t("ui.finance.company_wide"))),
                                 BVA_COLUMNS)
            show_table(shown, money=("budget_amount", "actual_amount", "variance"), percents=("variance_pct",))
            export_buttons(shown, "budget_vs_actual", "fa.bva.export")
            rows = {f"{r.year_month} {r.expense_category}": (r.month, r.category_id) for r in bva.itertuples()}
            drill = st.selectbox(t("ui.drill.pick", what=t("ui.col.actual_amount")), list(rows), index=None,
                                 key="fa.bva.drill", placeholder=t("ui.drill.placeholder"))
            if drill is not None:
                month, category_id = rows[drill]
                month = pd.Timestamp(month).date()
                lines = _floats(serving_finance.expense_lines(month, month, category_id, department), "amount")
                st.subheader(message("ui.finance.lines_of", name=drill))
                shown = with_headers(lines.assign(status=lines["status"].map(lambda s: t(f"state.{s}"))),
                                     LINE_COLUMNS)
                show_table(shown, money=("amount",))
                export_buttons(shown, "budget_lines", "fa.bva.lines_export")

with profit_tab:
    if not months:
        no_data_message()
    else:
        start, end = _month_range("fa.pl")
        profit = _floats(serving_finance.profit_monthly(start, end), "gross_revenue", "returns_revenue", "revenue",
                         "cogs", "gross_margin", "gross_margin_pct", "expenses", "operating_profit",
                         "operating_margin_pct").rename(columns={"revenue": "net_revenue"})
        if profit.empty:
            st.caption(t("ui.chart.empty"))
        else:
            cols = st.columns(4)
            cols[0].metric(t("ui.col.net_revenue"), money(profit["net_revenue"].sum()))
            cols[1].metric(t("ui.col.gross_margin"), money(profit["gross_margin"].sum()))
            cols[2].metric(t("ui.col.expenses"), money(profit["expenses"].sum()))
            cols[3].metric(t("ui.col.operating_profit"), money(profit["operating_profit"].sum()))
            chart = profit.melt(id_vars="year_month", value_vars=["net_revenue", "gross_margin", "expenses",
                                                                  "operating_profit"],
                                var_name="measure", value_name="amount")
            chart["measure"] = chart["measure"].map(lambda m: t(f"ui.col.{m}"))
            charts.show(chart, lambda df: px.line(
                df, x="year_month", y="amount", color="measure", markers=True, title=t("ui.finance.profit_chart"),
                labels={"year_month": t("ui.col.year_month"), "amount": t("ui.col.amount"), "measure": ""}
            ).update_layout(height=320), key="fa.pl.chart")
            shown = with_headers(profit, PROFIT_COLUMNS)
            show_table(shown, money=("gross_revenue", "returns_revenue", "net_revenue", "cogs", "gross_margin",
                                     "expenses", "operating_profit"),
                       percents=("gross_margin_pct", "operating_margin_pct"))
            export_buttons(shown, "profit_monthly", "fa.pl.export")
            drill = st.selectbox(t("ui.drill.pick", what=t("ui.col.expenses")), list(profit["year_month"]),
                                 index=None, key="fa.pl.drill", placeholder=t("ui.drill.placeholder"))
            if drill is not None:
                lines = _floats(serving_finance.expense_lines(start, end, year_month=drill), "amount")
                st.subheader(message("ui.finance.lines_of", name=drill))
                shown = with_headers(lines.assign(status=lines["status"].map(lambda s: t(f"state.{s}"))),
                                     LINE_COLUMNS)
                show_table(shown, money=("amount",))
                export_buttons(shown, "profit_expense_lines", "fa.pl.lines_export")
