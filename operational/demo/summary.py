"""Counts that describe a demo store (what ``generate`` and ``simulate_days`` return)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, func, select

from operational.models import (
    Customer,
    GoodsReceipt,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReturn,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    Shipment,
    StockLedger,
    Stocktake,
    StockTransfer,
    Supplier,
    SupplierPrice,
    Warehouse,
)


@dataclass(frozen=True)
class DemoSummary:
    """Counts of the whole store after the run. first_day is the store's first day (the opening
    balances); last_day the last simulated day (which may have been a quiet one)."""

    products: int
    suppliers: int
    customers: int
    warehouses: int
    purchase_orders: int
    purchase_order_lines: int
    goods_receipts: int
    sales_orders: int
    sales_order_lines: int
    shipments: int
    ledger_rows: int
    purchase_returns: int
    sales_returns: int
    stock_transfers: int
    stocktakes: int
    supplier_prices: int
    first_day: date | None
    last_day: date | None


_COUNTED = {
    "products": Product, "suppliers": Supplier, "customers": Customer, "warehouses": Warehouse,
    "purchase_orders": PurchaseOrder, "purchase_order_lines": PurchaseOrderLine, "goods_receipts": GoodsReceipt,
    "sales_orders": SalesOrder, "sales_order_lines": SalesOrderLine, "shipments": Shipment,
    "ledger_rows": StockLedger, "purchase_returns": PurchaseReturn, "sales_returns": SalesReturn,
    "stock_transfers": StockTransfer, "stocktakes": Stocktake, "supplier_prices": SupplierPrice,
}


def summarize(engine: Engine, last_day: date | None = None) -> DemoSummary:
    with engine.connect() as conn:
        counts = {name: conn.execute(select(func.count()).select_from(model)).scalar_one()
                  for name, model in _COUNTED.items()}
        spans = [conn.execute(select(func.min(col), func.max(col))).one()
                 for col in (StockLedger.movement_date, SalesOrder.order_date, PurchaseOrder.order_date)]
    firsts = [lo for lo, _ in spans if lo is not None]
    lasts = [hi for _, hi in spans if hi is not None]
    last = max([*lasts, last_day] if last_day else lasts, default=None)
    return DemoSummary(**counts, first_day=min(firsts, default=None), last_day=last)
