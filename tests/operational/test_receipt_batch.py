"""A day's customer receipts posted as one batch (``receivables.receive_payments``): the same
documents, cash rows, allocations and balances as posting them one by one, checked on stated
numbers; a batch that would settle an instalment beyond what is open keeps nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import ArAllocation, ArInstalment, CashAccount, CashLedger, CustomerReceipt
from operational.services import masterdata as md
from operational.services import receivables as ar
from operational.services.errors import StateError
from tests.operational.ar_support import bank, ship

D = Decimal


@pytest.fixture
def two_customers(tiny):
    """C001: invoices of 100.00 (01-05) and 250.00 (01-06); C002: invoices of 50.00 (01-07) and
    75.00 (01-08); two bank accounts."""
    t = tiny
    with unit_of_work(t.engine) as s:
        t.other = md.create_customer(s, "C002", "无锡超市", credit_limit="50000").id
        t.b01, t.b02 = bank(s, "B01"), bank(s, "B02")
        a = ar.invoice_shipments(s, [ship(s, t, 40, "2.50", "2026-01-05").id], "2026-01-05")
        b = ar.invoice_shipments(s, [ship(s, t, 100, "2.50", "2026-01-06").id], "2026-01-06")
        c = ar.invoice_shipments(s, [ship(s, t, 20, "2.50", "2026-01-07", customer=t.other).id], "2026-01-07")
        e = ar.invoice_shipments(s, [ship(s, t, 30, "2.50", "2026-01-08", customer=t.other).id], "2026-01-08")
        t.ia, t.ib, t.ic, t.ie = (i.instalments[0].id for i in (a, b, c, e))
    return t


def test_a_days_receipts_in_one_batch(two_customers):
    """C001 pays 300.00 into B01 for 250.00 of the second invoice and 30.00 of the first (20.00
    stays as an advance); C002 pays 100.00 into B02 oldest first (50.00 + 50.00 of 75.00)."""
    t = two_customers
    with unit_of_work(t.engine) as s:
        receipts = ar.receive_payments(s, "2026-01-20", [
            ar.ReceiptRequest(t.customer, "300", t.b01, allocation=[(t.ib, "250"), (t.ia, "30")], reference="网银1"),
            ar.ReceiptRequest(t.other, "100.00", t.b02),
        ])
        assert [(r.doc_no, r.customer_id, r.amount, r.unallocated_amount, r.receipt_date) for r in receipts] == [
            ("RC-2026-000001", t.customer, D("300.00"), D("20.00"), date(2026, 1, 20)),
            ("RC-2026-000002", t.other, D("100.00"), D("0.00"), date(2026, 1, 20))]
    with unit_of_work(t.engine) as s:
        settled = dict(s.execute(select(ArInstalment.id, ArInstalment.settled_amount)).all())
        assert [settled[i] for i in (t.ia, t.ib, t.ic, t.ie)] == [D("30.00"), D("250.00"), D("50.00"), D("50.00")]
        allocations = s.execute(select(ArAllocation.instalment_id, ArAllocation.amount, ArAllocation.allocated_on,
                                       ArAllocation.source_type).order_by(ArAllocation.id)).all()
        assert sorted(allocations) == sorted([
            (t.ib, D("250.00"), date(2026, 1, 20), "receipt"), (t.ia, D("30.00"), date(2026, 1, 20), "receipt"),
            (t.ic, D("50.00"), date(2026, 1, 20), "receipt"), (t.ie, D("50.00"), date(2026, 1, 20), "receipt")])
        # one cash row per receipt, into its account, and the balances moved by as much
        rows = s.execute(select(CashLedger.account_id, CashLedger.amount, CashLedger.doc_no, CashLedger.counterparty)
                         .where(CashLedger.kind == "customer_receipt").order_by(CashLedger.id)).all()
        assert rows == [(t.b01, D("300.00"), "RC-2026-000001", "苏州便利连锁"),
                        (t.b02, D("100.00"), "RC-2026-000002", "无锡超市")]
        assert dict(s.execute(select(CashAccount.id, CashAccount.balance)).all()) == {t.b01: D("300.00"),
                                                                                     t.b02: D("100.00")}
        assert ar.outstanding(s) == {t.customer: D("70.00"), t.other: D("25.00")}
        assert ar.unapplied_credits(s) == {t.customer: D("20.00")}


def test_a_batch_settling_beyond_what_is_open_keeps_nothing(two_customers):
    """Two receipts of the batch both name the whole 250.00 instalment: refused before anything
    is written, and the unit of work keeps no receipt, cash row or allocation."""
    t = two_customers
    with pytest.raises(StateError) as err, unit_of_work(t.engine) as s:
        ar.receive_payments(s, "2026-01-20", [ar.ReceiptRequest(t.customer, "250", t.b01, allocation=[(t.ib, "250")]),
                                              ar.ReceiptRequest(t.customer, "250", t.b01, allocation=[(t.ib, "250")])])
    assert err.value.code == "over_allocation"
    with unit_of_work(t.engine) as s:
        assert s.execute(select(CustomerReceipt.id)).first() is None
        assert s.execute(select(CashLedger.id).where(CashLedger.kind == "customer_receipt")).first() is None
        assert s.execute(select(ArInstalment.settled_amount).where(ArInstalment.id == t.ib)).scalar_one() == D(0)
