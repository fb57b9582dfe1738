"""A hand-made company with hand-computed numbers, extracted and built by dbt once per test run
(each module that asks for ``built`` gets its own copy).

Timeline (2026-03, warehouses WH1 / WH2, categories DRINK / SNACK):

- 03-01 opening A@WH1 100 @ 1.1000, B@WH1 20 @ 2.0000
- 03-02 opening A@WH2 20 @ 1.1500; PO1 WH1: A 50 @ 1.30 (65.00), B 40 @ 2.50 −10 % (90.00)
- 03-03 PO1 received in full (A @ 1.3000, B @ 2.2500); SO1 WH1: A 80 @ 2.50 (200.00)
- 03-04 SO1 ships A 60
- 03-05 SO2 WH1 B 5 @ 4.00 cancelled; SO3 WH1 A 30 @ 2.40 −5 % (68.40) + C 4 @ 5.00 (20.00),
        ships A 30; SO4 WH1 A 2 @ 2.50 (5.00) stays draft
- 03-06 SO1 ships the last A 20; SO5 WH2 D 2 @ 6.00 (12.00) ships → D@WH2 = −2 (allows negative)

Limits: A@WH1 50–200 (ends at 40: below_min, order 160), B@WH1 10–30 (ends at 60: above_max),
C@WH2 min 5, no max (never stocked: below_min, order 5), A@WH2 1–100 (20: no alert).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import Engine

from ingestion.extract import extract_to_raw
from operational.db import make_engine, unit_of_work
from operational.migrate import upgrade
from operational.models import SalesOrder
from operational.services import masterdata as md
from operational.services import purchasing, sales
from operational.services.inventory import post_opening_balance
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from tests.transforms.dbt_runner import DbtResult, invoke

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def migrated_store(folder: Path) -> tuple[Engine, str]:
    """A new, migrated SQLite store in ``folder``: its engine and URL."""
    url = f"sqlite:///{folder / 'jxc.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    return engine, url


def trading_partners(s: Any) -> dict[str, int]:
    """Warehouse WH1, supplier S1 and customer C1: the ids under wh1, s1, c1."""
    return {"wh1": md.create_warehouse(s, "WH1", "上海主仓").id, "s1": md.create_supplier(s, "S1", "供应商一").id,
            "c1": md.create_customer(s, "C1", "客户一").id}


def receive(s: Any, supplier_id: int, warehouse_id: int, lines: list[tuple[int, Any, str]], on: str) -> int:
    """A purchase order for ``lines`` (product id, quantity, unit cost), confirmed and received in
    full on ``on``; the goods receipt's id."""
    po = purchasing.create_purchase_order(s, supplier_id, warehouse_id, on, [L(p, q, c) for p, q, c in lines])
    purchasing.confirm_purchase_order(s, po.id)
    return purchasing.receive_goods(s, po.id, on, [F(line.id, line.quantity) for line in po.lines]).id


def ship(s: Any, customer_id: int, warehouse_id: int, lines: list[tuple[int, Any]], on: str) -> int:
    """A sales order for ``lines`` (product id, quantity) at 9.00, confirmed and shipped in full on
    ``on``; the shipment's id."""
    so = sales.create_sales_order(s, customer_id, warehouse_id, on, [L(p, q, "9.00") for p, q in lines])
    sales.confirm_sales_order(s, so.id)
    return sales.ship_all(s, so.id, on).id


@dataclass
class Company:
    engine: Engine
    url: str
    ids: dict[str, int] = field(default_factory=dict)


def _ship_line(s: Any, order_id: int, line_index: int, qty: str, on: date) -> None:
    order = s.get(SalesOrder, order_id)
    sales.ship_goods(s, order_id, on, [F(order.lines[line_index].id, qty)])


