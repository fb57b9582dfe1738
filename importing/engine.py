"""The import: read → validate every row → write all or nothing through the services.

``run_import`` takes one template file (CSV or Excel) or a folder with a mapping file, and:

1. recognises a file imported before by the sha256 of its bytes (``import_batches``) and refuses it;
2. **validates** every row, streaming: required cells, numbers, dates and their bounds (the
   services' own checks in ``operational.services.validation``), text lengths, choices, every code
   it names (in the store, or created by an earlier row or step of the same import), duplicates,
   and for documents that their lines are consecutive and repeat the same header. All errors are
   collected (up to ``MAX_ERRORS`` kept, all counted) with file, row and column; if there is one,
   nothing is written;
3. **writes** in one transaction through the services (``masterdata``, ``purchasing``, ``sales``,
   ``inventory``, ``hr``), flushing every ``CHUNK`` documents; written documents are not kept, so
   the session's weak identity map lets them go and memory stays bounded. A rule only a service can judge (stock that would go negative, a date before the
   company's opening date) raises there; the whole import is then rolled back and that error is
   reported with its row. The import log row is written in the same transaction.

The rows are read twice (once per pass) rather than kept: memory grows with the number of master
codes and document numbers, not with lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from importing.mapping import Mapping, _Tables, load_mapping, mapped_rows
from importing.reader import count_rows, file_hash, iter_rows, read_header
from importing.templates import BOOL, DATE, DECIMAL, INTEGER, ORDER, TEMPLATES, Template, guess_kind
from operational.db import read_only, unit_of_work
from operational.i18n import translate
from operational.models import (
    VALUATION_METHODS,
    WAREHOUSE_KINDS,
    Customer,
    Employee,
    Product,
    ProductCategory,
    Supplier,
    Warehouse,
)
from operational.services import hr, import_batches, inventory, masterdata, purchasing, sales, validation
from operational.services.errors import DomainError, ValidationError
from operational.services.orders import FulfilLineInput, OrderLineInput

MAX_ERRORS = 1000
CHUNK = 200  # documents (or master rows) per flush + session clear
_ENTITY_MODELS: dict[str, tuple[type, str]] = {
    "category": (ProductCategory, "code"), "warehouse": (Warehouse, "code"), "employee": (Employee, "code"),
    "product": (Product, "sku"), "supplier": (Supplier, "code"), "customer": (Customer, "code"),
}
_DOCUMENT_DATES = {"order_date", "ship_date", "receipt_date"}
_TRUE = {"1", "true", "yes", "y", "是", "t"}
_FALSE = {"0", "false", "no", "n", "否", "f", ""}

Progress = Callable[[str, int, int], None]  # (phase "validate" | "write", rows done, rows in all)


@dataclass
class RowError:
    source: str  # file name
    row: int  # row number as a spreadsheet shows it (header = 1); 0: the file as a whole
    column: str | None
    error: DomainError

    def message(self, language: str) -> str:
        return self.error.message(language)


@dataclass
class ImportResult:
    ok: bool
    kind: str
    rows: int = 0
    records: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    batch_id: int | None = None

    def error_table(self, language: str) -> list[dict[str, Any]]:
        """The error report: one row per error, columns named in the user's language."""
        keys = [translate(f"importing.report.{k}", language) for k in ("file", "row", "column", "message")]
        return [dict(zip(keys, (e.source, e.row or "", e.column or "", e.message(language)), strict=True))
                for e in self.errors]


@dataclass
class _Source:
    """One template's rows: from a template file, or from a mapping step."""

    kind: str
    name: str
    rows: Callable[[], Iterator[tuple[int, dict[str, str]]]]
    count: int


class _Context:
    """Codes known per entity (store + earlier rows of this import), ids of written records."""

    def __init__(self, session: Session) -> None:
        self.codes: dict[str, dict[str, int | None]] = {}
        for entity, (model, column) in _ENTITY_MODELS.items():
            col = getattr(model, column)
            self.codes[entity] = {code: id_ for code, id_ in session.execute(select(col, model.id))}
        self.store_codes = {e: set(c) for e, c in self.codes.items()}


