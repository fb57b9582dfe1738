"""print log: every print of a document, so a reprint is marked 补打

Revision ID: 0021
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_print",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("doc_type", sa.String(length=30), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("doc_no", sa.String(length=60), nullable=False),
        sa.Column("copy_no", sa.Integer(), nullable=False),
        sa.Column("paper", sa.String(length=10), nullable=False),
        sa.Column("printed_by", sa.Integer(), nullable=True),
        sa.Column("printed_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("copy_no >= 1", name=op.f("ck_document_print_copy_no_positive")),
        sa.ForeignKeyConstraint(["printed_by"], ["app_user.id"], name=op.f("fk_document_print_printed_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_print")),
        sa.UniqueConstraint("doc_type", "doc_no", "copy_no", name=op.f("uq_document_print_doc_type_doc_no_copy_no")),
    )


def downgrade() -> None:
    op.drop_table("document_print")
