"""Demo-company simulator: a believable Chinese wholesale distributor (商贸公司) with a year and
more of daily purchasing, sales and stock movements, for demos, tests and benchmarks.

``generate`` builds the company in an empty migrated store; ``simulate_days`` carries an existing
demo store forward. Both post through the operational services (one transaction per simulated
day); ``generate(bulk=True)`` writes the same documents with Core bulk inserts for large scales.
Besides orders, receipts and shipments the company has inspection rejections, over-deliveries,
closed backorders, freight, supplier price lists, a supplier on hold and one blocked (generated
histories only), returns both ways, transfers, monthly stocktakes and a few back-dated entries;
the rates are in ``simulator.py`` and ``stockroom.py``. ``check_invariants`` states what every
store, demo or not, must satisfy.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, timedelta
from typing import Any

from faker import Faker
from sqlalchemy import Engine, func, select

from operational.audit import auditing_off, note_auditing_off
from operational.db import unit_of_work
from operational.demo.bulk import BulkWriter
from operational.demo.calendar import date_range
from operational.demo.invariants import check_invariants
from operational.demo.passes import run_passes
from operational.demo.setup import DEMO_PASSWORD, DEMO_USERS, Sizes, create_company, post_stock
from operational.demo.simulator import Simulator, supplier_events
from operational.demo.stocking import (
    DAYS_AT_SCALE_1,
    LINES_AT_SCALE_1,
    activity_from_history,
    calibrate,
    plan_limits,
)
from operational.demo.summary import DemoSummary, summarize
from operational.demo.world import last_activity_date, load_state, load_world
from operational.demo.writers import ServiceWriter
from operational.models import Company, SalesOrder
from operational.services.validation import simulated_today

Progress = Callable[[int, int], None]
HISTORY_WINDOW_DAYS = 91  # how far back simulate_days looks to match the store's order rate

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "DemoSummary", "check_invariants", "generate", "simulate_days"]


def _on_the_demo_clock(fn: Callable[..., DemoSummary]) -> Callable[..., DemoSummary]:
    """The simulator's documents are dated by its own calendar, which may run past the real today
    (an end date next month, days added to a store that ends in the future): the services'
    future-date rule counts from the simulation's last day when that is later
    (validation.simulated_today)."""
    @functools.wraps(fn)
    def run(engine: Engine, *, audited: bool = False, **kwargs: Any) -> DemoSummary:
        last = kwargs.get("end_date") or date.today()
        if fn.__name__ == "simulate_days":
            with unit_of_work(engine) as session:
                last = (last_activity_date(session) or last) + timedelta(days=kwargs.get("days", 1))
        # The generator writes a company's year of documents: it runs without an audit trail
        # (docs/operations.md, "Audit log") and the log says so in one row, written after it
        # finished (a demo that failed half-way rolled its last transaction back).
        with simulated_today(max(last, date.today())), (nullcontext() if audited else auditing_off()):
            summary = fn(engine, **kwargs)
        if not audited:
            with unit_of_work(engine) as session:
                note_auditing_off(session, f"demo generator ({fn.__name__}, {kwargs})")
        return summary
    return run


@_on_the_demo_clock
def generate(engine: Engine, *, scale: float = 1.0, seed: int = 42, end_date: date | None = None,
             days: int = 400, progress: Progress | None = None, bulk: bool = False) -> DemoSummary:
    """Create the whole demo company in an EMPTY migrated store and simulate ``days`` days ending
    on ``end_date`` (default today). Scale 1 ≈ 50,000 sales-order lines in 400 days; same seed and end date
    give the same data. ``bulk=True`` skips the services for speed (large scales)."""
    if scale <= 0 or days < 1:
        raise ValueError("scale must be > 0 and days >= 1")
    end = end_date or date.today()
    sim_days = date_range(end - timedelta(days=days - 1), days)
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    with unit_of_work(engine) as session:
        if session.execute(select(Company.id)).first():
            raise RuntimeError("generate() needs an empty store; use simulate_days() to continue one")
        create_company(session, rng, fake, Sizes.for_scale(scale), sim_days[0], bulk=bulk)
        world = load_world(session)
        world.activity = calibrate(world, sim_days, LINES_AT_SCALE_1 * scale * days / DAYS_AT_SCALE_1)
        limits = plan_limits(world, sim_days, rng)
        post_stock(session, limits, {pid: p.standard_cost for pid, p in world.products.items()}, sim_days[0],
                   bulk=bulk)
    with unit_of_work(engine) as session:
        activity, world = world.activity, load_world(session)  # now with the stock limits
        world.activity = activity
        state = load_state(session)
    writer = BulkWriter(engine, world.users) if bulk else ServiceWriter(engine, world.users, state)
    Simulator(world, state, writer, seed, supplier_events=supplier_events(world, sim_days),
              first_price_list=True).run(sim_days, progress)
    run_passes(engine, sim_days, seed, on_pass=_after_days(progress, len(sim_days)))
    return summarize(engine, last_day=sim_days[-1])


@_on_the_demo_clock
def simulate_days(engine: Engine, *, days: int = 1, seed: int = 43, progress: Progress | None = None) -> DemoSummary:
    """Continue a demo store for ``days`` more days after its last activity date, through the
    services, at the order rate the store has shown lately. (Quiet days at the very end of a
    run leave no trace, so a later call starts again after the last day that had activity.)"""
    with unit_of_work(engine) as session:
        world = load_world(session)
        state = load_state(session)
        last = last_activity_date(session)
        if last is None:
            raise RuntimeError("the store has no activity to continue from; run generate() first")
        window = date_range(last - timedelta(days=HISTORY_WINDOW_DAYS - 1), HISTORY_WINDOW_DAYS)
        observed = session.execute(
            select(func.count()).select_from(SalesOrder).where(SalesOrder.order_date.between(window[0], last))
        ).scalar_one()
    world.activity = activity_from_history(world, window, observed)
    new_days = date_range(last + timedelta(days=1), days)
    writer = ServiceWriter(engine, world.users, state, guarded=True)  # a live store: clerks at work
    Simulator(world, state, writer, seed).run(new_days, progress)
    run_passes(engine, new_days, seed, on_pass=_after_days(progress, len(new_days)))
    return summarize(engine, last_day=new_days[-1])


def _after_days(progress: Progress | None, days: int) -> Callable[[int, int], None] | None:
    """Back-office passes reported as steps after the simulated days on the same progress bar."""
    if progress is None:
        return None
    return lambda done, total: progress(days + done, days + total)
