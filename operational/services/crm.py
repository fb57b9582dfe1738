"""CRM rules (客户关系管理): contacts, follow-ups and their next actions, the opportunity stage
machine, and service tickets with their SLA.

Every function works inside the caller's unit of work and flushes; a ``DomainError`` is raised
before anything is added, so nothing is half-written.

Rules defined here and nowhere else:

- Opportunity stages: lead → qualified → proposal → negotiation move forward only (a step may be
  skipped); won and lost are reachable from any open stage and are final. Each change appends a
  ``crm_opportunity_stage`` row (who, which day). Probability defaults to the stage's
  ``STAGE_PROBABILITY``.
- Ticket SLA per priority (``SLA_HOURS``): hours to the first response and to resolution, counted
  in calendar hours from ``opened_at``; fixed on the ticket when it is opened.
- Ticket states: open → in_progress (first response) → resolved (resolution text required) →
  closed (satisfaction 1–5 or none). Resolving an unanswered ticket counts as its first response.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from operational.models import (
    FOLLOW_UP_CHANNELS,
    TICKET_CATEGORIES,
    TICKET_PRIORITIES,
    CrmFollowUp,
    CrmOpportunity,
    CrmOpportunityStage,
    Customer,
    CustomerContact,
    Employee,
    ServiceTicket,
)
from operational.models.crm import (
    LOST,
    OPEN_STAGES,
    TICKET_CLOSED,
    TICKET_IN_PROGRESS,
    TICKET_OPEN,
    TICKET_RESOLVED,
    WON,
)
from operational.services import validation
from operational.services.errors import StateError, ValidationError
from operational.services.numbering import next_doc_no
from operational.services.validation import document_date, get_or_fail, required_date, required_text


@dataclass(frozen=True)
class Sla:
    response_hours: int
    resolution_hours: int


# The one SLA table: calendar hours from opening to first response and to resolution.
SLA_HOURS: dict[str, Sla] = {
    "urgent": Sla(1, 4),
    "high": Sla(4, 24),
    "normal": Sla(8, 72),
    "low": Sla(24, 168),
}
STAGE_PROBABILITY: dict[str, Decimal] = {
    "lead": Decimal("0.10"), "qualified": Decimal("0.25"), "proposal": Decimal("0.50"),
    "negotiation": Decimal("0.75"), WON: Decimal(1), LOST: Decimal(0),
}
SATISFACTION_RANGE = range(1, 6)


# ----------------------------------------------------------------------------- contacts

def add_contact(session: Session, customer_id: int | None, name: str, *, title: str | None = None,
                phone: str | None = None, email: str | None = None, wechat: str | None = None,
                is_primary: bool = False) -> CustomerContact:
    """A new contact person; a new primary contact takes the flag from the customer's others."""
    customer = get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
    name = required_text(name, "contact_name", record=customer.code)
    first = session.execute(select(CustomerContact.id).where(CustomerContact.customer_id == customer.id)
                            .limit(1)).scalar_one_or_none() is None
    primary = bool(is_primary) or first  # a customer's first contact is its primary one
    if primary and not first:
        session.execute(update(CustomerContact).where(CustomerContact.customer_id == customer.id)
                        .values(is_primary=False))
    contact = CustomerContact(customer_id=customer.id, name=name, title=_blank(title), phone=_blank(phone),
                              email=_blank(email), wechat=_blank(wechat), is_primary=primary)
    session.add(contact)
    session.flush()
    return contact


