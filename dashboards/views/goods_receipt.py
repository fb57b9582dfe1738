"""Goods receipt (收货): post against an open purchase order; open quantities are prefilled; per line
the quantity rejected at inspection with its reason; freight and duty spread over the accepted lines."""

from __future__ import annotations

import streamlit as st

from dashboards.components.cancel_form import cancel_form
from dashboards.components.fulfil_form import FulfilFormSpec, fulfil_form
from dashboards.i18n import t
from dashboards.session import require_page
from operational.services import purchasing

SPEC = FulfilFormSpec(prefix="gr", kind=purchasing.PURCHASE, roles=("purchasing", "warehouse"),
                      post=purchasing.receive_goods, list_page="views/purchase_documents.py", inspection=True)

require_page("goods_receipt")
st.title(t("ui.page.goods_receipt"))
fulfil_form(SPEC)
st.divider()
cancel_form("goods_receipt", "gr.cancel", roles=("purchasing", "warehouse"))
