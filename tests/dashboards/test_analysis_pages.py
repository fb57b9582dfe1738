"""Overview, inventory and pipeline pages against a serving.duckdb built from a small store."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime

from dashboard_support import post_history, table, texts
from marts_builder import build_serving


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_pages_say_no_data_before_the_first_publish(app_for):
    for page in ("views/overview.py", "views/inventory.py", "views/pipeline.py"):
        at = app_for("admin", page=page)
        assert not at.exception, page
        assert "尚未发布数据" in texts(at), page


def test_overview_shows_kpis_from_the_serving_file(app_for, published):
    at = app_for("manager", page="views/overview.py")
    assert not at.exception
    assert _metrics(at) == {
        "销售额（下单口径）": "¥75.00",  # SO 30 × 2.50
        "采购额": "¥150.00",  # PO 100 × 1.50
        "库存金额": "¥120.00",  # water 70 × 1.50 + chips 5 × 3.00
        "库存数量": "75",
        "库存预警": "2",
    }
    assert len(at.get("plotly_chart")) == 4


def test_overview_warehouse_filter(app_for, published, company):
    at = app_for("manager", page="views/overview.py")
    at.selectbox(key="overview.warehouse").set_value(company.wh2).run()
    assert _metrics(at)["销售额（下单口径）"] == "¥0.00"
    assert _metrics(at)["库存预警"] == "0"
    at.selectbox(key="overview.warehouse").set_value(company.wh1).run()
    assert _metrics(at)["销售额（下单口径）"] == "¥75.00"


def test_new_publish_shows_without_restart(app_for, published, company):
    at = app_for("manager", page="views/overview.py")
    assert _metrics(at)["采购额"] == "¥150.00"
    post_history(company)  # the same documents again: every amount doubles
    before = os.stat(published).st_mtime_ns
    build_serving(company.engine, published)
    if os.stat(published).st_mtime_ns == before:  # coarse clocks: make the change visible
        time.sleep(0.01)
        os.utime(published)
    at.run()
    assert _metrics(at)["采购额"] == "¥300.00"


def test_inventory_lists_alerts_and_searches_products(app_for, published):
    at = app_for("warehouse", page="views/inventory.py")
    assert not at.exception
    alerts = table(at, "预警类型")
    by_sku = {row["商品编码"]: row for _, row in alerts.iterrows()}
    assert by_sku["P002"]["预警类型"] == "低于最低库存"
    assert by_sku["P002"]["建议采购数量"] == 45  # to max 50 from 5
    assert by_sku["P001"]["预警类型"] == "高于最高库存"
    stock = table(at, "最近出入库日期")
    assert set(stock["商品编码"]) == {"P001", "P002"}

    at.text_input(key="inventory.search").set_value("6909876543210").run()  # chips' barcode
    stock = table(at, "最近出入库日期")
    assert list(stock["商品编码"]) == ["P002"]
    assert list(stock["现有数量"]) == [5]
    at.text_input(key="inventory.search").set_value("矿泉水").run()
    assert list(table(at, "最近出入库日期")["商品编码"]) == ["P001"]


def test_pipeline_page_shows_publish_time_and_checks(app_for, company, data_dir, monkeypatch):
    # The server's zone stands in for the browser's (AppTest has no browser): 08:30 UTC is 16:30 there.
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    post_history(company)
    build_serving(company.engine, data_dir / "serving.duckdb", published_at=datetime(2026, 3, 7, 8, 30, 0),
                  checks=[("reconcile_stock_quantity", True, "库存数量一致"), ("fct_sales_lines_unique", False, "唯一")])
    at = app_for("analyst", page="views/pipeline.py")
    monkeypatch.delenv("TZ")
    time.tzset()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["最近发布时间"] == "2026-03-07 16:30:00"
    assert metrics["已发布数据的最新单据日期"] == "2026-03-06"
    assert metrics["数据新鲜度"].endswith("天前")
    assert "2 项检查中有 1 项未通过" in texts(at)
    assert "自动运行" in texts(at)
    checks = table(at, "检查项")
    assert set(checks["检查项"]) == {"reconcile_stock_quantity", "fct_sales_lines_unique"}
    by_name = {row["检查项"]: row for _, row in checks.iterrows()}
    # No emoji (a box without an emoji font); the severity only where a check failed.
    assert by_name["reconcile_stock_quantity"]["状态"] == "✓ 通过"
    assert by_name["reconcile_stock_quantity"]["未通过时"] == ""  # "" itself: the grid shows a missing cell as "None"
    assert by_name["fct_sales_lines_unique"]["状态"] == "✗ 未通过"
    assert by_name["fct_sales_lines_unique"]["未通过时"] == "阻止发布"
    assert by_name["fct_sales_lines_unique"]["检查时间"] == "2026-03-07 16:30:00"


def test_pipeline_page_says_when_the_last_run_failed(app_for, published, data_dir):
    (data_dir / "pipeline_state.json").write_text(json.dumps({"last_run": {
        "run_id": "r2", "job": "jxc_pipeline", "status": "FAILURE", "finished_at": "2026-03-08T09:00:00+00:00",
        "failed_checks": ["reconcile_stock_quantity"]}}), encoding="utf-8")
    at = app_for("manager", page="views/pipeline.py")
    assert not at.exception
    assert [e.value for e in at.error] == [
        "最近一次运行（jxc_pipeline）于 2026-03-08 09:00:00 未成功（FAILURE），未发布新数据；以下仍是上次成功发布的数据。"
        "未通过的检查：reconcile_stock_quantity"]
    assert "最近发布时间" in [m.label for m in at.metric]  # the last good publish is still shown
