"""Report subscriptions (报表订阅): which scheduled report a manager receives by e-mail, in which
language and at which address; a "send now" button; the deliveries made; and, for admins, the
SMTP server. Managers (and the other report readers) manage their own subscriptions, admins
everyone's: the rules are in ``operational.services.report_subscriptions``, the sending in
``reports.delivery``. Without an SMTP server the page says so and nothing is sent."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.components import form_state, safe_text
from dashboards.i18n import t
from dashboards.session import require_page
from operational.db import read_only, unit_of_work
from operational.models import REPORT_KINDS, REPORT_LANGUAGES, AppUser
from operational.services import report_subscriptions as subs
from operational.services.errors import DomainError

PREFIX = "report_subscriptions.edit"
SEND = "report_subscriptions.send"
SMTP = "report_subscriptions.smtp"
EDIT_FIELDS = ("user_id", "report_kind", "language", "email")
SMTP_FIELDS = tuple(f"smtp_{f}" for f in subs.SMTP_FIELDS)
DELIVERY_LIMIT = 100
# The notice's reasons (reports.staleness.REASONS, and a report that could not be rendered).
NOTICE_REASONS = ("no_publish", "checks_failed", "run_failed", "too_old", "render_failed")

me = require_page("report_subscriptions")


def _kind(kind: str) -> str:
    return t(f"ui.report_subscriptions.kind.{kind}")


def _language(code: str) -> str:
    return t(f"ui.language.{code}")


def _yes_no(flag: bool) -> str:
    return t("ui.user_admin.yes") if flag else t("ui.user_admin.no")


def _detail(content: str, detail: str | None) -> str:
    """A notice's reason in words (the log keeps its code); a failure's server message as it came."""
    if content == "notice" and detail in NOTICE_REASONS:
        return t(f"ui.report_subscriptions.reason.{detail}")
    return detail or ""


def _suggest_email() -> None:
    """An admin picked another user: offer that user's address."""
    user_id = st.session_state.get(f"{PREFIX}.user_id")
    with read_only() as session:
        user = session.get(AppUser, user_id) if user_id else None
        st.session_state[f"{PREFIX}.email"] = subs.suggested_email(session, user) if user else ""


@form_state.guarded(PREFIX)
def _save() -> None:
    form_state.clear(PREFIX)
    values = {field: st.session_state.get(f"{PREFIX}.{field}") for field in EDIT_FIELDS}
    with unit_of_work() as session:
        actor = session.get(AppUser, me.id)
        subscription = subs.save_subscription(
            session, actor, user_id=values["user_id"] or me.id, report_kind=values["report_kind"],
            language=values["language"], email=values["email"] or "",
            active=bool(st.session_state.get(f"{PREFIX}.active", True)))
        username = session.get(AppUser, subscription.user_id).username
    form_state.record_success(PREFIX, t("ui.report_subscriptions.saved", kind=_kind(subscription.report_kind),
                                        username=username, email=subscription.email))


@form_state.guarded(SEND)
def _send_now() -> None:
    from reports.delivery import send_now  # loads the renderer: only when a report is sent

    form_state.clear(SEND)
    subscription_id = st.session_state.get(f"{SEND}.subscription_id")
    if subscription_id is None:
        return
    run = send_now(me.id, int(subscription_id))
    attempt = run.attempts[0] if run.attempts else None
    if attempt is None:
        return
    reason = "render_failed" if run.render_error else run.freshness.reason
    params = {"email": attempt.recipient.email, "kind": _kind(run.kind), "detail": _detail("notice", reason)}
    if attempt.outcome == "sent":
        form_state.record_success(SEND, t(f"ui.report_subscriptions.sent_{attempt.content}", **params))
    elif attempt.outcome == "not_configured":
        form_state.record_error(SEND, DomainError("report_smtp_missing"))
    else:
        form_state.record_error(SEND, DomainError("report_send_failed", record=attempt.recipient.email,
                                                  detail=attempt.detail or ""))


