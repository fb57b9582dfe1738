"""The FastAPI application: ``create_app()`` (``uvicorn api.app:create_app --factory``).

Everything lives under ``/api/v1``; the OpenAPI document is ``/openapi.json`` (committed as
docs/api/openapi.json). No interactive docs page: FastAPI's loads its scripts from a CDN, and the
served product loads nothing from outside.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from api import errors
from api.routes import documents, masters, reading, tokens

PREFIX = "/api/v1"
TITLE = "JXC 进销存 API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Masters, purchase and sales documents and their state changes, live stock and the published marts "
    "of a JXC store. Authenticate with `Authorization: Bearer <token>` (an admin issues tokens: "
    "`jxc user token NAME` or `POST /api/v1/tokens`); a token acts with its user's role. Errors are "
    "`{\"error\": {\"code\", \"message\", \"field\", \"record\", \"fields\"}}` in the `Accept-Language` "
    "language (zh-CN default, en). POSTs that create a document take an `Idempotency-Key` header. "
    "See docs/api.md."
)


def create_app(engine: Engine | None = None) -> FastAPI:
    """The API over ``engine`` (default: the configured store, ``JXC_DATABASE_URL``)."""
    app = FastAPI(title=TITLE, version=VERSION, description=DESCRIPTION, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json")
    app.state.engine = engine
    errors.install(app)
    for module in (masters, documents, reading, tokens):
        app.include_router(module.router, prefix=PREFIX)
    return app


def openapi_document(app: FastAPI | None = None) -> dict[str, Any]:
    """The spec as served (what docs/api/openapi.json must equal)."""
    return (app or create_app()).openapi()
