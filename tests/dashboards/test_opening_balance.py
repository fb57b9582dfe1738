"""Opening balance form (期初库存) against a real store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dashboard_support import index_of, table
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import StockBatch, StockLedger
from operational.services import masterdata as md
from operational.services.inventory import on_hand

WATER_BARCODE = "6901234567892"


def _count(engine, model) -> int:  # noqa: ANN001
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _at(at, key: str) -> int:  # noqa: ANN001
    return index_of(at, lambda n: getattr(n, "key", None) == key)


def _error_at(at) -> int:  # noqa: ANN001
    return index_of(at, lambda n: getattr(n, "type", "") == "error")


def test_opening_balance_posts_and_moves_stock(app_for, company):
    at = app_for("warehouse", page="views/opening_balance.py")
    assert not at.exception
    assert at.title[0].value == "期初库存"
    assert at.selectbox(key="ob.warehouse").options == ["WH1 上海主仓", "WH2 广州仓"]
    at.selectbox(key="ob.warehouse").set_value(company.wh2)
    at.text_input(key="ob.code").set_value(WATER_BARCODE).run()  # scanned: selects the product
    assert at.selectbox(key="ob.product").value == company.water
    assert at.text_input(key="ob.unit_cost").value == "1.2"  # the standard cost, prefilled
    assert not [w for w in at.text_input if w.key == "ob.batch_no"]  # not batch-tracked
    at.text_input(key="ob.quantity").set_value("40")
    at.text_input(key="ob.unit_cost").set_value("1.35")
    at.date_input(key="ob.date").set_value(date(2026, 1, 1)).run()
    at.button(key="ob.post").click().run()
    assert not at.exception
    assert not at.error
    assert [s.value for s in at.success] == [
        "已登记期初库存：P001 矿泉水550ml 40 个，广州仓，单位成本 ¥1.35，日期 2026-01-01"]
    with unit_of_work(company.engine) as s:
        assert on_hand(s, company.water, company.wh2) == Decimal(40)
        assert on_hand(s, company.water, company.wh1) == Decimal(0)
        row = s.execute(select(StockLedger)).scalar_one()
        assert (row.movement_type, row.doc_type, row.doc_no, row.movement_date, row.quantity, row.unit_cost) == (
            "opening", "opening", "OPENING", date(2026, 1, 1), Decimal(40), Decimal("1.35"))
    assert at.text_input(key="ob.quantity").value == ""  # the form is cleared
    posted = table(at, "期初日期")
    assert [(r["仓库"], r["商品编码"], r["数量"], r["单位成本"]) for _, r in posted.iterrows()] == [
        ("广州仓", "P001", 40, 1.35)]
    assert at.download_button(key="ob.export.csv")


def test_opening_balance_bad_quantity_and_cost_are_shown_at_their_fields(app_for, company):
    at = app_for("warehouse", page="views/opening_balance.py")
    at.selectbox(key="ob.warehouse").set_value(company.wh1)
    at.selectbox(key="ob.product").set_value(company.chips).run()
    at.text_input(key="ob.quantity").set_value("0").run()
    at.button(key="ob.post").click().run()
    assert [e.value for e in at.error] == ["数量必须大于0"]
    assert _at(at, "ob.quantity") < _error_at(at) < _at(at, "ob.unit_cost")
    at.text_input(key="ob.quantity").set_value("5")
    at.text_input(key="ob.unit_cost").set_value("-1").run()
    at.button(key="ob.post").click().run()
    assert [e.value for e in at.error] == ["单位成本不能为负数"]
    assert _at(at, "ob.unit_cost") < _error_at(at) < _at(at, "ob.post")
    assert at.text_input(key="ob.unit_cost").value == "-1"  # kept
    assert _count(company.engine, StockLedger) == 0


def test_batch_product_without_expiry_is_refused_at_the_expiry_field(app_for, company):
    with unit_of_work(company.engine) as s:
        milk = md.create_product(s, "P003", "鲜牛奶950ml", barcode="6900000000003", standard_cost="6.00",
                                 tracks_batches=True).id
    at = app_for("warehouse", page="views/opening_balance.py")
    at.selectbox(key="ob.warehouse").set_value(company.wh1)
    at.text_input(key="ob.code").set_value("P003").run()
    assert at.selectbox(key="ob.product").value == milk
    at.text_input(key="ob.batch_no").set_value("M-0101")
    at.text_input(key="ob.quantity").set_value("12").run()
    at.button(key="ob.post").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["OPENING：有效期至不能为空"]
    assert _at(at, "ob.expiry") < _error_at(at) < _at(at, "ob.post")  # under the expiry date
    assert _count(company.engine, StockLedger) == 0
    assert _count(company.engine, StockBatch) == 0

    at.date_input(key="ob.expiry").set_value(date(2026, 6, 30)).run()
    at.button(key="ob.post").click().run()
    assert not at.error
    with unit_of_work(company.engine) as s:
        assert on_hand(s, milk, company.wh1) == Decimal(12)
        batch = s.execute(select(StockBatch)).scalar_one()
        assert (batch.batch_no, batch.expiry_date) == ("M-0101", date(2026, 6, 30))
        assert s.execute(select(StockLedger.batch_id)).scalar_one() == batch.id
    posted = table(at, "批次号")
    assert (posted.iloc[0]["批次号"], str(posted.iloc[0]["有效期至"])[:10]) == ("M-0101", "2026-06-30")
