"""Unapplied money counts (未核销): a partner's balance is its open instalments less the money not
yet applied, the aging shows that money in its own negative bucket, and applying it later moves
it out on the application date without changing any earlier date. Stated numbers, by hand.

AR (customer C001, 30 days, product at 2.50):

- 01-05 receipt R1 500.00, no invoice yet: an advance
- 01-10 invoice I1 400.00 (160 units), due 02-09
- 01-15 receipt R2 300.00, the customer names 100.00 of I1: 200.00 stays unallocated
- 01-18 shipment of 40 units (100.00), not invoiced; 01-20 return of 20 → credit note CN 50.00,
  nothing to apply it to: unapplied
- 02-10 invoice I2 100.00 (the 40 units), due 03-12
- 02-15 R1's advance applied to I1 (what it has open: 300.00) → R1 has 200.00 left
- 02-20 CN applied: 50.00 to I2
- 03-01 R2 reversed (冲销): its 100.00 on I1 is open again, its 200.00 leaves

| as of | instalments                    | unapplied            | net    |
|-------|--------------------------------|----------------------|--------|
| 01-31 | not_due 300 (I1)               | 500 + 200 + 50 = 750 | −450   |
| 02-16 | not_due 100 (I2)               | 200 + 200 + 50 = 450 | −350   |
| 02-28 | not_due 50 (I2)                | 200 + 200 = 400      | −350   |
| 03-01 | 1-30 100 (I1, 20 d), not_due 50 | 200                 | −50    |

Check by the statement's rule (invoices − receipts + reversals − credit notes): 01-31 400 − 800 − 50
= −450; 02-28 500 − 800 − 50 = −350; 03-01 500 − 800 + 300 − 50 = −50.

AP (supplier S001, 30 days):

- 03-01 advance payment P1 300.00 (no bill yet)
- 03-05 bill B1 200.00 (water 100 @ 2.00), due 04-04: posting applies 200.00 of P1 → P1 100.00 left
- 03-06 return of 10 water → debit note DN 20.00; B1 has nothing open: unapplied
- 03-10 bill B2 200.00 (tea 50 @ 4.00), due 04-09: posting applies DN 20.00, then P1's 100.00 → B2 80.00
- 03-12 payment P2 100.00 oldest first: 80.00 to B2, 20.00 unallocated; 03-15 P2 reversed

| as of | instalments   | unapplied        | net  |
|-------|---------------|------------------|------|
| 03-04 | –             | 300              | −300 |
| 03-05 | –             | 100              | −100 |
| 03-07 | –             | 100 + 20 = 120   | −120 |
| 03-10 | not_due 80    | 0                | 80   |
| 03-12 | –             | 20               | −20  |
| 03-15 | not_due 80    | 0                | 80   |
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import CreditNote, CustomerReceipt, DebitNote, SupplierPayment
from operational.services import collection, payables, payables_queries, purchasing, statements
from operational.services import receivables as ar
from operational.services.errors import ValidationError
from operational.services.orders import OrderLineInput as L
from operational.services.payables import BillLineInput
from operational.services.returns import ReturnLineInput, return_from_customer, return_to_supplier
from tests.operational.ar_support import bank, d, ship, user
from tests.operational.test_payables import _world

U = (-1, "unapplied")


def _aging(s, as_of, partner):
    return {(o, label): v for (p, o, label), v in ar.aging(s, as_of).items() if p == partner}


def test_ar_advance_partial_receipt_and_credit_note_count_until_applied(tiny):
    t = tiny
    c = t.customer
    with unit_of_work(t.engine) as s:
        acc = bank(s)
        r1 = ar.receive_payment(s, c, "500", acc, "2026-01-05").id
        i1 = ar.invoice_shipments(s, [ship(s, t, 160, "2.50", "2026-01-10").id], "2026-01-10")
        i1_id = i1.id
        r2 = ar.receive_payment(s, c, "300", acc, "2026-01-15", allocation=[(i1.instalments[0].id, "100")]).id
        s2 = ship(s, t, 40, "2.50", "2026-01-18")
        ret = return_from_customer(s, s2.id, "2026-01-20", [ReturnLineInput(s2.lines[0].id, 20)], reason="破损")
        cn = ar.issue_credit_note(s, ret.id).id
    with unit_of_work(t.engine) as s:
        assert ar.unapplied(s) == {c: d("750.00")}
        assert _aging(s, date(2026, 1, 31), c) == {(0, "not_due"): d("300.00"), U: d("-750.00")}
        assert ar.net_balance(s, as_of=date(2026, 1, 31)) == {c: d("-450.00")}
        assert ar.outstanding(s, as_of=date(2026, 1, 31)) == {c: d("300.00")}  # gross: open instalments only
        assert ar.unapplied(s, as_of=date(2026, 1, 5)) == {c: d("500.00")}
        assert ar.unapplied(s, as_of=date(2026, 1, 4)) == {}
    with unit_of_work(t.engine) as s:
        ar.invoice_shipments(s, [s2.id], "2026-02-10")
        # money cannot be applied before it was received
        with pytest.raises(ValidationError) as err:
            ar.allocate_advance(s, r2, "2026-01-14")
        assert err.value.code == "date_order"
    with unit_of_work(t.engine) as s:
        assert [r.amount for r in ar.allocate_advance(s, r1, "2026-02-15", invoice_ids=[i1_id])] == [d("300.00")]
    with unit_of_work(t.engine) as s:
        assert [r.amount for r in ar.apply_credit_note(s, cn, "2026-02-20")] == [d("50.00")]
    with unit_of_work(t.engine) as s:
        # the earlier date did not move; the later dates see the applications
        assert _aging(s, date(2026, 1, 31), c) == {(0, "not_due"): d("300.00"), U: d("-750.00")}
        assert _aging(s, date(2026, 2, 16), c) == {(0, "not_due"): d("100.00"), U: d("-450.00")}
        assert _aging(s, date(2026, 2, 28), c) == {(0, "not_due"): d("50.00"), U: d("-400.00")}
        for day, net in ((date(2026, 1, 31), "-450.00"), (date(2026, 2, 16), "-350.00"),
                         (date(2026, 2, 28), "-350.00")):
            assert sum(_aging(s, day, c).values()) == d(net) == ar.net_balance(s, as_of=day)[c]
            assert statements.balance(s, c, day) == d(net)  # the statement's own rule agrees
        st = statements.build(s, c, "2026-02-01", "2026-02-28")
        assert (st.opening, st.closing, st.unapplied) == (d("-450.00"), d("-350.00"), d("400.00"))
        assert dict(st.aging)["not_due"] == d("50.00")
        # the Excel statement's closing aging: the buckets, 未核销 negative, and the net total = closing
        sheet = load_workbook(io.BytesIO(statements.to_excel(st))).active
        rows = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r and r[0] in ("未核销预收/红字", "净额合计")}
        assert rows == {"未核销预收/红字": -400.0, "净额合计": -350.0}
        assert statements.to_pdf(st)[:4] == b"%PDF"
    with unit_of_work(t.engine) as s:
        ar.reverse_receipt(s, r2, "2026-03-01", "客户错", user=user(s, "finance"))
    with unit_of_work(t.engine) as s:
        assert _aging(s, date(2026, 2, 28), c) == {(0, "not_due"): d("50.00"), U: d("-400.00")}
        assert _aging(s, date(2026, 3, 1), c) == {(0, "not_due"): d("50.00"), (1, "1-30"): d("100.00"),
                                                  U: d("-200.00")}
        assert ar.net_balance(s) == {c: d("-50.00")} == {c: statements.balance(s, c, date(2026, 3, 1))}
        # "now" is what the documents hold: R1 200.00 left, R2 reversed (0), CN applied (0)
        left = sum((s.execute(select(func.sum(m.unallocated_amount))).scalar() for m in (CustomerReceipt, CreditNote)),
                   d("0"))
        assert ar.unapplied(s) == {c: left} == {c: d("200.00")}
        # I1's 100.00 is 20 days late, but the customer's 200.00 not yet applied covers it: not on the list
        assert collection.worklist(s, date(2026, 3, 1)) == []


def test_collection_worklist_nets_the_unapplied_money_oldest_due_date_first(tiny_sqlite):
    """Two invoices of 100.00 (due 02-04) and 250.00 (due 02-05); an advance of 150.00 on 01-20.
    On 03-01 both are overdue: the advance covers the first and 50.00 of the second → overdue
    200.00 (one instalment, 24 days), net balance 350 − 150 = 200.00."""
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        acc = bank(s)
        ar.invoice_shipments(s, [ship(s, t, 40, "2.50", "2026-01-05").id], "2026-01-05")
        ar.invoice_shipments(s, [ship(s, t, 100, "2.50", "2026-01-06").id], "2026-01-06")
        advance = ar.receive_payment(s, t.customer, "150", acc, "2026-01-20", allocation=[])
        assert advance.unallocated_amount == d("150.00")
    with unit_of_work(t.engine) as s:
        (row,) = collection.worklist(s, date(2026, 3, 1))
        assert (row["overdue_amount"], row["overdue_instalments"], row["overdue_days"], row["unapplied_amount"],
                row["outstanding"]) == (d("200.00"), 1, 24, d("150.00"), d("200.00"))


def _supplier_aging(s, as_of, supplier):
    return {(o, label): v for (p, o, label), v in payables.aging(s, as_of).items() if p == supplier}


def test_ap_advance_payment_and_debit_note_count_until_applied(store_engine):
    w = _world(store_engine)
    sup = w.t.supplier
    with unit_of_work(w.t.engine) as s:
        fin = w.user(s, w.finance)
        p1 = payables.pay(s, sup, "300", "2026-03-01", w.bank, user=fin).id
        po = purchasing.create_purchase_order(s, sup, w.t.wh1, "2026-03-02",
                                              [L(w.t.water, 100, "2.00"), L(w.t.tea, 50, "4.00")])
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_all(s, po.id, "2026-03-02")
        water, tea = (line.id for line in gr.lines)
        payables.create_bill(s, sup, "B1", "2026-03-05", [BillLineInput(water, "100", "2.00")], user=fin)
        ret = return_to_supplier(s, gr.id, "2026-03-06", [ReturnLineInput(water, 10)], reason="破损")
        note = payables.create_debit_note(s, ret.id, user=fin)
        assert (note.amount, note.unallocated_amount) == (d("20.00"), d("20.00"))
    with unit_of_work(w.t.engine) as s:
        assert payables.unapplied_by_supplier(s) == {sup: d("120.00")}
        assert payables.net_by_supplier(s) == {sup: d("-120.00")}
        payables.create_bill(s, sup, "B2", "2026-03-10", [BillLineInput(tea, "50", "4.00")], user=w.user(s, w.finance))
    with unit_of_work(w.t.engine) as s:
        assert s.execute(select(DebitNote.unallocated_amount)).scalar_one() == d("0.00")
        assert s.get(SupplierPayment, p1).unallocated_amount == d("0.00")
        p2 = payables.pay(s, sup, "100", "2026-03-12", w.bank, user=w.user(s, w.finance)).id
    with unit_of_work(w.t.engine) as s:
        assert payables_queries.payment_schedule(s) == []  # nothing open (20.00 of credit): nothing to pay
    with unit_of_work(w.t.engine) as s:
        payables.reverse_payment(s, p2, "2026-03-15", "付错", user=w.user(s, w.finance))
    expected = {date(2026, 3, 4): {U: d("-300.00")}, date(2026, 3, 5): {U: d("-100.00")},
                date(2026, 3, 7): {U: d("-120.00")}, date(2026, 3, 10): {(0, "not_due"): d("80.00")},
                date(2026, 3, 12): {U: d("-20.00")}, date(2026, 3, 15): {(0, "not_due"): d("80.00")}}
    nets = {date(2026, 3, 4): "-300.00", date(2026, 3, 5): "-100.00", date(2026, 3, 7): "-120.00",
            date(2026, 3, 10): "80.00", date(2026, 3, 12): "-20.00", date(2026, 3, 15): "80.00"}
    with unit_of_work(w.t.engine) as s:
        for day, buckets in expected.items():
            assert _supplier_aging(s, day, sup) == buckets, day
            assert payables.net_by_supplier(s, day) == {sup: d(nets[day])}, day
        (entry,) = payables_queries.payment_schedule(s)
        assert (entry["open_amount"], entry["unapplied_amount"], entry["net_amount"]) == (
            d("80.00"), d("0.00"), d("80.00"))
