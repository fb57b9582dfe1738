"""One date input for every date a user types into a form.

Streamlit's own ``st.date_input`` only accepts dates within ten years of its starting value and
silently keeps the old value when someone types 1900/01/01 or 2036/12/31. A typed date must reach
the service, which refuses it with a message naming the field (``validation.document_date``), so
the widget's own range is made as wide as a browser date can be.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

WIDEST_MIN = date(1000, 1, 1)
WIDEST_MAX = date(9999, 12, 31)


def date_field(label: str, *, key: str, value: Any = "today", where: Any = None, **kwargs: Any) -> Any:
    """``st.date_input`` (or ``where.date_input`` for a column) that keeps whatever date was typed."""
    kwargs.setdefault("min_value", WIDEST_MIN)
    kwargs.setdefault("max_value", WIDEST_MAX)
    return (where or st).date_input(label, value=value, key=key, **kwargs)
