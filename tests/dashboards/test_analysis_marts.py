"""Inventory analysis, sales margin and supplier scorecard pages against the hand-made rows of the
newer marts (tests/dashboards/marts_builder.py, HAND_MADE_SQL), and the table export."""

from __future__ import annotations

import io

import pandas as pd
from dashboard_support import table, texts

from dashboards.components.export import to_csv, to_xlsx
from operational.services.scorecard import Weights, grade, score


def _metrics(at) -> dict[str, str]:  # noqa: ANN001
    return {m.label: m.value for m in at.metric}


def _rows(frame: pd.DataFrame, key: str) -> dict:
    return {row[key]: row for _, row in frame.iterrows()}


def test_export_writes_csv_with_bom_and_a_real_xlsx():
    frame = pd.DataFrame({"商品编码": ["P001"], "金额": [1.5]})
    assert to_csv(frame).startswith("\ufeff\"商品编码\",\"金额\"".encode())
    assert pd.read_excel(io.BytesIO(to_xlsx(frame))).equals(frame)


def test_every_analysis_table_offers_csv_and_excel(app_for, published):
    for page in ("views/inventory.py", "views/stock_analysis.py", "views/sales_margin.py",
                 "views/supplier_scorecard.py"):
        at = app_for("admin", page=page)
        assert not at.exception, page
        labels = [b.label for b in at.get("download_button")]
        assert labels and labels.count("下载 CSV") == labels.count("下载 Excel") == len(labels) // 2, page
        assert len(labels) >= 2 * len(at.dataframe), page


def test_stock_analysis_value_turnover_ageing_and_variance(app_for, published, company):
    at = app_for("analyst", page="views/stock_analysis.py")
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["期末库存金额"] == "¥120.00"  # water 70 × 1.50 + chips 5 × 3.00 on the last day
    assert metrics["期间销售成本"] == "¥45.00"
    assert metrics["期间入库金额"] == "¥165.00"  # 150 + 15
    # Turnover is sum(cogs) ÷ sum(average inventory): (45 + 15 + 3) ÷ (100 + 20 + 12) = 0.477 → 0.48.
    assert metrics["周转率"] == "0.48"
    assert metrics["周转天数"] == "12.6"  # 6 days × 132 ÷ 63
    by_category = _rows(table(at, "周转率"), "商品分类")
    assert by_category["饮料"]["周转率"] == 0.5  # 60 ÷ 120, not the mean of 0.45 and 0.75
    assert by_category["饮料"]["周转天数"] == 12.0
    assert by_category["零食"]["周转率"] == 0.25

    at.radio(key="sa.level").set_value("product").run()
    by_product = _rows(table(at, "周转率"), "商品")
    assert by_product["P001 矿泉水550ml"]["销售成本"] == 60
    assert by_product["P001 矿泉水550ml"]["平均库存金额"] == 120
    # Drill-down: the product's stock movements with their document numbers.
    at.selectbox(key="sa.drill.product").set_value(company.water).run()
    moves = table(at, "类型")
    assert list(moves["类型"]) == ["采购入库", "销售出库"]
    assert [n[:3] for n in moves["单号"]] == ["GR-", "SH-"]
    assert list(moves["数量"]) == [100, -30]

    ageing = _rows(table(at, "库龄（天）"), "库龄（天）")
    assert (ageing["0-30"]["数量"], ageing["0-30"]["金额"]) == (73, 114)
    assert (ageing["91-180"]["数量"], ageing["91-180"]["金额"]) == (2, 6)

    assert metrics["盘点差异数量"] == "\u22121"  # -2 + 2 - 1, with a minus sign (U+2212)
    assert metrics["盘点差异金额"] == "¥3.00"  # -3.00 + 6.00 (ST-T-002 not posted: 0)
    docs = _rows(table(at, "盘点日期"), "单号")
    assert docs["ST-T-001"]["差异金额"] == 3
    assert docs["ST-T-002"]["状态"] == "盘点中"


