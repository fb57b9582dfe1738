"""Payables: the three-way match and its tolerances, held-bill approval, debit notes, payment
allocation (oldest first, chosen, advances), the cash guard, roles, and races on both backends."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from operational.db import unit_of_work
from operational.models import AppUser, CashAccount, CashLedger, PaymentTerm, PaymentTermLine, Supplier
from operational.models.payables import (
    ApAllocation,
    ApInstalment,
    DebitNote,
    SupplierBill,
    SupplierPayment,
)
from operational.services import auth, cash, open_items, payables, purchasing, returns
from operational.services.errors import AuthError, DomainError, StateError, ValidationError
from operational.services.orders import OrderLineInput as L
from operational.services.payables import DEFAULT_TOLERANCE, BillLineInput, Tolerance, match_line
from operational.services.returns import ReturnLineInput
from tests.operational.conftest import Tiny, build_tiny

D = Decimal


@dataclass
class World:
    t: Tiny
    finance: int
    manager: int
    purchasing: int
    bank: int

    def user(self, s, uid: int) -> AppUser:
        return s.get(AppUser, uid)


def _world(engine: Engine, opening: str = "100000") -> World:
    t = build_tiny(engine)
    with unit_of_work(engine) as s:
        fin = auth.create_user(s, "cw", "secret-123", "finance", "出纳", iterations=1000).id
        mgr = auth.create_user(s, "jl", "secret-123", "manager", "经理", iterations=1000).id
        pur = auth.create_user(s, "cg", "secret-123", "purchasing", "采购", iterations=1000).id
        bank = cash.create_account(s, "B01", "工行基本户", opening_balance=opening, opened_on=date(2026, 1, 1)).id
    return World(t, fin, mgr, pur, bank)


@pytest.fixture
def w(store_engine: Engine) -> World:
    return _world(store_engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def w2(request: pytest.FixtureRequest) -> World:
    return _world(request.getfixturevalue("store_engine" if request.param == "sqlite" else "pg_engine"))


def _receive(w: World, on: str, lines: list[L]) -> list[int]:
    """Order and receive everything; the receipt line ids in order."""
    with unit_of_work(w.t.engine) as s:
        po = purchasing.create_purchase_order(s, w.t.supplier, w.t.wh1, on, lines)
        purchasing.confirm_purchase_order(s, po.id)
        gr = purchasing.receive_all(s, po.id, on)
        return [line.id for line in gr.lines]


def _bill(w: World, no: str, on: str, lines: list[tuple[int, str, str]], uid: int | None = None) -> int:
    with unit_of_work(w.t.engine) as s:
        bill = payables.create_bill(s, w.t.supplier, no, on, [BillLineInput(r, q, p) for r, q, p in lines],
                                    user=w.user(s, uid or w.finance))
        return bill.id


def _outstanding(w: World, as_of: date | None = None) -> Decimal:
    with unit_of_work(w.t.engine) as s:
        return payables.outstanding_by_supplier(s, as_of).get(w.t.supplier, D("0.00"))


# --- the match rule --------------------------------------------------------------------------------

def test_price_tolerance_is_one_percent_plus_a_cent_either_way():
    # order net price 10.00: allowed 10.00 × 1 % + 0.01 = 0.11
    assert match_line(D(5), D("10.11"), D(5), D("10.00")).price_ok
    assert match_line(D(5), D("9.89"), D(5), D("10.00")).price_ok
    high = match_line(D(5), D("10.12"), D(5), D("10.00"))
    assert (high.price_ok, high.price_variance, high.price_allowed) == (False, D("0.12"), D("0.11"))
    assert not match_line(D(5), D("9.88"), D(5), D("10.00")).price_ok


def test_quantity_tolerance_is_two_percent_of_what_is_billable_and_only_upwards():
    # 100 billable: up to 102 matches; billing less is a partial bill
    assert match_line(D("102"), D(1), D(100), D(1)).qty_ok
    over = match_line(D("102.0001"), D(1), D(100), D(1))
    assert (over.qty_ok, over.qty_variance, over.qty_allowed) == (False, D("2.0001"), D("2.0000"))
    assert match_line(D("40"), D(1), D(100), D(1)).within_tolerance
    # nothing left to bill: any quantity is over
    assert not match_line(D("1"), D(1), D(0), D(1)).qty_ok
    # a supplier's own tolerance
    assert match_line(D("105"), D(1), D(100), D(1), Tolerance(D("0.05"), D("0.01"), D(0))).qty_ok
    assert DEFAULT_TOLERANCE == Tolerance(D("0.02"), D("0.01"), D("0.01"))


# --- bills -----------------------------------------------------------------------------------------

def test_three_line_bill_with_a_price_one_and_a_half_percent_over_is_held_naming_the_line(w):
    water, tea, ice = _receive(w, "2026-03-02", [L(w.t.water, 100, "2.00"), L(w.t.tea, 50, "4.00"),
                                                   L(w.t.ice, 20, "6.00")])
    # tea billed at 4.06 = 4.00 + 1.5 %; allowed 4.00 × 1 % + 0.01 = 0.05
    bill_id = _bill(w, "INV-001", "2026-03-05", [(water, "100", "2.00"), (tea, "50", "4.06"), (ice, "20", "6.00")])
    with unit_of_work(w.t.engine) as s:
        bill = s.get(SupplierBill, bill_id)
        assert (bill.status, bill.match_status, bill.total_amount) == ("held", "mismatch", D("523.00"))
        assert "第 2 行" in bill.hold_reason and "4.06" in bill.hold_reason and "1.50%" in bill.hold_reason
        assert "第 1 行" not in bill.hold_reason and "第 3 行" not in bill.hold_reason
        assert [ln.within_tolerance for ln in bill.lines] == [True, False, True]
        assert bill.lines[1].price_variance == D("0.06")
        en = payables.hold_reason(bill.lines[1], payables.line_check(s, bill.lines[1]), "en")
        assert en.startswith("line 2: unit price 4.06")
        assert s.execute(select(ApInstalment)).first() is None
    assert _outstanding(w) == D("0.00")

    with pytest.raises(AuthError), unit_of_work(w.t.engine) as s:  # purchasing may enter, not approve
        payables.approve_bill(s, bill_id, user=w.user(s, w.purchasing), on="2026-03-08")
    with unit_of_work(w.t.engine) as s:
        payables.approve_bill(s, bill_id, user=w.user(s, w.manager), on="2026-03-08", note="价格已确认")
    with unit_of_work(w.t.engine) as s:
        bill = s.get(SupplierBill, bill_id)
        assert (bill.status, bill.approved_by, bill.approved_on) == ("posted", w.manager, date(2026, 3, 8))
        inst = s.execute(select(ApInstalment).where(ApInstalment.bill_id == bill_id)).scalars().all()
        # no payment term: the supplier's 30 days from the bill date
        assert [(i.due_date, i.amount) for i in inst] == [(date(2026, 4, 4), D("523.00"))]
    assert _outstanding(w) == D("523.00")
    with pytest.raises(StateError), unit_of_work(w.t.engine) as s:
        payables.approve_bill(s, bill_id, user=w.user(s, w.finance))


def test_matched_bill_posts_at_once_with_instalments_from_the_payment_term(w):
    with unit_of_work(w.t.engine) as s:
        term = PaymentTerm(code="3060", name="30/60")
        term.lines = [PaymentTermLine(seq=1, percent=D(50), days=30), PaymentTermLine(seq=2, percent=D(50), days=60)]
        s.add(term)
        s.flush()
        s.get(Supplier, w.t.supplier).payment_term_id = term.id
    (tea,) = _receive(w, "2026-03-02", [L(w.t.tea, 81, "4.00")])
    # 4.05 is exactly at the 0.05 tolerance; 81 × 4.05 = 328.05 → 164.03 (half-up of 164.025) + 164.02
    bill_id = _bill(w, "INV-002", "2026-03-04", [(tea, "81", "4.05")], uid=w.purchasing)
    with unit_of_work(w.t.engine) as s:
        bill = s.get(SupplierBill, bill_id)
        assert (bill.status, bill.match_status, bill.approved_by, bill.approved_on) == (
            "posted", "matched", None, date(2026, 3, 4))
        inst = s.execute(select(ApInstalment).where(ApInstalment.bill_id == bill_id)
                         .order_by(ApInstalment.seq)).scalars().all()
        assert [(i.due_date, i.amount) for i in inst] == [(date(2026, 4, 3), D("164.03")),
                                                         (date(2026, 5, 3), D("164.02"))]
    assert _outstanding(w) == D("328.05")


def test_billing_more_than_received_across_bills_is_held_and_rejecting_frees_it(w):
    (water,) = _receive(w, "2026-03-02", [L(w.t.water, 100, "2.00")])
    a = _bill(w, "A-1", "2026-03-03", [(water, "60", "2.00")])
    b = _bill(w, "B-1", "2026-03-04", [(water, "45", "2.00")])  # 40 left, 2 % of it = 0.8
    with unit_of_work(w.t.engine) as s:
        assert s.get(SupplierBill, a).status == "posted"
        held = s.get(SupplierBill, b)
        assert (held.status, held.lines[0].billable_qty, held.lines[0].qty_variance) == ("held", D(40), D(5))
        assert "第 1 行数量 45 超过可开票数量 40" in held.hold_reason
    with pytest.raises(ValidationError), unit_of_work(w.t.engine) as s:  # a reason is required
        payables.reject_bill(s, b, user=w.user(s, w.finance), note=" ")
    with unit_of_work(w.t.engine) as s:
        payables.reject_bill(s, b, user=w.user(s, w.finance), note="数量不符，请重开")
    c = _bill(w, "B-1", "2026-03-06", [(water, "40", "2.00")])  # same invoice no. again: the first was rejected
    with unit_of_work(w.t.engine) as s:
        assert s.get(SupplierBill, b).status == "rejected"
        assert s.get(SupplierBill, c).status == "posted"
    with pytest.raises(ValidationError) as err, unit_of_work(w.t.engine) as s:
        payables.create_bill(s, w.t.supplier, "A-1", "2026-03-07", [BillLineInput(water, "1", "2")],
                             user=w.user(s, w.finance))
    assert err.value.code == "duplicate_supplier_invoice"
    assert _outstanding(w) == D("200.00")


# --- debit notes ---------------------------------------------------------------------------------

def _return(w: World, receipt_line: int, qty: str, on: str) -> int:
    with unit_of_work(w.t.engine) as s:
        from operational.models import GoodsReceiptLine

        rl = s.get(GoodsReceiptLine, receipt_line)
        return returns.return_to_supplier(s, rl.receipt_id, on, [ReturnLineInput(receipt_line, qty)],
                                          reason="破损").id


def test_debit_note_for_billed_goods_is_applied_to_their_bill(w):
    (water,) = _receive(w, "2026-03-02", [L(w.t.water, 100, "2.00")])
    _bill(w, "INV-9", "2026-03-03", [(water, "100", "2.00")])
    ret = _return(w, water, "10", "2026-03-10")
    with unit_of_work(w.t.engine) as s:
        note = payables.create_debit_note(s, ret, user=w.user(s, w.finance))
        assert (note.doc_no[:3], note.amount, note.note_date) == ("DN-", D("20.00"), date(2026, 3, 10))
    with unit_of_work(w.t.engine) as s:
        note = s.execute(select(DebitNote)).scalar_one()
        assert note.unallocated_amount == D("0.00")
        allocs = s.execute(select(ApAllocation.source_type, ApAllocation.amount, ApAllocation.allocated_on)).all()
        assert allocs == [("debit_note", D("20.00"), date(2026, 3, 10))]
    assert _outstanding(w) == D("180.00")
    assert _outstanding(w, date(2026, 3, 9)) == D("200.00")  # as of before the note
    with pytest.raises(ValidationError), unit_of_work(w.t.engine) as s:  # one note per return
        payables.create_debit_note(s, ret, user=w.user(s, w.finance))


def test_return_before_billing_needs_no_debit_note_and_lowers_what_is_billable(w):
    (water,) = _receive(w, "2026-03-02", [L(w.t.water, 100, "2.00")])
    ret = _return(w, water, "10", "2026-03-03")
    with pytest.raises(StateError) as err, unit_of_work(w.t.engine) as s:
        payables.create_debit_note(s, ret, user=w.user(s, w.finance))
    assert err.value.code == "nothing_to_debit"
    with unit_of_work(w.t.engine) as s:
        (p,) = payables.preview_bill(s, w.t.supplier, [BillLineInput(water, "100", "2.00")])
        assert (p.billable_qty, p.check.qty_variance, p.check.within_tolerance) == (D(90), D(10), False)
    bill = _bill(w, "INV-net", "2026-03-04", [(water, "90", "2.00")])
    with unit_of_work(w.t.engine) as s:
        assert s.get(SupplierBill, bill).status == "posted"
    assert _outstanding(w) == D("180.00")


def test_debit_note_on_a_held_bill_waits_and_is_applied_when_the_bill_posts(w):
    (tea,) = _receive(w, "2026-03-02", [L(w.t.tea, 100, "4.00")])
    bill = _bill(w, "INV-h", "2026-03-03", [(tea, "100", "4.10")])  # 0.10 > 0.05: held, 410.00
    ret = _return(w, tea, "5", "2026-03-04")
    with unit_of_work(w.t.engine) as s:
        note = payables.create_debit_note(s, ret, user=w.user(s, w.finance))
        assert (note.amount, note.bill_id) == (D("20.50"), bill)  # at the billed price 4.10
    with unit_of_work(w.t.engine) as s:
        assert s.execute(select(DebitNote.unallocated_amount)).scalar_one() == D("20.50")
        with pytest.raises(StateError):
            payables.reject_bill(s, bill, user=w.user(s, w.finance), note="x")
    with unit_of_work(w.t.engine) as s:
        payables.approve_bill(s, bill, user=w.user(s, w.finance), on="2026-03-06")
    with unit_of_work(w.t.engine) as s:
        assert s.execute(select(DebitNote.unallocated_amount)).scalar_one() == D("0.00")
    assert _outstanding(w) == D("389.50")


# --- payments ------------------------------------------------------------------------------------

def test_payment_is_allocated_oldest_due_date_first_across_two_bills(w):
    water, tea = _receive(w, "2026-03-01", [L(w.t.water, 150, "2.00"), L(w.t.tea, 125, "4.00")])
    first = _bill(w, "F-1", "2026-03-01", [(water, "150", "2.00")])  # 300.00 due 03-31
    second = _bill(w, "F-2", "2026-03-05", [(tea, "125", "4.00")])  # 500.00 due 04-04
    with unit_of_work(w.t.engine) as s:
        p = payables.propose_payment(s, w.t.supplier, "450", "2026-03-20", w.bank, user=w.user(s, w.purchasing))
        assert (p.status, p.doc_no[:3]) == ("proposed", "PY-")
        with pytest.raises(AuthError):
            payables.approve_payment(s, p.id, user=w.user(s, w.manager))
    with unit_of_work(w.t.engine) as s:
        payables.approve_payment(s, p.id, user=w.user(s, w.finance))
    with unit_of_work(w.t.engine) as s:
        rows = s.execute(select(SupplierBill.doc_no, ApInstalment.settled_amount)
                         .join(SupplierBill, SupplierBill.id == ApInstalment.bill_id).order_by(SupplierBill.id)).all()
        assert [r[1] for r in rows] == [D("300.00"), D("150.00")]
        paid = s.get(SupplierPayment, p.id)
        assert (paid.status, paid.unallocated_amount) == ("paid", D("0.00"))
        ledger = s.get(CashLedger, paid.cash_ledger_id)
        assert (ledger.amount, ledger.kind, ledger.doc_no) == (D("-450.00"), "supplier_payment", paid.doc_no)
        assert s.get(CashAccount, w.bank).balance == D("99550.00")
        assert first < second
    assert _outstanding(w) == D("350.00")

    # paying more than is open leaves an advance, applied to the next bill when it posts
    with unit_of_work(w.t.engine) as s:
        extra = payables.pay(s, w.t.supplier, "1000", "2026-03-21", w.bank, user=w.user(s, w.finance))
        assert extra.unallocated_amount == D("650.00")
    (ice,) = _receive(w, "2026-03-22", [L(w.t.ice, 10, "6.00")])
    _bill(w, "F-3", "2026-03-23", [(ice, "10", "6.00")])
    with unit_of_work(w.t.engine) as s:
        assert s.get(SupplierPayment, extra.id).unallocated_amount == D("590.00")
    assert _outstanding(w) == D("0.00")


def test_chosen_allocation_pays_the_named_instalment_and_refuses_more_than_is_open(w):
    water, tea = _receive(w, "2026-03-01", [L(w.t.water, 150, "2.00"), L(w.t.tea, 125, "4.00")])
    _bill(w, "F-1", "2026-03-01", [(water, "150", "2.00")])
    second = _bill(w, "F-2", "2026-03-05", [(tea, "125", "4.00")])
    with unit_of_work(w.t.engine) as s:
        inst = s.execute(select(ApInstalment.id).where(ApInstalment.bill_id == second)).scalar_one()
        with pytest.raises(ValidationError) as err:
            payables.propose_payment(s, w.t.supplier, None, "2026-03-20", w.bank, user=w.user(s, w.finance),
                                     targets=[(inst, "500.01")])
        assert err.value.code == "over_allocation"
        payables.pay(s, w.t.supplier, None, "2026-03-20", w.bank, user=w.user(s, w.finance), targets=[(inst, "120")])
    with unit_of_work(w.t.engine) as s:
        settled = s.execute(select(ApInstalment.bill_id, ApInstalment.settled_amount)
                            .order_by(ApInstalment.bill_id)).all()
        assert [a for _, a in settled] == [D("0.00"), D("120.00")]
    assert _outstanding(w) == D("680.00")


def test_payment_the_account_cannot_cover_is_refused_and_writes_nothing(store_engine):
    w = _world(store_engine, opening="100")
    (water,) = _receive(w, "2026-03-01", [L(w.t.water, 150, "2.00")])
    _bill(w, "F-1", "2026-03-01", [(water, "150", "2.00")])
    with unit_of_work(w.t.engine) as s:
        pid = payables.propose_payment(s, w.t.supplier, "300", "2026-03-20", w.bank, user=w.user(s, w.finance)).id
    with pytest.raises(StateError) as err, unit_of_work(w.t.engine) as s:
        payables.approve_payment(s, pid, user=w.user(s, w.finance))
    assert err.value.code == "insufficient_funds"
    with unit_of_work(w.t.engine) as s:
        assert s.get(SupplierPayment, pid).status == "proposed"
        assert s.execute(select(ApAllocation)).first() is None
        assert s.get(CashAccount, w.bank).balance == D("100.00")
    assert _outstanding(w) == D("300.00")


def test_store_aging_buckets_add_up_to_the_outstanding(w):
    water, tea = _receive(w, "2026-01-02", [L(w.t.water, 100, "2.00"), L(w.t.tea, 100, "4.00")])
    _bill(w, "A", "2026-01-02", [(water, "100", "2.00")])  # 200.00 due 02-01
    _bill(w, "B", "2026-03-01", [(tea, "100", "4.00")])  # 400.00 due 03-31
    with unit_of_work(w.t.engine) as s:
        payables.pay(s, w.t.supplier, "50", "2026-03-10", w.bank, user=w.user(s, w.finance))
        buckets = payables.aging(s, date(2026, 3, 15))
    # A: 150.00 open, 42 days overdue; B: 400.00 not yet due
    assert buckets == {(w.t.supplier, 0, "not_due"): D("400.00"), (w.t.supplier, 2, "31-60"): D("150.00")}
    assert sum(buckets.values()) == _outstanding(w) == D("550.00")


# --- races ---------------------------------------------------------------------------------------

def _race(fns) -> list[str]:
    barrier = threading.Barrier(len(fns))
    out: list[str] = []
    lock = threading.Lock()

    def run(fn) -> None:
        barrier.wait()
        try:
            result = fn()
        except DomainError:  # the loser sees the instalment settled (SQLite) or fails the guard (PG)
            result = "refused"
        with lock:
            out.append(result)

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    return out


def test_two_payments_of_the_same_bill_racing_only_one_pays_it(w2):
    w = w2
    (water,) = _receive(w, "2026-03-01", [L(w.t.water, 150, "2.00")])
    bill = _bill(w, "F-1", "2026-03-01", [(water, "150", "2.00")])
    with unit_of_work(w.t.engine) as s:
        inst = s.execute(select(ApInstalment.id).where(ApInstalment.bill_id == bill)).scalar_one()
        ids = [payables.propose_payment(s, w.t.supplier, None, "2026-03-20", w.bank, user=w.user(s, w.finance),
                                        targets=[(inst, "300")]).id for _ in range(2)]

    def approve(pid: int):
        def go() -> str:
            with unit_of_work(w.t.engine) as s:
                payables.approve_payment(s, pid, user=w.user(s, w.finance))
            return "paid"
        return go

    outcomes = _race([approve(i) for i in ids])
    assert sorted(outcomes) == ["paid", "refused"]
    with unit_of_work(w.t.engine) as s:
        assert s.get(ApInstalment, inst).settled_amount == D("300.00")
        assert sorted(s.execute(select(SupplierPayment.status)).scalars()) == ["paid", "proposed"]
        assert s.get(CashAccount, w.bank).balance == D("99700.00")  # the refused one moved no money
        assert cash.balance(s, w.bank) == D("99700.00")
        assert open_items.outstanding_by_partner(s, payables.AP) == {}


def test_two_bills_for_the_same_receipt_line_racing_the_second_is_held(w2):
    w = w2
    (water,) = _receive(w, "2026-03-01", [L(w.t.water, 100, "2.00")])

    def enter(no: str):
        def go() -> str:
            with unit_of_work(w.t.engine) as s:
                return payables.create_bill(s, w.t.supplier, no, "2026-03-02", [BillLineInput(water, "100", "2.00")],
                                            user=w.user(s, w.finance)).status
        return go

    assert sorted(_race([enter("R-1"), enter("R-2")])) == ["held", "posted"]
    assert _outstanding(w) == D("200.00")


# --- reversal (冲销) of a paid payment ----------------------------------------------------------------

def test_reversing_a_paid_payment_reopens_the_bills_and_returns_the_money(w):
    """450.00 paid on 03-20 (300.00 + 150.00 of two bills) is reversed on 03-25 because the bank
    returned it: both bills are open again (800.00; still 350.00 as of 03-24), the bank is back to
    100,000.00, and only finance may do it, once."""
    water, tea = _receive(w, "2026-03-01", [L(w.t.water, 150, "2.00"), L(w.t.tea, 125, "4.00")])
    _bill(w, "F-1", "2026-03-01", [(water, "150", "2.00")])
    _bill(w, "F-2", "2026-03-05", [(tea, "125", "4.00")])
    with unit_of_work(w.t.engine) as s:
        paid = payables.pay(s, w.t.supplier, "450", "2026-03-20", w.bank, user=w.user(s, w.finance))
        proposed = payables.propose_payment(s, w.t.supplier, "10", "2026-03-21", w.bank,
                                            user=w.user(s, w.purchasing))
    with unit_of_work(w.t.engine) as s:
        with pytest.raises(AuthError):
            payables.reverse_payment(s, paid.id, "2026-03-25", "银行退票", user=w.user(s, w.manager))
        with pytest.raises(StateError) as not_paid:
            payables.reverse_payment(s, proposed.id, "2026-03-25", "录错", user=w.user(s, w.finance))
        assert not_paid.value.code == "bad_state"
        with pytest.raises(ValidationError) as early:
            payables.reverse_payment(s, paid.id, "2026-03-19", "银行退票", user=w.user(s, w.finance))
        assert early.value.code == "reversal_before_document"
        done = payables.reverse_payment(s, paid.id, "2026-03-25", "银行退票", user=w.user(s, w.finance))
        assert (done.status, done.reversed_on, done.reversal_reason) == ("reversed", date(2026, 3, 25), "银行退票")
    assert _outstanding(w) == D("800.00")
    assert _outstanding(w, date(2026, 3, 24)) == D("350.00")
    with unit_of_work(w.t.engine) as s:
        assert s.get(CashAccount, w.bank).balance == D("100000.00") == cash.balance(s, w.bank)
        back = s.execute(select(CashLedger).where(CashLedger.doc_id == paid.id, CashLedger.amount > 0)).scalar_one()
        assert (back.entry_date, back.amount, back.kind) == (date(2026, 3, 25), D("450.00"), "supplier_payment")
        with pytest.raises(StateError):
            payables.reverse_payment(s, paid.id, "2026-03-26", "再冲一次", user=w.user(s, w.finance))


def test_reversing_a_payment_also_takes_back_its_advance_applied_to_a_later_bill(w):
    """1,000.00 paid with nothing billed stays an advance; a bill of 60.00 posts and takes 60.00
    of it; reversing the payment reopens that bill and leaves no advance."""
    with unit_of_work(w.t.engine) as s:
        advance = payables.pay(s, w.t.supplier, "1000", "2026-03-21", w.bank, user=w.user(s, w.finance))
    (ice,) = _receive(w, "2026-03-22", [L(w.t.ice, 10, "6.00")])
    _bill(w, "F-3", "2026-03-23", [(ice, "10", "6.00")])
    assert _outstanding(w) == D("0.00")
    with unit_of_work(w.t.engine) as s:
        payables.reverse_payment(s, advance.id, "2026-03-24", "付错供应商", user=w.user(s, w.finance))
    assert _outstanding(w) == D("60.00")
    with unit_of_work(w.t.engine) as s:
        assert s.get(SupplierPayment, advance.id).unallocated_amount == D("0.00")
        assert s.get(CashAccount, w.bank).balance == D("100000.00")


def test_a_reversal_cannot_be_dated_before_the_payments_advance_was_applied(w):
    """The advance of the test above was applied to a bill on 03-23: a reversal dated 03-22 would
    leave that bill more than fully open on 03-22, so it is refused with the date it may start."""
    with unit_of_work(w.t.engine) as s:
        advance = payables.pay(s, w.t.supplier, "1000", "2026-03-21", w.bank, user=w.user(s, w.finance))
    (ice,) = _receive(w, "2026-03-22", [L(w.t.ice, 10, "6.00")])
    _bill(w, "F-3", "2026-03-23", [(ice, "10", "6.00")])
    with unit_of_work(w.t.engine) as s, pytest.raises(ValidationError) as early:
        payables.reverse_payment(s, advance.id, "2026-03-22", "付错供应商", user=w.user(s, w.finance))
    assert (early.value.code, early.value.params["date"]) == ("reversal_before_document", date(2026, 3, 23))
