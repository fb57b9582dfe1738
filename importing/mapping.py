"""Mapping files: how another system's CSV export becomes JXC's import templates.

A mapping is a TOML file (``importing/mappings/northwind.toml`` is the documented example). Each
``[[step]]`` names a template ``kind`` and its ``source`` file (relative to the folder being
imported), and says for every template column where its value comes from:

- ``"Column"``: that column of the source row;
- ``{ value = "NW" }``: a constant;
- ``{ template = "NW-P{ProductID}" }``: text with ``{Column}`` placeholders (plain names only);
- ``{ lookup = "Orders.csv", key = "OrderID", column = "OrderDate" }``: the ``column`` of the row
  of another file whose ``key`` equals this row's ``key`` (``on`` names this row's column when it
  is called differently). Lookup files are read whole, so they must be master-sized (≤ 500,000 rows);
- ``{ sum = "Order_Details.csv", key = "ProductID", column = "Quantity" }``: the sum of ``column``
  over the rows of another file whose ``key`` equals this row's;
- ``{ add = [spec, spec] }`` and ``{ multiply = [spec, spec] }``: decimal arithmetic of specs;
- any spec may add ``format = "NW-E{}"`` (the value put into the braces, blanks stay blank) and
  ``default = "…"`` (used when the value is blank).

A step may say ``limit = 1`` to take only the source's first row (a constant record such as the one
warehouse). No spec runs code: placeholders are column names, arithmetic is Decimal addition and multiplication.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from importing.reader import iter_rows
from importing.templates import ORDER, TEMPLATES
from operational.services.errors import ValidationError

LOOKUP_MAX_ROWS = 500_000
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass
class Step:
    kind: str
    source: Path
    columns: dict[str, Any]
    limit: int | None = None  # only the first rows of the source (a constant record from any file)


@dataclass
class Mapping:
    name: str
    path: Path
    folder: Path
    steps: list[Step]

    def files(self) -> list[Path]:
        """Every file the import reads: the mapping itself, then each source and lookup file once."""
        found = [self.path]
        for step in self.steps:
            for path in [step.source, *(_side_files(self.folder, step.columns))]:
                if path not in found:
                    found.append(path)
        return found


def load_mapping(path: Path, folder: Path) -> Mapping:
    """Read and check a mapping file against the templates; every problem is a ValidationError
    naming the step and column."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError("mapping_unreadable", record=path.name, detail=str(exc)[:120]) from None
    steps = []
    last = -1
    for n, raw in enumerate(data.get("step", []), start=1):
        kind = raw.get("kind")
        where = f"{path.name} step {n}"
        if kind not in TEMPLATES:
            raise ValidationError("import_unknown_kind", record=where, kind=str(kind))
        if ORDER.index(kind) < last:
            raise ValidationError("mapping_step_order", record=where, kind=kind)
        last = ORDER.index(kind)
        source = _inside(folder, raw.get("source"), where)
        columns = dict(raw.get("columns", {}))
        template = TEMPLATES[kind]
        for name in columns:
            if name not in template.names:
                raise ValidationError("mapping_unknown_column", record=where, column=name, kind=kind)
        for column in template.columns:
            if column.required and column.name not in columns:
                raise ValidationError("mapping_missing_column", record=where, column=column.name, kind=kind)
        for spec in columns.values():
            _check_spec(spec, folder, where)
        limit = raw.get("limit")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValidationError("mapping_bad_spec", record=where, spec=f"limit = {limit}")
        steps.append(Step(kind, source, columns, limit))
    if not steps:
        raise ValidationError("mapping_no_steps", record=path.name)
    return Mapping(str(data.get("name") or path.stem), path, folder, steps)


def _inside(folder: Path, name: Any, where: str) -> Path:
    """A file named by the mapping, which must lie inside the imported folder (no ../, no absolute path)."""
    if not isinstance(name, str) or not name:
        raise ValidationError("mapping_bad_file", record=where, file=str(name))
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents or not path.is_file():
        raise ValidationError("mapping_bad_file", record=where, file=name)
    return path


_SPEC_KEYS = {"value", "template", "lookup", "sum", "add", "multiply"}


def _check_spec(spec: Any, folder: Path, where: str) -> None:
    if isinstance(spec, str):
        return
    if not isinstance(spec, dict) or len(_SPEC_KEYS & spec.keys()) != 1:
        raise ValidationError("mapping_bad_spec", record=where, spec=str(spec)[:80])
    for key in ("lookup", "sum"):
        if key in spec:
            _inside(folder, spec[key], where)
            if not spec.get("key") or not spec.get("column"):
                raise ValidationError("mapping_bad_spec", record=where, spec=str(spec)[:80])
    for key in ("add", "multiply"):
        if key in spec:
            for part in spec[key]:
                _check_spec(part, folder, where)


