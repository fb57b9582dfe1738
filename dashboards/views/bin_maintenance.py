"""Storage bins (库位管理): bins of a warehouse, turning bins on, and moves between bins."""

from __future__ import annotations

import streamlit as st

from dashboards.components.bin_form import bin_maintenance
from dashboards.i18n import t
from dashboards.session import require_page

require_page("bin_maintenance")
st.title(t("ui.page.bin_maintenance"))
bin_maintenance()
