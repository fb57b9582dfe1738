"""A hand-made tiny company, posted through the services: enough to exercise every mart.

Two warehouses, three products, opening balances, a purchase received in part, a sales order
shipped, and stock limits that put one product below its minimum.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.services import inventory, masterdata, purchasing, sales
from operational.services.orders import FulfilLineInput, OrderLineInput

START = date(2026, 3, 2)


def build_tiny_company(engine: Engine) -> dict[str, int]:
    """Create the company; returns the ids tests refer to."""
    with unit_of_work(engine) as s:
        masterdata.create_company(s, "小小贸易有限公司")
        main = masterdata.create_warehouse(s, "WH1", "主仓")
        branch = masterdata.create_warehouse(s, "WH2", "分仓")
        cat = masterdata.create_category(s, "C1", "文具")
        pen = masterdata.create_product(s, "P001", "中性笔", category_id=cat.id, list_price="3.5", standard_cost="1.2")
        book = masterdata.create_product(s, "P002", "笔记本", category_id=cat.id, list_price="12", standard_cost="6")
        ink = masterdata.create_product(s, "P003", "墨水", category_id=cat.id, list_price="20", standard_cost="9",
                                        valuation_method="fifo")
        supplier = masterdata.create_supplier(s, "S001", "晨光供应商")
        customer = masterdata.create_customer(s, "C001", "华东客户", credit_limit="10000")
        inventory.post_opening_balance(s, pen.id, main.id, Decimal("100"), Decimal("1.2"), START)
        inventory.post_opening_balance(s, book.id, main.id, Decimal("20"), Decimal("6"), START)
        inventory.post_opening_balance(s, ink.id, branch.id, Decimal("5"), Decimal("9"), START)
        masterdata.set_stock_limit(s, book.id, main.id, min_qty="30", max_qty="80")
        ids = {"main": main.id, "branch": branch.id, "pen": pen.id, "book": book.id, "ink": ink.id,
               "supplier": supplier.id, "customer": customer.id}
    with unit_of_work(engine) as s:
        po = purchasing.create_purchase_order(
            s, ids["supplier"], ids["main"], date(2026, 3, 3),
            [OrderLineInput(ids["pen"], "50", "1.1"), OrderLineInput(ids["book"], "10", "5.8", "0.05")],
        )
        purchasing.confirm_purchase_order(s, po.id)
        purchasing.receive_goods(s, po.id, date(2026, 3, 5), [FulfilLineInput(po.lines[0].id, "50")])
    add_shipped_sale(engine, ids, on=date(2026, 3, 6), quantity="30")
    return ids


def add_shipped_sale(engine: Engine, ids: dict[str, int], *, on: date, quantity: str) -> None:
    """A new sales document for pens, confirmed and shipped in full (moves stock, changes the fingerprint)."""
    with unit_of_work(engine) as s:
        so = sales.create_sales_order(s, ids["customer"], ids["main"], on,
                                      [OrderLineInput(ids["pen"], quantity, "3.5")])
        sales.confirm_sales_order(s, so.id)
        sales.ship_all(s, so.id, on)
