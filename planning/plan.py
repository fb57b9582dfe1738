"""The supply plan for every product × warehouse: demand plan (forecast with the planner's
adjustments), projected stock, run-out week, safety stock, reorder point, and the suggestions —
transfers from warehouses with stock beyond their need first, then purchases from the preferred
supplier rounded to its order terms.

Pure: it takes plain values (``PlanInputs``) and returns rows; ``planning.warehouse`` reads the
inputs from the warehouse and writes the rows back.

Rules (docs/planning.md, "Supply planning"):
- inventory position = on hand + everything arriving (open purchase orders, drafts included, and
  transfers in transit or drafted towards the warehouse − drafted away from it);
- an item needs replenishing when its inventory position is at or below its reorder point; it is
  then brought up to the order-up-to level = reorder point + demand of the ``REVIEW_WEEKS`` after
  the lead time;
- a warehouse can give what it has on hand beyond its own order-up-to level (whole units);
- a purchase is rounded to the supplier's minimum and multiple (``round_to_order_terms``);
- a line whose earlier suggestion became a document that is still open is not suggested again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from operational.services.purchasing import round_to_order_terms
from planning import policy
from planning.projection import project_stock, runout_week
from planning.reasons import reason_text

HORIZON_WEEKS = 12
Key = tuple[int, int]  # (product_id, warehouse_id)


@dataclass(frozen=True)
class SupplyTerms:
    """The preferred supplier's terms for a product (duck-types a price row for
    ``round_to_order_terms``)."""

    supplier_id: int
    min_order_qty: Decimal = Decimal(0)
    order_multiple: Decimal = Decimal(1)
    lead_time_days: float = policy.DEFAULT_LEAD_TIME_DAYS
    lead_time_sd_days: float = 0.0
    lead_time_source: str = "default"  # scorecard / price_list / supplier / default
    unit_price: Decimal = Decimal(0)


@dataclass(frozen=True)
class Adjustment:
    mode: str  # delta / override
    quantity: float


@dataclass
class PlanInputs:
    as_of_week: date
    week_starts: list[date]  # horizon weeks 1..n (Mondays)
    forecast: dict[Key, list[float]]
    error_sd: dict[Key, float] = field(default_factory=dict)
    forecast_model: dict[Key, tuple[str, bool]] = field(default_factory=dict)  # (model, is_fallback)
    on_hand: dict[Key, float] = field(default_factory=dict)
    receipts: dict[Key, list[float]] = field(default_factory=dict)  # per horizon week
    beyond_horizon: dict[Key, float] = field(default_factory=dict)  # on order, arriving after the horizon
    adjustments: dict[tuple[int, int, date], Adjustment] = field(default_factory=dict)
    terms: dict[int, SupplyTerms] = field(default_factory=dict)  # product → preferred supplier
    abc: dict[int, str] = field(default_factory=dict)
    xyz: dict[int, str] = field(default_factory=dict)
    service_levels: dict[str, float] = field(default_factory=dict)
    open_links: set[tuple[str, int, int]] = field(default_factory=set)  # (kind, product, warehouse)


@dataclass
class ItemPlan:
    product_id: int
    warehouse_id: int
    demand: list[float]
    receipts: list[float]
    closing: list[float]
    on_hand: float
    inventory_position: float
    lead_time_days: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    runout_week: int | None
    service_level: float
    need: float = 0.0
    excess: float = 0.0


def week_of(day: date, week_starts: list[date]) -> int:
    """Horizon week (1-based) of a date; overdue dates fall in week 1, dates after the horizon
    return n + 1."""
    index = (day - week_starts[0]).days // 7 + 1
    return max(1, min(index, len(week_starts) + 1))


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def demand_plan(key: Key, forecast: list[float], week_starts: list[date],
                adjustments: Mapping[tuple[int, int, date], Adjustment]) -> list[float]:
    """The forecast with the planner's adjustments: ``override`` replaces a week, ``delta`` adds to it
    (never below zero)."""
    out = []
    for qty, start in zip(forecast, week_starts, strict=True):
        adj = adjustments.get((key[0], key[1], start))
        if adj is not None:
            qty = adj.quantity if adj.mode == "override" else qty + adj.quantity
        out.append(max(qty, 0.0))
    return out


def plan_item(key: Key, inputs: PlanInputs) -> ItemPlan:
    n = len(inputs.week_starts)
    forecast = inputs.forecast.get(key, [0.0] * n)
    demand = demand_plan(key, forecast, inputs.week_starts, inputs.adjustments)
    receipts = list(inputs.receipts.get(key, [0.0] * n))
    on_hand = inputs.on_hand.get(key, 0.0)
    closing = project_stock(on_hand, receipts, demand)
    terms = inputs.terms.get(key[0])
    lead = terms.lead_time_days if terms else policy.DEFAULT_LEAD_TIME_DAYS
    lead_sd = terms.lead_time_sd_days if terms else 0.0
    level = policy.service_level_for(inputs.abc.get(key[0], "C"), inputs.service_levels)
    lead_demand = policy.demand_over(demand, lead)
    mean_weekly = lead_demand / (lead / 7.0) if lead > 0 else (demand[0] if demand else 0.0)
    safety = policy.safety_stock(inputs.error_sd.get(key, 0.0), lead, lead_sd, mean_weekly, level)
    rop = policy.reorder_point(lead_demand, safety)
    review = policy.demand_over(demand, lead + 7 * policy.REVIEW_WEEKS) - lead_demand
    order_up_to = float(math.ceil(rop + review - 1e-9))
    position = on_hand + sum(receipts) + inputs.beyond_horizon.get(key, 0.0)
    item = ItemPlan(key[0], key[1], demand, receipts, closing, on_hand, position, lead, safety, rop, order_up_to,
                    runout_week(closing, demand), level)
    has_demand = any(q > 0 for q in demand)
    if has_demand and position <= rop:
        item.need = order_up_to - position
    # Only stock on hand can be shipped, and only what lies beyond the warehouse's own need.
    item.excess = float(math.floor(max(0.0, min(on_hand, position - order_up_to)) + 1e-9))
    return item


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def build_plan(inputs: PlanInputs, *, language: str = "zh_CN") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(plan rows: one per product × warehouse × week, suggestion rows)."""
    keys = sorted(set(inputs.forecast) | set(inputs.on_hand) | set(inputs.receipts))
    items = {key: plan_item(key, inputs) for key in keys}
    plan_rows = []
    for key, item in items.items():
        model, fallback = inputs.forecast_model.get(key, (None, None))
        base = inputs.forecast.get(key, [0.0] * len(inputs.week_starts))
        for w, start in enumerate(inputs.week_starts):
            plan_rows.append({
                "as_of_week": inputs.as_of_week, "product_id": key[0], "warehouse_id": key[1],
                "week_start": start, "horizon_week": w + 1, "forecast_qty": base[w], "demand_qty": item.demand[w],
                "receipt_qty": item.receipts[w], "projected_qty": item.closing[w], "on_hand_qty": item.on_hand,
                "inventory_position": item.inventory_position, "safety_stock": item.safety_stock,
                "reorder_point": item.reorder_point, "order_up_to": item.order_up_to,
                "lead_time_days": item.lead_time_days, "service_level": item.service_level,
                "runout_week": item.runout_week, "is_short": item.closing[w] <= 1e-9 and item.demand[w] > 0,
                "abc_class": inputs.abc.get(key[0], "C"), "xyz_class": inputs.xyz.get(key[0], "Z"),
                "model": model, "is_fallback": fallback,
            })
    suggestions: list[dict[str, Any]] = []
    by_product: dict[int, list[ItemPlan]] = {}
    for item in items.values():
        by_product.setdefault(item.product_id, []).append(item)
    for product_id, group in sorted(by_product.items()):
        suggestions += _product_suggestions(product_id, group, inputs, language)
    return plan_rows, suggestions


