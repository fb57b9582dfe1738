"""Cash accounts: opening balances, postings, the overdraft guard (also under a race), transfers."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from operational.db import unit_of_work
from operational.models import AppUser, CashAccount, CashLedger
from operational.services import auth, cash
from operational.services.errors import AuthError, StateError, ValidationError

D = Decimal
DAY = date(2026, 3, 2)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    return request.getfixturevalue("store_engine" if request.param == "sqlite" else "pg_engine")


def _finance_user(engine: Engine) -> int:
    with unit_of_work(engine) as s:
        return auth.create_user(s, "cw", "secret-123", "finance", "出纳").id


def test_opening_posting_and_balance_tie_out(engine):
    with unit_of_work(engine) as s:
        bank = cash.create_account(s, "B01", "工行基本户", kind="bank", opening_balance="10000.00", opened_on=DAY)
        box = cash.create_account(s, "C01", "现金", kind="cash")
        cash.post(s, bank.id, date(2026, 3, 3), D("2500.50"), "customer_receipt", doc_no="RC-2026-000001")
        cash.post(s, bank.id, date(2026, 3, 5), D("-1200.25"), "supplier_payment", doc_no="PY-2026-000001")
    with unit_of_work(engine) as s:
        bank = s.get(CashAccount, bank.id)
        assert bank.balance == D("11300.25")
        assert cash.balance(s, bank.id) == D("11300.25")
        assert cash.balance(s, bank.id, as_of=date(2026, 3, 4)) == D("12500.50")
        assert cash.ledger_totals(s) == {bank.id: D("11300.25")}
        assert s.get(CashAccount, box.id).balance == D("0.00")
        kinds = s.execute(select(CashLedger.kind).where(CashLedger.account_id == bank.id)
                          .order_by(CashLedger.id)).scalars().all()
        assert kinds == ["opening", "customer_receipt", "supplier_payment"]


def test_payment_beyond_the_balance_is_refused_and_writes_nothing(engine):
    with unit_of_work(engine) as s:
        box = cash.create_account(s, "C01", "现金", kind="cash", opening_balance="100", opened_on=DAY)
        od = cash.create_account(s, "B09", "透支户", allow_overdraft=True)
    with pytest.raises(StateError) as err, unit_of_work(engine) as s:
        cash.post(s, box.id, DAY, D("-100.01"), "other_expense", doc_no="EC-2026-000001")
    assert "余额不足" in str(err.value) and err.value.record == "EC-2026-000001"
    with unit_of_work(engine) as s:
        assert s.get(CashAccount, box.id).balance == D("100.00")
        assert len(s.execute(select(CashLedger.id)).all()) == 1
        cash.post(s, od.id, DAY, D("-50"), "other_expense")  # an overdraft account may go below zero
    with unit_of_work(engine) as s:
        assert s.get(CashAccount, od.id).balance == D("-50.00")


def test_transfer_moves_money_under_one_number(engine):
    uid = _finance_user(engine)
    with unit_of_work(engine) as s:
        bank = cash.create_account(s, "B01", "工行基本户", opening_balance="5000", opened_on=DAY)
        box = cash.create_account(s, "C01", "现金", kind="cash")
        out, inn = cash.transfer(s, bank.id, box.id, "800", DAY, user=s.get(AppUser, uid), memo="备用金")
        assert out.doc_no == inn.doc_no == "CT-2026-000001"
    with unit_of_work(engine) as s:
        assert (s.get(CashAccount, bank.id).balance, s.get(CashAccount, box.id).balance) == (D("4200.00"), D("800.00"))
    with pytest.raises(ValidationError), unit_of_work(engine) as s:
        cash.transfer(s, bank.id, bank.id, "1", DAY, user=s.get(AppUser, uid))
    with pytest.raises(AuthError), unit_of_work(engine) as s:
        cash.transfer(s, bank.id, box.id, "1", DAY, user=None)


def test_two_payments_racing_for_the_last_money_only_one_posts(engine):
    with unit_of_work(engine) as s:
        box = cash.create_account(s, "C01", "现金", kind="cash", opening_balance="100", opened_on=DAY)
    for _ in range(4):
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def pay(barrier: threading.Barrier = barrier, outcomes: list[str] = outcomes) -> None:
            barrier.wait()
            try:
                with unit_of_work(engine) as s:
                    cash.post(s, box.id, DAY, D("-100"), "other_expense")
                outcomes.append("paid")
            except StateError:
                outcomes.append("refused")

        threads = [threading.Thread(target=pay) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
        assert sorted(outcomes) == ["paid", "refused"]
        with unit_of_work(engine) as s:
            assert s.get(CashAccount, box.id).balance == D("0.00")
            cash.post(s, box.id, DAY, D("100"), "other_income")
