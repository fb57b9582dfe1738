"""The CRM pages against a real store: a follow-up and a ticket posted through the forms land in the
store; readers see the lists but no forms; the customer analysis page reads marts built by dbt."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest
from dashboard_support import table, texts
from sqlalchemy import select

from ingestion.extract import extract_to_raw
from operational.db import unit_of_work
from operational.models import CrmFollowUp, CrmOpportunity, ServiceTicket
from operational.services import crm
from operational.services import masterdata as md
from orchestration.serving_file import copy_schema
from tests.transforms.conftest import dbt
from tests.transforms.crm_company import build_crm_company

PAGE = "views/crm_activity.py"


def _people(company) -> tuple[int, int]:  # noqa: ANN001
    with unit_of_work(company.engine) as s:
        rep = md.create_employee(s, "E900", "赵业务").id
        contact = crm.add_contact(s, company.customer, "张经理", title="采购经理").id
    return rep, contact


def test_a_follow_up_posted_through_the_form_lands_in_the_store_and_on_the_action_list(app_for, company):
    rep, contact = _people(company)
    at = app_for("sales", page=PAGE)
    assert not at.exception
    assert "没有未完成的下次行动" in texts(at)
    at.selectbox(key="fu.customer").set_value(company.customer).run()
    at.selectbox(key="fu.contact").set_value(contact)
    at.selectbox(key="fu.employee").set_value(rep)
    at.selectbox(key="fu.channel").set_value("wechat")
    at.date_input(key="fu.date").set_value(date(2026, 3, 2))
    at.text_area(key="fu.summary").set_value("微信发送新品资料")
    at.text_input(key="fu.next_action").set_value("寄送样品")
    at.date_input(key="fu.next_date").set_value(date(2026, 3, 5)).run()
    at.button(key="fu.save").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["已保存 2026-03-02 的跟进记录"]
    with unit_of_work(company.engine) as s:
        rows = s.execute(select(CrmFollowUp.customer_id, CrmFollowUp.contact_id, CrmFollowUp.employee_id,
                                CrmFollowUp.channel, CrmFollowUp.summary, CrmFollowUp.next_action,
                                CrmFollowUp.next_action_date, CrmFollowUp.done)).all()
    assert rows == [(company.customer, contact, rep, "wechat", "微信发送新品资料", "寄送样品", date(2026, 3, 5), False)]
    actions = table(at, "下次行动日期")
    assert list(actions["下次行动"]) == ["寄送样品"] and list(actions["方式"]) == ["微信"]
    assert "1 项已逾期" in texts(at)  # due 2026-03-05, before today

    at.selectbox(key="fu.complete_pick").set_value(_only_follow_up(company)).run()
    at.button(key="fu.complete").click().run()
    assert [s.value for s in at.success] == ["已标记为完成"]
    with unit_of_work(company.engine) as s:
        assert s.execute(select(CrmFollowUp.done)).scalar_one() is True


def _only_follow_up(company) -> int:  # noqa: ANN001
    with unit_of_work(company.engine) as s:
        return s.execute(select(CrmFollowUp.id)).scalar_one()


def test_a_follow_up_without_summary_is_refused_at_its_field(app_for, company):
    rep, _contact = _people(company)
    at = app_for("sales", page=PAGE)
    at.selectbox(key="fu.customer").set_value(company.customer)
    at.selectbox(key="fu.employee").set_value(rep).run()
    at.button(key="fu.save").click().run()
    assert [e.value for e in at.error] == ["C001：内容不能为空"]
    with unit_of_work(company.engine) as s:
        assert s.execute(select(CrmFollowUp)).first() is None


def test_a_ticket_is_opened_answered_resolved_and_closed_through_the_form(app_for, company):
    _people(company)
    at = app_for("sales", page=PAGE)
    at.selectbox(key="tk.customer").set_value(company.customer).run()
    at.selectbox(key="tk.category").set_value("technical")
    at.selectbox(key="tk.priority").set_value("urgent")
    at.text_input(key="tk.subject").set_value("订货系统无法登录").run()
    at.button(key="tk.save").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("已创建工单 TK-")
    with unit_of_work(company.engine) as s:
        ticket = s.execute(select(ServiceTicket)).scalar_one()
        ticket_id, doc_no = ticket.id, ticket.doc_no
        assert (ticket.category, ticket.priority, ticket.status, ticket.response_sla_hours,
                ticket.resolution_sla_hours) == ("technical", "urgent", "open", 1, 4)
    assert doc_no.endswith("-000001")
    assert list(table(at, "解决时限")["状态"]) == ["待处理"]

    at.selectbox(key="tk.pick").set_value(ticket_id).run()
    at.button(key="tk.respond").click().run()
    assert [s.value for s in at.success] == [f"工单 {doc_no} 已处理中"]
    at.selectbox(key="tk.pick").set_value(ticket_id).run()
    at.button(key="tk.resolve").click().run()  # no resolution typed
    assert [e.value for e in at.error] == [f"{doc_no}：处理结果不能为空"]
    at.text_area(key="tk.resolution").set_value("重置密码").run()
    at.button(key="tk.resolve").click().run()
    assert not at.error
    at.selectbox(key="tk.pick").set_value(ticket_id)
    at.selectbox(key="tk.satisfaction").set_value(5).run()
    at.button(key="tk.close").click().run()
    assert [s.value for s in at.success] == [f"工单 {doc_no} 已已关闭"]
    with unit_of_work(company.engine) as s:
        ticket = s.get(ServiceTicket, ticket_id)
        assert (ticket.status, ticket.resolution, ticket.satisfaction) == ("closed", "重置密码", 5)
        assert crm.is_sla_met(ticket) is True  # resolved within seconds of opening


def test_an_analyst_reads_the_lists_without_forms_and_a_clerk_cannot_open_the_page(app_for, company):
    at = app_for("analyst", page=PAGE)
    assert not at.exception
    keys = {getattr(w, "key", None) for w in at.button}
    assert not keys & {"fu.save", "tk.save", "op.save", "ct.save"}
    assert "没有未完成的下次行动" in texts(at)
    warehouse = app_for("warehouse")
    with pytest.raises(ValueError):  # not registered for the role
        warehouse.switch_page(PAGE)


def test_customer_analysis_reads_the_crm_marts(app_for, company, data_dir, tmp_path):
    crm_company = build_crm_company(company.engine)
    warehouse = tmp_path / "warehouse.duckdb"
    extract_to_raw(company.engine.url.render_as_string(hide_password=False), warehouse)
    dbt(warehouse, tmp_path, "build", "--select", "+path:models/marts/crm", "--indirect-selection", "cautious")
    with duckdb.connect(str(data_dir / "serving.duckdb")) as con:
        con.execute(f"ATTACH '{warehouse}' AS w (READ_ONLY)")
        copy_schema(con, "w", "marts")

    at = app_for("sales", page="views/crm_customers.py")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # 7 customers: C001 of the dashboards company (no orders) and C1–C6; C1 and C5 at risk.
    assert metrics["客户数"] == "7" and metrics["流失风险客户"] == "2"
    rfm = table(at, "RFM")
    assert dict(zip(rfm["客户编码"], rfm["客户分群"], strict=True)) == {
        "C001": "未下单客户", "C1": "重要挽留客户", "C2": "重要价值客户", "C3": "新客户", "C4": "沉睡客户",
        "C5": "忠诚客户", "C6": "未下单客户"}
    churn = table(at, "常规下单间隔（天）")
    assert list(churn["客户编码"]) == ["C1", "C5"]  # longest current gap first: 55, 54 days

    at.selectbox(key="cc.segment").set_value("champions").run()
    assert list(table(at, "RFM")["客户编码"]) == ["C2"]
    at.selectbox(key="cc.drill.customer").set_value(crm_company.customers["C2"]).run()
    months = table(at, "净毛利")
    assert list(months["月份"]) == ["2026-03", "2026-02", "2026-01"]
    assert list(months["净毛利"]) == [60.0, 80.0, 80.0]
    orders = table(at, "已发数量")
    assert list(orders["金额"]) == [200.0, 200.0, 200.0] and list(orders["状态"]) == ["已完成"] * 3
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("下载 CSV") == labels.count("下载 Excel") >= 5


def test_an_opportunity_is_opened_and_won_and_a_contact_added_through_the_forms(app_for, company):
    rep, _contact = _people(company)
    at = app_for("sales", page=PAGE)
    at.selectbox(key="op.customer").set_value(company.customer)
    at.selectbox(key="op.owner").set_value(rep)
    at.text_input(key="op.title").set_value("年度框架采购")
    at.text_input(key="op.value").set_value("-5").run()
    at.button(key="op.save").click().run()
    assert [e.value for e in at.error] == ["C001：预计金额不能为负数"]
    at.text_input(key="op.value").set_value("50000").run()
    at.button(key="op.save").click().run()
    assert [s.value for s in at.success] == [f"已创建销售机会 OP-{date.today().year}-000001"]
    pipeline = table(at, "加权金额")
    assert list(pipeline["阶段"])[:1] == ["线索"] and list(pipeline["加权金额"])[:1] == [5000.0]

    at.selectbox(key="op.pick").set_value(1)
    at.selectbox(key="op.to_stage").set_value("won").run()
    at.button(key="op.change").click().run()
    assert [s.value for s in at.success] == [f"OP-{date.today().year}-000001 已改为“赢单”"]
    with unit_of_work(company.engine) as s:
        assert s.execute(select(CrmOpportunity.stage, CrmOpportunity.probability)).one() == ("won", Decimal(1))

    at.selectbox(key="ct.customer").set_value(company.customer).run()
    at.text_input(key="ct.name").set_value("李会计")
    at.checkbox(key="ct.primary").check().run()
    at.button(key="ct.save").click().run()
    assert at.success[-1].value == "已保存联系人 李会计"
    contacts = table(at, "主要联系人")
    assert list(contacts["联系人"]) == ["李会计", "张经理"] and list(contacts["主要联系人"]) == [True, False]
