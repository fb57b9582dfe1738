"""The import log (导入批次): which files were imported, recognised by the sha256 of their content.

The importer (``importing``) asks ``check_not_imported`` before it validates a file and calls
``record_import`` in the same transaction as the records it writes, so a file is either imported
and logged or neither; the unique hash makes a second import of the same bytes fail even when two
imports of it race.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.models import ImportBatch
from operational.services.errors import ValidationError
from operational.services.validation import required_text


def find_import(session: Session, content_hash: str) -> ImportBatch | None:
    return session.execute(select(ImportBatch).where(ImportBatch.content_hash == content_hash)).scalar_one_or_none()


def check_not_imported(session: Session, content_hash: str, file_name: str) -> None:
    """Refuse a file whose exact content was imported before (naming when and as what)."""
    earlier = find_import(session, content_hash)
    if earlier is not None:
        raise ValidationError("already_imported", record=file_name[:60], file=earlier.file_name,
                              at=earlier.imported_at.strftime("%Y-%m-%d %H:%M"), kind=earlier.kind)


def record_import(session: Session, content_hash: str, kind: str, file_name: str, *, rows: int, records: int,
                  user_id: int | None = None) -> ImportBatch:
    """Log an import; refused if the same content is already logged."""
    content_hash = required_text(content_hash, "content_hash")
    check_not_imported(session, content_hash, file_name)
    batch = ImportBatch(content_hash=content_hash, kind=required_text(kind, "kind"), file_name=file_name[-200:],
                        row_count=rows, record_count=records, imported_by=user_id)
    session.add(batch)
    session.flush()
    return batch


def recent_imports(session: Session, limit: int = 50) -> list[ImportBatch]:
    """The latest imports first, for the import page."""
    return list(session.execute(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)).scalars())
