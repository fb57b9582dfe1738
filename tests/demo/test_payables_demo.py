"""The payables demo pass at scale 0.05 on SQLite: suppliers bill per 旬, held bills are decided,
debit notes follow returns, Friday payment runs pay out of B01 — and the pass gives the same store
whether it runs over the 400 days at once or in two halves."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from operational.db import make_engine, unit_of_work
from operational.demo import generate
from operational.demo import passes as demo_passes
from operational.demo import payables as payables_pass
from operational.demo.calendar import date_range
from operational.migrate import upgrade
from operational.models import CashAccount, CashLedger, GoodsReceiptLine, PurchaseReturn, Supplier
from operational.models.payables import (
    ApAllocation,
    ApInstalment,
    DebitNote,
    SupplierBill,
    SupplierBillLine,
    SupplierPayment,
)
from operational.services import payables

END = date(2026, 3, 31)
DAYS = date_range(END - timedelta(days=399), 400)


def _engine(path: Path) -> Engine:
    return make_engine(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, Engine]:
    """(whole run, two-halves run) of the payables pass on the same base company."""
    work = tmp_path_factory.mktemp("payables_demo")
    base = work / "base.sqlite"
    engine = _engine(base)
    upgrade(engine)
    saved = list(demo_passes.PASSES)
    demo_passes.PASSES[:] = [p for p in saved if p[0] in ("hr", "receivables")]
    try:
        generate(engine, scale=0.05, seed=42, end_date=END)
    finally:
        demo_passes.PASSES[:] = saved
    engine.dispose()
    shutil.copy(base, work / "whole.sqlite")
    shutil.copy(base, work / "halves.sqlite")
    whole, halves = _engine(work / "whole.sqlite"), _engine(work / "halves.sqlite")
    payables_pass.run(whole, DAYS, 42)
    payables_pass.run(halves, DAYS[:190], 42)
    payables_pass.run(halves, DAYS[190:], 42)
    yield whole, halves
    whole.dispose()
    halves.dispose()


def _fingerprint(engine: Engine) -> dict[str, object]:
    with unit_of_work(engine) as s:
        return {
            "bills": s.execute(select(SupplierBill.doc_no, SupplierBill.supplier_invoice_no, SupplierBill.bill_date,
                                      SupplierBill.status, SupplierBill.total_amount, SupplierBill.approved_on)
                               .order_by(SupplierBill.id)).all(),
            "payments": s.execute(select(SupplierPayment.doc_no, SupplierPayment.payment_date, SupplierPayment.amount,
                                         SupplierPayment.status).order_by(SupplierPayment.id)).all(),
            "notes": s.execute(select(DebitNote.doc_no, DebitNote.amount).order_by(DebitNote.id)).all(),
            "allocations": s.execute(select(ApAllocation.instalment_id, ApAllocation.amount,
                                            ApAllocation.allocated_on).order_by(ApAllocation.id)).all(),
        }


def test_two_halves_give_the_same_store_as_one_run(stores):
    whole, halves = stores
    assert _fingerprint(whole) == _fingerprint(halves)


def test_the_back_office_bills_decides_notes_and_pays(stores):
    whole, _ = stores
    with unit_of_work(whole) as s:
        count = lambda q: s.execute(select(func.count()).select_from(q.subquery())).scalar_one()  # noqa: E731
        bills = count(select(SupplierBill.id))
        posted = count(select(SupplierBill.id).where(SupplierBill.status == "posted"))
        assert bills > 150 and posted > 0.9 * bills
        assert count(select(SupplierBill.id).where(SupplierBill.status == "held")) <= 2  # only the last days'
        assert count(select(SupplierBill.id).where(SupplierBill.approved_by.is_not(None))) >= 3  # held, approved
        assert count(select(SupplierBill.id).where(SupplierBill.match_status == "mismatch")) >= 3
        # nothing billed twice beyond what was received: every receipt line's billed (not rejected)
        # quantity is at most what was accepted, save the approved quantity variances
        over = s.execute(
            select(SupplierBillLine.receipt_line_id, func.sum(SupplierBillLine.quantity))
            .join(SupplierBill, SupplierBill.id == SupplierBillLine.bill_id)
            .where(SupplierBill.status != "rejected", SupplierBill.match_status == "matched")
            .group_by(SupplierBillLine.receipt_line_id)).all()
        accepted = dict(s.execute(select(GoodsReceiptLine.id, GoodsReceiptLine.quantity)).all())
        assert all(q <= accepted[r] for r, q in over)
        # returns of billed goods got their debit note
        assert count(select(DebitNote.id)) >= 1
        assert count(select(DebitNote.id)) <= count(select(PurchaseReturn.id))
        # Friday payment runs out of B01, each one cash-ledger row
        paid = s.execute(select(SupplierPayment).where(SupplierPayment.status == "paid")).scalars().all()
        assert len(paid) > 100 and {p.payment_date.isoweekday() for p in paid} == {5}
        b01 = s.execute(select(CashAccount.id).where(CashAccount.code == "B01")).scalar_one()
        assert {p.cash_account_id for p in paid} == {b01}
        ledger = s.execute(select(func.sum(CashLedger.amount)).where(CashLedger.kind == "supplier_payment")).scalar_one()
        assert -ledger == sum(p.amount for p in paid)
        # a quarter or so of the suppliers bill on the 30/60 instalment term
        assert count(select(Supplier.id).where(Supplier.payment_term_id.is_not(None))) >= 1
        assert count(select(ApInstalment.id).where(ApInstalment.seq == 2)) >= 1
        # the store's aging (未核销 included) adds up to the net payable; the open bills are kept small
        outstanding = payables.outstanding_by_supplier(s)
        assert sum(payables.aging(s, END).values()) == sum(payables.net_by_supplier(s, END).values())
        assert sum(outstanding.values()) < sum(b.total_amount for b in s.execute(select(SupplierBill)).scalars())
