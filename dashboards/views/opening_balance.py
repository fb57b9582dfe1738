"""Opening balance (期初库存): stock that existed before the system, with its unit cost."""

from __future__ import annotations

import streamlit as st

from dashboards.components.opening_form import opening_form
from dashboards.i18n import t
from dashboards.session import require_page

require_page("opening_balance")
st.title(t("ui.page.opening_balance"))
opening_form()
