"""A small company with one document of every printable type, for the printing tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.services import auth, purchasing, sales, stocktakes, transfers
from operational.services import masterdata as md
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from operational.services.transfers import TransferLineInput as T

COMPANY = "上海清泉商贸有限公司"


@dataclass
class Docs:
    engine: Engine
    user: int
    customer: int
    ids: dict[str, int]  # doc type → id
    numbers: dict[str, str]  # doc type → doc_no
    extra_products: list[int]


def build_documents(engine: Engine, *, many_lines: int = 0) -> Docs:
    """Purchase order (2 lines: 20 × 1.20 and 5 × 33.33 at 10 % off = 24.00 + 149.99 = 173.99),
    its full receipt, a sales order (12 × 2.50 + 3 × 4.00 = 42.00), its shipment, a transfer of 5
    water and a stocktake of WH2; ``many_lines`` more products on a second sales order / shipment."""
    with unit_of_work(engine) as s:
        md.create_company(s, COMPANY)
        user = auth.create_user(s, "clerk", "clerk-password-1", "warehouse", display_name="仓管小李",
                                iterations=1000)
        wh1 = md.create_warehouse(s, "WH1", "上海主仓")
        wh2 = md.create_warehouse(s, "WH2", "苏州仓")
        cat = md.create_category(s, "DRINK", "饮料")
        sup = md.create_supplier(s, "S001", "杭州清泉饮品有限公司")
        cus = md.create_customer(s, "C001", "苏州便利连锁", credit_limit="50000", address="苏州市工业园区星湖街1号",
                                 phone="0512-6666 8888")
        water = md.create_product(s, "P001", "矿泉水550ml", category_id=cat.id, barcode="6901234567892",
                                  list_price="2.50", standard_cost="1.20", unit="瓶")
        tea = md.create_product(s, "P002", "绿茶500ml", category_id=cat.id, list_price="4.00", unit="瓶")
        extra = [md.create_product(s, f"X{n:03d}", f"饼干{n}号", category_id=cat.id, list_price="1.00").id
                 for n in range(1, many_lines + 1)]
        po = purchasing.create_purchase_order(
            s, sup.id, wh1.id, date(2026, 3, 2),
            [L(water.id, 20, "1.20"), L(tea.id, 5, "33.33", discount_rate="0.10")] +
            [L(p, 10, "0.50") for p in extra], user_id=user.id)
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_all(s, po.id, date(2026, 3, 3), user_id=user.id)
        so = sales.create_sales_order(s, cus.id, wh1.id, date(2026, 3, 4),
                                      [L(water.id, 12, "2.50", discount_rate=0), L(tea.id, 3, "4.00", discount_rate=0)],
                                      user_id=user.id)
        sales.confirm_sales_order(s, so.id)
        sh = sales.ship_goods(s, so.id, date(2026, 3, 5), [F(so.lines[0].id, 12), F(so.lines[1].id, 3)],
                              user_id=user.id)
        ids = {"purchase_order": po.id, "goods_receipt": gr.id, "sales_order": so.id, "shipment": sh.id}
        if extra:
            big = sales.create_sales_order(s, cus.id, wh1.id, date(2026, 3, 6),
                                           [L(p, 2, "1.00", discount_rate=0) for p in extra], user_id=user.id)
            sales.confirm_sales_order(s, big.id)
            big_sh = sales.ship_all(s, big.id, date(2026, 3, 6), user_id=user.id)
            ids |= {"big_order": big.id, "big_shipment": big_sh.id}
        tr = transfers.ship_transfer(s, wh1.id, wh2.id, date(2026, 3, 6), [T(water.id, 5)], user_id=user.id)
        st = stocktakes.open_stocktake(s, wh1.id, date(2026, 3, 7), user_id=user.id)
        ids |= {"stock_transfer": tr.id, "stocktake": st.id}
        numbers = {"purchase_order": po.doc_no, "goods_receipt": gr.doc_no, "sales_order": so.doc_no,
                   "shipment": sh.doc_no, "stock_transfer": tr.doc_no, "stocktake": st.doc_no}
        return Docs(engine, user.id, cus.id, ids, numbers, extra)
