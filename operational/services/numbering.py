"""Human-readable document numbers: PREFIX-YYYY-NNNNNN, gap-free per prefix and year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlalchemy.orm import Session

from operational.db import insert_if_absent
from operational.models import DocSequence

PREFIXES = {
    "purchase_order": "PO",
    "goods_receipt": "GR",
    "sales_order": "SO",
    "shipment": "SH",
}


def next_doc_no(session: Session, doc_type: str, on: date) -> str:
    """Issue the next number. The UPDATE row-locks the sequence until the transaction ends,
    so concurrent documents never get the same number (and a rolled-back one frees it)."""
    prefix = PREFIXES[doc_type]
    insert_if_absent(session, DocSequence, {"prefix": prefix, "year": on.year, "last_no": 0}, ["prefix", "year"])
    number = session.execute(
        update(DocSequence)
        .where(DocSequence.prefix == prefix, DocSequence.year == on.year)
        .values(last_no=DocSequence.last_no + 1)
        .returning(DocSequence.last_no)
    ).scalar_one()
    return f"{prefix}-{on.year}-{number:06d}"