@form_state.guarded(SMTP)
def _save_smtp(from_env: frozenset[str]) -> None:
    form_state.clear(SMTP)
    # A field the environment sets is shown, not editable, and keeps its stored value (None).
    value = {field: None if field in from_env else (st.session_state.get(f"{SMTP}.smtp_{field}") or "")
             for field in subs.SMTP_FIELDS}
    value["password"] = st.session_state.get(f"{SMTP}.smtp_password") or None  # blank keeps the stored one
    if st.session_state.get(f"{SMTP}.clear_password"):
        value["password"] = ""
    with unit_of_work() as session:
        subs.save_smtp_settings(session, session.get(AppUser, me.id), **value)
    # The typed password is not kept in the form (nor sent back to the browser).
    st.session_state[f"{SMTP}.smtp_password"] = ""
    st.session_state[f"{SMTP}.clear_password"] = False
    form_state.record_success(SMTP, t("ui.report_subscriptions.smtp_saved"))


with read_only() as session:
    actor = session.get(AppUser, me.id)
    is_admin = actor.role == "admin"
    smtp = subs.smtp_status(session)
    rows = subs.list_subscriptions(session, actor)
    users = {u.id: f"{u.username}（{u.display_name}）" for u in subs.manageable_users(session, actor)}
    deliveries = subs.recent_deliveries(session, actor, limit=DELIVERY_LIMIT)
    own_email = subs.suggested_email(session, actor)

st.title(t("ui.page.report_subscriptions"))
st.caption(t("ui.report_subscriptions.intro"))

if smtp.settings is None:
    missing = "、".join(t(f"field.smtp_{f}") for f in smtp.missing) if smtp.missing else ""
    st.warning(t("ui.report_subscriptions.smtp_missing", missing=missing), icon=":material/mail_lock:")
else:
    # Host and sender were typed by an admin (or set in the environment): shown as text.
    st.caption(safe_text.message("ui.report_subscriptions.smtp_ready", host=smtp.settings.host,
                                 port=smtp.settings.port, sender=smtp.settings.sender,
                                 security=t(f"ui.report_subscriptions.security.{smtp.settings.security}")))

st.subheader(t("ui.report_subscriptions.list"))
if rows:
    st.dataframe(pd.DataFrame([{
        **({t("ui.report_subscriptions.col.user"): f"{r.username}（{r.display_name}）"} if is_admin else {}),
        t("ui.report_subscriptions.col.kind"): _kind(r.report_kind),
        t("ui.report_subscriptions.col.language"): _language(r.language),
        t("ui.report_subscriptions.col.email"): r.email,
        t("ui.report_subscriptions.col.active"): _yes_no(r.active),
        t("ui.report_subscriptions.col.updated_at"): r.updated_at.strftime("%Y-%m-%d %H:%M"),
    } for r in rows]), hide_index=True, width="stretch")
else:
    st.info(t("ui.report_subscriptions.none"))

st.subheader(t("ui.report_subscriptions.edit"))
st.caption(t("ui.report_subscriptions.edit_note"))
st.session_state.setdefault(f"{PREFIX}.email", own_email)
with st.container(border=True):
    if is_admin:
        st.selectbox(t("ui.report_subscriptions.col.user"), list(users), format_func=users.get,
                     index=list(users).index(me.id) if me.id in users else 0, key=f"{PREFIX}.user_id",
                     on_change=_suggest_email)
        form_state.field_error(PREFIX, "user_id")
    st.selectbox(t("ui.report_subscriptions.col.kind"), REPORT_KINDS, format_func=_kind, key=f"{PREFIX}.report_kind")
    form_state.field_error(PREFIX, "report_kind")
    st.selectbox(t("ui.report_subscriptions.col.language"), REPORT_LANGUAGES, format_func=_language,
                 key=f"{PREFIX}.language")
    form_state.field_error(PREFIX, "language")
    st.text_input(t("ui.report_subscriptions.col.email"), max_chars=254, key=f"{PREFIX}.email")
    form_state.field_error(PREFIX, "email")
    st.checkbox(t("ui.report_subscriptions.active"), value=True, key=f"{PREFIX}.active")
    form_state.other_errors(PREFIX, EDIT_FIELDS)
    st.button(t("ui.report_subscriptions.save"), type="primary", on_click=_save, key=f"{PREFIX}.submit")
    form_state.flash(PREFIX)

