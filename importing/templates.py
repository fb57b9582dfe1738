"""The import templates (导入模板): one per kind of record, their columns, and the blank files.

A template is a table with one header row of column names (English identifiers, stable across
languages; docs/import.md and the help sheet of the Excel template describe each column in the
user's language). Master records are one row each; a document is several consecutive rows, one
per line, that repeat the document's header columns (``order_no`` groups them).

``ORDER`` is the order in which a mapping's steps must run: what a row refers to (a category, a
customer, a product) must be imported earlier or exist in the store already.
"""

from __future__ import annotations

from dataclasses import dataclass

from operational.i18n import translate
from operational.spreadsheet import frame_to_csv, workbook_to_xlsx

TEXT, DECIMAL, INTEGER, DATE, BOOL = "text", "decimal", "integer", "date", "bool"


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT
    required: bool = False
    ref: str | None = None  # the entity whose code (or SKU) the column names
    header: bool = False  # documents: a header column, equal on every line of the document
    max_length: int = 200


@dataclass(frozen=True)
class Template:
    kind: str
    columns: tuple[Column, ...]
    defines: str | None = None  # the entity whose codes this template creates (for later references)
    key: str | None = None  # the column holding that code
    document: bool = False  # rows grouped into documents by order_no

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: str = TEXT, *, required: bool = False, ref: str | None = None, header: bool = False,
       max_length: int = 200) -> Column:
    return Column(name, kind, required, ref, header, max_length)


TEMPLATES: dict[str, Template] = {t.kind: t for t in (
    Template("categories", (
        _c("code", required=True, max_length=20), _c("name", required=True, max_length=100),
        _c("parent_code", ref="category", max_length=20),
    ), defines="category", key="code"),
    Template("warehouses", (
        _c("code", required=True, max_length=20), _c("name", required=True, max_length=100),
        _c("address", max_length=300), _c("warehouse_kind", max_length=20),
    ), defines="warehouse", key="code"),
    Template("employees", (
        _c("code", required=True, max_length=20), _c("name", required=True, max_length=50),
        _c("department", max_length=50), _c("position", max_length=50), _c("phone", max_length=40),
        _c("email", max_length=100), _c("hire_date", DATE), _c("manager_code", ref="employee", max_length=20),
    ), defines="employee", key="code"),
    Template("products", (
        _c("sku", required=True, max_length=40), _c("name", required=True),
        _c("category_code", ref="category", max_length=20), _c("unit", max_length=20),
        _c("barcode", max_length=40), _c("spec", max_length=100), _c("valuation_method", max_length=20),
        _c("list_price", DECIMAL), _c("standard_cost", DECIMAL), _c("tax_rate_code", max_length=20),
        _c("allow_negative", BOOL),
    ), defines="product", key="sku"),
    Template("suppliers", (
        _c("code", required=True, max_length=20), _c("name", required=True), _c("contact", max_length=50),
        _c("phone", max_length=40), _c("email", max_length=100), _c("address", max_length=300),
        _c("lead_time_days", INTEGER), _c("payment_terms_days", INTEGER), _c("prices_include_tax", BOOL),
    ), defines="supplier", key="code"),
    Template("supplier_prices", (
        _c("supplier_code", required=True, ref="supplier", max_length=20),
        _c("sku", required=True, ref="product", max_length=40), _c("price", DECIMAL, required=True),
        _c("valid_from", DATE, required=True), _c("min_order_qty", DECIMAL), _c("order_multiple", DECIMAL),
        _c("lead_time_days", INTEGER), _c("is_preferred", BOOL),
    )),
    Template("customers", (
        _c("code", required=True, max_length=20), _c("name", required=True), _c("contact", max_length=50),
        _c("phone", max_length=40), _c("email", max_length=100), _c("address", max_length=300),
        _c("region", max_length=50), _c("credit_limit", DECIMAL), _c("payment_terms_days", INTEGER),
        _c("salesperson_code", ref="employee", max_length=20), _c("discount_rate", DECIMAL),
        _c("prices_include_tax", BOOL),
    ), defines="customer", key="code"),
    Template("opening_stock", (
        _c("sku", required=True, ref="product", max_length=40),
        _c("warehouse_code", required=True, ref="warehouse", max_length=20),
        _c("quantity", DECIMAL, required=True), _c("unit_cost", DECIMAL, required=True),
        _c("opening_date", DATE, required=True),
    )),
    Template("sales_orders", (
        _c("order_no", required=True, header=True, max_length=30),
        _c("order_date", DATE, required=True, header=True),
        _c("customer_code", required=True, ref="customer", header=True, max_length=20),
        _c("warehouse_code", required=True, ref="warehouse", header=True, max_length=20),
        _c("salesperson_code", ref="employee", header=True, max_length=20),
        _c("required_date", DATE, header=True), _c("ship_date", DATE, header=True),
        _c("note", header=True, max_length=400),
        _c("sku", required=True, ref="product", max_length=40), _c("quantity", DECIMAL, required=True),
        _c("unit_price", DECIMAL, required=True), _c("discount_rate", DECIMAL),
        _c("tax_rate_code", max_length=20), _c("shipped_qty", DECIMAL),
    ), document=True),
    Template("purchase_orders", (
        _c("order_no", required=True, header=True, max_length=30),
        _c("order_date", DATE, required=True, header=True),
        _c("supplier_code", required=True, ref="supplier", header=True, max_length=20),
        _c("warehouse_code", required=True, ref="warehouse", header=True, max_length=20),
        _c("expected_date", DATE, header=True), _c("receipt_date", DATE, header=True),
        _c("note", header=True, max_length=400),
        _c("sku", required=True, ref="product", max_length=40), _c("quantity", DECIMAL, required=True),
        _c("unit_price", DECIMAL, required=True), _c("discount_rate", DECIMAL),
        _c("tax_rate_code", max_length=20), _c("received_qty", DECIMAL),
    ), document=True),
)}

