"""Who is logged in, and the session cookie that keeps the login across a page reload.

The rules (lockout, audit, forced password change, signed expiring tokens, revocation) live in
``operational.services.auth``; this module only carries their results between Streamlit and the
browser:

- the user is kept in ``st.session_state`` (id, role, display name, session token);
- after a login the token goes into the ``jxc_session`` cookie by a tiny script
  (``st.context.cookies`` is read-only; ``st.html`` runs the script in the page itself, offline,
  with no extra package). A reload opens a new Streamlit session, which finds the cookie in
  ``st.context.cookies`` and resumes the login if the store still holds that session;
- logout revokes the session in the store and deletes the cookie.

The cookie cannot be HttpOnly (a script sets it); it is SameSite=Strict, Secure over HTTPS, and
useless once revoked or expired.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboards.i18n import LANGUAGE_KEY, set_language, t
from dashboards.navigation import is_allowed, page_spec
from operational import audit
from operational.db import unit_of_work
from operational.models import utcnow
from operational.services import auth
from operational.services.errors import ValidationError
from operational.settings import get_login_settings

USER_KEY = "user"
_COOKIE_SCRIPT_KEY = "_session_cookie_script"
_COOKIE_CHECKED_KEY = "_session_cookie_checked"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: str
    must_change_password: bool = False
    token: str | None = None


def current_user() -> CurrentUser | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, CurrentUser) else None


def _acting_user() -> audit.Actor | None:
    """Who changes the store in this script run or form callback (the audit log's "who")."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None  # not a Streamlit script run (CLI, tests, another thread): someone else says
    user = current_user()
    return audit.Actor(user.id, user.username, "web") if user is not None else None


audit.register_actor_resolver(_acting_user)


def client() -> str:
    """The address of the browser, as the lockout counts it."""
    try:
        forwarded = st.context.headers.get("X-Forwarded-For")
        remote = st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context (bare script, tests): the local machine
        forwarded, remote = None, None
    # Without a browser connection (AppTest) the context holds placeholders, not strings.
    return auth.client_address(remote if isinstance(remote, str) else None,
                               forwarded if isinstance(forwarded, str) else None,
                               get_login_settings().trusted_proxies)


def _keep(user: auth.SessionUser) -> CurrentUser:
    current = CurrentUser(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                          must_change_password=user.must_change_password, token=user.token)
    st.session_state[USER_KEY] = current
    if LANGUAGE_KEY not in st.session_state:  # a language picked on the login page wins
        set_language(user.language)
    return current


def sign_in(username: str, password: str) -> CurrentUser:
    """Log in through the service (lockout, audit); raises AuthError (a DomainError) when refused."""
    user = auth.login(username, password, client())
    _queue_cookie(user.token, max(0, int((user.expires_at - utcnow()).total_seconds())))
    return _keep(user)


def resume_from_cookie() -> CurrentUser | None:
    """After a reload: the login of the browser's session cookie, if it is still valid.
    Each cookie value is checked once per Streamlit session; a stale one is deleted."""
    if current_user() is not None:
        return current_user()
    try:
        token = st.context.cookies.get(auth.SESSION_COOKIE)
    except Exception:  # noqa: BLE001 - no client context
        token = None
    if not isinstance(token, str) or not token or st.session_state.get(_COOKIE_CHECKED_KEY) == token:
        return None
    st.session_state[_COOKIE_CHECKED_KEY] = token
    user = auth.resume_session(token)
    if user is None:
        _queue_cookie(None, 0)
        return None
    return _keep(user)


def sign_out() -> None:
    user = current_user()
    if user is not None:
        auth.logout(user.token)
    st.session_state.pop(USER_KEY, None)
    _queue_cookie(None, 0)


def change_password(current: str, new: str, confirm: str) -> None:
    """The logged-in user's own change (also the forced one); raises ValidationError."""
    user = current_user()
    if user is None:
        return
    if new != confirm:
        raise ValidationError("password_mismatch", field="confirm_password")
    with unit_of_work() as session:
        auth.change_password(session, user.id, current, new, keep_token=user.token, client=client())
    st.session_state[USER_KEY] = replace(user, must_change_password=False)


def _queue_cookie(token: str | None, max_age: int) -> None:
    st.session_state[_COOKIE_SCRIPT_KEY] = (token or "", max_age)


def write_cookie() -> None:
    """Send the queued cookie change (set after login, delete after logout) to the browser."""
    queued = st.session_state.pop(_COOKIE_SCRIPT_KEY, None)
    if queued is None:
        return
    token, max_age = queued
    cookie = json.dumps(f"{auth.SESSION_COOKIE}={token}; Max-Age={max_age}; Path=/; SameSite=Strict")
    st.sidebar.html(
        f'<script>document.cookie = {cookie} + (location.protocol === "https:" ? "; Secure" : "");</script>',
        unsafe_allow_javascript=True,
    )


def require_page(key: str) -> CurrentUser:
    """Stop the page unless the user may open it (the sidebar hides it already; this guards URLs)."""
    user = current_user()
    if user is None or user.must_change_password or not is_allowed(page_spec(key), user.role):
        st.error(t("ui.forbidden"))
        st.stop()
    return user
