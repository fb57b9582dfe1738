"""CRM (客户关系管理): customer contacts, follow-ups with next actions, sales opportunities with
their stage history, and service tickets with priority, SLA, resolution and satisfaction.

The rules (stage transitions, SLA hours per priority, ticket states) live in
``operational/services/crm.py``; these are the tables only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, Timestamped
from operational.types import Money, Rate

FOLLOW_UP_CHANNELS = ("visit", "call", "wechat", "email")
# Open stages in their usual order; won and lost close an opportunity for good.
OPEN_STAGES = ("lead", "qualified", "proposal", "negotiation")
WON, LOST = "won", "lost"
OPPORTUNITY_STAGES = (*OPEN_STAGES, WON, LOST)
TICKET_CATEGORIES = ("presale", "training", "technical", "after_sale")
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_OPEN, TICKET_IN_PROGRESS, TICKET_RESOLVED, TICKET_CLOSED = "open", "in_progress", "resolved", "closed"
TICKET_STATES = (TICKET_OPEN, TICKET_IN_PROGRESS, TICKET_RESOLVED, TICKET_CLOSED)


class CustomerContact(Timestamped, Base):
    """A person at a customer (联系人). One may be the primary contact."""

    __tablename__ = "customer_contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(100))
    wechat: Mapped[str | None] = mapped_column(String(50))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CrmFollowUp(Timestamped, Base):
    """One contact with a customer (跟进记录): a visit, call, WeChat chat or email, with an optional
    next action and its date. ``done`` is ticked when the next action has been carried out."""

    __tablename__ = "crm_follow_up"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("customer_contact.id"))
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    happened_on: Mapped[date] = mapped_column(Date, index=True)
    summary: Mapped[str] = mapped_column(String(500))
    next_action: Mapped[str | None] = mapped_column(String(300))
    next_action_date: Mapped[date | None] = mapped_column(Date)
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    done_on: Mapped[date | None] = mapped_column(Date)


class CrmOpportunity(Timestamped, Base):
    """A sales opportunity (销售机会) moving lead → qualified → proposal → negotiation → won / lost.
    Every stage change is also a row of ``crm_opportunity_stage``."""

    __tablename__ = "crm_opportunity"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20), index=True)
    expected_value: Mapped[Decimal] = mapped_column(Money())
    probability: Mapped[Decimal] = mapped_column(Rate())
    opened_on: Mapped[date] = mapped_column(Date)
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    lost_reason: Mapped[str | None] = mapped_column(String(300))


class CrmOpportunityStage(Timestamped, Base):
    """Append-only history of an opportunity's stages: one row when it is opened and one per change,
    with who changed it and on which day (``created_at`` is when it was recorded)."""

    __tablename__ = "crm_opportunity_stage"
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("crm_opportunity.id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str] = mapped_column(String(20))
    changed_on: Mapped[date] = mapped_column(Date)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))


class ServiceTicket(Timestamped, Base):
    """A service request (服务工单): pre-sale consultation, training, technical support or after-sale.
    open → in_progress (first response) → resolved (with a resolution) → closed (with the customer's
    satisfaction 1–5). The SLA hours are fixed from the priority when the ticket is opened."""

    __tablename__ = "service_ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("customer_contact.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), index=True)
    category: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=TICKET_OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    response_sla_hours: Mapped[int] = mapped_column(Integer)
    resolution_sla_hours: Mapped[int] = mapped_column(Integer)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolution: Mapped[str | None] = mapped_column(String(1000))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
