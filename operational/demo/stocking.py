"""Volume calibration and stock policy of the demo company.

``calibrate`` picks the share of scheduled orders customers actually place so the run lands near
the requested number of sales lines; ``plan_limits`` turns the customers' expected demand into
min/max per product × warehouse and an opening balance between the two.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date

from operational.demo.profiles import expected_orders, pick_products, poisson
from operational.demo.world import Key, World

SAFETY_DAYS = 12  # min covers lead time + the weekly review + some lateness
SAMPLE_ORDERS = 60  # sample orders per customer when estimating demand
CYCLE_DAYS = 21  # max adds three weeks of demand on top of min
LINES_AT_SCALE_1 = 50_000  # sales-order lines …
DAYS_AT_SCALE_1 = 400  # … in this many days


def calibrate(world: World, days: Sequence[date], target_lines: float) -> float:
    """Activity (≤ 1) at which the customers are expected to order ``target_lines`` lines."""
    expected = sum(expected_orders(world.customers, days, 1.0, lines=True))
    return min(1.0, target_lines / expected) if expected > 0 else 1.0


def activity_from_history(world: World, days: Sequence[date], observed_orders: int) -> float:
    """Activity that explains the orders actually placed on ``days`` (for continuing a store)."""
    expected = sum(expected_orders(world.customers, days, 1.0))
    if expected <= 0 or observed_orders <= 0:
        return 1.0
    return max(0.001, min(1.0, observed_orders / expected))


def daily_demand(world: World, days: Sequence[date]) -> dict[Key, float]:
    """Expected quantity per day of each product in each warehouse, averaged over ``days``.

    How often a product lands in a customer's order is measured by drawing sample orders the
    way the simulator does (popular products are capped at one line per order, so shares alone
    would overstate them and understate the rest).
    """
    per_customer = expected_orders(world.customers, days, world.activity)
    demand: dict[Key, float] = {}
    for customer, orders in zip(world.customers, per_customer, strict=True):
        if not customer.basket:
            continue
        rng = random.Random(f"{world.key}|estimate|{customer.code}")
        hits: dict[int, int] = {}
        for _ in range(SAMPLE_ORDERS):
            for pid in pick_products(rng, customer, 1 + poisson(rng, customer.lines_mean)):
                hits[pid] = hits.get(pid, 0) + 1
        per_day = orders / len(days) / SAMPLE_ORDERS
        for pid, n in hits.items():
            k = (pid, customer.warehouse_id)
            # 1.08: mean of the lognormal noise on line quantities
            demand[k] = demand.get(k, 0.0) + per_day * n * world.products[pid].typical_qty * customer.size * 1.08
    return demand


def plan_limits(world: World, days: Sequence[date], rng: random.Random) -> dict[Key, tuple[int, int, int]]:
    """(min, max, opening quantity) for every product × warehouse somebody buys from."""
    limits: dict[Key, tuple[int, int, int]] = {}
    demand = daily_demand(world, days)
    for pid, product in world.products.items():
        lead = world.suppliers[product.supplier_ids[0]].lead_time if product.supplier_ids else 14
        for wid in world.warehouse_ids:
            d = demand.get((pid, wid), 0.0)
            if d <= 0:
                continue
            mult = product.order_multiple
            # demand comes in lumps (one order line ≈ 1.2 × typical quantity); a min below a
            # couple of lumps would turn every sale into a purchase order
            lump = 1.2 * product.typical_qty
            lo = max(1, math.ceil(d * (lead + SAFETY_DAYS)), math.ceil(2 * lump))
            hi = math.ceil((lo + max(d * CYCLE_DAYS, 3 * lump, mult)) / mult) * mult
            opening = lo + round((hi - lo) * rng.uniform(0.4, 0.9))
            if product.allow_negative:
                opening = lo // 3  # bulk goods start thin: they will dip below zero
            limits[(pid, wid)] = (lo, hi, opening)
    return limits
