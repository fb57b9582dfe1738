"""``cash.available`` from the cached day totals (``cash.day_totals_cached``, used by the demo's
back office) gives what the ledger gives, as the ledger changes within the transaction, and a
back-dated payment that would leave a later day short is still refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from operational.db import unit_of_work
from operational.services import auth, cash
from operational.services.errors import StateError

D = Decimal
DAYS = [date(2026, 3, d) for d in (1, 2, 3, 4, 5, 6)]


def _both(s, account_id):
    """available on each day, read from the ledger and from the cached day totals."""
    plain = [cash.available(s, account_id, d) for d in DAYS]
    with cash.day_totals_cached():
        cached = [cash.available(s, account_id, d) for d in DAYS]
    return plain, cached


def test_cached_day_totals_follow_the_ledger(store_engine):
    with unit_of_work(store_engine) as s:
        finance = auth.create_user(s, "fin", "secret-pass-1", "finance", "finance", iterations=1000)
        bank = cash.create_account(s, "B01", "工商银行", opening_balance="1000", opened_on=date(2026, 3, 1)).id
        box = cash.create_account(s, "C01", "库存现金", kind="cash", opened_on=date(2026, 3, 1)).id
        with cash.day_totals_cached():
            cash.available(s, bank, DAYS[0])  # totals read now; every post below must keep them right
            cash.post(s, bank, date(2026, 3, 5), D("-700"), "other_expense", memo="房租")
            cash.post_many_in(s, date(2026, 3, 3), "customer_receipt", [cash.MoneyIn(bank, D("250")),
                                                                         cash.MoneyIn(bank, D("50.50"))])
            cash.transfer(s, bank, box, "200", date(2026, 3, 2), user=finance)
            # 1000 on 03-01; 800 on 03-02; 1100.50 on 03-03; 400.50 from 03-05: 400.50 can leave on 03-02
            assert [cash.available(s, bank, d) for d in DAYS] == [D("400.50")] * 6
            with pytest.raises(StateError) as err:  # would leave 03-05 below zero
                cash.post(s, bank, date(2026, 3, 2), D("-400.51"), "other_expense")
            assert err.value.code == "insufficient_funds"
            with pytest.raises(RuntimeError), s.begin_nested():  # rolled back: the totals forget it
                cash.post(s, bank, date(2026, 3, 4), D("-100"), "other_expense")
                raise RuntimeError("the document failed after its payment")
            assert cash.available(s, bank, date(2026, 3, 4)) == D("400.50")
            with s.begin_nested():  # released: the totals keep it
                cash.post(s, bank, date(2026, 3, 6), D("-400.50"), "other_expense")
            assert cash.available(s, bank, date(2026, 3, 1)) == D("0.00")
        plain, cached = _both(s, bank)
        assert plain == cached == [D("0.00")] * 6
        assert _both(s, box) == ([D("0.00"), D("200.00"), D("200.00"), D("200.00"), D("200.00"), D("200.00")],) * 2
