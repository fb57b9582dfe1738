"""Every error the API returns is one JSON shape, in the caller's language (Accept-Language):

    {"error": {"code": "must_be_positive", "message": "…", "field": "lines.1.quantity",
               "record": "PO-…", "fields": [{"field": …, "code": …, "message": …}]}}

``code`` is the catalog code (``errors.<code>``) of the services' typed errors, so a program can
act on it; ``field`` names the request field (``lines.1.quantity``: the first line, 1-based as on
the forms). Request bodies that do not fit the schema are 422 with one entry per wrong field.
Nothing else ever reaches the client: an unexpected exception is logged with its traceback and
answered as a 500 without one.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from operational.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from operational.services.credit import CreditLimitError
from operational.services.errors import (
    AuthError,
    DomainError,
    InsufficientStockError,
    NotFoundError,
    StateError,
    ValidationError,
)

log = logging.getLogger("jxc.api")


def request_language(accept_language: str | None) -> str:
    """The first language of the Accept-Language header that we have (``en``, ``zh``…); zh_CN
    when none is, as everywhere in JXC."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked = []
    for position, part in enumerate(accept_language[:500].split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en" if "en" in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


class ApiError(Exception):
    """An error of the API layer itself (no token, wrong role, unknown id in the path…)."""

    def __init__(self, status: int, code: str, *, field: str | None = None, headers: dict[str, str] | None = None,
                 **params: Any):
        super().__init__(code)
        self.status, self.code, self.field, self.headers, self.params = status, code, field, headers, params


def _body(code: str, message: str, *, field: str | None = None, record: str | None = None,
          fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "field": field, "record": record}
    error["fields"] = fields if fields is not None else ([{"field": field, "code": code, "message": message}]
                                                         if field else [])
    return {"error": error}


def _localized(language: str, catalog_key: str, /, **params: Any) -> str:
    from operational.services.errors import _localize  # the services' own parameter rendering

    return translate(catalog_key, language, **{k: _localize(v, language) for k, v in params.items()})


def domain_status(error: DomainError) -> int:
    """403 for a refused role, 409 when the document's state or the stock does not allow the
    action, 422 for input that breaks a rule (a referenced record that does not exist included)."""
    if isinstance(error, AuthError):
        return 403
    if isinstance(error, StateError | InsufficientStockError | CreditLimitError):
        return 409
    if isinstance(error, NotFoundError | ValidationError):
        return 422
    return 422


def domain_response(error: DomainError, language: str) -> JSONResponse:
    return JSONResponse(_body(error.code, error.message(language), field=error.field, record=error.record),
                        status_code=domain_status(error))


def api_error_response(error: ApiError, language: str) -> JSONResponse:
    message = _localized(language, f"errors.{error.code}", **error.params)
    return JSONResponse(_body(error.code, message, field=error.field), status_code=error.status,
                        headers=error.headers)


_DETAIL = {  # pydantic error type → api.detail.<key>
    "missing": "missing", "extra_forbidden": "extra",
    "string_too_long": "too_long", "too_long": "too_long", "string_too_short": "too_short", "too_short": "too_short",
    "less_than": "too_large", "less_than_equal": "too_large", "greater_than": "too_small",
    "greater_than_equal": "too_small", "decimal_max_digits": "too_large", "decimal_whole_digits": "too_large",
    "decimal_max_places": "invalid",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    """("body", "lines", 0, "quantity") → "lines.1.quantity" (lines counted from 1, as the
    services name them); ("query", "limit") → "limit"; a header → its name."""
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    out = []
    for part in parts:
        out.append(str(part + 1) if isinstance(part, int) else str(part))
    return ".".join(out) or "body"


def validation_response(exc: RequestValidationError, language: str) -> JSONResponse:
    fields = []
    for item in exc.errors()[:50]:
        kind = str(item.get("type", ""))
        if kind == "json_invalid":
            message = translate("errors.api_invalid_json", language)
            fields.append({"field": "body", "code": "api_invalid_json", "message": message})
            continue
        path = _field_path(tuple(item.get("loc", ())))
        leaf = path.rsplit(".", 1)[-1]
        detail_key = _DETAIL.get(kind) or ("type" if kind.endswith(("_type", "_parsing")) else "invalid")
        label = translate(f"field.{leaf}", language)
        if label == f"field.{leaf}":
            label = leaf  # a schema field without a catalog label is shown by its name
        ctx = item.get("ctx") or {}
        limit = next((ctx[k] for k in ("ge", "gt", "le", "lt", "max_length", "min_length") if k in ctx), "")
        message = translate("errors.api_invalid", language, field_label=label,
                            detail=translate(f"api.detail.{detail_key}", language, limit=limit))
        fields.append({"field": path, "code": detail_key, "message": message})
    first = fields[0] if fields else {"field": None, "code": "invalid", "message": ""}
    return JSONResponse(_body(first["code"], first["message"], field=first["field"], fields=fields),
                        status_code=422)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into the JSON error shape."""

    def language(request: Request) -> str:
        return request_language(request.headers.get("accept-language"))

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return domain_response(exc, language(request))

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return api_error_response(exc, language(request))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(exc, language(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "api_route_not_found", 405: "api_method_not_allowed"}.get(exc.status_code, "api_bad_request")
        return api_error_response(ApiError(exc.status_code, code, headers=getattr(exc, "headers", None)),
                                  language(request))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("API %s %s failed", request.method, request.url.path)
        return api_error_response(ApiError(500, "api_internal"), language(request))
