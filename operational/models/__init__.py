"""All tables of the operational store; importing this package registers them on ``Base.metadata``."""

from operational.models.base import Base, utcnow
from operational.models.cash import ACCOUNT_KINDS, CASH_ENTRY_KINDS, CashAccount, CashLedger
from operational.models.documents import (
    CANCELLED,
    CLOSED,
    COMPLETED,
    CONFIRMED,
    DRAFT,
    PARTIAL,
    POSTED,
    CreditApproval,
    DocSequence,
    GoodsReceipt,
    GoodsReceiptLine,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShipmentLine,
)
from operational.models.master import (
    ROLES,
    SUPPLIER_STATUSES,
    VALUATION_METHODS,
    WAREHOUSE_KINDS,
    AppUser,
    Company,
    Customer,
    Employee,
    Product,
    ProductCategory,
    StockLimit,
    Supplier,
    SupplierPrice,
    Warehouse,
)
from operational.models.stock import MOVEMENT_TYPES, StockBalance, StockBatch, StockBatchBalance, StockLedger
from operational.models.stock_documents import (
    COUNTING,
    IN_TRANSIT,
    QUARANTINE,
    RECEIVED,
    RESTOCK,
    RETURN_DISPOSITIONS,
    PurchaseReturn,
    PurchaseReturnLine,
    SalesReturn,
    SalesReturnLine,
    Stocktake,
    StocktakeLine,
    StockTransfer,
    StockTransferLine,
)

__all__ = [
    "Base", "utcnow", "CANCELLED", "CLOSED", "COMPLETED", "CONFIRMED", "DRAFT", "PARTIAL", "POSTED",
    "DocSequence", "GoodsReceipt", "GoodsReceiptLine", "PurchaseOrder", "PurchaseOrderLine",
    "SalesOrder", "SalesOrderLine", "Shipment", "ShipmentLine", "ROLES", "VALUATION_METHODS",
    "AppUser", "Company", "Customer", "Employee", "Product", "ProductCategory", "StockLimit",
    "Supplier", "SupplierPrice", "Warehouse", "MOVEMENT_TYPES", "StockBalance", "StockLedger", "SUPPLIER_STATUSES",
    "WAREHOUSE_KINDS", "COUNTING", "IN_TRANSIT", "QUARANTINE", "RECEIVED", "RESTOCK", "RETURN_DISPOSITIONS",
    "PurchaseReturn", "PurchaseReturnLine", "SalesReturn", "SalesReturnLine", "Stocktake", "StocktakeLine",
    "StockTransfer", "StockTransferLine", "CreditApproval", "StockBatch", "StockBatchBalance",
    "ACCOUNT_KINDS", "CASH_ENTRY_KINDS", "CashAccount", "CashLedger",
]
