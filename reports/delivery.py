"""Deliver the managers' reports by e-mail: the report (HTML as the body, the PDF attached) or, when
the data cannot be trusted, a short notice saying so instead (reports.staleness).

Three callers: the Dagster report assets (``deliver_scheduled``, every active subscriber of a kind),
the "send now" button of the subscriptions page (``send_now``, one subscription) and the tests. The
rules of who receives what and the SMTP settings live in ``operational.services.report_subscriptions``;
rendering is ``reports.render.render_report``. Every message tried is logged in ``report_delivery``.
Without an SMTP host nothing is sent: each subscriber's row says ``not_configured``.
"""

from __future__ import annotations

import html
import logging
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from operational.db import read_only, unit_of_work
from operational.i18n import translate
from operational.models import AppUser, ReportSubscription
from operational.services import report_subscriptions as subs
from operational.services.errors import DomainError
from operational.settings import get_settings
from orchestration.run_plan import PIPELINE_TIMEZONE
from orchestration.state import read_state
from reports.staleness import Freshness, assess

logger = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 60


class Rendered(Protocol):
    """What ``reports.render.render_report`` returns (reports.render.RenderedReport)."""

    kind: str
    as_of: date
    period_start: date
    period_end: date
    lang: str
    html_path: Path
    pdf_path: Path
    publish_id: str


Render = Callable[..., Rendered]


def _default_render(kind: str, *, as_of: date | None, lang: str) -> Rendered:
    from reports.render import render_report  # rendering loads plotly and reportlab: only when needed

    return render_report(kind, as_of=as_of, lang=lang)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Recipient:
    """A subscription as it stood when the delivery started (rendering and sending need no session)."""

    subscription_id: int
    user_id: int
    username: str
    kind: str
    language: str
    email: str

    @classmethod
    def of(cls, subscription: ReportSubscription, username: str) -> Recipient:
        return cls(subscription.id, subscription.user_id, username, subscription.report_kind,
                   subscription.language, subscription.email)


@dataclass(frozen=True)
class Attempt:
    recipient: Recipient
    content: str  # report / notice
    outcome: str  # sent / failed / not_configured
    detail: str | None = None
    as_of: date | None = None
    publish_id: str | None = None


@dataclass
class DeliveryRun:
    """One delivery of one kind: the verdict on the data, the files rendered, each message tried."""

    kind: str
    freshness: Freshness
    smtp_configured: bool
    reports: dict[str, Rendered] = field(default_factory=dict)  # by language
    attempts: list[Attempt] = field(default_factory=list)
    render_error: str | None = None  # why the report could not be rendered (then the notice went out)

    def count(self, outcome: str, content: str | None = None) -> int:
        return sum(1 for a in self.attempts if a.outcome == outcome and (content is None or a.content == content))


# ---------------------------------------------------------------- messages

def _local(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(PIPELINE_TIMEZONE)).strftime("%Y-%m-%d %H:%M")


def _day(value: date | None) -> str:
    return value.isoformat() if value else "—"


def _new_message(subject: str, sender: str, to: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "jxc.local")
    return message


def report_message(rendered: Rendered, *, sender: str, to: str, lang: str) -> EmailMessage:
    """The report itself: its HTML file as the body (a plain-text part for clients that show no
    HTML), the PDF attached."""
    kind = translate(f"delivery.kind.{rendered.kind}", lang)
    params = {"kind": kind, "start": _day(rendered.period_start), "end": _day(rendered.period_end),
              "as_of": _day(rendered.as_of), "publish_id": rendered.publish_id}
    message = _new_message(translate("delivery.subject.report", lang, **params), sender, to)
    message.set_content(translate("delivery.text.report", lang, **params) + "\n")
    message.add_alternative(Path(rendered.html_path).read_text(encoding="utf-8"), subtype="html")
    message.add_attachment(Path(rendered.pdf_path).read_bytes(), maintype="application", subtype="pdf",
                           filename=Path(rendered.pdf_path).name)
    return message


def notice_lines(freshness: Freshness, *, kind: str, lang: str, data_as_of: date | None = None,
                 render_error: str | None = None) -> list[str]:
    """The notice's paragraphs: why the report was not sent and what the last good data is."""
    kind_label = translate(f"delivery.kind.{kind}", lang)
    lines = [translate("delivery.notice.intro", lang, kind=kind_label)]
    if render_error is not None:
        lines.append(translate("delivery.notice.reason.render_failed", lang, error=render_error))
    else:
        lines.append(translate(f"delivery.notice.reason.{freshness.reason}", lang,
                               run_id=(freshness.last_run_id or "—")[:8], started=_local(freshness.last_run_started_at),
                               checks="、".join(freshness.failed_checks) if lang == "zh_CN"
                               else ", ".join(freshness.failed_checks),
                               required=_day(freshness.required_day)))
    if freshness.published_at is None:
        lines.append(translate("delivery.notice.no_good_data", lang))
    else:
        lines.append(translate("delivery.notice.last_good", lang, published_at=_local(freshness.published_at),
                               run_id=(freshness.publish_id or "—")[:8], as_of=_day(data_as_of)))
    lines.append(translate("delivery.notice.footer", lang))
    return lines


