"""supplier bills with three-way match, payables instalments, supplier payments, debit notes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import operational.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("supplier_bill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("supplier_invoice_no", sa.String(length=40), nullable=False),
        sa.Column("bill_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("match_status", sa.String(length=20), nullable=False),
        sa.Column("total_amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("hold_reason", sa.String(length=500), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("rejected_by", sa.Integer(), nullable=True),
        sa.Column("rejected_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=300), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["approved_by"], ["app_user.id"], name=op.f("fk_supplier_bill_approved_by_app_user")),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_supplier_bill_created_by_app_user")),
        sa.ForeignKeyConstraint(["rejected_by"], ["app_user.id"], name=op.f("fk_supplier_bill_rejected_by_app_user")),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_supplier_bill_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_bill")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_supplier_bill_doc_no")),
    )
    op.create_index(op.f("ix_supplier_bill_bill_date"), "supplier_bill", ["bill_date"], unique=False)
    op.create_index(op.f("ix_supplier_bill_status"), "supplier_bill", ["status"], unique=False)
    op.create_index(op.f("ix_supplier_bill_supplier_id"), "supplier_bill", ["supplier_id"], unique=False)
    op.create_index("ix_supplier_bill_supplier_invoice", "supplier_bill", ["supplier_id", "supplier_invoice_no"], unique=False)
    op.create_index(op.f("ix_supplier_bill_updated_at"), "supplier_bill", ["updated_at"], unique=False)
    op.create_table("supplier_match_tolerance",
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("qty_tolerance", operational.types.ScaledDecimal(scale=4, precision=9), nullable=False),
        sa.Column("price_tolerance", operational.types.ScaledDecimal(scale=4, precision=9), nullable=False),
        sa.Column("price_abs_tolerance", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_supplier_match_tolerance_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("supplier_id", name=op.f("pk_supplier_match_tolerance")),
    )
    op.create_index(op.f("ix_supplier_match_tolerance_updated_at"), "supplier_match_tolerance", ["updated_at"], unique=False)
    op.create_table("ap_instalment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("settled_amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bill_id"], ["supplier_bill.id"], name=op.f("fk_ap_instalment_bill_id_supplier_bill")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ap_instalment")),
        sa.UniqueConstraint("bill_id", "seq", name=op.f("uq_ap_instalment_bill_id_seq")),
    )
    op.create_index(op.f("ix_ap_instalment_bill_id"), "ap_instalment", ["bill_id"], unique=False)
    op.create_index(op.f("ix_ap_instalment_due_date"), "ap_instalment", ["due_date"], unique=False)
    op.create_index(op.f("ix_ap_instalment_updated_at"), "ap_instalment", ["updated_at"], unique=False)
    op.create_table("supplier_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("cash_account_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("unallocated_amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("memo", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("cash_ledger_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["approved_by"], ["app_user.id"], name=op.f("fk_supplier_payment_approved_by_app_user")),
        sa.ForeignKeyConstraint(["cash_account_id"], ["cash_account.id"], name=op.f("fk_supplier_payment_cash_account_id_cash_account")),
        sa.ForeignKeyConstraint(["cash_ledger_id"], ["cash_ledger.id"], name=op.f("fk_supplier_payment_cash_ledger_id_cash_ledger")),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_supplier_payment_created_by_app_user")),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_supplier_payment_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_payment")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_supplier_payment_doc_no")),
    )
    op.create_index(op.f("ix_supplier_payment_payment_date"), "supplier_payment", ["payment_date"], unique=False)
    op.create_index(op.f("ix_supplier_payment_status"), "supplier_payment", ["status"], unique=False)
    op.create_index(op.f("ix_supplier_payment_supplier_id"), "supplier_payment", ["supplier_id"], unique=False)
    op.create_index(op.f("ix_supplier_payment_updated_at"), "supplier_payment", ["updated_at"], unique=False)
    op.create_table("ap_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("source_type", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("allocated_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_ap_allocation_created_by_app_user")),
        sa.ForeignKeyConstraint(["instalment_id"], ["ap_instalment.id"], name=op.f("fk_ap_allocation_instalment_id_ap_instalment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ap_allocation")),
    )
    op.create_index(op.f("ix_ap_allocation_allocated_on"), "ap_allocation", ["allocated_on"], unique=False)
    op.create_index(op.f("ix_ap_allocation_instalment_id"), "ap_allocation", ["instalment_id"], unique=False)
    op.create_index("ix_ap_allocation_source", "ap_allocation", ["source_type", "source_id"], unique=False)
    op.create_table("supplier_payment_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["instalment_id"], ["ap_instalment.id"], name=op.f("fk_supplier_payment_target_instalment_id_ap_instalment")),
        sa.ForeignKeyConstraint(["payment_id"], ["supplier_payment.id"], name=op.f("fk_supplier_payment_target_payment_id_supplier_payment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_payment_target")),
    )
    op.create_index(op.f("ix_supplier_payment_target_payment_id"), "supplier_payment_target", ["payment_id"], unique=False)
    op.create_table("billed_receipt_line",
        sa.Column("receipt_line_id", sa.Integer(), nullable=False),
        sa.Column("billed_qty", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("debited_qty", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["receipt_line_id"], ["goods_receipt_line.id"], name=op.f("fk_billed_receipt_line_receipt_line_id_goods_receipt_line")),
        sa.PrimaryKeyConstraint("receipt_line_id", name=op.f("pk_billed_receipt_line")),
    )
    op.create_index(op.f("ix_billed_receipt_line_updated_at"), "billed_receipt_line", ["updated_at"], unique=False)
    op.create_table("debit_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=30), nullable=False),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("purchase_return_id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=True),
        sa.Column("note_date", sa.Date(), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("unallocated_amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("memo", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bill_id"], ["supplier_bill.id"], name=op.f("fk_debit_note_bill_id_supplier_bill")),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_debit_note_created_by_app_user")),
        sa.ForeignKeyConstraint(["purchase_return_id"], ["purchase_return.id"], name=op.f("fk_debit_note_purchase_return_id_purchase_return")),
        sa.ForeignKeyConstraint(["supplier_id"], ["supplier.id"], name=op.f("fk_debit_note_supplier_id_supplier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debit_note")),
        sa.UniqueConstraint("doc_no", name=op.f("uq_debit_note_doc_no")),
        sa.UniqueConstraint("purchase_return_id", name=op.f("uq_debit_note_purchase_return_id")),
    )
    op.create_index(op.f("ix_debit_note_note_date"), "debit_note", ["note_date"], unique=False)
    op.create_index(op.f("ix_debit_note_supplier_id"), "debit_note", ["supplier_id"], unique=False)
    op.create_index(op.f("ix_debit_note_updated_at"), "debit_note", ["updated_at"], unique=False)
    op.create_table("supplier_bill_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bill_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("receipt_line_id", sa.Integer(), nullable=False),
        sa.Column("po_line_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("unit_price", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("billable_qty", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("po_price", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("qty_variance", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("price_variance", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("within_tolerance", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bill_id"], ["supplier_bill.id"], name=op.f("fk_supplier_bill_line_bill_id_supplier_bill")),
        sa.ForeignKeyConstraint(["po_line_id"], ["purchase_order_line.id"], name=op.f("fk_supplier_bill_line_po_line_id_purchase_order_line")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_supplier_bill_line_product_id_product")),
        sa.ForeignKeyConstraint(["receipt_line_id"], ["goods_receipt_line.id"], name=op.f("fk_supplier_bill_line_receipt_line_id_goods_receipt_line")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_bill_line")),
        sa.UniqueConstraint("bill_id", "line_no", name=op.f("uq_supplier_bill_line_bill_id_line_no")),
    )
    op.create_index(op.f("ix_supplier_bill_line_bill_id"), "supplier_bill_line", ["bill_id"], unique=False)
    op.create_index(op.f("ix_supplier_bill_line_receipt_line_id"), "supplier_bill_line", ["receipt_line_id"], unique=False)
    op.create_index(op.f("ix_supplier_bill_line_updated_at"), "supplier_bill_line", ["updated_at"], unique=False)
    op.create_table("debit_note_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debit_note_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("return_line_id", sa.Integer(), nullable=False),
        sa.Column("receipt_line_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("unit_price", operational.types.ScaledDecimal(scale=4, precision=18), nullable=False),
        sa.Column("amount", operational.types.ScaledDecimal(scale=2, precision=18), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["debit_note_id"], ["debit_note.id"], name=op.f("fk_debit_note_line_debit_note_id_debit_note")),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"], name=op.f("fk_debit_note_line_product_id_product")),
        sa.ForeignKeyConstraint(["receipt_line_id"], ["goods_receipt_line.id"], name=op.f("fk_debit_note_line_receipt_line_id_goods_receipt_line")),
        sa.ForeignKeyConstraint(["return_line_id"], ["purchase_return_line.id"], name=op.f("fk_debit_note_line_return_line_id_purchase_return_line")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debit_note_line")),
        sa.UniqueConstraint("debit_note_id", "line_no", name=op.f("uq_debit_note_line_debit_note_id_line_no")),
    )
    op.create_index(op.f("ix_debit_note_line_debit_note_id"), "debit_note_line", ["debit_note_id"], unique=False)
    op.create_index(op.f("ix_debit_note_line_updated_at"), "debit_note_line", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_table("debit_note_line")
    op.drop_table("supplier_bill_line")
    op.drop_table("debit_note")
    op.drop_table("billed_receipt_line")
    op.drop_table("supplier_payment_target")
    op.drop_table("ap_allocation")
    op.drop_table("supplier_payment")
    op.drop_table("ap_instalment")
    op.drop_table("supplier_match_tolerance")
    op.drop_table("supplier_bill")
