"""What every router shares: typed parameters, 404 for an unknown id in the path, and running a
create once per Idempotency-Key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Path, Query, Response
from sqlalchemy.orm import Session

from api.deps import Caller, submission_token
from api.errors import ApiError
from api.schemas import MAX_ID
from operational.services import idempotency

PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="The record's id.")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Rows per page (at most 1000).")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
Search = Annotated[str, Query(max_length=100, pattern=r"^[^\x00]*$",
                              description="Part of the code, name or barcode (case-insensitive).")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or an invalid, expired or revoked one"},
    403: {"description": "The token's role may not do this"},
    422: {"description": "Input that breaks a rule; `error.field` names the field"},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS, 404: {"description": "No record with this id"},
    409: {"description": "The document's state (or the stock, or the credit limit) does not allow this"},
}
READ_ERRORS: dict[int | str, dict[str, Any]] = {**ERRORS, 404: {"description": "No record with this id"}}


def get_or_404(session: Session, model: type, record_id: int, entity: str) -> Any:
    record = session.get(model, record_id)
    if record is None:
        raise ApiError(404, "api_not_found", field="id", entity=f"entity.{entity}", key=record_id)
    return record


def create_once(session: Session, who: Caller, route: str, key: str | None, response: Response,
                create: Callable[[], Any]) -> Any:
    """Run ``create`` unless this user already sent ``key`` to ``route``; then the first result
    (200 and ``Idempotent-Replayed: true`` instead of 201)."""
    outcome = idempotency.once(session, submission_token(who, route, key), create)
    if not outcome.created:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return fresh(session, outcome.document)


def fresh(session: Session, record: Any) -> Any:
    """``record`` as the store holds it: a number typed as ``100`` reads back as ``100.0000`` (its
    column's scale), so the first answer and a replayed or later GET say the same."""
    session.flush()
    session.expire_all()
    return record
