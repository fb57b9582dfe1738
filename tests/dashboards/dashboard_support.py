"""Helpers for the Streamlit tests: a small company in a store, its documents, and ways to find
text and elements in an AppTest run. (Kept out of conftest.py so tests can import it by a name
no other test folder uses.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from dashboards.session import CurrentUser
from operational.db import unit_of_work
from operational.models import ROLES
from operational.services import auth, purchasing, sales
from operational.services import masterdata as md
from operational.services.inventory import post_opening_balance
from operational.services.orders import OrderLineInput

APP = Path(__file__).resolve().parents[2] / "dashboards" / "app.py"
PASSWORD = "secret-pw"


@dataclass
class Company:
    engine: Engine
    wh1: int
    wh2: int
    supplier: int
    customer: int
    water: int
    chips: int
    users: dict[str, CurrentUser]


def build_company(engine: Engine) -> Company:
    """Two warehouses, a supplier, a customer, two products with barcodes, a user per role."""
    with unit_of_work(engine) as s:
        wh1 = md.create_warehouse(s, "WH1", "上海主仓")
        wh2 = md.create_warehouse(s, "WH2", "广州仓")
        drinks = md.create_category(s, "DRINK", "饮料")
        snacks = md.create_category(s, "SNACK", "零食")
        sup = md.create_supplier(s, "S001", "杭州清泉饮品有限公司")
        cus = md.create_customer(s, "C001", "苏州便利连锁", credit_limit="50000")
        water = md.create_product(s, "P001", "矿泉水550ml", category_id=drinks.id, barcode="6901234567892",
                                  list_price="2.50", standard_cost="1.20")
        chips = md.create_product(s, "P002", "薯片70g", category_id=snacks.id, barcode="6909876543210",
                                  list_price="6.00", standard_cost="3.00")
        users = {}
        for role in ROLES:
            user = auth.create_user(s, role, PASSWORD, role, display_name=f"{role}-用户", iterations=1000)
            users[role] = CurrentUser(user.id, user.username, user.display_name, user.role)
        return Company(engine, wh1.id, wh2.id, sup.id, cus.id, water.id, chips.id, users)


def post_history(c: Company) -> None:
    """Documents behind the serving numbers the tests assert:
    PO 100 × 1.50 received (150.00), SO 30 × 2.50 shipped (75.00), 5 chips opening at 3.00;
    limits make water above max (70 > 50) and chips below min (5 < 10, suggest 45)."""
    with unit_of_work(c.engine) as s:
        po = purchasing.create_purchase_order(s, c.supplier, c.wh1, date(2026, 3, 2),
                                              [OrderLineInput(c.water, "100", "1.50")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_all(s, po.id, date(2026, 3, 3))
        so = sales.create_sales_order(s, c.customer, c.wh1, date(2026, 3, 5), [OrderLineInput(c.water, "30", "2.50")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, date(2026, 3, 6))
        post_opening_balance(s, c.chips, c.wh1, Decimal(5), Decimal("3.00"), date(2026, 3, 1))
        md.set_stock_limit(s, c.water, c.wh1, "10", "50")
        md.set_stock_limit(s, c.chips, c.wh1, "10", "50")


def texts(at: AppTest) -> str:
    """Every piece of visible text of the last run, for 'is it on the page' assertions."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success", "error", "warning"):
        parts.extend(str(el.value) for el in getattr(at, kind))
    parts.extend(f"{m.label} {m.value}" for m in at.metric)
    return "\n".join(parts)


def table(at: AppTest, column: str):  # noqa: ANN201 - a pandas DataFrame
    """The first table on the page that has ``column`` (st.dataframe keys are not visible to AppTest)."""
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column!r}")


def flat(block) -> list:  # noqa: ANN001 - an AppTest block
    """Every element under ``block`` in page order (columns and tabs flattened)."""
    out = []
    for child in getattr(block, "children", {}).values():
        out.append(child)
        out.extend(flat(child))
    return out


def index_of(at: AppTest, predicate) -> int:  # noqa: ANN001
    for i, node in enumerate(flat(at.main)):
        if predicate(node):
            return i
    raise AssertionError("element not found")


RECEIVABLES_MARTS = ("mart_ar_aging", "mart_dso_monthly", "mart_collection_effectiveness",
                     "fct_receivable_instalments", "fct_receivable_balance_periods", "fct_receivable_unapplied",
                     "fct_receivable_unapplied_periods", "dim_customer", "dim_aging_buckets")


def publish_receivables(engine: Engine, work: Path, data_dir: Path, as_of: date) -> None:
    """Extract the store, build the receivables marts by dbt as of ``as_of`` and copy them into the
    data dir's serving.duckdb, as the publish step would."""
    import duckdb

    from ingestion.extract import extract_to_raw
    from orchestration.serving_file import copy_schema
    from tests.transforms.conftest import dbt

    warehouse = work / "warehouse.duckdb"
    extract_to_raw(engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, work, "build", "--select", "+path:models/marts/receivables", "+dim_customer",
        "dim_aging_buckets", "--indirect-selection", "cautious", "--vars", f'{{"as_of_date": "{as_of}"}}')
    with duckdb.connect(str(data_dir / "serving.duckdb")) as con:
        con.execute(f"ATTACH '{warehouse}' AS wh (READ_ONLY)")
        copy_schema(con, "wh", "marts", RECEIVABLES_MARTS)
