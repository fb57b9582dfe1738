"""Spreadsheet-formula injection (docs/security.md, "Exports"): names a clerk typed that a
spreadsheet would run as formulas are exported as inert text, through the real export paths — a
page's CSV / Excel download buttons (the cash accounts table, rendered by the app) and the customer
statement's Excel file — while a real negative balance stays a number."""

from __future__ import annotations

import ast
import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import streamlit as st
from dashboard_support import Company

from operational.db import unit_of_work
from operational.models import AppUser
from operational.services import cash, statements
from operational.services import masterdata as md
from operational.services import receivables as ar
from operational.spreadsheet import frame_to_csv, frame_to_xlsx, is_formula_like

ROOT = Path(__file__).resolve().parents[2]
EVIL = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"]


def _cells(sheet) -> list:  # noqa: ANN001
    return [cell for row in sheet.iter_rows() for cell in row]


def _assert_no_formula(book: openpyxl.Workbook) -> None:
    for sheet in book.worksheets:
        assert [c.coordinate for c in _cells(sheet) if c.data_type == "f"] == []


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes every st.download_button of an AppTest run hands to the browser, by widget key."""
    seen: dict[str, bytes] = {}
    original = st.download_button

    def spy(label, data, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen[kwargs["key"]] = data
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    return seen


def test_cash_accounts_export_shows_typed_names_as_text(app_for, company: Company, downloads) -> None:
    """Four accounts named like formulas; the first may overdraw and sends 150.50 to the second, so
    its balance is −150.50 (a number) and the second's 250.50."""
    with unit_of_work(company.engine) as s:
        finance = s.get(AppUser, company.users["finance"].id)
        ids = [cash.create_account(s, f"A{n}", name, allow_overdraft=(n == 1), opening_balance="100" if n == 2 else 0,
                                   opened_on=date.today(), bank_name=name, user=finance).id
               for n, name in enumerate(EVIL, start=1)]
        cash.transfer(s, ids[0], ids[1], "150.50", date.today(), user=finance)

    at = app_for("finance", page="views/cash.py")
    assert not at.exception

    rows = list(csv.reader(io.StringIO(downloads["cash.acc.export.csv"].decode("utf-8-sig"))))
    header = rows[0]
    name, bank, balance = header.index("账户名称"), header.index("开户行"), header.index("账户余额")
    by_code = {r[0]: r for r in rows[1:]}
    assert [by_code[f"A{n}"][name] for n in range(1, 5)] == ["'" + text for text in EVIL]
    assert [by_code[f"A{n}"][bank] for n in range(1, 5)] == ["'" + text for text in EVIL]
    assert [by_code[f"A{n}"][balance] for n in range(1, 5)] == ["-150.5", "250.5", "0.0", "0.0"]
    # The number is written unquoted (a spreadsheet reads it as a number); text cells are quoted.
    raw = downloads["cash.acc.export.csv"].decode("utf-8-sig")
    assert "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" in raw and ",-150.5," in raw

    book = openpyxl.load_workbook(io.BytesIO(downloads["cash.acc.export.xlsx"]))
    _assert_no_formula(book)
    sheet = book.active
    titles = [c.value for c in sheet[1]]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    for n, text in enumerate(EVIL, start=1):
        cell = rows[f"A{n}"][titles.index("账户名称")]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)  # shown as typed
        assert rows[f"A{n}"][titles.index("开户行")].value == text
    money = rows["A1"][titles.index("账户余额")]
    assert (money.value, money.data_type) == (-150.5, "n")
    assert rows["A2"][titles.index("账户余额")].value == 250.5


def test_customer_statement_excel_has_no_formula(company: Company) -> None:
    """A customer whose code and name look like formulas pays 100.00 in advance: the statement's
    customer cell is text as typed, its closing balance −100.00 a number."""
    with unit_of_work(company.engine) as s:
        customer = md.create_customer(s, '=HYPERLINK("x","y")', "+1+1")
        account = cash.create_account(s, "B01", "@SUM(A1)", opening_balance="0")
        ar.receive_payment(s, customer.id, "100.00", account.id, date.today(), allocation=[])
    with unit_of_work(company.engine) as s:
        statement = statements.build(s, customer.id, date.today(), date.today())
    book = openpyxl.load_workbook(io.BytesIO(statements.to_excel(statement, "en")))
    _assert_no_formula(book)
    sheet = book.active
    assert (sheet["B2"].value, sheet["B2"].data_type) == ('=HYPERLINK("x","y") +1+1', "s")
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["Closing balance", -100.0] in values


def test_the_rule_itself() -> None:
    """Which cells count as formulas, a pivot's typed column title, and numbers kept as numbers."""
    assert [is_formula_like(v) for v in ("=1", "+1", "-1", "@A", "\tx", "\rx", "a=1", "", -1, -1.5, None)] == [
        True, True, True, True, True, True, False, False, False, False, False]
    frame = pd.DataFrame({"=HYPERLINK(\"http://x\")": ["\t=1+1", "普通"], "金额": [-3.25, 4.0]})
    assert frame_to_csv(frame).decode("utf-8-sig").splitlines() == [
        "\"'=HYPERLINK(\"\"http://x\"\")\",\"金额\"", "\"'\t=1+1\",-3.25", "\"普通\",4.0"]
    sheet = openpyxl.load_workbook(io.BytesIO(frame_to_xlsx(frame))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["=HYPERLINK(\"http://x\")", "金额"], ["\t=1+1", -3.25], ["普通", 4.0]]
    assert [c.data_type for c in _cells(sheet)] == ["s", "s", "s", "n", "s", "n"]


def _writers_outside_the_one_place() -> list[str]:
    """Spreadsheet writers in the product's packages that bypass operational/spreadsheet.py."""
    found = []
    # bench/ writes its own synthetic input files (bench/import_lines.py), not exports for users.
    packages = [d for d in sorted(ROOT.iterdir()) if (d / "__init__.py").exists() and d.name not in ("tests", "bench")]
    for path in (p for d in packages for p in sorted(d.rglob("*.py"))):
        if path == ROOT / "operational" / "spreadsheet.py":
            continue
        source = path.read_text(encoding="utf-8")
        if not any(word in source for word in ("to_csv", "to_excel", "ExcelWriter", "csv", "xlsxwriter", "Workbook")):
            continue  # parse only the few files that could write one
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute) and (
                    node.attr in ("ExcelWriter", "DictWriter")
                    or (node.attr == "writer" and isinstance(node.value, ast.Name) and node.value.id == "csv")
                    # a DataFrame's writers; ``statements.to_excel`` is the statement's own (checked above)
                    or (node.attr in ("to_csv", "to_excel")
                        and not (isinstance(node.value, ast.Name) and node.value.id == "statements"))):
                found.append(f"{where}:{node.lineno} {node.attr}")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.startswith("xlsxwriter") for n in names):
                    found.append(f"{where}:{node.lineno} xlsxwriter")
        if "Workbook()" in source and "workbook_to_xlsx" not in source:  # an openpyxl book saved directly
            found.append(f"{where} Workbook")
    return found


def test_every_export_goes_through_the_one_place() -> None:
    """A new CSV / Excel export must use operational.spreadsheet (frame_to_csv, frame_to_xlsx,
    workbook_to_xlsx), where the rule lives; this fails on one that writes a file by itself."""
    assert _writers_outside_the_one_place() == []