def run_import(engine: Engine, path: Path, *, kind: str | None = None, mapping: Path | None = None,
               user_id: int | None = None, progress: Progress | None = None,
               display_name: str | None = None, check_only: bool = False) -> ImportResult:
    """Import a template file (``kind`` guessed from its header when not given) or, with
    ``mapping``, the folder ``path`` through that mapping. Never raises a DomainError: every
    problem is in the result's errors. ``check_only``: the check pass alone, nothing written
    (``ok`` then means the file passed it)."""
    name = display_name or path.name
    try:
        sources, files, batch_kind = _sources(path, kind, mapping)
        content_hash = file_hash(files)
        with read_only(engine) as session:
            import_batches.check_not_imported(session, content_hash, name)
    except DomainError as exc:
        return ImportResult(False, kind or "", errors=[RowError(name, 0, None, exc)], error_count=1)
    total = sum(s.count for s in sources)
    result = ImportResult(False, batch_kind, rows=total)
    report = progress or (lambda *_: None)
    with read_only(engine) as session:
        context = _Context(session)
    try:
        done = 0
        for source in sources:
            done = _validate(source, context, result, done, total, report)
        result.rows = total = done  # the rows read (the first count is an upper bound, for the progress bar)
    except DomainError as exc:  # the file itself cannot be read on (bad CSV, too many rows)
        _add(result, RowError(source.name, exc.params.get("line_no") or 0, None, exc))
    if result.error_count:
        order = {s.name: n for n, s in enumerate(sources)}
        result.errors.sort(key=lambda e: (order.get(e.source, -1), e.row))  # stable: a row's cells stay in order
        return result
    if check_only:
        result.ok = True
        return result
    try:
        with unit_of_work(engine) as session:
            context = _Context(session)
            done = 0
            records = 0
            for source in sources:
                done, written = _write(session, source, context, done, total, report)
                records += written
            batch = import_batches.record_import(session, content_hash, batch_kind, name, rows=total,
                                                 records=records, user_id=user_id)
            result.records, result.batch_id = records, batch.id
    except _RowFailure as failure:
        _add(result, RowError(failure.source, failure.row, failure.column, failure.error))
        return result
    except DomainError as exc:
        _add(result, RowError(name, 0, None, exc))
        return result
    result.ok = True
    return result


def _sources(path: Path, kind: str | None, mapping: Path | None) -> tuple[list[_Source], list[Path], str]:
    if mapping is not None:
        if not path.is_dir():
            raise ValidationError("import_mapping_needs_folder", record=path.name)
        loaded: Mapping = load_mapping(mapping, path)
        tables = _Tables()
        sources = [_Source(step.kind, step.source.name, (lambda step=step: mapped_rows(loaded, step, tables)),
                           min(count_rows(step.source), step.limit or 1 << 62)) for step in loaded.steps]
        return sources, loaded.files(), f"mapping:{loaded.name}"[:30]
    if not path.is_file():
        raise ValidationError("import_no_file", record=path.name)
    if kind is None:
        kind = guess_kind(read_header(path))
        if kind is None:
            raise ValidationError("import_unknown_header", record=path.name)
    if kind not in TEMPLATES:
        raise ValidationError("import_unknown_kind", record=path.name, kind=kind)
    header = read_header(path)
    template = TEMPLATES[kind]
    missing = [c.name for c in template.columns if c.required and c.name not in header]
    unknown = [h for h in header if h and h not in template.names]
    if missing or unknown:
        raise ValidationError("import_header_mismatch", record=path.name, missing=", ".join(missing) or "-",
                              unknown=", ".join(unknown) or "-")
    return [_Source(kind, path.name, lambda: iter_rows(path), count_rows(path))], [path], kind


def _add(result: ImportResult, error: RowError) -> None:
    result.error_count += 1
    if len(result.errors) < MAX_ERRORS:
        result.errors.append(error)


