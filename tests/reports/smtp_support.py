"""A local SMTP server for the delivery tests (aiosmtpd on 127.0.0.1, a free port), the environment
that points JXC at it, and a stand-in renderer that writes a small HTML file and a real PDF."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

SENDER = "reports@jxc.example"


@dataclass
class Inbox:
    """What the server received: each message parsed, with the envelope's recipients."""

    messages: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.recipients.append(list(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 60) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        return self.messages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    inbox: Inbox


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()


def point_jxc_at(monkeypatch: pytest.MonkeyPatch, server: SmtpServer, **overrides: str) -> None:
    """JXC_SMTP_* for the local server: plain SMTP on 127.0.0.1 (no TLS, no login)."""
    values = {"HOST": server.host, "PORT": str(server.port), "SECURITY": "none", "SENDER": SENDER}
    values.update({k.upper(): v for k, v in overrides.items()})
    for name, value in values.items():
        monkeypatch.setenv(f"JXC_SMTP_{name}", value)


def clear_smtp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("JXC_SMTP_")]:
        monkeypatch.delenv(name)


def minimal_pdf(text: str) -> bytes:
    from io import BytesIO

    from reportlab.pdfgen import canvas

    buffer = BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


@dataclass
class FakeRenderer:
    """Stands in for reports.render.render_report: records its calls, writes the two files."""

    out_dir: Path
    calls: list[tuple[str, date | None, str]] = field(default_factory=list)

    def __call__(self, kind: str, *, as_of: date | None = None, lang: str = "zh_CN") -> Any:
        from reports.render import RenderedReport

        self.calls.append((kind, as_of, lang))
        day = as_of or date(2026, 6, 30)
        start = day - timedelta(days=6) if kind == "weekly" else day
        folder = self.out_dir / kind
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{kind}_{day:%Y%m%d}_{lang}"
        html_path, pdf_path = folder / f"{stem}.html", folder / f"{stem}.pdf"
        html_path.write_text(f'<!doctype html><html lang="{lang}"><body><h1>{kind} 报表 {lang}</h1>'
                             f'<table id="sales"><tr><td data-col="amount">¥1,234.50</td></tr></table>'
                             f"</body></html>", encoding="utf-8")
        pdf_path.write_bytes(minimal_pdf(f"{kind} {lang} {day}"))
        return RenderedReport(kind, day, start, day, lang, html_path, pdf_path, "run-good")
