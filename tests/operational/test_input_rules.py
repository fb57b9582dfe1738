"""Input rules every service shares (docs/input_rules.md): text fits its column, numbers have
bounds, document dates lie between the opening date and a few weeks ahead, new orders default to
a normal warehouse. Each on SQLite and PostgreSQL, each asserting the message and that nothing
was written."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import Base, Employee, PurchaseOrder, PurchaseOrderLine
from operational.services import masterdata as md
from operational.services import purchasing
from operational.services.errors import ValidationError
from operational.services.orders import OrderLineInput as L
from operational.services.validation import to_decimal

LONG = "备" * 10_000


def _count(engine, model) -> int:
    with unit_of_work(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_10000_character_note_is_refused_and_nothing_is_written(tiny):
    with pytest.raises(ValidationError) as err, unit_of_work(tiny.engine) as s:
        purchasing.create_purchase_order(s, tiny.supplier, tiny.wh1, "2026-03-02", [L(tiny.water, 1, 1)],
                                         note=LONG)
    assert err.value.field == "note"
    assert err.value.message() == "PO-2026-000001：采购订单的备注最多500个字符，输入了10000个"
    assert err.value.message("en") == "PO-2026-000001: Note of purchase order: at most 500 characters, got 10000"
    assert _count(tiny.engine, PurchaseOrder) == 0
    assert _count(tiny.engine, PurchaseOrderLine) == 0
    with unit_of_work(tiny.engine) as s:  # the number was not used up either
        po = purchasing.create_purchase_order(s, tiny.supplier, tiny.wh1, "2026-03-02", [L(tiny.water, 1, 1)],
                                              note="备" * 500)
        assert po.doc_no == "PO-2026-000001"


def test_a_10000_character_department_name_is_refused(tiny):
    with pytest.raises(ValidationError) as err, unit_of_work(tiny.engine) as s:
        md.create_employee(s, "E001", "王总", department=LONG, hire_date=date(2020, 1, 1))
    assert err.value.field == "department"
    assert err.value.message() == "E001：员工的部门最多50个字符，输入了10000个"
    assert _count(tiny.engine, Employee) == 0


def test_an_edit_is_checked_as_well(tiny_sqlite):
    with unit_of_work(tiny_sqlite.engine) as s:
        po = purchasing.create_purchase_order(s, tiny_sqlite.supplier, tiny_sqlite.wh1, "2026-03-02",
                                              [L(tiny_sqlite.water, 1, 1)], note="ok")
    with pytest.raises(ValidationError) as err, unit_of_work(tiny_sqlite.engine) as s:
        s.get(PurchaseOrder, po.id).note = "x" * 501
    assert err.value.code == "too_long"
    with unit_of_work(tiny_sqlite.engine) as s:
        assert s.get(PurchaseOrder, po.id).note == "ok"


def test_every_text_column_has_a_field_label_in_both_languages():
    from sqlalchemy import String

    from operational.i18n import catalog

    for language in ("zh_CN", "en"):
        keys = catalog(language)
        missing = [f"{t.name}.{c.name}" for t in Base.metadata.sorted_tables for c in t.columns
                   if isinstance(c.type, String) and (f"field.{c.name}" not in keys or f"entity.{t.name}" not in keys)]
        assert missing == [], language


@pytest.mark.parametrize(("typed", "field", "message"), [
    (1e20, "quantity", "数量超出上限：最大1,000,000,000，输入了1e+20"),
    ("1e400", "quantity", "数量超出上限：最大1,000,000,000，输入了1e400"),
    ("12345678901234567890", "unit_price", "单价超出上限：最大10,000,000,000，输入了12345678901234567890"),
    ("-2e12", "amount", "金额超出上限：最大1,000,000,000,000，输入了-2e12"),
    ("NaN", "quantity", "数量不是有效的数字：NaN"),
    ("inf", "unit_price", "单价不是有效的数字：inf"),
    ("9" * 5000, "amount", "金额超出上限：最大1,000,000,000,000，输入了" + "9" * 30 + "…"),
])
def test_numbers_out_of_bounds_are_field_errors(typed, field, message):
    with pytest.raises(ValidationError) as err:
        to_decimal(typed, field)
    assert err.value.message() == message
    assert err.value.field == field


def test_bounds_are_inclusive():
    assert to_decimal("1000000000", "quantity") == Decimal(10) ** 9
    assert to_decimal("10000000000", "unit_price") == Decimal(10) ** 10
    assert to_decimal("1e12", "amount") == Decimal(10) ** 12


def test_an_overflowing_order_line_is_a_field_error_not_a_traceback(tiny):
    # each factor is within its bound, the line amount is not (1e9 × 1e10 = 1e19)
    with pytest.raises(ValidationError) as err, unit_of_work(tiny.engine) as s:
        purchasing.create_purchase_order(s, tiny.supplier, tiny.wh1, "2026-03-02",
                                         [L(tiny.water, "1000000000", "10000000000")])
    assert err.value.field == "lines.1.amount"
    assert err.value.message() == "第1行：金额超出上限：最大1,000,000,000,000，输入了10000000000000000000.00"
    with pytest.raises(ValidationError) as err, unit_of_work(tiny.engine) as s:
        purchasing.create_purchase_order(s, tiny.supplier, tiny.wh1, "2026-03-02", [L(tiny.water, "1e20", 1)])
    assert err.value.field == "lines.1.quantity"
    assert _count(tiny.engine, PurchaseOrder) == 0


def test_a_number_too_large_for_its_column_is_refused_at_flush(tiny_sqlite):
    # a service that forgot its bound still cannot overflow the column (SQLite: int64, PostgreSQL: NUMERIC(18,4))
    with pytest.raises(ValidationError) as err, unit_of_work(tiny_sqlite.engine) as s:
        md.set_stock_limit(s, tiny_sqlite.water, tiny_sqlite.wh1, "1", None)
        s.flush()
        from operational.models import StockLimit
        s.execute(select(StockLimit)).scalar_one().min_qty = Decimal("1e15")
    assert err.value.code == "stored_value_too_large"
    assert err.value.field == "min_qty"
