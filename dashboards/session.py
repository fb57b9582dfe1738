"""Who is logged in. The user is kept in ``st.session_state`` (id, role, display name) after
``operational.services.auth.authenticate`` accepted the password."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboards.i18n import LANGUAGE_KEY, set_language, t
from dashboards.navigation import is_allowed, page_spec
from operational.db import read_only
from operational.services import auth

USER_KEY = "user"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    display_name: str
    role: str


def current_user() -> CurrentUser | None:
    user = st.session_state.get(USER_KEY)
    return user if isinstance(user, CurrentUser) else None


def sign_in(username: str, password: str) -> CurrentUser:
    """Check the password against the store; raises AuthError (a DomainError) when wrong."""
    with read_only() as session:
        user = auth.authenticate(session, username, password)
        current = CurrentUser(id=user.id, username=user.username, display_name=user.display_name,
                              role=user.role)
        preferred_language = user.language
    st.session_state[USER_KEY] = current
    if LANGUAGE_KEY not in st.session_state:  # a language picked on the login page wins
        set_language(preferred_language)
    return current


def sign_out() -> None:
    st.session_state.pop(USER_KEY, None)


def require_page(key: str) -> CurrentUser:
    """Stop the page unless the user may open it (the sidebar hides it already; this guards URLs)."""
    user = current_user()
    if user is None or not is_allowed(page_spec(key), user.role):
        st.error(t("ui.forbidden"))
        st.stop()
    return user
