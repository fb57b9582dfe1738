"""Master data: warehouses, categories, products, stock limits, suppliers, customers, employees."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from operational.models import (
    SUPPLIER_STATUSES,
    VALUATION_METHODS,
    WAREHOUSE_KINDS,
    Company,
    Customer,
    Employee,
    Product,
    ProductCategory,
    StockLimit,
    Supplier,
    Warehouse,
)
from operational.services import units, validation
from operational.services.errors import ValidationError
from operational.services.validation import choice, get_or_fail, non_negative, required_text


def _unique(session: Session, model: type, column: Any, value: str, entity: str, field: str) -> None:
    if session.execute(select(model.id).where(column == value)).first():
        raise ValidationError("duplicate", field=field, record=value, entity=f"entity.{entity}", key=value)


def create_company(session: Session, name: str, **fields: Any) -> Company:
    company = Company(name=required_text(name, "name"), **fields)
    session.add(company)
    session.flush()
    return company


def create_warehouse(session: Session, code: str, name: str, address: str | None = None, *,
                     kind: str = "normal") -> Warehouse:
    code = required_text(code, "code")
    _unique(session, Warehouse, Warehouse.code, code, "warehouse", "code")
    wh = Warehouse(code=code, name=required_text(name, "name", record=code), address=address,
                   kind=choice(kind, WAREHOUSE_KINDS, "kind", record=code))
    session.add(wh)
    session.flush()
    return wh


def create_category(session: Session, code: str, name: str, parent_id: int | None = None) -> ProductCategory:
    code = required_text(code, "code")
    _unique(session, ProductCategory, ProductCategory.code, code, "category", "code")
    cat = ProductCategory(code=code, name=required_text(name, "name", record=code), parent_id=parent_id)
    session.add(cat)
    session.flush()
    return cat


def create_product(session: Session, sku: str, name: str, *, category_id: int | None = None, unit: str = "个",
                   barcode: str | None = None, spec: str | None = None,
                   valuation_method: str = "moving_average", allow_negative: bool = False,
                   list_price: Any = 0, standard_cost: Any = 0, tracks_batches: bool = False,
                   shelf_life_days: int | None = None) -> Product:
    sku = required_text(sku, "sku")
    _unique(session, Product, Product.sku, sku, "product", "sku")
    if barcode:
        _unique(session, Product, Product.barcode, barcode, "product", "barcode")
    if category_id is not None:
        get_or_fail(session, ProductCategory, category_id, "category", field="category_id", record=sku)
    product = Product(
        sku=sku, name=required_text(name, "name", record=sku), category_id=category_id, unit=unit,
        barcode=barcode or None, spec=spec,
        valuation_method=choice(valuation_method, VALUATION_METHODS, "valuation_method", record=sku),
        allow_negative=allow_negative,
        list_price=non_negative(list_price, "unit_price", record=sku),
        standard_cost=non_negative(standard_cost, "unit_price", record=sku),
        tracks_batches=tracks_batches, shelf_life_days=shelf_life_days,
    )
    if shelf_life_days is not None and shelf_life_days <= 0:
        raise ValidationError("must_be_positive", field="shelf_life_days", record=sku,
                              field_label="field.shelf_life_days")
    session.add(product)
    session.flush()
    return product


def find_product(session: Session, code: str) -> Product | None:
    """Look a product up by barcode or SKU (what a scanner or a clerk types), including the
    barcode of one of its other units (a case). ``units.scan`` also says which unit was scanned."""
    found = units.scan(session, code)
    return found.product if found is not None else None


def product_by_code_or_id(session: Session, code: str | None, product_id: Any) -> Product:
    """The product a form names: the scanned or typed code when there is one (an unknown code is an
    error naming it), else the product picked from the list (none picked: required)."""
    text = (code or "").strip()
    if text:
        product = find_product(session, text)
        if product is None:
            raise ValidationError("not_found", field="product_id", entity="entity.product", key=text)
        return product
    return get_or_fail(session, Product, product_id, "product", field="product_id")


def set_stock_limit(session: Session, product_id: int, warehouse_id: int, min_qty: Any,
                    max_qty: Any | None = None) -> StockLimit:
    product = get_or_fail(session, Product, product_id, "product", field="product_id")
    get_or_fail(session, Warehouse, warehouse_id, "warehouse", field="warehouse_id", record=product.sku)
    lo = non_negative(min_qty, "min_qty", record=product.sku)
    hi = non_negative(max_qty, "max_qty", record=product.sku) if max_qty not in (None, "") else None
    if hi is not None and hi < lo:
        raise ValidationError("date_order", field="max_qty", record=product.sku,
                              field_label="field.max_qty", other_label="field.min_qty")
    limit = session.execute(
        select(StockLimit).where(StockLimit.product_id == product_id, StockLimit.warehouse_id == warehouse_id)
    ).scalar_one_or_none()
    if limit is None:
        limit = StockLimit(product_id=product_id, warehouse_id=warehouse_id)
        session.add(limit)
    limit.min_qty, limit.max_qty = lo, hi
    session.flush()
    return limit


def create_supplier(session: Session, code: str, name: str, *, lead_time_days: int = 7,
                    payment_terms_days: int = 30, **fields: Any) -> Supplier:
    code = required_text(code, "code")
    _unique(session, Supplier, Supplier.code, code, "supplier", "code")
    supplier = Supplier(code=code, name=required_text(name, "name", record=code),
                        lead_time_days=lead_time_days, payment_terms_days=payment_terms_days, **fields)
    session.add(supplier)
    session.flush()
    return supplier


def set_supplier_status(session: Session, supplier_id: int | None, status: str) -> Supplier:
    """active / on_hold (no new orders) / blocked (no new orders, no receipts)."""
    supplier = get_or_fail(session, Supplier, supplier_id, "supplier", field="supplier_id")
    supplier.status = choice(status, SUPPLIER_STATUSES, "status", record=supplier.code)
    session.flush()
    return supplier


def set_over_receipt_tolerance(session: Session, supplier_id: int | None, rate: Any) -> Supplier:
    """The share of an order line that may be received beyond it (0.05 = 5 %); 0 ≤ rate < 1."""
    supplier = get_or_fail(session, Supplier, supplier_id, "supplier", field="supplier_id")
    supplier.over_receipt_tolerance = validation.rate(rate, "over_receipt_tolerance", record=supplier.code)
    session.flush()
    return supplier


def create_customer(session: Session, code: str, name: str, *, credit_limit: Any = 0,
                    payment_terms_days: int = 30, **fields: Any) -> Customer:
    code = required_text(code, "code")
    _unique(session, Customer, Customer.code, code, "customer", "code")
    customer = Customer(code=code, name=required_text(name, "name", record=code),
                        credit_limit=non_negative(credit_limit, "credit_limit", record=code),
                        payment_terms_days=payment_terms_days, **fields)
    session.add(customer)
    session.flush()
    return customer


def create_employee(session: Session, code: str, name: str, *, department: str | None = None,
                    position: str | None = None, hire_date: date | None = None, **fields: Any) -> Employee:
    code = required_text(code, "code")
    _unique(session, Employee, Employee.code, code, "employee", "code")
    emp = Employee(code=code, name=required_text(name, "name", record=code), department=department,
                   position=position, hire_date=hire_date, **fields)
    session.add(emp)
    session.flush()
    return emp


def order_warehouse_options(session: Session) -> list[tuple[int, str]]:
    """(id, "code name") of the warehouses a purchase or sales order may name: active normal stock
    warehouses only (never in-transit or quarantine), so a form's first choice is a normal one."""
    stmt = (select(Warehouse.id, Warehouse.code, Warehouse.name)
            .where(Warehouse.is_active.is_(True), Warehouse.kind == "normal").order_by(Warehouse.code))
    return [(row[0], f"{row[1]} {row[2]}") for row in session.execute(stmt)]


