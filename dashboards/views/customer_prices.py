"""Customer price list (客户价目表): selling prices per customer or price group, from a date."""

from __future__ import annotations

import streamlit as st

from dashboards.components.customer_price_form import customer_prices
from dashboards.i18n import t
from dashboards.session import require_page

require_page("customer_prices")
st.title(t("ui.page.customer_prices"))
customer_prices()
