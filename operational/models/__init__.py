"""All tables of the operational store; importing this package registers them on ``Base.metadata``."""

from operational.models.audit import AUDIT_ACTIONS, AUDIT_CHANNELS, AUDIT_SOURCES, AuditLog
from operational.models.auth import LOGIN_OUTCOMES, LoginEvent, LoginSession, StoreSetting
from operational.models.base import Base, utcnow
from operational.models.cash import ACCOUNT_KINDS, CASH_ENTRY_KINDS, CashAccount, CashLedger
from operational.models.crm import (
    FOLLOW_UP_CHANNELS,
    OPPORTUNITY_STAGES,
    TICKET_CATEGORIES,
    TICKET_PRIORITIES,
    TICKET_STATES,
    CrmFollowUp,
    CrmOpportunity,
    CrmOpportunityStage,
    CustomerContact,
    ServiceTicket,
)
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
from operational.models.expenses import (
    APPROVAL_STEPS,
    CLAIM_STATES,
    Budget,
    BudgetRevision,
    ExpenseApprovalStep,
    ExpenseCategory,
    ExpenseClaim,
    ExpenseClaimLine,
)
from operational.models.hr import (
    LEAVE_STATES,
    Attendance,
    LeaveLedger,
    LeaveRequest,
    LeaveType,
    OvertimeRecord,
    PerformanceKpi,
    PerformanceReview,
    TrainingRecord,
)
from operational.models.import_batch import ImportBatch
from operational.models.landed_costs import (
    LANDED_COST_BASES,
    LANDED_COST_STATES,
    LANDED_COST_TYPES,
    LandedCost,
    LandedCostAllocation,
)
from operational.models.master import (
    ROLES,
    SUPPLIER_STATUSES,
    VALUATION_METHODS,
    WAREHOUSE_KINDS,
    AppUser,
    Company,
    Customer,
    CustomerPrice,
    Employee,
    Product,
    ProductCategory,
    StockLimit,
    Supplier,
    SupplierPrice,
    TaxRate,
    Warehouse,
)
from operational.models.order_cancellations import ORDER_KINDS, OrderLineCancellation
from operational.models.payables import (
    AP_ALLOCATION_SOURCES,
    BILL_STATES,
    MATCH_STATES,
    PAYMENT_STATES,
    ApAllocation,
    ApInstalment,
    BilledReceiptLine,
    DebitNote,
    DebitNoteLine,
    SupplierBill,
    SupplierBillLine,
    SupplierMatchTolerance,
    SupplierPayment,
    SupplierPaymentTarget,
)
from operational.models.printing import PAPERS, PRINTABLE_TYPES, DocumentPrint
from operational.models.receivables import (
    ALLOCATION_SOURCES,
    COLLECTION_CHANNELS,
    INVOICE_STATES,
    RECEIPT_METHODS,
    WRITE_OFF_STATES,
    ArAllocation,
    ArInstalment,
    BadDebtWriteOff,
    CollectionNote,
    CreditNote,
    CreditNoteLine,
    CustomerReceipt,
    InvoicedShipmentLine,
    PaymentTerm,
    PaymentTermLine,
    SalesInvoice,
    SalesInvoiceLine,
)
from operational.models.report_subscriptions import (
    DELIVERY_CONTENTS,
    DELIVERY_ORIGINS,
    DELIVERY_OUTCOMES,
    REPORT_KINDS,
    REPORT_LANGUAGES,
    ReportDelivery,
    ReportSubscription,
)
from operational.models.stock import (
    MOVEMENT_TYPES,
    StockBalance,
    StockBatch,
    StockBatchBalance,
    StockBinBalance,
    StockLedger,
    StorageBin,
)
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
from operational.models.submissions import FormSubmission
from operational.models.units import ProductUnit

