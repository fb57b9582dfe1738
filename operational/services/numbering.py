"""Human-readable document numbers: PREFIX-YYYY-NNNNNN, gap-free per prefix and year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from operational.db import insert_if_absent
from operational.models import DocSequence

PREFIXES = {
    "purchase_order": "PO",
    "goods_receipt": "GR",
    "sales_order": "SO",
    "shipment": "SH",
    "purchase_return": "PR",
    "sales_return": "SR",
    "stock_transfer": "TR",
    "stocktake": "ST",
    "bin_move": "BM",
    "crm_opportunity": "OP",
    "cash_transfer": "CT",
    "sales_invoice": "SI",
    "customer_receipt": "RC",
    "credit_note": "CN",
    "bad_debt_write_off": "WO",
    "supplier_bill": "PI",
    "supplier_payment": "PY",
    "debit_note": "DN",
    "expense_claim": "EC",
    "service_ticket": "TK",
    "leave_request": "LV",
    "landed_cost": "LC",
}


_SEQ = DocSequence.__table__
# Built once (cheap per document); the UPDATE row-locks the sequence until the transaction ends.
_BUMP = (
    update(_SEQ)
    .where(_SEQ.c.prefix == bindparam("b_prefix"), _SEQ.c.year == bindparam("b_year"))
    .values(last_no=_SEQ.c.last_no + 1)
    .returning(_SEQ.c.last_no)
)


def next_doc_no(session: Session, doc_type: str, on: date) -> str:
    """Issue the next number. Concurrent documents never get the same number, and a rolled-back
    document frees its number (the sequence row is updated in the document's transaction)."""
    prefix = PREFIXES[doc_type]
    conn = session.connection()
    params = {"b_prefix": prefix, "b_year": on.year}
    number = conn.execute(_BUMP, params).scalar()
    if number is None:  # first document of this kind this year
        insert_if_absent(session, DocSequence, {"prefix": prefix, "year": on.year, "last_no": 0}, ["prefix", "year"])
        number = conn.execute(_BUMP, params).scalar_one()
    return f"{prefix}-{on.year}-{number:06d}"
