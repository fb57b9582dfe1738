"""The print log (打印记录): every time a document is printed, which copy it was, on what paper, by
whom and when. The first print of a document is the original (copy 1); every later one is a
reprint and is marked 补打 on the paper (``operational.services.printing``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, utcnow

PRINTABLE_TYPES = ("purchase_order", "goods_receipt", "sales_order", "shipment", "stock_transfer", "stocktake",
                   "statement")
PAPERS = ("a4", "cf241")


class DocumentPrint(Base):
    """One print of one document. ``doc_no`` is the printed number (for a statement, the customer and
    period), ``copy_no`` counts the prints of that number from 1; the pair is unique, so two clerks
    printing at once cannot both get the original."""

    __tablename__ = "document_print"
    __table_args__ = (
        UniqueConstraint("doc_type", "doc_no", "copy_no"),
        CheckConstraint("copy_no >= 1", name="copy_no_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(30))
    doc_id: Mapped[int] = mapped_column(Integer)
    doc_no: Mapped[str] = mapped_column(String(60))
    copy_no: Mapped[int] = mapped_column(Integer)
    paper: Mapped[str] = mapped_column(String(10))
    printed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    printed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
