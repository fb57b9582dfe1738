"""VAT (增值税): dated tax rates, default rates per category and product, prices with or without
tax per supplier / customer / supplier price, and net / tax / gross on every priced document line.

Existing rows: their prices and amounts were entered net of tax and stay as they are. The default
rates per category and product are new here, so no existing line has one: every existing line gets
rate 0 with no rate code, tax 0 and gross = net, and invoices and bills keep what they owe
(``total_amount`` = net, tax 0). Set the categories' and products' rates afterwards; documents
entered from then on carry VAT.

Revision ID: 0020
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

LINE_TABLES = ("purchase_order_line", "goods_receipt_line", "sales_order_line", "sales_invoice_line",
               "supplier_bill_line", "debit_note_line")
ORDER_TABLES = ("purchase_order", "sales_order")
BILL_TABLES = ("sales_invoice", "supplier_bill")
NOTE_TABLES = ("credit_note", "debit_note")
# The rates in force in mainland China (a copy, frozen here: operational.services.tax.STANDARD_RATES).
RATES = (("standard", "基本税率", "0.1600", date(2018, 5, 1), False),
         ("standard", "基本税率", "0.1300", date(2019, 4, 1), False),
         ("low", "低税率", "0.1000", date(2018, 5, 1), False),
         ("low", "低税率", "0.0900", date(2019, 4, 1), False),
         ("service", "现代服务", "0.0600", date(2016, 5, 1), False),
         ("simple", "简易征收", "0.0300", date(2014, 7, 1), False),
         ("zero", "零税率", "0.0000", date(2009, 1, 1), False),
         ("exempt", "免税", "0.0000", date(2009, 1, 1), True))


def _money() -> operational.types.ScaledDecimal:
    return operational.types.ScaledDecimal(scale=2, precision=18)


def _rate() -> operational.types.ScaledDecimal:
    return operational.types.ScaledDecimal(scale=4, precision=9)


def upgrade() -> None:
    table = op.create_table(
        "tax_rate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("rate", _rate(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("is_exempt", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tax_rate")),
        sa.UniqueConstraint("code", "valid_from", name=op.f("uq_tax_rate_code_valid_from")),
    )
    with op.batch_alter_table("tax_rate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tax_rate_code"), ["code"])
        batch_op.create_index(batch_op.f("ix_tax_rate_updated_at"), ["updated_at"])
    now = datetime(2026, 12, 7)
    op.bulk_insert(table, [{"code": c, "name": n, "rate": r, "valid_from": d, "is_exempt": e,
                            "created_at": now, "updated_at": now} for c, n, r, d, e in RATES])

    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.add_column(sa.Column("small_scale_taxpayer", sa.Boolean(), server_default=sa.false(), nullable=False))
    for name in ("product_category", "product"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("tax_rate_code", sa.String(length=20), nullable=True))
    for name, column in (("supplier", "prices_include_tax"), ("customer", "prices_include_tax"),
                         ("supplier_price", "price_includes_tax")):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.Boolean(), server_default=sa.false(), nullable=False))
    for name in LINE_TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("price_includes_tax", sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
            batch_op.add_column(sa.Column("tax_rate_code", sa.String(length=20), nullable=True))
            batch_op.add_column(sa.Column("tax_rate", _rate(), server_default="0", nullable=False))
            batch_op.add_column(sa.Column("tax_amount", _money(), server_default="0", nullable=False))
            batch_op.add_column(sa.Column("gross_amount", _money(), server_default="0", nullable=False))
        op.execute(f"UPDATE {name} SET gross_amount = amount")
    op.create_table(
        "credit_note_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_note_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("return_line_id", sa.Integer(), nullable=False),
        sa.Column("shipment_line_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("unit_price", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("amount", _money(), nullable=False),
        sa.Column("price_includes_tax", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("tax_rate_code", sa.String(length=20), nullable=True),
        sa.Column("tax_rate", _rate(), server_default="0", nullable=False),
        sa.Column("tax_amount", _money(), server_default="0", nullable=False),
        sa.Column("gross_amount", _money(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["credit_note_id"], ["credit_note.id"],
                                name=op.f("fk_credit_note_line_credit_note_id_credit_note")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_credit_note_line_product_id_product")),
        sa.ForeignKeyConstraint(["return_line_id"], ["sales_return_line.id"],
                                name=op.f("fk_credit_note_line_return_line_id_sales_return_line")),
        sa.ForeignKeyConstraint(["shipment_line_id"], ["shipment_line.id"],
                                name=op.f("fk_credit_note_line_shipment_line_id_shipment_line")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note_line")),
        sa.UniqueConstraint("credit_note_id", "line_no", name=op.f("uq_credit_note_line_credit_note_id_line_no")),
    )
    with op.batch_alter_table("credit_note_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_note_line_credit_note_id"), ["credit_note_id"])
        batch_op.create_index(batch_op.f("ix_credit_note_line_updated_at"), ["updated_at"])
    # Credit notes issued before this revision carry no VAT (their returned lines had rate 0).
    with op.batch_alter_table("supplier_bill_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tax_variance", _money(), server_default="0", nullable=False))
    for name in ORDER_TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("tax_amount", _money(), server_default="0", nullable=False))
            batch_op.add_column(sa.Column("gross_amount", _money(), server_default="0", nullable=False))
        op.execute(f"UPDATE {name} SET gross_amount = total_amount")
    for name in BILL_TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("net_amount", _money(), server_default="0", nullable=False))
            batch_op.add_column(sa.Column("tax_amount", _money(), server_default="0", nullable=False))
        op.execute(f"UPDATE {name} SET net_amount = total_amount")
    for name in NOTE_TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column("tax_amount", _money(), server_default="0", nullable=False))


def downgrade() -> None:
    for name in NOTE_TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("tax_amount")
    for name in BILL_TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("tax_amount")
            batch_op.drop_column("net_amount")
    for name in ORDER_TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("gross_amount")
            batch_op.drop_column("tax_amount")
    with op.batch_alter_table("supplier_bill_line", schema=None) as batch_op:
        batch_op.drop_column("tax_variance")
    with op.batch_alter_table("credit_note_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_note_line_updated_at"))
        batch_op.drop_index(batch_op.f("ix_credit_note_line_credit_note_id"))
    op.drop_table("credit_note_line")
    for name in LINE_TABLES:
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column in ("gross_amount", "tax_amount", "tax_rate", "tax_rate_code", "price_includes_tax"):
                batch_op.drop_column(column)
    for name, column in (("supplier_price", "price_includes_tax"), ("customer", "prices_include_tax"),
                         ("supplier", "prices_include_tax")):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column(column)
    for name in ("product", "product_category"):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_column("tax_rate_code")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_column("small_scale_taxpayer")
    with op.batch_alter_table("tax_rate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tax_rate_updated_at"))
        batch_op.drop_index(batch_op.f("ix_tax_rate_code"))
    op.drop_table("tax_rate")
