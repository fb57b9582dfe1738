"""Unexpected errors: a short id on the page, the details in the log.

A page or a form that hits an error nobody planned for (a bug, a lost database connection, a
value the database refuses) must not show a traceback or a server path. ``report`` logs the
exception with a fresh 8-hex-character id; the page shows only a short message naming that id,
which an administrator finds in the log (``grep <id>``).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import streamlit as st

from dashboards.i18n import t

log = logging.getLogger("jxc.dashboards")


def new_error_id() -> str:
    """8 hex characters: short enough to read out on the phone, unique enough to grep the log for."""
    return secrets.token_hex(4)


def report(exc: BaseException, where: str) -> str:
    """Log ``exc`` (with its traceback) under a new error id and return the id."""
    error_id = new_error_id()
    log.error("unexpected error %s in %s: %s", error_id, where, type(exc).__name__, exc_info=exc)
    return error_id


def run_page(run: Callable[[], object], where: str = "page") -> None:
    """Run a page (``st.navigation(...).run``); an unexpected exception ends the page with a short
    message and an error id instead of Streamlit's traceback. Streamlit's own control flow
    (``st.rerun``, ``st.stop``, ``st.switch_page``) are BaseExceptions and pass through."""
    try:
        run()
    except Exception as exc:  # noqa: BLE001 - everything unplanned ends here, logged with its id
        error_id = report(exc, where)
        st.error(t("ui.safety.page_error", error_id=error_id), icon=":material/error:")
