"""The loop end to end, from a real forecast (issue 13): a small store with 45 weeks of sales posted
through the services → the raw extract → dbt (the demand history and the scorecard) → the Dagster
assets ``sales_forecast`` and ``supply_plan`` with their blocking checks → the publish → on the
planning page (AppTest) a buyer turns the purchase suggestions into one draft purchase order, found
in the store with its plan links → the next plan run no longer suggests them.

tests/planning/test_planning_page.py covers the page's other actions on a hand-made forecast; this
test is the one where every number comes from the pipeline itself.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from dashboards.session import USER_KEY, CurrentUser
from ingestion.extract import extract_to_raw
from operational.db import unit_of_work
from operational.models import PlanDocumentLink, PurchaseOrder
from operational.services import auth, purchasing, sales
from operational.services import masterdata as md
from operational.services.inventory import post_opening_balance
from operational.services.orders import OrderLineInput
from orchestration.assets.forecast import sales_forecast
from orchestration.assets.planning import plan_check_specs, supply_plan
from orchestration.checks.forecast import forecast_checks
from orchestration.checks.frame_checks import build_frame_check
from orchestration.resources import WarehouseResource
from orchestration.serving_file import PublishInfo, build_serving_file
from tests.transforms.conftest import dbt

pytestmark = pytest.mark.slow
APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
MARTS = "marts"
WEEKS = 45  # more than the 37 weeks the backtest needs
TEA_WEEKS = 3  # a new product: too little history, the labelled fallback


def _water_week(k: int) -> int:
    """Units of water shipped k weeks before the last complete week: 40, 45, 50, 55, 40, …"""
    return 40 + 5 * (k % 4)


def _build_store(engine: Engine, last_sunday: date) -> dict[str, int]:
    """One warehouse, one supplier with order terms for both products, one customer; water sold every
    Sunday for 45 weeks down to 60 units, tea (same category) only in the last 3 weeks."""
    first = last_sunday - timedelta(weeks=WEEKS - 1)
    with unit_of_work(engine) as s:
        wh = md.create_warehouse(s, "WH1", "上海主仓")
        supplier = md.create_supplier(s, "S001", "杭州清泉饮品有限公司", lead_time_days=5)
        customer = md.create_customer(s, "C001", "华东便利店", credit_limit="10000000")
        drinks = md.create_category(s, "C1", "饮料")
        water = md.create_product(s, "P001", "矿泉水550ml", unit="瓶", category_id=drinks.id, list_price="2.00",
                                  standard_cost="1.20")
        tea = md.create_product(s, "P002", "绿茶500ml", unit="瓶", category_id=drinks.id, list_price="3.50",
                                standard_cost="2.00")
        purchasing.set_supplier_price(s, supplier.id, water.id, "1.50", first - timedelta(days=30), min_order_qty=50,
                                      order_multiple=25, lead_time_days=14, is_preferred=True)
        purchasing.set_supplier_price(s, supplier.id, tea.id, "2.40", first - timedelta(days=30), min_order_qty=10,
                                      order_multiple=10, lead_time_days=7, is_preferred=True)
        sold = sum(_water_week(k) for k in range(WEEKS))
        post_opening_balance(s, water.id, wh.id, Decimal(sold + 60), Decimal("1.20"), first - timedelta(days=1))
        post_opening_balance(s, tea.id, wh.id, Decimal(40), Decimal("2.00"), first - timedelta(days=1))
        ids = {"wh": wh.id, "supplier": supplier.id, "customer": customer.id, "water": water.id, "tea": tea.id}
    for k in range(WEEKS - 1, -1, -1):
        day = last_sunday - timedelta(weeks=k)
        lines = [OrderLineInput(ids["water"], str(_water_week(k)), "2.00")]
        if k < TEA_WEEKS:
            lines.append(OrderLineInput(ids["tea"], str(8 + 2 * k), "3.50"))  # 12, 10, 8 units
        with unit_of_work(engine) as s:
            order = sales.create_sales_order(s, ids["customer"], ids["wh"], day, lines)
            sales.confirm_sales_order(s, order.id)
            sales.ship_all(s, order.id, day)
    return ids


def _pipeline(engine: Engine, data_dir: Path, *, forecast: bool) -> dg.ExecuteInProcessResult:
    """The pipeline's steps for the loop: extract, dbt, the forecast (first run only), the plan, publish."""
    warehouse, serving = data_dir / "warehouse.duckdb", data_dir / "serving.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse, full=True)
    dbt(warehouse, data_dir, "build", "--select", "+mart_demand_weekly +mart_supplier_scorecard +dim_warehouse",
        "--indirect-selection", "cautious")
    assets = [*( [sales_forecast, *forecast_checks()] if forecast else []), supply_plan,
              *(build_frame_check(spec) for spec in plan_check_specs())]
    result = dg.materialize(assets, resources={"warehouse": WarehouseResource(warehouse, serving)},
                            instance=dg.DagsterInstance.ephemeral())
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    build_serving_file(warehouse, serving, MARTS, PublishInfo(datetime.now(), "run", "job", "w"), [])
    return result


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_suggestions_from_a_real_forecast_become_draft_orders_and_leave_the_next_plan(
        store_engine: Engine, data_dir: Path) -> None:
    today = date.today()
    last_sunday = today - timedelta(days=today.weekday() + 1)
    ids = _build_store(store_engine, last_sunday)
    warehouse = data_dir / "warehouse.duckdb"
    _pipeline(store_engine, data_dir, forecast=True)

    # The forecast: water modelled from 45 weeks, tea the labelled category fallback, never zero.
    as_of = last_sunday - timedelta(days=6)
    accuracy = {p: (model, fallback, kind, n) for p, model, fallback, kind, n in _rows(
        warehouse, "SELECT product_id, model, is_fallback, series_kind, n_weeks_history FROM marts.mart_forecast_accuracy")}
    assert accuracy[ids["water"]][1:] == (False, "regular", WEEKS)
    assert accuracy[ids["tea"]] == ("fallback_category", True, "short", TEA_WEEKS)
    [(weeks, first_week, low)] = _rows(warehouse, "SELECT count(*), min(week_start), min(forecast_qty) "
                                                  "FROM marts.mart_sales_forecast")
    assert (weeks, first_week) == (24, as_of + timedelta(weeks=1)) and low > 0
    # The fallback keeps the tea's observed level (30 units in 3 weeks) on average over the 12 weeks.
    [(tea_mean,)] = _rows(warehouse, f"SELECT avg(forecast_qty) FROM marts.mart_sales_forecast "
                                     f"WHERE product_id = {ids['tea']}")
    assert tea_mean == pytest.approx(10.0, abs=1e-3)

    # The plan from that forecast: both products run short and are bought from their supplier.
    plan = {p: (qty, supplier, reason) for p, qty, supplier, reason in _rows(
        warehouse, "SELECT product_id, suggested_qty, supplier_id, reason FROM marts.mart_replenishment_suggestions "
                   "WHERE kind = 'purchase'")}
    assert set(plan) == {ids["water"], ids["tea"]}
    assert all(s == ids["supplier"] for _, s, _ in plan.values())
    water_qty, tea_qty = plan[ids["water"]][0], plan[ids["tea"]][0]
    assert water_qty >= 50 and water_qty % 25 == 0 and tea_qty >= 10 and tea_qty % 10 == 0  # the order terms
    assert "提前期14天" in plan[ids["water"]][2] and "提前期7天" in plan[ids["tea"]][2]

    # On the planning page a buyer picks both suggestions: one draft order for the supplier.
    with unit_of_work(store_engine) as s:
        user = auth.create_user(s, "buyer1", "secret-pw", "purchasing", display_name="采购员", iterations=1000)
        buyer = CurrentUser(user.id, user.username, user.display_name, user.role)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state[USER_KEY] = buyer
    at.run()
    at.switch_page("views/planning.py").run()
    assert not at.exception
    # The item view shows the forecast behind the plan with its accuracy: tea's says it is the fallback.
    at.selectbox(key="plan.item").set_value((ids["tea"], ids["wh"])).run()
    assert not at.exception
    assert any("品类兜底预测" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) >= 2  # the projection and the forecast with its history and bands
    at.selectbox(key="plan.item").set_value((ids["water"], ids["wh"])).run()
    assert not any("兜底" in w.value for w in at.warning)
    assert any("基准" in m.value for m in [*at.success, *at.warning])  # the verdict against the baseline
    pick = at.multiselect(key="plan.create.pick")
    keys = [f"purchase:{ids['water']}:{ids['wh']}", f"purchase:{ids['tea']}:{ids['wh']}"]
    assert sorted(pick.options) == sorted([
        f"采购 P001 矿泉水550ml：杭州清泉饮品有限公司 → 上海主仓 {water_qty:,.0f}瓶",
        f"采购 P002 绿茶500ml：杭州清泉饮品有限公司 → 上海主仓 {tea_qty:,.0f}瓶"])
    pick.set_value(keys).run()
    at.button(key="plan.create.go").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("已生成1张草稿单据：PO")
    with unit_of_work(store_engine) as s:
        (order,) = s.execute(select(PurchaseOrder)).scalars().all()
        assert (order.status, order.supplier_id, order.warehouse_id) == ("draft", ids["supplier"], ids["wh"])
        assert sorted((ln.product_id, ln.quantity, ln.unit_price) for ln in order.lines) == sorted([
            (ids["water"], Decimal(str(water_qty)), Decimal("1.50")), (ids["tea"], Decimal(str(tea_qty)), Decimal("2.40"))])
        links = s.execute(select(PlanDocumentLink)).scalars().all()
        assert sorted((ln.product_id, ln.purchase_order_id, ln.plan_as_of) for ln in links) == sorted(
            [(ids["water"], order.id, as_of), (ids["tea"], order.id, as_of)])
    assert not at.multiselect  # nothing left to pick on the page
    assert "另有2条建议已生成单据，单据完成前不再显示" in [c.value for c in at.caption]

    # The next plan (the draft counts as supply; the links are extracted): no purchase suggested again.
    _pipeline(store_engine, data_dir, forecast=False)
    assert _rows(warehouse, "SELECT count(*) FROM marts.mart_replenishment_suggestions")[0][0] == 0
    [(arriving,)] = _rows(warehouse, f"SELECT sum(receipt_qty) FROM marts.mart_supply_plan "
                                     f"WHERE product_id = {ids['water']}")
    assert arriving == water_qty  # the draft order is in the projection
