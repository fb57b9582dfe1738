"""A small company for the CRM marts, built through the services, with hand-computed numbers.

Product A: opening 1,000 @ 6.00 on 2026-01-01, sold at 10.00 (margin 4.00 a unit). Every order is
confirmed and shipped in full on its order date. The last document date (the as-of date) is 2026-03-31.

| customer | orders (date: quantity)                             | amount | recency | R F M | segment     |
|----------|-----------------------------------------------------|--------|---------|-------|-------------|
| C1       | 01-05, 01-15, 01-25, 02-04: 10 each                 | 400    | 55      | 2 5 3 | at_risk     |
| C2       | 01-10, 02-10, 03-10: 20 each (5 returned on 03-15)  | 600    | 21      | 4 4 4 | champions   |
| C3       | 03-20, 03-31: 5 each (+ a draft, not an order)      | 100    | 0       | 5 2 2 | new         |
| C4       | 01-02: 100 (+ a cancelled order 03-25)              | 1000   | 88      | 1 1 5 | hibernating |
| C5       | 02-01, 02-03, 02-05: 1 each                         | 30     | 54      | 3 4 1 | loyal       |
| C6       | none                                                | 0      | —       | — — — | no_orders   |

Churn (factor 2): C1 usual gap 10, current 55 → at risk; C2 usual 29.5, current 21 → not;
C3 2 orders → not; C4 1 order → not; C5 usual 2, current 54 → at risk.

Tickets (as of the end of 03-31; SLA urgent 1 h / 4 h, normal 8 h / 72 h, low 24 h / 168 h):
T1 C1 technical urgent 03-02 09:00, answered 09:30, resolved 12:00, satisfaction 5 → both met;
T2 C1 technical urgent 03-03 09:00, answered 11:00, resolved 15:00, satisfaction 2 → both breached;
T3 C2 after_sale normal 03-05 10:00, answered 12:00 (met), resolved 03-09 10:00 (96 h: breached);
T4 C2 after_sale normal 03-30 10:00, unanswered: response breached at 18:00, resolution not yet due;
T5 C3 presale low 03-31 20:00: nothing due yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.models import Shipment
from operational.services import crm, sales
from operational.services import masterdata as md
from operational.services.inventory import post_opening_balance
from operational.services.orders import OrderLineInput as L
from operational.services.returns import ReturnLineInput, return_from_customer

ORDERS = {
    "C1": [(date(2026, 1, 5), 10), (date(2026, 1, 15), 10), (date(2026, 1, 25), 10), (date(2026, 2, 4), 10)],
    "C2": [(date(2026, 1, 10), 20), (date(2026, 2, 10), 20), (date(2026, 3, 10), 20)],
    "C3": [(date(2026, 3, 20), 5), (date(2026, 3, 31), 5)],
    "C4": [(date(2026, 1, 2), 100)],
    "C5": [(date(2026, 2, 1), 1), (date(2026, 2, 3), 1), (date(2026, 2, 5), 1)],
}


@dataclass
class CrmCompany:
    engine: Engine
    customers: dict[str, int]
    salesperson: int
    tickets: dict[str, int]


def _at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour)


def build_crm_company(engine: Engine) -> CrmCompany:
    with unit_of_work(engine) as s:
        wh = md.create_warehouse(s, "CRMWH", "上海客服仓").id
        a = md.create_product(s, "A", "矿泉水", standard_cost="6.00").id
        rep = md.create_employee(s, "E001", "王销售", department="销售部").id
        north = md.create_employee(s, "E002", "李销售", department="销售部").id
        customers = {}
        for i in range(1, 7):
            code = f"C{i}"
            customers[code] = md.create_customer(s, code, f"客户{i}", region="华东" if i <= 3 else "华北",
                                                 salesperson_id=rep if i <= 3 else north).id
        post_opening_balance(s, a, wh, Decimal(1000), Decimal("6.00"), date(2026, 1, 1))
    shipments: dict[tuple[str, date], int] = {}
    with unit_of_work(engine) as s:
        for code, orders in ORDERS.items():
            for on, qty in orders:
                order = sales.create_sales_order(s, customers[code], wh, on, [L(a, qty, "10.00")])
                sales.confirm_sales_order(s, order.id)
                shipments[(code, on)] = sales.ship_all(s, order.id, on).id
        cancelled = sales.create_sales_order(s, customers["C4"], wh, date(2026, 3, 25), [L(a, 50, "10.00")])
        sales.cancel_sales_order(s, cancelled.id)
        sales.create_sales_order(s, customers["C3"], wh, date(2026, 3, 28), [L(a, 7, "10.00")])  # draft
        shipment = s.get(Shipment, shipments[("C2", date(2026, 3, 10))])
        return_from_customer(s, shipment.id, date(2026, 3, 15),
                             [ReturnLineInput(shipment.lines[0].id, 5)], reason="破损")
    tickets = {}
    with unit_of_work(engine) as s:
        t1 = crm.open_ticket(s, customers["C1"], "technical", "urgent", "系统无法开单", _at(2, 9))
        crm.respond(s, t1.id, _at(2, 9).replace(minute=30))
        crm.resolve(s, t1.id, _at(2, 12), "重启服务")
        crm.close_ticket(s, t1.id, _at(2, 13), 5)
        t2 = crm.open_ticket(s, customers["C1"], "technical", "urgent", "打印机报错", _at(3, 9))
        crm.respond(s, t2.id, _at(3, 11))
        crm.resolve(s, t2.id, _at(3, 15), "更换驱动")
        crm.close_ticket(s, t2.id, _at(3, 16), "2")
        t3 = crm.open_ticket(s, customers["C2"], "after_sale", "normal", "退货咨询", _at(5, 10))
        crm.respond(s, t3.id, _at(5, 12))
        crm.resolve(s, t3.id, _at(9, 10), "已安排退货")
        t4 = crm.open_ticket(s, customers["C2"], "after_sale", "normal", "发票补开", _at(30, 10))
        t5 = crm.open_ticket(s, customers["C3"], "presale", "low", "新品报价", _at(31, 20))
        tickets = {"T1": t1.id, "T2": t2.id, "T3": t3.id, "T4": t4.id, "T5": t5.id}
    return CrmCompany(engine, customers, rep, tickets)
