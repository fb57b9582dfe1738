"""E-mail delivery over TLS against a local aiosmtpd server with a certificate made in the test
(tests/reports/smtp_support.make_certificates: a throwaway CA and a server certificate for 127.0.0.1).

STARTTLS (port 587 style) and implicit TLS (465 style), each with a login the server accepts only
over TLS; the certificate is checked by default — a server whose CA the client does not trust fails
the delivery and receives nothing — and ``JXC_SMTP_CA_FILE`` names the CA to trust instead of
switching the check off. A CA file that cannot be read fails with a reason naming the setting.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from operational.db import read_only, unit_of_work
from operational.models import AppUser
from operational.services import auth
from operational.services import report_subscriptions as subs
from reports import delivery
from tests.reports.smtp_support import (
    Certificates,
    FakeRenderer,
    clear_smtp_env,
    make_certificates,
    point_jxc_at,
    smtp_server,
)
from tests.reports.test_report_delivery import _deliveries, _fresh_publish

LOGIN, SECRET = "reports@jxc.example", "mail-s3cret"


class Logins:
    """The server's authenticator: accepts one login and records each attempt."""

    def __init__(self) -> None:
        self.attempts: list[tuple[str, bool]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (LOGIN.encode(), SECRET.encode())
        self.attempts.append((mechanism, ok))
        return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    # cryptography comes with the lock as a dependency of a dependency, not a direct one: say so if gone.
    pytest.importorskip("cryptography", reason="cryptography is needed to make the test certificates")
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def manager(store_engine, monkeypatch) -> tuple[int, int]:  # noqa: ANN001
    """A manager subscribed to the daily flash, fresh data; returns (user id, subscription id)."""
    clear_smtp_env(monkeypatch)
    with unit_of_work(store_engine) as s:
        user = auth.create_user(s, "wang", "delivery-pw", "manager", display_name="王经理", iterations=1000)
        subscription = subs.save_subscription(s, user, user_id=user.id, report_kind="daily", language="zh_CN",
                                              email="wang@jxc.example")
        ids = user.id, subscription.id
    _fresh_publish()
    return ids


@pytest.fixture
def logins() -> Logins:
    return Logins()


@pytest.fixture
def starttls_server(certificates: Certificates, logins: Logins) -> Iterator[Any]:
    with smtp_server(tls_context=certificates.server_context(), require_starttls=True, authenticator=logins,
                     auth_require_tls=True) as server:
        yield server


@pytest.fixture
def implicit_tls_server(certificates: Certificates, logins: Logins) -> Iterator[Any]:
    # aiosmtpd counts only a STARTTLS upgrade as TLS for AUTH; here the whole connection is TLS.
    with smtp_server(ssl_context=certificates.server_context(), authenticator=logins,
                     auth_require_tls=False) as server:
        yield server


def _send(manager: tuple[int, int], tmp_path: Path) -> delivery.DeliveryRun:
    return delivery.send_now(manager[0], manager[1], render=FakeRenderer(tmp_path / "out"))


def test_starttls_with_the_companys_ca_logs_in_and_delivers(manager, starttls_server, certificates, logins,
                                                            tmp_path, monkeypatch):  # noqa: ANN001
    point_jxc_at(monkeypatch, starttls_server, security="starttls", user=LOGIN, password=SECRET,
                 ca_file=str(certificates.ca_file))
    with read_only() as s:
        settings = subs.smtp_settings(s)
    assert (settings.security, settings.ca_file) == ("starttls", str(certificates.ca_file))
    assert "mail-s3cret" not in repr(settings)
    run = _send(manager, tmp_path)
    assert [(a.content, a.outcome) for a in run.attempts] == [("report", "sent")]
    [message] = starttls_server.inbox.wait_for(1)
    assert starttls_server.inbox.recipients == [["wang@jxc.example"]]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content().startswith(b"%PDF")
    assert logins.attempts == [("PLAIN", True)]  # logged in, over the upgraded connection only


def test_the_certificate_is_checked_by_default(manager, starttls_server, implicit_tls_server, logins, tmp_path,
                                               monkeypatch):  # noqa: ANN001
    """Without JXC_SMTP_CA_FILE the system's CAs do not know the test CA: the TLS handshake fails,
    the password is never sent, nothing arrives, and the log says why."""
    for server, security in ((starttls_server, "starttls"), (implicit_tls_server, "tls")):
        point_jxc_at(monkeypatch, server, security=security, user=LOGIN, password=SECRET)
        run = _send(manager, tmp_path)
        [attempt] = run.attempts
        assert attempt.outcome == "failed" and "CERTIFICATE_VERIFY_FAILED" in attempt.detail
        assert server.inbox.messages == []
    assert logins.attempts == []
    assert [(d.outcome, "CERTIFICATE_VERIFY_FAILED" in d.detail) for d in _deliveries()] == [("failed", True)] * 2


def test_implicit_tls_with_the_companys_ca_delivers(manager, implicit_tls_server, certificates, logins, tmp_path,
                                                    monkeypatch):  # noqa: ANN001
    point_jxc_at(monkeypatch, implicit_tls_server, security="tls", user=LOGIN, password=SECRET,
                 ca_file=str(certificates.ca_file))
    run = _send(manager, tmp_path)
    assert [(a.content, a.outcome) for a in run.attempts] == [("report", "sent")]
    assert implicit_tls_server.inbox.wait_for(1) and implicit_tls_server.inbox.recipients == [["wang@jxc.example"]]
    assert logins.attempts == [("PLAIN", True)]


def test_a_ca_file_that_cannot_be_read_fails_naming_the_setting(manager, starttls_server, certificates, tmp_path,
                                                                monkeypatch):  # noqa: ANN001
    missing = tmp_path / "no-such-ca.pem"
    not_pem = tmp_path / "not-a-ca.pem"
    not_pem.write_text("not a certificate", encoding="utf-8")
    for ca_file in (missing, not_pem):
        point_jxc_at(monkeypatch, starttls_server, security="starttls", ca_file=str(ca_file))
        [attempt] = _send(manager, tmp_path).attempts
        assert attempt.outcome == "failed"
        assert f"JXC_SMTP_CA_FILE={ca_file}" in attempt.detail
    assert starttls_server.inbox.messages == []
    # The page cannot set it: the store's SMTP form has no such field.
    with unit_of_work() as s, pytest.raises(TypeError):
        subs.save_smtp_settings(s, s.get(AppUser, manager[0]), ca_file=str(certificates.ca_file))
