"""The shared open-items rules: instalment schedules, aging buckets, and allocation that never
over-settles (also when two receipts race for the same instalment, on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import ArAllocation, ArInstalment, CustomerReceipt
from operational.services import open_items, receivables
from operational.services.errors import StateError, ValidationError
from operational.services.open_items import Source, bucket, bucket_labels, schedule
from tests.operational.ar_support import bank, ship

D = Decimal


def test_schedule_thirds_last_instalment_takes_the_rounding():
    lines = [(D("33.3333"), 30), (D("33.3333"), 60), (D("33.3334"), 90)]
    assert schedule(D("3000.00"), date(2026, 1, 10), lines) == [
        (date(2026, 2, 9), D("1000.00")), (date(2026, 3, 11), D("1000.00")), (date(2026, 4, 10), D("1000.00"))]
    # 100.00 in thirds: 33.33 + 33.33 + 33.34, still exactly 100.00
    assert [a for _, a in schedule(D("100.00"), date(2026, 1, 1), lines)] == [D("33.33"), D("33.33"), D("33.34")]
    # 0.05 in halves: 0.03 (half-up) + 0.02
    assert [a for _, a in schedule(D("0.05"), date(2026, 1, 1), [(D(50), 0), (D(50), 30)])] == [D("0.03"), D("0.02")]


def test_no_term_is_one_instalment_after_the_partner_days():
    assert schedule(D("12.34"), date(2026, 1, 31), [(D(100), 45)]) == [(date(2026, 3, 17), D("12.34"))]


def test_term_lines_must_add_up_to_100():
    assert open_items.check_term_lines([("30", 0), ("70", "30")]) == [(D(30), 0), (D(70), 30)]
    with pytest.raises(ValidationError) as err:
        open_items.check_term_lines([("30", 0), ("60", 30)])
    assert err.value.code == "term_percent_total"
    with pytest.raises(ValidationError):
        open_items.check_term_lines([("100", -1)])


@pytest.mark.parametrize(("report", "expected"), [
    (date(2026, 3, 1), (0, "not_due")),  # due today: age 0, not yet due
    (date(2026, 2, 20), (0, "not_due")),
    (date(2026, 3, 2), (1, "1-30")),
    (date(2026, 3, 31), (1, "1-30")),  # age 30
    (date(2026, 4, 1), (2, "31-60")),  # age 31
    (date(2026, 5, 30), (3, "61-90")),  # age 90
    (date(2026, 5, 31), (4, "91-120")),  # age 91
    (date(2026, 6, 29), (4, "91-120")),  # age 120
    (date(2026, 6, 30), (5, "120+")),  # age 121
])
def test_default_buckets(report, expected):
    assert tuple(bucket(report, date(2026, 3, 1))) == expected


def test_configurable_buckets():
    assert bucket_labels((15, 45)) == ["not_due", "1-15", "16-45", "45+"]
    assert tuple(bucket(date(2026, 1, 20), date(2026, 1, 1), (15, 45))) == (2, "16-45")
    assert tuple(bucket(date(2026, 3, 1), date(2026, 1, 1), (15, 45))) == (3, "45+")
    with pytest.raises(ValidationError):
        open_items.check_buckets((30, 30))
    with pytest.raises(ValidationError):
        open_items.check_buckets((0, 30))


def _invoice(t, amount_qty: int, price: str, on: str) -> int:
    with unit_of_work(t.engine) as s:
        shipment = ship(s, t, amount_qty, price, on)
        return receivables.invoice_shipments(s, [shipment.id], on).id


def test_chosen_allocation_refuses_more_than_is_open(tiny):
    t = tiny
    invoice_id = _invoice(t, 40, "2.50", "2026-01-10")  # 100.00, one instalment
    with unit_of_work(t.engine) as s:
        account = bank(s)
    with unit_of_work(t.engine) as s:
        inst = s.execute(select(ArInstalment).where(ArInstalment.invoice_id == invoice_id)).scalar_one()
        with pytest.raises(StateError) as err:
            open_items.allocate_chosen(s, receivables.AR, t.customer, [(inst.id, "100.01")],
                                       source=Source("receipt", 1, "RC-X"), on=date(2026, 1, 11))
        assert err.value.code == "over_allocation"
        assert err.value.params["open"] == D("100.00")
    with unit_of_work(t.engine) as s:  # nothing was written
        assert s.execute(select(func.count()).select_from(ArAllocation)).scalar_one() == 0
        receivables.receive_payment(s, t.customer, "60", account, "2026-01-12")
    with unit_of_work(t.engine) as s:
        inst = s.execute(select(ArInstalment).where(ArInstalment.invoice_id == invoice_id)).scalar_one()
        assert inst.settled_amount == D("60.00")
        with pytest.raises(StateError):
            open_items.allocate_chosen(s, receivables.AR, t.customer, [(inst.id, "40.01")],
                                       source=Source("receipt", 1, "RC-X"), on=date(2026, 1, 13))


def test_reversal_is_a_negative_row(tiny_sqlite):
    t = tiny_sqlite
    invoice_id = _invoice(t, 40, "2.50", "2026-01-10")
    with unit_of_work(t.engine) as s:
        account = bank(s)
        receipt = receivables.receive_payment(s, t.customer, "100", account, "2026-01-12")
    with unit_of_work(t.engine) as s:
        rows = s.execute(select(ArAllocation)).scalars().all()
        back = open_items.reverse(s, receivables.AR, rows, on=date(2026, 1, 15))
        assert [r.amount for r in back] == [D("-100.00")]
        inst = s.execute(select(ArInstalment).where(ArInstalment.invoice_id == invoice_id)).scalar_one()
        assert inst.settled_amount == D("0.00")
        assert open_items.net_allocations(s, receivables.AR, "receipt", receipt.id) == {}
        # as of the 14th the receipt still counted, as of the 15th it no longer does
        assert receivables.outstanding(s, as_of=date(2026, 1, 14)) == {}
        assert receivables.outstanding(s, as_of=date(2026, 1, 15)) == {t.customer: D("100.00")}


def test_concurrent_receipts_never_over_settle(tiny):
    """Two receipts of 70.00 race for one open instalment of 100.00: it ends settled 100.00 in
    total, one receipt keeps 40.00 as an advance, never 140.00 settled."""
    t = tiny
    for round_no in range(4):
        invoice_id = _invoice(t, 40, "2.50", f"2026-02-0{round_no + 1}")
        with unit_of_work(t.engine) as s:
            account = bank(s, f"B{round_no}")
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def pay(account=account, invoice_id=invoice_id, barrier=barrier, errors=errors) -> None:
            barrier.wait()
            try:
                with unit_of_work(t.engine) as s:
                    receivables.receive_payment(s, t.customer, "70", account, "2026-02-10", invoice_ids=[invoice_id])
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=pay) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
        assert not errors, errors
        with unit_of_work(t.engine) as s:
            inst = s.execute(select(ArInstalment).where(ArInstalment.invoice_id == invoice_id)).scalar_one()
            assert inst.settled_amount == D("100.00"), f"round {round_no}"
            allocated = s.execute(select(func.sum(ArAllocation.amount)).where(
                ArAllocation.instalment_id == inst.id)).scalar_one()
            assert allocated == D("100.00")
            left = sorted(r.unallocated_amount for r in s.execute(
                select(CustomerReceipt).where(CustomerReceipt.cash_account_id == account)).scalars())
            assert left == [D("0.00"), D("40.00")]


def test_concurrent_invoices_never_bill_a_shipment_line_twice(tiny):
    """Two clerks invoice the same shipment (10 units) at the same instant: one invoice of 25.00
    posts, the other is refused with over_invoice and leaves nothing behind."""
    from operational.models import InvoicedShipmentLine, SalesInvoice

    t = tiny
    for round_no in range(4):
        with unit_of_work(t.engine) as s:
            shipment_id = ship(s, t, 10, "2.50", f"2026-03-0{round_no + 1}").id
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def bill(shipment_id=shipment_id, barrier=barrier, outcomes=outcomes) -> None:
            barrier.wait()
            try:
                with unit_of_work(t.engine) as s:
                    receivables.invoice_shipments(s, [shipment_id], "2026-03-10")
                outcomes.append("posted")
            except ValidationError as err:
                outcomes.append(err.code)

        threads = [threading.Thread(target=bill) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
        # the loser either saw the line invoiced already or lost the conditional UPDATE
        assert sorted(outcomes) in (["nothing_to_invoice", "posted"], ["over_invoice", "posted"]), outcomes
        with unit_of_work(t.engine) as s:
            lines = s.execute(select(InvoicedShipmentLine.invoiced_qty)).scalars().all()
            assert lines == [D("10.0000")] * (round_no + 1)
            assert s.execute(select(func.sum(SalesInvoice.total_amount))).scalar_one() == D("25.00") * (round_no + 1)


def test_cancelling_an_invoice_while_a_receipt_settles_it(tiny):
    """A clerk cancels an unpaid invoice while another allocates a receipt to it: either the invoice
    is cancelled and the receipt stays an advance, or the receipt settles it and the cancel is
    refused — never a cancelled invoice with money on it."""
    from operational.models import SalesInvoice

    t = tiny
    for round_no in range(4):
        invoice_id = _invoice(t, 40, "2.50", f"2026-04-0{round_no + 1}")
        with unit_of_work(t.engine) as s:
            account = bank(s, f"C{round_no}")
        barrier = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def cancel(invoice_id=invoice_id, barrier=barrier, outcomes=outcomes) -> None:
            barrier.wait()
            try:
                with unit_of_work(t.engine) as s:
                    receivables.cancel_invoice(s, invoice_id, "2026-04-10")
                outcomes["cancel"] = "done"
            except StateError as err:
                outcomes["cancel"] = err.code

        def pay(invoice_id=invoice_id, account=account, barrier=barrier, outcomes=outcomes) -> None:
            barrier.wait()
            with unit_of_work(t.engine) as s:
                receipt = receivables.receive_payment(s, t.customer, "100", account, "2026-04-10",
                                                      invoice_ids=[invoice_id])
                s.refresh(receipt)
                outcomes["advance"] = str(receipt.unallocated_amount)

        threads = [threading.Thread(target=cancel), threading.Thread(target=pay)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
        assert outcomes in ({"cancel": "done", "advance": "100.00"},
                            {"cancel": "invoice_has_allocations", "advance": "0.00"}), outcomes
        with unit_of_work(t.engine) as s:
            status = s.get(SalesInvoice, invoice_id).status
            journal = s.execute(select(ArAllocation.amount).join(
                ArInstalment, ArInstalment.id == ArAllocation.instalment_id).where(
                ArInstalment.invoice_id == invoice_id)).scalars().all()
            assert (status, journal) in (("cancelled", []), ("posted", [D("100.00")])), (status, journal)
