"""The expenses and cash marts on the hand-made company of expenses_company.py, built once by a
real dbt run: cash position per day, the 13-week forecast, expenses by category, budget vs actual
and the monthly profit summary — with the numbers of the company's docstring."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from sqlalchemy import text

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.services import budgets, cash
from orchestration.checks.cash_reconciliation import build_cash_reconciliation_check
from orchestration.resources import StoreResource, WarehouseResource
from tests.transforms.conftest import Warehouse, dbt
from tests.transforms.expenses_company import build_expense_company

D = Decimal
SELECT = ("+path:models/marts/cash", "+path:models/marts/expenses", "path:models/staging/expenses",
          "path:models/staging/cash")


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    work = tmp_path_factory.mktemp("expense_marts")
    engine = make_engine(f"sqlite:///{work / 'jxc.sqlite'}")
    upgrade(engine)
    company = build_expense_company(engine)
    warehouse = work / "warehouse.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, work, "build", "--select", *SELECT, "--indirect-selection", "cautious")
    built = Warehouse(warehouse)
    built.ids = company.ids  # type: ignore[attr-defined]
    built.engine = engine  # type: ignore[attr-defined]
    yield built
    engine.dispose()


def test_cash_position_runs_every_day_and_ends_at_the_balance(wh):
    rows = wh.rows("select account_code, count(*), min(date_day), max(date_day), sum(amount_in), sum(amount_out)"
                   " from marts.mart_cash_position_daily group by 1 order by 1")
    assert rows == [
        ("B01", 38, date(2026, 2, 1), date(2026, 3, 10), D("50250.00"), D("8500.00")),
        ("C01", 38, date(2026, 2, 1), date(2026, 3, 10), D("1500.00"), D("420.50")),
    ]
    day = wh.rows("select account_code, opening_balance, amount_in, amount_out, closing_balance, entries"
                  " from marts.mart_cash_position_daily where date_day = '2026-02-15' order by 1")
    assert day == [("B01", D("50000.00"), D("0.00"), D("500.00"), D("49500.00"), 1),
                   ("C01", D("1000.00"), D("500.00"), D("0.00"), D("1500.00"), 1)]
    last = dict(wh.rows("select account_id, closing_balance from marts.mart_cash_position_daily"
                        " where date_day = '2026-03-10'"))
    with unit_of_work(wh.engine) as s:  # type: ignore[attr-defined]
        assert last == cash.ledger_totals(s) == {wh.ids["b01"]: D("41750.00"), wh.ids["c01"]: D("1079.50")}


def test_forecast_places_each_source_in_its_week(wh):
    rows = wh.rows("select week_no, source, amount, items from marts.mart_cash_forecast_13w where items > 0"
                   " order by week_no, source")
    assert rows == [
        # From the last posted day, 03-10 (SO3's order date, 03-20, is not a posting): week 1 is 03-11..03-17.
        (1, "approved_claims", D("-1200.00"), 1),  # EC4, approved not paid: week 1
        (1, "ar_instalments", D("250.00"), 1),  # SO1's invoice due 03-14 (week 1)
        (2, "ap_instalments", D("-30.00"), 1),  # bill of 03-03 due 03-18 (week 2: 03-18..03-24)
        (4, "ar_instalments", D("108.00"), 1),  # SO2's invoice due 04-04 (week 4: 04-01..04-07)
        (5, "open_purchase_orders", D("-60.00"), 1),  # PO1 03-30 + 15 days = 04-14 (week 5: 04-08..04-14)
        (7, "open_sales_orders", D("80.00"), 1),  # SO3 03-25 + 30 days = 04-24 (week 7: 04-22..04-28)
    ]
    weeks = wh.rows("select distinct week_no, week_start, week_end, starting_cash, week_opening_balance,"
                    " week_net_flow, week_closing_balance from marts.mart_cash_forecast_13w order by week_no")
    assert len(weeks) == 13 and len(wh.rows("select * from marts.mart_cash_forecast_13w")) == 13 * 5
    assert weeks[0] == (1, date(2026, 3, 11), date(2026, 3, 17), D("42829.50"), D("42829.50"), D("-950.00"),
                        D("41879.50"))
    assert [w[6] for w in weeks[1:6]] == [D("41849.50"), D("41849.50"), D("41957.50"), D("41897.50"),
                                          D("41897.50")]
    assert weeks[12][1:3] == (date(2026, 6, 3), date(2026, 6, 9)) and weeks[12][6] == D("41977.50")


def test_expenses_by_category_count_approved_and_reimbursed_lines_only(wh):
    rows = wh.rows("select year_month, category_code, department, amount, claims from marts.mart_expenses_by_category"
                   " order by 1, 2")
    assert rows == [("2026-02", "RENT", "财务部", D("8000.00"), 1),
                    ("2026-02", "TRAVEL", "仓储部", D("420.50"), 1),
                    ("2026-03", "TRAVEL", "仓储部", D("1200.00"), 1)]  # EC3 rejected, EC5 pending: not spending
    assert wh.rows("select count(*), count(*) filter (where is_actual) from marts.fct_expense_claim_lines") == [(5, 3)]


def test_budget_vs_actual_matches_the_service(wh):
    rows = wh.rows("select year_month, category_code, department, scope, budget_amount, actual_amount, variance,"
                   " variance_pct from marts.mart_budget_vs_actual order by 1, 2, department nulls first")
    assert rows == [
        ("2026-02", "RENT", None, "company", D("8000.00"), D("8000.00"), D("0.00"), D("0.00")),
        ("2026-02", "RENT", "财务部", "department", None, D("8000.00"), D("8000.00"), None),
        ("2026-02", "TRAVEL", None, "company", D("1000.00"), D("420.50"), D("-579.50"), D("-57.95")),
        ("2026-02", "TRAVEL", "仓储部", "department", None, D("420.50"), D("420.50"), None),
        ("2026-03", "TRAVEL", None, "company", D("1000.00"), D("1200.00"), D("200.00"), D("20.00")),
        ("2026-03", "TRAVEL", "仓储部", "department", D("500.00"), D("1200.00"), D("700.00"), D("140.00")),
    ]
    with unit_of_work(wh.engine) as s:  # type: ignore[attr-defined]
        store = {(line.month.strftime("%Y-%m"), line.category_id, line.department):
                 (line.budget, line.actual, line.variance, line.variance_pct)
                 for line in budgets.budget_vs_actual(s, date(2026, 2, 1), date(2026, 3, 31))}
    mart = {(r[0], r[1], r[2]): tuple(r[3:]) for r in wh.rows(
        "select year_month, category_id, department, budget_amount, actual_amount, variance, variance_pct"
        " from marts.mart_budget_vs_actual")}
    assert mart == store


def test_profit_summary_nets_returns_and_subtracts_expenses(wh):
    rows = wh.rows("select year_month, gross_revenue, returns_revenue, revenue, cogs, gross_margin, gross_margin_pct,"
                   " expenses, operating_profit, operating_margin_pct from marts.mart_profit_monthly order by 1")
    assert rows == [
        ("2026-02", D("250.00"), D("0.00"), D("250.00"), D("100.00"), D("150.00"), D("60.00"), D("8420.50"),
         D("-8270.50"), D("-3308.20")),
        ("2026-03", D("108.00"), D("25.00"), D("83.00"), D("30.00"), D("53.00"), D("63.86"), D("1200.00"),
         D("-1147.00"), D("-1381.93")),
    ]


# ---------------------------------------------------------------- the blocking cash check

def _run_check(store_url: str, warehouse_path: Path) -> dg.AssetCheckResult:
    check = build_cash_reconciliation_check(dg.AssetKey(["marts", "mart_cash_position_daily"]),
                                            "marts.mart_cash_position_daily")
    return check(store=StoreResource(database_url=store_url), warehouse=WarehouseResource(
        warehouse_path=str(warehouse_path)))


def test_cash_check_passes_and_ignores_money_posted_after_the_extract(wh):
    url = wh.engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    result = _run_check(url, wh.path)
    assert result.passed, result.description
    assert result.description == "2 account closing balances equal the store's"
    with unit_of_work(wh.engine) as s:  # type: ignore[attr-defined]
        cash.post(s, wh.ids["c01"], date(2026, 3, 21), D("-79.50"), "other_expense")  # after the extract
    assert _run_check(url, wh.path).passed


def test_cash_check_fails_on_a_warehouse_difference_and_on_store_drift(wh, tmp_path):
    url = wh.engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(wh.path, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("update marts.mart_cash_position_daily set closing_balance = closing_balance + 0.01"
                    f" where account_id = {wh.ids['b01']} and date_day = '2026-03-10'")
    result = _run_check(url, copy)
    assert not result.passed
    assert result.metadata["mismatches"].value == [
        {"account_id": wh.ids["b01"], "store": "41750.00", "warehouse": "41750.01", "difference": "0.01"}]
    with wh.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text("update cash_account set balance = balance + 1 where code = 'B01'"))  # scaled: +0.01
    try:
        result = _run_check(url, wh.path)
        assert not result.passed
        assert result.description == "the store's cash_account.balance differs from its own ledger for 1 accounts"
    finally:
        with wh.engine.begin() as conn:  # type: ignore[attr-defined]
            conn.execute(text("update cash_account set balance = balance - 1 where code = 'B01'"))
