"""Printed documents (单据打印): every document type renders to a PDF whose text (pypdf) holds the
number, partner, lines, totals and 大写; A4 and the 241 mm form; long documents paginate with the
totals on the last page; the second print is 补打 and logged; 大写金额 on hand-computed amounts."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf
import pytest
from print_support import COMPANY, build_documents
from sqlalchemy import func, select

from operational.db import unit_of_work
from operational.models import DocumentPrint
from operational.services import printing, receivables
from operational.services.errors import NotFoundError, ValidationError
from operational.services.print_layout import A4, CF241, Column, amount_in_words, with_optional_columns

MM = 72 / 25.4


def pages(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [page.extract_text() for page in reader.pages]


def flat(text: str) -> str:
    return "".join(text.split())  # pypdf puts table cells on lines of their own


@pytest.mark.parametrize(("amount", "words"), [
    ("0.01", "壹分"),
    ("10.00", "壹拾元整"),
    ("1000000.05", "壹佰万元零伍分"),
    ("1234.56", "壹仟贰佰叁拾肆元伍角陆分"),
    ("0", "零元整"),
    ("100.10", "壹佰元壹角整"),
    # further cases of the rules: a zero at the 万 position needs no 零; inner zeros are one 零
    ("105000", "壹拾万伍仟元整"),
    ("100500", "壹拾万零伍佰元整"),
    ("100000001", "壹亿零壹元整"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("0.50", "伍角整"),
    ("173.985", "壹佰柒拾叁元玖角玖分"),  # half-up to the fen first
    ("-42", "负肆拾贰元整"),
])
def test_amount_in_chinese_capital_numerals(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_amount_in_words_refuses_a_trillion():
    with pytest.raises(ValidationError) as err:
        amount_in_words(Decimal("1000000000000"))
    assert "大写" in err.value.message()


def test_rows_per_page_follow_the_stated_geometry():
    # A4: 297 − 12 − 10 margins − 44 header − 42 footer − 7 table header = 182 mm = 26 rows of 7 mm;
    # 241 × 139.7: 139.7 − 6 − 6 − 35 − 24 − 5.5 = 63.2 mm = 11 rows of 5.5 mm (11.49).
    assert (A4.rows_per_page, CF241.rows_per_page) == (26, 11)


EXPECTED = {
    # doc type: (title, partner, line texts, total in figures, 大写)
    "purchase_order": ("采购订单", "S001杭州清泉饮品有限公司", ["P001", "矿泉水550ml", "1.20", "24.00", "P002", "33.33",
                                                       "10%", "149.99"], "173.99", "壹佰柒拾叁元玖角玖分"),
    "goods_receipt": ("入库单", "S001杭州清泉饮品有限公司", ["P001", "24.00", "P002", "149.99"], "173.99",
                      "壹佰柒拾叁元玖角玖分"),
    "sales_order": ("销售订单", "C001苏州便利连锁", ["P001", "2.50", "30.00", "P002", "4.00", "12.00"], "42.00",
                    "肆拾贰元整"),
    "shipment": ("送货单", "C001苏州便利连锁", ["P001", "矿泉水550ml", "瓶", "30.00", "P002", "12.00",
                                          "收货人签字", "苏州市工业园区星湖街1号"], "42.00", "肆拾贰元整"),
    "stock_transfer": ("调拨单", "WH1上海主仓→WH2苏州仓", ["P001", "矿泉水550ml", "调出数量", "实收数量"], None, None),
    "stocktake": ("盘点表", "WH1上海主仓", ["P001", "账面数量", "实盘数量", "盘点人", "复核人"], None, None),
}


@pytest.mark.parametrize("doc_type", list(EXPECTED))
def test_every_document_type_prints_its_number_partner_lines_totals_and_words(store_engine, doc_type):
    docs = build_documents(store_engine)
    title, partner, items, total, words = EXPECTED[doc_type]
    with unit_of_work(store_engine) as s:
        out = printing.print_document(s, doc_type, docs.ids[doc_type], paper="a4", user_id=docs.user)
    texts = pages(out.pdf)
    assert len(texts) == 1 and out.copy_no == 1 and not out.reprint
    text = flat(texts[0])
    assert out.doc_no == docs.numbers[doc_type] and out.doc_no in text
    for expected in (COMPANY, title, f"客户：{partner}" if "C001" in partner else partner, *items):
        assert expected in text, expected
    assert "补打" not in text and "第1/1页" in text
    if total is None:
        assert "大写" not in text
    else:
        assert f"合计金额：¥{total}" in text and f"大写：人民币{words}" in text


def test_stocktake_sheet_leaves_the_counted_column_blank(store_engine):
    docs = build_documents(store_engine)
    with unit_of_work(store_engine) as s:
        doc = printing.document(s, "stocktake", docs.ids["stocktake"])
    # WH1: water 20 received − 12 shipped − 5 transferred = 3; tea 5 − 3 = 2
    assert [(ln["sku"], ln["book_qty"]) for ln in doc.lines] == [("P001", Decimal(3)), ("P002", Decimal(2))]
    counted = next(c for c in doc.columns if c.key == "counted_qty")
    assert counted.kind == "blank"


def test_a4_and_the_241_mm_form_and_pagination_with_totals_on_the_last_page(store_engine):
    docs = build_documents(store_engine, many_lines=30)  # a shipment of 30 lines, 2 × 1.00 each
    with unit_of_work(store_engine) as s:
        a4 = printing.print_document(s, "shipment", docs.ids["big_shipment"], paper="a4", user_id=docs.user)
        cf = printing.print_document(s, "shipment", docs.ids["big_shipment"], paper="cf241", user_id=docs.user)
        po = printing.print_document(s, "purchase_order", docs.ids["purchase_order"], paper="cf241")
    for out, size in ((a4, (210, 297)), (cf, (241, 139.7))):
        box = pypdf.PdfReader(io.BytesIO(out.pdf)).pages[0].mediabox
        assert (round(float(box.width) / MM, 1), round(float(box.height) / MM, 1)) == size
    assert cf.file_name.endswith("-241.pdf") and a4.file_name == f"{a4.doc_no}.pdf"
    a4_pages, cf_pages = pages(a4.pdf), pages(cf.pdf)
    assert len(a4_pages) == 2 and len(cf_pages) == 3  # 30 lines: 26 + 4 on A4, 11 + 11 + 8 on the form
    for i, text in enumerate(cf_pages, start=1):
        text = flat(text)
        assert f"第{i}/3页" in text and cf.doc_no in text and "C001苏州便利连锁" in text
        assert ("大写" in text) == (i == 3) and ("续下页" in text) == (i < 3)
    assert "X011" in flat(cf_pages[0]) and "X012" in flat(cf_pages[1]) and "X030" in flat(cf_pages[2])
    assert "大写：人民币陆拾元整" in flat(cf_pages[2]) and "合计金额：¥60.00" in flat(cf_pages[2])
    assert "大写：人民币陆拾元整" in flat(a4_pages[1]) and "X026" in flat(a4_pages[0]) and "X027" in flat(a4_pages[1])
    # the order: 2 + 30 lines = 32 → 3 pages on the form; 24.00 + 149.99 + 30 × 10 × 0.50 = 323.99
    po_pages = pages(po.pdf)
    assert len(po_pages) == 3 and "大写：人民币叁佰贰拾叁元玖角玖分" in flat(po_pages[2])


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_second_print_is_marked_reprint_and_logged(backend, request):
    store_engine = request.getfixturevalue("pg_engine" if backend == "postgresql" else "store_engine")
    docs = build_documents(store_engine)
    with unit_of_work(store_engine) as s:
        assert printing.print_count(s, "shipment", docs.numbers["shipment"]) == 0
        first = printing.print_document(s, "shipment", docs.ids["shipment"], user_id=docs.user)
    with unit_of_work(store_engine) as s:
        second = printing.print_document(s, "shipment", docs.ids["shipment"], paper="cf241", user_id=docs.user)
        other = printing.print_document(s, "sales_order", docs.ids["sales_order"], user_id=docs.user)
    assert (first.copy_no, second.copy_no, other.copy_no) == (1, 2, 1)
    assert "补打" not in flat(pages(first.pdf)[0])
    assert "补打（第2次打印）" in flat(pages(second.pdf)[0]) and "补打" not in flat(pages(other.pdf)[0])
    with unit_of_work(store_engine) as s:
        history = printing.print_history(s, "shipment", docs.numbers["shipment"])
        listed = {d["doc_no"]: d["printed"] for d in printing.recent_documents(s, "shipment")}
    assert [(h["copy_no"], h["paper"], h["printed_by"]) for h in history] == [(1, "a4", "仓管小李"),
                                                                              (2, "cf241", "仓管小李")]
    assert listed == {docs.numbers["shipment"]: 2}


def test_bad_requests_name_the_field_and_log_nothing(store_engine):
    docs = build_documents(store_engine)
    with unit_of_work(store_engine) as s:
        with pytest.raises(ValidationError) as err:
            printing.print_document(s, "invoice", 1)
        assert err.value.field == "doc_type"
        with pytest.raises(NotFoundError) as err:
            printing.print_document(s, "shipment", 999)
        assert err.value.field == "doc_id" and "发货单不存在" in err.value.message()
        with pytest.raises(NotFoundError):
            printing.print_document(s, "shipment", "SH-1; drop table shipment")
        with pytest.raises(ValidationError) as err:
            printing.print_document(s, "shipment", None)
        assert err.value.field == "doc_id"
        with pytest.raises(ValidationError) as err:
            printing.print_document(s, "shipment", docs.ids["shipment"], paper="letter")
        assert err.value.field == "paper"
    with unit_of_work(store_engine) as s:
        assert s.execute(select(func.count()).select_from(DocumentPrint)).scalar() == 0


def test_customer_statement_prints_on_both_papers_and_reprints(store_engine):
    docs = build_documents(store_engine)
    with unit_of_work(store_engine) as s:
        receivables.invoice_shipments(s, [docs.ids["shipment"]], date(2026, 3, 10))
    with unit_of_work(store_engine) as s:
        a4 = printing.print_statement(s, docs.customer, date(2026, 3, 1), date(2026, 3, 31), user_id=docs.user)
        cf = printing.print_statement(s, docs.customer, date(2026, 3, 1), date(2026, 3, 31), paper="cf241")
    text = flat(pages(a4.pdf)[0])
    assert a4.doc_no == "DZ-C001-20260301-20260331" and a4.doc_no in text and "客户对账单" in text
    assert "C001苏州便利连锁" in text and "42.00" in text and "期末余额：¥42.00" in text
    assert "大写：人民币肆拾贰元整" in text and "补打" not in text
    assert cf.copy_no == 2 and "补打" in flat(pages(cf.pdf)[0])


def test_tax_columns_appear_only_when_lines_carry_tax():
    base = [Column("quantity", "ui.print.col.quantity", 1, "qty"), Column("amount", "ui.print.col.amount", 1, "money")]
    plain = [{"quantity": Decimal(1), "amount": Decimal("1.00"), "tax_rate": None, "discount_rate": Decimal(0)}]
    assert [c.key for c in with_optional_columns(base, plain)] == ["quantity", "amount"]
    taxed = [{"quantity": Decimal(1), "amount": Decimal("100.00"), "tax_rate": Decimal("0.13"),
              "tax_amount": Decimal("13.00"), "gross_amount": Decimal("113.00")}]
    assert [c.key for c in with_optional_columns(base, taxed)] == ["quantity", "tax_rate", "amount", "tax_amount",
                                                                   "gross_amount"]


def test_preview_logs_nothing_and_the_recorded_print_makes_the_next_one_a_reprint(store_engine):
    """What the page does: offer the next print (preview), log it when the button is clicked."""
    docs = build_documents(store_engine)
    with unit_of_work(store_engine) as s:
        offered = printing.preview_document(s, "stock_transfer", docs.ids["stock_transfer"], paper="cf241")
        again = printing.preview_document(s, "stock_transfer", docs.ids["stock_transfer"], paper="cf241")
        assert printing.print_count(s, "stock_transfer", docs.numbers["stock_transfer"]) == 0
    assert offered.copy_no == again.copy_no == 1 and "补打" not in flat(pages(offered.pdf)[0])
    with unit_of_work(store_engine) as s:
        assert printing.record_print(s, "stock_transfer", docs.ids["stock_transfer"], paper="cf241",
                                     user_id=docs.user) == 1
    with unit_of_work(store_engine) as s:
        nxt = printing.preview_document(s, "stock_transfer", docs.ids["stock_transfer"], paper="a4")
    assert nxt.copy_no == 2 and "补打（第2次打印）" in flat(pages(nxt.pdf)[0])