st.subheader(t("ui.report_subscriptions.send_title"))
st.caption(t("ui.report_subscriptions.send_note"))
choices = {r.id: " · ".join([*([r.username] if is_admin else []), _kind(r.report_kind), _language(r.language),
                             r.email]) for r in rows if r.active}
with st.container(border=True):
    if choices:
        st.selectbox(t("ui.report_subscriptions.subscription"), list(choices), format_func=choices.get,
                     key=f"{SEND}.subscription_id")
    else:
        st.caption(t("ui.report_subscriptions.nothing_to_send"))
    form_state.other_errors(SEND, ())
    st.button(t("ui.report_subscriptions.send_now"), on_click=_send_now, key=f"{SEND}.submit",
              disabled=smtp.settings is None or not choices)
    form_state.flash(SEND)

st.subheader(t("ui.report_subscriptions.deliveries", count=DELIVERY_LIMIT))
if deliveries:
    st.dataframe(pd.DataFrame([{
        t("ui.report_subscriptions.col.attempted_at"): d.attempted_at.strftime("%Y-%m-%d %H:%M:%S"),
        **({t("ui.report_subscriptions.col.user"): d.username} if is_admin else {}),
        t("ui.report_subscriptions.col.kind"): _kind(d.report_kind),
        t("ui.report_subscriptions.col.email"): d.email,
        t("ui.report_subscriptions.col.content"): t(f"ui.report_subscriptions.content.{d.content}"),
        t("ui.report_subscriptions.col.outcome"): t(f"ui.report_subscriptions.outcome.{d.outcome}"),
        t("ui.report_subscriptions.col.origin"): t(f"ui.report_subscriptions.origin.{d.origin}"),
        t("ui.report_subscriptions.col.as_of"): d.as_of.isoformat() if d.as_of else "",
        t("ui.report_subscriptions.col.detail"): _detail(d.content, d.detail),
    } for d in deliveries]), hide_index=True, width="stretch")
else:
    st.caption(t("ui.report_subscriptions.no_deliveries"))

if is_admin:
    st.subheader(t("ui.report_subscriptions.smtp_title"))
    st.caption(t("ui.report_subscriptions.smtp_note"))
    from_env = frozenset(f for f, source in smtp.sources.items() if source == "env")
    with st.form(SMTP, clear_on_submit=False):
        for name in ("host", "port", "sender", "user"):
            st.text_input(t(f"field.smtp_{name}"), value=smtp.values.get(name, ""), max_chars=subs.SMTP_VALUE_MAX,
                          key=f"{SMTP}.smtp_{name}", disabled=name in from_env,
                          help=t("ui.report_subscriptions.from_env", name=f"JXC_SMTP_{name.upper()}")
                          if name in from_env else None)
            form_state.field_error(SMTP, f"smtp_{name}")
        securities = list(subs.SMTP_SECURITIES)
        current = smtp.values.get("security") or "starttls"
        st.selectbox(t("field.smtp_security"), securities,
                     index=securities.index(current) if current in securities else 0,
                     format_func=lambda s: t(f"ui.report_subscriptions.security.{s}"), key=f"{SMTP}.smtp_security",
                     disabled="security" in from_env)
        form_state.field_error(SMTP, "smtp_security")
        st.text_input(t("field.smtp_password"), type="password", max_chars=subs.SMTP_VALUE_MAX,
                      key=f"{SMTP}.smtp_password", disabled="password" in from_env,
                      help=t("ui.report_subscriptions.password_note"))
        form_state.field_error(SMTP, "smtp_password")
        st.checkbox(t("ui.report_subscriptions.clear_password"), key=f"{SMTP}.clear_password",
                    disabled="password" in from_env)
        form_state.other_errors(SMTP, SMTP_FIELDS)
        st.form_submit_button(t("ui.report_subscriptions.smtp_save"), on_click=_save_smtp, args=(from_env,))
    form_state.flash(SMTP)
