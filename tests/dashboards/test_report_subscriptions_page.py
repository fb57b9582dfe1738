"""The Report subscriptions page (Streamlit AppTest): a manager subscribes and sees the "no SMTP"
message with "Send now" disabled; a bad address is refused under its field; an admin sets the SMTP
server on the page and subscribes someone else; a sales clerk cannot open it."""

from __future__ import annotations

import pytest

from dashboards.components.safe_text import WORD_JOINER
from operational.db import read_only
from operational.models import AppUser
from operational.services import report_subscriptions as subs
from tests.reports.smtp_support import clear_smtp_env

PAGE = "views/report_subscriptions.py"


@pytest.fixture(autouse=True)
def _no_smtp_env(monkeypatch):  # noqa: ANN001
    clear_smtp_env(monkeypatch)


def _texts(elements) -> list[str]:  # noqa: ANN001
    """The elements' texts as a reader sees them: without the escapes that keep typed text from
    being read as Markdown (dashboards/components/safe_text.py)."""
    return [e.value.replace(WORD_JOINER, "").replace("\\", "") for e in elements]


def test_a_manager_subscribes_and_is_told_nothing_is_sent_without_smtp(app_for, company):  # noqa: ANN001
    at = app_for("manager", page=PAGE)
    assert not at.exception
    assert at.title[0].value == "报表订阅"
    assert any("邮件服务器（SMTP）尚未设置（缺少：SMTP 服务器地址、发件人邮箱），不会发送任何邮件" in w
               for w in _texts(at.warning))
    assert at.button(key="report_subscriptions.send.submit").disabled
    assert "邮件服务器（SMTP）" not in [s.value for s in at.subheader]  # the SMTP form is the admins'
    at.selectbox(key="report_subscriptions.edit.report_kind").set_value("weekly")
    at.selectbox(key="report_subscriptions.edit.language").set_value("en")
    at.text_input(key="report_subscriptions.edit.email").input("not-an-address")
    at.button(key="report_subscriptions.edit.submit").click().run()
    assert _texts(at.error) == ["manager：电子邮箱“not-an-address”不是有效的邮箱地址"]
    at.text_input(key="report_subscriptions.edit.email").input("manager@jxc.example")
    at.button(key="report_subscriptions.edit.submit").click().run()
    assert not at.exception
    assert "已保存：manager 订阅管理周报，发送到 manager@jxc.example" in _texts(at.success)
    with read_only(company.engine) as s:
        [row] = subs.list_subscriptions(s, s.get(AppUser, company.users["manager"].id))
        assert (row.report_kind, row.language, row.email, row.active) == ("weekly", "en", "manager@jxc.example", True)
    assert at.selectbox(key="report_subscriptions.send.subscription_id").options == [
        "管理周报 · English · manager@jxc.example"]
    assert at.button(key="report_subscriptions.send.submit").disabled  # still no SMTP


def test_an_admin_sets_the_smtp_server_and_subscribes_someone_else(app_for, company):  # noqa: ANN001
    at = app_for("admin", page=PAGE)
    assert not at.exception
    at.text_input(key="report_subscriptions.smtp.smtp_host").input("mail.jxc.example")
    at.text_input(key="report_subscriptions.smtp.smtp_sender").input("reports@jxc.example")
    at.text_input(key="report_subscriptions.smtp.smtp_password").input("s3cret")
    next(b for b in at.button if b.label == "保存邮件服务器设置").click().run()
    assert not at.exception
    assert "邮件服务器设置已保存" in _texts(at.success)
    assert not at.warning
    assert "邮件经 mail.jxc.example:587（STARTTLS 加密）发出，发件人 reports@jxc.example。" in _texts(at.caption)
    assert "s3cret" not in " ".join(str(v) for v in [*_texts(at.caption), *_texts(at.text_input)])
    manager = company.users["manager"]
    at.selectbox(key="report_subscriptions.edit.user_id").set_value(manager.id).run()
    at.text_input(key="report_subscriptions.edit.email").input("boss@jxc.example")
    at.button(key="report_subscriptions.edit.submit").click().run()
    assert f"已保存：{manager.username} 订阅经营日报，发送到 boss@jxc.example" in _texts(at.success)
    assert not at.button(key="report_subscriptions.send.submit").disabled


def test_the_page_is_for_report_readers(app_for):  # noqa: ANN001
    at = app_for("sales")
    with pytest.raises(ValueError):
        at.switch_page(PAGE)


def test_send_now_without_a_publish_sends_the_notice_and_says_so(app_for, company, monkeypatch):  # noqa: ANN001
    """Nothing was ever published: "Send now" renders nothing and the notice arrives instead."""
    from tests.reports.smtp_support import point_jxc_at, smtp_server

    with smtp_server() as server:
        point_jxc_at(monkeypatch, server)
        at = app_for("manager", page=PAGE)
        at.text_input(key="report_subscriptions.edit.email").input("manager@jxc.example")
        at.button(key="report_subscriptions.edit.submit").click().run()
        at.button(key="report_subscriptions.send.submit").click().run()
        assert not at.exception
        assert _texts(at.success)[-1:] == ["数据不可信，没有发送经营日报，已向 manager@jxc.example 发送通知（还没有发布过数据）"]
        [message] = server.inbox.wait_for(1)
    assert message["Subject"] == "【JXC】经营日报暂停发送：数据不可信"
    assert "数据管道还没有发布过任何数据。" in message.get_body(preferencelist=("plain",)).get_content()
    table = at.dataframe[-1].value  # the delivery log
    assert list(table.iloc[0][["内容", "结果", "来源", "说明"]]) == ["数据不可信通知", "已发送", "立即发送", "还没有发布过数据"]
