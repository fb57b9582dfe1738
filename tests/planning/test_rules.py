"""Supply-planning rules on hand-computed cases: safety stock, reorder point, rounding to order
terms, projected stock and run-out week, transfers before purchases, adjustments, ABC × XYZ."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from operational.services.purchasing import round_to_order_terms
from planning import policy
from planning.classify import abc_classes, variation, xyz_class
from planning.plan import Adjustment, PlanInputs, SupplyTerms, build_plan, demand_plan, plan_item, week_of
from planning.projection import arrival_week, project_stock, runout_week

WEEKS = [date(2026, 12, 14) + timedelta(weeks=w) for w in range(12)]
WATER, WH1, WH2 = 1, 10, 20


def test_z_and_safety_stock_and_reorder_point_by_hand():
    assert policy.z_value(0.95) == pytest.approx(1.644854, abs=1e-6)
    # σw = 10/week over a 14-day (2-week) lead time, no spread: 1.644854 × √(2 × 10²) = 23.26 → 24.
    assert policy.safety_stock(10, 14, 0, 50, 0.95) == 24
    assert policy.reorder_point(100, 24) == 124
    # Spread of 3.5 days (½ week) at 50/week: √(2 × 100 + 50² × 0.5²) = √825 = 28.72; × 1.644854 = 47.2 → 48.
    assert policy.safety_stock(10, 14, 3.5, 50, 0.95) == 48
    # No error and no spread: no safety stock.
    assert policy.safety_stock(0, 14, 0, 50, 0.98) == 0
    with pytest.raises(ValueError):
        policy.z_value(1.0)


def test_demand_over_a_lead_time_takes_part_weeks_and_runs_past_the_horizon():
    assert policy.demand_over([50, 60, 70], 10) == pytest.approx(50 + 60 * 3 / 7)
    assert policy.demand_over([50, 60], 28) == pytest.approx(50 + 60 + 60 + 60)
    assert policy.demand_over([50], 0) == 0


def test_service_level_per_class_configured_or_default():
    assert policy.service_level_for("A") == 0.98
    assert policy.service_level_for("A", {"A": 0.95}) == 0.95
    assert policy.service_level_for("?") == 0.90


def test_rounding_to_the_suppliers_minimum_and_multiple():
    terms = SupplyTerms(supplier_id=1, min_order_qty=Decimal(50), order_multiple=Decimal(12))
    assert round_to_order_terms(Decimal(37), terms) == 60  # raised to 50, then to 5 × 12
    assert round_to_order_terms(Decimal(130), terms) == 132  # 11 × 12
    assert round_to_order_terms(Decimal(132), terms) == 132


def test_projected_stock_and_run_out_week():
    closing = project_stock(100, [0, 0, 50, 0], [40, 40, 40, 40])
    assert closing == [60, 20, 30, -10]
    assert runout_week(closing, [40, 40, 40, 40]) == 4
    assert runout_week([60, 20, 0], [40, 40, 20]) == 3  # nothing left at the end of week 3
    assert runout_week([0, 0], [0, 0]) is None  # no stock but no demand either: not running out
    assert arrival_week(6) == 1 and arrival_week(9) == 2
    assert week_of(date(2026, 12, 1), WEEKS) == 1  # overdue: week 1
    assert week_of(date(2026, 12, 23), WEEKS) == 2
    assert week_of(date(2027, 6, 1), WEEKS) == 13  # after the horizon


def _inputs(**overrides) -> PlanInputs:
    base = dict(
        as_of_week=date(2026, 12, 7), week_starts=WEEKS,
        forecast={(WATER, WH1): [50.0] * 12}, error_sd={(WATER, WH1): 10.0},
        on_hand={(WATER, WH1): 120.0},
        terms={WATER: SupplyTerms(7, Decimal(50), Decimal(25), 14.0, 0.0, "price_list", Decimal("1.50"))},
        abc={WATER: "A"}, xyz={WATER: "X"}, service_levels={"A": 0.95},
    )
    return PlanInputs(**(base | overrides))


def test_one_item_by_hand():
    item = plan_item((WATER, WH1), _inputs())
    # lead demand 2 × 50 = 100; safety stock 24 (above); reorder point 124;
    # order-up-to = 124 + 4 weeks × 50 = 324; position 120 ≤ 124 → need 204.
    assert (item.safety_stock, item.reorder_point, item.order_up_to) == (24, 124, 324)
    assert item.closing[:3] == [70, 20, -30] and item.runout_week == 3
    assert item.need == 204
    plan, suggestions = build_plan(_inputs())
    assert len(plan) == 12 and plan[2]["projected_qty"] == -30 and plan[2]["is_short"]
    (s,) = suggestions
    # 204 rounded to the multiple of 25: 9 × 25 = 225.
    assert (s["kind"], s["supplier_id"], s["suggested_qty"]) == ("purchase", 7, Decimal(225))
    assert s["reason"] == "第3周缺货；提前期14天；安全库存24"
    assert build_plan(_inputs(), language="en")[1][0]["reason"] == \
        "runs out in week 3; lead time 14 days; safety stock 24"


def test_open_purchase_orders_count_and_a_linked_open_document_is_not_suggested_again():
    arriving = [0.0] * 12
    arriving[1] = 300.0  # promised in week 2
    item = plan_item((WATER, WH1), _inputs(receipts={(WATER, WH1): arriving}))
    assert item.inventory_position == 420 and item.need == 0 and item.runout_week == 9  # 420 / 50
    assert build_plan(_inputs(open_links={("purchase", WATER, WH1)}))[1] == []


def test_a_warehouse_with_excess_transfers_before_anyone_buys():
    inputs = _inputs(forecast={(WATER, WH1): [50.0] * 12, (WATER, WH2): [10.0] * 12},
                     on_hand={(WATER, WH1): 120.0, (WATER, WH2): 600.0})
    # WH2: lead demand 20, no error → safety 0, reorder point 20, order-up-to 20 + 40 = 60:
    # 600 − 60 = 540 can go. WH1 needs 204: one transfer of 204, no purchase.
    _, suggestions = build_plan(inputs)
    (s,) = suggestions
    assert (s["kind"], s["from_warehouse_id"], s["warehouse_id"], s["suggested_qty"]) == ("transfer", WH2, WH1, 204)
    assert s["reason"] == "第3周缺货；调出仓富余540；安全库存24"
    # WH2 short of excess: 100 on hand → 40 can go; the remaining 164 are bought (7 × 25 = 175).
    inputs.on_hand[(WATER, WH2)] = 100.0
    kinds = [(s["kind"], s["suggested_qty"]) for s in build_plan(inputs)[1]]
    assert kinds == [("transfer", 40), ("purchase", 175)]


def test_planner_adjustments_override_or_add_to_the_forecast():
    adjustments = {(WATER, WH1, WEEKS[0]): Adjustment("delta", 5.0), (WATER, WH1, WEEKS[1]): Adjustment("override", 0.0),
                   (WATER, WH1, WEEKS[2]): Adjustment("delta", -80.0)}
    assert demand_plan((WATER, WH1), [50.0] * 12, WEEKS, adjustments)[:4] == [55, 0, 0, 50]


def test_abc_by_consumption_value_and_xyz_by_variability():
    assert abc_classes({1: 800, 2: 150, 3: 50}) == {1: "A", 2: "B", 3: "C"}
    # The item that crosses 80 % is still A (cumulative share before it is 50 %).
    assert abc_classes({1: 500, 2: 400, 3: 100, 4: 0}) == {1: "A", 2: "A", 3: "B", 4: "C"}
    assert xyz_class(variation([10, 10, 10, 10])) == "X"
    assert variation([0, 20, 0, 20]) == pytest.approx(1.0) and xyz_class(1.0) == "Y"
    assert xyz_class(variation([0, 0, 0, 40])) == "Z"  # cv = 17.32 / 10 = 1.73
    assert xyz_class(variation([0, 0])) == "Z"