def notice_message(freshness: Freshness, *, kind: str, sender: str, to: str, lang: str,
                   data_as_of: date | None = None, render_error: str | None = None) -> EmailMessage:
    """The short notice sent instead of the report: plain text, and the same as simple HTML."""
    lines = notice_lines(freshness, kind=kind, lang=lang, data_as_of=data_as_of, render_error=render_error)
    subject = translate("delivery.subject.notice", lang, kind=translate(f"delivery.kind.{kind}", lang))
    message = _new_message(subject, sender, to)
    message.set_content("\n\n".join(lines) + "\n")
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    message.add_alternative(f'<!doctype html><html lang="{lang.replace("_", "-")}"><meta charset="utf-8">'
                            f"<body>{body}</body></html>", subtype="html")
    return message


# ---------------------------------------------------------------- SMTP

def tls_context(settings: subs.SmtpSettings) -> ssl.SSLContext:
    """The client's TLS context: the server's certificate and host name are always verified, against
    the system's CAs or, when ``JXC_SMTP_CA_FILE`` names one, that PEM bundle (a company CA). There
    is no setting to switch verification off. A CA file that cannot be read fails the delivery with
    an OSError naming the setting and the file."""
    if not settings.ca_file:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ValueError) as exc:
        reason = exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)
        raise OSError(f"{subs.CA_FILE_ENV}={settings.ca_file}: {reason}") from exc


@contextmanager
def smtp_connection(settings: subs.SmtpSettings, timeout: float = SMTP_TIMEOUT_SECONDS) -> Iterator[smtplib.SMTP]:
    """A logged-in SMTP connection. STARTTLS is required when configured: a server that does not
    offer it fails the delivery instead of receiving the password and the reports in the clear.
    With ``tls`` the connection is TLS from the start (port 465). Certificates are always checked
    (``tls_context``)."""
    context = tls_context(settings) if settings.security in ("starttls", "tls") else ssl.create_default_context()
    name = socket.gethostname() or "localhost"  # no DNS lookup (getfqdn) on a closed network
    if settings.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, local_hostname=name,
                                                timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, local_hostname=name, timeout=timeout)
    try:
        client.ehlo()
        if settings.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if settings.user:
            client.login(settings.user, settings.password)
        yield client
    finally:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()


def _why(exc: BaseException) -> str:
    """A short reason for the log and the page (never a traceback; no password in smtplib's errors)."""
    text = str(exc).replace("\n", " ").strip()
    return f"{type(exc).__name__}: {text}"[:subs.DETAIL_MAX] if text else type(exc).__name__


# ---------------------------------------------------------------- delivering

def _published_last_day() -> date | None:
    """The last day of the published data (its as-of date), or None without a serving file."""
    try:
        from dashboards import serving

        return serving.pipeline_status().last_dates.get("posted")
    except Exception as exc:  # noqa: BLE001 - no serving file or an older one: the notice says "—"
        logger.info("no published as-of date: %s", exc)
        return None


def _render_all(kind: str, languages: Iterable[str], as_of: date | None, render: Render) -> dict[str, Rendered]:
    last = _published_last_day()
    # A schedule asks for the period that ended yesterday; a company that posted nothing since is
    # reported as of its last posted day (the report states its as-of date).
    day = min(as_of, last) if as_of is not None and last is not None else as_of
    return {lang: render(kind, as_of=day, lang=lang) for lang in sorted(set(languages))}


def deliver(kind: str, recipients: Sequence[Recipient], *, origin: str, now: datetime | None = None,
            as_of: date | None = None, requested_by: int | None = None, render: Render | None = None,
            smtp: subs.SmtpSettings | None = None, languages: Iterable[str] = (),
            render_without_smtp: bool = False, engine: Engine | None = None) -> DeliveryRun:
    """Render ``kind`` (if the data may be trusted) and send it, or the notice, to ``recipients``.

    ``as_of``: the last day of the period the report must cover (None: the last published day).
    ``languages``: render these too even without a recipient (the scheduled copy in data/reports).
    ``render_without_smtp``: render although nothing can be sent (the schedule keeps its files).
    Each attempt is logged in the store; a refused message does not stop the others."""
    now = now or datetime.now(UTC)
    render = render or _default_render
    freshness = assess(read_state(get_settings().state_path), now=now, period_end=as_of)
    run = DeliveryRun(kind, freshness, smtp_configured=smtp is not None)
    wanted = {r.language for r in recipients} | set(languages)
    if freshness.fresh and wanted and (smtp is not None or render_without_smtp):
        try:
            run.reports = _render_all(kind, wanted, as_of, render)
        except DomainError as err:  # nothing published in range, a bad date: the notice says why
            run.render_error = err.message()
            logger.warning("report %s not rendered: %s", kind, run.render_error)
        except Exception as exc:  # noqa: BLE001 - a broken renderer must not leave recipients uninformed
            run.render_error = _why(exc)
            logger.exception("report %s not rendered", kind)
    if not recipients:
        return run
    data_as_of = None if run.reports else _published_last_day()
    if smtp is None:
        content = "report" if run.reports or (freshness.fresh and run.render_error is None) else "notice"
        run.attempts = [Attempt(r, content, "not_configured", "SMTP") for r in recipients]
    else:
        run.attempts = _send_all(run, recipients, smtp, data_as_of)
    _log(run, origin=origin, requested_by=requested_by, engine=engine)
    return run