def options(session: Session, model: type, *, active_only: bool = True) -> list[tuple[int, str]]:
    """(id, "code name") pairs for a form's select box."""
    code_col = getattr(model, "code", None) or model.sku
    stmt = select(model.id, code_col, model.name).order_by(code_col)
    if active_only and hasattr(model, "is_active"):
        stmt = stmt.where(model.is_active.is_(True))
    if active_only and model in (Supplier, Employee):
        stmt = stmt.where(model.status == "active")
    return [(row[0], f"{row[1]} {row[2]}") for row in session.execute(stmt)]




# ---------------------------------------------------------------------------------------------
# Updates (the REST API's PATCH): only the fields named in ``changes`` change, each checked as on
# create. Codes and SKUs are identifiers other records and documents are known by: never changed.


def _optional_text(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _days(value: Any, field: str, record: str) -> int:
    if value is None or isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
        raise ValidationError("invalid_days", field=field, record=record, field_label=f"field.{field}", max_days=3650)
    return value


def _flag(value: Any, field: str, record: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("invalid_choice", field=field, record=record, field_label=f"field.{field}", value=value)
    return value


def _apply(record: Any, changes: dict[str, Any], rules: dict[str, Any], key: str) -> None:
    """Check every change first, then set them all: nothing half-changed when one is wrong."""
    unknown = sorted(set(changes) - set(rules))
    if unknown:
        raise ValidationError("field_not_editable", field=unknown[0], record=key, field_label=f"field.{unknown[0]}")
    checked = {name: rules[name](value) for name, value in changes.items()}
    for name, value in checked.items():
        setattr(record, name, value)


def update_product(session: Session, product_id: int | None, changes: dict[str, Any]) -> Product:
    product = get_or_fail(session, Product, product_id, "product", field="product_id")
    sku = product.sku

    def barcode(value: Any) -> str | None:
        code = _optional_text(value)
        if code and code != product.barcode:
            _unique(session, Product, Product.barcode, code, "product", "barcode")
        return code

    def category(value: Any) -> int | None:
        if value is not None:
            get_or_fail(session, ProductCategory, value, "category", field="category_id", record=sku)
        return value

    def shelf_life(value: Any) -> int | None:
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise ValidationError("must_be_positive", field="shelf_life_days", record=sku,
                                  field_label="field.shelf_life_days")
        return value

    _apply(product, changes, {
        "name": lambda v: required_text(v, "name", record=sku),
        "unit": lambda v: required_text(v, "unit", record=sku),
        "barcode": barcode, "spec": _optional_text, "category_id": category,
        "list_price": lambda v: non_negative(v, "list_price", record=sku),
        "standard_cost": lambda v: non_negative(v, "standard_cost", record=sku),
        "shelf_life_days": shelf_life,
        "is_active": lambda v: _flag(v, "is_active", sku),
    }, sku)
    session.flush()
    return product


def update_customer(session: Session, customer_id: int | None, changes: dict[str, Any]) -> Customer:
    customer = get_or_fail(session, Customer, customer_id, "customer", field="customer_id")
    code = customer.code
    _apply(customer, changes, {
        "name": lambda v: required_text(v, "name", record=code),
        "contact": _optional_text, "phone": _optional_text, "address": _optional_text, "region": _optional_text,
        "email": _optional_text,
        "credit_limit": lambda v: non_negative(v, "credit_limit", record=code),
        "discount_rate": lambda v: validation.rate(v, "discount_rate", record=code),
        "payment_terms_days": lambda v: _days(v, "payment_terms_days", code),
    }, code)
    session.flush()
    return customer


def update_supplier(session: Session, supplier_id: int | None, changes: dict[str, Any]) -> Supplier:
    """Contact and terms; the status has its own rule (``set_supplier_status``)."""
    supplier = get_or_fail(session, Supplier, supplier_id, "supplier", field="supplier_id")
    code = supplier.code
    _apply(supplier, {k: v for k, v in changes.items() if k != "status"}, {
        "name": lambda v: required_text(v, "name", record=code),
        "contact": _optional_text, "phone": _optional_text, "address": _optional_text, "email": _optional_text,
        "lead_time_days": lambda v: _days(v, "lead_time_days", code),
        "payment_terms_days": lambda v: _days(v, "payment_terms_days", code),
        "over_receipt_tolerance": lambda v: validation.rate(v, "over_receipt_tolerance", record=code),
    }, code)
    if "status" in changes:
        set_supplier_status(session, supplier.id, changes["status"])
    session.flush()
    return supplier


def update_warehouse(session: Session, warehouse_id: int | None, changes: dict[str, Any]) -> Warehouse:
    warehouse = get_or_fail(session, Warehouse, warehouse_id, "warehouse", field="warehouse_id")
    code = warehouse.code
    _apply(warehouse, changes, {
        "name": lambda v: required_text(v, "name", record=code),
        "address": _optional_text,
        "is_active": lambda v: _flag(v, "is_active", code),
    }, code)
    session.flush()
    return warehouse


def list_records(session: Session, model: type, *, search: str = "", limit: int = 100, offset: int = 0) -> list[Any]:
    """A page of one master (warehouses, products, suppliers, customers) by code (SKU), with
    ``search`` matching code, name (and a product's barcode) case-insensitively."""
    code_col = getattr(model, "code", None) or model.sku
    stmt = select(model).order_by(code_col, model.id).limit(limit).offset(offset)
    text = (search or "").strip().lower()
    if text:
        pattern = f"%{text}%"
        columns = [code_col, model.name] + ([model.barcode] if model is Product else [])
        stmt = stmt.where(or_(*(func.lower(func.coalesce(c, "")).like(pattern) for c in columns)))
    return list(session.execute(stmt).scalars())
