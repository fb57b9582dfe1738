"""A small store with awkward decimals, and helpers comparing raw.* with the store row by row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import Engine, select

from ingestion.extract import raw_tables
from ingestion.schema import raw_table_specs
from operational.db import unit_of_work
from operational.models import Base
from operational.services import masterdata as md
from operational.services import purchasing, sales
from operational.services.inventory import post_opening_balance
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L


@dataclass
class Seeded:
    engine: Engine
    url: str
    warehouse: int
    customer: int
    product: int
    sales_order: int


def seed(engine: Engine) -> Seeded:
    """One product priced 12.3456, an opening balance, a partly received PO, a draft SO."""
    with unit_of_work(engine) as s:
        wh = md.create_warehouse(s, "WH1", "上海主仓")
        cat = md.create_category(s, "DRINK", "饮料")
        sup = md.create_supplier(s, "S001", "杭州清泉饮品有限公司")
        cus = md.create_customer(s, "C001", "苏州便利连锁", credit_limit="99999999.99")
        p = md.create_product(s, "P001", "矿泉水550ml", category_id=cat.id, list_price="12.3456",
                              standard_cost="0.0001")
        md.set_stock_limit(s, p.id, wh.id, "5.5", None)
        post_opening_balance(s, p.id, wh.id, Decimal("10.5"), Decimal("7.1234"), date(2026, 3, 1))
        po = purchasing.create_purchase_order(s, sup.id, wh.id, date(2026, 3, 2),
                                              [L(p.id, "100.1234", "12.3456", "0.125")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_goods(s, po.id, date(2026, 3, 3), [F(po.lines[0].id, "40")])
        so = sales.create_sales_order(s, cus.id, wh.id, date(2026, 3, 4), [L(p.id, "3", "99999.99", "0")])
        ids = Seeded(engine, engine.url.render_as_string(hide_password=False), wh.id, cus.id, p.id, so.id)
    return ids


def store_rows(engine: Engine, table: str) -> list[tuple[Any, ...]]:
    """Every row of a store table as Python values (Decimal, date, datetime, bool), by primary key."""
    t = Base.metadata.tables[table]
    cols = [t.c[name] for name in raw_table_specs()[table].column_names]  # credentials are not extracted
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(*cols).order_by(*t.primary_key.columns))]


def raw_rows(warehouse: Path, table: str) -> list[tuple[Any, ...]]:
    t = Base.metadata.tables[table]
    cols = ", ".join(f'"{name}"' for name in raw_table_specs()[table].column_names)
    keys = ", ".join(f'"{c.name}"' for c in t.primary_key.columns)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [tuple(r) for r in con.execute(f'SELECT {cols} FROM raw."{table}" ORDER BY {keys}').fetchall()]


def raw_snapshot(warehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {t: raw_rows(warehouse, t) for t in raw_tables()}


def assert_raw_equals_store(engine: Engine, warehouse: Path) -> None:
    for table in raw_tables():
        assert raw_rows(warehouse, table) == store_rows(engine, table), table


@pytest.fixture
def seeded(store_engine: Engine) -> Seeded:
    return seed(store_engine)


@pytest.fixture
def pg_seeded(pg_engine: Engine) -> Seeded:
    return seed(pg_engine)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


class RawCheck:
    """Compare raw.* in one warehouse file with the store (exposed as the ``check`` fixture)."""

    def __init__(self, warehouse: Path) -> None:
        self.warehouse = warehouse

    def rows(self, table: str) -> list[tuple[Any, ...]]:
        return raw_rows(self.warehouse, table)

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        return raw_snapshot(self.warehouse)

    def equals_store(self, engine: Engine) -> None:
        assert_raw_equals_store(engine, self.warehouse)

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(query).fetchall()


@pytest.fixture
def check(warehouse: Path) -> RawCheck:
    return RawCheck(warehouse)
