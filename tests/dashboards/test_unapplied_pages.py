"""The 未核销 (unapplied) column on the receivables analysis page and the collection list, against
a real store, a real dbt build and the published marts.

Invoices of 100.00 (01-05, due 02-04) and 200.00 (01-06, due 02-05); on 01-20 the customer pays
250.00 and names 100.00 of it for the first invoice: 150.00 stays unapplied.

- 01-20: not due 200.00, 未核销 −150.00, total (net) 50.00
- 01-19: not due 300.00 (the receipt is not there yet), 未核销 0.00, total 300.00
- 03-01: 200.00 is 24 days late (1-30), 未核销 −150.00, total 50.00
"""

from __future__ import annotations

from datetime import date

from dashboard_support import publish_receivables, table, texts
from sqlalchemy import select
from test_receivables_pages import _invoiced

from operational.db import unit_of_work
from operational.models import ArInstalment
from operational.services import receivables


def test_aging_page_shows_the_unapplied_column_negative_and_net_totals(app_for, company, data_dir, tmp_path):
    first, account = _invoiced(company, 40, "2.50", date(2026, 1, 5))
    _invoiced(company, 80, "2.50", date(2026, 1, 6))
    with unit_of_work(company.engine) as s:
        inst = s.execute(select(ArInstalment.id).where(ArInstalment.invoice_id == first)).scalar_one()
        receivables.receive_payment(s, company.customer, "250", account, date(2026, 1, 20),
                                    allocation=[(inst, "100")])
    publish_receivables(company.engine, tmp_path, data_dir, date(2026, 1, 20))
    at = app_for("finance", page="views/receivables.py")
    assert not at.exception
    assert at.date_input(key="ar.aging.date").value == date(2026, 1, 20)
    assert "应收余额 ¥50.00" in texts(at) and "未核销 -¥150.00" in texts(at).replace("−", "-")
    aging = table(at, "未核销")
    assert list(aging.columns[1:]) == ["未到期", "逾期 1-30 天", "逾期 31-60 天", "逾期 61-90 天", "逾期 91-120 天",
                                       "逾期 120+ 天", "未核销", "应收余额"]
    row = aging.iloc[0]
    assert (row["未到期"], row["未核销"], row["应收余额"]) == (200.0, -150.0, 50.0)
    # before the receipt: nothing unapplied, everything open
    at.date_input(key="ar.aging.date").set_value(date(2026, 1, 19)).run()
    row = table(at, "未核销").iloc[0]
    assert (row["未到期"], row["未核销"], row["应收余额"]) == (300.0, 0.0, 300.0)
    # later: the second invoice is late, the credit is still there
    at.date_input(key="ar.aging.date").set_value(date(2026, 3, 1)).run()
    row = table(at, "未核销").iloc[0]
    assert (row["逾期 1-30 天"], row["未核销"], row["应收余额"]) == (200.0, -150.0, 50.0)
    # drill-down: the receipt with its money not yet applied
    at.date_input(key="ar.aging.date").set_value(date(2026, 1, 20)).run()
    at.selectbox(key="ar.aging.drill").set_value(company.customer).run()
    assert not at.exception
    credits = table(at, "已核销")
    assert (credits["金额"].tolist(), credits["已核销"].tolist(), credits["未核销"].tolist()) == (
        [250.0], [100.0], [150.0])


def test_collection_list_shows_the_unapplied_money_and_the_net_balance(app_for, company):
    """On 03-01 (the page's date set by hand): 200.00 is overdue, 150.00 not applied covers 150.00
    of it → overdue 50.00, 未核销 150.00, net balance 50.00."""
    first, account = _invoiced(company, 40, "2.50", date(2026, 1, 5))
    _invoiced(company, 80, "2.50", date(2026, 1, 6))
    with unit_of_work(company.engine) as s:
        inst = s.execute(select(ArInstalment.id).where(ArInstalment.invoice_id == first)).scalar_one()
        receivables.receive_payment(s, company.customer, "250", account, date(2026, 1, 20),
                                    allocation=[(inst, "100")])
    at = app_for("finance", page="views/collection.py")
    at.date_input(key="col.work.as_of").set_value(date(2026, 3, 1)).run()
    assert not at.exception
    work = table(at, "未核销")
    assert (work["逾期金额"].tolist(), work["未核销"].tolist(), work["应收余额"].tolist()) == ([50.0], [150.0], [50.0])
