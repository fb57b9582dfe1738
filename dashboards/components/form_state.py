"""Per-form state kept in ``st.session_state`` under the form's prefix: the last error (shown
next to the field it names) and the last success message.

Forms submit through button callbacks, which run before the page is drawn; so the error a
service raised is known when the fields are drawn and can sit right under the field named by
``DomainError.field`` (``supplier_id``, ``lines.2.quantity``, ...), while every widget keeps
what the user typed.

Three safety rules live here, so that every form gets them by using this module:

- ``guarded`` wraps a submit callback: a ``DomainError`` becomes the field error, any other
  exception is logged with a short error id and shown as a general form error naming that id
  (never a traceback or a server path);
- ``token`` gives each drawn form an idempotency token (the services' ``idempotency.once``
  creates one document per token); ``reset_inputs`` after a successful save forgets it with the
  inputs, so the cleared form gets a new one;
- messages are stored escaped (``safe_text.text``): a supplier named ``[x](http://…)`` in an
  error or success message is shown as text, not as a link.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from datetime import date, time
from typing import Any, TypeVar

import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboards.components.error_report import report
from dashboards.components.safe_text import text
from dashboards.i18n import current_language, t
from operational.services.errors import DomainError

GENERAL = "_form"
F = TypeVar("F", bound=Callable[..., Any])


def _errors_key(prefix: str) -> str:
    return f"{prefix}._errors"


def _flash_key(prefix: str) -> str:
    return f"{prefix}._flash"


def _token_key(prefix: str) -> str:
    return f"{prefix}._token"


def token(prefix: str) -> str:
    """The idempotency token of the form as drawn now (a new one after each successful save).
    Pass it to the submit callback in its ``args`` when drawing the button, so that a second
    click that arrives before the page is redrawn carries the same token."""
    return st.session_state.setdefault(_token_key(prefix), uuid.uuid4().hex)


def errors(prefix: str) -> dict[str, str]:
    return st.session_state.get(_errors_key(prefix), {})


def clear(prefix: str) -> None:
    st.session_state[_errors_key(prefix)] = {}
    st.session_state.pop(_flash_key(prefix), None)


def forget_token(prefix: str) -> None:
    """A form that keeps some inputs after a save still needs a new token (``reset_inputs`` does this)."""
    st.session_state.pop(_token_key(prefix), None)


def record_error(prefix: str, err: DomainError) -> None:
    # Messages quote what the user typed (an unknown SKU, a name): escaped, shown as text.
    st.session_state[_errors_key(prefix)] = {err.field or GENERAL: text(err.message(current_language()))}


def record_unexpected(prefix: str, exc: BaseException) -> str:
    """Log ``exc`` with a new error id and show a short general error naming the id. Returns the id."""
    error_id = report(exc, f"form {prefix}")
    st.session_state[_errors_key(prefix)] = {GENERAL: t("ui.safety.unexpected", error_id=error_id)}
    return error_id


def guarded(prefix: str | Callable[..., str]) -> Callable[[F], F]:
    """Decorate a submit callback. ``prefix`` is the form's prefix, or a function of the
    callback's arguments returning it (for components that draw several forms)."""
    def decorate(callback: F) -> F:
        @functools.wraps(callback)
        def run(*args: Any, **kwargs: Any) -> Any:
            name = prefix(*args, **kwargs) if callable(prefix) else prefix
            try:
                return callback(*args, **kwargs)
            except DomainError as err:
                record_error(name, err)
            except Exception as exc:  # noqa: BLE001 - the page must show an id, the log the details
                record_unexpected(name, exc)
            return None
        return run  # type: ignore[return-value]
    return decorate


def record_success(prefix: str, message: str) -> None:
    st.session_state[_flash_key(prefix)] = message


def success_message(prefix: str) -> str | None:
    """The last success message, escaped for display (it may name what the user typed)."""
    message = st.session_state.get(_flash_key(prefix))
    return text(message) if message else None


def flash(prefix: str) -> None:
    """Show the form's last success message (kept across the rerun its button caused)."""
    message = success_message(prefix)
    if message:
        st.success(message, icon=":material/task_alt:")


# The value kinds of input widgets (text, number, select, radio, date, checkbox). Buttons
# (trigger values), uploads and selections cannot be set through st.session_state.
_SETTABLE = {"string_value", "int_value", "double_value", "bool_value", "int_array_value", "double_array_value",
             "string_array_value"}


def _widget_default(key: str) -> tuple[bool, Any]:
    """(True, the value the widget under ``key`` starts with) — or (False, None) for a button, an
    upload or a key that is not an input widget. Reads the widget's registration (its deserializer of "no value"),
    which Streamlit keeps from the last run; anything unexpected means "not known"."""
    try:
        from streamlit.runtime.state import get_session_state

        state = get_session_state()._state
        widget_id = state._key_id_mapper.get_id_from_key(key, None)
        meta = state._new_widget_state.widget_metadata.get(widget_id) if widget_id else None
        if meta is None or meta.value_type not in _SETTABLE:
            return False, None
        return True, meta.deserializer(None)
    except Exception:  # noqa: BLE001 - an internal that moved: fall back to forgetting the key
        return False, None


def reset_inputs(prefix: str) -> None:
    """Put every widget of the form back to its starting value (after a successful save), keeping
    the messages; other state of the form (rows, token) is forgotten.

    Deleting a widget's key is not enough: the browser keeps showing what was typed and sends it
    back with the next interaction, so a "cleared" form would come back filled (and a second
    save would create a second document). Setting the key to the widget's default sends the
    cleared value to the browser."""
    keep = {_errors_key(prefix), _flash_key(prefix)}
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{prefix}.") and k not in keep]:
        known, default = _widget_default(key)
        try:
            # Blank fields (and dates, which start at today) are set; a field prefilled from data
            # (an open quantity) is forgotten so that it takes the new data's value when drawn.
            if known and (default in (None, "", False) or default == [] or isinstance(default, date | time)):
                st.session_state[key] = default
                continue
        except StreamlitAPIException:  # called after the widget was drawn in this run
            pass
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
