"""Reads of the published expenses and cash marts for the cash and finance-analysis pages, through
``dashboards.serving`` (one short-lived read-only connection per call, cached per published file).

Marts: mart_cash_position_daily, mart_cash_forecast_13w, fct_expense_claim_lines,
mart_expenses_by_category, mart_budget_vs_actual, mart_profit_monthly (docs/expenses_and_cash.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from dashboards.serving import fetch, query


@dataclass(frozen=True)
class FinanceOptions:
    first_month: date | None = None
    last_month: date | None = None
    categories: dict[int, str] = field(default_factory=dict)
    departments: list[str] = field(default_factory=list)
    accounts: dict[int, str] = field(default_factory=dict)
    first_day: date | None = None  # of the cash position
    last_day: date | None = None


def options() -> FinanceOptions:
    months, categories, departments, accounts, days = fetch(
        query("SELECT min(month), max(month) FROM mart_profit_monthly", as_rows=True),
        query("SELECT DISTINCT category_id, category_name FROM mart_budget_vs_actual ORDER BY category_id",
              as_rows=True),
        query("SELECT DISTINCT department FROM mart_budget_vs_actual WHERE department IS NOT NULL ORDER BY 1",
              as_rows=True),
        query("SELECT DISTINCT account_id, account_code || ' ' || account_name FROM mart_cash_position_daily "
              "ORDER BY 2", as_rows=True),
        query("SELECT min(date_day), max(date_day) FROM mart_cash_position_daily", as_rows=True),
    )
    first, last = months[0] if months else (None, None)
    first_day, last_day = days[0] if days else (None, None)
    return FinanceOptions(first, last, dict(categories), [d for (d,) in departments], dict(accounts),
                          first_day, last_day)


def cash_position(start: date, end: date, account_id: int | None = None) -> pd.DataFrame:
    """Daily rows per account in [start, end] (all accounts, or one)."""
    where = "date_day BETWEEN $start AND $end" + ("" if account_id is None else " AND account_id = $account_id")
    params = {"start": start, "end": end} | ({} if account_id is None else {"account_id": account_id})
    (frame,) = fetch(query(
        "SELECT date_day, account_id, account_code, account_name, account_kind, opening_balance, amount_in, "
        f"amount_out, closing_balance, entries FROM mart_cash_position_daily WHERE {where} "
        "ORDER BY date_day, account_code", **params))
    return frame


def cash_forecast() -> pd.DataFrame:
    (frame,) = fetch(query("SELECT * FROM mart_cash_forecast_13w ORDER BY week_no, source"))
    return frame


def _month_where(start: date, end: date, category_id: int | None, department: str | None,
                 column: str = "month") -> tuple[str, dict[str, object]]:
    clauses = [f"{column} BETWEEN $start AND $end"]
    params: dict[str, object] = {"start": start, "end": end}
    if category_id is not None:
        clauses.append("category_id = $category_id")
        params["category_id"] = category_id
    if department is not None:
        clauses.append("department = $department")
        params["department"] = department
    return " AND ".join(clauses), params


def expenses_by_category(start: date, end: date, category_id: int | None = None,
                         department: str | None = None) -> pd.DataFrame:
    where, params = _month_where(start, end, category_id, department)
    (frame,) = fetch(query(
        "SELECT month, year_month, category_id, category_name AS expense_category, department, amount, claims, lines "
        f"FROM mart_expenses_by_category WHERE {where} ORDER BY month, category_id, department", **params))
    return frame


def expense_lines(start: date, end: date, category_id: int | None = None, department: str | None = None,
                  year_month: str | None = None) -> pd.DataFrame:
    """Spending lines (approved or reimbursed claims) behind a total: the drill-down."""
    where, params = _month_where(start, end, category_id, department, column="expense_month")
    if year_month is not None:
        where += " AND strftime(expense_month, '%Y-%m') = $year_month"
        params["year_month"] = year_month
    (frame,) = fetch(query(
        "SELECT doc_no, claim_date, status, employee_name AS claimant, department, payee, line_no, "
        "category_name AS expense_category, expense_date, "
        f"amount, description, invoice_no FROM fct_expense_claim_lines WHERE is_actual AND {where} "
        "ORDER BY expense_date, doc_no, line_no", **params))
    return frame


def budget_vs_actual(start: date, end: date, department: str | None = None,
                     category_id: int | None = None) -> pd.DataFrame:
    """Company rows (department None) or one department's rows."""
    where, params = _month_where(start, end, category_id, None)
    if department is None:
        where += " AND scope = 'company'"
    else:
        where += " AND department = $department"
        params["department"] = department
    (frame,) = fetch(query(
        "SELECT month, year_month, category_id, category_name AS expense_category, department, budget_amount, "
        "actual_amount, variance, "
        f"variance_pct FROM mart_budget_vs_actual WHERE {where} ORDER BY month, category_id", **params))
    return frame


def profit_monthly(start: date, end: date) -> pd.DataFrame:
    (frame,) = fetch(query(
        "SELECT month, year_month, gross_revenue, returns_revenue, revenue, cogs, gross_margin, gross_margin_pct, "
        "expenses, operating_profit, operating_margin_pct FROM mart_profit_monthly "
        "WHERE month BETWEEN $start AND $end ORDER BY month", start=start, end=end))
    return frame
