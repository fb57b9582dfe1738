"""The VAT settings page (增值税设置) and the customer price list (客户价目表) against a real store:
what finance and sales save lands in the store, errors sit under their field, managers (and
finance, for prices) only read, and a customer's tax-inclusive list price is the sales order's
default: 113.00 at 13 % → net 100.00 + VAT 13.00."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from dashboard_support import index_of, table, texts
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import (
    Company,
    Customer,
    CustomerPrice,
    Product,
    ProductCategory,
    SalesOrder,
    Supplier,
    TaxRate,
)
from operational.services import masterdata as md
from operational.services import purchasing, tax

D = Decimal
TAX, PRICES = "views/tax_settings.py", "views/customer_prices.py"


def _at(at, key: str) -> int:  # noqa: ANN001
    return index_of(at, lambda n: getattr(n, "key", None) == key)


def _error_at(at) -> int:  # noqa: ANN001
    return index_of(at, lambda n: getattr(n, "type", "") == "error")


def test_finance_records_a_rate_change_and_a_bad_rate_is_a_field_error(app_for, company):
    at = app_for("finance", page=TAX)
    assert not at.exception
    assert at.title[0].value == "增值税设置"
    rates = table(at, "税率代码")
    assert {"standard", "low", "service", "simple", "zero", "exempt"} <= set(rates["税率代码"])
    assert "13%" in set(rates[rates["税率代码"] == "standard"]["税率"])

    at.text_input(key="tr.code").set_value("standard")
    at.text_input(key="tr.percent").set_value("130")
    at.date_input(key="tr.valid_from").set_value(date(2026, 7, 1))
    at.button(key="tr.save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["税率 130% 不在 0% 到 50% 之间"]
    assert _at(at, "tr.percent") < _error_at(at) < _at(at, "tr.valid_from")  # under the rate box
    assert at.text_input(key="tr.percent").value == "130"  # what was typed stays

    at.text_input(key="tr.percent").set_value("12").run()
    at.button(key="tr.save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["税率 standard 自 2026-07-01 起为 12%"]
    with unit_of_work(company.engine) as s:
        assert tax.rate_on(s, "standard", date(2026, 6, 30)) == D("0.13")
        assert tax.rate_on(s, "standard", date(2026, 7, 1)) == D("0.12")
        assert s.execute(select(TaxRate).where(TaxRate.code == "standard")).scalars().all()[-1].name == "基本税率"
    assert "12%" in set(table(at, "税率代码")["税率"])


def test_finance_sets_default_rates_price_basis_and_taxpayer_status(app_for, company):
    with unit_of_work(company.engine) as s:
        md.create_company(s, "测试公司")
        drinks = s.get(Product, company.water).category_id
    at = app_for("finance", page=TAX)
    at.selectbox(key="td.category").set_value(drinks)
    at.selectbox(key="td.category_rate").set_value("low")
    at.button(key="td.save_category").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["DRINK 饮料 的默认税率已设为 low"]
    at.selectbox(key="td.product").set_value(company.water)
    at.selectbox(key="td.product_rate").set_value("standard")
    at.button(key="td.save_product").click().run()
    products = table(at, "实际适用税率")
    assert list(products["实际适用税率"]) == ["standard", ""]  # water its own; chips: no rate anywhere

    at.radio(key="tb.kind").set_value("customer").run()
    at.selectbox(key="tb.partner").set_value(company.customer)
    at.radio(key="tb.basis").set_value("with")
    at.button(key="tb.save").click().run()
    assert [s.value for s in at.success][-1] == "C001 苏州便利连锁 的报价方式已设为含税价"

    # The taxpayer status: the warning says what it changes; a date is required once goods were received.
    assert "进项税额不能抵扣" in texts(at)
    at.radio(key="ts.status").set_value("small")
    at.button(key="ts.save").click().run()
    assert not at.exception
    assert [s.value for s in at.success][-1] == "公司自启用起即为小规模纳税人"
    assert "当前：**小规模纳税人**（自启用起）" in texts(at)
    with unit_of_work(company.engine) as s:
        assert s.get(ProductCategory, drinks).tax_rate_code == "low"
        assert s.get(Product, company.water).tax_rate_code == "standard"
        assert s.get(Customer, company.customer).prices_include_tax is True
        assert s.execute(select(Company)).scalar_one().small_scale_taxpayer is True
    at.radio(key="ts.status").set_value("small")
    at.button(key="ts.save").click().run()
    assert [e.value for e in at.error] == ["公司已是所选的纳税人身份，无需更改"]


def test_the_manager_reads_the_tax_settings_and_english_works(app_for, company):
    at = app_for("manager", page=TAX, language="en")
    assert not at.exception
    assert at.title[0].value == "VAT settings"
    assert "Read only: finance keeps the VAT settings." in texts(at)
    assert "Changing the taxpayer status changes inventory cost" in texts(at)
    assert "standard" in set(table(at, "Rate code")["Rate code"])
    for key in ("tr.save", "td.save_category", "tb.save", "ts.save"):
        with pytest.raises(KeyError):
            at.button(key=key)


def test_sales_keeps_a_customer_price_list_and_the_sales_order_takes_it(app_for, company):
    with unit_of_work(company.engine) as s:
        tax.set_default_code(s, s.get(Product, company.water), "standard")
    at = app_for("sales", page=PRICES)
    assert not at.exception
    assert at.title[0].value == "客户价目表"
    at.selectbox(key="cp.customer").set_value(company.customer).run()
    assert "还没有价格。" in texts(at)
    at.text_input(key="cpn.code").set_value("6901234567892").run()  # scanned barcode
    at.text_input(key="cpn.price").set_value("-1")
    at.radio(key="cpn.basis").set_value("with")
    at.button(key="cpn.save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["单价不能为负数"]
    assert _at(at, "cpn.price") < _error_at(at) < _at(at, "cpn.valid_from")
    at.text_input(key="cpn.price").set_value("113.00").run()
    at.button(key="cpn.save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [f"P001 矿泉水550ml 自 {date.today()} 起单价 113（含税价）"]
    current = table(at, "报价方式")
    assert list(zip(current["商品编码"], current["单价"], current["报价方式"], strict=True)) == [
        ("P001", 113.0, "含税价")]
    with unit_of_work(company.engine) as s:
        row = s.execute(select(CustomerPrice)).scalar_one()
        assert (row.customer_id, row.price, row.price_includes_tax) == (company.customer, D("113.0000"), True)

    # The sales order: the customer first, then the product: the list price with its basis.
    so = app_for("sales", page="views/sales_order.py")
    so.selectbox(key="so.partner").set_value(company.customer)
    so.selectbox(key="so.line1.product").set_value(company.water).run()
    assert so.text_input(key="so.line1.unit_price").value == "113"
    so.text_input(key="so.line1.quantity").set_value("1").run()
    assert "¥100.00 + ¥13.00 = ¥113.00" in [m.value for m in so.markdown]
    so.button(key="so.save_draft").click().run()
    assert not so.exception
    with unit_of_work(company.engine) as s:
        order = s.execute(select(SalesOrder)).scalar_one()
        line = order.lines[0]
        assert (line.unit_price, line.price_includes_tax, line.amount, line.tax_amount, line.gross_amount) == (
            D("113.0000"), True, D("100.00"), D("13.00"), D("113.00"))
    # Without a list price the product's own price is prefilled, as before.
    so.button(key="so.add_line").click().run()
    so.selectbox(key="so.line1.product").set_value(company.chips).run()
    assert so.text_input(key="so.line1.unit_price").value == "6"


def test_price_groups_on_the_page_and_finance_only_reads(app_for, company):
    at = app_for("manager", page=PRICES)
    at.selectbox(key="cp.customer").set_value(company.customer).run()
    at.text_input(key=f"cp.customer_group.{company.customer}").set_value("批发").run()
    at.button(key="cp.save_group").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["C001 苏州便利连锁 的价格组已设为 批发"]
    at.radio(key="cp.kind").set_value("group").run()
    at.text_input(key="cp.group").set_value("批发").run()
    assert "已有价格组：批发" in texts(at)
    at.selectbox(key="cpn.product").set_value(company.chips)
    at.text_input(key="cpn.price").set_value("5.00")
    at.button(key="cpn.save").click().run()
    assert not at.exception
    with unit_of_work(company.engine) as s:
        row = s.execute(select(CustomerPrice)).scalar_one()
        assert (row.customer_id, row.price_group, row.price, row.price_includes_tax) == (None, "批发", D("5.0000"),
                                                                                         False)

    reader = app_for("finance", page=PRICES)
    assert not reader.exception
    assert "只读：客户价目表由销售和经理维护。" in texts(reader)
    reader.selectbox(key="cp.customer").set_value(company.customer).run()
    for key in ("cpn.save", "cp.save_group"):
        with pytest.raises(KeyError):
            reader.button(key=key)


def test_the_purchase_order_takes_the_supplier_price_list_the_same_way(app_for, company):
    with unit_of_work(company.engine) as s:
        purchasing.set_supplier_price(s, company.supplier, company.water, "1.13", "2026-01-01",
                                      price_includes_tax=True)
        s.get(Supplier, company.supplier).prices_include_tax = False
    po = app_for("purchasing", page="views/purchase_order.py")
    po.selectbox(key="po.partner").set_value(company.supplier)
    po.text_input(key="po.line1.code").set_value("P001").run()
    assert po.text_input(key="po.line1.unit_price").value == "1.13"  # not the standard cost 1.20
