"""Master data: company, warehouses, products, partners, people and users."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, Timestamped
from operational.types import Money, Qty, Rate, UnitPrice

VALUATION_METHODS = ("moving_average", "fifo")
WAREHOUSE_KINDS = ("normal", "transit", "quarantine")
SUPPLIER_STATUSES = ("active", "on_hold", "blocked")
# hr: personnel records and leave approval; staff: any employee, who sees only their own claims and leave.
ROLES = ("admin", "purchasing", "sales", "warehouse", "finance", "manager", "analyst", "hr", "staff")


class Company(Timestamped, Base):
    __tablename__ = "company"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(40))
    base_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # 小规模纳税人: input VAT cannot be deducted, so it is part of the inventory cost (docs/vat_and_units.md).
    small_scale_taxpayer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The day the flag above took effect: receipts dated earlier were costed under the other status
    # (None: always so). Set together with the flag by operational.services.tax.set_small_scale.
    small_scale_from: Mapped[date | None] = mapped_column(Date)


class Warehouse(Timestamped, Base):
    __tablename__ = "warehouse"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(300))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # "transit" holds goods between the two legs of a transfer (在途); "quarantine" holds returned
    # goods awaiting inspection (待检). Both are ordinary stock locations for the ledger.
    kind: Mapped[str] = mapped_column(String(20), default="normal", server_default="normal")
    # Storage bins (库位) are optional per warehouse; without them the warehouse is one location.
    uses_bins: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Where inbound stock goes when no bin is named (use_alter: warehouse ↔ storage_bin is a cycle).
    default_bin_id: Mapped[int | None] = mapped_column(ForeignKey("storage_bin.id", use_alter=True))


class ProductCategory(Timestamped, Base):
    __tablename__ = "product_category"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("product_category.id"))
    # Default VAT rate code (tax_rate.code) of its products; NULL: the parent category's, else none.
    tax_rate_code: Mapped[str | None] = mapped_column(String(20))


class Product(Timestamped, Base):
    __tablename__ = "product"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("product_category.id"), index=True)
    unit: Mapped[str] = mapped_column(String(20), default="个")
    barcode: Mapped[str | None] = mapped_column(String(40), unique=True)
    spec: Mapped[str | None] = mapped_column(String(100))
    valuation_method: Mapped[str] = mapped_column(String(20), default="moving_average")
    allow_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    list_price: Mapped[Decimal] = mapped_column(UnitPrice(), default=Decimal(0))
    standard_cost: Mapped[Decimal] = mapped_column(UnitPrice(), default=Decimal(0))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Batch-tracked products (批次管理) take a batch number and expiry date on every receipt and
    # leave first-expiry-first-out.
    tracks_batches: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    # Default VAT rate code (tax_rate.code); NULL: its category's.
    tax_rate_code: Mapped[str | None] = mapped_column(String(20))
    # Units of measure (product_unit): the unit orders are entered in by default on each side;
    # NULL: the base unit ``unit`` (operational.services.units).
    purchase_unit: Mapped[str | None] = mapped_column(String(20))
    sales_unit: Mapped[str | None] = mapped_column(String(20))


class StockLimit(Timestamped, Base):
    """Minimum and maximum stock of one product in one warehouse (库存上下限)."""

    __tablename__ = "stock_limit"
    __table_args__ = (UniqueConstraint("product_id", "warehouse_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    min_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    max_qty: Mapped[Decimal | None] = mapped_column(Qty())


class Employee(Timestamped, Base):
    __tablename__ = "employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    department: Mapped[str | None] = mapped_column(String(50))
    position: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(40))
    hire_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")
    # HR (operational.services.hr): whom the employee reports to (approves their leave), work
    # e-mail, and the last day of employment once they have left (status "left").
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    email: Mapped[str | None] = mapped_column(String(100))
    leave_date: Mapped[date | None] = mapped_column(Date)


class Supplier(Timestamped, Base):
    __tablename__ = "supplier"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    lead_time_days: Mapped[int] = mapped_column(Integer, default=7)
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    # active: orders and receipts; on_hold: no new orders, open ones may still be received;
    # blocked: neither.
    status: Mapped[str] = mapped_column(String(20), default="active")
    category: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(100))
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(50))
    # Share of an order line's quantity that may be accepted beyond it (0.05 = 5 %).
    over_receipt_tolerance: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(0), server_default="0")
    # Instalments of its bills (payables); without one, payment_terms_days gives a single due date.
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("payment_term.id"))
    # Its prices are stated with VAT (含税价) unless a price-list row or an order line says otherwise.
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SupplierPrice(Timestamped, Base):
    """One price of one product from one supplier from a date on (供应商价目表). A new price is a
    new row, so the rows of a supplier × product are its price history."""

    __tablename__ = "supplier_price"
    __table_args__ = (UniqueConstraint("supplier_id", "product_id", "valid_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    price: Mapped[Decimal] = mapped_column(UnitPrice())
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    min_order_qty: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(0))
    order_multiple: Mapped[Decimal] = mapped_column(Qty(), default=Decimal(1))
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    is_preferred: Mapped[bool] = mapped_column(Boolean, default=False)
    # price is 含税价 (VAT included) rather than 不含税价.
    price_includes_tax: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Customer(Timestamped, Base):
    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    region: Mapped[str | None] = mapped_column(String(50))
    credit_limit: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0))
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    grade: Mapped[str | None] = mapped_column(String(10))  # A / B / C
    email: Mapped[str | None] = mapped_column(String(100))
    discount_rate: Mapped[Decimal] = mapped_column(Rate(), default=Decimal(0), server_default="0")
    # Instalments of its invoices (receivables); without one, payment_terms_days gives one due date.
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("payment_term.id"))
    # Its prices are stated with VAT (含税价) unless an order line says otherwise.
    prices_include_tax: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The customer price group (价格组, e.g. 批发) whose price-list rows apply when the customer has none.
    price_group: Mapped[str | None] = mapped_column(String(20))


class CustomerPrice(Timestamped, Base):
    """One selling price of one product from a date on (客户价目表), for one customer or for a price
    group of customers (exactly one of the two). A new price is a new row, so the rows are the price
    history; the rule that picks the row in force is ``operational.services.price_lists``."""

    __tablename__ = "customer_price"
    __table_args__ = (
        CheckConstraint("(customer_id IS NULL) <> (price_group IS NULL)", name="customer_or_group"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    price_group: Mapped[str | None] = mapped_column(String(20), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    price: Mapped[Decimal] = mapped_column(UnitPrice())
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # price is 含税价 (VAT included) rather than 不含税价.
    price_includes_tax: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class TaxRate(Timestamped, Base):
    """One VAT rate (增值税税率) of a rate code from a date on. A rate change is a new row of the same
    code (e.g. ``standard`` 16 % → 13 % from 2019-04-01); a document takes the rate in force on its date."""

    __tablename__ = "tax_rate"
    __table_args__ = (UniqueConstraint("code", "valid_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(100))
    rate: Mapped[Decimal] = mapped_column(Rate())  # 0.1300 = 13 %
    valid_from: Mapped[date] = mapped_column(Date)
    is_exempt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # 免税, rate 0


class AppUser(Timestamped, Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    language: Mapped[str] = mapped_column(String(10), default="zh_CN")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by an admin's reset and by a login with the demo password outside the demo: the next
    # login shows only the change-password form (operational.services.auth).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
