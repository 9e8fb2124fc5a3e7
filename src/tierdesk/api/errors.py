"""JSON error responses: every error carries a stable code, a message and the field.

The body is `{"error": {"code", "message", "field", "details"}}`; clients act on
`code`, which does not change between versions, never on the message.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from tierdesk.service.errors import ServiceError

logger = logging.getLogger(__name__)

_LOCATIONS = ("body", "query", "path", "header")


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"code": code, "message": message, "field": field, "details": details or []}
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def field_path(location: tuple[Any, ...]) -> str:
    """Format a pydantic location as `requester.email` or `teams[0]`."""
    parts = list(location)
    if parts and parts[0] in _LOCATIONS:
        origin = parts.pop(0)
        if not parts:
            return str(origin)
    text = ""
    for part in parts:
        text += (
            f"[{part}]"
            if isinstance(part, int)
            else (f".{part}" if text else str(part))
        )
    return text


def _validation_code(kind: str) -> str:
    if kind == "missing":
        return "missing_field"
    if kind == "extra_forbidden":
        return "unknown_field"
    return "invalid_field"


async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    if any(error["type"] == "json_invalid" for error in errors):
        return error_response(
            400, "malformed_json", "the request body is not valid JSON", field="body"
        )
    details = [
        {
            "code": _validation_code(error["type"]),
            "field": field_path(tuple(error["loc"])),
            "message": error["msg"],
        }
        for error in errors
    ]
    first = details[0]
    return error_response(
        422,
        first["code"],
        f"{first['field']}: {first['message']}",
        field=first["field"],
        details=details,
    )


async def _on_service_error(request: Request, exc: ServiceError) -> JSONResponse:
    if exc.status >= 500:
        logger.error("service error %s on %s", exc.code, request.url.path)
    return error_response(exc.status, exc.code, exc.message, exc.field, exc.details)


async def _on_http_error(request: Request, exc: HTTPException) -> JSONResponse:
    codes = {404: "route_not_found", 405: "method_not_allowed"}
    code = codes.get(exc.status_code, "http_error")
    return error_response(
        exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None)
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # The route template, not the path, so that no id or token reaches the log.
    route = getattr(request.scope.get("route"), "path", "unknown route")
    logger.exception(
        "unexpected %s on %s %s", type(exc).__name__, request.method, route
    )
    return error_response(
        500, "internal_error", "unexpected server error; see the server log"
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ServiceError, _on_service_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)