def build_company(engine: Engine) -> Company:
    d = date
    with unit_of_work(engine) as s:
        wh1 = md.create_warehouse(s, "WH1", "上海主仓").id
        wh2 = md.create_warehouse(s, "WH2", "广州仓").id
        drink = md.create_category(s, "DRINK", "饮料").id
        snack = md.create_category(s, "SNACK", "零食").id
        sup = md.create_supplier(s, "S001", "杭州清泉饮品有限公司").id
        cus = md.create_customer(s, "C001", "苏州便利连锁").id
        a = md.create_product(s, "A", "矿泉水", category_id=drink, standard_cost="1.20").id
        b = md.create_product(s, "B", "绿茶", category_id=drink, standard_cost="2.10").id
        c = md.create_product(s, "C", "薯片", category_id=snack, standard_cost="3.00").id
        dd = md.create_product(s, "D", "冰块", category_id=snack, standard_cost="3.00", allow_negative=True).id
        md.set_stock_limit(s, a, wh1, 50, 200)
        md.set_stock_limit(s, b, wh1, 10, 30)
        md.set_stock_limit(s, c, wh2, 5, None)
        md.set_stock_limit(s, a, wh2, 1, 100)
    with unit_of_work(engine) as s:
        post_opening_balance(s, a, wh1, Decimal(100), Decimal("1.1"), d(2026, 3, 1))
        post_opening_balance(s, b, wh1, Decimal(20), Decimal("2"), d(2026, 3, 1))
        post_opening_balance(s, a, wh2, Decimal(20), Decimal("1.15"), d(2026, 3, 2))
        po1 = purchasing.create_purchase_order(s, sup, wh1, d(2026, 3, 2),
                                               [L(a, 50, "1.30"), L(b, 40, "2.50", "0.10")]).id
        purchasing.confirm_purchase_order(s, po1)
        purchasing.receive_all(s, po1, d(2026, 3, 3))
    with unit_of_work(engine) as s:
        so1 = sales.create_sales_order(s, cus, wh1, d(2026, 3, 3), [L(a, 80, "2.50")]).id
        sales.confirm_sales_order(s, so1)
        _ship_line(s, so1, 0, "60", d(2026, 3, 4))
        so2 = sales.create_sales_order(s, cus, wh1, d(2026, 3, 5), [L(b, 5, "4.00")]).id
        sales.cancel_sales_order(s, so2)
        so3 = sales.create_sales_order(s, cus, wh1, d(2026, 3, 5), [L(a, 30, "2.40", "0.05"), L(c, 4, "5.00")]).id
        sales.confirm_sales_order(s, so3)
        _ship_line(s, so3, 0, "30", d(2026, 3, 5))
        sales.create_sales_order(s, cus, wh1, d(2026, 3, 5), [L(a, 2, "2.50")])
        _ship_line(s, so1, 0, "20", d(2026, 3, 6))
        so5 = sales.create_sales_order(s, cus, wh2, d(2026, 3, 6), [L(dd, 2, "6.00")]).id
        sales.confirm_sales_order(s, so5)
        sales.ship_all(s, so5, d(2026, 3, 6))
    url = engine.url.render_as_string(hide_password=False)
    return Company(engine, url, {"wh1": wh1, "wh2": wh2, "drink": drink, "snack": snack,
                                 "a": a, "b": b, "c": c, "d": dd, "so1": so1, "so3": so3})


def dbt_process(warehouse: Path, work: Path, *args: str) -> DbtResult:
    """Run dbt on ``warehouse`` (logs under ``work``) and return what it left, failed or not
    (``returncode``, ``stdout``: dbt's printed lines).

    dbt runs inside this test process with the project parsed once per set of ``--vars``
    (tests/transforms/dbt_runner.py): a new ``dbt`` process per command paid ~7–11 CPU-seconds of
    imports and parsing each time. dbt still builds and tests the real file.
    """
    return invoke(warehouse, _dbt_home(), work / "logs", *args)


def dbt(warehouse: Path, work: Path, *args: str) -> str:
    """Run dbt on ``warehouse`` (logs under ``work``); fails the test with dbt's output."""
    done = dbt_process(warehouse, work, *args)
    if done.returncode != 0:
        pytest.fail(f"dbt {' '.join(args)} failed:\n{done.stdout[-8000:]}")
    return done.stdout


