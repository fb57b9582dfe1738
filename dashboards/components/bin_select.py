"""The storage-bin selector of the stock forms: drawn only for a warehouse that uses bins.

One select box per form (the bin applies to every line of the document). Its widget key contains
the warehouse id, so switching the warehouse never leaves a bin of another warehouse selected.
Nothing chosen means the rule of ``operational.services.bins``: inbound into the default bin,
outbound largest bin first.
"""

from __future__ import annotations

import streamlit as st

from dashboards.components import form_state
from dashboards.i18n import t
from operational.db import read_only
from operational.services import bins


def bin_key(prefix: str, warehouse_id: int | None) -> str:
    return f"{prefix}.bin.{warehouse_id}"


def selected_bin(prefix: str, warehouse_id: int | None) -> int | None:
    """The bin chosen in the form for ``warehouse_id`` (None: the default rule)."""
    return st.session_state.get(bin_key(prefix, warehouse_id)) if warehouse_id is not None else None


def bin_select(prefix: str, warehouse_id: int | None, *, inbound: bool, label_key: str = "field.bin") -> None:
    """Draw the selector (nothing for a warehouse without bins) with the errors about the bin."""
    with read_only() as session:
        choices = bins.bin_choices(session, warehouse_id)
    if not choices:
        return
    labels = {c.id: c.label for c in choices}
    default = next((c.label for c in choices if c.is_default), "")
    none_label = f"{t('ui.bins.default_bin')}（{default}）" if inbound else t("ui.bins.any_bin")
    st.selectbox(t(label_key), [None, *labels], key=bin_key(prefix, warehouse_id),
                 format_func=lambda i: none_label if i is None else labels.get(i, str(i)))
    form_state.field_error(prefix, "bin_id")


def is_bin_warehouse(warehouse_id: int | None) -> bool:
    with read_only() as session:
        return warehouse_id in bins.bin_warehouse_ids(session)
