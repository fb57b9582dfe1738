"""Human-readable document numbers: PREFIX-YYYY-NNNNNN, gap-free per prefix and year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

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
    year = on.year
    result = session.execute(
        update(DocSequence)
        .where(DocSequence.prefix == prefix, DocSequence.year == year)
        .values(last_no=DocSequence.last_no + 1)
    )
    if result.rowcount == 0:
        session.add(DocSequence(prefix=prefix, year=year, last_no=1))
        session.flush()
        number = 1
    else:
        number = session.execute(
            select(DocSequence.last_no).where(DocSequence.prefix == prefix, DocSequence.year == year)
        ).scalar_one()
    return f"{prefix}-{year}-{number:06d}"