def _base(item: ItemPlan, inputs: PlanInputs) -> dict[str, Any]:
    return {
        "as_of_week": inputs.as_of_week, "product_id": item.product_id, "warehouse_id": item.warehouse_id,
        "runout_week": item.runout_week,
        "runout_week_start": inputs.week_starts[item.runout_week - 1] if item.runout_week else None,
        "on_hand_qty": item.on_hand, "inventory_position": item.inventory_position,
        "safety_stock": item.safety_stock, "reorder_point": item.reorder_point, "order_up_to": item.order_up_to,
        "lead_time_days": item.lead_time_days, "service_level": item.service_level,
        "abc_class": inputs.abc.get(item.product_id, "C"), "xyz_class": inputs.xyz.get(item.product_id, "Z"),
    }


def _product_suggestions(product_id: int, group: list[ItemPlan], inputs: PlanInputs,
                         language: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    short = sorted((i for i in group if i.need > 0),
                   key=lambda i: (i.runout_week or 99, -i.need, i.warehouse_id))
    donors = [i for i in group if i.excess >= 1]
    for item in short:
        for donor in sorted(donors, key=lambda d: (-d.excess, d.warehouse_id)):
            if item.need < 1 or ("transfer", product_id, item.warehouse_id) in inputs.open_links:
                break
            qty = float(math.floor(min(item.need, donor.excess) + 1e-9))
            if qty < 1 or donor.warehouse_id == item.warehouse_id:
                continue
            donor.excess -= qty
            item.need -= qty
            row = _base(item, inputs) | {
                "kind": "transfer", "from_warehouse_id": donor.warehouse_id, "supplier_id": None,
                "suggested_qty": Decimal(int(qty)), "raw_need_qty": qty, "source_excess": donor.excess + qty,
            }
            row["suggestion_key"] = f"transfer:{product_id}:{item.warehouse_id}:{donor.warehouse_id}"
            row["reason"] = reason_text(row, language)
            out.append(row)
        terms = inputs.terms.get(product_id)
        if item.need <= 0 or ("purchase", product_id, item.warehouse_id) in inputs.open_links:
            continue
        wanted = Decimal(math.ceil(item.need - 1e-9))
        qty = round_to_order_terms(wanted, terms) if terms else wanted
        row = _base(item, inputs) | {
            "kind": "purchase", "from_warehouse_id": None, "supplier_id": terms.supplier_id if terms else None,
            "suggested_qty": qty, "raw_need_qty": item.need,
            "unit_price": terms.unit_price if terms else None,
            "lead_time_source": terms.lead_time_source if terms else "default",
        }
        row["suggestion_key"] = f"purchase:{product_id}:{item.warehouse_id}"
        row["reason"] = reason_text(row, language)
        out.append(row)
    return out
