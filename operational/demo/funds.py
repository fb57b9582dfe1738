"""How the demo company's back office spends money: never more than an account can give.

Every step of the simulator that takes money out of an account — an expense reimbursement, a
supplier payment, a top-up of the cash box, a transfer between the banks — first asks
``cash.available`` how much the account can give on that day (the balance then, and on every
later day already in the ledger, since the passes run one after the other over the same dates),
and pays from an account that can, shrinks the amount to what is there, or leaves the payment for
a later day. So the demo never meets ``insufficient_funds``, whatever the end date, seed or scale,
and no account without an overdraft is ever below zero on any day (``check_invariants``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_DOWN, Decimal

from sqlalchemy.orm import Session

from operational.models import AppUser
from operational.services import cash

ZERO = Decimal(0)
STEP = Decimal("100")  # transfers between the company's own accounts are round sums


def spendable(session: Session, account_id: int, day: date, *, keep: Decimal = ZERO) -> Decimal:
    """What may leave ``account_id`` on ``day`` while it keeps ``keep`` (never below zero)."""
    return max(cash.available(session, account_id, day) - keep, ZERO)


def account_for(session: Session, account_ids: Iterable[int | None], amount: Decimal, day: date) -> int | None:
    """The first of the accounts that can pay ``amount`` on ``day``, or None (the payment waits)."""
    for account_id in account_ids:
        if account_id is not None and spendable(session, account_id, day) >= amount:
            return account_id
    return None


def move(session: Session, user: AppUser, from_id: int, to_id: int, want: Decimal, day: date, memo: str, *,
         keep: Decimal = ZERO, least: Decimal = STEP) -> Decimal:
    """Transfer up to ``want`` (rounded down to whole hundreds) from one account to another on
    ``day``, as much as the source can give while keeping ``keep``; nothing when that is below
    ``least``. Returns the amount moved."""
    amount = min(want, spendable(session, from_id, day, keep=keep))
    amount = (amount / STEP).to_integral_value(ROUND_DOWN) * STEP
    if amount < max(least, STEP):
        return ZERO
    cash.transfer(session, from_id, to_id, amount, day, user=user, memo=memo)
    return amount
