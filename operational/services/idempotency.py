"""Idempotent form submission: the same submission (same token) creates its document once.

An entry form gets a fresh random token each time it is drawn empty. The service that saves the
form runs its create function through ``once`` with that token, in the caller's transaction:

1. ``INSERT ... ON CONFLICT DO NOTHING`` a ``form_submission`` row for the token. Its primary key
   is the lock: a concurrent transaction with the same token waits here until the first one
   commits (PostgreSQL) or queues behind its write lock (SQLite ``BEGIN IMMEDIATE``);
2. if the row already names a document, that document is returned and nothing is created;
3. otherwise the document is created and its reference written into the row, in the same
   transaction. A create that fails rolls the row back with it, so the corrected form can be
   submitted again with the same token.

So a double click, a resent request or "save" pressed again on the same form returns the first
document instead of a second identical one.

A token only matters while its form can still be submitted again, so ``prune_submissions`` deletes
rows older than ``KEEP_SUBMISSION_DAYS`` (at every login and in ``jxc prune``); without it the table
would gain a row per document forever.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import delete
from sqlalchemy.orm import Session

from operational.db import insert_if_absent
from operational.models import Base, FormSubmission, utcnow

T = TypeVar("T")
MAX_TOKEN = 64
# A form page left open for a month and then saved again is the longest case worth guarding.
KEEP_SUBMISSION_DAYS = 30


class Outcome(NamedTuple):
    document: Any
    created: bool  # False: the token was submitted before and ``document`` is that first one


def _model(name: str) -> type:
    for mapper in Base.registry.mappers:
        if mapper.class_.__name__ == name:
            return mapper.class_
    raise LookupError(name)


def once(session: Session, token: str | None, create: Callable[[], T]) -> Outcome:
    """Run ``create`` (which returns the new document, an ORM object with an ``id``) unless
    ``token`` was already used; then return the document it created. No token: always create."""
    if not token:
        return Outcome(create(), True)
    if len(token) > MAX_TOKEN:
        raise ValueError(f"form token longer than {MAX_TOKEN} characters")  # tokens are ours, never typed
    insert_if_absent(session, FormSubmission, {"token": token, "created_at": utcnow()}, ["token"])
    row = session.get(FormSubmission, token, populate_existing=True)
    if row is not None and row.document_id is not None and row.entity:
        return Outcome(session.get(_model(row.entity), row.document_id), False)
    document = create()
    session.flush()
    row.entity, row.document_id = type(document).__name__, document.id
    session.flush()
    return Outcome(document, True)


def prune_submissions(session: Session, *, now: datetime | None = None) -> int:
    """Delete the submission records older than ``KEEP_SUBMISSION_DAYS``; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=KEEP_SUBMISSION_DAYS)
    result = session.execute(delete(FormSubmission).where(FormSubmission.created_at < cutoff)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)
