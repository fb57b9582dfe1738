"""API tokens (admins only): issue one for a user (the secret is in this response only), list,
revoke. ``jxc user token`` does the same at the machine, for the first token."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from api.deps import Caller, engine, idempotency_key, require, writing
from api.errors import ApiError
from api.routes.common import READ_ERRORS, WRITE_ERRORS, OptionalId, PathId, create_once, get_or_404
from api.schemas import IssuedTokenOut, TokenIn, TokenOut
from operational.db import read_only
from operational.models import ApiToken, AppUser
from operational.services import api_tokens

router = APIRouter(tags=["tokens"])
admin = require("tokens.admin")


@router.get("/tokens", response_model=list[TokenOut], responses=READ_ERRORS, operation_id="list_tokens")
def list_tokens(request: Request, who: Annotated[Caller, Depends(admin)], user_id: OptionalId = None) -> Any:
    with read_only(engine(request)) as s:
        return [TokenOut.model_validate(t)
                for t in api_tokens.list_tokens(s, s.get(AppUser, who.id), user_id=user_id)]


@router.post("/tokens", response_model=IssuedTokenOut, status_code=201, responses=WRITE_ERRORS,
             operation_id="issue_token")
def issue_token(request: Request, response: Response, body: TokenIn, who: Annotated[Caller, Depends(admin)],
                key: Annotated[str | None, Depends(idempotency_key)] = None) -> Any:
    """A new token for a user. Keep the ``token`` now: it is not shown again (the store has only its hash).
    A replayed Idempotency-Key cannot show the secret again, so it answers 409."""
    with writing(request) as s:
        issued: list[api_tokens.IssuedToken] = []

        def create() -> Any:
            issued.append(api_tokens.issue_token(s, s.get(AppUser, who.id), body.user_id, body.name,
                                                 expires_in_days=body.expires_in_days))
            return issued[0].record

        record = create_once(s, who, "issue_token", key, response, create)
        if not issued:
            raise ApiError(409, "api_token_replayed", field="idempotency_key")
        return IssuedTokenOut(**TokenOut.model_validate(record).model_dump(), token=issued[0].token)


@router.delete("/tokens/{token_id}", response_model=TokenOut, responses=WRITE_ERRORS, operation_id="revoke_token")
def revoke_token(request: Request, token_id: PathId, who: Annotated[Caller, Depends(admin)]) -> Any:
    """The token stops working at once."""
    with writing(request) as s:
        get_or_404(s, ApiToken, token_id, "api_token")
        return TokenOut.model_validate(api_tokens.revoke_token(s, s.get(AppUser, who.id), token_id))
