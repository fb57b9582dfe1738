"""Read-only queries for the CRM forms and lists (the Streamlit pages call these, never SQL).

Nothing here writes. Lists come back as dicts keyed by the catalog column names (``ui.col.<name>``)
so a page can show them with ``with_headers``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session, aliased

from operational.models import (
    AppUser,
    CrmFollowUp,
    CrmOpportunity,
    CrmOpportunityStage,
    Customer,
    CustomerContact,
    Employee,
    ServiceTicket,
)
from operational.models.crm import OPEN_STAGES
from operational.services.crm import is_response_met, is_sla_met, response_due, sla_due


def employee_of_user(session: Session, user_id: int | None) -> int | None:
    """The employee a login belongs to (None for users without one)."""
    if user_id is None:
        return None
    user = session.get(AppUser, user_id)
    return user.employee_id if user else None


def customer_choices(session: Session, *, salesperson_id: int | None = None) -> list[tuple[int, str]]:
    """(id, "code name") of the customers, optionally only one salesperson's."""
    stmt = select(Customer.id, Customer.code, Customer.name).order_by(Customer.code)
    if salesperson_id is not None:
        stmt = stmt.where(Customer.salesperson_id == salesperson_id)
    return [(row.id, f"{row.code} {row.name}") for row in session.execute(stmt)]


def employee_choices(session: Session) -> list[tuple[int, str]]:
    stmt = select(Employee.id, Employee.code, Employee.name).where(Employee.status == "active").order_by(Employee.code)
    return [(row.id, f"{row.code} {row.name}") for row in session.execute(stmt)]


def contacts(session: Session, customer_id: int | None) -> list[dict[str, Any]]:
    """The customer's contacts, primary first."""
    if customer_id is None:
        return []
    stmt = (select(CustomerContact).where(CustomerContact.customer_id == customer_id)
            .order_by(CustomerContact.is_primary.desc(), CustomerContact.id))
    return [{"contact_id": c.id, "contact_name": c.name, "contact_title": c.title, "phone": c.phone,
             "email": c.email, "wechat": c.wechat, "is_primary": c.is_primary}
            for c in session.execute(stmt).scalars()]


def contact_choices(session: Session, customer_id: int | None) -> list[tuple[int, str]]:
    return [(row["contact_id"], row["contact_name"] + (f"（{row['contact_title']}）" if row["contact_title"] else ""))
            for row in contacts(session, customer_id)]


def _follow_up_rows(session: Session, stmt: Any) -> list[dict[str, Any]]:
    contact = aliased(CustomerContact)
    stmt = (stmt.join(Customer, Customer.id == CrmFollowUp.customer_id)
            .join(Employee, Employee.id == CrmFollowUp.employee_id)
            .outerjoin(contact, contact.id == CrmFollowUp.contact_id)
            .add_columns(Customer.code, Customer.name.label("customer_name"), Employee.name.label("employee_name"),
                         contact.name.label("contact_name")))
    return [{"follow_up_id": f.id, "happened_on": f.happened_on, "customer_code": code, "customer_name": cname,
             "contact_name": contact_name, "employee_name": ename, "channel": f.channel, "summary": f.summary,
             "next_action": f.next_action, "next_action_date": f.next_action_date, "done": f.done}
            for f, code, cname, ename, contact_name in session.execute(stmt)]


def follow_ups(session: Session, *, customer_id: int | None = None, employee_id: int | None = None,
               limit: int = 200) -> list[dict[str, Any]]:
    """Latest follow-ups first, of one customer and/or one employee."""
    stmt = select(CrmFollowUp).order_by(CrmFollowUp.happened_on.desc(), CrmFollowUp.id.desc()).limit(limit)
    if customer_id is not None:
        stmt = stmt.where(CrmFollowUp.customer_id == customer_id)
    if employee_id is not None:
        stmt = stmt.where(CrmFollowUp.employee_id == employee_id)
    return _follow_up_rows(session, stmt)


def open_next_actions(session: Session, employee_id: int | None, today: date, *,
                      limit: int = 500) -> list[dict[str, Any]]:
    """Next actions not yet done (of one employee, or everyone's when None), earliest due first,
    with ``overdue`` when the due date is before ``today``."""
    stmt = (select(CrmFollowUp).where(CrmFollowUp.done.is_(False), CrmFollowUp.next_action.is_not(None))
            .order_by(CrmFollowUp.next_action_date.is_(None), CrmFollowUp.next_action_date, CrmFollowUp.id)
            .limit(limit))
    if employee_id is not None:
        stmt = stmt.where(CrmFollowUp.employee_id == employee_id)
    rows = _follow_up_rows(session, stmt)
    for row in rows:
        row["overdue"] = row["next_action_date"] is not None and row["next_action_date"] < today
    return rows


