"""Stock lookup (扫码查库存), made for a phone: scan a barcode or type a SKU (Enter), see what is on
hand now of that product in every warehouse, and in it per storage bin and per batch (with its
expiry date), live from the store. One column of short lines instead of a wide table."""

from __future__ import annotations

import streamlit as st

from dashboards.components import form_state, phone
from dashboards.components.format import quantity
from dashboards.components.freshness import live_caption
from dashboards.components.safe_text import message, text
from dashboards.i18n import t
from dashboards.session import require_page
from operational.db import read_only
from operational.models import Product
from operational.services import scanning, stock_queries
from operational.services.errors import DomainError

PREFIX = "sl"
PRODUCT_KEY = f"{PREFIX}.product"

require_page("stock_lookup")
st.title(t("ui.page.stock_lookup"))


@form_state.guarded(PREFIX)
def _look_up(code: str) -> None:
    form_state.clear(PREFIX)
    try:
        with read_only() as session:
            st.session_state[PRODUCT_KEY] = scanning.resolve_code(session, code).product_id
    except DomainError as err:
        form_state.record_error(PREFIX, err)


phone.scan_field(f"{PREFIX}.scan", _look_up, label=t("ui.phone.lookup_scan"))
form_state.field_error(PREFIX, "barcode")
form_state.other_errors(PREFIX, ("barcode",))

product_id = st.session_state.get(PRODUCT_KEY)
if product_id is None:
    st.caption(t("ui.phone.lookup_hint"))
    st.stop()
with read_only() as session:
    product = session.get(Product, product_id)
    rows = stock_queries.stock_by_location(session, product_id) if product is not None else []
    sku, name, unit, barcode = ((product.sku, product.name, product.unit, product.barcode) if product is not None
                                else ("", "", "", None))
st.subheader(text(f"{sku} {name}"))
if barcode:
    st.caption(message("ui.phone.barcode", barcode=barcode))
live_caption()
if not rows:
    st.info(t("ui.phone.no_stock"))
    st.stop()
st.markdown(message("ui.phone.total", quantity=quantity(sum(r.quantity for r in rows)), unit=unit))
for row in rows:
    where = [text(row.warehouse_name)]
    if row.bin_code:
        where.append(message("ui.phone.in_bin", bin=row.bin_code))
    if row.batch_no:
        where.append(message("ui.phone.in_batch", batch=row.batch_no,
                             expiry=row.expiry_date.isoformat() if row.expiry_date else "—"))
    with st.container(border=True):
        st.markdown(f"**{quantity(row.quantity)} {text(unit)}** · " + " · ".join(where))
