"""All tables of the operational store; importing this package registers them on ``Base.metadata``."""

from operational.models.base import Base, utcnow
from operational.models.documents import (
    CANCELLED,
    COMPLETED,
    CONFIRMED,
    DRAFT,
    PARTIAL,
    POSTED,
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
    VALUATION_METHODS,
    AppUser,
    Company,
    Customer,
    Employee,
    Product,
    ProductCategory,
    StockLimit,
    Supplier,
    Warehouse,
)
from operational.models.stock import MOVEMENT_TYPES, StockBalance, StockLedger

__all__ = [
    "Base", "utcnow", "CANCELLED", "COMPLETED", "CONFIRMED", "DRAFT", "PARTIAL", "POSTED",
    "DocSequence", "GoodsReceipt", "GoodsReceiptLine", "PurchaseOrder", "PurchaseOrderLine",
    "SalesOrder", "SalesOrderLine", "Shipment", "ShipmentLine", "ROLES", "VALUATION_METHODS",
    "AppUser", "Company", "Customer", "Employee", "Product", "ProductCategory", "StockLimit",
    "Supplier", "Warehouse", "MOVEMENT_TYPES", "StockBalance", "StockLedger",
]
