"""The demo succeeds on any end date and seed, and never spends money it does not have.

`make run` once failed on 2026-12-06 (``CT-2026-000005：账户工商银行基本户余额不足``): the
back-office passes run one after the other over the same dates, and a payment could count on money
that a later-dated entry of an earlier pass had already spent. Each run below generates the whole
demo (every pass) for a small company that starts with little money, so cash is short on many
days as it is at scale 1, and checks that the run completes and that no account is below zero at
the end of any day. The dates cover the two failures reported, a year end, a leap day and a date
far in the future; the default scale itself runs in `make bench` (``demo_today`` in the results).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from operational.db import make_engine, unit_of_work
from operational.demo import check_invariants, generate
from operational.demo import receivables as receivables_pass
from operational.migrate import upgrade
from operational.models import CashAccount, CashLedger, ExpenseClaim
from operational.services import cash
from operational.services.errors import StateError

SCALE = 0.02
DAYS = 100
# Three accounts as the receivables pass opens them, with a small company's money instead of 3.5 M.
LEAN_ACCOUNTS = (("B01", "工商银行基本户", "bank", "中国工商银行", Decimal("50000.00")),
                 ("B02", "招商银行一般户", "bank", "招商银行", Decimal("10000.00")),
                 ("C01", "库存现金", "cash", None, Decimal("2000.00")))


def _engine(path: Path) -> Engine:
    path.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path / 'jxc.sqlite'}")
    upgrade(engine)
    return engine


def _lowest_day_end_balance(engine: Engine) -> dict[str, tuple[Decimal, date | None]]:
    """Per account code: the lowest balance at the end of any day of its ledger, and that day."""
    out: dict[str, tuple[Decimal, date | None]] = {}
    with engine.connect() as conn:
        for account_id, code in conn.execute(select(CashAccount.id, CashAccount.code)):
            running, lowest = Decimal(0), (Decimal(0), None)
            for day, amount in conn.execute(
                    select(CashLedger.entry_date, func.sum(CashLedger.amount))
                    .where(CashLedger.account_id == account_id)
                    .group_by(CashLedger.entry_date).order_by(CashLedger.entry_date)):
                running += Decimal(amount)
                if lowest[1] is None or running < lowest[0]:
                    lowest = (running, day)
            out[code] = lowest
    return out


@pytest.mark.parametrize(("end", "seed"), [
    (date(2026, 12, 6), 42),  # the day `make run` failed
    (date(2026, 10, 31), 42),  # the bench's end date, failed at scale 2
    (date(2026, 12, 31), 3),  # a year end: budgets, document numbers and rent across the new year
    (date(2028, 2, 29), 7),  # a leap day
    (date(2039, 6, 30), 11),  # far in the future
])
def test_the_demo_completes_and_no_account_goes_below_zero(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            end: date, seed: int) -> None:
    monkeypatch.setattr(receivables_pass, "ACCOUNTS", LEAN_ACCOUNTS)
    engine = _engine(tmp_path)
    summary = generate(engine, scale=SCALE, seed=seed, end_date=end, days=DAYS, bulk=True)
    assert summary.last_day == end
    lowest = _lowest_day_end_balance(engine)
    assert set(lowest) == {"B01", "B02", "C01"}
    assert {code: low for code, (low, _day) in lowest.items() if low < 0} == {}
    assert check_invariants(engine) == []
    with unit_of_work(engine) as s:
        # The back office did spend: rent every month and claims paid, the cash box topped up.
        paid = s.execute(select(func.count()).select_from(ExpenseClaim)
                         .where(ExpenseClaim.status == "reimbursed")).scalar_one()
        assert paid > 20
        kinds = set(s.execute(select(CashLedger.kind).distinct()).scalars())
        assert {"opening", "customer_receipt", "expense_reimbursement", "transfer_in", "transfer_out"} <= kinds
    engine.dispose()


def test_a_back_dated_payment_may_not_overdraw_a_later_day(tmp_path: Path) -> None:
    """The rule the demo relies on, in the service. 1,000 opening on the 1st, 800 out on the 10th,
    600 in on the 20th: the account holds 800 today but held only 200 on the 10th, so the 5th can
    give 200, not 500 (that would leave the 10th at −300), and nothing is written when it is refused."""
    engine = _engine(tmp_path)
    with unit_of_work(engine) as s:
        account = cash.create_account(s, "B09", "测试户", opening_balance="1000", opened_on=date(2026, 1, 1))
        cash.post(s, account.id, date(2026, 1, 10), Decimal("-800"), "other_expense")
        cash.post(s, account.id, date(2026, 1, 20), Decimal("600"), "other_income")
        assert cash.balance(s, account.id) == Decimal("800.00")
        assert cash.available(s, account.id, date(2026, 1, 5)) == Decimal("200.00")
        assert cash.available(s, account.id, date(2026, 1, 20)) == Decimal("800.00")
        assert cash.available(s, account.id, date(2026, 2, 1)) == Decimal("800.00")
        with pytest.raises(StateError) as refused:
            cash.post(s, account.id, date(2026, 1, 5), Decimal("-500"), "other_expense", doc_no="FY-TEST")
        assert refused.value.code == "insufficient_funds"
        assert refused.value.params["balance"] == Decimal("200.00")
        assert refused.value.message() == "FY-TEST：账户测试户余额不足：余额200，需支付500"
        assert cash.balance(s, account.id) == Decimal("800.00")
        cash.post(s, account.id, date(2026, 1, 5), Decimal("-150"), "other_expense")
        assert cash.available(s, account.id, date(2026, 1, 5)) == Decimal("50.00")
        # Dated after every entry, the whole balance may go (the conditional UPDATE guards it).
        cash.post(s, account.id, date(2026, 1, 21), Decimal("-650"), "other_expense")
        assert cash.balance(s, account.id) == Decimal("0.00")
    engine.dispose()
