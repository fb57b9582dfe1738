"""Form submissions already carried out, keyed by the form's idempotency token (see
``operational.services.idempotency``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, utcnow


class FormSubmission(Base):
    """One row per submitted form token, written in the same transaction as the document it
    created; the primary key makes a second submission of the same token find the first one."""

    __tablename__ = "form_submission"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity: Mapped[str | None] = mapped_column(String(60))  # the created document's class name
    document_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
