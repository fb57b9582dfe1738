"""VAT (增值税): the split rule with its hard cases, dated rates, default rates, prices with or
without tax on orders, and the receipt cost (net vs small-scale taxpayer). Numbers by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from operational.db import unit_of_work
from operational.models import Customer, Product, ProductCategory, StockLedger, Supplier
from operational.services import masterdata as md
from operational.services import purchasing, sales, tax
from operational.services.errors import DomainError, ValidationError
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from operational.services.valuation import LedgerMovement, value_product

D = Decimal
R13 = D("0.13")


def split(q, p, r=R13, inc=False, disc="0"):
    s = tax.split_line(D(q), D(p), D(r), includes_tax=inc, discount_rate=D(disc))
    return (s.net, s.tax, s.gross)


# --- the rule (tax.py) -------------------------------------------------------------------------

def test_one_cent_at_13_percent():
    # without tax: net 0.01, tax round(0.0013) = 0.00, gross 0.01
    assert split(1, "0.01") == (D("0.01"), D("0.00"), D("0.01"))
    # with tax: gross 0.01, net round(0.01 / 1.13 = 0.00885) = 0.01, tax 0.00
    assert split(1, "0.01", inc=True) == (D("0.01"), D("0.00"), D("0.01"))


def test_three_times_33_33_tax_inclusive():
    # gross 3 × 33.33 = 99.99; net 99.99 / 1.13 = 88.4867… → 88.49; tax 99.99 − 88.49 = 11.50
    assert split(3, "33.33", inc=True) == (D("88.49"), D("11.50"), D("99.99"))
    # the same goods as three lines of 1: each 33.33 → net 29.4956… → 29.50, tax 3.83;
    # the document is the sum of its lines: 88.50 + 11.49 = 99.99 (per-line rounding, no round-off)
    one = tax.split_line(D(1), D("33.33"), R13, includes_tax=True)
    assert (one.net, one.tax) == (D("29.50"), D("3.83"))
    total = tax.totals([one, one, one])
    assert (total.net, total.tax, total.gross) == (D("88.50"), D("11.49"), D("99.99"))
    # without tax: net 99.99, tax 12.9987 → 13.00, gross 112.99
    assert split(3, "33.33") == (D("99.99"), D("13.00"), D("112.99"))


def test_half_up_not_half_even_and_discount():
    # 0.50 × 13 % = 0.065 → 0.07 half-up (half-even would give 0.06)
    assert split(1, "0.50") == (D("0.50"), D("0.07"), D("0.57"))
    # 10 × 9.99 less 5 % = 94.905 → 94.91 once, then 13 %: 12.3383 → 12.34
    assert split(10, "9.99", disc="0.05") == (D("94.91"), D("12.34"), D("107.25"))
    # 9 %: 113.00 with tax → net 103.6697… → 103.67, tax 9.33
    assert split(1, "113", r="0.09", inc=True) == (D("103.67"), D("9.33"), D("113.00"))
    # exempt / zero: all net
    assert split(2, "50", r="0", inc=True) == (D("100.00"), D("0.00"), D("100.00"))


def test_totals_by_rate():
    lines = [tax.split_line(D(1), D("100"), R13, includes_tax=False),
             tax.split_line(D(1), D("100"), D("0.09"), includes_tax=False),
             tax.split_line(D(2), D("10"), R13, includes_tax=False)]
    groups = tax.by_rate(lines)
    assert groups[D("0.13")] == tax.Totals(D("120.00"), D("15.60"), D("135.60"))
    assert groups[D("0.09")] == tax.Totals(D("100.00"), D("9.00"), D("109.00"))


def test_cost_unit_price_net_vs_small_scale():
    assert tax.cost_unit_price(D("113"), D(0), R13, includes_tax=True, small_scale=False) == D(100)
    assert tax.cost_unit_price(D("113"), D(0), R13, includes_tax=True, small_scale=True) == D(113)
    assert tax.cost_unit_price(D("100"), D(0), R13, includes_tax=False, small_scale=True) == D("113.00")
    assert tax.cost_unit_price(D("100"), D("0.1"), R13, includes_tax=False, small_scale=False) == D("90.0")


# --- master data ---------------------------------------------------------------------------------

def test_dated_rates_and_defaults(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        # seeded by migration 0020: the standard rate was 16 % until 2019-03-31, 13 % from 2019-04-01
        assert tax.rate_on(s, "standard", date(2019, 3, 31)) == D("0.16")
        assert tax.rate_on(s, "standard", date(2019, 4, 1)) == D("0.13")
        assert tax.rate_on(s, "low", date(2026, 1, 1)) == D("0.09")
        assert {"standard", "low", "service", "simple", "zero", "exempt"} <= set(tax.rate_codes(s))
        # a rate change applies from its date
        tax.set_rate(s, "standard", "0.12", "2026-07-01")
        assert tax.rate_on(s, "standard", date(2026, 6, 30)) == D("0.13")
        assert tax.rate_on(s, "standard", date(2026, 7, 1)) == D("0.12")
        with pytest.raises(ValidationError) as bad:
            tax.set_rate(s, "standard", "13", "2026-08-01")
        assert bad.value.field == "tax_rate"
        with pytest.raises(ValidationError) as unknown:
            tax.rate_on(s, "nosuch", date(2026, 1, 1))
        assert unknown.value.code == "tax_rate_unknown"
        with pytest.raises(ValidationError) as early:
            tax.rate_on(s, "service", date(2015, 1, 1))
        assert early.value.code == "tax_rate_not_in_force"
        # product → category → parent category
        parent = md.create_category(s, "FOOD", "食品")
        s.get(ProductCategory, s.get(Product, t.water).category_id).parent_id = parent.id
        water, tea = s.get(Product, t.water), s.get(Product, t.tea)
        assert tax.resolve(s, water, date(2026, 3, 2)) == (None, D(0))  # nothing set: no VAT
        tax.set_default_code(s, parent, "low")
        assert tax.resolve(s, water, date(2026, 3, 2)) == ("low", D("0.09"))
        tax.set_default_code(s, s.get(ProductCategory, water.category_id), "standard")
        tax.set_default_code(s, tea, "service")
        assert tax.resolve(s, water, date(2026, 3, 2)) == ("standard", D("0.13"))
        assert tax.resolve(s, tea, date(2026, 3, 2)) == ("service", D("0.06"))
        assert tax.resolve(s, tea, date(2026, 3, 2), "zero") == ("zero", D(0))  # the line's own
        with pytest.raises(ValidationError):
            tax.set_default_code(s, tea, "nosuch")


# --- orders --------------------------------------------------------------------------------------

def _taxed(t, *, supplier_inc=False, customer_inc=True):
    with unit_of_work(t.engine) as s:
        md.create_company(s, "测试公司")
        tax.set_default_code(s, s.get(Product, t.water), "standard")
        tax.set_default_code(s, s.get(Product, t.tea), "low")
        tax.set_partner_prices_include_tax(s, Supplier, t.supplier, supplier_inc)
        tax.set_partner_prices_include_tax(s, Customer, t.customer, customer_inc)


def test_order_lines_store_net_tax_gross(tiny):
    _taxed(tiny)
    with unit_of_work(tiny.engine) as s:
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-02", [
            L(tiny.water, 3, "33.33"),  # customer's prices include tax (13 %)
            L(tiny.tea, 1, "109"),  # 9 %: net 100.00, tax 9.00
            L(tiny.water, 1, "0.01", price_includes_tax=False),  # overridden per line
            L(tiny.tea, 2, "10", tax_rate_code="zero"),  # rate overridden per line
        ])
        got = [(ln.tax_rate_code, ln.tax_rate, ln.price_includes_tax, ln.amount, ln.tax_amount, ln.gross_amount)
               for ln in so.lines]
        assert got == [("standard", D("0.13"), True, D("88.49"), D("11.50"), D("99.99")),
                       ("low", D("0.09"), True, D("100.00"), D("9.00"), D("109.00")),
                       ("standard", D("0.13"), False, D("0.01"), D("0.00"), D("0.01")),
                       ("zero", D("0"), True, D("20.00"), D("0.00"), D("20.00"))]
        # totals are the sums of the lines; total_amount stays the net
        assert (so.total_amount, so.tax_amount, so.gross_amount) == (D("208.50"), D("20.50"), D("229.00"))


def test_supplier_price_list_says_with_or_without_tax(tiny_sqlite):
    t = tiny_sqlite
    _taxed(t, supplier_inc=False)
    with unit_of_work(t.engine) as s:
        purchasing.set_supplier_price(s, t.supplier, t.water, "1.13", "2026-03-01", price_includes_tax=True)
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02",
                                              [L(t.water, 100, "1.13"), L(t.tea, 100, "1.00")])
        assert [(ln.price_includes_tax, ln.amount, ln.tax_amount, ln.gross_amount) for ln in po.lines] == [
            (True, D("100.00"), D("13.00"), D("113.00")),  # the price-list row says 含税
            (False, D("100.00"), D("9.00"), D("109.00"))]  # the supplier's own setting: 不含税


def _receive_and_ship(t, *, small_scale: bool):
    """Buy 10 @ 113.00 with tax (13 %), receive, ship 4: what does stock cost?"""
    _taxed(t, supplier_inc=True)
    with unit_of_work(t.engine) as s:
        if small_scale:
            tax.set_small_scale(s, True)
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.water, 10, "113")])
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_goods(s, po.id, "2026-03-03", [F(po.lines[0].id, 10)])
        line = gr.lines[0]
        split = (line.amount, line.tax_amount, line.gross_amount, line.unit_cost)
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-04", [L(t.water, 4, "226")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, "2026-03-05")
        rows = s.query(StockLedger).filter_by(product_id=t.water).order_by(StockLedger.id).all()
        valued = value_product([LedgerMovement(r.id, r.movement_date, r.warehouse_id, r.movement_type,
                                                 r.quantity, r.unit_cost) for r in rows], "moving_average", D(0)).movements
        return split, [m.value for m in valued]


def test_receipt_cost_is_net_of_input_vat(tiny_sqlite):
    split, values = _receive_and_ship(tiny_sqlite, small_scale=False)
    # 10 × 113.00 with tax: net 1,000.00, tax 130.00; stock enters at 100.0000 a unit
    assert split == (D("1000.00"), D("130.00"), D("1130.00"), D("100.0000"))
    assert values == [D("1000.00"), D("-400.00")]  # 4 shipped cost 400.00 (cost of goods is net)


def test_small_scale_taxpayer_capitalises_input_vat(tiny_sqlite):
    split, values = _receive_and_ship(tiny_sqlite, small_scale=True)
    # the same receipt; input VAT is not deductible, so a unit costs 113.0000
    assert split == (D("1000.00"), D("130.00"), D("1130.00"), D("113.0000"))
    assert values == [D("1130.00"), D("-452.00")]


def test_orders_without_rates_are_unchanged(tiny_sqlite):
    """No rate anywhere (every store before VAT was kept): rate 0, gross = net."""
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.water, 3, "2.333")])
        line = po.lines[0]
        assert (line.tax_rate_code, line.amount, line.tax_amount, line.gross_amount) == (
            None, D("7.00"), D("0.00"), D("7.00"))
        assert (po.total_amount, po.tax_amount, po.gross_amount) == (D("7.00"), D("0.00"), D("7.00"))


def test_credit_exposure_counts_the_vat(tiny_sqlite):
    """The customer will owe the gross: an order of 100.00 net + 13.00 VAT exceeds a limit of 110.00."""
    t = tiny_sqlite
    _taxed(t, customer_inc=False)
    with unit_of_work(t.engine) as s:
        s.get(Customer, t.customer).credit_limit = D("110.00")
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-02", [L(t.water, 1, "100")])
        assert (so.total_amount, so.gross_amount) == (D("100.00"), D("113.00"))
        with pytest.raises(DomainError) as refused:
            sales.confirm_sales_order(s, so.id)
        assert "113" in refused.value.message()


def test_migration_keeps_existing_amounts_as_net_without_vat(pg_engine):
    """A store at 0017 with an order and an invoice upgrades to 0020: its prices were net and stay;
    every line gets rate 0, tax 0 and gross = net; the invoice still owes what it did. (PostgreSQL:
    SQLite's batch downgrade cannot drop columns of tables that other rows refer to.)"""
    from alembic import command

    from operational.migrate import alembic_config, upgrade
    from operational.services import receivables as ar
    from tests.operational.conftest import build_tiny

    t = build_tiny(pg_engine)
    with unit_of_work(t.engine) as s:
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.water, 10, "2.333")])
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_all(s, po.id, "2026-03-02")
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-03", [L(t.water, 4, "5.55")])
        sales.confirm_sales_order(s, so.id)
        shipment = sales.ship_all(s, so.id, "2026-03-03")
        ar.invoice_shipments(s, [shipment.id], "2026-03-04")
    with t.engine.begin() as conn:
        cfg = alembic_config(t.engine.url.render_as_string(hide_password=False))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0019")
    assert upgrade(t.engine) == "0022"
    with unit_of_work(t.engine) as s:
        po_line = s.get(purchasing.PurchaseOrder, po.id).lines[0]
        assert (po_line.amount, po_line.tax_rate, po_line.tax_amount, po_line.gross_amount, po_line.tax_rate_code) == (
            D("23.33"), D(0), D("0.00"), D("23.33"), None)
        order = s.get(sales.SalesOrder, so.id)
        assert (order.total_amount, order.tax_amount, order.gross_amount) == (D("22.20"), D("0.00"), D("22.20"))
        invoice = s.scalars(ar.select(ar.SalesInvoice)).one()
        assert (invoice.total_amount, invoice.net_amount, invoice.tax_amount) == (D("22.20"), D("22.20"), D("0.00"))
        assert invoice.lines[0].gross_amount == D("22.20")
        assert tax.rate_on(s, "standard", date(2026, 3, 4)) == D("0.13")  # the rates are seeded again
