"""CRM services: contacts, follow-ups, the opportunity stage machine, tickets and their SLA."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import CrmFollowUp, CrmOpportunityStage, CustomerContact, ServiceTicket
from operational.services import crm, crm_queries
from operational.services import masterdata as md
from operational.services.errors import StateError, ValidationError


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest):  # noqa: ANN201
    """The CRM rules on SQLite and on PostgreSQL."""
    return request.getfixturevalue("store_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture
def ids(engine):
    with unit_of_work(engine) as s:
        rep = md.create_employee(s, "E001", "王销售").id
        c1 = md.create_customer(s, "C001", "苏州便利连锁", salesperson_id=rep).id
        c2 = md.create_customer(s, "C002", "杭州超市").id
    return {"rep": rep, "c1": c1, "c2": c2}


def _count(engine, model) -> int:  # noqa: ANN001
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_first_contact_is_primary_and_a_new_primary_takes_the_flag(engine, ids):
    with unit_of_work(engine) as s:
        first = crm.add_contact(s, ids["c1"], "张经理", title="采购经理").id
        crm.add_contact(s, ids["c1"], "李会计")
        third = crm.add_contact(s, ids["c1"], "王店长", is_primary=True).id
    with unit_of_work(engine) as s:
        rows = crm_queries.contacts(s, ids["c1"])
        assert [(r["contact_name"], r["is_primary"]) for r in rows] == [
            ("王店长", True), ("张经理", False), ("李会计", False)]
        assert rows[0]["contact_id"] == third and rows[1]["contact_id"] == first
    with pytest.raises(ValidationError) as err, unit_of_work(engine) as s:
        crm.add_contact(s, ids["c1"], "  ")
    assert err.value.field == "contact_name"
    assert err.value.message() == "C001：联系人姓名不能为空"


def test_follow_up_with_next_action_is_open_until_completed(engine, ids):
    with unit_of_work(engine) as s:
        contact = crm.add_contact(s, ids["c1"], "张经理").id
        fu = crm.log_follow_up(s, ids["c1"], ids["rep"], "visit", date(2026, 3, 2), "拜访", contact_id=contact,
                               next_action="发送报价", next_action_date=date(2026, 3, 5)).id
        crm.log_follow_up(s, ids["c1"], ids["rep"], "call", date(2026, 3, 3), "电话")  # no next action: done
    with unit_of_work(engine) as s:
        open_actions = crm_queries.open_next_actions(s, ids["rep"], date(2026, 3, 6))
        assert [(r["follow_up_id"], r["next_action"], r["overdue"]) for r in open_actions] == [(fu, "发送报价", True)]
        crm.complete_follow_up(s, fu, date(2026, 3, 6))
    with unit_of_work(engine) as s:
        assert crm_queries.open_next_actions(s, ids["rep"], date(2026, 3, 6)) == []
        assert s.get(CrmFollowUp, fu).done_on == date(2026, 3, 6)
        with pytest.raises(StateError):
            crm.complete_follow_up(s, fu, date(2026, 3, 7))


@pytest.mark.parametrize(("change", "field", "message"), [
    (dict(channel="fax"), "channel", "C001：渠道的值“fax”无效"),
    (dict(summary=""), "summary", "C001：内容不能为空"),
    (dict(next_action_date=date(2026, 3, 1), next_action="回访"), "next_action_date", "C001：下次行动日期不能早于跟进日期"),
    (dict(next_action_date=date(2026, 3, 9)), "next_action", "C001：下次行动不能为空"),
])
def test_a_bad_follow_up_names_its_field_and_writes_nothing(engine, ids, change, field, message):
    args = dict(channel="call", summary="电话", next_action=None, next_action_date=None) | change
    with pytest.raises(ValidationError) as err, unit_of_work(engine) as s:
        crm.log_follow_up(s, ids["c1"], ids["rep"], args["channel"], date(2026, 3, 2), args["summary"],
                          next_action=args["next_action"], next_action_date=args["next_action_date"])
    assert (err.value.field, err.value.message()) == (field, message)
    assert _count(engine, CrmFollowUp) == 0


def test_a_contact_of_another_customer_is_refused(engine, ids):
    with unit_of_work(engine) as s:
        other = crm.add_contact(s, ids["c2"], "赵老板").id
    with pytest.raises(ValidationError) as err, unit_of_work(engine) as s:
        crm.log_follow_up(s, ids["c1"], ids["rep"], "call", date(2026, 3, 2), "电话", contact_id=other)
    assert err.value.field == "contact_id"
    assert err.value.message("en") == "C001: 赵老板 is not a contact of this customer"


def test_opportunity_moves_forward_and_records_every_stage(engine, ids):
    with unit_of_work(engine) as s:
        opp = crm.open_opportunity(s, ids["c1"], ids["rep"], "年度采购", "50000", date(2026, 3, 1),
                                   expected_close_date=date(2026, 4, 30))
        assert (opp.doc_no, opp.stage, opp.probability) == ("OP-2026-000001", "lead", Decimal("0.1"))
        crm.advance_opportunity(s, opp.id, "proposal", date(2026, 3, 10), by=ids["rep"])  # qualified skipped
        with pytest.raises(StateError) as err:
            crm.advance_opportunity(s, opp.id, "qualified", date(2026, 3, 11))
        assert err.value.field == "stage" and err.value.record == "OP-2026-000001"
        assert err.value.message() == "OP-2026-000001：销售机会不能从“方案报价”改为“需求确认”"
        crm.win_opportunity(s, opp.id, date(2026, 3, 20), by=ids["rep"])
        assert (opp.stage, opp.probability, opp.closed_on) == ("won", Decimal(1), date(2026, 3, 20))
        with pytest.raises(StateError) as err:
            crm.lose_opportunity(s, opp.id, date(2026, 3, 21))
        assert err.value.message("en") == "OP-2026-000001: the opportunity cannot move from won to lost"
        history = s.execute(select(CrmOpportunityStage.from_stage, CrmOpportunityStage.to_stage,
                                   CrmOpportunityStage.changed_on).order_by(CrmOpportunityStage.id)).all()
        assert history == [(None, "lead", date(2026, 3, 1)), ("lead", "proposal", date(2026, 3, 10)),
                           ("proposal", "won", date(2026, 3, 20))]


def test_sla_hours_come_from_the_priority_and_define_compliance(engine, ids):
    opened = datetime(2026, 3, 2, 9, 0)
    with unit_of_work(engine) as s:
        urgent = crm.open_ticket(s, ids["c1"], "technical", "urgent", "无法开单", opened)
        normal = crm.open_ticket(s, ids["c1"], "after_sale", "normal", "到货破损", opened)
        assert (urgent.doc_no, urgent.response_sla_hours, urgent.resolution_sla_hours) == ("TK-2026-000001", 1, 4)
        assert (normal.response_sla_hours, normal.resolution_sla_hours) == (8, 72)
        assert crm.sla_due(urgent) == datetime(2026, 3, 2, 13, 0)
        assert crm.is_sla_met(urgent, datetime(2026, 3, 2, 12, 59)) is None  # still within time
        assert crm.is_sla_met(urgent, datetime(2026, 3, 2, 13, 1)) is False
        crm.respond(s, urgent.id, datetime(2026, 3, 2, 9, 45))
        crm.resolve(s, urgent.id, datetime(2026, 3, 2, 13, 0), "重启服务")  # exactly at the due time: met
        assert crm.is_sla_met(urgent) is True and crm.is_response_met(urgent) is True
        crm.resolve(s, normal.id, datetime(2026, 3, 6, 9, 0), "补发")  # 96 h, unanswered before: breached
        assert normal.first_response_at == datetime(2026, 3, 6, 9, 0)
        assert crm.is_sla_met(normal) is False and crm.is_response_met(normal) is False


def test_ticket_states_resolution_and_satisfaction_are_enforced(engine, ids):
    with unit_of_work(engine) as s:
        tk = crm.open_ticket(s, ids["c1"], "training", "low", "系统培训", datetime(2026, 3, 2, 9, 0)).id
    with pytest.raises(StateError) as err, unit_of_work(engine) as s:
        crm.close_ticket(s, tk, datetime(2026, 3, 3, 9, 0), 5)
    assert err.value.message() == "TK-2026-000001：单据状态为“待处理”，不能关闭"
    with pytest.raises(ValidationError) as err, unit_of_work(engine) as s:
        crm.resolve(s, tk, datetime(2026, 3, 3, 9, 0), "  ")
    assert (err.value.field, err.value.message()) == ("resolution", "TK-2026-000001：处理结果不能为空")
    with pytest.raises(ValidationError) as err, unit_of_work(engine) as s:
        crm.respond(s, tk, datetime(2026, 3, 1, 9, 0))
    assert err.value.message() == "TK-2026-000001：首次响应时间不能早于受理时间"
    with unit_of_work(engine) as s:
        crm.resolve(s, tk, datetime(2026, 3, 3, 9, 0), "已培训")
    for bad in (0, 6, "4.5", "好"):
        with pytest.raises(ValidationError) as err, unit_of_work(engine) as s:
            crm.close_ticket(s, tk, datetime(2026, 3, 4, 9, 0), bad)
        assert err.value.field == "satisfaction"
    assert err.value.message() == "TK-2026-000001：满意度必须是1到5的整数：好"
    with unit_of_work(engine) as s:
        crm.close_ticket(s, tk, datetime(2026, 3, 4, 9, 0), "4")
    with unit_of_work(engine) as s:
        ticket = s.get(ServiceTicket, tk)
        assert (ticket.status, ticket.satisfaction, ticket.resolution) == ("closed", 4, "已培训")
    assert _count(engine, CustomerContact) == 0
