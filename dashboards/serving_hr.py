"""HR reads of the published marts (mart_attendance_monthly, fct_attendance, fct_leave_requests,
mart_sales_by_salesperson, mart_performance_distribution, mart_leave_balances), through
``dashboards.serving.fetch`` — the one reader of ``serving.duckdb``. Kept beside serving.py so the
HR pages add their queries without growing the shared module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

from dashboards.serving import fetch, query


@dataclass(frozen=True)
class HrOptions:
    months: list[str]  # year_month of mart_attendance_monthly, newest first
    departments: list[str]
    sales_months: list[str]  # year_month of mart_sales_by_salesperson, newest first
    periods: list[str]  # review periods, newest first
    years: list[int]  # leave-balance years, newest first


def options() -> HrOptions:
    months, departments, sales_months, periods, years = fetch(
        query("SELECT DISTINCT year_month FROM mart_attendance_monthly ORDER BY 1 DESC", as_rows=True),
        query("SELECT DISTINCT department FROM mart_attendance_monthly WHERE department IS NOT NULL ORDER BY 1",
              as_rows=True),
        query("SELECT DISTINCT year_month FROM mart_sales_by_salesperson ORDER BY 1 DESC", as_rows=True),
        query("SELECT DISTINCT period FROM mart_performance_distribution ORDER BY 1 DESC", as_rows=True),
        query("SELECT DISTINCT year FROM mart_leave_balances ORDER BY 1 DESC", as_rows=True),
    )
    return HrOptions([r[0] for r in months], [r[0] for r in departments], [r[0] for r in sales_months],
                     [r[0] for r in periods], [int(r[0]) for r in years])


def _department(department: str | None, alias: str = "") -> tuple[str, dict[str, str]]:
    if department is None:
        return "TRUE", {}
    return f"{alias}department = $department", {"department": department}


def attendance_by_department(first_month: str, last_month: str, department: str | None = None) -> pd.DataFrame:
    """Department totals over the months ``first_month``–``last_month`` (rates recomputed from the
    summed days, not averaged)."""
    where, params = _department(department)
    (rows,) = fetch(query(f"""
        SELECT department, max(headcount) AS headcount, sum(scheduled_days)::BIGINT AS scheduled_days,
               sum(present_days)::BIGINT AS present_days, sum(leave_days)::DOUBLE AS leave_days,
               sum(absent_days)::DOUBLE AS absent_days,
               round(sum(present_days) / nullif(sum(scheduled_days), 0), 4) AS attendance_rate,
               sum(late_count)::BIGINT AS late_count,
               round(sum(late_count) / nullif(sum(present_days), 0), 4) AS lateness_rate,
               sum(late_minutes)::BIGINT AS late_minutes,
               sum(annual_leave_days)::DOUBLE AS annual_leave_days, sum(sick_leave_days)::DOUBLE AS sick_leave_days,
               sum(personal_leave_days)::DOUBLE AS personal_leave_days,
               sum(other_leave_days)::DOUBLE AS other_leave_days, sum(overtime_hours)::DOUBLE AS overtime_hours
        FROM mart_attendance_monthly
        WHERE year_month BETWEEN $first AND $last AND {where}
        GROUP BY department ORDER BY department NULLS LAST
        """, first=first_month, last=last_month, **params))
    return rows


def attendance_trend(first_month: str, last_month: str, department: str | None = None) -> pd.DataFrame:
    where, params = _department(department)
    (rows,) = fetch(query(f"""
        SELECT year_month, round(sum(present_days) / nullif(sum(scheduled_days), 0), 4)::DOUBLE AS attendance_rate,
               sum(late_count)::BIGINT AS late_count, sum(overtime_hours)::DOUBLE AS overtime_hours
        FROM mart_attendance_monthly WHERE year_month BETWEEN $first AND $last AND {where}
        GROUP BY 1 ORDER BY 1
        """, first=first_month, last=last_month, **params))
    return rows


def department_employees(first_month: str, last_month: str, department: str | None) -> pd.DataFrame:
    """Drill-down: the department's employees with their attendance rows counted."""
    where = "department IS NULL" if department is None else "department = $department"
    params = {} if department is None else {"department": department}
    (rows,) = fetch(query(f"""
        SELECT employee_id, employee_code, employee_name, count(*) FILTER (WHERE is_present) AS present_days,
               count(*) FILTER (WHERE is_present AND is_late) AS late_count, sum(late_minutes)::BIGINT AS late_minutes,
               sum(early_leave_minutes)::BIGINT AS early_leave_minutes
        FROM fct_attendance
        WHERE year_month BETWEEN $first AND $last AND {where}
        GROUP BY 1, 2, 3 ORDER BY employee_code
        """, first=first_month, last=last_month, **params))
    return rows


