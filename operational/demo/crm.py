"""The demo company's CRM pass: contacts, follow-ups, opportunities and service tickets, through
``operational.services.crm``, day by day.

What happens (scale 1 ≈ 320 customers, 8 sales reps):

- The first time the pass sees a customer without contacts it adds 1–3 (the first is primary).
- Each working day (Monday–Saturday; tickets too) every sales rep logs about one follow-up (visit, call, WeChat or
  email) with one of his customers, customers who order more being picked more often; 60 % agree a
  next action 2–14 days later, which is done on time or a few days late 85 % of the time and left
  open otherwise (the "open next actions" list is never empty).
- Reps open an opportunity every ~20 working days; each moves through the stages on a plan drawn
  from its number (some skip a stage, about half of those reaching negotiation are won).
- Customers open tickets, about 6 a week at scale 1 (in proportion to the customers), mostly normal priority.
  Each ticket's response, resolution and closing times come from its number: about 85 % are answered
  and resolved within the SLA, the rest late; 85 % of closed tickets carry a satisfaction score, lower
  after a breach.

Plans are drawn from ``random.Random(f"{seed}|crm|...")`` keyed by the day, customer code, follow-up
id or document number, and only steps due by the end of a day are carried out on that day, so running
days 1–10 and then 11–20 gives the same store as running 1–20 at once.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from operational.db import unit_of_work
from operational.models import (
    CrmFollowUp,
    CrmOpportunity,
    Customer,
    CustomerContact,
    SalesOrder,
    ServiceTicket,
)
from operational.models.crm import (
    OPEN_STAGES,
    TICKET_CLOSED,
    TICKET_IN_PROGRESS,
    TICKET_OPEN,
    TICKET_RESOLVED,
)
from operational.services import crm

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平")
TITLES = ("采购经理", "店长", "老板", "财务", "仓库主管", "采购专员")
SUMMARIES = {
    "visit": ("上门拜访，了解本月补货计划", "门店巡访，检查陈列", "拜访老板，沟通年度合作"),
    "call": ("电话确认订单交期", "电话沟通价格调整", "电话回访上次到货情况"),
    "wechat": ("微信发送新品资料", "微信确认对账单", "微信沟通促销活动"),
    "email": ("邮件发送报价单", "邮件确认合同条款", "邮件发送月度对账"),
}
NEXT_ACTIONS = ("发送报价", "安排上门拜访", "确认下单数量", "寄送样品", "跟进回款", "回复新品咨询")
OPPORTUNITY_TITLES = ("年度框架采购", "新店开业铺货", "节日礼盒团购", "新品进场", "季度促销备货")
TICKET_SUBJECTS = {
    "presale": ("新品报价咨询", "批量采购折扣咨询", "配送范围咨询"),
    "training": ("新员工系统培训", "订货流程培训"),
    "technical": ("订货系统无法登录", "对账单导出报错", "条码扫描异常"),
    "after_sale": ("到货破损", "少发漏发", "发票补开", "退货申请"),
}
CATEGORY_WEIGHTS = {"presale": 3, "training": 1, "technical": 2, "after_sale": 4}
PRIORITY_WEIGHTS = {"low": 2, "normal": 6, "high": 2, "urgent": 1}
CHANNEL_WEIGHTS = {"visit": 2, "call": 4, "wechat": 5, "email": 1}
# One ticket per 300 customers per working day on average (about 6 a week at scale 1's 320 customers).
TICKETS_PER_CUSTOMER_DAY = 1 / 300
FOLLOW_UPS_PER_REP_DAY = 1.0
OPPORTUNITIES_PER_REP_DAY = 0.05
DONE_LATE_DAYS = (0, 0, 0, 1, 2, 3)  # a next action is done on its day or up to 3 days late
MAX_DONE_LATE = max(DONE_LATE_DAYS)
# Customers who ordered more in this many days before a day are followed up more that day.
ACTIVITY_WINDOW = 90


@dataclass(frozen=True)
class _World:
    customers: dict[int, tuple[str, int | None]]  # id -> (code, salesperson)
    by_rep: dict[int, list[int]]
    order_days: dict[int, list[date]]  # ascending order dates per customer

    def weights(self, customers: list[int], day: date) -> list[int]:
        """1 + the customer's orders in the ACTIVITY_WINDOW days up to ``day``: a weight that
        depends on the day only, not on which days a run covers."""
        start = day - timedelta(days=ACTIVITY_WINDOW)
        out = []
        for cid in customers:
            dates = self.order_days.get(cid, ())
            out.append(1 + bisect_right(dates, day) - bisect_right(dates, start))
        return out


def run_crm_pass(engine: Engine, days: Sequence[date], seed: int) -> None:
    """Record the CRM activity of ``days`` (ascending)."""
    if not days:
        return
    with unit_of_work(engine) as session:
        world = _load(session, days)
        _add_missing_contacts(session, world, seed)
        contacts = _contacts(session)  # the pass adds none after this: read once, not every day
    for n, day in enumerate(days):
        with unit_of_work(engine) as session:
            # after a day the run covered, only what fell due lately can be done today
            _day(session, world, day, seed, contacts, first=n == 0 or days[n - 1] != day - timedelta(days=1))


def _load(session: Session, days: Sequence[date]) -> _World:
    customers = {row.id: (row.code, row.salesperson_id)
                 for row in session.execute(select(Customer.id, Customer.code, Customer.salesperson_id)
                                            .order_by(Customer.id))}
    order_days: dict[int, list[date]] = defaultdict(list)
    start = days[0] - timedelta(days=ACTIVITY_WINDOW)
    for cid, on in session.execute(select(SalesOrder.customer_id, SalesOrder.order_date)
                                   .where(SalesOrder.order_date.between(start, days[-1]))
                                   .order_by(SalesOrder.customer_id, SalesOrder.order_date)):
        order_days[cid].append(on)
    by_rep: dict[int, list[int]] = defaultdict(list)
    for cid, (_code, rep) in customers.items():
        if rep is not None:
            by_rep[rep].append(cid)
    return _World(customers, dict(sorted(by_rep.items())), dict(order_days))


def _add_missing_contacts(session: Session, world: _World, seed: int) -> None:
    have = set(session.execute(select(CustomerContact.customer_id).distinct()).scalars())
    for cid, (code, _rep) in world.customers.items():
        if cid in have:
            continue
        rng = random.Random(f"{seed}|crm|contacts|{code}")
        for i in range(rng.choice((1, 1, 2, 2, 3))):
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            crm.add_contact(session, cid, name, title=rng.choice(TITLES), is_primary=i == 0,
                            phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                            wechat=f"wx_{code.lower()}_{i + 1}" if rng.random() < 0.7 else None)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _count(rng: random.Random, rate: float) -> int:
    """A small count with mean ``rate`` (sum of Bernoulli draws; cheap and deterministic)."""
    whole = int(rate)
    return whole + (1 if rng.random() < rate - whole else 0)


def _day(session: Session, world: _World, day: date, seed: int, contacts: dict[int, list[int]], *,
         first: bool = True) -> None:
    rng = random.Random(f"{seed}|crm|{day.isoformat()}")
    end = datetime.combine(day + timedelta(days=1), time())
    _complete_follow_ups(session, day, seed, recent_only=not first)
    _advance_opportunities(session, day, seed)
    _work_tickets(session, end, seed)
    if day.weekday() == 6:  # Sunday: no sales calls, no new tickets
        return
    for rep, customers in world.by_rep.items():
        weights = world.weights(customers, day)
        for _ in range(_count(rng, FOLLOW_UPS_PER_REP_DAY)):
            cid = rng.choices(customers, weights)[0]
            channel = _weighted(rng, CHANNEL_WEIGHTS)
            action = rng.choice(NEXT_ACTIONS) if rng.random() < 0.6 else None
            people = contacts.get(cid, [])
            crm.log_follow_up(session, cid, rep, channel, day, rng.choice(SUMMARIES[channel]),
                              contact_id=rng.choice(people) if people else None, next_action=action,
                              next_action_date=day + timedelta(days=rng.randint(2, 14)) if action else None)
        if rng.random() < OPPORTUNITIES_PER_REP_DAY:
            cid = rng.choices(customers, weights)[0]
            value = rng.choice((5, 8, 10, 20, 30, 50, 80)) * 1000
            crm.open_opportunity(session, cid, rep, rng.choice(OPPORTUNITY_TITLES), value, day,
                                 expected_close_date=day + timedelta(days=rng.randint(20, 90)))
    all_customers = list(world.customers)
    n_tickets = _count(rng, len(all_customers) * TICKETS_PER_CUSTOMER_DAY)
    weights = world.weights(all_customers, day) if n_tickets else []
    for _ in range(n_tickets):
        cid = rng.choices(all_customers, weights)[0]
        category = _weighted(rng, CATEGORY_WEIGHTS)
        opened = datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 15, 30, 45))))
        people = contacts.get(cid, [])
        crm.open_ticket(session, cid, category, _weighted(rng, PRIORITY_WEIGHTS),
                        rng.choice(TICKET_SUBJECTS[category]), opened,
                        contact_id=people[0] if people else None, assignee_id=world.customers[cid][1])


def _contacts(session: Session) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for cid, contact in session.execute(select(CustomerContact.customer_id, CustomerContact.id)
                                        .order_by(CustomerContact.id)):
        out[cid].append(contact)
    return out


def _complete_follow_ups(session: Session, day: date, seed: int, *, recent_only: bool = False) -> None:
    """Next actions due by ``day`` are done on a day drawn from the follow-up's id (or never).

    ``recent_only`` (a day right after one the run covered): only those due in the last
    ``MAX_DONE_LATE`` days. An older one was looked at on an earlier day of the run, by the end of
    which it was due to be done, so it is either done or forgotten for good (the draw is the same
    every day); re-reading the growing list of forgotten ones every day made the pass quadratic."""
    query = select(CrmFollowUp).where(CrmFollowUp.done.is_(False), CrmFollowUp.next_action_date <= day)
    if recent_only:
        query = query.where(CrmFollowUp.next_action_date >= day - timedelta(days=MAX_DONE_LATE))
    due = session.execute(query.order_by(CrmFollowUp.id)).scalars().all()
    for follow_up in due:
        rng = random.Random(f"{seed}|crm|follow_up|{follow_up.id}")
        if rng.random() >= 0.85:
            continue  # forgotten: stays on the open list, overdue
        done_on = follow_up.next_action_date + timedelta(days=rng.choice(DONE_LATE_DAYS))
        if done_on <= day:  # a day the run did not cover is caught up
            crm.complete_follow_up(session, follow_up.id, done_on)


def _opportunity_plan(seed: int, doc_no: str, opened_on: date, stage: str) -> list[tuple[date, str]]:
    """The stage changes an opportunity will go through, with their days."""
    rng = random.Random(f"{seed}|crm|opportunity|{doc_no}")
    plan, on, at = [], opened_on, OPEN_STAGES.index(stage)
    while True:
        on += timedelta(days=rng.randint(5, 25))
        if rng.random() < 0.12:
            plan.append((on, "lost"))
            return plan
        if at == len(OPEN_STAGES) - 1:
            plan.append((on, "won" if rng.random() < 0.55 else "lost"))
            return plan
        at = min(at + (2 if rng.random() < 0.15 else 1), len(OPEN_STAGES) - 1)
        plan.append((on, OPEN_STAGES[at]))


def _advance_opportunities(session: Session, day: date, seed: int) -> None:
    open_ones = session.execute(select(CrmOpportunity).where(CrmOpportunity.stage.in_(OPEN_STAGES))
                                .order_by(CrmOpportunity.id)).scalars().all()
    for opp in open_ones:
        for on, stage in _opportunity_plan(seed, opp.doc_no, opp.opened_on, "lead"):
            if on > day or opp.stage not in OPEN_STAGES:
                break
            if stage == "won":
                crm.win_opportunity(session, opp.id, on, by=opp.owner_id)
            elif stage == "lost":
                crm.lose_opportunity(session, opp.id, on, by=opp.owner_id, reason="价格不占优")
            elif OPEN_STAGES.index(stage) > OPEN_STAGES.index(opp.stage):
                crm.advance_opportunity(session, opp.id, stage, on, by=opp.owner_id)


@dataclass(frozen=True)
class _TicketPlan:
    response_hours: float  # from opening
    resolution_hours: float  # from opening (at least 10 minutes after the response)
    closing_hours: float  # from resolution
    satisfaction: int | None


def _ticket_plan(seed: int, ticket: ServiceTicket) -> _TicketPlan:
    rng = random.Random(f"{seed}|crm|ticket|{ticket.doc_no}")
    sla = crm.sla_for(ticket.priority)
    late_response, late_resolution = rng.random() < 0.12, rng.random() < 0.15
    response_h = sla.response_hours * (rng.uniform(1.2, 3.0) if late_response else rng.uniform(0.1, 0.9))
    resolve_h = sla.resolution_hours * (rng.uniform(1.1, 2.5) if late_resolution else rng.uniform(0.3, 0.95))
    scores = (1, 2, 3, 4, 5)
    weights = (1, 3, 4, 3, 1) if late_resolution else (0, 1, 2, 6, 8)
    satisfaction = rng.choices(scores, weights)[0] if rng.random() < 0.85 else None
    return _TicketPlan(response_h, resolve_h, rng.uniform(2, 72), satisfaction)


def _after(start: datetime, hours: float) -> datetime:
    return (start + timedelta(hours=hours)).replace(microsecond=0)


def _work_tickets(session: Session, end: datetime, seed: int) -> None:
    """Carry out every ticket step planned before ``end`` (the end of the day). Each step is timed
    from the ticket's actual previous step, so tickets entered elsewhere are worked on too."""
    active = session.execute(select(ServiceTicket).where(ServiceTicket.status != TICKET_CLOSED)
                             .order_by(ServiceTicket.id)).scalars().all()
    for ticket in active:
        plan = _ticket_plan(seed, ticket)
        if ticket.status == TICKET_OPEN:
            respond_at = _after(ticket.opened_at, plan.response_hours)
            if respond_at >= end:
                continue
            crm.respond(session, ticket.id, respond_at)
        if ticket.status == TICKET_IN_PROGRESS:
            resolve_at = max(_after(ticket.opened_at, plan.resolution_hours),
                             _after(ticket.first_response_at, 1 / 6))
            if resolve_at >= end:
                continue
            crm.resolve(session, ticket.id, resolve_at, "已处理：" + ticket.subject)
        if ticket.status == TICKET_RESOLVED:
            close_at = _after(ticket.resolved_at, plan.closing_hours)
            if close_at < end:
                crm.close_ticket(session, ticket.id, close_at, plan.satisfaction)
