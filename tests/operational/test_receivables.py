"""Receivables with stated numbers: the issue's invoice of 3,000.00 in three instalments, partly
paid and partly credited, aged on several report dates; allocation rules; advances; credit notes;
write-offs with approval; partial invoicing that never goes beyond what was shipped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import (
    AppUser,
    ArAllocation,
    ArInstalment,
    CashAccount,
    CashLedger,
    CreditNote,
    CustomerReceipt,
    SalesInvoice,
)
from operational.services import auth, cash
from operational.services import receivables as ar
from operational.services.errors import AuthError, DomainError, StateError, ValidationError
from operational.services.returns import ReturnLineInput
from operational.services.returns import return_from_customer as take_back
from tests.operational.ar_support import bank, ship, user

D = Decimal
THIRDS = [("33.3333", 30), ("33.3333", 60), ("33.3334", 90)]


def _instalments(s, invoice_id):
    return [(i.due_date, i.amount, i.settled_amount) for i in s.execute(
        select(ArInstalment).where(ArInstalment.invoice_id == invoice_id).order_by(ArInstalment.seq)).scalars()]


@pytest.fixture
def example(tiny):
    """Invoice SI of 3,000.00 on 2026-01-10 (1,200 × 2.50) with terms 30/60/90 in thirds;
    receipt 1,200.00 on 2026-02-20 (oldest first: 1,000 + 200); a return of 120 units on
    2026-03-01 → credit note 300.00 applied to the next open instalment."""
    t = tiny
    with unit_of_work(t.engine) as s:
        term = ar.create_payment_term(s, "T306090", "30/60/90 各三分之一", THIRDS)
        ar.set_customer_term(s, t.customer, term.id)
        account = bank(s)
        shipment = ship(s, t, 1200, "2.50", "2026-01-10")
        invoice = ar.invoice_shipments(s, [shipment.id], "2026-01-10")
    with unit_of_work(t.engine) as s:
        receipt = ar.receive_payment(s, t.customer, "1200.00", account, "2026-02-20")
    with unit_of_work(t.engine) as s:
        ret = take_back(s, shipment.id, "2026-03-01", [ReturnLineInput(shipment.lines[0].id, 120)], reason="破损")
        note = ar.issue_credit_note(s, ret.id)
    t.invoice, t.receipt, t.note, t.account, t.shipment = invoice.id, receipt.id, note.id, account, shipment.id
    return t


def test_three_instalments_partly_paid_and_credited(example):
    t = example
    with unit_of_work(t.engine) as s:
        invoice = s.get(SalesInvoice, t.invoice)
        assert invoice.total_amount == D("3000.00")
        assert _instalments(s, t.invoice) == [
            (date(2026, 2, 9), D("1000.00"), D("1000.00")),  # receipt 1,000
            (date(2026, 3, 11), D("1000.00"), D("500.00")),  # receipt 200 + credit note 300
            (date(2026, 4, 10), D("1000.00"), D("0.00")),
        ]
        note = s.get(CreditNote, t.note)
        assert (note.amount, note.unallocated_amount, note.invoice_id) == (D("300.00"), D("0.00"), t.invoice)
        receipt = s.get(CustomerReceipt, t.receipt)
        assert receipt.unallocated_amount == D("0.00")
        allocations = s.execute(select(ArAllocation.source_type, ArAllocation.amount, ArAllocation.allocated_on)
                                .order_by(ArAllocation.id)).all()
        assert allocations == [("receipt", D("1000.00"), date(2026, 2, 20)), ("receipt", D("200.00"), date(2026, 2, 20)),
                               ("credit_note", D("300.00"), date(2026, 3, 1))]
        # the receipt is one cash-ledger row into the bank
        assert s.execute(select(CashLedger.amount, CashLedger.kind).where(
            CashLedger.doc_type == "customer_receipt")).all() == [(D("1200.00"), "customer_receipt")]
        assert ar.outstanding(s) == {t.customer: D("1500.00")}


# Report date → aging buckets of the example (age = report date − due date; due 02-09, 03-11, 04-10).
REPORTS = [
    (date(2026, 1, 9), {}),  # before the invoice
    (date(2026, 1, 31), {"not_due": "3000.00"}),
    (date(2026, 2, 15), {"not_due": "2000.00", "1-30": "1000.00"}),  # instalment 1 is 6 days late
    (date(2026, 2, 28), {"not_due": "1800.00"}),  # after the receipt: 800 + 1,000
    (date(2026, 3, 31), {"not_due": "1000.00", "1-30": "500.00"}),  # after the credit note; #2 is 20 days late
    (date(2026, 6, 15), {"61-90": "1000.00", "91-120": "500.00"}),  # #3 66 days, #2 96 days
    (date(2026, 9, 30), {"120+": "1500.00"}),  # 173 and 203 days
]


def test_example_aged_on_report_dates(example):
    t = example
    with unit_of_work(t.engine) as s:
        for report, buckets in REPORTS:
            got = {label: amount for (_c, _o, label), amount in ar.aging(s, report).items()}
            assert got == {k: D(v) for k, v in buckets.items()}, report
            total = ar.outstanding(s, as_of=report).get(t.customer, D(0))
            assert sum(got.values(), D(0)) == total
        # configured buckets (45, 75) on 2026-06-15: 66 days → 46-75, 96 days → 75+
        got = {label: a for (_c, _o, label), a in ar.aging(s, date(2026, 6, 15), (45, 75)).items()}
        assert got == {"46-75": D("1000.00"), "75+": D("500.00")}


def test_user_chosen_allocation_and_advance(tiny):
    """Two invoices of 100.00 and 250.00; the customer pays 300.00 and says it is for the second
    invoice (250.00) and 30.00 of the first; 20.00 stays as an advance, applied later oldest first."""
    t = tiny
    with unit_of_work(t.engine) as s:
        account = bank(s)
        a = ar.invoice_shipments(s, [ship(s, t, 40, "2.50", "2026-01-05").id], "2026-01-05")
        b = ar.invoice_shipments(s, [ship(s, t, 100, "2.50", "2026-01-06").id], "2026-01-06")
        ia, ib = a.instalments[0].id, b.instalments[0].id
    with unit_of_work(t.engine) as s:
        receipt = ar.receive_payment(s, t.customer, "300", account, "2026-01-20", allocation=[(ib, "250"), (ia, "30")])
        assert receipt.unallocated_amount == D("20.00")
        assert ar.unapplied_credits(s) == {t.customer: D("20.00")}
        assert ar.outstanding(s) == {t.customer: D("70.00")}
    with unit_of_work(t.engine) as s, pytest.raises(ValidationError) as err:
        ar.allocate_advance(s, receipt.id, "2026-01-25", allocation=[(ia, "20.01")])
    assert err.value.code == "allocation_exceeds_source"
    with unit_of_work(t.engine) as s:
        rows = ar.allocate_advance(s, receipt.id, "2026-01-25")
        assert [(r.instalment_id, r.amount, r.allocated_on) for r in rows] == [(ia, D("20.00"), date(2026, 1, 25))]
        assert ar.outstanding(s) == {t.customer: D("50.00")}
        assert ar.outstanding(s, as_of=date(2026, 1, 24)) == {t.customer: D("70.00")}
        assert ar.unapplied_credits(s) == {}


def test_receipt_without_invoices_is_an_advance_then_applied(tiny):
    t = tiny
    with unit_of_work(t.engine) as s:
        account = bank(s)
        receipt = ar.receive_payment(s, t.customer, "500", account, "2026-01-02")
        assert receipt.unallocated_amount == D("500.00")
        invoice = ar.invoice_shipments(s, [ship(s, t, 80, "2.50", "2026-01-10").id], "2026-01-10")  # 200.00
        assert ar.apply_open_credits(s, t.customer, date(2026, 1, 10)) == D("200.00")
        assert _instalments(s, invoice.id)[0][2] == D("200.00")
        s.refresh(receipt)
        assert receipt.unallocated_amount == D("300.00")
        # never settled before the invoice existed
        assert s.execute(select(ArAllocation.allocated_on)).scalar_one() == date(2026, 1, 10)


def test_partial_invoicing_never_beyond_shipped(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        shipment = ship(s, t, 10, "3.00", "2026-01-05")
        line = shipment.lines[0].id
        first = ar.create_invoice(s, t.customer, "2026-01-05", [ar.InvoiceLineInput(line, 4)])
        assert first.total_amount == D("12.00")
    with unit_of_work(t.engine) as s, pytest.raises(ValidationError) as err:
        ar.create_invoice(s, t.customer, "2026-01-06", [ar.InvoiceLineInput(line, "6.0001")])
    assert err.value.code == "over_invoice"
    with unit_of_work(t.engine) as s:
        second = ar.invoice_shipments(s, [shipment.id], "2026-01-06")
        assert (second.lines[0].quantity, second.total_amount) == (D("6.0000"), D("18.00"))
        with pytest.raises(ValidationError) as err:
            ar.invoice_shipments(s, [shipment.id], "2026-01-07")
        assert err.value.code == "nothing_to_invoice"
    # cancelling the unpaid first invoice frees its 4 units again
    with unit_of_work(t.engine) as s:
        ar.cancel_invoice(s, first.id, "2026-01-08")
        again = ar.invoice_shipments(s, [shipment.id], "2026-01-08")
        assert again.total_amount == D("12.00")
        assert ar.outstanding(s) == {t.customer: D("30.00")}


def test_invoice_with_allocations_cannot_be_cancelled(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        account = bank(s)
        invoice = ar.invoice_shipments(s, [ship(s, t, 10, "3.00", "2026-01-05").id], "2026-01-05")
        ar.receive_payment(s, t.customer, "1", account, "2026-01-06")
    with unit_of_work(t.engine) as s, pytest.raises(StateError) as err:
        ar.cancel_invoice(s, invoice.id, "2026-01-07")
    assert err.value.code == "invoice_has_allocations"


def test_credit_note_before_invoicing_stays_unapplied(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        shipment = ship(s, t, 10, "3.00", "2026-01-05")
        ret = take_back(s, shipment.id, "2026-01-07", [ReturnLineInput(shipment.lines[0].id, 2)], reason="破损")
        note = ar.issue_credit_note(s, ret.id)
        assert (note.amount, note.unallocated_amount, note.invoice_id) == (D("6.00"), D("6.00"), None)
        with pytest.raises(StateError):
            ar.issue_credit_note(s, ret.id)
        invoice = ar.invoice_shipments(s, [shipment.id], "2026-01-31")  # month-end invoice of all 10
        assert invoice.total_amount == D("30.00")
        assert ar.apply_open_credits(s, t.customer, date(2026, 1, 31)) == D("6.00")
        assert ar.outstanding(s) == {t.customer: D("24.00")}


def test_write_off_needs_a_manager(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        account = bank(s)
        clerk, boss, sales_rep = user(s, "finance"), user(s, "manager"), user(s, "sales")
        invoice = ar.invoice_shipments(s, [ship(s, t, 100, "2.50", "2026-01-05").id], "2026-01-05")  # 250.00
        ar.receive_payment(s, t.customer, "50", account, "2026-02-01")
    with unit_of_work(t.engine) as s:
        with pytest.raises(AuthError):
            ar.request_write_off(s, invoice.id, "倒闭", "2026-08-01", user=sales_rep)
        with pytest.raises(ValidationError) as err:
            ar.request_write_off(s, invoice.id, "倒闭", "2026-08-01", amount="200.01", user=clerk)
        assert err.value.code == "write_off_exceeds_outstanding"
        wo = ar.request_write_off(s, invoice.id, "客户已注销", "2026-08-01", user=clerk)
        assert (wo.amount, wo.status) == (D("200.00"), "requested")
        assert ar.outstanding(s) == {t.customer: D("200.00")}  # nothing settled yet
        with pytest.raises(AuthError):
            ar.approve_write_off(s, wo.id, "2026-08-03", user=clerk)
    with unit_of_work(t.engine) as s:
        wo = ar.approve_write_off(s, wo.id, "2026-08-03", user=boss)
        assert (wo.status, wo.decided_by, wo.decided_on) == ("approved", boss.id, date(2026, 8, 3))
        assert ar.outstanding(s) == {}
        assert ar.outstanding(s, as_of=date(2026, 8, 2)) == {t.customer: D("200.00")}
        with pytest.raises(StateError):
            ar.reject_write_off(s, wo.id, "2026-08-04", user=boss)


def test_settled_amount_equals_the_allocation_journal(example):
    with unit_of_work(example.engine) as s:
        settled = s.execute(select(func.sum(ArInstalment.settled_amount))).scalar_one()
        journal = s.execute(select(func.sum(ArAllocation.amount))).scalar_one()
        assert settled == journal == D("1500.00")


def test_credit_exposure_counts_open_invoices_less_unapplied_credits(tiny_sqlite):
    """Invoiced 250.00, an advance of 100.00 not applied, 100.00 shipped but not invoiced (not
    counted), a new order of 30.00: exposure = 0 open orders + 30.00 + (250.00 − 100.00) = 180.00."""
    from operational.services import credit, sales
    from operational.services.orders import OrderLineInput as L

    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        account = bank(s)
        ar.invoice_shipments(s, [ship(s, t, 100, "2.50", "2026-01-05").id], "2026-01-05")
        ship(s, t, 40, "2.50", "2026-01-06")
        ar.receive_payment(s, t.customer, "100", account, "2026-01-07", allocation=[])
        order = sales.create_sales_order(s, t.customer, t.wh1, "2026-01-08", [L(t.water, 10, "3.00", 0)])
        check = credit.check_credit(s, order)
        assert (check.open_orders, check.this_order, check.receivables, check.unapplied_credits, check.exposure) == (
            D("0.00"), D("30.00"), D("250.00"), D("100.00"), D("180.00"))
        # an advance larger than what is owed does not lower the exposure below the orders
        ar.receive_payment(s, t.customer, "1000", account, "2026-01-08", allocation=[])
        assert credit.check_credit(s, order).exposure == D("30.00")


def test_statement_of_the_example(example):
    """February–March 2026: opening 3,000.00; receipt −1,200.00 → 1,800.00; credit note −300.00 →
    1,500.00; aging on 03-31 not_due 1,000.00 and 1-30 500.00; PDF and Excel render it."""
    import io

    from openpyxl import load_workbook

    from operational.services import statements

    with unit_of_work(example.engine) as s:
        st = statements.build(s, example.customer, "2026-02-01", "2026-03-31")
    assert st.opening == D("3000.00")
    assert [(ln.on, ln.kind, ln.debit, ln.credit, ln.balance) for ln in st.lines] == [
        (date(2026, 2, 20), "receipt", D(0), D("1200.00"), D("1800.00")),
        (date(2026, 3, 1), "credit_note", D(0), D("300.00"), D("1500.00"))]
    assert (st.closing, st.unapplied) == (D("1500.00"), D("0.00"))
    assert dict(st.aging) == {"not_due": D("1000.00"), "1-30": D("500.00"), "31-60": D(0), "61-90": D(0),
                              "91-120": D(0), "120+": D(0)}
    assert statements.to_pdf(st).startswith(b"%PDF")
    sheet = load_workbook(io.BytesIO(statements.to_excel(st, "en"))).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["Closing balance", 1500.0] in values
    assert ["Opening balance", 3000.0] in values


# --- reversal (冲销) of a receipt entered in error ---------------------------------------------------

def test_reversing_a_receipt_reopens_what_it_settled_and_takes_the_money_back(example):
    """The example's receipt of 1,200.00 (02-20: 1,000 on instalment 1, 200 on instalment 2) is
    reversed on 03-10: instalment 1 is open 1,000.00 again, instalment 2 keeps only the credit note
    (300.00 settled); AR is 2,700.00 from 03-10 and still 1,500.00 on 03-09; the bank is back to 0;
    the statement shows the reversal as a debit of 1,200.00."""
    from operational.services import statements

    t = example
    with unit_of_work(t.engine) as s:
        finance = user(s, "finance")
        with pytest.raises(ValidationError) as early:
            ar.reverse_receipt(s, t.receipt, "2026-02-19", "客户录错", user=finance)
        assert (early.value.code, early.value.field) == ("reversal_before_document", "reversed_on")
        with pytest.raises(ValidationError) as no_reason:
            ar.reverse_receipt(s, t.receipt, "2026-03-10", "  ", user=finance)
        assert (no_reason.value.code, no_reason.value.field) == ("required", "reversal_reason")
        with pytest.raises(AuthError):
            ar.reverse_receipt(s, t.receipt, "2026-03-10", "客户录错", user=user(s, "sales"))
        done = ar.reverse_receipt(s, t.receipt, "2026-03-10", "客户录错", user=finance)
        assert (done.status, done.reversed_on, done.reversed_by, done.unallocated_amount) == (
            "reversed", date(2026, 3, 10), finance.id, D("0.00"))
    with unit_of_work(t.engine) as s:
        assert [(amount, settled) for _, amount, settled in _instalments(s, t.invoice)] == [
            (D("1000.00"), D("0.00")), (D("1000.00"), D("300.00")), (D("1000.00"), D("0.00"))]
        assert ar.outstanding(s) == {t.customer: D("2700.00")}
        assert ar.outstanding(s, as_of=date(2026, 3, 9)) == {t.customer: D("1500.00")}
        assert s.get(CashAccount, t.account).balance == D("0.00")
        rows = s.execute(select(CashLedger.entry_date, CashLedger.amount).where(CashLedger.account_id == t.account)
                         .order_by(CashLedger.id)).all()
        assert rows == [(date(2026, 2, 20), D("1200.00")), (date(2026, 3, 10), D("-1200.00"))]
        with pytest.raises(StateError) as twice:
            ar.reverse_receipt(s, t.receipt, "2026-03-11", "再冲一次", user=user(s, "manager"))
        assert twice.value.code == "bad_state"
        st = statements.build(s, t.customer, "2026-02-01", "2026-03-31")
    assert [(ln.on, ln.kind, ln.debit, ln.credit, ln.balance) for ln in st.lines] == [
        (date(2026, 2, 20), "receipt", D(0), D("1200.00"), D("1800.00")),
        (date(2026, 3, 1), "credit_note", D(0), D("300.00"), D("1500.00")),
        (date(2026, 3, 10), "receipt_reversal", D("1200.00"), D(0), D("2700.00"))]
    assert (st.closing, st.unapplied) == (D("2700.00"), D("0.00"))


def test_a_reversal_the_account_cannot_cover_is_refused_and_changes_nothing(example):
    t = example
    with unit_of_work(t.engine) as s:
        cash.post(s, t.account, date(2026, 3, 5), D("-1000.00"), "other_expense", memo="房租")
    with unit_of_work(t.engine) as s, pytest.raises(StateError) as err:
        ar.reverse_receipt(s, t.receipt, "2026-03-10", "客户录错", user=user(s, "finance"))
    assert err.value.code == "insufficient_funds"
    with unit_of_work(t.engine) as s:
        assert s.get(CustomerReceipt, t.receipt).status == "posted"
        assert ar.outstanding(s) == {t.customer: D("1500.00")}
        assert s.get(CashAccount, t.account).balance == D("200.00")


def test_two_clerks_reversing_one_receipt_at_once_reverse_it_once(example):
    import threading

    t = example
    with unit_of_work(t.engine) as s:
        ids = [user(s, "finance").id, auth.create_user(s, "mgr2", "secret-pass-1", "manager", "经理",
                                                       iterations=1000).id]
    barrier, outcomes, lock = threading.Barrier(2), [], threading.Lock()

    def reverse(uid: int) -> None:
        barrier.wait()
        try:
            with unit_of_work(t.engine) as s:
                ar.reverse_receipt(s, t.receipt, "2026-03-10", "重复录入", user=s.get(AppUser, uid))
            result = "reversed"
        except DomainError:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=reverse, args=(uid,)) for uid in ids]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert sorted(outcomes) == ["refused", "reversed"]
    with unit_of_work(t.engine) as s:
        assert ar.outstanding(s) == {t.customer: D("2700.00")}
        assert s.get(CashAccount, t.account).balance == D("0.00")
        assert cash.balance(s, t.account) == D("0.00")