# --- pass 1: validation -----------------------------------------------------------------------------

def _parse(template: Template, row: dict[str, str], row_no: int, source: str,
           errors: Callable[[RowError], None]) -> tuple[dict[str, Any], bool]:
    """The row's typed values (None for a bad cell, after reporting it) and whether all were good."""
    values: dict[str, Any] = {}
    ok = True
    for column in template.columns:
        text = row.get(column.name, "") or ""
        try:
            values[column.name] = _typed(column.name, column.kind, text, column.required, column.max_length)
        except DomainError as exc:
            exc.params.pop("line_no", None)
            errors(RowError(source, row_no, column.name, exc))
            values[column.name] = None
            ok = False
    return values, ok


def _typed(name: str, kind: str, text: str, required: bool, max_length: int) -> Any:
    if not text:
        if required:
            raise ValidationError("required", field=name, field_label=f"field.{name}")
        return None
    if kind == DECIMAL:
        return validation.to_decimal(text, name)
    if kind == INTEGER:
        number = validation.to_decimal(text, name, limit=Decimal(100_000))
        if number != number.to_integral_value() or number < 0:
            raise ValidationError("import_not_whole", field=name, field_label=f"field.{name}", value=text[:30])
        return int(number)
    if kind == DATE:
        if name in _DOCUMENT_DATES or name == "opening_date":
            return validation.document_date(text[:10], name, session=None)
        return validation.required_date(text[:10], name)
    if kind == BOOL:
        lowered = text.lower()
        if lowered not in _TRUE | _FALSE:
            raise ValidationError("import_not_bool", field=name, field_label=f"field.{name}", value=text[:30])
        return lowered in _TRUE
    if len(text) > max_length:
        raise ValidationError("too_long", field=name, field_label=f"field.{name}", max_length=max_length,
                              length=len(text), entity="importing.row")
    return text


_CHOICES = {"valuation_method": VALUATION_METHODS, "warehouse_kind": WAREHOUSE_KINDS}


def _validate(source: _Source, context: _Context, result: ImportResult, done: int, total: int,
              report: Progress) -> int:
    template = TEMPLATES[source.kind]
    seen_docs: set[str] = set()
    current: tuple[str, dict[str, Any]] | None = None
    defined = context.codes[template.defines] if template.defines else None
    later: list[tuple[int, str, str]] = []
    for row_no, row in source.rows():
        done += 1
        if done % 5000 == 0:
            report("validate", done, total)
        # A bad cell is reported and the row's other cells are still checked (all errors at once).
        values, _ = _parse(template, row, row_no, source.name, lambda e: _add(result, e))

        def fail(column: str | None, code: str, row_no: int = row_no, **params: Any) -> None:
            _add(result, RowError(source.name, row_no, column, ValidationError(code, field=column, **params)))

        for column in template.columns:
            value = values.get(column.name)
            if column.ref and value is not None and value not in context.codes[column.ref]:
                if template.defines == column.ref:  # may be defined by a later row: checked at the end
                    later.append((row_no, column.name, value))
                else:
                    fail(column.name, "not_found", entity=f"entity.{column.ref}", key=value)
            if column.name in _CHOICES and value is not None and value not in _CHOICES[column.name]:
                fail(column.name, "invalid_choice", field_label=f"field.{column.name}", value=value)
        if defined is not None and values[template.key] is not None:
            code = values[template.key]
            if code in defined:
                fail(template.key, "duplicate", entity=f"entity.{template.defines}", key=code)
            else:
                defined[code] = None
        if template.document:
            doc = values["order_no"] or ""
            header = {c.name: values.get(c.name) for c in template.columns if c.header}
            if current is None or current[0] != doc:
                if doc in seen_docs:
                    fail("order_no", "import_lines_apart", order_no=doc)
                seen_docs.add(doc)
                current = (doc, header)
            else:
                for name, value in header.items():
                    if value != current[1][name]:
                        fail(name, "import_header_differs", order_no=doc, field_label=f"field.{name}")
            _check_document_line(template, values, fail)
    for row_no, column_name, value in later:
        if value not in context.codes[template.defines or ""]:
            _add(result, RowError(source.name, row_no, column_name, ValidationError(
                "not_found", field=column_name, entity=f"entity.{template.defines}", key=value)))
    report("validate", done, total)
    return done


