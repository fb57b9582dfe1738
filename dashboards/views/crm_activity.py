"""CRM activity (客户跟进与服务): follow-ups with the user's open next actions, the opportunity
pipeline with stage changes, service tickets (open, respond, resolve, close), contacts, and the SLA
compliance of tickets from mart_ticket_sla with drill-down to the tickets of a row."""

from __future__ import annotations

import streamlit as st

from dashboards import serving, serving_crm
from dashboards.components import crm_forms
from dashboards.components.export import export_buttons
from dashboards.components.filters import no_data_message
from dashboards.components.format import show_table, translate_values, with_headers
from dashboards.i18n import t
from dashboards.session import require_page

SLA_COLUMNS = ("year_month", "category", "priority", "tickets", "response_known", "responded_within_sla",
               "response_compliance", "resolution_known", "resolved_within_sla", "resolution_compliance",
               "satisfaction_count", "mean_satisfaction")
SLA_TICKET_COLUMNS = ("doc_no", "customer_name", "subject", "status", "opened_at", "response_due_at",
                      "first_response_at", "resolution_due_at", "resolved_at", "response_met", "resolution_met",
                      "satisfaction")

require_page("crm_activity")
st.title(t("ui.page.crm_activity"))

follow_tab, opportunity_tab, ticket_tab, contact_tab, sla_tab = st.tabs([
    t("ui.crm.tab.follow_ups"), t("ui.crm.tab.opportunities"), t("ui.crm.tab.tickets"), t("ui.crm.tab.contacts"),
    t("ui.crm.tab.sla")])
with follow_tab:
    crm_forms.follow_ups()
with opportunity_tab:
    crm_forms.opportunities()
with ticket_tab:
    crm_forms.tickets()
with contact_tab:
    crm_forms.contacts()
with sla_tab:
    st.caption(t("ui.crm.sla_note"))
    sla = serving_crm.ticket_sla() if serving.is_published() else None
    if sla is None or sla.empty:
        no_data_message()
    else:
        raw = sla
        sla = sla.assign(category=translate_values(sla["category"], "ui.crm.category"),
                         priority=sla["priority"].map(lambda p: t(f"ui.crm.priority_short.{p}")))
        shown = with_headers(sla, SLA_COLUMNS)
        show_table(shown, rates=("response_compliance", "resolution_compliance"))
        export_buttons(shown, "ticket_sla", "sla.export")
        labels = {i: f"{row.year_month} {sla.loc[i, 'category']} {sla.loc[i, 'priority']}" for i, row in raw.iterrows()}
        picked = st.selectbox(t("ui.drill.pick", what=t("ui.crm.sla_row")), list(labels), index=None,
                              key="sla.drill", format_func=lambda i: labels.get(i, str(i)),
                              placeholder=t("ui.drill.placeholder"))
        if picked is not None:
            row = raw.loc[picked]
            tickets = serving_crm.sla_tickets(row["year_month"], row["category"], row["priority"])
            tickets = tickets.assign(status=translate_values(tickets["status"], "state.ticket"))
            shown = with_headers(tickets, SLA_TICKET_COLUMNS)
            show_table(shown)
            export_buttons(shown, "ticket_sla_tickets", "sla.tickets_export")
