"""Demo pass "bins": the demo company's main warehouse starts using storage bins (库位).

On the last of the days it is given, and only while no warehouse uses bins yet, the pass creates
a receiving bin (RCV, the default bin) and one zone bin per product category (A-01, A-02, … in
category-code order) in the main warehouse, turns bins on (the warehouse's stock goes into RCV,
see ``bins.configure_bins``) and puts the stock away: each product's quantity is moved from RCV
to its category's zone through ``bins.move_between_bins`` dated that day (a batch-tracked product
moves batch by batch). Later days (``simulate_days``) then post into the bins through the
services. Nothing random: the same store gives the same bins.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Engine, select

from operational.db import unit_of_work
from operational.demo import catalog
from operational.models import Product, ProductCategory, StockBinBalance, Warehouse
from operational.services import bins

RECEIVING_CODE = "RCV"
RECEIVING_NAME = "收货暂存区"


def run(engine: Engine, days: Sequence[date], seed: int) -> None:
    """Set up bins in the main warehouse on the last of ``days`` (once; ``seed`` is unused: the
    pass is fully determined by the store)."""
    if not days:
        return
    on = days[-1]
    with unit_of_work(engine) as session:
        if session.scalar(select(Warehouse.id).where(Warehouse.uses_bins.is_(True)).limit(1)) is not None:
            return
        main = session.scalar(select(Warehouse).where(Warehouse.code == catalog.WAREHOUSES[0][0]))
        if main is None:
            return
        receiving = bins.create_bin(session, main.id, RECEIVING_CODE, RECEIVING_NAME)
        zones = {}
        categories = session.execute(select(ProductCategory.id, ProductCategory.name)
                                     .order_by(ProductCategory.code)).all()
        for n, (category_id, name) in enumerate(categories, start=1):
            zones[category_id] = bins.create_bin(session, main.id, f"A-{n:02d}", f"{name}区").id
        bins.configure_bins(session, main.id, uses_bins=True, default_bin_id=receiving.id)
        held = session.execute(
            select(StockBinBalance.product_id, Product.category_id, StockBinBalance.quantity)
            .join(Product, Product.id == StockBinBalance.product_id)
            .where(StockBinBalance.bin_id == receiving.id, StockBinBalance.quantity > 0)
            .order_by(StockBinBalance.product_id, StockBinBalance.id)).all()
        # A batch-tracked product has one row per batch: move its total once, FEFO takes every batch.
        totals: dict[int, tuple[int | None, object]] = {}
        for product_id, category_id, quantity in held:
            previous = totals.get(product_id)
            totals[product_id] = (category_id, quantity + (previous[1] if previous else 0))
        for product_id, (category_id, quantity) in totals.items():
            zone = zones.get(category_id)
            if zone is not None:
                bins.move_between_bins(session, main.id, product_id, receiving.id, zone, quantity, on)