def test_stock_analysis_filters_by_warehouse_and_category(app_for, published, company):
    at = app_for("analyst", page="views/stock_analysis.py")
    at.selectbox(key="sa.warehouse").set_value(company.wh2).run()
    assert _metrics(at)["周转率"] == "0.75"  # 15 ÷ 20
    assert _metrics(at)["盘点差异数量"] == "\u22121"
    at.selectbox(key="sa.warehouse").set_value(None).run()
    categories = at.selectbox(key="sa.category")
    assert categories.options == ["全部分类", "零食", "饮料"]
    categories.select_index(categories.options.index("零食")).run()
    metrics = _metrics(at)
    assert metrics["期末库存金额"] == "¥15.00"
    assert metrics["周转率"] == "0.25"
    assert metrics["盘点差异金额"] == "¥6.00"


def test_sales_margin_totals_groups_and_drill_down(app_for, published):
    at = app_for("sales", page="views/sales_margin.py")
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["销售收入（发货口径）"] == "¥112.00"
    assert metrics["销售成本"] == "¥66.00"
    assert metrics["毛利"] == "¥46.00"
    assert metrics["毛利率"] == "41.1%"
    assert metrics["销售退货冲减收入"] == "¥12.50"
    by_product = _rows(table(at, "毛利率"), "商品")
    assert (by_product["P001 矿泉水550ml"]["销售收入"], by_product["P001 矿泉水550ml"]["毛利"]) == (100, 40)
    assert by_product["P001 矿泉水550ml"]["毛利率"] == 40.0
    assert by_product["P002 薯片70g"]["毛利率"] == 50.0

    at.selectbox(key="sm.group").set_value("day").run()
    by_day = _rows(table(at, "毛利率"), "日期")
    assert by_day["2026-03-05"]["销售收入"] == 25
    assert by_day["2026-03-06"]["销售收入"] == 87
    at.selectbox(key="sm.drill.day").set_value(1).run()  # 2026-03-06
    lines = table(at, "已退货数量")
    assert list(lines["单号"]) == ["SH-T-001", "SH-T-001"]
    assert sorted(lines["销售收入"]) == [12, 75]

    at.selectbox(key="sm.group").set_value("region").run()
    assert list(table(at, "毛利率")["地区"]) == ["华东"]
    at.selectbox(key="sm.group").set_value("salesperson").run()
    assert list(table(at, "毛利率")["业务员"]) == ["（无）"]


def test_sales_margin_returns_by_reason_and_disposition(app_for, published, company):
    at = app_for("manager", page="views/sales_margin.py")
    dispositions = _rows(table(at, "处理方式"), "处理方式")
    assert dispositions["退回可售库存"]["数量"] == 3
    assert dispositions["隔离待检"]["冲减收入"] == 5
    reasons = _rows(table(at, "退货原因"), "退货原因")
    assert reasons["包装破损"]["退回成本"] == 4.5
    at.selectbox(key="sm.drill.reason").set_value("临期").run()
    lines = table(at, "原发货单号")
    assert list(lines["单号"]) == ["SR-T-002"]
    assert list(lines["原发货单号"]) == ["SH-T-001"]
    # A warehouse without shipments in the period: zero, not an error.
    at.selectbox(key="sm.warehouse").set_value(company.wh2).run()
    assert _metrics(at)["销售收入（发货口径）"] == "¥25.00"
    assert _metrics(at)["销售退货冲减收入"] == "¥0.00"


def test_supplier_score_reweights_and_keeps_missing_rates_empty():
    assert score(1.0, 1.0, 0.1) == 0.97  # the mart's weights
    assert score(0.5, 1.0, None) == 0.7143  # no inspection data: left out, not 100 %
    assert score(None, None, None) is None
    assert score(0.5, 1.0, None, Weights(0, 0, 1)) is None
    assert [grade(v) for v in (0.97, 0.87, 0.7143, 0.5, None)] == ["A", "B", "C", "D", None]


