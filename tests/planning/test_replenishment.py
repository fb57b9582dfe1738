"""The loop end to end on real parts: store → raw extract → plan (with hand-made forecast marts) →
draft purchase order and transfer through the services → the next plan no longer suggests them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest
from plan_support import MARTS, TODAY, WEEKS, build_plan_company, replan, suggestions, write_forecast
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import PlanDocumentLink, PurchaseOrder, StockTransfer
from operational.services import masterdata as md
from operational.services import purchasing, replenishment, sales, transfers
from operational.services.errors import StateError, ValidationError
from operational.services.orders import OrderLineInput
from operational.services.validation import simulated_today


def _picks(rows: list[dict]) -> list[replenishment.SuggestionPick]:
    return [replenishment.SuggestionPick(kind=r["kind"], product_id=r["product_id"], warehouse_id=r["warehouse_id"],
                                         quantity=r["suggested_qty"], suggestion_key=r["suggestion_key"],
                                         plan_as_of=r["as_of_week"], supplier_id=r["supplier_id"],
                                         from_warehouse_id=r["from_warehouse_id"]) for r in rows]


def test_suggestions_become_drafts_and_the_next_plan_accounts_for_them(store_engine, data_dir):
    c = build_plan_company(store_engine)
    warehouse = data_dir / "warehouse.duckdb"
    write_forecast(warehouse, c)
    counts = replan(c, warehouse)
    assert counts["mart_supply_plan"] == 3 * 12

    rows = suggestions(warehouse)
    assert [(r["kind"], r["sku"], r["warehouse_name"], r["from_warehouse_name"], r["supplier_name"],
             r["suggested_qty"]) for r in rows] == [
        # Water WH1: lead 14 d, σw 10, 95 % → safety 24, reorder point 124, order-up-to 324;
        # 120 on hand → need 204 → 9 × 25 = 225.
        ("purchase", "P001", "上海主仓", None, "杭州清泉饮品有限公司", Decimal(225)),
        # Chips WH1: no price list → 7 days, no error → reorder point 20, order-up-to 100, need 100;
        # WH2 keeps 10 + 40 = 50 of its 600: 550 can go.
        ("transfer", "P002", "上海主仓", "广州仓", None, Decimal(100)),
    ]
    assert rows[0]["reason"] == "第3周缺货；提前期14天；安全库存24"
    assert rows[0]["lead_time_source"] == "price_list" and rows[0]["abc_class"] == "C"
    assert rows[1]["reason"] == "第1周缺货；调出仓富余550；安全库存0"

    with simulated_today(TODAY), unit_of_work(store_engine) as s:
        docs = replenishment.create_drafts(s, _picks(rows), user_id=None)
        order, transfer = docs
        assert isinstance(order, PurchaseOrder) and order.status == "draft"
        assert [(ln.product_id, ln.quantity, ln.unit_price) for ln in order.lines] == [(c.water, 225, Decimal("1.50"))]
        assert order.expected_date == date(2026, 12, 21)  # today + 14 days
        assert isinstance(transfer, StockTransfer) and transfer.status == "draft"
        assert (transfer.from_warehouse_id, transfer.to_warehouse_id) == (c.wh2, c.wh1)
        links = s.execute(select(PlanDocumentLink).order_by(PlanDocumentLink.id)).scalars().all()
        assert [(ln.kind, ln.purchase_order_id, ln.stock_transfer_id) for ln in links] == [
            ("purchase", order.id, None), ("transfer", None, transfer.id)]
        order_id, transfer_id = order.id, transfer.id

    # Turning the same lines into documents again is refused as a whole.
    with simulated_today(TODAY), unit_of_work(store_engine) as s, pytest.raises(StateError) as err:
        replenishment.create_drafts(s, _picks(rows))
    assert err.value.message() == "P001第1行：该建议已生成单据且单据尚未完成，不能重复生成"

    replan(c, warehouse)
    assert suggestions(warehouse) == []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        water = con.execute(f"SELECT horizon_week, receipt_qty, projected_qty FROM {MARTS}.mart_supply_plan "
                            "WHERE sku = 'P001' ORDER BY horizon_week LIMIT 3").fetchall()
    # The draft order's 225 arrive in week 3 (expected 21 Dec): 120 − 50 − 50 + 225 − 50 = 195.
    assert water == [(1, 0.0, 70.0), (2, 0.0, 20.0), (3, 225.0, 195.0)]

    # Once the order is cancelled, the need comes back.
    with simulated_today(TODAY), unit_of_work(store_engine) as s:
        purchasing.cancel_purchase_order(s, order_id)
        transfers.ship_draft_transfer(s, transfer_id, TODAY)
    replan(c, warehouse)
    assert [(r["kind"], r["sku"], r["suggested_qty"]) for r in suggestions(warehouse)] == [
        ("purchase", "P001", Decimal(225))]


def test_a_planner_adjustment_changes_the_next_plan(store_engine, data_dir):
    c = build_plan_company(store_engine)
    warehouse = data_dir / "warehouse.duckdb"
    write_forecast(warehouse, c)
    with simulated_today(TODAY), unit_of_work(store_engine) as s:
        replenishment.record_adjustment(s, c.water, c.wh1, WEEKS[1], "delta", "30", "促销", user_id=None)
        replenishment.record_adjustment(s, c.water, c.wh1, WEEKS[2], "override", "0", "门店装修", user_id=None)
        # The newest adjustment of a week is the one in force.
        replenishment.record_adjustment(s, c.water, c.wh1, WEEKS[1], "delta", "40", "促销加码", user_id=None)
    replan(c, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        demand = con.execute(f"SELECT demand_qty, forecast_qty FROM {MARTS}.mart_supply_plan WHERE sku = 'P001' "
                             "ORDER BY horizon_week LIMIT 4").fetchall()
    assert demand == [(50.0, 50.0), (90.0, 50.0), (0.0, 50.0), (50.0, 50.0)]


@pytest.mark.parametrize(("week", "mode", "qty", "reason", "message"), [
    (date(2026, 12, 8), "delta", "5", "x", "P001：2026-12-08不是周一：请选择一周的第一天"),
    (date(2026, 11, 30), "delta", "5", "x", "P001：周2026-11-30不在本周到之后26周之内"),
    (WEEKS[1], "override", "-5", "x", "P001：调整数量不能为负数"),
    (WEEKS[1], "delta", "5", "  ", "P001：调整原因不能为空"),
    (WEEKS[1], "delta", "5", "长" * 201, "P001：调整原因最多200个字符，输入了201个"),
])
def test_bad_adjustments_are_refused_naming_the_product_and_field(store_engine, week, mode, qty, reason, message):
    c = build_plan_company(store_engine)
    with simulated_today(TODAY), unit_of_work(store_engine) as s, pytest.raises(ValidationError) as err:
        replenishment.record_adjustment(s, c.water, c.wh1, week, mode, qty, reason)
    assert err.value.message() == message


def test_service_level_bounds(store_engine):
    with unit_of_work(store_engine) as s:
        replenishment.set_service_level(s, "A", "0.99")
        assert replenishment.service_levels(s)["A"] == Decimal("0.99")
        with pytest.raises(ValidationError):
            replenishment.set_service_level(s, "A", "1")
        with pytest.raises(ValidationError):
            replenishment.set_service_level(s, "D", "0.9")


def test_lead_time_actuals_from_the_scorecard_win_over_the_price_list(store_engine, data_dir):
    c = build_plan_company(store_engine)
    warehouse = data_dir / "warehouse.duckdb"
    write_forecast(warehouse, c)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"CREATE TABLE {MARTS}.mart_supplier_scorecard (supplier_id INTEGER, year_month VARCHAR, "
                    "period VARCHAR, lead_time_mean DOUBLE, lead_time_stddev DOUBLE)")
        con.execute(f"INSERT INTO {MARTS}.mart_supplier_scorecard VALUES (?, '2026-10', 'rolling_12m', 12, 1), "
                    "(?, '2026-11', 'rolling_12m', 9, 3.5), (?, '2026-11', 'month', 30, 0)",
                    [c.supplier, c.supplier, c.supplier])
    replan(c, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(f"SELECT lead_time_days, safety_stock, reorder_point, order_up_to, inventory_position "
                          f"FROM {MARTS}.mart_supply_plan WHERE sku = 'P001' AND horizon_week = 1").fetchone()
    # Latest rolling 12 months: 9 days (1.286 weeks), spread 3.5 days (0.5 week), 50/week, σw 10, 95 %:
    # lead demand 50 + 50 × 2/7 = 64.29; safety 1.6449 × √(1.286 × 100 + 50² × 0.5²) = 45.2 → 46;
    # reorder point ⌈110.29⌉ = 111; order-up-to 111 + 4 × 50 = 311.
    assert row == (9.0, 46.0, 111.0, 311.0, 120.0)
    # 120 on hand is above 111: no purchase yet (with the price list's 14 days it was 124 → ordered).
    assert [r["kind"] for r in suggestions(warehouse)] == ["transfer"]


def test_abc_xyz_from_shipments_net_of_returns(store_engine, data_dir):
    c = build_plan_company(store_engine)
    with simulated_today(TODAY), unit_of_work(store_engine) as s:
        customer = md.create_customer(s, "C001", "苏州便利连锁").id
        for day in ("2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"):
            order = sales.create_sales_order(s, customer, c.wh1, day, [OrderLineInput(c.water, "30", "2.50")])
            sales.confirm_sales_order(s, order.id)
            sales.ship_all(s, order.id, day)
        order = sales.create_sales_order(s, customer, c.wh2, "2026-11-02", [OrderLineInput(c.chips, "10", "6.00")])
        sales.confirm_sales_order(s, order.id)
        sales.ship_all(s, order.id, "2026-11-02")
    warehouse = data_dir / "warehouse.duckdb"
    write_forecast(warehouse, c)
    replan(c, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(f"SELECT sku, consumption_qty, consumption_value, weeks_with_demand, demand_cv, abc_class, "
                           f"xyz_class FROM {MARTS}.mart_abc_xyz ORDER BY sku").fetchall()
    # As of week 2026-11-30; both products' first movement is the opening on 11-01 (week of 10-26):
    # six weeks 10-26 … 11-30. Water 0, 30, 30, 30, 30, 0: mean 20, sd √200 = 14.1 → cv 0.71 (Y);
    # value 120 × 1.20 = 144 of 174 (83 %, A). Chips 10 in one week of six: cv √5 = 2.24 (Z); 30 → B.
    assert rows == [("P001", 120.0, pytest.approx(144.0), 4, pytest.approx(2 ** 0.5 * 10 / 20), "A", "Y"),
                    ("P002", 10.0, pytest.approx(30.0), 1, pytest.approx(5 ** 0.5), "B", "Z")]
