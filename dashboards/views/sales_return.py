"""Sales return (销售退货): take goods back from the customer against a shipment, back into the
warehouse it was shipped from (restock) or into the quarantine warehouse."""

from __future__ import annotations

import streamlit as st

from dashboards.components.cancel_form import cancel_form
from dashboards.components.return_form import ReturnFormSpec, return_form
from dashboards.i18n import t
from dashboards.session import require_page
from operational.services.returns import SALES_RETURN

SPEC = ReturnFormSpec(prefix="sr", kind=SALES_RETURN, roles=("sales", "warehouse"), with_disposition=True)

require_page("sales_return")
st.title(t("ui.page.sales_return"))
return_form(SPEC)
st.divider()
cancel_form("sales_return", "sr.cancel", roles=("sales", "warehouse"))