def employee_attendance(employee_id: int, first_month: str, last_month: str) -> pd.DataFrame:
    """Drill-down: one employee's attendance rows."""
    (rows,) = fetch(query("""
        SELECT work_date, clock_in, clock_out, late_minutes, early_leave_minutes, hours_on_site::DOUBLE AS hours_on_site,
               source
        FROM fct_attendance WHERE employee_id = $employee_id AND year_month BETWEEN $first AND $last
        ORDER BY work_date
        """, employee_id=employee_id, first=first_month, last=last_month))
    return rows


def leave_requests(first_month: str, last_month: str, department: str | None = None) -> pd.DataFrame:
    """Drill-down: the leave requests starting in the months (every status)."""
    where, params = _department(department)
    (rows,) = fetch(query(f"""
        SELECT doc_no, employee_code, employee_name, department, leave_type_name, start_date, end_date,
               days::DOUBLE AS days, status, reason
        FROM fct_leave_requests WHERE year_month BETWEEN $first AND $last AND {where}
        ORDER BY start_date, doc_no
        """, first=first_month, last=last_month, **params))
    return rows


def sales_by_salesperson(first_month: str, last_month: str) -> pd.DataFrame:
    (rows,) = fetch(query("""
        SELECT salesperson_id, any_value(salesperson_code) AS salesperson_code,
               any_value(salesperson_name) AS salesperson_name, sum(revenue)::DOUBLE AS revenue,
               sum(cogs)::DOUBLE AS cogs, sum(gross_margin)::DOUBLE AS gross_margin,
               round(sum(gross_margin) / nullif(sum(revenue), 0), 4)::DOUBLE AS margin_rate,
               sum(orders)::BIGINT AS orders, sum(customers)::BIGINT AS customer_months
        FROM mart_sales_by_salesperson WHERE year_month BETWEEN $first AND $last
        GROUP BY 1 ORDER BY revenue DESC
        """, first=first_month, last=last_month))
    return rows


def salesperson_months(salesperson_id: int | None, first_month: str, last_month: str) -> pd.DataFrame:
    """Drill-down: a salesperson's months."""
    where = "salesperson_id IS NULL" if salesperson_id is None else "salesperson_id = $salesperson_id"
    params = {} if salesperson_id is None else {"salesperson_id": salesperson_id}
    (rows,) = fetch(query(f"""
        SELECT year_month, revenue::DOUBLE AS revenue, cogs::DOUBLE AS cogs, gross_margin::DOUBLE AS gross_margin,
               margin_rate::DOUBLE AS margin_rate, orders, customers
        FROM mart_sales_by_salesperson WHERE year_month BETWEEN $first AND $last AND {where}
        ORDER BY year_month
        """, first=first_month, last=last_month, **params))
    return rows


def performance_distribution(period: str) -> pd.DataFrame:
    (rows,) = fetch(query("""
        SELECT department, rating, employees, share::DOUBLE AS share, average_score::DOUBLE AS average_score
        FROM mart_performance_distribution WHERE period = $period ORDER BY department NULLS LAST, rating
        """, period=period))
    return rows


def leave_balances(year: int, department: str | None = None) -> pd.DataFrame:
    where, params = _department(department)
    (rows,) = fetch(query(f"""
        SELECT employee_code, employee_name, department, leave_type_name, entitled_days::DOUBLE AS entitled_days,
               used_days::DOUBLE AS used_days, remaining_days::DOUBLE AS remaining_days
        FROM mart_leave_balances WHERE year = $year AND {where}
        ORDER BY employee_code, leave_type_id
        """, year=year, **params))
    return rows


@dataclass(frozen=True)
class SalesKpi:
    revenue: Decimal
    gross_margin: Decimal


def salesperson_kpi(salesperson_id: int, start: date, end: date) -> SalesKpi:
    """Revenue and gross margin a salesperson shipped in ``start``–``end`` (the KPI proposal of a
    sales review), from fct_shipment_lines."""
    (rows,) = fetch(query("""
        SELECT coalesce(sum(revenue), 0), coalesce(sum(gross_margin), 0) FROM fct_shipment_lines
        WHERE salesperson_id = $salesperson_id AND ship_date BETWEEN $start AND $end
        """, as_rows=True, salesperson_id=salesperson_id, start=start, end=end))
    revenue, margin = rows[0] if rows else (0, 0)
    return SalesKpi(Decimal(revenue), Decimal(margin))
