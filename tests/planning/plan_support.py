"""Test helper: a small company in a real store, its raw extract in a real warehouse.duckdb, and
hand-made forecast marts in the shape the forecast asset publishes (the contract in docs/planning.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
from sqlalchemy import Engine

from ingestion.extract import extract_to_raw
from operational.db import unit_of_work
from operational.services import masterdata as md
from operational.services import purchasing, replenishment
from operational.services.inventory import post_opening_balance
from planning.warehouse import run_plan

TODAY = date(2026, 12, 7)  # a Monday: horizon week 1 starts today
WEEKS = [TODAY + timedelta(weeks=w) for w in range(12)]
MARTS = "marts"


@dataclass
class PlanCompany:
    engine: Engine
    wh1: int
    wh2: int
    supplier: int
    water: int
    chips: int


def build_plan_company(engine: Engine) -> PlanCompany:
    """Water: 120 in WH1, bought from S001 (1.50, min 50, multiple 25, 14 days, preferred).
    Chips: none in WH1, 600 in WH2, no price list. Service level of class C set to 95 %."""
    with unit_of_work(engine) as s:
        wh1 = md.create_warehouse(s, "WH1", "上海主仓")
        wh2 = md.create_warehouse(s, "WH2", "广州仓")
        sup = md.create_supplier(s, "S001", "杭州清泉饮品有限公司", lead_time_days=5)
        water = md.create_product(s, "P001", "矿泉水550ml", unit="瓶", standard_cost="1.20")
        chips = md.create_product(s, "P002", "薯片70g", unit="袋", standard_cost="3.00")
        purchasing.set_supplier_price(s, sup.id, water.id, "1.50", date(2026, 1, 1), min_order_qty=50,
                                      order_multiple=25, lead_time_days=14, is_preferred=True)
        post_opening_balance(s, water.id, wh1.id, Decimal(120), Decimal("1.20"), date(2026, 11, 1))
        post_opening_balance(s, chips.id, wh2.id, Decimal(600), Decimal("3.00"), date(2026, 11, 1))
        replenishment.set_service_level(s, "C", "0.95")
        return PlanCompany(engine, wh1.id, wh2.id, sup.id, water.id, chips.id)


def write_forecast(warehouse: Path, c: PlanCompany, start: date = TODAY) -> None:
    """Water WH1 50/week (error sd 10); chips WH1 20/week and WH2 10/week (no error); horizon week 1
    starts on ``start`` (a Monday)."""
    weeks = [start + timedelta(weeks=w) for w in range(12)]
    series = {(c.water, c.wh1): (50.0, 10.0), (c.chips, c.wh1): (20.0, 0.0), (c.chips, c.wh2): (10.0, 0.0)}
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {MARTS}")
        con.execute(f"""CREATE OR REPLACE TABLE {MARTS}.mart_sales_forecast (as_of_week DATE, product_id INTEGER,
            warehouse_id INTEGER, week_start DATE, horizon_week INTEGER, forecast_qty DOUBLE, lo80 DOUBLE,
            hi80 DOUBLE, lo95 DOUBLE, hi95 DOUBLE, model VARCHAR, is_fallback BOOLEAN)""")
        con.execute(f"""CREATE OR REPLACE TABLE {MARTS}.mart_forecast_accuracy (as_of_week DATE, product_id INTEGER,
            warehouse_id INTEGER, model VARCHAR, mase DOUBLE, wape DOUBLE, bias DOUBLE, baseline_mase DOUBLE,
            baseline_wape DOUBLE, baseline_bias DOUBLE, beats_baseline BOOLEAN, error_sd_weekly DOUBLE,
            n_weeks_history INTEGER, is_fallback BOOLEAN)""")
        for (product, warehouse_id), (qty, sd) in series.items():
            con.executemany(f"INSERT INTO {MARTS}.mart_sales_forecast VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ETS', false)",
                            [(start - timedelta(weeks=1), product, warehouse_id, week, h + 1, qty, qty * 0.8, qty * 1.2, qty * 0.7,
                              qty * 1.3) for h, week in enumerate(weeks)])
            con.execute(f"INSERT INTO {MARTS}.mart_forecast_accuracy VALUES (?, ?, ?, 'ETS', 0.8, 0.2, 0.0, 1.0, 0.25, "
                        f"0.0, true, ?, 52, false)", [start - timedelta(weeks=1), product, warehouse_id, sd])


def replan(c: PlanCompany, warehouse: Path, today: date = TODAY) -> dict[str, int]:
    """Extract the store into raw (as the pipeline's first step does) and run the plan."""
    extract_to_raw(c.engine.url.render_as_string(hide_password=False), warehouse)
    with duckdb.connect(str(warehouse)) as con:
        return run_plan(con, MARTS, today=today)


def suggestions(warehouse: Path) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cur = con.execute(f"SELECT * FROM {MARTS}.mart_replenishment_suggestions ORDER BY kind, product_id")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
