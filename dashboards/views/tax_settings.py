"""Tax settings (增值税设置): VAT rates, default rates, how partners state prices, taxpayer status."""

from __future__ import annotations

import streamlit as st

from dashboards.components.tax_settings import tax_settings
from dashboards.i18n import t
from dashboards.session import require_page

require_page("tax_settings")
st.title(t("ui.page.tax_settings"))
tax_settings()
