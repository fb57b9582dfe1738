"""Reads of the supply-plan marts in ``serving.duckdb`` for the planning page, through
``dashboards.serving``'s one-connection-per-call ``fetch`` (same caching and "no data yet"
behaviour as the other pages).

Marts read: mart_replenishment_suggestions, mart_supply_plan, mart_abc_xyz (docs/planning.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboards.serving import fetch, query


@dataclass(frozen=True)
class PlanData:
    suggestions: pd.DataFrame
    runouts: pd.DataFrame  # one row per product × warehouse that runs out within the horizon
    abc_xyz: pd.DataFrame
    weeks: list  # horizon week starts


def plan_data() -> PlanData | None:
    """The published plan, or None when no plan has been published yet."""
    suggestions, runouts, abc_xyz, weeks = fetch(
        query("SELECT * FROM mart_replenishment_suggestions ORDER BY coalesce(runout_week, 99), kind, sku, "
              "warehouse_name"),
        query("SELECT product_id, warehouse_id, sku, product_name, unit, warehouse_name, runout_week, "
              "min(week_start) FILTER (WHERE horizon_week = runout_week) AS runout_week_start, "
              "any_value(on_hand_qty) AS on_hand_qty, any_value(safety_stock) AS safety_stock, "
              "any_value(reorder_point) AS reorder_point, any_value(abc_class) AS abc_class, "
              "any_value(xyz_class) AS xyz_class "
              "FROM mart_supply_plan WHERE runout_week IS NOT NULL "
              "GROUP BY ALL ORDER BY runout_week, sku, warehouse_name"),
        query("SELECT * FROM mart_abc_xyz ORDER BY consumption_value DESC, sku"),
        query("SELECT DISTINCT week_start FROM mart_supply_plan ORDER BY week_start", as_rows=True),
    )
    if "kind" not in suggestions.columns:  # no plan published yet (the reader returned an empty frame)
        return None
    return PlanData(suggestions, runouts, abc_xyz, [w[0] for w in weeks])


def projection(product_id: int, warehouse_id: int) -> pd.DataFrame:
    """Week by week: demand plan, receipts, projected stock and the item's safety stock."""
    (df,) = fetch(query("SELECT week_start, horizon_week, forecast_qty, demand_qty, receipt_qty, projected_qty, "
                        "safety_stock, reorder_point FROM mart_supply_plan "
                        "WHERE product_id = $product_id AND warehouse_id = $warehouse_id ORDER BY horizon_week",
                        product_id=product_id, warehouse_id=warehouse_id))
    return df


def plan_items() -> pd.DataFrame:
    """Product × warehouse pairs of the plan (for the adjustment form and the chart)."""
    (df,) = fetch(query("SELECT DISTINCT product_id, warehouse_id, sku, product_name, warehouse_name "
                        "FROM mart_supply_plan ORDER BY sku, warehouse_name"))
    return df


@dataclass(frozen=True)
class Analyses:
    slow_moving: pd.DataFrame
    stockouts: pd.DataFrame
    fill_rate: pd.DataFrame


def analyses() -> Analyses:
    """Slow-moving / dead stock, stock-out days with lost sales, and fill rate by customer and month."""
    slow, stockouts, fill = fetch(
        query("SELECT p.sku, p.product_name, w.warehouse_name, s.on_hand_quantity AS on_hand_qty, s.stock_value, s.last_sale_date, "
              "s.days_since_last_sale, s.sold_90d, s.days_of_cover, s.movement_status "
              "FROM mart_slow_moving_stock AS s JOIN dim_product AS p USING (product_id) "
              "JOIN dim_warehouse AS w USING (warehouse_id) WHERE s.movement_status <> 'active' "
              "ORDER BY s.stock_value DESC, p.sku"),
        query("SELECT p.sku, p.product_name, w.warehouse_name, s.stockout_days, s.days_tracked, s.daily_demand, "
              "s.lost_sales_qty, s.lost_sales_value FROM mart_stockout_days AS s "
              "JOIN dim_product AS p USING (product_id) JOIN dim_warehouse AS w USING (warehouse_id) "
              "WHERE s.stockout_days > 0 ORDER BY s.lost_sales_value DESC NULLS LAST, p.sku"),
        query("SELECT f.year_month, c.customer_name, f.qty_due, f.qty_on_time_in_full, f.fill_rate, f.on_time_rate "
              "FROM mart_customer_fill_rate AS f JOIN dim_customer AS c USING (customer_id) "
              "ORDER BY f.year_month DESC, f.qty_due DESC"),
    )
    return Analyses(slow, stockouts, fill)