def _check_document_line(template: Template, values: dict[str, Any], fail: Callable[..., None]) -> None:
    done_col, date_col = (("shipped_qty", "ship_date") if template.kind == "sales_orders"
                          else ("received_qty", "receipt_date"))
    quantity = values.get("quantity")
    if quantity is not None and quantity <= 0:
        fail("quantity", "must_be_positive", field_label="field.quantity")
    if values.get("unit_price") is not None and values["unit_price"] < 0:
        fail("unit_price", "must_not_be_negative", field_label="field.unit_price")
    rate = values.get("discount_rate")
    if rate is not None and not Decimal(0) <= rate < 1:
        fail("discount_rate", "invalid_rate", field_label="field.discount_rate")
    done = values.get(done_col)
    if done is not None:
        if values.get(date_col) is None:
            fail(date_col, "required", field_label=f"field.{date_col}")
        if done < 0 or (quantity is not None and done > quantity):
            fail(done_col, "import_done_beyond_ordered", field_label=f"field.{done_col}")
    fulfilled = values.get(date_col)
    if fulfilled is not None and values.get("order_date") is not None and fulfilled < values["order_date"]:
        fail(date_col, "date_order", field_label=f"field.{date_col}", other_label="field.order_date")


# --- pass 2: writing --------------------------------------------------------------------------------

class _RowFailure(Exception):
    def __init__(self, source: str, row: int, column: str | None, error: DomainError) -> None:
        super().__init__(error.message())
        self.source, self.row, self.column, self.error = source, row, column, error


def _typed_rows(source: _Source) -> Iterator[tuple[int, dict[str, Any]]]:
    template = TEMPLATES[source.kind]
    for row_no, row in source.rows():
        values, _ = _parse(template, row, row_no, source.name, _raise)
        yield row_no, values


def _raise(error: RowError) -> None:
    raise _RowFailure(error.source, error.row, error.column, error.error)


def _documents(rows: Iterable[tuple[int, dict[str, Any]]]) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    group: list[tuple[int, dict[str, Any]]] = []
    for item in rows:
        if group and item[1]["order_no"] != group[0][1]["order_no"]:
            yield group
            group = []
        group.append(item)
    if group:
        yield group


def _write(session: Session, source: _Source, context: _Context, done: int, total: int,
           report: Progress) -> tuple[int, int]:
    template = TEMPLATES[source.kind]
    writer = _WRITERS[source.kind]
    written = 0
    units: Iterable[list[tuple[int, dict[str, Any]]]] = (
        _documents(_typed_rows(source)) if template.document else ([item] for item in _typed_rows(source)))
    opening = validation.opening_date(session) if template.document else None
    # The services look every partner, warehouse and product up by id for every document: held
    # here, they stay in the session's identity map (which keeps only weak references), so each
    # look-up is a dict access instead of a SELECT (measured: 40 % of the time without).
    masters = ([session.execute(select(model)).scalars().all() for model, _ in _ENTITY_MODELS.values()]
               if template.document else [])
    managers: dict[int, str] = {}
    with validation.known_opening_date(opening):
        for unit in units:
            try:
                writer(session, context, unit, managers)
            except DomainError as exc:
                raise _RowFailure(source.name, _failing_row(unit, exc), _column_of(exc), exc) from None
            done += len(unit)
            written += 1
            if written % CHUNK == 0:
                # Everything written so far is in the transaction; the written documents are no
                # longer referenced, so the session drops them: memory stays flat.
                session.flush()
                report("write", done, total)
    if managers:
        try:
            hr.set_managers(session, {context.codes["employee"][code]: context.codes["employee"][boss]
                                      for code, boss in managers.items()})
        except DomainError as exc:
            raise _RowFailure(source.name, 0, "manager_code", exc) from None
    session.flush()
    del masters
    report("write", done, total)
    return done, written


