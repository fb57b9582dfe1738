"""Browser, end to end: a manager opens Report subscriptions, subscribes to the weekly report,
presses "Send now", and the local SMTP server (aiosmtpd) receives the real report — rendered by the
Streamlit process from a real publish — with the HTML as the body and the PDF attached.

The publish is made once for the module: a small demo company (30 days) through the real pipeline.
It is the expensive part of this test and the reason it exists: the message must carry a report
rendered from published marts, not a stand-in (tests/reports/test_report_delivery.py covers the
rules with a stand-in renderer)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from io import BytesIO
from pathlib import Path

import pytest
from browser_steps import PASSWORD, log_in
from pypdf import PdfReader
from sqlalchemy import Engine, select

from operational.db import make_engine, read_only, unit_of_work
from operational.demo import generate
from operational.migrate import upgrade
from operational.models import ReportDelivery
from operational.services import auth
from orchestration.state import read_state
from tests.reports.smtp_support import SENDER, SmtpServer, clear_smtp_env, point_jxc_at, smtp_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
END = date(2026, 6, 30)  # a Tuesday, the demo's last day: the weekly report covers 24–30 June


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data dir with a demo store, a fresh publish of it, and the manager ``boss``."""
    if shutil.which("chromium") is None:  # before the expensive part
        pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    data = tmp_path_factory.mktemp("subscriptions") / "data"
    data.mkdir()
    url = f"sqlite:///{data / 'jxc.sqlite'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JXC_DATA_DIR", str(data))
        patch.setenv("JXC_DATABASE_URL", url)
        patch.setenv("DAGSTER_HOME", str(data / "dagster_home"))
        engine = make_engine(url)
        upgrade(engine)
        generate(engine, scale=0.02, seed=7, end_date=END, days=30)
        with unit_of_work(engine) as s:
            auth.create_user(s, "boss", PASSWORD, "manager", display_name="王总", iterations=1000)
        engine.dispose()
        from orchestration.runner import run_pipeline

        outcome = run_pipeline(full=True)
        assert outcome.success, [c.label for c in outcome.failed_checks]
        yield data


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def seeded_store(published: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The published data dir for `streamlit run` (tests/browser/conftest.py's ``server``), with
    the mail server pointing at the local SMTP server."""
    url = f"sqlite:///{published / 'jxc.sqlite'}"
    monkeypatch.setenv("JXC_DATA_DIR", str(published))
    monkeypatch.setenv("JXC_DATABASE_URL", url)
    clear_smtp_env(monkeypatch)
    point_jxc_at(monkeypatch, smtp)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_a_manager_subscribes_presses_send_now_and_the_report_arrives(  # noqa: ANN001
        browser_page, server, seeded_store, smtp, published):
    from playwright.sync_api import expect

    expect.set_options(timeout=60_000)  # a busy 2-core machine
    page = browser_page
    log_in(page, server, "report_subscriptions", "boss")
    expect(page.get_by_role("heading", name="报表订阅")).to_be_visible()
    expect(page.get_by_text(f"邮件经 {smtp.host}:{smtp.port}（不加密（仅限本机中继））发出")).to_be_visible()
    expect(page.get_by_text("还没有订阅。")).to_be_visible()

    page.get_by_test_id("stSelectbox").filter(has_text=re.compile(r"^报表")).click()
    page.get_by_role("option", name="管理周报").click()
    address = page.get_by_label("收件邮箱")
    address.fill("boss@jxc.example")
    address.press("Enter")
    page.get_by_role("button", name="保存订阅").click()
    expect(page.get_by_text("已保存：boss 订阅管理周报，发送到 boss")).to_be_visible()

    send = page.get_by_role("button", name="立即发送")
    expect(send).to_be_enabled()
    send.click()
    # Rendering (charts through the machine's Chromium, the PDF) happens now, in the page's process.
    expect(page.get_by_text("管理周报已发送到 boss")).to_be_visible(timeout=240_000)

    [message] = smtp.inbox.wait_for(1)
    assert smtp.inbox.recipients == [["boss@jxc.example"]]
    assert message["From"] == SENDER and message["Subject"] == "【JXC】管理周报（2026-06-24 至 2026-06-30）"
    publish_id = read_state(published / "pipeline_state.json")["last_publish"]["run_id"]
    assert f"数据截至 2026-06-30（发布 {publish_id}）" in message.get_body(preferencelist=("plain",)).get_content()
    body = message.get_body(preferencelist=("html",)).get_content()
    html_file = published / "reports" / "weekly" / "weekly_20260630_zh_CN.html"
    assert body.replace("\r\n", "\n").rstrip("\n") == html_file.read_text(encoding="utf-8")
    assert "数据截至：2026-06-30" in body and publish_id in body
    [attachment] = list(message.iter_attachments())
    assert (attachment.get_content_type(), attachment.get_filename()) == ("application/pdf", "weekly_20260630_zh_CN.pdf")
    pdf = PdfReader(BytesIO(attachment.get_content()))
    assert len(pdf.pages) >= 1 and "2026-06-30" in pdf.pages[0].extract_text()

    with read_only(seeded_store) as s:
        [row] = s.execute(select(ReportDelivery.origin, ReportDelivery.content, ReportDelivery.outcome,
                                 ReportDelivery.email, ReportDelivery.publish_id)).all()
    assert tuple(row) == ("send_now", "report", "sent", "boss@jxc.example", publish_id)