ORDER = ("categories", "warehouses", "employees", "products", "suppliers", "supplier_prices", "customers",
         "opening_stock", "purchase_orders", "sales_orders")
# The finance documents of issue 16 (invoices, customer receipts, supplier bills, payments) have no
# template yet: docs/import.md says so.


def guess_kind(header: list[str]) -> str | None:
    """The template the header belongs to: the one whose columns it names exactly (in any order),
    else the only one whose required columns it has and nothing else; None when unsure (a header
    ``code,name`` fits categories and warehouses alike: the user says which)."""
    names = {h.strip() for h in header if h and h.strip()}
    exact = [kind for kind, t in TEMPLATES.items() if names == set(t.names)]
    if exact:
        return exact[0]
    fits = [kind for kind, t in TEMPLATES.items()
            if {c.name for c in t.columns if c.required} <= names <= set(t.names)]
    return fits[0] if len(fits) == 1 else None


def column_help(column: Column, language: str) -> str:
    """One sentence about the column in the user's language (catalog ``importing.col.<name>``)."""
    return translate(f"importing.col.{column.name}", language)


def template_csv(kind: str) -> bytes:
    """The blank CSV template: the header row only, UTF-8 with a BOM so Excel reads the Chinese
    (written like every export, by ``operational.spreadsheet``)."""
    import pandas as pd

    return frame_to_csv(pd.DataFrame(columns=list(TEMPLATES[kind].names)))


def template_xlsx(kind: str, language: str) -> bytes:
    """The Excel template: sheet ``data`` with the header row, sheet ``help`` describing each column
    (required or not, type, what it refers to) in the user's language."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    template = TEMPLATES[kind]
    book = Workbook()
    data = book.active
    data.title = "data"
    data.append(list(template.names))
    for cell in data[1]:
        cell.font = Font(bold=True)
    help_sheet = book.create_sheet("help")
    help_sheet.append([translate(f"importing.help.{h}", language)
                       for h in ("column", "required", "type", "description")])
    for column in template.columns:
        help_sheet.append([column.name, translate("importing.yes" if column.required else "importing.no", language),
                           translate(f"importing.type.{column.kind}", language), column_help(column, language)])
    return workbook_to_xlsx(book)


# Who may import what on the import page: admins everything, the warehouse its opening stock
# (the same people who enter opening balances by hand).
KINDS_BY_ROLE: dict[str, tuple[str, ...]] = {"admin": ORDER, "warehouse": ("opening_stock",)}


def allowed_kinds(role: str | None) -> tuple[str, ...]:
    return KINDS_BY_ROLE.get(role or "", ())