def _dbt_home() -> Path:
    """This test process's own folder for dbt's target folders (one per pytest-xdist worker): from
    the session fixture in tests/conftest.py, else a temporary folder (a helper imported outside pytest)."""
    global _DBT_HOME
    if _DBT_HOME is None:
        _DBT_HOME = Path(os.environ.get("JXC_TEST_DBT_HOME") or tempfile.mkdtemp(prefix="jxc-dbt-"))
        _DBT_HOME.mkdir(parents=True, exist_ok=True)
    return _DBT_HOME


_DBT_HOME: Path | None = None


class Warehouse:
    """Read-only queries on the built warehouse (opened per query: DuckDB allows one writer)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            return con.execute(sql).fetchall()

    def publish(self, data_dir: Path) -> None:
        """Copy the marts into ``data_dir/serving.duckdb`` as the publish step does, for the
        dashboards' readers (``JXC_DATA_DIR`` must point at ``data_dir``)."""
        from dashboards import serving
        from orchestration.serving_file import copy_schema

        with duckdb.connect(str(data_dir / "serving.duckdb")) as con:
            con.execute(f"ATTACH '{self.path}' AS wh (READ_ONLY)")
            copy_schema(con, "wh", "marts")
        serving._run.clear()


@dataclass
class Built:
    company: Company
    warehouse: Warehouse
    work: Path


def _build_template(folder: Path) -> dict[str, int]:
    """The company → extract → dbt build into ``folder`` (jxc.sqlite, warehouse.duckdb); its ids."""
    engine = make_engine(f"sqlite:///{folder / 'jxc.sqlite'}")
    upgrade(engine)
    company = build_company(engine)
    extract_to_raw(company.url, folder / "warehouse.duckdb")
    dbt(folder / "warehouse.duckdb", folder, "build")
    engine.dispose()  # the last connection closing folds the WAL into the file
    return company.ids


@pytest.fixture(scope="session")
def _built_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The company after extract + ``dbt build``, made once per ``make test``: its folder and ids.

    Four modules start from this same company (test_marts, test_incremental, test_landed_cost_marts,
    test_planning_marts), and each built it anew: the services' postings, an extract and a dbt build
    of every model and its tests, ~20 CPU-seconds. Under pytest-xdist the workers share one folder
    (the parent of their base temp folders, as pytest-xdist documents for once-per-run fixtures):
    the first worker to need it builds it under a file lock, the others wait and copy. A failed
    build leaves no template, so the next module tries again and fails the same way, with dbt's
    output.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    root = tmp_path_factory.getbasetemp().parent if worker else tmp_path_factory.getbasetemp()
    final = root / "transforms-built-template"
    with (root / "transforms-built-template.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (final / "ids.json").exists():
                building = Path(tempfile.mkdtemp(prefix="building-", dir=root))
                ids = _build_template(building)
                (building / "ids.json").write_text(json.dumps(ids), encoding="utf-8")
                building.rename(final)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return final, json.loads((final / "ids.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, _built_template: tuple[Path, dict[str, int]]) -> Built:
    """The company → extract → dbt build, for this module alone: a copy of the store and the
    warehouse of the one build (``_built_template``), so a module that posts more documents and
    builds again (incremental runs, late landed costs) changes only its own copy."""
    template, ids = _built_template
    work = tmp_path_factory.mktemp("transforms")
    url = f"sqlite:///{work / 'jxc.sqlite'}"
    with closing(sqlite3.connect(template / "jxc.sqlite")) as source, closing(sqlite3.connect(work / "jxc.sqlite")) as copy:
        source.backup(copy)
    (work / "jxc.sqlite").chmod(0o600)  # as the store makes it
    for suffix in ("", ".wal"):  # a log is left only by a crashed writer
        if (template / f"warehouse.duckdb{suffix}").exists():
            shutil.copyfile(template / f"warehouse.duckdb{suffix}", work / f"warehouse.duckdb{suffix}")
    engine = make_engine(url)
    yield Built(Company(engine, url, dict(ids)), Warehouse(work / "warehouse.duckdb"), work)
    engine.dispose()


@pytest.fixture
def run_dbt() -> Callable[..., str]:
    """``run_dbt(warehouse, work_dir, *dbt_args)``: run dbt, fail the test with its output on error."""
    return dbt