def _failing_row(unit: list[tuple[int, dict[str, Any]]], exc: DomainError) -> int:
    line_no = exc.params.get("line_no")
    if isinstance(line_no, int) and 1 <= line_no <= len(unit):
        return unit[line_no - 1][0]
    return unit[0][0]


_SERVICE_FIELDS = {"product_id": "sku", "customer_id": "customer_code", "supplier_id": "supplier_code",
                   "warehouse_id": "warehouse_code", "category_id": "category_code"}


def _column_of(exc: DomainError) -> str | None:
    if not exc.field:
        return None
    name = exc.field.rsplit(".", 1)[-1]
    return _SERVICE_FIELDS.get(name, name)


def _id(context: _Context, entity: str, code: str | None) -> int | None:
    return None if code is None else context.codes[entity][code]


def _write_category(session: Session, context: _Context, unit: list, _m: dict) -> None:
    v = unit[0][1]
    cat = masterdata.create_category(session, v["code"], v["name"], _id(context, "category", v["parent_code"]))
    context.codes["category"][cat.code] = cat.id


def _write_warehouse(session: Session, context: _Context, unit: list, _m: dict) -> None:
    v = unit[0][1]
    wh = masterdata.create_warehouse(session, v["code"], v["name"], v["address"], kind=v["warehouse_kind"] or "normal")
    context.codes["warehouse"][wh.code] = wh.id


def _write_employee(session: Session, context: _Context, unit: list, managers: dict) -> None:
    v = unit[0][1]
    emp = masterdata.create_employee(session, v["code"], v["name"], department=v["department"],
                                     position=v["position"], hire_date=v["hire_date"], phone=v["phone"],
                                     email=v["email"])
    context.codes["employee"][emp.code] = emp.id
    if v["manager_code"]:  # set once every employee of the file exists (a manager may come later)
        managers[emp.code] = v["manager_code"]


def _write_product(session: Session, context: _Context, unit: list, _m: dict) -> None:
    v = unit[0][1]
    product = masterdata.create_product(
        session, v["sku"], v["name"], category_id=_id(context, "category", v["category_code"]),
        unit=v["unit"] or "个", barcode=v["barcode"], spec=v["spec"],
        valuation_method=v["valuation_method"] or "moving_average", allow_negative=bool(v["allow_negative"]),
        list_price=v["list_price"] or 0, standard_cost=v["standard_cost"] or 0)
    if v["tax_rate_code"]:
        from operational.services import tax

        tax.set_default_code(session, product, v["tax_rate_code"])
    context.codes["product"][product.sku] = product.id


def _write_supplier(session: Session, context: _Context, unit: list, _m: dict) -> None:
    v = unit[0][1]
    extra = {k: v[k] for k in ("contact", "phone", "email", "address") if v[k]}
    supplier = masterdata.create_supplier(
        session, v["code"], v["name"], lead_time_days=v["lead_time_days"] if v["lead_time_days"] is not None else 7,
        payment_terms_days=v["payment_terms_days"] if v["payment_terms_days"] is not None else 30,
        prices_include_tax=bool(v["prices_include_tax"]), **extra)
    context.codes["supplier"][supplier.code] = supplier.id


def _write_supplier_price(session: Session, context: _Context, unit: list, _m: dict) -> None:
    v = unit[0][1]
    purchasing.set_supplier_price(
        session, _id(context, "supplier", v["supplier_code"]), _id(context, "product", v["sku"]), v["price"],
        v["valid_from"], min_order_qty=v["min_order_qty"] or 0, order_multiple=v["order_multiple"] or 1,
        lead_time_days=v["lead_time_days"], is_preferred=bool(v["is_preferred"]))


