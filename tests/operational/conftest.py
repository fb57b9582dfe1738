"""A tiny company (one supplier, one customer, two warehouses, three products) on either backend."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.services import masterdata as md


@dataclass
class Tiny:
    engine: Engine
    wh1: int
    wh2: int
    supplier: int
    customer: int
    water: int  # moving average, no negative stock
    tea: int  # FIFO
    ice: int  # allows negative stock


def build_tiny(engine: Engine) -> Tiny:
    with unit_of_work(engine) as s:
        wh1 = md.create_warehouse(s, "WH1", "上海主仓")
        wh2 = md.create_warehouse(s, "WH2", "广州仓")
        cat = md.create_category(s, "DRINK", "饮料")
        sup = md.create_supplier(s, "S001", "杭州清泉饮品有限公司", lead_time_days=5)
        cus = md.create_customer(s, "C001", "苏州便利连锁", credit_limit="50000")
        water = md.create_product(s, "P001", "矿泉水550ml", category_id=cat.id, barcode="6901234567892",
                                  list_price="2.50", standard_cost="1.20")
        tea = md.create_product(s, "P002", "绿茶500ml", category_id=cat.id, valuation_method="fifo",
                                list_price="4.00", standard_cost="2.10")
        ice = md.create_product(s, "P003", "冰块2kg", category_id=cat.id, allow_negative=True,
                                list_price="6.00", standard_cost="3.00")
        return Tiny(engine, wh1.id, wh2.id, sup.id, cus.id, water.id, tea.id, ice.id)


@pytest.fixture(params=["sqlite", "postgresql"])
def tiny(request: pytest.FixtureRequest) -> Tiny:
    """The tiny company on SQLite and on PostgreSQL."""
    fixture = "store_engine" if request.param == "sqlite" else "pg_engine"
    return build_tiny(request.getfixturevalue(fixture))


@pytest.fixture
def tiny_sqlite(store_engine: Engine) -> Tiny:
    return build_tiny(store_engine)
