"""Subscriptions and e-mail delivery against a local SMTP server (aiosmtpd on 127.0.0.1).

The report files come from a stand-in renderer (tests/reports/smtp_support.py: a small HTML file
and a real one-page PDF); the real renderer is tested in tests/reports/test_reports.py and end to
end by the browser test. Here: who may subscribe whom, the SMTP settings, the message that arrives
(HTML body byte for byte, the PDF attached), one render per language, nothing sent without SMTP,
and the stale-data notice instead of the report after a real Dagster run that failed its check.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import dagster as dg
import pytest
from sqlalchemy import select

from operational.db import read_only, unit_of_work
from operational.models import AppUser, ReportDelivery, StoreSetting
from operational.services import auth
from operational.services import masterdata as md
from operational.services import report_subscriptions as subs
from operational.services.errors import AuthError, ValidationError
from operational.settings import get_settings
from orchestration.state import record_publish
from reports import delivery
from tests.reports.smtp_support import SENDER, FakeRenderer, clear_smtp_env, point_jxc_at, smtp_server

PASSWORD = "delivery-pw"


@pytest.fixture
def people(store_engine, monkeypatch):  # noqa: ANN001
    """A manager (with an employee's address), an analyst, a sales clerk and an admin; no SMTP yet."""
    clear_smtp_env(monkeypatch)
    with unit_of_work(store_engine) as s:
        employee = md.create_employee(s, "E001", "王经理", email="wang@jxc.example")
        ids = {
            "manager": auth.create_user(s, "wang", PASSWORD, "manager", display_name="王经理",
                                        employee_id=employee.id, iterations=1000).id,
            "analyst": auth.create_user(s, "li", PASSWORD, "analyst", display_name="李分析",
                                        language="en", iterations=1000).id,
            "sales": auth.create_user(s, "zhao", PASSWORD, "sales", display_name="赵销售", iterations=1000).id,
            "admin": auth.create_user(s, "root", PASSWORD, "admin", display_name="管理员", iterations=1000).id,
        }
    return ids


@pytest.fixture
def smtp(monkeypatch):  # noqa: ANN001
    with smtp_server() as server:
        point_jxc_at(monkeypatch, server)
        yield server


def _fresh_publish(now: datetime | None = None) -> None:
    record_publish(get_settings().state_path, run_id="run-good", job_name="full_pipeline",
                   published_at=(now or datetime.now(UTC)).replace(tzinfo=None), row_counts={}, store_watermark="w")


def _subscribe(actor_id: int, user_id: int, kind: str, language: str, email: str, active: bool = True) -> int:
    with unit_of_work() as s:
        return subs.save_subscription(s, s.get(AppUser, actor_id), user_id=user_id, report_kind=kind,
                                      language=language, email=email, active=active).id


def _deliveries() -> list[SimpleNamespace]:
    """The delivery log as plain values (the read-only session ends with a rollback)."""
    columns = ReportDelivery.__table__.columns.keys()
    with read_only() as s:
        return [SimpleNamespace(**{c: getattr(d, c) for c in columns})
                for d in s.scalars(select(ReportDelivery).order_by(ReportDelivery.id))]


# ---------------------------------------------------------------- rules

def test_a_manager_manages_their_own_subscriptions_and_an_admin_everyones(people):  # noqa: ANN001
    mine = _subscribe(people["manager"], people["manager"], "weekly", "zh_CN", " wang@jxc.example ")
    # Saving again changes the one subscription per user and kind.
    assert _subscribe(people["manager"], people["manager"], "weekly", "en", "wang@jxc.example") == mine
    with pytest.raises(AuthError):  # not someone else's
        _subscribe(people["manager"], people["analyst"], "daily", "en", "li@jxc.example")
    with pytest.raises(AuthError):  # a sales clerk does not read the management reports
        _subscribe(people["sales"], people["sales"], "daily", "zh_CN", "zhao@jxc.example")
    theirs = _subscribe(people["admin"], people["analyst"], "daily", "en", "li@jxc.example")
    with read_only() as s:
        manager, admin = s.get(AppUser, people["manager"]), s.get(AppUser, people["admin"])
        assert [(r.username, r.report_kind, r.language, r.email) for r in subs.list_subscriptions(s, manager)] == [
            ("wang", "weekly", "en", "wang@jxc.example")]
        assert {r.id for r in subs.list_subscriptions(s, admin)} == {mine, theirs}
        assert [u.username for u in subs.manageable_users(s, manager)] == ["wang"]
        assert [u.username for u in subs.manageable_users(s, admin)] == ["li", "root", "wang"]
        with pytest.raises(AuthError):
            subs.subscription_for(s, manager, theirs)
        # The address offered for a new subscription: the current one, else the employee's.
        assert subs.suggested_email(s, manager) == "wang@jxc.example"
        assert subs.suggested_email(s, admin) == ""
    with unit_of_work() as s:
        subs.set_active(s, s.get(AppUser, people["admin"]), theirs, False)
        assert [x.id for x in subs.due_subscriptions(s, "daily")] == []
        assert [x.id for x in subs.due_subscriptions(s, "weekly")] == [mine]
        s.get(AppUser, people["manager"]).role = "staff"  # no longer a report reader: no more mail
        s.flush()
        assert subs.due_subscriptions(s, "weekly") == []


@pytest.mark.parametrize(("values", "field", "words"), [
    ({"email": "wang at jxc"}, "email", "“wang at jxc”不是有效的邮箱地址"),
    ({"email": "a@b.example\r\nBcc: x@y.example"}, "email", "不是有效的邮箱地址"),
    ({"email": ""}, "email", "不能为空"),
    ({"email": "x" * 250 + "@a.cn"}, "email", "不是有效的邮箱地址"),
    ({"report_kind": "yearly"}, "report_kind", "“yearly”无效"),
    ({"language": "fr"}, "language", "“fr”无效"),
])
def test_bad_input_is_refused_naming_the_user_and_field(people, values, field, words):  # noqa: ANN001
    arguments = {"report_kind": "weekly", "language": "zh_CN", "email": "wang@jxc.example", **values}
    with pytest.raises(ValidationError) as caught, unit_of_work() as s:
        subs.save_subscription(s, s.get(AppUser, people["manager"]), user_id=people["manager"], **arguments)
    assert caught.value.field == field and caught.value.record == "wang"
    assert words in caught.value.message() and caught.value.message().startswith("wang：")
    with read_only() as s:
        assert subs.list_subscriptions(s, s.get(AppUser, people["admin"])) == []  # nothing half-written


def test_smtp_settings_come_from_the_store_and_the_environment_wins_field_by_field(people, monkeypatch):  # noqa: ANN001
    with unit_of_work() as s:
        admin = s.get(AppUser, people["admin"])
        assert subs.smtp_settings(s) is None
        assert subs.smtp_status(s).missing == ("host", "sender")
        with pytest.raises(AuthError):
            subs.save_smtp_settings(s, s.get(AppUser, people["manager"]), host="mail.jxc.example")
        subs.save_smtp_settings(s, admin, host="mail.jxc.example", port="", security="starttls",
                                sender="reports@jxc.example", user="reports", password="s3cret")
    monkeypatch.setenv("JXC_SMTP_PASSWORD", "from-env")
    with unit_of_work() as s:
        settings = subs.smtp_settings(s)
        assert (settings.host, settings.port, settings.security, settings.user, settings.password) == (
            "mail.jxc.example", 587, "starttls", "reports", "from-env")
        assert "from-env" not in repr(settings) and "s3cret" not in repr(settings)
        status = subs.smtp_status(s)
        assert status.values["password"] == "***" and status.sources["password"] == "env"
        # None keeps a stored value (the page's blank password), "" removes it.
        subs.save_smtp_settings(s, s.get(AppUser, people["admin"]), security="tls", password=None)
        assert s.get(StoreSetting, "smtp_password").value == "s3cret"
        assert subs.smtp_settings(s).port == 465
        with pytest.raises(ValidationError) as caught:
            subs.save_smtp_settings(s, s.get(AppUser, people["admin"]), port="70000")
        assert caught.value.field == "smtp_port" and "70000" in caught.value.message()
        with pytest.raises(ValidationError) as caught:
            subs.save_smtp_settings(s, s.get(AppUser, people["admin"]), host="mail.jxc.example; rm -rf /")
        assert caught.value.field == "smtp_host"
        with pytest.raises(ValidationError) as caught:
            subs.save_smtp_settings(s, s.get(AppUser, people["admin"]), sender="not an address")
        assert caught.value.field == "smtp_sender"
        subs.save_smtp_settings(s, s.get(AppUser, people["admin"]), host="")  # no host: nothing is sent
        assert subs.smtp_settings(s) is None


# ---------------------------------------------------------------- delivery

def test_send_now_delivers_the_report_with_the_html_body_and_the_pdf_attached(people, smtp, tmp_path):  # noqa: ANN001
    subscription = _subscribe(people["manager"], people["manager"], "weekly", "zh_CN", "wang@jxc.example")
    _fresh_publish()
    render = FakeRenderer(tmp_path / "out")
    run = delivery.send_now(people["manager"], subscription, render=render)
    assert run.freshness.fresh and render.calls == [("weekly", None, "zh_CN")]
    [message] = smtp.inbox.wait_for(1)
    assert smtp.inbox.recipients == [["wang@jxc.example"]]
    assert message["From"] == SENDER and message["To"] == "wang@jxc.example"
    assert message["Subject"] == "【JXC】管理周报（2026-06-24 至 2026-06-30）"
    rendered = run.reports["zh_CN"]
    body = message.get_body(preferencelist=("html",))
    # The HTML file is the body, line endings aside (SMTP carries CRLF and ends the part with one).
    assert body.get_content().replace("\r\n", "\n").rstrip("\n") == rendered.html_path.read_text(encoding="utf-8")
    assert "数据截至 2026-06-30（发布 run-good）" in message.get_body(preferencelist=("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "weekly_20260630_zh_CN.pdf"
    assert attachment.get_content() == rendered.pdf_path.read_bytes()
    assert attachment.get_content().startswith(b"%PDF")
    [row] = _deliveries()
    assert (row.origin, row.content, row.outcome, row.email, row.requested_by, row.as_of, row.publish_id) == (
        "send_now", "report", "sent", "wang@jxc.example", people["manager"], date(2026, 6, 30), "run-good")
    with read_only() as s:  # the manager sees their delivery, the analyst does not
        assert [d.id for d in subs.recent_deliveries(s, s.get(AppUser, people["manager"]))] == [row.id]
        assert subs.recent_deliveries(s, s.get(AppUser, people["analyst"])) == []
    with pytest.raises(AuthError):  # another user's subscription cannot be sent by the analyst
        delivery.send_now(people["analyst"], subscription, render=render)


def test_a_schedule_renders_each_language_once_and_writes_to_every_active_subscriber(people, smtp, tmp_path):  # noqa: ANN001
    _subscribe(people["manager"], people["manager"], "weekly", "zh_CN", "wang@jxc.example")
    _subscribe(people["admin"], people["analyst"], "weekly", "en", "li@jxc.example")
    _subscribe(people["admin"], people["admin"], "weekly", "zh_CN", "root@jxc.example")
    _subscribe(people["admin"], people["admin"], "daily", "zh_CN", "root@jxc.example")  # another kind
    _subscribe(people["manager"], people["manager"], "monthly", "zh_CN", "wang@jxc.example", active=False)
    _fresh_publish()
    render = FakeRenderer(tmp_path / "out")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    run = delivery.deliver_scheduled("weekly", as_of=yesterday, render=render)
    assert sorted(render.calls) == [("weekly", yesterday, "en"), ("weekly", yesterday, "zh_CN")]
    messages = smtp.inbox.wait_for(3)
    assert sorted(r[0] for r in smtp.inbox.recipients) == ["li@jxc.example", "root@jxc.example", "wang@jxc.example"]
    english = next(m for m in messages if m["To"] == "li@jxc.example")
    assert english["Subject"].startswith("[JXC] Weekly management report (")
    assert '<html lang="en">' in english.get_body(preferencelist=("html",)).get_content()
    assert run.count("sent", "report") == 3 and run.count("failed") == 0
    assert {(d.origin, d.content, d.outcome) for d in _deliveries()} == {("schedule", "report", "sent")}


def test_nothing_is_sent_without_an_smtp_server_and_the_log_says_so(people, tmp_path, monkeypatch):  # noqa: ANN001
    _subscribe(people["manager"], people["manager"], "daily", "en", "wang@jxc.example")
    _fresh_publish()
    render = FakeRenderer(tmp_path / "out")
    run = delivery.deliver_scheduled("daily", as_of=date.today() - timedelta(days=1), render=render)
    # The schedule still keeps the report in data/reports (the store's language and the subscriber's).
    assert sorted(lang for _, _, lang in render.calls) == ["en", "zh_CN"] and not run.smtp_configured
    [row] = _deliveries()
    assert (row.content, row.outcome) == ("report", "not_configured")
    # "Send now" does not even render.
    render.calls.clear()
    with read_only() as s:
        subscription = subs.list_subscriptions(s, s.get(AppUser, people["manager"]))[0].id
    run = delivery.send_now(people["manager"], subscription, render=render)
    assert render.calls == [] and run.attempts[0].outcome == "not_configured"


def test_a_server_without_starttls_or_not_listening_fails_the_delivery_and_sends_nothing(
        people, smtp, tmp_path, monkeypatch):  # noqa: ANN001
    subscription = _subscribe(people["manager"], people["manager"], "daily", "zh_CN", "wang@jxc.example")
    _fresh_publish()
    render = FakeRenderer(tmp_path / "out")
    monkeypatch.setenv("JXC_SMTP_SECURITY", "starttls")  # the local server offers no STARTTLS
    run = delivery.send_now(people["manager"], subscription, render=render)
    assert run.attempts[0].outcome == "failed" and "STARTTLS" in run.attempts[0].detail
    monkeypatch.setenv("JXC_SMTP_SECURITY", "none")
    monkeypatch.setenv("JXC_SMTP_PORT", "1")  # nothing listens there
    run = delivery.send_now(people["manager"], subscription, render=render)
    assert run.attempts[0].outcome == "failed" and "ConnectionRefused" in run.attempts[0].detail
    assert smtp.inbox.messages == []
    assert [(d.content, d.outcome) for d in _deliveries()] == [("report", "failed"), ("report", "failed")]


def test_a_refused_address_does_not_stop_the_others(people, smtp, tmp_path, monkeypatch):  # noqa: ANN001
    _subscribe(people["manager"], people["manager"], "daily", "zh_CN", "wang@jxc.example")
    _subscribe(people["admin"], people["analyst"], "daily", "zh_CN", "li@jxc.example")
    _fresh_publish()
    original = smtplib.SMTP.send_message

    def refuse_li(self, message, *args, **kwargs):  # noqa: ANN001, ANN202
        if message["To"] == "li@jxc.example":
            raise smtplib.SMTPRecipientsRefused({"li@jxc.example": (550, b"no such user")})
        return original(self, message, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "send_message", refuse_li)
    run = delivery.deliver_scheduled("daily", as_of=date.today() - timedelta(days=1),
                                     render=FakeRenderer(tmp_path / "out"))
    assert {a.recipient.email: a.outcome for a in run.attempts} == {"wang@jxc.example": "sent",
                                                                    "li@jxc.example": "failed"}
    assert smtp.inbox.wait_for(1) and smtp.inbox.recipients == [["wang@jxc.example"]]


# ---------------------------------------------------------------- the stale-data notice

@dg.asset
def marts() -> int:
    return 1


@dg.asset_check(asset=marts, blocking=True)
def reconciles_with_store() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR, description="stock differs")


@dg.asset(deps=[marts])
def serving() -> None:
    raise AssertionError("a blocking check failed: the publish must not run")


def _failed_run(instance: dg.DagsterInstance) -> str:
    """A real Dagster run whose blocking check fails (so nothing downstream publishes), recorded
    in pipeline_state.json the way the run-status sensors record pipeline runs."""
    from orchestration.run_record import record_run

    result = dg.materialize([marts, reconciles_with_store, serving], instance=instance, raise_on_error=False)
    assert not result.success
    record_run(get_settings().state_path, instance, result.run_id)
    return result.run_id


def test_after_a_run_that_failed_its_checks_subscribers_get_the_notice_not_the_report(
        people, smtp, tmp_path, dagster_home):  # noqa: ANN001
    _subscribe(people["manager"], people["manager"], "weekly", "zh_CN", "wang@jxc.example")
    _subscribe(people["admin"], people["analyst"], "weekly", "en", "li@jxc.example")
    _fresh_publish(datetime.now(UTC) - timedelta(minutes=5))  # the last good data, then a bad run
    with dg.DagsterInstance.get() as instance:
        run_id = _failed_run(instance)
    render = FakeRenderer(tmp_path / "out")
    run = delivery.deliver_scheduled("weekly", as_of=date.today() - timedelta(days=1), render=render)
    assert render.calls == []  # no report is rendered from data that cannot be trusted
    assert run.freshness.reason == "checks_failed"
    assert run.freshness.failed_checks == ("marts:reconciles_with_store",)
    messages = smtp.inbox.wait_for(2)
    chinese = next(m for m in messages if m["To"] == "wang@jxc.example")
    english = next(m for m in messages if m["To"] == "li@jxc.example")
    assert chinese["Subject"] == "【JXC】管理周报暂停发送：数据不可信"
    text = chinese.get_body(preferencelist=("plain",)).get_content()
    assert f"最近一次数据管道运行（{run_id[:8]}，" in text and "未通过检查：marts:reconciles_with_store" in text
    assert "最近一次可信的数据于" in text and "（运行 run-good）" in text
    assert english["Subject"] == "[JXC] Weekly management report withheld: the data cannot be trusted"
    assert "failed its checks: marts:reconciles_with_store" in english.get_body(preferencelist=("plain",)).get_content()
    assert all(not list(m.iter_attachments()) for m in messages)
    assert {(d.content, d.outcome, d.detail, d.publish_id) for d in _deliveries()} == {
        ("notice", "sent", "checks_failed", "run-good")}


def test_the_report_asset_sends_the_notice_and_fails_when_the_data_is_stale(people, smtp, dagster_home):  # noqa: ANN001
    """The scheduled path itself: materializing reports/daily with a publish from before the
    period closed sends the notice, renders nothing and fails the step with the reason."""
    from orchestration.assets.reports import REPORT_ASSET_BY_KIND

    _subscribe(people["manager"], people["manager"], "daily", "zh_CN", "wang@jxc.example")
    _fresh_publish(datetime.now(UTC) - timedelta(days=2))
    asset = REPORT_ASSET_BY_KIND["daily"]
    yesterday = (datetime.now(UTC) + timedelta(hours=8)).date() - timedelta(days=1)
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize([asset], instance=instance, raise_on_error=False,
                                run_config={"ops": {asset.op.name: {"config": {"as_of": yesterday.isoformat()}}}})
    assert not result.success
    [message] = smtp.inbox.wait_for(1)
    assert message["Subject"] == "【JXC】经营日报暂停发送：数据不可信"
    assert "最近一次发布的数据早于" in message.get_body(preferencelist=("plain",)).get_content()
    assert [(d.origin, d.content, d.detail) for d in _deliveries()] == [("schedule", "notice", "too_old")]
    assert not (get_settings().reports_dir / "daily").exists()
