"""The faster dashboard calls (issue 12) give the same figures as before on the test company: the
value trend from the category × day pre-aggregate equals summing the product × day mart at request
time, and the returns' sums in SQL equal summing every return line (what the page did before)."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from dashboards import serving


def _old_valuation(path, filters: serving.AnalysisFilters) -> pd.DataFrame:  # noqa: ANN001
    """The value trend as it was computed before the pre-aggregate existed."""
    where, params = filters.clause("date_day", warehouse=False)
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"""
            SELECT date_day, sum(closing_quantity)::DOUBLE AS closing_quantity,
                   sum(closing_value)::DOUBLE AS closing_value, sum(received_value)::DOUBLE AS received_value,
                   sum(cogs)::DOUBLE AS cogs, sum(adjustment_value)::DOUBLE AS adjustment_value
            FROM mart_inventory_valuation WHERE {where} GROUP BY 1 ORDER BY 1""", params).fetchdf()


def test_value_trend_from_the_pre_aggregate_equals_the_product_mart(published):
    for category in (None, 999_999):  # all, then a category without products
        filters = serving.AnalysisFilters(date(2026, 3, 1), date(2026, 3, 6), category_id=category)
        serving._run.clear()
        new = serving.stock_analysis(filters).valuation
        pd.testing.assert_frame_equal(new, _old_valuation(published, filters), check_exact=True)
    serving._run.clear()
    trend = serving.stock_analysis(serving.AnalysisFilters(date(2026, 3, 1), date(2026, 3, 6))).valuation
    # chips 5 × 3.00 from 03-01; water 100 × 1.50 from 03-03, 70 left on 03-06
    assert trend.set_index(trend["date_day"].dt.date)["closing_value"].to_dict() == {
        date(2026, 3, 1): 15.0, date(2026, 3, 2): 15.0, date(2026, 3, 3): 165.0, date(2026, 3, 4): 165.0,
        date(2026, 3, 5): 165.0, date(2026, 3, 6): 120.0}


def test_return_sums_in_sql_equal_the_sums_of_every_line(published):
    filters = serving.AnalysisFilters(date(2026, 3, 1), date(2026, 3, 6))
    serving._run.clear()
    data = serving.sales_margin(filters, "customer")
    lines = data.return_lines
    assert data.return_count == len(lines) == 2 and data.returned_qty == lines["quantity"].sum() == 5
    for column, summed in (("return_reason", data.returns_by_reason), ("disposition", data.returns_by_disposition)):
        before = lines.groupby(column, as_index=False)[["quantity", "revenue_reversed", "cost_returned"]].sum()
        assert summed.sort_values(column).reset_index(drop=True).equals(
            before.sort_values(column).reset_index(drop=True)), column
    # a reason narrows the list to its lines, fetched on their own
    assert serving.return_lines(filters, "临期")["doc_no"].tolist() == ["SR-T-002"]
    assert serving.return_lines(filters, limit=1)["doc_no"].tolist() == ["SR-T-001"]  # same day: by number
