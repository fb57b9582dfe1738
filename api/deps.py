"""Request dependencies: the store, the caller (from the Bearer token) and the role check."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from api.errors import ApiError
from api.permissions import allowed
from operational.audit import acting_as
from operational.db import get_engine, read_only, unit_of_work
from operational.services import api_tokens
from operational.services.errors import AuthError

bearer = HTTPBearer(auto_error=False, description="An API token issued by an admin (`jxc user token`).")


def engine(request: Request) -> Engine:
    """The app's engine (set by ``create_app``), else the configured store."""
    return getattr(request.app.state, "engine", None) or get_engine()


@dataclass(frozen=True)
class Caller:
    id: int
    username: str
    role: str


def caller(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Caller:
    """The token's user; 401 without a (valid) token. Read in a read-only transaction; the token's
    last use is written separately and only every few minutes."""
    if credentials is None:
        raise ApiError(401, "api_token_missing", field="authorization", headers={"WWW-Authenticate": "Bearer"})
    store = engine(request)
    try:
        with read_only(store) as session:
            found = api_tokens.authenticate_token(session, credentials.credentials)
            who = Caller(found.user.id, found.user.username, found.user.role)
    except AuthError:
        raise ApiError(401, "api_token_invalid", field="authorization",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    request.state.caller = who
    if found.touch_due:
        with writing(request) as session:
            api_tokens.touch_token(session, found.token_id)
    return who


@contextmanager
def writing(request: Request) -> Iterator[Session]:
    """One store transaction for a request, recorded in the audit log as the token's user over the
    API. Handlers run in a worker thread, so the acting user is set here, around the transaction,
    not in the dependency (a context variable set there does not reach the handler)."""
    who: Caller | None = getattr(request.state, "caller", None)
    with acting_as(who.id if who else None, who.username if who else None, "api"), \
            unit_of_work(engine(request)) as session:
        yield session


def require(permission: str) -> Callable[..., Caller]:
    """A dependency: the caller, if their role has ``permission``; 403 otherwise."""

    def check(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if not allowed(permission, who.role):
            raise ApiError(403, "forbidden")
        return who

    check.__name__ = f"require_{permission.replace('.', '_')}"
    return check


_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def idempotency_key(idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key", max_length=64, pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Send the same key again (same user, same endpoint) and the first result is returned "
                    "instead of a second document.")] = None) -> str | None:
    if idempotency_key is not None and not _KEY.match(idempotency_key):
        raise ApiError(422, "api_idempotency_key", field="idempotency_key")
    return idempotency_key


def submission_token(who: Caller, route: str, key: str | None) -> str | None:
    """The ``form_submission`` token of an API request: scoped to the user and the endpoint, so
    two programs (or one program on two endpoints) never share a key by accident."""
    if key is None:
        return None
    return "api:" + hashlib.sha256(f"{who.id}|{route}|{key}".encode()).hexdigest()[:56]