def _message_for(run: DeliveryRun, recipient: Recipient, sender: str,
                 data_as_of: date | None) -> tuple[EmailMessage, Attempt]:
    rendered = run.reports.get(recipient.language)
    if rendered is not None:
        message = report_message(rendered, sender=sender, to=recipient.email, lang=recipient.language)
        return message, Attempt(recipient, "report", "sent", None, rendered.as_of, rendered.publish_id)
    message = notice_message(run.freshness, kind=run.kind, sender=sender, to=recipient.email,
                             lang=recipient.language, data_as_of=data_as_of, render_error=run.render_error)
    detail = run.render_error or run.freshness.reason
    return message, Attempt(recipient, "notice", "sent", detail[:subs.DETAIL_MAX], data_as_of,
                            run.freshness.publish_id)


def _send_all(run: DeliveryRun, recipients: Sequence[Recipient], smtp: subs.SmtpSettings,
              data_as_of: date | None) -> list[Attempt]:
    prepared = [_message_for(run, r, smtp.sender, data_as_of) for r in recipients]
    attempts: list[Attempt] = []
    try:
        with smtp_connection(smtp) as client:
            for message, attempt in prepared:
                try:
                    client.send_message(message)
                    attempts.append(attempt)
                except smtplib.SMTPRecipientsRefused as exc:  # this address only; the connection goes on
                    attempts.append(_failed(attempt, exc))
    except (smtplib.SMTPException, OSError) as exc:  # the server: unreachable, refused TLS or login
        logger.warning("SMTP delivery of %s failed: %s", run.kind, _why(exc))
        attempts += [_failed(attempt, exc) for _, attempt in prepared[len(attempts):]]
    return attempts


def _failed(attempt: Attempt, exc: BaseException) -> Attempt:
    detail = _why(exc) if attempt.content == "report" else f"{attempt.detail}; {_why(exc)}"
    return Attempt(attempt.recipient, attempt.content, "failed", detail[:subs.DETAIL_MAX], attempt.as_of,
                   attempt.publish_id)


def _log(run: DeliveryRun, *, origin: str, requested_by: int | None, engine: Engine | None) -> None:
    with unit_of_work(engine) as session:
        for attempt in run.attempts:
            subscription = session.get(ReportSubscription, attempt.recipient.subscription_id)
            if subscription is None:
                continue
            # The address and language the message went to, even if the subscription changed meanwhile.
            subs.record_delivery(session, subscription, origin=origin, content=attempt.content,
                                 outcome=attempt.outcome, requested_by=requested_by, as_of=attempt.as_of,
                                 publish_id=attempt.publish_id, detail=attempt.detail,
                                 email=attempt.recipient.email, language=attempt.recipient.language)


def _recipients(session: Any, subscriptions: Iterable[ReportSubscription]) -> list[Recipient]:
    result = []
    for subscription in subscriptions:
        user = session.get(AppUser, subscription.user_id)
        result.append(Recipient.of(subscription, user.username if user else str(subscription.user_id)))
    return result


def deliver_scheduled(kind: str, *, as_of: date | None, now: datetime | None = None,
                      render: Render | None = None, engine: Engine | None = None) -> DeliveryRun:
    """A schedule's delivery: every active subscriber of ``kind``; the report is rendered in the
    store's default language too, so data/reports keeps it even without subscribers or SMTP."""
    with read_only(engine) as session:
        recipients = _recipients(session, subs.due_subscriptions(session, kind))
        smtp = subs.smtp_settings(session)
    return deliver(kind, recipients, origin="schedule", now=now, as_of=as_of, render=render, smtp=smtp,
                   languages=(get_settings().language,), render_without_smtp=True, engine=engine)


def send_now(actor_id: int, subscription_id: int, *, now: datetime | None = None, render: Render | None = None,
             engine: Engine | None = None) -> DeliveryRun:
    """The page's "send now": the subscription's report (or the notice) to its address, at once.
    Raises a DomainError when the actor may not manage that subscription."""
    with read_only(engine) as session:
        actor = session.get(AppUser, actor_id)
        subscription = subs.subscription_for(session, actor, subscription_id)
        recipients = _recipients(session, [subscription])
        smtp = subs.smtp_settings(session)
    return deliver(recipients[0].kind, recipients, origin="send_now", now=now, requested_by=actor_id,
                   render=render, smtp=smtp, engine=engine)
