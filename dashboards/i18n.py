"""The dashboard's language: zh_CN by default (or JXC_LANG), switchable to English in the sidebar.

Every visible word goes through ``t``; the words themselves live in the shared catalog
(``operational/i18n/<lang>/ui.json``), so services and pages speak the same vocabulary.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from operational.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from operational.settings import get_settings

LANGUAGE_KEY = "language"
_WIDGET_KEY = "language_select"


def current_language() -> str:
    lang = st.session_state.get(LANGUAGE_KEY) or get_settings().language
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def set_language(language: str) -> None:
    if language in LANGUAGES:
        st.session_state[LANGUAGE_KEY] = language
        st.session_state[_WIDGET_KEY] = language


def t(key: str, **params: Any) -> str:
    """The catalog text for ``key`` in the session's language."""
    return translate(key, current_language(), **params)


def _on_language_change() -> None:
    st.session_state[LANGUAGE_KEY] = st.session_state[_WIDGET_KEY]


def language_selector() -> None:
    """Sidebar switch. The chosen language is kept under its own key so it survives pages
    that do not draw the widget (Streamlit forgets widget state when a widget is not drawn)."""
    st.session_state[_WIDGET_KEY] = current_language()
    st.sidebar.selectbox(
        t("ui.language"), LANGUAGES, key=_WIDGET_KEY, on_change=_on_language_change,
        format_func=lambda code: translate(f"ui.language.{code}", code),
    )