__all__ = [
    "AUDIT_ACTIONS",
    "AUDIT_CHANNELS",
    "AUDIT_SOURCES",
    "AuditLog",
    "ALLOCATION_SOURCES", "COLLECTION_CHANNELS", "INVOICE_STATES", "RECEIPT_METHODS", "WRITE_OFF_STATES",
    "ArAllocation", "ArInstalment", "BadDebtWriteOff", "CollectionNote", "CreditNote", "CreditNoteLine", "CustomerReceipt",
    "InvoicedShipmentLine", "PaymentTerm", "PaymentTermLine", "SalesInvoice", "SalesInvoiceLine",
    "Base", "utcnow", "CANCELLED", "CLOSED", "COMPLETED", "CONFIRMED", "DRAFT", "PARTIAL", "POSTED",
    "DocSequence", "GoodsReceipt", "GoodsReceiptLine", "PurchaseOrder", "PurchaseOrderLine",
    "SalesOrder", "SalesOrderLine", "Shipment", "ShipmentLine", "ROLES", "VALUATION_METHODS",
    "AppUser", "Company", "Customer", "CustomerPrice", "Employee", "Product", "ProductCategory", "StockLimit",
    "Supplier", "SupplierPrice", "TaxRate", "Warehouse", "MOVEMENT_TYPES", "StockBalance", "StockLedger", "SUPPLIER_STATUSES",
    "WAREHOUSE_KINDS", "COUNTING", "IN_TRANSIT", "QUARANTINE", "RECEIVED", "RESTOCK", "RETURN_DISPOSITIONS",
    "PurchaseReturn", "PurchaseReturnLine", "SalesReturn", "SalesReturnLine", "Stocktake", "StocktakeLine",
    "StockTransfer", "StockTransferLine", "CreditApproval", "StockBatch", "StockBatchBalance",
    "StorageBin", "StockBinBalance",
    "FOLLOW_UP_CHANNELS", "OPPORTUNITY_STAGES", "TICKET_CATEGORIES", "TICKET_PRIORITIES", "TICKET_STATES",
    "CrmFollowUp", "CrmOpportunity", "CrmOpportunityStage", "CustomerContact", "ServiceTicket",
    "LEAVE_STATES", "Attendance", "LeaveLedger", "LeaveRequest", "LeaveType", "OvertimeRecord", "PerformanceKpi",
    "PerformanceReview", "TrainingRecord",
    "APPROVAL_STEPS", "CLAIM_STATES", "Budget", "BudgetRevision", "ExpenseApprovalStep", "ExpenseCategory",
    "ExpenseClaim", "ExpenseClaimLine", "ACCOUNT_KINDS", "CASH_ENTRY_KINDS", "CashAccount", "CashLedger",
    "AP_ALLOCATION_SOURCES", "BILL_STATES", "MATCH_STATES", "PAYMENT_STATES", "ApAllocation", "ApInstalment",
    "BilledReceiptLine", "DebitNote", "DebitNoteLine", "SupplierBill", "SupplierBillLine", "SupplierMatchTolerance",
    "SupplierPayment", "SupplierPaymentTarget",
    "LOGIN_OUTCOMES", "LoginEvent", "LoginSession", "StoreSetting",
]
__all__ += ["FormSubmission"]
__all__ += ["LANDED_COST_BASES", "LANDED_COST_STATES", "LANDED_COST_TYPES", "LandedCost", "LandedCostAllocation"]
__all__ += ["ORDER_KINDS", "OrderLineCancellation"]
from operational.models.planning import (  # noqa: E402
    ABC_CLASSES,
    ADJUSTMENT_MODES,
    PLAN_LINK_KINDS,
    DemandAdjustment,
    PlanDocumentLink,
    PlanningServiceLevel,
)

__all__ += ["ABC_CLASSES", "ADJUSTMENT_MODES", "PLAN_LINK_KINDS", "DemandAdjustment", "PlanDocumentLink",
            "PlanningServiceLevel"]
__all__ += ["PAPERS", "PRINTABLE_TYPES", "DocumentPrint"]
__all__ += ["DELIVERY_CONTENTS", "DELIVERY_OUTCOMES", "DELIVERY_ORIGINS", "REPORT_KINDS", "REPORT_LANGUAGES",
            "ReportDelivery", "ReportSubscription"]
from operational.models.api_tokens import ApiToken  # noqa: E402

__all__ += ["ApiToken"]
__all__ += ["ImportBatch"]
__all__ += ["ProductUnit"]