def _blank(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _contact_of(session: Session, customer: Customer, contact_id: int | None) -> int | None:
    if contact_id is None:
        return None
    contact = get_or_fail(session, CustomerContact, contact_id, "contact", field="contact_id", record=customer.code)
    if contact.customer_id != customer.id:
        raise ValidationError("contact_not_of_customer", field="contact_id", record=customer.code,
                              contact=contact.name)
    return contact.id


# ----------------------------------------------------------------------------- follow-ups

def log_follow_up(session: Session, customer_id: int | None, employee_id: int | None, channel: str | None,
                  happened_on: Any, summary: str | None, *, contact_id: int | None = None,
                  next_action: str | None = None, next_action_date: Any = None) -> CrmFollowUp:
    """Record a visit / call / WeChat / email with a customer and the next action agreed."""
    customer = get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
    record = customer.code
    get_or_fail(session, Employee, employee_id, "employee", field="employee_id", record=record)
    channel = validation.choice(channel, FOLLOW_UP_CHANNELS, "channel", record=record)
    on = document_date(happened_on, "happened_on", session=session, record=record)
    text = required_text(summary, "summary", record=record)
    contact = _contact_of(session, customer, contact_id)
    action = _blank(next_action)
    due = None
    if next_action_date not in (None, ""):
        due = required_date(next_action_date, "next_action_date", record=record)
        if action is None:
            raise ValidationError("required", field="next_action", record=record, field_label="field.next_action")
        if due < on:
            raise ValidationError("date_order", field="next_action_date", record=record,
                                  field_label="field.next_action_date", other_label="field.happened_on")
    follow_up = CrmFollowUp(customer_id=customer.id, contact_id=contact, employee_id=employee_id, channel=channel,
                            happened_on=on, summary=text, next_action=action, next_action_date=due,
                            done=action is None)
    session.add(follow_up)
    session.flush()
    return follow_up


def complete_follow_up(session: Session, follow_up_id: int | None, on: Any) -> CrmFollowUp:
    """Tick a follow-up's next action as done on ``on``."""
    follow_up = get_or_fail(session, CrmFollowUp, follow_up_id, "follow_up", field="follow_up_id")
    record = _follow_up_record(follow_up)
    if follow_up.done:
        raise StateError("bad_state", field="follow_up_id", record=record, state="state.crm.done",
                         action="action.complete")
    done_on = document_date(on, "done_on", session=session, record=record)
    if done_on < follow_up.happened_on:
        raise ValidationError("date_order", field="done_on", record=record, field_label="field.done_on",
                              other_label="field.happened_on")
    follow_up.done, follow_up.done_on = True, done_on
    session.flush()
    return follow_up


def _follow_up_record(follow_up: CrmFollowUp) -> str:
    return f"#{follow_up.id} ({follow_up.happened_on})"


# ----------------------------------------------------------------------------- opportunities

def open_opportunity(session: Session, customer_id: int | None, owner_id: int | None, title: str | None,
                     expected_value: Any, opened_on: Any, *, expected_close_date: Any = None,
                     stage: str = "lead", probability: Any = None) -> CrmOpportunity:
    """A new opportunity in an open stage (lead by default), numbered OP-YYYY-NNNNNN."""
    customer = get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
    record = customer.code
    get_or_fail(session, Employee, owner_id, "employee", field="owner_id", record=record)
    title = required_text(title, "title", record=record)
    value = validation.non_negative(expected_value, "expected_value", record=record)
    stage = validation.choice(stage, OPEN_STAGES, "stage", record=record)
    on = document_date(opened_on, "opened_on", session=session, record=record)
    close = None
    if expected_close_date not in (None, ""):
        close = required_date(expected_close_date, "expected_close_date", record=record)
        if close < on:
            raise ValidationError("date_order", field="expected_close_date", record=record,
                                  field_label="field.expected_close_date", other_label="field.opened_on")
    chance = _probability(probability, stage, record)
    opp = CrmOpportunity(doc_no=next_doc_no(session, "crm_opportunity", on), customer_id=customer.id,
                         owner_id=owner_id, title=title, stage=stage, expected_value=value, probability=chance,
                         opened_on=on, expected_close_date=close)
    session.add(opp)
    session.flush()
    session.add(CrmOpportunityStage(opportunity_id=opp.id, from_stage=None, to_stage=stage, changed_on=on,
                                    changed_by=owner_id))
    session.flush()
    return opp


def _probability(value: Any, stage: str, record: str) -> Decimal:
    if value in (None, ""):
        return STAGE_PROBABILITY[stage]
    result = validation.to_decimal(value, "probability", record=record)
    if not Decimal(0) <= result <= Decimal(1):
        raise ValidationError("invalid_probability", field="probability", record=record,
                              field_label="field.probability")
    return result


def _change_stage(session: Session, opportunity_id: int | None, to_stage: str, on: Any, by: int | None,
                  probability: Any = None) -> CrmOpportunity:
    opp = get_or_fail(session, CrmOpportunity, opportunity_id, "opportunity", field="opportunity_id")
    record = opp.doc_no
    if opp.stage not in OPEN_STAGES:
        raise StateError("bad_stage_change", field="stage", record=record,
                         from_stage=f"state.crm.{opp.stage}", to_stage=f"state.crm.{to_stage}")
    if to_stage in OPEN_STAGES and OPEN_STAGES.index(to_stage) <= OPEN_STAGES.index(opp.stage):
        raise StateError("bad_stage_change", field="stage", record=record,
                         from_stage=f"state.crm.{opp.stage}", to_stage=f"state.crm.{to_stage}")
    day = document_date(on, "changed_on", session=session, record=record)
    if day < opp.opened_on:
        raise ValidationError("date_order", field="changed_on", record=record, field_label="field.changed_on",
                              other_label="field.opened_on")
    if by is not None:
        get_or_fail(session, Employee, by, "employee", field="changed_by", record=record)
    chance = _probability(probability, to_stage, record) if to_stage in OPEN_STAGES else STAGE_PROBABILITY[to_stage]
    session.add(CrmOpportunityStage(opportunity_id=opp.id, from_stage=opp.stage, to_stage=to_stage,
                                    changed_on=day, changed_by=by))
    opp.stage, opp.probability = to_stage, chance
    if to_stage in (WON, LOST):
        opp.closed_on = day
    session.flush()
    return opp


def advance_opportunity(session: Session, opportunity_id: int | None, to_stage: str | None, on: Any, *,
                        by: int | None = None, probability: Any = None) -> CrmOpportunity:
    """Move an open opportunity forward to a later open stage."""
    if to_stage not in OPEN_STAGES:
        opp = get_or_fail(session, CrmOpportunity, opportunity_id, "opportunity", field="opportunity_id")
        raise ValidationError("invalid_choice", field="stage", record=opp.doc_no, field_label="field.stage",
                              value=to_stage)
    return _change_stage(session, opportunity_id, to_stage, on, by, probability)


def win_opportunity(session: Session, opportunity_id: int | None, on: Any, *, by: int | None = None
                    ) -> CrmOpportunity:
    return _change_stage(session, opportunity_id, WON, on, by)


def lose_opportunity(session: Session, opportunity_id: int | None, on: Any, *, by: int | None = None,
                     reason: str | None = None) -> CrmOpportunity:
    opp = _change_stage(session, opportunity_id, LOST, on, by)
    opp.lost_reason = _blank(reason)
    session.flush()
    return opp


# ----------------------------------------------------------------------------- service tickets

def sla_for(priority: str) -> Sla:
    return SLA_HOURS[priority]


def response_due(ticket: ServiceTicket) -> datetime:
    return ticket.opened_at + timedelta(hours=ticket.response_sla_hours)


def sla_due(ticket: ServiceTicket) -> datetime:
    """When the ticket must be resolved."""
    return ticket.opened_at + timedelta(hours=ticket.resolution_sla_hours)


def is_sla_met(ticket: ServiceTicket, now: datetime | None = None) -> bool | None:
    """Resolved by its due time? For an unresolved ticket: False once the due time has passed at
    ``now``, None (not known yet) before."""
    due = sla_due(ticket)
    if ticket.resolved_at is not None:
        return ticket.resolved_at <= due
    if now is not None and now > due:
        return False
    return None


def is_response_met(ticket: ServiceTicket, now: datetime | None = None) -> bool | None:
    """First response by its due time; same None / False convention as ``is_sla_met``."""
    due = response_due(ticket)
    if ticket.first_response_at is not None:
        return ticket.first_response_at <= due
    if now is not None and now > due:
        return False
    return None


def _moment(value: Any, field: str, record: str | None) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if value is None or value == "":
        raise ValidationError("required", field=field, record=record, field_label=f"field.{field}")
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationError("invalid_choice", field=field, record=record, field_label=f"field.{field}",
                              value=value) from None


def open_ticket(session: Session, customer_id: int | None, category: str | None, priority: str | None,
                subject: str | None, opened_at: Any, *, contact_id: int | None = None,
                assignee_id: int | None = None) -> ServiceTicket:
    """A new ticket TK-YYYY-NNNNNN, its SLA hours fixed from the priority."""
    customer = get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
    record = customer.code
    category = validation.choice(category, TICKET_CATEGORIES, "category", record=record)
    priority = validation.choice(priority, TICKET_PRIORITIES, "priority", record=record)
    subject = required_text(subject, "subject", record=record)
    at = _moment(opened_at, "opened_at", record)
    document_date(at, "opened_at", session=session, record=record)
    contact = _contact_of(session, customer, contact_id)
    if assignee_id is not None:
        get_or_fail(session, Employee, assignee_id, "employee", field="assignee_id", record=record)
    sla = sla_for(priority)
    ticket = ServiceTicket(doc_no=next_doc_no(session, "service_ticket", at.date()), customer_id=customer.id,
                           contact_id=contact, assignee_id=assignee_id, category=category, priority=priority,
                           subject=subject, status=TICKET_OPEN, opened_at=at,
                           response_sla_hours=sla.response_hours, resolution_sla_hours=sla.resolution_hours)
    session.add(ticket)
    session.flush()
    return ticket


def _ticket(session: Session, ticket_id: int | None, allowed: tuple[str, ...], action: str) -> ServiceTicket:
    ticket = get_or_fail(session, ServiceTicket, ticket_id, "service_ticket", field="ticket_id")
    if ticket.status not in allowed:
        raise StateError("bad_state", field="status", record=ticket.doc_no, state=f"state.ticket.{ticket.status}",
                         action=f"action.{action}")
    return ticket


def _after(ticket: ServiceTicket, value: Any, field: str, other: str, earliest: datetime) -> datetime:
    at = _moment(value, field, ticket.doc_no)
    document_date(at, field, session=None, record=ticket.doc_no)  # after opened_at, so after the opening date
    if at < earliest:
        raise ValidationError("date_order", field=field, record=ticket.doc_no, field_label=f"field.{field}",
                              other_label=f"field.{other}")
    return at


def respond(session: Session, ticket_id: int | None, at: Any, *, assignee_id: int | None = None) -> ServiceTicket:
    """First response to an open ticket: it becomes in progress (optionally assigned)."""
    ticket = _ticket(session, ticket_id, (TICKET_OPEN,), "respond")
    moment = _after(ticket, at, "first_response_at", "opened_at", ticket.opened_at)
    if assignee_id is not None:
        get_or_fail(session, Employee, assignee_id, "employee", field="assignee_id", record=ticket.doc_no)
        ticket.assignee_id = assignee_id
    ticket.first_response_at, ticket.status = moment, TICKET_IN_PROGRESS
    session.flush()
    return ticket


def resolve(session: Session, ticket_id: int | None, at: Any, resolution: str | None) -> ServiceTicket:
    """Resolve an open or in-progress ticket; the resolution text is required."""
    ticket = _ticket(session, ticket_id, (TICKET_OPEN, TICKET_IN_PROGRESS), "resolve")
    text = required_text(resolution, "resolution", record=ticket.doc_no)
    moment = _after(ticket, at, "resolved_at", "first_response_at" if ticket.first_response_at else "opened_at",
                    ticket.first_response_at or ticket.opened_at)
    if ticket.first_response_at is None:
        ticket.first_response_at = moment
    ticket.resolved_at, ticket.resolution, ticket.status = moment, text, TICKET_RESOLVED
    session.flush()
    return ticket


def close_ticket(session: Session, ticket_id: int | None, at: Any, satisfaction: Any = None) -> ServiceTicket:
    """Close a resolved ticket with the customer's satisfaction score (1–5, or none given)."""
    ticket = _ticket(session, ticket_id, (TICKET_RESOLVED,), "close")
    score = None
    if satisfaction not in (None, ""):
        try:
            score = int(str(satisfaction).strip())
        except ValueError:
            score = None
        if score not in SATISFACTION_RANGE or str(satisfaction).strip() != str(score):
            raise ValidationError("invalid_satisfaction", field="satisfaction", record=ticket.doc_no,
                                  field_label="field.satisfaction", value=satisfaction)
    moment = _after(ticket, at, "closed_at", "resolved_at", ticket.resolved_at)
    ticket.closed_at, ticket.satisfaction, ticket.status = moment, score, TICKET_CLOSED
    session.flush()
    return ticket
