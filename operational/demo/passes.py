"""The demo company's back office: passes that run after the stock simulation, day by day over the
same dates, through the operational services.

Each pass reads what the store holds (shipments, receipts, returns, employees, ...) and records
what a back office would do with it on each day: HR, CRM, receivables and payables, expenses and
cash. A pass depends only on the store and its seed, so the service and bulk stock writers, which
produce the same store, also get the same back office. ``generate`` runs every pass over the whole
history; ``simulate_days`` runs them over the new days only.

A pass is ``(engine, days, seed) -> None`` where ``days`` is the ascending list of dates to cover.
Order matters: later passes may use what earlier ones created (expenses need employees, payments
need invoices).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import Engine

from operational.db import unit_of_work
from operational.demo import bins as bins_pass
from operational.demo import expenses as expenses_pass
from operational.demo import hr as hr_pass
from operational.demo import payables as payables_pass
from operational.demo import receivables as receivables_pass
from operational.demo.crm import run_crm_pass
from operational.services import cash, validation

Pass = Callable[[Engine, Sequence[date], int], None]

# Filled in the order they must run (see each pass's module).
PASSES: list[tuple[str, Pass]] = [
    ("hr", hr_pass.run),  # first: people, reporting lines and logins the other passes may use
    ("crm", run_crm_pass),  # after hr, before the finance passes: contacts, follow-ups, opportunities, tickets
    ("receivables", receivables_pass.run),  # after crm: cash accounts, invoices, receipts, credit notes, collection
    # claims need employees and logins; pays from the AR pass's accounts. Before payables: rent and
    # claims are paid first, suppliers from what is left (each pass pays only what the accounts can give).
    ("expenses", expenses_pass.run),
    ("payables", payables_pass.run),  # after receivables (its B01 account): supplier bills, debit notes, payments
    ("bins", bins_pass.run),  # last: on the last day, bins in the main warehouse and the stock put away
]


def run_passes(engine: Engine, days: Sequence[date], seed: int,
               on_pass: Callable[[int, int], None] | None = None) -> None:
    """Run every back-office pass over ``days``; ``on_pass(done, total)`` after each one."""
    # The passes post no opening balance before the company's, so the opening date every
    # document date is checked against is read once (it was two queries per document); and what
    # an account can give on a day is worked out from its day totals, not by summing its ledger
    # for every payment (both grew with the store: quadratic over a whole history).
    with unit_of_work(engine) as session:
        opening = validation.opening_date(session)
    with validation.known_opening_date(opening), cash.day_totals_cached():
        for done, (_name, run) in enumerate(PASSES, start=1):
            run(engine, days, seed)
            if on_pass is not None:
                on_pass(done, len(PASSES))
