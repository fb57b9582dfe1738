"""The code field beside a product picker: a scanned barcode (a case's too) or a typed SKU selects
the product in the picker. One callback for the forms that have just that pair of fields."""

from __future__ import annotations

import streamlit as st

from operational.db import read_only
from operational.services import units


def select_product_by_code(code_key: str, product_key: str) -> None:
    """``on_change`` of the code field ``code_key``: put the product it names in ``product_key``
    (an empty or unknown code leaves the picker as it is; saving reports the unknown code)."""
    code = str(st.session_state.get(code_key) or "").strip()
    if not code:
        return
    with read_only() as session:
        found = units.scan(session, code)
        if found is not None:
            st.session_state[product_key] = found.product.id
