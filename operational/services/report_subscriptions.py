"""Report subscriptions, the delivery log and the SMTP settings: the rules of who receives what.

- A user who may read the management reports (manager, analyst, finance) manages their own
  subscriptions; an admin manages everyone's. One subscription per user and report kind; it is
  switched off, never deleted, so the delivery log keeps pointing at it.
- The SMTP server comes from the store's settings (``store_setting`` rows ``smtp_*``, written by an
  admin on the subscriptions page) with the environment (``JXC_SMTP_*``) winning field by field, so
  the password can live in the environment only. Without a host nothing is sent.
- Every message tried is logged (``report_delivery``): the report or the notice sent instead, the
  outcome, the data's as-of date and publish.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import (
    DELIVERY_CONTENTS,
    DELIVERY_ORIGINS,
    DELIVERY_OUTCOMES,
    REPORT_KINDS,
    REPORT_LANGUAGES,
    AppUser,
    Employee,
    ReportDelivery,
    ReportSubscription,
    StoreSetting,
)
from operational.models.report_subscriptions import EMAIL_MAX
from operational.services.auth import require_role
from operational.services.errors import AuthError, ValidationError
from operational.services.validation import choice, get_or_fail

# Roles that read the management reports and may subscribe themselves (admins always may).
READER_ROLES = ("manager", "analyst", "finance")
SMTP_SECURITIES = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
SMTP_FIELDS = ("host", "port", "security", "user", "password", "sender")
CA_FILE_ENV = "JXC_SMTP_CA_FILE"  # environment only (SmtpSettings.ca_file)
SMTP_VALUE_MAX = 200  # store_setting.value
DETAIL_MAX = 300  # report_delivery.detail
# Deliberately plain: one @, no spaces or characters that would split a header, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s<>,;:\"()\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_HOST = re.compile(r"^[A-Za-z0-9._:\[\]-]+$")


def _setting_key(field: str) -> str:
    return f"smtp_{field}"


def _env_name(field: str) -> str:
    return f"JXC_SMTP_{field.upper()}"


# ---------------------------------------------------------------- input rules

def valid_email(value: Any, field: str = "email", *, record: str | None = None) -> str:
    """The address trimmed, or a ValidationError naming the field and what was typed."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValidationError("required", field=field, record=record, field_label=f"field.{field}")
    if len(text) > EMAIL_MAX or not _EMAIL.match(text):
        raise ValidationError("email_invalid", field=field, record=record, field_label=f"field.{field}",
                              value=text[:60])
    return text


def _may_manage(actor: AppUser, user: AppUser) -> bool:
    return actor.role == "admin" or (actor.id == user.id and actor.role in READER_ROLES)


def _check_actor(actor: AppUser | None) -> AppUser:
    require_role(actor, *READER_ROLES)
    assert actor is not None
    return actor


# ---------------------------------------------------------------- subscriptions

@dataclass(frozen=True)
class SubscriptionRow:
    id: int
    user_id: int
    username: str
    display_name: str
    report_kind: str
    language: str
    email: str
    active: bool
    updated_at: datetime


def _rows(session: Session, stmt: Any) -> list[SubscriptionRow]:
    return [SubscriptionRow(id=s.id, user_id=u.id, username=u.username, display_name=u.display_name,
                            report_kind=s.report_kind, language=s.language, email=s.email, active=s.active,
                            updated_at=s.updated_at)
            for s, u in session.execute(stmt)]


def list_subscriptions(session: Session, actor: AppUser | None) -> list[SubscriptionRow]:
    """The actor's own subscriptions; an admin sees everyone's."""
    actor = _check_actor(actor)
    stmt = (select(ReportSubscription, AppUser).join(AppUser, AppUser.id == ReportSubscription.user_id)
            .order_by(AppUser.username, ReportSubscription.report_kind))
    if actor.role != "admin":
        stmt = stmt.where(ReportSubscription.user_id == actor.id)
    return _rows(session, stmt)


def manageable_users(session: Session, actor: AppUser | None) -> list[AppUser]:
    """Whose subscriptions the actor may edit: themselves; an admin every active reader and admin."""
    actor = _check_actor(actor)
    if actor.role != "admin":
        return [actor]
    return list(session.scalars(select(AppUser).where(
        AppUser.is_active.is_(True), AppUser.role.in_(("admin", *READER_ROLES))).order_by(AppUser.username)))


def suggested_email(session: Session, user: AppUser) -> str:
    """The address to offer for a new subscription: the user's current one, else their employee's."""
    current = session.scalar(select(ReportSubscription.email).where(ReportSubscription.user_id == user.id)
                             .order_by(ReportSubscription.updated_at.desc()).limit(1))
    if current:
        return current
    if user.employee_id is not None:
        employee = session.get(Employee, user.employee_id)
        if employee is not None and employee.email:
            return employee.email
    return ""