def _write_customer(session: Session, context: _Context, unit: list, _m: dict) -> None:
    v = unit[0][1]
    extra = {k: v[k] for k in ("contact", "phone", "email", "address", "region") if v[k]}
    if v["discount_rate"] is not None:
        extra["discount_rate"] = validation.rate(v["discount_rate"], "discount_rate", record=v["code"])
    customer = masterdata.create_customer(
        session, v["code"], v["name"], credit_limit=v["credit_limit"] or 0,
        payment_terms_days=v["payment_terms_days"] if v["payment_terms_days"] is not None else 30,
        salesperson_id=_id(context, "employee", v["salesperson_code"]),
        prices_include_tax=bool(v["prices_include_tax"]), **extra)
    context.codes["customer"][customer.code] = customer.id


def _write_opening(session: Session, context: _Context, unit: list, _m: dict) -> None:
    v = unit[0][1]
    quantity = validation.positive(v["quantity"], "quantity", record=v["sku"])
    cost = validation.non_negative(v["unit_cost"], "unit_cost", record=v["sku"])
    inventory.post_opening_balance(session, _id(context, "product", v["sku"]),
                                   _id(context, "warehouse", v["warehouse_code"]), quantity, cost,
                                   v["opening_date"], doc_no="OPENING")


def _note(v: dict[str, Any]) -> str:
    source = translate("importing.note_source", order_no=v["order_no"])
    return f"{source} {v['note']}" if v.get("note") else source


def _order_lines(context: _Context, unit: list) -> list[OrderLineInput]:
    return [OrderLineInput(_id(context, "product", v["sku"]), v["quantity"], v["unit_price"],
                           v["discount_rate"] if v["discount_rate"] is not None else Decimal(0),
                           tax_rate_code=v["tax_rate_code"]) for _, v in unit]


def _fulfil_lines(order: Any, unit: list, done_col: str) -> list[FulfilLineInput]:
    return [FulfilLineInput(line.id, v[done_col] if v[done_col] is not None else line.quantity)
            for line, (_, v) in zip(order.lines, unit, strict=True)
            if (v[done_col] is None or v[done_col] > 0)]


def _write_sales_order(session: Session, context: _Context, unit: list, _m: dict) -> None:
    v = unit[0][1]
    order = sales.create_sales_order(
        session, _id(context, "customer", v["customer_code"]), _id(context, "warehouse", v["warehouse_code"]),
        v["order_date"], _order_lines(context, unit), required_date=v["required_date"],
        salesperson_id=_id(context, "employee", v["salesperson_code"]), note=_note(v))
    sales.confirm_sales_order(session, order.id)
    if v["ship_date"] is not None:
        lines = _fulfil_lines(order, unit, "shipped_qty")
        if lines:
            sales.ship_goods(session, order.id, v["ship_date"], lines)


def _write_purchase_order(session: Session, context: _Context, unit: list, _m: dict) -> None:
    v = unit[0][1]
    order = purchasing.create_purchase_order(
        session, _id(context, "supplier", v["supplier_code"]), _id(context, "warehouse", v["warehouse_code"]),
        v["order_date"], _order_lines(context, unit), expected_date=v["expected_date"], note=_note(v))
    purchasing.confirm_purchase_order(session, order.id)
    if v["receipt_date"] is not None:
        lines = _fulfil_lines(order, unit, "received_qty")
        if lines:
            purchasing.receive_goods(session, order.id, v["receipt_date"], lines)


_WRITERS: dict[str, Callable[[Session, _Context, list, dict], None]] = {
    "categories": _write_category, "warehouses": _write_warehouse, "employees": _write_employee,
    "products": _write_product, "suppliers": _write_supplier, "supplier_prices": _write_supplier_price,
    "customers": _write_customer, "opening_stock": _write_opening, "sales_orders": _write_sales_order,
    "purchase_orders": _write_purchase_order,
}
assert set(_WRITERS) == set(ORDER) == set(TEMPLATES)