def _side_files(folder: Path, columns: dict[str, Any]) -> Iterator[Path]:
    for spec in columns.values():
        yield from _spec_files(folder, spec)


def _spec_files(folder: Path, spec: Any) -> Iterator[Path]:
    if isinstance(spec, dict):
        for key in ("lookup", "sum"):
            if key in spec:
                yield (folder / spec[key]).resolve()
        for key in ("add", "multiply"):
            for part in spec.get(key, []):
                yield from _spec_files(folder, part)


class _Tables:
    """Lookup and sum tables, each read once per import."""

    def __init__(self) -> None:
        self.paths: dict[tuple[Path, str], Path] = {}
        self.lookups: dict[tuple[Path, str], dict[str, dict[str, str]]] = {}
        self.sums: dict[tuple[Path, str, str], dict[str, Decimal]] = {}

    def path(self, folder: Path, name: str) -> Path:
        """``folder / name`` resolved once (resolving for every cell cost more than reading the file)."""
        if (folder, name) not in self.paths:
            self.paths[(folder, name)] = (folder / name).resolve()
        return self.paths[(folder, name)]

    def lookup(self, path: Path, key: str) -> dict[str, dict[str, str]]:
        if (path, key) not in self.lookups:
            table: dict[str, dict[str, str]] = {}
            for n, row in iter_rows(path):
                if n > LOOKUP_MAX_ROWS + 1:
                    raise ValidationError("mapping_lookup_too_large", record=path.name, limit=f"{LOOKUP_MAX_ROWS:,}")
                table.setdefault(row.get(key, ""), row)
            self.lookups[(path, key)] = table
        return self.lookups[(path, key)]

    def sum(self, path: Path, key: str, column: str) -> dict[str, Decimal]:
        if (path, key, column) not in self.sums:
            totals: dict[str, Decimal] = {}
            for _, row in iter_rows(path):
                try:
                    value = Decimal(row.get(column) or 0)
                except InvalidOperation:
                    raise ValidationError("invalid_number", record=path.name, field=column,
                                          field_label=column, value=row.get(column)) from None
                totals[row.get(key, "")] = totals.get(row.get(key, ""), Decimal(0)) + value
            self.sums[(path, key, column)] = totals
        return self.sums[(path, key, column)]


def mapped_rows(mapping: Mapping, step: Step, tables: _Tables | None = None
                ) -> Iterator[tuple[int, dict[str, str]]]:
    """The step's source rows turned into template rows, lazily, with the source row numbers."""
    tables = tables or _Tables()
    for n, (row_no, row) in enumerate(iter_rows(step.source), start=1):
        if step.limit is not None and n > step.limit:
            return
        yield row_no, {name: _value(mapping.folder, spec, row, tables, row_no, step)
                       for name, spec in step.columns.items()}


def _value(folder: Path, spec: Any, row: dict[str, str], tables: _Tables, row_no: int, step: Step) -> str:
    if isinstance(spec, str):
        if spec not in row:
            raise ValidationError("mapping_no_source_column", record=step.source.name, column=spec)
        value = row[spec]
    elif "value" in spec:
        value = str(spec["value"])
    elif "template" in spec:
        value = _PLACEHOLDER.sub(lambda m: row.get(m.group(1), ""), str(spec["template"]))
    elif "lookup" in spec:
        found = tables.lookup(tables.path(folder, spec["lookup"]), spec["key"]).get(row.get(spec.get("on", spec["key"]), ""))
        value = (found or {}).get(spec["column"], "")
    elif "sum" in spec:
        total = tables.sum(tables.path(folder, spec["sum"]), spec["key"], spec["column"])
        value = str(total.get(row.get(spec.get("on", spec["key"]), ""), Decimal(0)))
    else:
        op = "add" if "add" in spec else "multiply"
        parts = [_value(folder, part, row, tables, row_no, step) for part in spec[op]]
        try:
            numbers = [Decimal(p or 0) for p in parts]
        except InvalidOperation:
            raise ValidationError("invalid_number", record=step.source.name, line_no=row_no, field=op,
                                  field_label=op, value=",".join(parts)[:30]) from None
        result = numbers[0]
        for number in numbers[1:]:
            result = result + number if op == "add" else result * number
        value = str(result)
    if isinstance(spec, dict):
        if not value and "default" in spec:
            value = str(spec["default"])
        if value and "format" in spec:
            value = str(spec["format"]).replace("{}", value)
    return value
