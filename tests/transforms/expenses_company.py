"""A small company for the expenses and cash marts, built through the services, with hand-computed
numbers.

Stock and sales (product A, moving average, opening 100 @ 2.00 on 2026-02-01):
- SO1 02-10 A 50 @ 5.00 shipped 02-12: revenue 250.00, COGS 100.00; 5 returned 03-10 (25.00 / 10.00)
- SO2 03-03 A 20 @ 6.00 −10 % shipped 03-05: revenue 108.00, COGS 40.00
- SO3 03-20 A 10 @ 8.00, required 03-25, confirmed, not shipped: 80.00 expected 04-24 (terms 30)
- PO1 03-15 A 40 @ 1.50, expected 03-30, confirmed, not received: 60.00 due 04-14 (terms 15)
- SO1's shipment invoiced 02-12 (250.00, due 03-14: overdue → forecast week 1), SO2's 03-05
  (108.00, due 04-04 → week 3); nothing received against them
- PO2 03-01 product B 10 @ 3.00 received 03-02, billed 03-03 (30.00, due 03-18: overdue → week 1)

Profit: Feb revenue 250.00, COGS 100.00, margin 150.00 (60.00 %), expenses 8,420.50, operating −8,270.50;
Mar gross 108.00 − returns 25.00 = 83.00, COGS 40.00 − 10.00 = 30.00, margin 53.00 (63.86 %),
expenses 1,200.00, operating −1,147.00 (−1,381.93 %).

Claims (仓储部 clerk 张三 unless said):
- EC1 TRAVEL 02-05 420.50, approved 02-20 by the line manager, paid 02-21 from C01 → Feb actual
- EC2 RENT 02-25 8,000.00 (财务部 cashier, payee landlord), finance + manager, paid 02-25 from B01 → Feb
- EC3 OFFICE 03-02 88.00, rejected → not counted
- EC4 TRAVEL 03-08 1,200.00, approved 03-12, not paid → Mar actual; an outflow in forecast week 1
- EC5 OFFICE 03-09 300.00, submitted → not counted

Budgets: TRAVEL Feb 1,000.00 (company); TRAVEL Mar 1,000.00 (company) and 500.00 (仓储部);
RENT Feb 8,000.00 (company).

Cash: B01 opened 02-01 with 50,000.00, C01 with 1,000.00; transfer B01 → C01 500.00 on 02-15;
a customer receipt of 250.00 into B01 on 03-02. Closing C01 1,079.50, B01 41,750.00. The last
posted day is 03-10 (the customer return); SO3's order date (03-20) is not a posting and does not
count (transforms/README.md, the posting calendar).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.models import AppUser, Shipment
from operational.services import auth, budgets, cash, expenses, payables, purchasing, receivables, sales
from operational.services import masterdata as md
from operational.services.expenses import ClaimLineInput as C
from operational.services.inventory import post_opening_balance
from operational.services.orders import OrderLineInput as L
from operational.services.returns import ReturnLineInput, return_from_customer


@dataclass
class ExpenseCompany:
    engine: Engine
    ids: dict[str, int] = field(default_factory=dict)


def _at(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour)


def build_expense_company(engine: Engine) -> ExpenseCompany:
    d = date
    ids: dict[str, int] = {}
    with unit_of_work(engine) as s:
        wh = md.create_warehouse(s, "WH1", "上海主仓").id
        cus = md.create_customer(s, "C001", "苏州便利连锁", payment_terms_days=30).id
        sup = md.create_supplier(s, "S001", "杭州清泉饮品有限公司", payment_terms_days=15).id
        a = md.create_product(s, "A", "矿泉水", standard_cost="2.00").id
        b = md.create_product(s, "B", "纸箱", standard_cost="3.00").id
        gm = md.create_employee(s, "E001", "王总", department="总经办")
        head = md.create_employee(s, "E002", "李仓", department="仓储部", manager_id=gm.id)
        clerk = md.create_employee(s, "E003", "张三", department="仓储部", manager_id=head.id)
        fin = md.create_employee(s, "E004", "赵会计", department="财务部", manager_id=gm.id)
        cashier = md.create_employee(s, "E005", "钱出纳", department="财务部", manager_id=fin.id)
        for name, role, emp in (("staff", "staff", clerk), ("head", "warehouse", head), ("finance", "finance", fin),
                                ("manager", "manager", gm)):
            ids[name] = auth.create_user(s, name, "secret-123", role, employee_id=emp.id, iterations=1000).id
        fin_id = ids["finance"]
        cats = {code: c.id for code, c in expenses.ensure_categories(s).items()}
        ids.update({f"cat_{k.lower()}": v for k, v in cats.items()})
        ids["b01"] = cash.create_account(s, "B01", "工行基本户", opening_balance="50000", opened_on=d(2026, 2, 1)).id
        ids["c01"] = cash.create_account(s, "C01", "库存现金", kind="cash", opening_balance="1000",
                                         opened_on=d(2026, 2, 1)).id
        ids.update(wh=wh, cus=cus, sup=sup, a=a, clerk=clerk.id, cashier=cashier.id)
    with unit_of_work(engine) as s:
        fin = s.get(AppUser, fin_id)
        post_opening_balance(s, a, wh, Decimal(100), Decimal("2.00"), d(2026, 2, 1))
        so1 = sales.create_sales_order(s, cus, wh, d(2026, 2, 10), [L(a, 50, "5.00", 0)]).id
        sales.confirm_sales_order(s, so1)
        sh1 = sales.ship_all(s, so1, d(2026, 2, 12)).id
        receivables.invoice_shipments(s, [sh1], d(2026, 2, 12))
        so2 = sales.create_sales_order(s, cus, wh, d(2026, 3, 3), [L(a, 20, "6.00", "0.10")]).id
        sales.confirm_sales_order(s, so2)
        sh2 = sales.ship_all(s, so2, d(2026, 3, 5)).id
        receivables.invoice_shipments(s, [sh2], d(2026, 3, 5))
        shipment = s.get(Shipment, sh1)
        return_from_customer(s, sh1, d(2026, 3, 10), [ReturnLineInput(shipment.lines[0].id, 5)], reason="破损")
        so3 = sales.create_sales_order(s, cus, wh, d(2026, 3, 20), [L(a, 10, "8.00", 0)],
                                       required_date=d(2026, 3, 25)).id
        sales.confirm_sales_order(s, so3)
        po1 = purchasing.create_purchase_order(s, sup, wh, d(2026, 3, 15), [L(a, 40, "1.50")],
                                               expected_date=d(2026, 3, 30)).id
        purchasing.confirm_purchase_order(s, po1)
        po2 = purchasing.create_purchase_order(s, sup, wh, d(2026, 3, 1), [L(b, 10, "3.00")]).id
        purchasing.confirm_purchase_order(s, po2)
        receipt = purchasing.receive_all(s, po2, d(2026, 3, 2))
        payables.create_bill(s, sup, "INV-0001", d(2026, 3, 3),
                             [payables.BillLineInput(receipt.lines[0].id, 10, "3.00")], user=fin)
    with unit_of_work(engine) as s:
        user = {k: s.get(AppUser, ids[k]) for k in ("staff", "head", "finance", "manager")}
        fin_user = user["finance"]
        cash.transfer(s, ids["b01"], ids["c01"], "500", d(2026, 2, 15), user=fin_user)
        cash.post(s, ids["b01"], d(2026, 3, 2), Decimal("250.00"), "customer_receipt", doc_no="RC-2026-000001")
        budgets.set_budget(s, fin_user, cats["TRAVEL"], d(2026, 2, 1), "1000")
        budgets.set_budget(s, fin_user, cats["TRAVEL"], d(2026, 3, 1), "1000")
        budgets.set_budget(s, fin_user, cats["TRAVEL"], d(2026, 3, 1), "500", department="仓储部")
        budgets.set_budget(s, fin_user, cats["RENT"], d(2026, 2, 1), "8000")

        def claim(who: str, employee: int, day: date, category: str, amount: str, **kw: str) -> int:
            return expenses.create_claim(s, user[who], employee, day, [C(cats[category], day, amount)],
                                         submit=True, at=_at(day), **kw).id

        ec1 = claim("staff", clerk.id, d(2026, 2, 5), "TRAVEL", "420.50")
        expenses.approve_claim(s, user["head"], ec1, at=_at(d(2026, 2, 20)))
        expenses.reimburse_claim(s, fin_user, ec1, ids["c01"], d(2026, 2, 21))
        ec2 = claim("finance", cashier.id, d(2026, 2, 25), "RENT", "8000.00", payee="上海嘉定物业")
        expenses.approve_claim(s, fin_user, ec2, at=_at(d(2026, 2, 25), 11))
        expenses.approve_claim(s, user["manager"], ec2, at=_at(d(2026, 2, 25), 12))
        expenses.reimburse_claim(s, fin_user, ec2, ids["b01"], d(2026, 2, 25))
        ec3 = claim("staff", clerk.id, d(2026, 3, 2), "OFFICE", "88.00")
        expenses.reject_claim(s, user["head"], ec3, "无发票", at=_at(d(2026, 3, 3)))
        ec4 = claim("staff", clerk.id, d(2026, 3, 8), "TRAVEL", "1200.00")
        expenses.approve_claim(s, user["head"], ec4, at=_at(d(2026, 3, 12)))
        claim("staff", clerk.id, d(2026, 3, 9), "OFFICE", "300.00")
        ids.update(ec1=ec1, ec2=ec2, ec3=ec3, ec4=ec4, so3=so3, po1=po1)
    return ExpenseCompany(engine, ids)
