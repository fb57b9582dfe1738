"""Drafts and cancelled orders never count (DESIGN, "Safe by default"): the overview's sales and
purchases count confirmed, partial, completed and closed orders only, and the pipeline page's
"latest document" dates, published and in the store, ignore a draft dated after everything else.

Built through the real marts: the store → extract → dbt → serving.duckdb, then the pages in AppTest.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from dashboard_support import post_history, texts

from operational.db import unit_of_work
from operational.services import purchasing, sales
from operational.services.orders import OrderLineInput

pytestmark = pytest.mark.slow

MARTS = ("+mart_sales_daily", "+mart_purchases_daily", "+mart_stock_current", "+mart_stock_alerts",
         "+mart_inventory_daily")


def _publish(company, data_dir) -> None:  # noqa: ANN001
    from ingestion.extract import extract_to_raw
    from orchestration.serving_file import PublishInfo, build_serving_file
    from tests.transforms.conftest import dbt

    warehouse = data_dir / "warehouse.duckdb"
    extract_to_raw(company.engine.url.render_as_string(hide_password=False), warehouse, full=True)
    dbt(warehouse, data_dir, "run", "--select", *MARTS)
    build_serving_file(warehouse, data_dir / "serving.duckdb", "marts",
                       PublishInfo(datetime(2026, 3, 7, 8, 0), "test", "test", ""), [])


def _metrics(at) -> dict[str, str]:  # noqa: ANN001
    return {m.label: m.value for m in at.metric}


def test_a_draft_or_cancelled_order_changes_neither_overview_sales_nor_the_latest_document(
        app_for, company, data_dir):
    post_history(company)  # PO 100 × 1.50 received, SO 30 × 2.50 shipped 2026-03-06: the last posted day
    with unit_of_work(company.engine) as s:
        # In the period: a draft sales order of 1,000 × 2.50 and a confirmed-then-cancelled one of 10 × 2.50.
        sales.create_sales_order(s, company.customer, company.wh1, date(2026, 3, 5),
                                 [OrderLineInput(company.water, "1000", "2.50")])
        cancelled = sales.create_sales_order(s, company.customer, company.wh1, date(2026, 3, 4),
                                             [OrderLineInput(company.water, "10", "2.50")])
        sales.confirm_sales_order(s, cancelled.id)
        sales.cancel_sales_order(s, cancelled.id)
        # After everything else: a draft purchase order and a draft sales order dated 2026-03-20.
        purchasing.create_purchase_order(s, company.supplier, company.wh1, date(2026, 3, 20),
                                         [OrderLineInput(company.water, "500", "1.50")])
        sales.create_sales_order(s, company.customer, company.wh1, date(2026, 3, 20),
                                 [OrderLineInput(company.water, "5", "2.50")])
    _publish(company, data_dir)

    at = app_for("manager", page="views/overview.py")
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["销售额（下单口径）"] == "¥75.00"  # SO 30 × 2.50 only
    assert metrics["采购额"] == "¥150.00"  # PO 100 × 1.50 only
    assert at.date_input(key="overview.dates").value[1] == date(2026, 3, 6)  # the calendar ends on the last posting

    at = app_for("analyst", page="views/pipeline.py")
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["已发布数据的最新单据日期"] == "2026-03-06"
    assert metrics["业务库的最新单据日期"] == "2026-03-06"  # not the drafts' 2026-03-20
    assert "业务库中有更新的单据" not in texts(at)