def test_supplier_scorecard_page(app_for, published):
    at = app_for("purchasing", page="views/supplier_scorecard.py")
    assert not at.exception
    # Opens on the last complete month before the last posted date (2026-03-06): February.
    assert at.selectbox(key="sc.month").value == "2026-02"
    at.selectbox(key="sc.month").set_value("2026-03").run()
    row = table(at, "准时交货率").iloc[0]
    assert row["供应商"] == "杭州清泉饮品有限公司"
    assert (row["准时交货率"], row["足量交货率"], row["检验不合格率"]) == (100.0, 100.0, 10.0)
    assert round(row["得分（已发布）"], 2) == round(row["得分（按当前权重）"], 2) == 97.0
    assert (row["等级（已发布）"], row["等级（按当前权重）"]) == ("A", "A")
    assert (round(row["近12个月得分"], 2), row["近12个月等级"]) == (87.0, "B")
    assert len(at.get("plotly_chart")) == 1
    assert [n[:3] for n in table(at, "承诺交货日期")["单号"]] == ["PO-"]  # drill-down to the PO lines

    # Only on-time counts: this month 100 % → A, rolling 12 months 75 % → C.
    at.slider(key="sc.w.in_full").set_value(0.0)
    at.slider(key="sc.w.quality").set_value(0.0).run()
    row = table(at, "准时交货率").iloc[0]
    assert (row["得分（按当前权重）"], row["等级（按当前权重）"]) == (100.0, "A")
    assert (row["近12个月得分"], row["近12个月等级"]) == (75.0, "C")
    assert row["等级（已发布）"] == "A"  # the published grade is unchanged

    # February has no inspection: the reject rate stays empty; quality alone gives no score.
    at.selectbox(key="sc.month").set_value("2026-02")
    at.slider(key="sc.w.on_time").set_value(0.0)
    at.slider(key="sc.w.quality").set_value(1.0).run()
    row = table(at, "准时交货率").iloc[0]
    assert pd.isna(row["检验不合格率"])
    # no score (an empty number cell) and no grade (an empty text cell: never "None")
    assert pd.isna(row["得分（按当前权重）"]) and row["等级（按当前权重）"] == ""
    assert row["等级（已发布）"] == "C"
    assert "尚未发布数据" not in texts(at)


def test_new_pages_say_no_data_before_the_first_publish_and_on_a_broken_file(app_for, data_dir):
    pages = ("views/stock_analysis.py", "views/sales_margin.py", "views/supplier_scorecard.py")
    for page in pages:
        at = app_for("admin", page=page)
        assert not at.exception, page
        assert "尚未发布数据" in texts(at), page
    import duckdb
    con = duckdb.connect(str(data_dir / "serving.duckdb"))
    con.execute("CREATE TABLE unrelated (x INTEGER)")
    con.close()
    for page in pages:
        at = app_for("admin", page=page)
        assert not at.exception, page
        assert "尚未发布数据" in texts(at), page


def test_stock_analysis_expiry_alerts_list_expired_and_expiring_batches(app_for, published, company):
    at = app_for("warehouse", page="views/stock_analysis.py")
    assert not at.exception
    assert "截至 2026-03-06（最近发布的日期）在库的批次" in texts(at)
    metrics = _metrics(at)
    assert (metrics["已过期批次"], metrics["已过期金额"]) == ("1", "¥15.00")
    assert (metrics["临期批次"], metrics["临期金额"]) == ("2", "¥39.00")  # 30.00 + 9.00
    batches = table(at, "剩余天数")
    # Soonest first; B-OK (179 days) and B-NONE (no expiry date) are not listed.
    assert [(r["效期状态"], r["批次号"], r["商品编码"], r["仓库"], r["剩余天数"], r["现有数量"], r["金额"])
            for _, r in batches.iterrows()] == [
        ("已过期", "B-2025-11", "P001", "上海主仓", -5, 10, 15),
        ("临期", "B-2026-01", "P001", "广州仓", 14, 20, 30),
        ("临期", "C-2026-01", "P002", "上海主仓", 30, 3, 9),
    ]
    assert str(batches.iloc[0]["有效期至"])[:10] == "2026-03-01"
    assert at.download_button(key="sa.expiry_export.csv")  # and Excel, as on every table

    at.selectbox(key="sa.warehouse").set_value(company.wh2).run()
    metrics = _metrics(at)
    assert (metrics["已过期批次"], metrics["已过期金额"]) == ("0", "¥0.00")
    assert (metrics["临期批次"], metrics["临期金额"]) == ("1", "¥30.00")
    assert list(table(at, "剩余天数")["批次号"]) == ["B-2026-01"]

    categories = at.selectbox(key="sa.category")
    categories.select_index(categories.options.index("零食")).run()  # WH2 holds no snack batch to alert on
    assert "没有已过期或临期的批次" in texts(at)
    assert "临期批次" not in _metrics(at)
    at.selectbox(key="sa.warehouse").set_value(None).run()
    assert list(table(at, "剩余天数")["批次号"]) == ["C-2026-01"]
    assert _metrics(at)["临期金额"] == "¥9.00"
