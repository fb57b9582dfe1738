"""The instalment grid of the customer-receipt and supplier-payment forms: one row per open
instalment (due date, document, instalment no., open amount) with an amount to allocate, and the
service's row errors (``allocations.<n>.…``) shown under their row.

``typed_allocation`` reads the grid back as every shown row in order (blank = 0), so the n-th
pair is the n-th row and an error the service raises for ``allocations.<n>`` lands where the user
typed it. The services skip zero rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import streamlit as st

from dashboards.components import form_state
from dashboards.components.format import money
from dashboards.i18n import t

WIDTHS = [1.2, 2.0, 0.6, 1.2, 1.4]


def _key(prefix: str, row: dict[str, Any]) -> str:
    return f"{prefix}.q.{row['instalment_id']}"


def allocation_grid(prefix: str, instalments: Sequence[dict[str, Any]], *, column_catalog: str,
                    amount_column: str) -> None:
    """Rows with an amount input each; ``column_catalog`` is "ui.ar.col" or "ui.ap.col" and
    ``amount_column`` the title of the input column in it."""
    heads = st.columns(WIDTHS)
    for col, name in zip(heads, ("due_date", "doc_no", "seq", "open_amount", amount_column), strict=True):
        col.caption(t(f"{column_catalog}.{name}"))
    errors = form_state.errors(prefix)
    for n, row in enumerate(instalments, start=1):
        line = st.columns(WIDTHS, vertical_alignment="center")
        line[0].write(f"{row['due_date']:%Y-%m-%d}")
        line[1].write(row["doc_no"])
        line[2].write(str(row["seq"]))
        line[3].write(money(row['open_amount']))
        line[4].text_input(t(f"{column_catalog}.{amount_column}"), key=_key(prefix, row),
                           label_visibility="collapsed", placeholder="0")
        for field, message in errors.items():
            if field.startswith(f"allocations.{n}."):
                st.error(message, icon=":material/error:")


def typed_allocation(prefix: str, instalments: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
    """(instalment_id, typed amount) for every shown row in order; blank is "0"."""
    return [(row["instalment_id"], str(st.session_state.get(_key(prefix, row)) or "").strip() or "0")
            for row in instalments]


def anything_typed(allocation: Sequence[tuple[int, str]]) -> bool:
    """True when a row holds something other than zero (text that is not a number counts, so the
    service can name it)."""
    for _, value in allocation:
        try:
            if Decimal(value) != 0:
                return True
        except InvalidOperation:
            return True
    return False


def error_fields(instalments: Sequence[dict[str, Any]]) -> list[str]:
    """The row error fields the grid shows itself (for ``form_state.other_errors``)."""
    return [f"allocations.{n}.{f}" for n in range(1, len(instalments) + 1) for f in ("amount", "instalment_id")]