def opportunities(session: Session, *, owner_id: int | None = None, open_only: bool = False,
                  limit: int = 500) -> list[dict[str, Any]]:
    """Opportunities, open stages first in stage order, then by expected close date."""
    order = case({stage: i for i, stage in enumerate(OPEN_STAGES)}, value=CrmOpportunity.stage, else_=len(OPEN_STAGES))
    stmt = (select(CrmOpportunity, Customer.code, Customer.name, Employee.name)
            .join(Customer, Customer.id == CrmOpportunity.customer_id)
            .join(Employee, Employee.id == CrmOpportunity.owner_id)
            .order_by(order, CrmOpportunity.expected_close_date, CrmOpportunity.id).limit(limit))
    if owner_id is not None:
        stmt = stmt.where(CrmOpportunity.owner_id == owner_id)
    if open_only:
        stmt = stmt.where(CrmOpportunity.stage.in_(OPEN_STAGES))
    return [{"opportunity_id": o.id, "doc_no": o.doc_no, "customer_code": code, "customer_name": cname,
             "title": o.title, "stage": o.stage, "expected_value": o.expected_value, "probability": o.probability,
             "weighted_value": (o.expected_value * o.probability).quantize(o.expected_value),
             "opened_on": o.opened_on, "expected_close_date": o.expected_close_date, "closed_on": o.closed_on,
             "owner_name": owner}
            for o, code, cname, owner in session.execute(stmt)]


def opportunity_history(session: Session, opportunity_id: int) -> list[dict[str, Any]]:
    """The stage history of one opportunity, oldest first."""
    stmt = (select(CrmOpportunityStage, Employee.name)
            .outerjoin(Employee, Employee.id == CrmOpportunityStage.changed_by)
            .where(CrmOpportunityStage.opportunity_id == opportunity_id).order_by(CrmOpportunityStage.id))
    return [{"changed_on": h.changed_on, "from_stage": h.from_stage, "to_stage": h.to_stage, "changed_by": name}
            for h, name in session.execute(stmt)]


def tickets(session: Session, *, statuses: tuple[str, ...] | None = None, customer_id: int | None = None,
            now: datetime | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Service tickets, newest first, with their SLA due times and whether they were met
    (``None`` while not known yet at ``now``)."""
    assignee = aliased(Employee)
    stmt = (select(ServiceTicket, Customer.code, Customer.name, assignee.name)
            .join(Customer, Customer.id == ServiceTicket.customer_id)
            .outerjoin(assignee, assignee.id == ServiceTicket.assignee_id)
            .order_by(ServiceTicket.opened_at.desc(), ServiceTicket.id.desc()).limit(limit))
    if statuses:
        stmt = stmt.where(ServiceTicket.status.in_(statuses))
    if customer_id is not None:
        stmt = stmt.where(ServiceTicket.customer_id == customer_id)
    return [{"ticket_id": tk.id, "doc_no": tk.doc_no, "customer_code": code, "customer_name": cname,
             "category": tk.category, "priority": tk.priority, "subject": tk.subject, "status": tk.status,
             "opened_at": tk.opened_at, "response_due": response_due(tk), "first_response_at": tk.first_response_at,
             "resolution_due": sla_due(tk), "resolved_at": tk.resolved_at, "resolution": tk.resolution,
             "satisfaction": tk.satisfaction, "assignee_name": aname,
             "response_met": is_response_met(tk, now), "resolution_met": is_sla_met(tk, now)}
            for tk, code, cname, aname in session.execute(stmt)]


def ticket_choices(session: Session, statuses: tuple[str, ...]) -> list[tuple[int, str]]:
    """(id, "TK-… customer subject") of the tickets in ``statuses``, oldest first."""
    stmt = (select(ServiceTicket.id, ServiceTicket.doc_no, ServiceTicket.subject, Customer.name)
            .join(Customer, Customer.id == ServiceTicket.customer_id)
            .where(ServiceTicket.status.in_(statuses)).order_by(ServiceTicket.opened_at, ServiceTicket.id))
    return [(row.id, f"{row.doc_no} {row.name} {row.subject}") for row in session.execute(stmt)]


def opportunity_choices(session: Session, *, owner_id: int | None = None) -> list[tuple[int, str]]:
    stmt = (select(CrmOpportunity.id, CrmOpportunity.doc_no, CrmOpportunity.title, Customer.name)
            .join(Customer, Customer.id == CrmOpportunity.customer_id)
            .where(CrmOpportunity.stage.in_(OPEN_STAGES)).order_by(CrmOpportunity.id))
    if owner_id is not None:
        stmt = stmt.where(CrmOpportunity.owner_id == owner_id)
    return [(row.id, f"{row.doc_no} {row.name} {row.title}") for row in session.execute(stmt)]
