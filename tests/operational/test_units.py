"""Units of measure (多单位): a case of 24 bought at 100.00 enters stock as 24 pieces worth exactly
100.00 (unit cost 4.1667); receipt by the case → shipment by the piece → returns → valuation,
case barcodes, and the field errors of bad input. Numbers by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from operational.db import unit_of_work
from operational.models import GoodsReceiptLine, PurchaseOrderLine, StockLedger
from operational.services import masterdata as md
from operational.services import monitoring, purchasing, returns, sales, stocktakes, tax, transfers, units
from operational.services.errors import ValidationError
from operational.services.inventory import on_hand
from operational.services.orders import FulfilLineInput as F
from operational.services.orders import OrderLineInput as L
from operational.services.returns import ReturnLineInput as R
from operational.services.transfers import TransferLineInput as T

D = Decimal
CASE_CODE = "16901234567899"


def _cases(t, factor="24", barcode=CASE_CODE):
    with unit_of_work(t.engine) as s:
        units.set_unit(s, t.water, "箱", factor, barcode=barcode)
        units.set_default_units(s, t.water, purchase_unit="箱", sales_unit="个")


def _po(t, lines, on="2026-03-02"):
    with unit_of_work(t.engine) as s:
        po = purchasing.create_purchase_order(s, t.supplier, t.wh1, on, lines)
        purchasing.confirm_purchase_order(s, po.id)
        return po.id, [line.id for line in po.lines]


def _values(s, t):
    return monitoring.stock_values(s).get((t.water, t.wh1))


def test_one_case_at_100_is_24_pieces_worth_exactly_100(tiny):
    _cases(tiny)
    po_id, (one, ten) = _po(tiny, [L(tiny.water, 1, "100.00", unit="箱"), L(tiny.water, 10, "100.00", unit="箱")])
    with unit_of_work(tiny.engine) as s:
        lines = s.execute(select(PurchaseOrderLine).order_by(PurchaseOrderLine.line_no)).scalars().all()
        # the line keeps what was typed; quantity and unit_price are per base unit
        assert [(ln.unit, ln.qty_in_unit, ln.unit_factor, ln.price_in_unit, ln.quantity, ln.unit_price, ln.amount)
                for ln in lines] == [("箱", D(1), D(24), D("100.0000"), D(24), D("4.1667"), D("100.00")),
                                     ("箱", D(10), D(24), D("100.0000"), D(240), D("4.1667"), D("1000.00"))]
        gr = purchasing.receive_goods(s, po_id, "2026-03-05", [F(one, 1, unit="箱"), F(ten, 240)])
        got = [(ln.unit, ln.qty_in_unit, ln.quantity, ln.unit_cost, ln.amount) for ln in gr.lines]
        # 10 cases × 100.00 = 1,000.00, not 240 × 4.1667 = 1,000.01
        assert got == [("箱", D(1), D(24), D("4.1667"), D("100.00")), (None, None, D(240), D("4.1667"), D("1000.00"))]
        rows = s.execute(select(StockLedger).where(StockLedger.doc_type == "goods_receipt")
                         .order_by(StockLedger.id)).scalars().all()
        assert [(r.quantity, r.unit_cost, r.cost_amount) for r in rows] == [
            (D(24), D("4.1667"), D("100.00")), (D(240), D("4.1667"), D("1000.00"))]
        assert on_hand(s, tiny.water, tiny.wh1) == D(264)
        assert _values(s, tiny) == D("1100.00")


def test_case_receipt_piece_shipment_returns_and_valuation(tiny):
    _cases(tiny)
    po_id, (pol,) = _po(tiny, [L(tiny.water, 10, "100.00", unit="箱")])
    with unit_of_work(tiny.engine) as s:
        gr = purchasing.receive_goods(s, po_id, "2026-03-05", [F(pol, 10, unit="箱")])
        gr_id, gr_line = gr.id, gr.lines[0].id
        assert (on_hand(s, tiny.water, tiny.wh1), _values(s, tiny)) == (D(240), D("1000.00"))
        # sold by the piece (the sales unit): 30 个 at 5.00
        so = sales.create_sales_order(s, tiny.customer, tiny.wh1, "2026-03-06", [L(tiny.water, 30, "5.00", unit="个")])
        sales.confirm_sales_order(s, so.id)
        assert (so.lines[0].unit, so.lines[0].quantity, so.lines[0].amount) == (None, D(30), D("150.00"))
        sh = sales.ship_goods(s, so.id, "2026-03-07", [F(so.lines[0].id, 30)])
        sh_id, sh_line = sh.id, sh.lines[0].id
    with unit_of_work(tiny.engine) as s:
        # cost of 30 pieces at 1,000.00 / 240: 125.00
        assert (on_hand(s, tiny.water, tiny.wh1), _values(s, tiny)) == (D(210), D("875.00"))
        # the customer returns 6 pieces: back at the shipment's cost, 6 × 125.00 / 30 = 25.00
        returns.return_from_customer(s, sh_id, "2026-03-08", [R(sh_line, 6)], reason="包装破损")
        assert (on_hand(s, tiny.water, tiny.wh1), _values(s, tiny)) == (D(216), D("900.00"))
        # one case back to the supplier (24 pieces): 24 × 900.00 / 216 = 100.00
        ret = returns.return_to_supplier(s, gr_id, "2026-03-09", [R(gr_line, 1, unit="箱")], reason="破损")
        assert [(ln.unit, ln.qty_in_unit, ln.quantity) for ln in ret.lines] == [("箱", D(1), D(24))]
        assert (on_hand(s, tiny.water, tiny.wh1), _values(s, tiny)) == (D(192), D("800.00"))
        kinds = s.execute(select(StockLedger.movement_type, StockLedger.quantity).order_by(StockLedger.id)).all()
        assert kinds == [("receipt", D(240)), ("shipment", D(-30)), ("sales_return", D(6)),
                         ("purchase_return", D(-24))]
        # a transfer of 2 cases moves 48 pieces
        tr = transfers.ship_transfer(s, tiny.wh1, tiny.wh2, "2026-03-10", [T(tiny.water, 2, unit="箱")])
        assert [(ln.unit, ln.qty_in_unit, ln.quantity) for ln in tr.lines] == [("箱", D(2), D(48))]
        assert on_hand(s, tiny.water, tiny.wh1) == D(144)


def test_shipping_a_case_priced_order_line_by_the_piece_splits_exactly(tiny_sqlite):
    t = tiny_sqlite
    _cases(t)
    po_id, (pol,) = _po(t, [L(t.water, 2, "100.00", unit="箱")])
    with unit_of_work(t.engine) as s:
        purchasing.receive_all(s, po_id, "2026-03-05")
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-06", [L(t.water, 2, "120.00", unit="箱")])
        sales.confirm_sales_order(s, so.id)
        line = so.lines[0]
        # the order line priced per case: 24 pieces are 120.00, 10 pieces 10 × 120 / 24 = 50.00,
        # the whole line 240.00 (24 × 5.0000 would agree here; 100/24 below would not)
        assert [tax.resplit(line, D(q)).net for q in (24, 10, 48)] == [D("120.00"), D("50.00"), D("240.00")]
        sales.ship_goods(s, so.id, "2026-03-07", [F(line.id, 30, unit="个")])
        rl = s.execute(select(GoodsReceiptLine)).scalar_one()
        # the receipt of 2 cases at 100.00: 200.00, unit cost 4.1667
        assert (rl.quantity, rl.amount, rl.unit_cost) == (D(48), D("200.00"), D("4.1667"))
        # 30 pieces shipped at the moving average 200.00 / 48: 125.00; 18 left worth 75.00
        assert _values(s, t) == D("75.00")


def test_case_barcode_enters_one_case(tiny_sqlite):
    t = tiny_sqlite
    _cases(t)
    with unit_of_work(t.engine) as s:
        found = units.scan(s, CASE_CODE)
        assert (found.product.id, found.unit, found.factor) == (t.water, "箱", D(24))
        assert md.find_product(s, CASE_CODE).id == t.water  # the one barcode look-up knows cases
        piece = units.scan(s, "6901234567892")
        assert (piece.product.id, piece.unit, piece.factor) == (t.water, None, D(1))
        assert units.scan(s, "nothing") is None
        assert [(u.unit, u.factor, u.barcode) for u in units.units_of(s, found.product)] == [
            ("个", D(1), "6901234567892"), ("箱", D(24), CASE_CODE)]
        assert units.default_unit(found.product, "purchase") == "箱"
        assert units.default_unit(found.product, "sales") == "个"
        # a count keyed by the case barcode is in cases: 2 cases = 48 pieces
        sheet = stocktakes.open_stocktake(s, t.wh1, "2026-03-02")
        stocktakes.record_counts(s, sheet.id, {CASE_CODE: 2})
        assert [line.counted_qty for line in sheet.lines if line.product_id == t.water] == [D(48)]
        # a case barcode is unique: not on another unit, nor a product's barcode or SKU
        with pytest.raises(ValidationError) as err:
            units.set_unit(s, t.tea, "箱", 12, barcode=CASE_CODE)
        assert (err.value.code, err.value.field) == ("duplicate", "barcode")
        with pytest.raises(ValidationError):
            units.set_unit(s, t.tea, "箱", 12, barcode="6901234567892")


def test_bad_units_are_field_errors_naming_the_record(tiny_sqlite):
    t = tiny_sqlite
    _cases(t)
    cases = [
        # unit not of this product (tea has no 箱)
        (lambda s: purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02",
                                                    [L(t.tea, 1, "10", unit="箱")]),
         "unit_not_of_product", "lines.1.unit", "商品 P002 没有单位“箱”"),
        (lambda s: units.set_unit(s, t.water, "托", 0), "must_be_positive", "unit_factor", "P001"),
        (lambda s: units.set_unit(s, t.water, "托", "-24"), "must_be_positive", "unit_factor", "换算系数"),
        (lambda s: units.set_unit(s, t.water, "托", "1e20"), "too_large", "unit_factor", "P001"),
        (lambda s: units.set_unit(s, t.water, "托", "0.00001"), "unit_factor_places", "unit_factor", "P001"),
        (lambda s: units.set_unit(s, t.water, "个", 2), "unit_is_base", "unit", "P001"),
        (lambda s: units.set_unit(s, t.water, "托托托托托托托托托托托托托托托托托托托托托", 2), "too_long", "unit", "P001"),
        # 1e20 cases: the typed quantity is beyond its bound
        (lambda s: purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02",
                                                    [L(t.water, "1e20", "10", unit="箱")]),
         "too_large", "lines.1.quantity", "第1行"),
        # 100,000,000 cases × 24 = 2.4e9 pieces: within the typed bound, beyond it in the base unit
        (lambda s: purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02",
                                                    [L(t.water, "100000000", "1", unit="箱")]),
         "too_large", "lines.1.quantity", "第1行"),
        (lambda s: units.set_default_units(s, t.tea, sales_unit="箱"), "unit_not_of_product", "sales_unit", "P002"),
        (lambda s: units.remove_unit(s, t.water, "箱"), "unit_is_default", "unit", "P001"),
    ]
    for call, code, field, text in cases:
        with unit_of_work(t.engine) as s, pytest.raises(ValidationError) as err:
            call(s)
        assert (err.value.code, err.value.field) == (code, field), (code, err.value.message())
        assert text in err.value.message(), err.value.message()
        assert err.value.message("en")  # rendered in English too
    with unit_of_work(t.engine) as s:
        units.set_unit(s, t.tea, "斤", "0.5")
    # 0.0003 斤 × 0.5 = 0.00015 个: not exact at the quantity's 4 places
    with unit_of_work(t.engine) as s, pytest.raises(ValidationError) as err:
        purchasing.create_purchase_order(s, t.supplier, t.wh1, "2026-03-02", [L(t.tea, "0.0003", "1", unit="斤")])
    assert (err.value.code, err.value.field) == ("unit_qty_not_exact", "lines.1.quantity")
    # a receipt in a unit the product lacks names the order and the line
    po_id, (line,) = _po(t, [L(t.tea, 4, "2.00")])
    with unit_of_work(t.engine) as s, pytest.raises(ValidationError) as err:
        purchasing.receive_goods(s, po_id, "2026-03-05", [F(line, 1, unit="托")])
    assert (err.value.code, err.value.field, err.value.record) == ("unit_not_of_product", "lines.1.unit", "PO-2026-000001")
    # nothing half-written: the base quantity is still open
    with unit_of_work(t.engine) as s:
        assert on_hand(s, t.tea, t.wh1) == D(0)


def test_invoice_of_a_case_priced_order_shipped_by_the_piece(tiny_sqlite):
    from operational.services import receivables

    t = tiny_sqlite
    _cases(t)
    po_id, _ = _po(t, [L(t.water, 2, "100.00", unit="箱")])
    with unit_of_work(t.engine) as s:
        purchasing.receive_all(s, po_id, "2026-03-05")
        # 1 case at 100.00 a case of 24, 10 % off: 90.00; 7 pieces shipped → 7 × 100 × 0.9 / 24 = 26.25
        so = sales.create_sales_order(s, t.customer, t.wh1, "2026-03-06",
                                      [L(t.water, 1, "100.00", discount_rate="0.10", unit="箱")])
        sales.confirm_sales_order(s, so.id)
        assert (so.lines[0].amount, so.lines[0].unit_price) == (D("90.00"), D("4.1667"))
        first = sales.ship_goods(s, so.id, "2026-03-07", [F(so.lines[0].id, 7)])
        second = sales.ship_goods(s, so.id, "2026-03-08", [F(so.lines[0].id, 17)])
        one = receivables.invoice_shipments(s, [first.id], "2026-03-09")
        two = receivables.invoice_shipments(s, [second.id], "2026-03-09")
        # 26.25 + 63.75 (17 × 90 / 24) = 90.00: the invoices add up to the order line
        assert (one.total_amount, two.total_amount) == (D("26.25"), D("63.75"))


def test_printouts_show_the_unit_a_line_was_entered_in(tiny_sqlite):
    import io

    import pypdf

    from operational.services import printing

    t = tiny_sqlite
    _cases(t)
    po_id, (line,) = _po(t, [L(t.water, 3, "100.00", unit="箱")])
    with unit_of_work(t.engine) as s:
        doc = printing.document(s, "purchase_order", po_id)
        assert [(ln["unit"], ln["quantity"], ln["unit_price"], ln["amount"]) for ln in doc.lines] == [
            ("箱", D(3), D("100.0000"), D("300.00"))]
        gr = purchasing.receive_goods(s, po_id, "2026-03-05", [F(line, 2, unit="箱"), F(line, 24)])
        receipt = printing.document(s, "goods_receipt", gr.id)
        # in cases at the case price, in pieces at the piece price; no total of 2 箱 + 24 个
        assert [(ln["unit"], ln["quantity"], ln["unit_price"], ln["amount"]) for ln in receipt.lines] == [
            ("箱", D(2), D("100.0000"), D("200.00")), ("个", D(24), D("4.1667"), D("100.00"))]
        assert receipt.total_quantity is None and receipt.total_amount == D("300.00")
        pdf = printing.print_document(s, "goods_receipt", gr.id)
    text = "".join("".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf.pdf)).pages)
    assert "箱" in text and "100.00" in text and "4.1667" in text