def save_subscription(session: Session, actor: AppUser | None, *, user_id: int, report_kind: str,
                      language: str, email: str, active: bool = True) -> ReportSubscription:
    """Create or change the user's subscription to ``report_kind`` (one per user and kind)."""
    actor = _check_actor(actor)
    user = get_or_fail(session, AppUser, user_id, "user", field="user_id")
    if not _may_manage(actor, user):
        raise AuthError("forbidden")
    if not user.is_active:
        raise ValidationError("inactive", field="user_id", entity="entity.user", key=user.username)
    kind = choice(report_kind, REPORT_KINDS, "report_kind", record=user.username)
    lang = choice(language, REPORT_LANGUAGES, "language", record=user.username)
    address = valid_email(email, record=user.username)
    subscription = session.scalar(select(ReportSubscription).where(
        ReportSubscription.user_id == user.id, ReportSubscription.report_kind == kind))
    if subscription is None:
        subscription = ReportSubscription(user_id=user.id, report_kind=kind)
        session.add(subscription)
    subscription.language = lang
    subscription.email = address
    subscription.active = bool(active)
    subscription.changed_by = actor.id
    session.flush()
    return subscription


def subscription_for(session: Session, actor: AppUser | None, subscription_id: int) -> ReportSubscription:
    """A subscription the actor may manage (or send now), or a domain error."""
    actor = _check_actor(actor)
    subscription = get_or_fail(session, ReportSubscription, subscription_id, "report_subscription",
                               field="subscription_id")
    if not _may_manage(actor, session.get(AppUser, subscription.user_id)):
        raise AuthError("forbidden")
    return subscription


def set_active(session: Session, actor: AppUser | None, subscription_id: int, active: bool) -> ReportSubscription:
    subscription = subscription_for(session, actor, subscription_id)
    subscription.active = bool(active)
    subscription.changed_by = _check_actor(actor).id
    session.flush()
    return subscription


def due_subscriptions(session: Session, report_kind: str) -> list[ReportSubscription]:
    """The active subscriptions to ``report_kind`` of active users who may still read the reports:
    who a scheduled run writes to."""
    kind = choice(report_kind, REPORT_KINDS, "report_kind")
    return list(session.scalars(
        select(ReportSubscription).join(AppUser, AppUser.id == ReportSubscription.user_id)
        .where(ReportSubscription.report_kind == kind, ReportSubscription.active.is_(True),
               AppUser.is_active.is_(True), AppUser.role.in_(("admin", *READER_ROLES)))
        .order_by(ReportSubscription.id)))


# ---------------------------------------------------------------- delivery log

def record_delivery(session: Session, subscription: ReportSubscription, *, origin: str, content: str,
                    outcome: str, requested_by: int | None = None, as_of: date | None = None,
                    publish_id: str | None = None, detail: str | None = None,
                    attempted_at: datetime | None = None, email: str | None = None,
                    language: str | None = None) -> ReportDelivery:
    """Log one message tried for ``subscription``, to ``email`` in ``language`` (default: the
    subscription's own; a delivery keeps the address it used even if the subscription changes)."""
    row = ReportDelivery(
        subscription_id=subscription.id, user_id=subscription.user_id, report_kind=subscription.report_kind,
        language=language or subscription.language, email=email or subscription.email,
        origin=choice(origin, DELIVERY_ORIGINS, "origin"), content=choice(content, DELIVERY_CONTENTS, "content"),
        outcome=choice(outcome, DELIVERY_OUTCOMES, "outcome"), requested_by=requested_by, as_of=as_of,
        publish_id=(publish_id or None) and publish_id[:100],
        detail=(detail or None) and detail[:DETAIL_MAX],
    )
    if attempted_at is not None:
        row.attempted_at = attempted_at
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class DeliveryRow:
    id: int
    attempted_at: datetime
    username: str
    report_kind: str
    language: str
    email: str
    origin: str
    content: str
    outcome: str
    as_of: date | None
    publish_id: str | None
    detail: str | None


def recent_deliveries(session: Session, actor: AppUser | None, *, limit: int = 100) -> list[DeliveryRow]:
    """The newest deliveries, newest first: the actor's own; an admin's everyone's."""
    actor = _check_actor(actor)
    stmt = (select(ReportDelivery, AppUser.username).join(AppUser, AppUser.id == ReportDelivery.user_id)
            .order_by(ReportDelivery.attempted_at.desc(), ReportDelivery.id.desc()).limit(max(1, min(limit, 1000))))
    if actor.role != "admin":
        stmt = stmt.where(ReportDelivery.user_id == actor.id)
    return [DeliveryRow(id=d.id, attempted_at=d.attempted_at, username=name, report_kind=d.report_kind,
                        language=d.language, email=d.email, origin=d.origin, content=d.content,
                        outcome=d.outcome, as_of=d.as_of, publish_id=d.publish_id, detail=d.detail)
            for d, name in session.execute(stmt)]


# ---------------------------------------------------------------- SMTP settings

