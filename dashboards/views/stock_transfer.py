"""Transfer (调拨): ship from one warehouse into in-transit, receive into the destination; ship or drop
the draft transfers the supply plan made; print the transfer note (调拨单)."""

from __future__ import annotations

import streamlit as st

from dashboards.components.cancel_form import cancel_form
from dashboards.components.draft_transfer_form import draft_form
from dashboards.components.print_panel import print_panel
from dashboards.components.transfer_form import receive_form, ship_form
from dashboards.i18n import t
from dashboards.session import require_page

require_page("stock_transfer")
st.title(t("ui.page.stock_transfer"))
ship_tab, receive_tab, draft_tab, cancel_tab, print_tab = st.tabs(
    [t("ui.transfer.tab.ship"), t("ui.transfer.tab.receive"), t("ui.transfer.tab.drafts"),
     t("ui.cancel.title"), t("ui.print.panel.title")])
with ship_tab:
    ship_form()
with receive_tab:
    receive_form()
with draft_tab:
    draft_form()
with cancel_tab:
    cancel_form("stock_transfer", "tr.cancel", roles=("warehouse",))
with print_tab:
    print_panel("stock_transfer", "tr.print")
