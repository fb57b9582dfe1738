"""The reason shown beside a suggestion, in the reader's language: "第3周缺货；提前期9天；安全库存40"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from operational.i18n import translate


def _n(value: float) -> str:
    """Whole units with thousands separators (quantities in the plan are whole pieces)."""
    return f"{value:,.0f}"


def reason_text(row: Mapping[str, Any], language: str = "zh_CN") -> str:
    """The reason from a suggestion row's own columns (so a page can show it in another language)."""
    parts = []
    if row.get("runout_week"):
        parts.append(translate("ui.planning.reason.runout", language, week=row["runout_week"]))
    else:
        parts.append(translate("ui.planning.reason.below_rop", language, position=_n(row["inventory_position"]),
                               rop=_n(row["reorder_point"])))
    if row.get("kind") == "transfer":
        if row.get("source_excess") is not None:
            parts.append(translate("ui.planning.reason.excess", language, qty=_n(row["source_excess"])))
    else:
        parts.append(translate("ui.planning.reason.lead_time", language, days=_n(row["lead_time_days"])))
    parts.append(translate("ui.planning.reason.safety", language, qty=_n(row["safety_stock"])))
    if row.get("kind") == "purchase" and row.get("supplier_id") is None:
        parts.append(translate("ui.planning.reason.no_supplier", language))
    return translate("ui.planning.reason.separator", language).join(parts)
