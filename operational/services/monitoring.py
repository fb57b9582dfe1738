"""Read-only figures about the store that the pipeline compares itself against.

The sensor asks for ``change_fingerprint`` (has anything been posted since last time?), the
reconciliation checks ask for ``stock_balances``; keeping the SQL here means the orchestration
never queries the store on its own.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.models import (
    GoodsReceipt,
    PurchaseOrder,
    SalesOrder,
    Shipment,
    StockBalance,
    StockLedger,
)

_DOCUMENT_TABLES = (PurchaseOrder, GoodsReceipt, SalesOrder, Shipment)


def change_fingerprint(session: Session) -> str:
    """A string that changes whenever a document is created or changes state or stock moves."""
    parts = [str(session.execute(select(func.max(StockLedger.id))).scalar() or 0)]
    for model in _DOCUMENT_TABLES:
        parts.append(str(session.execute(select(func.max(model.updated_at))).scalar() or ""))
    return "|".join(parts)


def stock_balances(session: Session) -> dict[tuple[int, int], Decimal]:
    """Quantity on hand per (product_id, warehouse_id), as the store keeps it."""
    rows = session.execute(select(StockBalance.product_id, StockBalance.warehouse_id, StockBalance.quantity))
    return {(p, w): q for p, w, q in rows}


def ledger_totals(session: Session) -> dict[tuple[int, int], Decimal]:
    """Sum of ledger quantities per (product_id, warehouse_id); equals ``stock_balances`` always."""
    rows = session.execute(
        select(StockLedger.product_id, StockLedger.warehouse_id, func.sum(StockLedger.quantity))
        .group_by(StockLedger.product_id, StockLedger.warehouse_id)
    )
    return {(p, w): q for p, w, q in rows}
