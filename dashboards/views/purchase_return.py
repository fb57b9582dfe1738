"""Purchase return (采购退货): send goods back to the supplier against a posted goods receipt, no
more per line than was accepted less earlier returns; leaves from the receiving warehouse."""

from __future__ import annotations

import streamlit as st

from dashboards.components.cancel_form import cancel_form
from dashboards.components.return_form import ReturnFormSpec, return_form
from dashboards.i18n import t
from dashboards.session import require_page
from operational.services.returns import PURCHASE_RETURN

SPEC = ReturnFormSpec(prefix="pr", kind=PURCHASE_RETURN, roles=("purchasing", "warehouse"))

require_page("purchase_return")
st.title(t("ui.page.purchase_return"))
return_form(SPEC)
st.divider()
cancel_form("purchase_return", "pr.cancel", roles=("purchasing", "warehouse"))
