"""The importer on a real SQLite store: every error at once by row and column in both languages,
all or nothing (also when a service refuses a row during writing), re-import refused by content
hash, Excel templates round-trip, `jxc import` with its error report, mapping files kept inside
their folder."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from importing.engine import run_import
from importing.report import error_csv
from importing.templates import TEMPLATES, guess_kind, template_csv, template_xlsx
from operational.db import read_only
from operational.models import (
    Customer,
    Employee,
    ImportBatch,
    Product,
    ProductCategory,
    PurchaseOrder,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    SupplierPrice,
    Warehouse,
)
from orchestration.cli import app

MASTERS = {
    "categories.csv": "code,name,parent_code\nDRINK,饮料,\nTEA,茶,DRINK\n",
    "warehouses.csv": "code,name,address,warehouse_kind\nWH1,上海主仓,,normal\n",
    # E1 reports to E2, a later row of the same file
    "employees.csv": "code,name,department,manager_code,hire_date\nE1,张三,销售部,E2,2020-03-01\nE2,李四,销售部,,2019-01-01\n",
    "products.csv": "sku,name,category_code,list_price,standard_cost\nP1,绿茶,TEA,5,2\nP2,红茶,TEA,6,3\n",
    "customers.csv": "code,name,region,salesperson_code\nC1,苏州便利,华东,E1\n",
    "opening.csv": "sku,warehouse_code,quantity,unit_cost,opening_date\nP1,WH1,100,2,2024-01-01\nP2,WH1,10,3,2024-01-01\n",
}
SALES_HEADER = "order_no,order_date,customer_code,warehouse_code,salesperson_code,ship_date,sku,quantity,unit_price,discount_rate\n"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _masters(engine: Engine, folder: Path) -> None:
    for name, text in MASTERS.items():
        result = run_import(engine, _write(folder, name, text))
        assert result.ok, (name, [e.message("en") for e in result.errors])


def _count(engine: Engine, model: type) -> int:
    with read_only(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_masters_opening_and_sales_history_are_written_through_the_services(store_engine: Engine,
                                                                            tmp_path: Path) -> None:
    _masters(store_engine, tmp_path)
    with read_only(store_engine) as s:
        e1 = s.execute(select(Employee).where(Employee.code == "E1")).scalar_one()
        e2 = s.execute(select(Employee).where(Employee.code == "E2")).scalar_one()
        assert e1.manager_id == e2.id and e1.hire_date == date(2020, 3, 1)
        tea = s.execute(select(ProductCategory).where(ProductCategory.code == "TEA")).scalar_one()
        assert s.execute(select(Product.category_id).where(Product.sku == "P1")).scalar_one() == tea.id
        assert s.execute(select(Customer.salesperson_id).where(Customer.code == "C1")).scalar_one() == e1.id
    sales = _write(tmp_path, "sales.csv", SALES_HEADER
                   + "A-1,2024-02-01,C1,WH1,E1,2024-02-03,P1,10,5,0.1\n"
                   + "A-1,2024-02-01,C1,WH1,E1,2024-02-03,P2,3,6,\n"
                   + "A-2,2024-02-05,C1,WH1,E1,,P1,1,5,0\n")
    result = run_import(store_engine, sales)
    assert result.ok and result.kind == "sales_orders" and result.records == 2 and result.rows == 3
    with read_only(store_engine) as s:
        orders = s.execute(select(SalesOrder).order_by(SalesOrder.id)).scalars().all()
        assert [o.status for o in orders] == ["completed", "confirmed"]
        assert orders[0].total_amount == Decimal("63.00")  # 10 × 5 × 0.9 + 3 × 6
        assert "A-1" in orders[0].note
        assert s.execute(select(StockBalance.quantity).join(Product).where(Product.sku == "P1")).scalar_one() == 90


def test_purchase_history_with_partial_receipts_and_supplier_prices(store_engine: Engine, tmp_path: Path) -> None:
    _masters(store_engine, tmp_path)
    assert run_import(store_engine, _write(tmp_path, "suppliers.csv", "code,name,lead_time_days\nS1,杭州茶厂,5\n")).ok
    prices = "supplier_code,sku,price,valid_from,is_preferred\nS1,P1,2.2,2024-01-01,1\n"
    assert run_import(store_engine, _write(tmp_path, "prices.csv", prices)).ok
    purchases = _write(tmp_path, "po.csv",
                       "order_no,order_date,supplier_code,warehouse_code,receipt_date,sku,quantity,unit_price,received_qty\n"
                       "PO-9,2024-03-01,S1,WH1,2024-03-04,P1,50,2.2,30\n"
                       "PO-9,2024-03-01,S1,WH1,2024-03-04,P2,5,3,0\n")
    result = run_import(store_engine, purchases)
    assert result.ok and result.kind == "purchase_orders"
    with read_only(store_engine) as s:
        order = s.execute(select(PurchaseOrder)).scalar_one()
        assert order.status == "partial" and order.total_amount == Decimal("125.00")
        assert [line.received_qty for line in order.lines] == [30, 0]
        assert s.execute(select(StockBalance.quantity).join(Product).where(Product.sku == "P1")).scalar_one() == 130
        assert s.execute(select(SupplierPrice.price)).scalar_one() == Decimal("2.2")


def test_every_error_is_reported_by_row_and_column_and_nothing_is_written(store_engine: Engine,
                                                                          tmp_path: Path) -> None:
    _masters(store_engine, tmp_path)
    bad = _write(tmp_path, "sales.csv", SALES_HEADER
                 + "A-1,2024-02-01,C1,WH1,E1,2024-02-03,P1,10,5,0.1\n"   # good
                 + "A-2,2024-13-01,C9,WH1,E1,,P1,-1,abc,\n"              # bad date, customer, quantity, price
                 + "A-3,2024-02-05,C1,WH1,E1,2024-02-01,P7,1,5,1.5\n"    # ship before order, product, discount
                 + "A-1,2024-02-01,C1,WH1,E1,2024-02-03,P2,1,5,0\n")     # A-1 again, apart
    result = run_import(store_engine, bad)
    assert not result.ok and result.records == 0
    found = {(e.row, e.column) for e in result.errors}
    assert found == {(3, "order_date"), (3, "customer_code"), (3, "quantity"), (3, "unit_price"),
                     (4, "sku"), (4, "discount_rate"), (4, "ship_date"), (5, "order_no")}
    assert _count(store_engine, SalesOrder) == 0
    messages = {(e.row, e.column): (e.message("zh_CN"), e.message("en")) for e in result.errors}
    assert messages[(3, "customer_code")] == ("客户不存在：C9", "customer not found: C9")
    assert "A-1" in messages[(5, "order_no")][1]
    report = list(csv.reader(io.StringIO(error_csv(result, "en").decode("utf-8-sig"))))
    assert report[0] == ["file", "row", "column", "error"] and len(report) == 1 + len(found)


def test_a_row_a_service_refuses_rolls_back_the_whole_file(store_engine: Engine, tmp_path: Path) -> None:
    _masters(store_engine, tmp_path)
    # Valid rows, but the third order ships more P2 than is in stock (10): the service refuses it
    # while writing, and the two orders written before it are rolled back with it.
    text = SALES_HEADER + "".join(f"B-{n},2024-02-0{n},C1,WH1,E1,2024-02-0{n},P2,{q},6,0\n"
                                  for n, q in ((1, 4), (2, 4), (3, 4)))
    result = run_import(store_engine, _write(tmp_path, "sales.csv", text))
    assert not result.ok and result.error_count == 1
    error = result.errors[0]
    assert (error.source, error.row) == ("sales.csv", 4)
    assert "P2" in error.message("en")
    assert _count(store_engine, SalesOrder) == 0 and _count(store_engine, SalesOrderLine) == 0
    assert _count(store_engine, ImportBatch) == len(MASTERS)


def test_the_same_file_twice_is_refused(store_engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, "warehouses.csv", MASTERS["warehouses.csv"])
    assert run_import(store_engine, path).ok
    copy = _write(tmp_path, "copy.csv", MASTERS["warehouses.csv"])  # same bytes, another name
    again = run_import(store_engine, copy)
    assert not again.ok
    assert "warehouses.csv" in again.errors[0].message("en") and "导入过" in again.errors[0].message("zh_CN")
    assert _count(store_engine, Warehouse) == 1


def test_excel_template_has_help_and_imports(store_engine: Engine, tmp_path: Path) -> None:
    for kind in TEMPLATES:
        assert guess_kind(next(csv.reader(io.StringIO(template_csv(kind).decode("utf-8-sig"))))) == kind
    path = tmp_path / "categories.xlsx"
    path.write_bytes(template_xlsx("categories", "en"))
    book = load_workbook(path)
    assert [c.value for c in book["data"][1]] == ["code", "name", "parent_code"]
    help_rows = list(book["help"].iter_rows(values_only=True))
    assert help_rows[0] == ("column", "required", "type", "description") and help_rows[1][1] == "yes"
    book["data"].append(["DRINK", "饮料", None])
    book["data"].append([101, "数字编码", "DRINK"])  # a number cell is read as its text
    book.save(path)
    result = run_import(store_engine, path)
    assert result.ok and result.records == 2
    assert _count(store_engine, ProductCategory) == 2


def test_jxc_import_prints_progress_errors_and_writes_the_report(store_engine: Engine, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = _write(tmp_path, "cats.csv", "code,name,parent_code\nC1,饮料,\nC2,,C9\n")
    report = tmp_path / "errors.csv"
    out = runner.invoke(app, ["import", str(bad), "--errors", str(report)], env={"JXC_LANG": "en"})
    assert out.exit_code == 1
    assert "2 errors, nothing written" in out.output and "cats.csv:3:name" in out.output
    assert "category not found: C9" in report.read_text(encoding="utf-8-sig")
    good = _write(tmp_path, "cats2.csv", "code,name\nC1,饮料\n")
    out = runner.invoke(app, ["import", str(good), "--kind", "categories"], env={"JXC_LANG": "en"})
    assert out.exit_code == 0 and "imported 1 rows" in out.output
    checked = runner.invoke(app, ["import", str(bad), "--check-only"], env={"JXC_LANG": "en"})
    assert checked.exit_code == 1 and "3 errors" in checked.output  # C1 exists now, too
    fine = _write(tmp_path, "cats3.csv", "code,name\nC3,零食\n")
    checked = runner.invoke(app, ["import", str(fine), "--kind", "categories", "--check-only"], env={"JXC_LANG": "en"})
    assert checked.exit_code == 0 and "checked 1 rows" in checked.output
    assert _count(store_engine, ProductCategory) == 1  # C1 only: the check wrote nothing


def test_a_mapping_cannot_reach_outside_its_folder(store_engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "src"
    folder.mkdir()
    _write(tmp_path, "secret.csv", "a\n1\n")
    mapping = _write(tmp_path, "m.toml", '[[step]]\nkind = "categories"\nsource = "../secret.csv"\n'
                     '[step.columns]\ncode = "a"\nname = "a"\n')
    result = run_import(store_engine, folder, mapping=mapping)
    assert not result.ok and "outside the imported folder" in result.errors[0].message("en")
