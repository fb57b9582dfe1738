"""Reading import files lazily: CSV row by row, Excel sheet ``data`` (or the first sheet) through
openpyxl's read-only mode, so a file of a million lines never sits in memory as a whole.

Every row comes with its row number as a spreadsheet shows it (the header is row 1), which is
what the error report names.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from operational.services.errors import ValidationError

CSV_SUFFIXES = (".csv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
MAX_ROWS = 5_000_000  # a bound on any one file: beyond it, split the file
MAX_FIELD = 10_000  # characters in one cell


def file_hash(paths: Iterable[Path]) -> str:
    """sha256 over the bytes of the files, in the order given (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _check_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in CSV_SUFFIXES + EXCEL_SUFFIXES:
        raise ValidationError("import_file_type", record=path.name, suffix=suffix or "-")
    return suffix


def count_rows(path: Path) -> int:
    """Data rows (without the header), for the progress bar: CSV lines counted in binary chunks (a
    quoted cell spanning lines counts twice, so it is an upper bound), Excel's sheet dimension."""
    if _check_suffix(path) in EXCEL_SUFFIXES:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book["data"] if "data" in book.sheetnames else book.worksheets[0]
            return max(0, (sheet.max_row or 1) - 1)
        finally:
            book.close()
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return max(0, lines + (last != b"\n") - 1)


def _cell(value: Any) -> str:
    """An Excel cell as the text a CSV would hold: dates ISO, whole floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(Decimal(repr(value)))
    return str(value)


def read_header(path: Path) -> list[str]:
    for header, _ in _rows(path, header_only=True):
        return header
    return []


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for every non-blank data row. Cells are stripped; columns
    beyond the header are an error of the row (a misplaced separator)."""
    for header, item in _rows(path):
        if item is None:
            continue
        row_no, cells = item
        if row_no > MAX_ROWS + 1:
            raise ValidationError("import_too_many_rows", record=path.name, limit=f"{MAX_ROWS:,}")
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise ValidationError("import_extra_cells", record=path.name, line_no=row_no)
        for cell in cells:
            if len(cell) > MAX_FIELD:
                raise ValidationError("import_cell_too_long", record=path.name, line_no=row_no,
                                      limit=f"{MAX_FIELD:,}")
        yield row_no, {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}


def _rows(path: Path, *, header_only: bool = False
          ) -> Iterator[tuple[list[str], tuple[int, list[str]] | None]]:
    suffix = _check_suffix(path)
    if suffix in EXCEL_SUFFIXES:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = book["data"] if "data" in book.sheetnames else book.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = [_cell(v).strip() for v in next(rows, ())]
            yield header, None
            if header_only:
                return
            for n, values in enumerate(rows, start=2):
                yield header, (n, [_cell(v) for v in values])
        finally:
            book.close()
        return
    # utf-8-sig: a BOM (Excel's "CSV UTF-8") is not part of the first column's name.
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip() for h in next(reader, [])]
            yield header, None
            if header_only:
                return
            for values in reader:
                yield header, (reader.line_num, values)
        except UnicodeDecodeError:
            raise ValidationError("import_not_utf8", record=path.name) from None
        except csv.Error as exc:
            raise ValidationError("import_bad_csv", record=path.name, line_no=reader.line_num,
                                  detail=str(exc)[:100]) from None
