"""Tax settings and price lists (operational.services.tax, price_lists): a rate change applies to
lines from its date and never rewrites what documents used; a customer price list (own row, else
the price group's) gives the sales order its default price and its tax basis, by the same rule as
the supplier price list; the small-scale taxpayer status from a date. Numbers by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from operational.db import unit_of_work
from operational.models import Company, Customer, CustomerPrice, Product, ProductCategory, Supplier
from operational.services import masterdata as md
from operational.services import price_lists, purchasing, sales, tax
from operational.services.errors import ValidationError
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L

D = Decimal


def _setup(t, *, customer_inc: bool = False) -> None:  # noqa: ANN001
    with unit_of_work(t.engine) as s:
        md.create_company(s, "测试公司")
        tax.set_default_code(s, s.get(Product, t.water), "standard")
        tax.set_default_code(s, s.get(Product, t.tea), "low")
        tax.set_partner_prices_include_tax(s, Customer, t.customer, customer_inc)


def _split(line) -> tuple:  # noqa: ANN001
    return (line.tax_rate_code, line.tax_rate, line.price_includes_tax, line.amount, line.tax_amount,
            line.gross_amount)


# --- dated rates ---------------------------------------------------------------------------------

def test_a_rate_change_applies_to_lines_from_its_date_and_never_rewrites_used_history(tiny_sqlite):
    t = tiny_sqlite
    _setup(t)
    with unit_of_work(t.engine) as s:
        tax.set_rate(s, "standard", tax.rate_from_percent("12"), "2026-07-01")
        before = sales.create_sales_order(s, t.customer, t.wh1, "2026-06-30", [L(t.water, 1, "100")])
        after = sales.create_sales_order(s, t.customer, t.wh1, "2026-07-01", [L(t.water, 1, "100")])
        # 100.00 without tax: 13 % on 30 June (13.00), 12 % from 1 July (12.00)
        assert _split(before.lines[0]) == ("standard", D("0.13"), False, D("100.00"), D("13.00"), D("113.00"))
        assert _split(after.lines[0]) == ("standard", D("0.12"), False, D("100.00"), D("12.00"), D("112.00"))
        assert tax.last_used(s, "standard") == date(2026, 7, 1)
        assert tax.last_used(s, "service") is None

        # The 1 July row was used by a document: it cannot be edited, nor can a rate be slipped in
        # before it; a rate from 2 July on can still be recorded.
        for when in ("2026-07-01", "2026-06-15"):
            with pytest.raises(ValidationError) as used:
                tax.set_rate(s, "standard", "0.11", when)
            assert used.value.code == "tax_rate_history_used" and used.value.field == "valid_from"
        assert used.value.message() == ("standard：2026-06-15 起的税率改不了历史：已有单据在 2026-07-01 按此税率计税，"
                                        "新税率的生效日期须晚于 2026-07-01")
        assert used.value.message("en").startswith("standard: A rate from 2026-06-15 would rewrite history")
        assert tax.rate_on(s, "standard", date(2026, 7, 1)) == D("0.12")  # unchanged
        row = tax.set_rate(s, "standard", "0.11", "2026-07-02")
        assert (row.name, row.rate) == ("基本税率", D("0.11"))  # a new row of a known code keeps its name

        # An unused row (not yet used by any document) may still be corrected on its own day.
        tax.set_rate(s, "service", "0.05", "2026-09-01")
        tax.set_rate(s, "service", "0.055", "2026-09-01")
        assert tax.rate_on(s, "service", date(2026, 9, 1)) == D("0.055")

        states = {(r.code, r.valid_from): (r.state, r.last_used) for r in tax.rate_history(s, date(2026, 7, 1))}
        assert states[("standard", date(2026, 7, 1))] == ("current", date(2026, 7, 1))
        assert states[("standard", date(2026, 7, 2))] == ("scheduled", date(2026, 7, 1))
        assert states[("standard", date(2019, 4, 1))] == ("superseded", date(2026, 7, 1))
        assert states[("service", date(2026, 9, 1))] == ("scheduled", None)


def test_rate_bounds_and_field_errors(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        assert tax.rate_from_percent("13") == D("0.13")
        assert tax.rate_from_percent("0") == D(0)
        bad = {}
        for typed in ("130", "-1", "abc", "", "1e99"):
            with pytest.raises(ValidationError) as err:
                tax.rate_from_percent(typed)
            bad[typed] = (err.value.code, err.value.field)
        assert bad == {"130": ("tax_percent_out_of_range", "tax_rate"), "-1": ("tax_percent_out_of_range", "tax_rate"),
                       "abc": ("invalid_number", "tax_rate"), "": ("required", "tax_rate"),
                       "1e99": ("too_large", "tax_rate")}
        with pytest.raises(ValidationError) as err:
            tax.rate_from_percent("130")
        assert err.value.message() == "税率 130% 不在 0% 到 50% 之间"
        assert err.value.message("en") == "Rate 130% is not between 0% and 50%"
        cases = [(("x" * 21, "0.1", "2026-01-01"), {}, "tax_rate_code"),
                 (("new", "0.1", "2026-01-01"), {"name": "名" * 101}, "tax_rate_name"),
                 (("new", "0.1", "1999-12-31"), {}, "valid_from"),
                 (("new", "0.1", "2099-01-01"), {}, "valid_from"),
                 (("new", "0.1", None), {}, "valid_from"),
                 (("new", "0.1", "2026-01-01"), {"is_exempt": True}, "tax_rate")]
        for args, kwargs, field in cases:
            with pytest.raises(ValidationError) as err:
                tax.set_rate(s, *args, **kwargs)
            assert err.value.field == field, args
        assert "new" not in tax.rate_codes(s)  # nothing written


def test_default_rates_by_category_and_product_id(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        water = s.get(Product, t.water)
        tax.set_category_rate(s, water.category_id, "low")
        assert s.get(ProductCategory, water.category_id).tax_rate_code == "low"
        assert tax.resolve(s, water, date(2026, 3, 1)) == ("low", D("0.09"))
        tax.set_product_rate(s, t.water, "standard")
        assert tax.resolve(s, water, date(2026, 3, 1)) == ("standard", D("0.13"))
        tax.set_product_rate(s, t.water, "")  # back to the category's
        assert tax.resolve(s, water, date(2026, 3, 1)) == ("low", D("0.09"))
        for call, field in ((lambda: tax.set_category_rate(s, None, "low"), "category_id"),
                            (lambda: tax.set_product_rate(s, 999, "low"), "product_id"),
                            (lambda: tax.set_product_rate(s, t.water, "nosuch"), "tax_rate_code")):
            with pytest.raises(ValidationError) as err:
                call()
            assert err.value.field == field


# --- the customer price list ---------------------------------------------------------------------

def test_a_tax_inclusive_customer_price_is_the_sales_order_default(tiny_sqlite):
    t = tiny_sqlite
    _setup(t, customer_inc=False)  # the customer's own setting: prices without tax
    with unit_of_work(t.engine) as s:
        price_lists.set_customer_price(s, t.water, "113.00", "2026-03-01", customer_id=t.customer,
                                       price_includes_tax=True)
        listed = sales.default_price(s, t.customer, t.water, date(2026, 3, 2))
        assert (listed.price, listed.includes_tax, listed.source) == (D("113.00"), True, "customer")
        assert sales.default_price(s, t.customer, t.water, date(2026, 2, 28)) is None  # not yet valid
        assert sales.default_price(s, t.customer, t.tea, date(2026, 3, 2)) is None  # no price for tea
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-02", [
            L(t.water, 1, None),  # blank price: the list's 113.00 with tax at 13 %
            L(t.water, 2, "56.50"),  # a typed price is kept; the list row still says 含税
            L(t.tea, 1, "100"),  # no list row: the customer's own setting, without tax (9 %)
        ])
        assert [_split(ln) for ln in so.lines] == [
            ("standard", D("0.13"), True, D("100.00"), D("13.00"), D("113.00")),
            ("standard", D("0.13"), True, D("100.00"), D("13.00"), D("113.00")),
            ("low", D("0.09"), False, D("100.00"), D("9.00"), D("109.00"))]
        assert so.lines[0].unit_price == D("113.00")
        assert (so.total_amount, so.tax_amount, so.gross_amount) == (D("300.00"), D("35.00"), D("335.00"))
        # Before the price's date there is no list price: a blank price is still required.
        with pytest.raises(ValidationError) as err:
            sales.create_sales_order(s, t.customer, t.wh1, "2026-02-28", [L(t.water, 1, "")])
        assert err.value.field == "lines.1.unit_price"


def test_customer_row_wins_over_the_price_group_and_history_is_kept(tiny):
    t = tiny  # SQLite and PostgreSQL (the customer-or-group check constraint on both)
    _setup(t, customer_inc=True)
    with unit_of_work(t.engine) as s:
        other = md.create_customer(s, "C002", "无锡超市")
        price_lists.set_customer_price_group(s, t.customer, " 批发 ")
        price_lists.set_customer_price_group(s, other.id, "批发")
        assert s.get(Customer, t.customer).price_group == "批发"
        price_lists.set_customer_price(s, t.water, "2.00", "2026-03-01", price_group="批发")  # group: without tax
        price_lists.set_customer_price(s, t.water, "2.26", "2026-04-01", customer_id=t.customer)  # as the customer: with
        price_lists.set_customer_price(s, t.water, "1.90", "2026-05-01", price_group="批发")
        assert price_lists.price_groups(s) == ["批发"]

        def got(customer_id, day):  # noqa: ANN001, ANN202
            p = sales.default_price(s, customer_id, t.water, day)
            return None if p is None else (p.price, p.includes_tax, p.source)
        assert got(t.customer, date(2026, 3, 15)) == (D("2.00"), False, "group")
        assert got(t.customer, date(2026, 4, 1)) == (D("2.26"), True, "customer")
        assert got(t.customer, date(2026, 5, 2)) == (D("2.26"), True, "customer")  # its own price wins
        assert got(other.id, date(2026, 5, 2)) == (D("1.90"), False, "group")
        # the group's 2.00 without tax at 13 %: 100 × 2.00 = 200.00 + 26.00 (the customer's own
        # setting, with tax, does not apply to a group row that says otherwise)
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-15", [L(t.water, 100, "")])
        assert _split(so.lines[0]) == ("standard", D("0.13"), False, D("200.00"), D("26.00"), D("226.00"))
        # the same day replaces that day's price; the history keeps the rest
        price_lists.set_customer_price(s, t.water, "2.10", "2026-05-01", price_group="批发")
        rows = price_lists.customer_price_list(s, date(2026, 5, 2), price_group="批发")
        assert [(r.valid_from, r.price, r.state) for r in rows] == [
            (date(2026, 5, 1), D("2.10"), "current"), (date(2026, 3, 1), D("2.00"), "superseded")]
        rows = price_lists.customer_price_list(s, date(2026, 3, 2), customer_id=t.customer)
        assert [(r.price, r.price_includes_tax, r.state) for r in rows] == [(D("2.26"), True, "scheduled")]
        price_lists.set_customer_price_group(s, other.id, "")
        assert s.get(Customer, other.id).price_group is None
    # The store itself refuses a row for both a customer and a group (or neither).
    with pytest.raises(IntegrityError), unit_of_work(t.engine) as s:
        s.add(CustomerPrice(customer_id=t.customer, price_group="批发", product_id=t.water,
                            valid_from=date(2026, 6, 1), price=D(1)))


def test_customer_price_field_errors(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        cases = [({"customer_id": t.customer, "price_group": "批发"}, "1", "customer_or_group", "customer_id"),
                 ({}, "1", "customer_or_group", "customer_id"),
                 ({"price_group": "组" * 21}, "1", "too_long", "price_group"),
                 ({"customer_id": 999}, "1", "not_found", "customer_id"),
                 ({"customer_id": t.customer}, "-1", "must_not_be_negative", "unit_price"),
                 ({"customer_id": t.customer}, "1e11", "too_large", "unit_price")]
        for kwargs, price, code, field in cases:
            with pytest.raises(ValidationError) as err:
                price_lists.set_customer_price(s, t.water, price, "2026-03-01", **kwargs)
            assert (err.value.code, err.value.field) == (code, field), kwargs
        with pytest.raises(ValidationError) as err:
            price_lists.set_customer_price(s, t.water, "1", "2026-03-01")
        assert err.value.message() == "请选择一个客户或填写一个价格组（二者取一）"
        assert err.value.message("en") == "Choose a customer or type a price group (one of the two)"
        assert price_lists.customer_price_list(s, date(2026, 3, 1), customer_id=t.customer) == []


def test_one_rule_serves_the_supplier_price_list_too(tiny_sqlite):
    t = tiny_sqlite
    _setup(t)
    with unit_of_work(t.engine) as s:
        purchasing.set_supplier_price(s, t.supplier, t.water, "1.13", "2026-03-01", price_includes_tax=True)
        purchasing.set_supplier_price(s, t.supplier, t.water, "1.24", "2026-04-01", price_includes_tax=True)
        listed = purchasing.default_price(s, t.supplier, t.water, date(2026, 3, 31))
        assert (listed.price, listed.includes_tax, listed.source) == (D("1.13"), True, "supplier")
        assert purchasing.supplier_price(s, t.supplier, t.water, date(2026, 4, 1)).price == D("1.24")
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.water, 100, "")])
        assert _split(po.lines[0]) == ("standard", D("0.13"), True, D("100.00"), D("13.00"), D("113.00"))


# --- the small-scale taxpayer status from a date --------------------------------------------------

def test_small_scale_status_from_a_date_costs_later_receipts_with_vat(tiny_sqlite):
    t = tiny_sqlite
    _setup(t)
    with unit_of_work(t.engine) as s:
        tax.set_partner_prices_include_tax(s, Supplier, t.supplier, True)
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.water, 20, "113")])
        purchasing.confirm_purchase_order(s, po.id)
        first = purchasing.receive_goods(s, po.id, "2026-03-03", [F(po.lines[0].id, 10)])
        assert tax.taxpayer_status(s).last_receipt == date(2026, 3, 3)
        # A receipt is posted: the status changes only from a date after it, and only to another status.
        for value, when, code, field in ((True, None, "required", "small_scale_from"),
                                         (True, "2026-03-03", "small_scale_after_receipts", "small_scale_from"),
                                         (False, "2026-03-10", "small_scale_unchanged", "small_scale_taxpayer"),
                                         (True, "1999-01-01", "date_too_early", "small_scale_from")):
            with pytest.raises(ValidationError) as err:
                tax.set_small_scale(s, value, when)
            assert (err.value.code, err.value.field) == (code, field)
        with pytest.raises(ValidationError) as err:
            tax.set_small_scale(s, True, "2026-03-03")
        assert err.value.message() == "生效日期 2026-03-03 须晚于最后一张入库单的日期 2026-03-03（已入库的成本不再改变）"
        company = tax.set_small_scale(s, True, "2026-03-05")
        assert (company.small_scale_taxpayer, company.small_scale_from) == (True, date(2026, 3, 5))
        assert [tax.is_small_scale(s, date(2026, 3, d)) for d in (4, 5)] == [False, True]
        second = purchasing.receive_goods(s, po.id, "2026-03-05", [F(po.lines[0].id, 10)])
        # 113.00 with 13 %: the first receipt (general taxpayer) at 100.0000, the second at 113.0000
        assert (first.lines[0].unit_cost, second.lines[0].unit_cost) == (D("100.0000"), D("113.0000"))
        status = tax.taxpayer_status(s)
        assert (status.small_scale, status.effective_from, status.last_receipt) == (True, date(2026, 3, 5),
                                                                                    date(2026, 3, 5))
        assert s.query(Company).one().small_scale_taxpayer is True