@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes out. ``security``: starttls (upgrade a plain connection, port 587), tls
    (TLS from the start, port 465) or none (plain, only for a relay on the local machine)."""

    host: str
    port: int
    security: str
    sender: str
    user: str = ""
    password: str = ""
    # A CA bundle (PEM) to verify the server's certificate with, instead of the system's: for a mail
    # server with a company-internal CA. From the environment only (JXC_SMTP_CA_FILE), never from
    # the page: a web form must not name files on the server. Verification itself is always on.
    ca_file: str = ""

    def __repr__(self) -> str:  # never print the password into a log
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r}, "
                f"sender={self.sender!r}, user={self.user!r}, password={'***' if self.password else ''!r}, "
                f"ca_file={self.ca_file!r})")


@dataclass(frozen=True)
class SmtpStatus:
    """What the page shows: the effective values (no password), where each came from, what is missing."""

    settings: SmtpSettings | None
    values: dict[str, str]  # field -> effective value ("" when unset); the password only as "***"
    sources: dict[str, str]  # field -> "env" / "store" / ""
    missing: tuple[str, ...]  # fields without which nothing can be sent


def _raw_smtp(session: Session, environ: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    stored = {row.key: row.value for row in session.scalars(
        select(StoreSetting).where(StoreSetting.key.in_([_setting_key(f) for f in SMTP_FIELDS])))}
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for field in SMTP_FIELDS:
        # A password is taken as typed (spaces included); every other value trimmed.
        trim = (lambda v: v) if field == "password" else str.strip
        env = trim(environ.get(_env_name(field)) or "")
        store = trim(stored.get(_setting_key(field)) or "")
        values[field], sources[field] = (env, "env") if env else ((store, "store") if store else ("", ""))
    return values, sources


def smtp_status(session: Session, environ: Mapping[str, str] | None = None) -> SmtpStatus:
    """The effective SMTP settings (environment over store, field by field), or why there are none.
    A host and a sender are needed; the port defaults by security (STARTTLS on 587)."""
    environ_map = os.environ if environ is None else environ
    values, sources = _raw_smtp(session, environ_map)
    security = values["security"].lower() or "starttls"
    missing = tuple(f for f in ("host", "sender") if not values[f])
    settings = None
    if not missing and security in SMTP_SECURITIES:
        try:
            port = int(values["port"]) if values["port"] else DEFAULT_PORTS[security]
        except ValueError:
            port = 0
        if 0 < port < 65536:
            settings = SmtpSettings(host=values["host"], port=port, security=security, sender=values["sender"],
                                    user=values["user"], password=values["password"],
                                    ca_file=(environ_map.get(CA_FILE_ENV) or "").strip())
        else:
            missing = ("port",)
    elif not missing:
        missing = ("security",)
    shown = {**values, "password": "***" if values["password"] else ""}
    return SmtpStatus(settings=settings, values=shown, sources=sources, missing=missing)


def smtp_settings(session: Session, environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """The SMTP server to send through, or None when it is not set up (then nothing is sent)."""
    return smtp_status(session, environ).settings


def _put(session: Session, field: str, value: str) -> None:
    key = _setting_key(field)
    row = session.get(StoreSetting, key)
    if not value:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(StoreSetting(key=key, value=value))
    else:
        row.value = value


def save_smtp_settings(session: Session, actor: AppUser | None, *, host: str | None = None, port: Any = None,
                       security: str | None = None, sender: str | None = None, user: str | None = None,
                       password: str | None = None) -> None:
    """Store the SMTP settings (admins only). A field given as None keeps its stored value (the page
    passes None for fields the environment sets, and for a password left blank); "" removes it.
    Without a host nothing will be sent."""
    require_role(actor)
    record = "SMTP"
    stored = {f: (row.value if (row := session.get(StoreSetting, _setting_key(f))) else "") for f in SMTP_FIELDS}
    given = {"host": host, "port": port, "security": security, "sender": sender, "user": user, "password": password}
    value = {f: stored[f] if given[f] is None else str(given[f]) for f in SMTP_FIELDS}
    for f in SMTP_FIELDS:
        if f != "password":
            value[f] = value[f].strip()
    if value["host"] and (len(value["host"]) > SMTP_VALUE_MAX or not _HOST.match(value["host"])):
        raise ValidationError("smtp_host_invalid", field="smtp_host", record=record, value=value["host"][:60])
    value["security"] = choice(value["security"].lower() or "starttls", SMTP_SECURITIES, "smtp_security",
                               record=record)
    if value["port"]:
        try:
            number = int(value["port"])
        except ValueError:
            number = 0
        if not 0 < number < 65536:
            raise ValidationError("smtp_port_invalid", field="smtp_port", record=record,
                                  field_label="field.smtp_port", value=value["port"][:20])
        value["port"] = str(number)
    if value["sender"] or value["host"]:
        value["sender"] = valid_email(value["sender"], "smtp_sender", record=record)
    for f in ("user", "password"):
        if len(value[f]) > SMTP_VALUE_MAX:
            raise ValidationError("too_long", field=f"smtp_{f}", record=record, entity="entity.smtp",
                                  field_label=f"field.smtp_{f}", max_length=SMTP_VALUE_MAX, length=len(value[f]))
    for f in SMTP_FIELDS:
        _put(session, f, value[f])
    session.flush()
