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

Pass = Callable[[Engine, Sequence[date], int], None]

# Filled in the order they must run (see each pass's module).
PASSES: list[tuple[str, Pass]] = []


def run_passes(engine: Engine, days: Sequence[date], seed: int) -> None:
    """Run every back-office pass over ``days``."""
    for _name, run in PASSES:
        run(engine, days, seed)
