"""Per-form state kept in ``st.session_state`` under the form's prefix: the last error (shown
next to the field it names) and the last success message.

Forms submit through button callbacks, which run before the page is drawn; so the error a
service raised is known when the fields are drawn and can sit right under the field named by
``DomainError.field`` (``supplier_id``, ``lines.2.quantity``, ...), while every widget keeps
what the user typed.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from dashboards.i18n import current_language
from operational.services.errors import DomainError

GENERAL = "_form"


def _errors_key(prefix: str) -> str:
    return f"{prefix}._errors"


def _flash_key(prefix: str) -> str:
    return f"{prefix}._flash"


def errors(prefix: str) -> dict[str, str]:
    return st.session_state.get(_errors_key(prefix), {})


def clear(prefix: str) -> None:
    st.session_state[_errors_key(prefix)] = {}
    st.session_state.pop(_flash_key(prefix), None)


def record_error(prefix: str, err: DomainError) -> None:
    st.session_state[_errors_key(prefix)] = {err.field or GENERAL: err.message(current_language())}


def record_success(prefix: str, message: str) -> None:
    st.session_state[_flash_key(prefix)] = message


def success_message(prefix: str) -> str | None:
    return st.session_state.get(_flash_key(prefix))


def flash(prefix: str) -> None:
    """Show the form's last success message (kept across the rerun its button caused)."""
    message = success_message(prefix)
    if message:
        st.success(message, icon=":material/task_alt:")


def reset_inputs(prefix: str) -> None:
    """Forget every widget value of the form (after a successful save), keeping the messages."""
    keep = {_errors_key(prefix), _flash_key(prefix)}
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{prefix}.") and k not in keep]:
        del st.session_state[key]


def field_error(prefix: str, field: str) -> None:
    """Show the error about ``field`` (if any) where this is called: right under the field."""
    message = errors(prefix).get(field)
    if message:
        st.error(message, icon=":material/error:")


def line_error(prefix: str, line_no: int) -> None:
    """Show errors about any field of line ``line_no`` (``lines.<n>.<field>``)."""
    for field, message in errors(prefix).items():
        if field.startswith(f"lines.{line_no}."):
            st.error(message, icon=":material/error:")


def other_errors(prefix: str, shown_fields: Iterable[str]) -> None:
    """Errors about fields the form does not draw (or none): shown once, near the buttons."""
    shown = set(shown_fields)
    for field, message in errors(prefix).items():
        if field not in shown and not field.startswith("lines."):
            st.error(message, icon=":material/error:")
