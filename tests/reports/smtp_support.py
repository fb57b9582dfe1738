"""A local SMTP server for the delivery tests (aiosmtpd on 127.0.0.1, a free port), the environment
that points JXC at it, and a stand-in renderer that writes a small HTML file and a real PDF."""

from __future__ import annotations

import email
import email.policy
import os
import socket
import ssl
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
def smtp_server(**options: Any) -> Iterator[SmtpServer]:
    """A local server; ``options`` go to aiosmtpd (``tls_context`` and ``require_starttls`` for
    STARTTLS, ``ssl_context`` for implicit TLS, ``authenticator`` for a login)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()


@dataclass(frozen=True)
class Certificates:
    """A throwaway CA and a server certificate it signed for 127.0.0.1 / localhost (PEM files)."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_certificates(folder: Path) -> Certificates:
    """Generated with ``cryptography`` (installed with the project): a CA certificate with the
    extensions Python's strict verification asks for, and a server certificate signed by it."""
    import ipaddress
    from datetime import UTC, datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "JXC test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
          .not_valid_after(now + timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))
    server = (x509.CertificateBuilder()
              .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
              .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                          x509.DNSName("localhost")]), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
              .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    files = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    files.ca_file.write_bytes(ca.public_bytes(pem))
    files.cert_file.write_bytes(server.public_bytes(pem))
    files.key_file.write_bytes(server_key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
    return files


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
