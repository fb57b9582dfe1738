"""Input rules every service shares (docs/input_rules.md): text fits its column, numbers have
bounds, document dates lie between the opening date and a few weeks ahead, new orders default to
a normal warehouse. Each on SQLite and PostgreSQL, each asserting the message and that nothing
was written."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from operational.db import unit_of_work
from operational.models import Base, Employee, PurchaseOrder, PurchaseOrderLine, StockLedger
from operational.services import auth, cash, purchasing, sales, stocktakes
from operational.services import masterdata as md
from operational.services.errors import ValidationError
from operational.services.inventory import post_opening_balance
from operational.services.orders import OrderLineInput as L
from operational.services.validation import document_date, opening_date, to_decimal

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
        # a value stored before the rule existed (SQLite kept it) does not block an unrelated edit
        s.execute(update(PurchaseOrder).where(PurchaseOrder.id == po.id).values(note="x" * 600))
    with unit_of_work(tiny_sqlite.engine) as s:
        assert purchasing.confirm_purchase_order(s, po.id).status == "confirmed"


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


# --- document dates ---------------------------------------------------------------------------------

def test_a_typed_1900_date_is_refused_not_replaced(tiny):
    with pytest.raises(ValidationError) as err, unit_of_work(tiny.engine) as s:
        purchasing.create_purchase_order(s, tiny.supplier, tiny.wh1, date(1900, 1, 1), [L(tiny.water, 1, 1)])
    assert err.value.field == "order_date"
    assert err.value.message() == "订单日期1900-01-01早于系统允许的最早日期2000-01-01"
    assert _count(tiny.engine, PurchaseOrder) == 0


def test_a_date_more_than_31_days_ahead_is_refused(tiny_sqlite):
    t = tiny_sqlite
    latest = date.today() + timedelta(days=31)
    with unit_of_work(t.engine) as s:  # the last day allowed
        purchasing.create_purchase_order(s, t.supplier, t.wh1, latest, [L(t.water, 1, 1)])
    with pytest.raises(ValidationError) as err, unit_of_work(t.engine) as s:
        purchasing.create_purchase_order(s, t.supplier, t.wh1, latest + timedelta(days=1), [L(t.water, 1, 1)])
    assert err.value.field == "order_date"
    assert err.value.message() == (f"订单日期{(latest + timedelta(days=1)).isoformat()}晚于今天超过31天"
                                   f"（最晚{latest.isoformat()}）")
    assert err.value.message("en").endswith(f"is more than 31 days after today (latest {latest.isoformat()})")
    assert _count(t.engine, PurchaseOrder) == 1


def test_the_future_limit_is_a_setting_and_today_is_injectable(monkeypatch, tiny_sqlite):
    monkeypatch.setenv("JXC_MAX_FUTURE_DAYS", "7")
    assert document_date("2026-03-09", "order_date", session=None, today=date(2026, 3, 2)) == date(2026, 3, 9)
    with pytest.raises(ValidationError) as err:
        document_date("2026-03-10", "order_date", session=None, today=date(2026, 3, 2))
    assert err.value.message() == "订单日期2026-03-10晚于今天超过7天（最晚2026-03-09）"


def test_nothing_is_dated_before_the_opening_date(tiny):
    t = tiny
    with unit_of_work(t.engine) as s:
        assert opening_date(s) is None
        post_opening_balance(s, t.water, t.wh1, Decimal(10), Decimal("1.2"), date(2026, 3, 1))
        cash.create_account(s, "B01", "工行", opening_balance="100", opened_on=date(2026, 3, 5))
    with unit_of_work(t.engine) as s:
        assert opening_date(s) == date(2026, 3, 1)
        purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-01", [L(t.water, 1, 1)])  # the day itself
    with pytest.raises(ValidationError) as err, unit_of_work(t.engine) as s:
        purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-02-28", [L(t.water, 1, 1)])
    assert err.value.field == "order_date"
    assert err.value.message() == "订单日期2026-02-28早于公司启用日期2026-03-01"
    assert err.value.message("en") == "order date 2026-02-28 is before the company's opening date 2026-03-01"
    assert _count(t.engine, PurchaseOrder) == 1


def test_every_kind_of_document_checks_its_date(tiny_sqlite):
    """Receipts, shipments, transfers, stocktakes and cash transfers use the same rule as orders."""
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        post_opening_balance(s, t.water, t.wh1, Decimal(10), Decimal("1.2"), date(2026, 3, 1))
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.water, 5, 1)])
        purchasing.confirm_purchase_order(s, po.id)
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-02", [L(t.water, 1, 2)])
        sales.confirm_sales_order(s, so.id)
        a = cash.create_account(s, "B01", "工行", opening_balance="100", opened_on=date(2026, 3, 1))
        b = cash.create_account(s, "B02", "建行")
        admin = auth.create_user(s, "boss", "secret-pass", "admin")
    attempts = {
        "receipt_date": lambda s: purchasing.receive_all(s, po.id, "1900-01-01"),
        "ship_date": lambda s: sales.ship_all(s, so.id, "2026-02-01"),
        "count_date": lambda s: stocktakes.open_stocktake(s, t.wh1, "2099-01-01"),
        "transfer_date": lambda s: cash.transfer(s, a.id, b.id, "10", date(2026, 2, 1), user=admin),
    }
    for field, attempt in attempts.items():
        with pytest.raises(ValidationError) as err, unit_of_work(t.engine) as s:
            attempt(s)
        assert err.value.field == field
        assert err.value.code in ("date_too_early", "date_before_opening", "date_in_future")
    with unit_of_work(t.engine) as s:
        assert s.execute(select(func.count()).select_from(StockLedger)).scalar_one() == 1  # the opening only


def test_an_opening_balance_is_checked_against_the_calendar_only(tiny_sqlite):
    t = tiny_sqlite
    with unit_of_work(t.engine) as s:
        post_opening_balance(s, t.water, t.wh1, Decimal(10), Decimal("1.2"), date(2026, 3, 1))
        post_opening_balance(s, t.tea, t.wh1, Decimal(10), Decimal("2"), date(2026, 2, 1))  # moves the opening date
        assert opening_date(s) == date(2026, 2, 1)
    with pytest.raises(ValidationError) as err, unit_of_work(t.engine) as s:
        post_opening_balance(s, t.ice, t.wh1, Decimal(1), Decimal("3"), date(1900, 1, 1))
    assert err.value.field == "opening_date"


# --- the warehouse of a new order -------------------------------------------------------------------

def test_new_orders_default_to_a_normal_warehouse_and_refuse_quarantine(tiny):
    t = tiny
    with unit_of_work(t.engine) as s:
        # codes that sort before the normal warehouses: the old form picked the first one
        qc = md.create_warehouse(s, "A-QC", "退货待检仓", kind="quarantine").id
        md.create_warehouse(s, "A-TR", "在途仓", kind="transit")
        choices = md.order_warehouse_options(s)
    assert choices == [(t.wh1, "WH1 上海主仓"), (t.wh2, "WH2 广州仓")]  # the form's default is the first
    with pytest.raises(ValidationError) as err, unit_of_work(t.engine) as s:
        purchasing.create_purchase_order(s, t.supplier, qc, "2026-03-02", [L(t.water, 1, 1)])
    assert err.value.field == "warehouse_id"
    assert err.value.message() == "仓库只能选普通库存仓库，A-QC是在途仓或待检仓"
    with pytest.raises(ValidationError), unit_of_work(t.engine) as s:
        sales.create_sales_order(s, t.customer, qc, "2026-03-02", [L(t.water, 1, 2)])
    assert _count(t.engine, PurchaseOrder) == 0


def test_the_demo_runs_on_its_own_clock(store_engine):
    """A demo that ends after the real today (its documents dated up to that end) passes the
    future-date rule: the simulator counts from its own last day."""
    from operational.demo import generate
    from operational.models import SalesOrder

    end = date.today() + timedelta(days=120)
    generate(store_engine, scale=0.02, seed=3, end_date=end, days=30)
    with unit_of_work(store_engine) as s:
        last = s.execute(select(func.max(SalesOrder.order_date))).scalar_one()
        assert last > date.today() + timedelta(days=31)
        assert opening_date(s) == end - timedelta(days=29)  # the demo's first day
