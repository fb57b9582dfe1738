"""What each report shows, read from the published marts through the dashboards' read functions
(no SQL here): the daily flash, the weekly management report and the month-end pack.

Periods (``period_for``): the daily flash covers its day; the weekly report the seven days ending
on its date (the Monday schedule renders it for the Sunday before), compared with the seven days
before and the same seven weekdays a year earlier (364 days back); the month-end pack the month of
its date, up to that date. Figures the marts do not publish are named in a note, never invented.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboards import serving, serving_crm, serving_finance, serving_hr, serving_payables, serving_reports
from dashboards import serving_open_items as soi
from reports.document import Chart, Column, Figure, Note, Section, Table

TOP = 10  # rows of the "top" tables (customers, slow movers, suppliers due)


def period_for(kind: str, as_of: date) -> tuple[date, date]:
    if kind == "daily":
        return as_of, as_of
    if kind == "weekly":
        return as_of - timedelta(days=6), as_of
    return as_of.replace(day=1), as_of


def _records(df: pd.DataFrame, columns: list[str] | None = None) -> list[dict[str, Any]]:
    if df is None or df.empty:
        return []
    frame = df if columns is None else df[[c for c in columns if c in df.columns]]
    return [{k: (None if _missing(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _f(value: Any) -> float:
    return 0.0 if value is None or _missing(value) else float(value)


def _change(now: float, before: float | None) -> float | None:
    """now ÷ before − 1; None when there is nothing to compare with."""
    return None if not before else now / before - 1


# ---------------------------------------------------------------- shared sections

def _sales_totals(start: date, end: date) -> serving.MarginTotals:
    return serving.sales_margin(serving.AnalysisFilters(start, end), group="day").totals


def _sales_section(start: date, end: date, prefix: str) -> Section:
    totals = _sales_totals(start, end)
    ordered = serving.overview(serving.Filters(start, end)).kpis.sales_amount
    blocks: list[Any] = [
        Figure(f"{prefix}.ordered", "reports.fig.ordered", ordered),
        Figure(f"{prefix}.revenue", "reports.fig.revenue", totals.revenue),
        Figure(f"{prefix}.cogs", "reports.fig.cogs", totals.cogs),
        Figure(f"{prefix}.gross_margin", "reports.fig.gross_margin", totals.gross_margin),
        Figure(f"{prefix}.margin_pct", "reports.fig.margin_pct", totals.margin_pct, "percent"),
        Figure(f"{prefix}.returns", "reports.fig.returns", totals.returns_revenue),
    ]
    return Section(f"{prefix}.sales", "reports.section.sales", blocks)


def _cash_section(as_of: date, prefix: str) -> Section:
    frame = serving_finance.cash_position(as_of, as_of)
    rows = _records(frame, ["account_code", "account_name", "opening_balance", "amount_in", "amount_out",
                            "closing_balance"])
    total = sum(_f(r["closing_balance"]) for r in rows)
    columns = (Column("account_code", "reports.col.account_code"), Column("account_name", "reports.col.account"),
               Column("opening_balance", "reports.col.opening", "money"),
               Column("amount_in", "reports.col.amount_in", "money"),
               Column("amount_out", "reports.col.amount_out", "money"),
               Column("closing_balance", "reports.col.closing", "money"))
    return Section(f"{prefix}.cash", "reports.section.cash",
                   [Figure(f"{prefix}.cash_total", "reports.fig.cash_total", total),
                    Table(f"{prefix}.cash_accounts", "reports.table.cash_accounts", columns, rows)])


def _alerts_section(prefix: str) -> Section:
    alerts = serving.inventory().alerts
    rows = _records(alerts, ["sku", "product_name", "warehouse_name", "alert_type", "on_hand_quantity", "min_qty",
                             "max_qty", "suggested_quantity"])
    columns = (Column("sku", "reports.col.sku"), Column("product_name", "reports.col.product"),
               Column("warehouse_name", "reports.col.warehouse"), Column("alert_type", "reports.col.alert_type"),
               Column("on_hand_quantity", "reports.col.on_hand", "quantity"),
               Column("min_qty", "reports.col.min_qty", "quantity"),
               Column("max_qty", "reports.col.max_qty", "quantity"),
               Column("suggested_quantity", "reports.col.suggested", "quantity"))
    return Section(f"{prefix}.alerts", "reports.section.alerts",
                   [Figure(f"{prefix}.alert_count", "reports.fig.alert_count", len(rows), "int"),
                    Note("reports.note.alerts_now"),
                    Table(f"{prefix}.stock_alerts", "reports.table.stock_alerts", columns, rows[:50])])


def _aging_rows(aged: soi.Aging) -> tuple[list[dict[str, Any]], float]:
    rows = _records(aged.buckets, ["bucket_label", "outstanding_amount"])
    for row in rows:
        row["bucket_label"] = "reports.bucket.not_due" if row["bucket_label"] == "not_due" else row["bucket_label"]
    if aged.unapplied:
        rows.append({"bucket_label": "reports.bucket.unapplied", "outstanding_amount": aged.unapplied})
    rows.append({"bucket_label": "reports.bucket.net_total", "outstanding_amount": aged.net_total})
    overdue = float(aged.buckets.loc[aged.buckets["bucket_order"] >= 1, "outstanding_amount"].sum())
    return rows, round(overdue, 2)


_AGING_COLUMNS = (Column("bucket_label", "reports.col.bucket"), Column("outstanding_amount", "reports.col.amount",
                                                                      "money"))


def _aging_section(side: soi.AgingSide, as_of: date, prefix: str, *, overdue_customers: bool = False) -> Section:
    aged = soi.aging(side, as_of)
    rows, overdue = _aging_rows(aged)
    name = side.name
    blocks: list[Any] = [Figure(f"{prefix}.{name}_overdue", f"reports.fig.{name}_overdue", overdue),
                         Table(f"{prefix}.{name}_aging", f"reports.table.{name}_aging", _AGING_COLUMNS, rows)]
    if overdue_customers:
        by_partner = aged.by_partner
        if not by_partner.empty:
            late = by_partner[by_partner["bucket_order"] >= 1]
            top = (late.groupby("partner_name", as_index=False)
                   .agg(outstanding_amount=("outstanding_amount", "sum"), max_days_overdue=("max_days_overdue", "max"))
                   .sort_values(["outstanding_amount", "partner_name"], ascending=[False, True]).head(TOP))
            columns = (Column("partner_name", "reports.col.customer"),
                       Column("outstanding_amount", "reports.col.overdue_amount", "money"),
                       Column("max_days_overdue", "reports.col.max_days_overdue", "int"))
            blocks.append(Table(f"{prefix}.overdue_customers", "reports.table.overdue_customers", columns,
                                _records(top)))
    return Section(f"{prefix}.{name}", f"reports.section.{name}", blocks)


# ---------------------------------------------------------------- daily flash

def daily(as_of: date, start: date, end: date) -> list[Section]:
    sales = _sales_section(start, end, "daily")
    trend_start = end - timedelta(days=29)
    days = serving.sales_margin(serving.AnalysisFilters(trend_start, end), group="day").by_group
    if not days.empty:
        fig = go.Figure(go.Bar(x=list(days["group_label"]), y=list(days["revenue"]), name=""))
        sales.blocks.append(Chart("reports.chart.revenue_30d", fig))
    return [sales, _cash_section(end, "daily"), _alerts_section("daily"),
            _aging_section(soi.AR, end, "daily", overdue_customers=True)]


# ---------------------------------------------------------------- weekly management report

_COMPARE_COLUMNS = (Column("revenue", "reports.col.revenue", "money"),
                    Column("revenue_prev", "reports.col.revenue_last_week", "money"),
                    Column("change_prev", "reports.col.change_last_week", "rate"),
                    Column("revenue_ly", "reports.col.revenue_last_year", "money"),
                    Column("change_ly", "reports.col.change_last_year", "rate"),
                    Column("gross_margin", "reports.col.gross_margin", "money"),
                    Column("margin_pct", "reports.col.margin_pct", "percent"))


def _compared(group: str, start: date, end: date, shift_prev: int, limit: int | None) -> list[dict[str, Any]]:
    """Revenue by ``group`` in the period beside the period ``shift_prev`` days before and 364 days before."""
    def by(s: date, e: date) -> pd.DataFrame:
        return serving.sales_margin(serving.AnalysisFilters(s, e), group=group).by_group

    first = serving.filter_options().first_day
    now = by(start, end)
    prev_start, ly_start = start - timedelta(days=shift_prev), start - timedelta(days=364)
    # A window that starts before the published data is not compared (0 would read as "sold nothing").
    prev = by(prev_start, end - timedelta(days=shift_prev)) if first and prev_start >= first else None
    ly = by(ly_start, end - timedelta(days=364)) if first and ly_start >= first else None

    def lookup(df: pd.DataFrame | None) -> dict[Any, tuple[str, float]] | None:
        if df is None:
            return None
        if df.empty:
            return {}
        return {_key(k): (label, _f(v)) for k, label, v in zip(df["group_key"], df["group_label"], df["revenue"],
                                                              strict=True)}

    prev_by, ly_by = lookup(prev), lookup(ly)
    rows: list[dict[str, Any]] = []
    for row in _records(now):
        key = _key(row["group_key"])
        revenue = _f(row["revenue"])
        before = None if prev_by is None else prev_by.get(key, ("", 0.0))[1]
        last_year = None if ly_by is None else ly_by.get(key, ("", 0.0))[1]
        rows.append({"group_label": row["group_label"] or "reports.unassigned", "revenue": revenue,
                     "revenue_prev": before, "change_prev": _change(revenue, before), "revenue_ly": last_year,
                     "change_ly": _change(revenue, last_year), "gross_margin": _f(row["gross_margin"]),
                     "margin_pct": row["margin_pct"]})
    return rows if limit is None else rows[:limit]


def _key(value: Any) -> Any:
    return None if value is None or _missing(value) else int(value) if isinstance(value, float) else value


def _sales_compare_section(start: date, end: date, prefix: str, shift_prev: int) -> Section:
    first = serving.filter_options().first_day
    blocks: list[Any] = []
    if first is None or start - timedelta(days=364) < first:
        blocks.append(Note("reports.note.no_last_year", {"first": f"{first:%Y-%m-%d}" if first else "—"}))
    for group, label_key, limit in (("category", "reports.col.category", None),
                                    ("customer", "reports.col.customer", TOP),
                                    ("salesperson", "reports.col.salesperson", None)):
        rows = _compared(group, start, end, shift_prev, limit)
        columns = (Column("group_label", label_key), *_COMPARE_COLUMNS)
        blocks.append(Table(f"{prefix}.sales_by_{group}", f"reports.table.sales_by_{group}", columns, rows))
        if group == "category" and rows:
            fig = go.Figure([go.Bar(x=[r["group_label"] for r in rows], y=[r["revenue"] for r in rows],
                                    name="reports.series.this_period"),
                             go.Bar(x=[r["group_label"] for r in rows], y=[r["revenue_prev"] or 0 for r in rows],
                                    name="reports.series.previous_period")])
            blocks.append(Chart("reports.chart.category_compare", fig))
    return Section(f"{prefix}.sales_compare", "reports.section.sales_compare", blocks)


def _inventory_section(start: date, end: date, prefix: str, *, slow_movers: bool) -> Section:
    analysis = serving.stock_analysis(serving.AnalysisFilters(start, end), level="product")
    valuation = analysis.valuation
    closing = _f(valuation["closing_value"].iloc[-1]) if not valuation.empty else 0.0
    total = analysis.turnover_total
    turnover = total["turnover"].iloc[0] if not total.empty else None
    days = total["days_of_inventory"].iloc[0] if not total.empty else None
    blocks: list[Any] = [Figure(f"{prefix}.stock_value", "reports.fig.stock_value", closing),
                         Figure(f"{prefix}.period_cogs", "reports.fig.cogs",
                                _f(valuation["cogs"].sum()) if not valuation.empty else 0.0),
                         Figure(f"{prefix}.turnover", "reports.fig.turnover", turnover, "quantity"),
                         Figure(f"{prefix}.days_of_inventory", "reports.fig.days_of_inventory", days, "days")]
    if analysis.turnover_period:
        first, last = analysis.turnover_period
        blocks.append(Note("reports.note.turnover_period", {"start": f"{first:%Y-%m-%d}", "end": f"{last:%Y-%m-%d}"}))
    if not valuation.empty:
        fig = go.Figure(go.Scatter(x=[f"{d:%m-%d}" for d in valuation["date_day"]], y=list(valuation["closing_value"]),
                                   mode="lines"))
        blocks.append(Chart("reports.chart.stock_value", fig))
    ageing = _records(analysis.ageing)
    blocks.append(Table(f"{prefix}.stock_ageing", "reports.table.stock_ageing",
                        (Column("age_bucket", "reports.col.age_bucket"),
                         Column("quantity", "reports.col.quantity", "quantity"),
                         Column("value", "reports.col.value", "money")), ageing))
    if slow_movers:
        movers = analysis.turnover
        if not movers.empty:
            movers = movers[movers["average_inventory"].fillna(0) > 0].head(TOP)
        blocks.append(Table(f"{prefix}.slow_movers", "reports.table.slow_movers",
                            (Column("group_label", "reports.col.product"),
                             Column("average_inventory", "reports.col.average_inventory", "money"),
                             Column("cogs", "reports.col.cogs", "money"),
                             Column("turnover", "reports.col.turnover", "quantity"),
                             Column("days_of_inventory", "reports.col.days_of_inventory", "days")),
                            _records(movers)))
    return Section(f"{prefix}.inventory", "reports.section.inventory", blocks)


def _collections_section(start: date, end: date, prefix: str) -> Section:
    section = _aging_section(soi.AR, end, prefix, overdue_customers=True)
    got = serving_reports.receipts(start, end)
    section.blocks.insert(0, Figure(f"{prefix}.collections", "reports.fig.collections", got.amount))
    section.blocks.insert(1, Figure(f"{prefix}.receipt_count", "reports.fig.receipt_count", got.count, "int"))
    return section


def _ap_due_section(end: date, prefix: str) -> Section:
    start = end + timedelta(days=1)
    due = serving_reports.payables_due(start, 7)
    rows = _records(due)
    total = sum(_f(r["amount_due"]) for r in rows)
    columns = (Column("supplier_name", "reports.col.supplier"), Column("amount_due", "reports.col.amount_due", "money"),
               Column("instalment_count", "reports.col.instalments", "int"),
               Column("bill_count", "reports.col.bills", "int"))
    return Section(f"{prefix}.ap_due", "reports.section.ap_due",
                   [Figure(f"{prefix}.ap_due_total", "reports.fig.ap_due_total", total),
                    Note("reports.note.ap_due", {"start": f"{start:%Y-%m-%d}",
                                                 "end": f"{start + timedelta(days=6):%Y-%m-%d}"}),
                    Table(f"{prefix}.ap_due_suppliers", "reports.table.ap_due", columns, rows)])


def _supplier_section(end: date, prefix: str) -> Section:
    card = serving.supplier_scorecard()
    month = None
    if card.months:
        complete = serving.last_complete_month(end)
        month = next((m for m in card.months if m <= complete), None)
    rows: list[dict[str, Any]] = []
    if month is not None and not card.rows.empty:
        chosen = card.rows[(card.rows["year_month"] == month) & (card.rows["period"] == "rolling_12m")]
        rows = _records(chosen.sort_values(["grade", "supplier_code"]))
    columns = (Column("supplier_code", "reports.col.supplier_code"), Column("supplier_name", "reports.col.supplier"),
               Column("grade", "reports.col.grade"), Column("score", "reports.col.score", "quantity"),
               Column("on_time_rate", "reports.col.on_time_rate", "rate"),
               Column("in_full_rate", "reports.col.in_full_rate", "rate"),
               Column("reject_rate", "reports.col.reject_rate", "rate"))
    blocks: list[Any] = [Note("reports.note.scorecard", {"month": month or "—"}),
                         Table(f"{prefix}.supplier_grades", "reports.table.supplier_grades", columns, rows)]
    return Section(f"{prefix}.suppliers", "reports.section.suppliers", blocks)


def weekly(as_of: date, start: date, end: date) -> list[Section]:
    shift = (end - start).days + 1
    return [_sales_section(start, end, "weekly"), _sales_compare_section(start, end, "weekly", shift),
            _inventory_section(start, end, "weekly", slow_movers=True), _collections_section(start, end, "weekly"),
            _ap_due_section(end, "weekly"), _supplier_section(end, "weekly")]


# ---------------------------------------------------------------- month-end pack

def _pnl_section(end: date, prefix: str) -> Section:
    first = date(end.year - 1, end.month, 1) if end.month < 12 else date(end.year, 1, 1)
    frame = serving_finance.profit_monthly(first, end)
    rows = _records(frame, ["year_month", "revenue", "cogs", "gross_margin", "gross_margin_pct", "expenses",
                            "operating_profit", "operating_margin_pct"])
    columns = (Column("year_month", "reports.col.month"), Column("revenue", "reports.col.revenue", "money"),
               Column("cogs", "reports.col.cogs", "money"), Column("gross_margin", "reports.col.gross_margin", "money"),
               Column("gross_margin_pct", "reports.col.margin_pct", "percent"),
               Column("expenses", "reports.col.expenses", "money"),
               Column("operating_profit", "reports.col.operating_profit", "money"),
               Column("operating_margin_pct", "reports.col.operating_margin_pct", "percent"))
    blocks: list[Any] = [Table(f"{prefix}.pnl", "reports.table.pnl", columns, rows),
                         Note("reports.note.pnl_month_to_date")]
    if rows:
        fig = go.Figure([go.Bar(x=[r["year_month"] for r in rows], y=[_f(r["revenue"]) for r in rows],
                                name="reports.col.revenue"),
                         go.Scatter(x=[r["year_month"] for r in rows], y=[_f(r["operating_profit"]) for r in rows],
                                    name="reports.col.operating_profit", mode="lines+markers")])
        blocks.append(Chart("reports.chart.pnl", fig))
    return Section(f"{prefix}.pnl", "reports.section.pnl", blocks)


def _budget_section(start: date, end: date, prefix: str) -> Section:
    frame = serving_finance.budget_vs_actual(start.replace(day=1), end)
    rows = _records(frame, ["expense_category", "budget_amount", "actual_amount", "variance", "variance_pct"])
    columns = (Column("expense_category", "reports.col.expense_category"),
               Column("budget_amount", "reports.col.budget", "money"),
               Column("actual_amount", "reports.col.actual", "money"),
               Column("variance", "reports.col.variance", "money"),
               Column("variance_pct", "reports.col.variance_pct", "percent"))
    return Section(f"{prefix}.budget", "reports.section.budget",
                   [Table(f"{prefix}.budget_vs_actual", "reports.table.budget_vs_actual", columns, rows)])


def _segment(value: Any) -> str:
    return f"reports.segment.{value}"


def _rfm_section(end: date, prefix: str) -> Section:
    """Segments at the report month's end and the customers who moved between segments since the
    previous month end, both from the RFM history (mart_customer_rfm_monthly / _movements)."""
    month = f"{end:%Y-%m}"
    picture = serving_crm.rfm_month(month)
    segments = _records(picture.segments, ["segment", "customers", "monetary"])
    for row in segments:
        row["segment"] = _segment(row["segment"])
    moves = picture.movements
    moved = moves[moves["moved"].astype(bool)] if not moves.empty else moves
    stayed = int(moves.loc[~moves["moved"].astype(bool), "customers"].sum()) if not moves.empty else 0
    rows = _records(moved, ["from_segment", "to_segment", "customers"])
    for row in rows:
        row["from_segment"], row["to_segment"] = _segment(row["from_segment"]), _segment(row["to_segment"])
    day = picture.month_end
    previous = (end.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    blocks: list[Any] = [
        Note("reports.note.rfm_month_end", {"as_of": f"{day:%Y-%m-%d}" if day else "—"}),
        Table(f"{prefix}.rfm_segments", "reports.table.rfm_segments",
              (Column("segment", "reports.col.segment"), Column("customers", "reports.col.customers", "int"),
               Column("monetary", "reports.col.monetary", "money")), segments),
        Figure(f"{prefix}.rfm_moved", "reports.fig.rfm_moved", int(_f(moved["customers"].sum())) if len(moved) else 0,
               "int"),
        Figure(f"{prefix}.rfm_stayed", "reports.fig.rfm_stayed", stayed, "int"),
        Table(f"{prefix}.rfm_movements", "reports.table.rfm_movements",
              (Column("from_segment", "reports.col.from_segment"), Column("to_segment", "reports.col.to_segment"),
               Column("customers", "reports.col.customers", "int")), rows, empty="reports.empty.rfm_movements"),
        Note("reports.note.rfm_movements", {"month": month, "previous": previous}),
    ]
    return Section(f"{prefix}.rfm", "reports.section.rfm", blocks)


def _hr_section(end: date, prefix: str) -> Section:
    month = f"{end:%Y-%m}"
    frame = serving_hr.attendance_by_department(month, month)
    rows = _records(frame, ["department", "headcount", "scheduled_days", "present_days", "leave_days", "absent_days",
                            "attendance_rate", "late_count", "overtime_hours"])
    for row in rows:
        row["department"] = row["department"] or "reports.unassigned"
    columns = (Column("department", "reports.col.department"), Column("headcount", "reports.col.headcount", "int"),
               Column("scheduled_days", "reports.col.scheduled_days", "quantity"),
               Column("present_days", "reports.col.present_days", "quantity"),
               Column("leave_days", "reports.col.leave_days", "quantity"),
               Column("absent_days", "reports.col.absent_days", "quantity"),
               Column("attendance_rate", "reports.col.attendance_rate", "rate"),
               Column("late_count", "reports.col.late_count", "int"),
               Column("overtime_hours", "reports.col.overtime_hours", "quantity"))
    headcount = sum(int(_f(r["headcount"])) for r in rows)
    return Section(f"{prefix}.hr", "reports.section.hr",
                   [Figure(f"{prefix}.headcount", "reports.fig.headcount", headcount, "int"),
                    Table(f"{prefix}.attendance", "reports.table.attendance", columns, rows)])


def monthly(as_of: date, start: date, end: date) -> list[Section]:
    ap = _aging_section(soi.AP, end, "monthly")
    dpo = serving_payables.dpo_monthly()
    if not dpo.empty:
        ap.blocks.append(Note("reports.note.dpo", {"month": dpo["year_month"].iloc[-1],
                                                   "days": f"{_f(dpo['dpo_days'].iloc[-1]):,.1f}"}))
    return [_sales_section(start, end, "monthly"), _pnl_section(end, "monthly"),
            _inventory_section(start, end, "monthly", slow_movers=False),
            _aging_section(soi.AR, end, "monthly"), ap, _budget_section(start, end, "monthly"),
            _rfm_section(end, "monthly"), _hr_section(end, "monthly")]


BUILDERS = {"daily": daily, "weekly": weekly, "monthly": monthly}

