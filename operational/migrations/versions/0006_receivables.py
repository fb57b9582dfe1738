"""payment terms, sales invoices, receivables instalments, customer receipts, allocations, credit notes, write-offs, collection notes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28

Written from the models of operational/models/receivables.py (plus customer/supplier.payment_term_id).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_term",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_term")),
        sa.UniqueConstraint("code", name=op.f("uq_payment_term_code")),
    )
    with op.batch_alter_table("payment_term", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_term_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "payment_term_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("term_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("percent", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["term_id"], ["payment_term.id"], name=op.f("fk_payment_term_line_term_id_payment_term")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_term_line")),
        sa.UniqueConstraint("term_id", "seq", name=op.f("uq_payment_term_line_term_id_seq")),
    )
    with op.batch_alter_table("payment_term_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_term_line_term_id"), ["term_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_term_line_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "collection_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("note_date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("contact", sa.String(length=50), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("promised_amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_collection_note_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_collection_note_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_note")),
    )
    with op.batch_alter_table("collection_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_note_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_note_note_date"), ["note_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_note_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "customer_receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("receipt_date", sa.Date(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("cash_account_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column(
            "unallocated_amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False
        ),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cash_account_id"],
            ["cash_account.id"],
            name=op.f("fk_customer_receipt_cash_account_id_cash_account"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_customer_receipt_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_customer_receipt_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_receipt")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_customer_receipt_doc_no")),
    )
    with op.batch_alter_table("customer_receipt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_receipt_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_receipt_receipt_date"), ["receipt_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_receipt_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "sales_invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total_amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("payment_term_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("cancelled_by", sa.Integer(), nullable=True),
        sa.Column("cancelled_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cancelled_by"], ["app_user.id"], name=op.f("fk_sales_invoice_cancelled_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_sales_invoice_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_sales_invoice_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["payment_term_id"],
            ["payment_term.id"],
            name=op.f("fk_sales_invoice_payment_term_id_payment_term"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_invoice")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_sales_invoice_doc_no")),
    )
    with op.batch_alter_table("sales_invoice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sales_invoice_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sales_invoice_invoice_date"), ["invoice_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_sales_invoice_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_sales_invoice_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "ar_instalment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("settled_amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["sales_invoice.id"], name=op.f("fk_ar_instalment_invoice_id_sales_invoice")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_instalment")),
        sa.UniqueConstraint("invoice_id", "seq", name=op.f("uq_ar_instalment_invoice_id_seq")),
    )
    with op.batch_alter_table("ar_instalment", schema=None) as batch_op:
        batch_op.create_index("ix_ar_instalment_due", ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_ar_instalment_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ar_instalment_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "bad_debt_write_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("request_date", sa.Date(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_bad_debt_write_off_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["app_user.id"], name=op.f("fk_bad_debt_write_off_decided_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["sales_invoice.id"], name=op.f("fk_bad_debt_write_off_invoice_id_sales_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["app_user.id"], name=op.f("fk_bad_debt_write_off_requested_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bad_debt_write_off")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_bad_debt_write_off_doc_no")),
    )
    with op.batch_alter_table("bad_debt_write_off", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bad_debt_write_off_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bad_debt_write_off_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bad_debt_write_off_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_bad_debt_write_off_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "ar_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("allocated_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_ar_allocation_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["instalment_id"], ["ar_instalment.id"], name=op.f("fk_ar_allocation_instalment_id_ar_instalment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ar_allocation")),
    )
    with op.batch_alter_table("ar_allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ar_allocation_allocated_on"), ["allocated_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_ar_allocation_instalment_id"), ["instalment_id"], unique=False)
        batch_op.create_index("ix_ar_allocation_source", ["source_type", "source_id"], unique=False)

    op.create_table(
        "credit_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("sales_return_id", sa.Integer(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), nullable=True),
        sa.Column("note_date", sa.Date(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column(
            "unallocated_amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False
        ),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_credit_note_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_credit_note_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["sales_invoice.id"], name=op.f("fk_credit_note_invoice_id_sales_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["sales_return_id"], ["sales_return.id"], name=op.f("fk_credit_note_sales_return_id_sales_return")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_credit_note_doc_no")),
        sa.UniqueConstraint("sales_return_id", name=op.f("uq_credit_note_sales_return_id")),
    )
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_note_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_note_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_note_note_date"), ["note_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_note_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "invoiced_shipment_line",
        sa.Column("shipment_line_id", sa.Integer(), nullable=False),
        sa.Column("invoiced_qty", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shipment_line_id"],
            ["shipment_line.id"],
            name=op.f("fk_invoiced_shipment_line_shipment_line_id_shipment_line"),
        ),
        sa.PrimaryKeyConstraint("shipment_line_id", name=op.f("pk_invoiced_shipment_line")),
    )
    with op.batch_alter_table("invoiced_shipment_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoiced_shipment_line_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "sales_invoice_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("shipment_line_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("unit_price", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("discount_rate", operational.types.ScaledDecimal(scale=4, precision=9), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["sales_invoice.id"], name=op.f("fk_sales_invoice_line_invoice_id_sales_invoice")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_sales_invoice_line_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_line_id"],
            ["shipment_line.id"],
            name=op.f("fk_sales_invoice_line_shipment_line_id_shipment_line"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sales_invoice_line")),
        sa.UniqueConstraint("invoice_id", "line_no", name=op.f("uq_sales_invoice_line_invoice_id_line_no")),
    )
    with op.batch_alter_table("sales_invoice_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sales_invoice_line_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sales_invoice_line_shipment_line_id"), ["shipment_line_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_sales_invoice_line_updated_at"), ["updated_at"], unique=False)

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_term_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_customer_payment_term_id_payment_term"),
            "payment_term",
            ["payment_term_id"],
            ["id"],
        )

    with op.batch_alter_table("supplier", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payment_term_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_supplier_payment_term_id_payment_term"),
            "payment_term",
            ["payment_term_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("supplier", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_supplier_payment_term_id_payment_term"), type_="foreignkey")
        batch_op.drop_column("payment_term_id")

    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_customer_payment_term_id_payment_term"), type_="foreignkey")
        batch_op.drop_column("payment_term_id")

    with op.batch_alter_table("sales_invoice_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_invoice_line_updated_at"))
        batch_op.drop_index(batch_op.f("ix_sales_invoice_line_shipment_line_id"))
        batch_op.drop_index(batch_op.f("ix_sales_invoice_line_invoice_id"))

    op.drop_table("sales_invoice_line")
    with op.batch_alter_table("invoiced_shipment_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoiced_shipment_line_updated_at"))

    op.drop_table("invoiced_shipment_line")
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_note_updated_at"))
        batch_op.drop_index(batch_op.f("ix_credit_note_note_date"))
        batch_op.drop_index(batch_op.f("ix_credit_note_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_credit_note_customer_id"))

    op.drop_table("credit_note")
    with op.batch_alter_table("ar_allocation", schema=None) as batch_op:
        batch_op.drop_index("ix_ar_allocation_source")
        batch_op.drop_index(batch_op.f("ix_ar_allocation_instalment_id"))
        batch_op.drop_index(batch_op.f("ix_ar_allocation_allocated_on"))

    op.drop_table("ar_allocation")
    with op.batch_alter_table("bad_debt_write_off", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bad_debt_write_off_updated_at"))
        batch_op.drop_index(batch_op.f("ix_bad_debt_write_off_status"))
        batch_op.drop_index(batch_op.f("ix_bad_debt_write_off_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_bad_debt_write_off_customer_id"))

    op.drop_table("bad_debt_write_off")
    with op.batch_alter_table("ar_instalment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ar_instalment_updated_at"))
        batch_op.drop_index(batch_op.f("ix_ar_instalment_invoice_id"))
        batch_op.drop_index("ix_ar_instalment_due")

    op.drop_table("ar_instalment")
    with op.batch_alter_table("sales_invoice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sales_invoice_updated_at"))
        batch_op.drop_index(batch_op.f("ix_sales_invoice_status"))
        batch_op.drop_index(batch_op.f("ix_sales_invoice_invoice_date"))
        batch_op.drop_index(batch_op.f("ix_sales_invoice_customer_id"))

    op.drop_table("sales_invoice")
    with op.batch_alter_table("customer_receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_receipt_updated_at"))
        batch_op.drop_index(batch_op.f("ix_customer_receipt_receipt_date"))
        batch_op.drop_index(batch_op.f("ix_customer_receipt_customer_id"))

    op.drop_table("customer_receipt")
    with op.batch_alter_table("collection_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_note_updated_at"))
        batch_op.drop_index(batch_op.f("ix_collection_note_note_date"))
        batch_op.drop_index(batch_op.f("ix_collection_note_customer_id"))

    op.drop_table("collection_note")
    with op.batch_alter_table("payment_term_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_term_line_updated_at"))
        batch_op.drop_index(batch_op.f("ix_payment_term_line_term_id"))

    op.drop_table("payment_term_line")
    with op.batch_alter_table("payment_term", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_term_updated_at"))

    op.drop_table("payment_term")
