"""The demo company's CRM pass on a small store: what it records over a quarter, that it follows the
rules of the services, and that two runs over disjoint day ranges give the same store as one run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select

from operational.db import make_engine, unit_of_work
from operational.demo.crm import run_crm_pass
from operational.demo.passes import PASSES
from operational.migrate import upgrade
from operational.models import (
    CrmFollowUp,
    CrmOpportunity,
    CrmOpportunityStage,
    Customer,
    CustomerContact,
    ServiceTicket,
)
from operational.services import crm, sales
from operational.services import masterdata as md
from operational.services.orders import OrderLineInput

DAYS = [date(2026, 1, 1) + timedelta(days=i) for i in range(90)]
SEED = 7


def _store(path) -> Engine:  # noqa: ANN001
    """Three reps with 10 customers each (plus 30 without a rep), and draft orders that make the
    first five customers of each rep the active ones."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with unit_of_work(engine) as s:
        wh = md.create_warehouse(s, "WH1", "主仓").id
        product = md.create_product(s, "P1", "矿泉水").id
        reps = [md.create_employee(s, f"E{i}", f"销售{i}").id for i in range(3)]
        for i in range(60):
            customer = md.create_customer(s, f"C{i:03d}", f"客户{i}", salesperson_id=reps[i % 3] if i < 30 else None)
            if i < 15:
                for day in DAYS[::10]:
                    sales.create_sales_order(s, customer.id, wh, day, [OrderLineInput(product, 1, "2.00")])
    return engine


def _snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with unit_of_work(engine) as s:
        return {
            "contacts": s.execute(select(CustomerContact.customer_id, CustomerContact.name, CustomerContact.is_primary)
                                  .order_by(CustomerContact.id)).all(),
            "follow_ups": s.execute(select(CrmFollowUp.customer_id, CrmFollowUp.employee_id, CrmFollowUp.channel,
                                           CrmFollowUp.happened_on, CrmFollowUp.next_action_date, CrmFollowUp.done,
                                           CrmFollowUp.done_on).order_by(CrmFollowUp.id)).all(),
            "opportunities": s.execute(select(CrmOpportunity.doc_no, CrmOpportunity.stage, CrmOpportunity.closed_on)
                                       .order_by(CrmOpportunity.id)).all(),
            "tickets": s.execute(select(ServiceTicket.doc_no, ServiceTicket.status, ServiceTicket.opened_at,
                                        ServiceTicket.first_response_at, ServiceTicket.resolved_at,
                                        ServiceTicket.closed_at, ServiceTicket.satisfaction)
                                 .order_by(ServiceTicket.id)).all(),
        }


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = _store(tmp_path_factory.mktemp("crm_pass") / "jxc.sqlite")
    run_crm_pass(engine, DAYS, SEED)
    yield engine
    engine.dispose()


def test_the_pass_is_registered_after_hr():
    names = [name for name, _run in PASSES]
    assert "crm" in names
    if "hr" in names:
        assert names.index("hr") < names.index("crm")


def test_every_customer_gets_one_to_three_contacts_one_primary(one_run):
    with unit_of_work(one_run) as s:
        per_customer = s.execute(select(CustomerContact.customer_id, func.count(),
                                        func.count().filter(CustomerContact.is_primary))
                                 .group_by(CustomerContact.customer_id)).all()
        customers = s.execute(select(func.count()).select_from(Customer)).scalar_one()
    assert len(per_customer) == customers == 60
    assert all(1 <= n <= 3 and primary == 1 for _cid, n, primary in per_customer)


def test_reps_follow_up_their_own_customers_on_working_days_more_often_the_active_ones(one_run):
    with unit_of_work(one_run) as s:
        rows = s.execute(select(CrmFollowUp.customer_id, CrmFollowUp.employee_id, CrmFollowUp.happened_on,
                                Customer.salesperson_id, Customer.code)
                         .join(Customer, Customer.id == CrmFollowUp.customer_id)).all()
        open_actions = s.execute(select(func.count()).select_from(CrmFollowUp)
                                 .where(CrmFollowUp.done.is_(False))).scalar_one()
    working_days = sum(1 for d in DAYS if d.weekday() != 6)
    # about one a rep a working day
    assert 0.8 * 3 * working_days <= len(rows) <= 1.2 * 3 * working_days
    assert all(emp == rep for _c, emp, _d, rep, _code in rows)
    assert all(day.weekday() != 6 for _c, _e, day, _r, _code in rows)
    active = sum(1 for *_x, code in rows if int(code[1:]) < 15)
    assert active > 0.6 * len(rows)  # 15 of the 30 customers with a rep order; they get most calls
    assert open_actions > 0  # some next actions are forgotten or not yet due


def test_opportunities_move_through_the_stages_and_keep_their_history(one_run):
    with unit_of_work(one_run) as s:
        opportunities = s.execute(select(CrmOpportunity)).scalars().all()
        assert len(opportunities) >= 5
        stages = {o.stage for o in opportunities}
        assert stages - {"lead"}  # some moved on
        for opp in opportunities:
            history = s.execute(select(CrmOpportunityStage.to_stage).where(
                CrmOpportunityStage.opportunity_id == opp.id).order_by(CrmOpportunityStage.id)).scalars().all()
            assert history[0] == "lead" and history[-1] == opp.stage
            assert (opp.closed_on is not None) == (opp.stage in ("won", "lost"))


def test_tickets_are_mostly_within_sla_some_breach_and_closed_ones_carry_scores(one_run):
    with unit_of_work(one_run) as s:
        tickets = s.execute(select(ServiceTicket)).scalars().all()
        resolved = [t for t in tickets if t.resolved_at is not None]
        met = [crm.is_sla_met(t) for t in resolved]
        closed = [t for t in tickets if t.status == "closed"]
    assert 8 <= len(tickets) <= 40  # 60 customers / 300 per working day over 77 working days ≈ 15
    assert 0.6 <= sum(met) / len(met) < 1
    assert all(t.resolution for t in resolved)
    assert all(t.satisfaction is None or 1 <= t.satisfaction <= 5 for t in closed)
    assert any(t.satisfaction is not None for t in closed)


def test_two_runs_over_disjoint_days_equal_one_run(one_run, tmp_path):
    engine = _store(tmp_path / "split.sqlite")
    run_crm_pass(engine, DAYS[:40], SEED)
    run_crm_pass(engine, DAYS[40:], SEED)
    assert _snapshot(engine) == _snapshot(one_run)
    engine.dispose()
