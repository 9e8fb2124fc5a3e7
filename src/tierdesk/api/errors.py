"""JSON error responses: every error carries a stable code, a message and the field.

The body is `{"error": {"code", "message", "field", "details"}}`; clients act on
`code`, which does not change between versions, never on the message.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tierdesk.service.errors import ServiceError
from tierdesk.store.db import database_unavailable, describe_database_error

logger = logging.getLogger(__name__)

_LOCATIONS = ("body", "query", "path", "header")

# Seconds a client is asked to wait before it retries when the database is busy.
RETRY_AFTER_SECONDS = 5


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
            # Pydantic starts the messages of the models' own checks so.
            "message": str(error["msg"]).removeprefix("Value error, "),
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
    # InvalidBody (tierdesk.api.json_body) carries its own code and field.
    code = getattr(exc, "code", None) or codes.get(exc.status_code, "http_error")
    return error_response(
        exc.status_code,
        code,
        str(exc.detail),
        field=getattr(exc, "field", None),
        details=getattr(exc, "details", None),
        headers=getattr(exc, "headers", None),
    )


def _internal_error() -> JSONResponse:
    return error_response(
        500, "internal_error", "unexpected server error; see the server log"
    )


def _database_unavailable_response() -> JSONResponse:
    return error_response(
        503,
        "database_unavailable",
        "the database is busy or unreachable; retry in a few seconds",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Only exceptions raised outside CatchUnexpected, in the outer middleware,
    # get here. Starlette re-raises them afterwards and the server logs them.
    return _internal_error()


def log_unexpected(scope: Scope, exc: Exception) -> None:
    """Log an unexpected exception once, with its traceback and no request data.

    The route template is logged instead of the path, so that no id or token
    reaches the log. Database errors are logged without their message, because
    driver messages quote values, such as an e-mail address in a unique
    violation.
    """
    route = getattr(scope.get("route"), "path", "unmatched")
    request_id = (scope.get("state") or {}).get("request_id")
    database_error = describe_database_error(exc)
    if database_error is None:
        logger.error(
            "unexpected %s on %s %s request=%s",
            type(exc).__name__,
            scope.get("method"),
            route,
            request_id,
            exc_info=exc,
        )
        return
    logger.error(
        "unexpected database error on %s %s request=%s: %s\n%s",
        scope.get("method"),
        route,
        request_id,
        database_error,
        "".join(traceback.format_tb(exc.__traceback__)).rstrip(),
    )


class CatchUnexpected:
    """Middleware that returns 500 `internal_error` for an unhandled exception,
    or 503 `database_unavailable` when the database is busy or unreachable.

    Starlette's outermost middleware re-raises every exception after responding,
    so that the server logs the traceback a second time. This middleware sits
    inside it, logs the exception once and does not re-raise.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        response_started = False

        async def send_tracked(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:
            if database_unavailable(exc) and not response_started:
                logger.warning(
                    "database unavailable on %s %s request=%s: %s",
                    scope.get("method"),
                    getattr(scope.get("route"), "path", "unmatched"),
                    (scope.get("state") or {}).get("request_id"),
                    describe_database_error(exc) or type(exc).__name__,
                )
                await _database_unavailable_response()(scope, receive, send)
                return
            log_unexpected(scope, exc)
            # NOTE: a response that has started cannot become a 500, so the
            # client sees it cut short and the server logs an incomplete response.
            if not response_started:
                await _internal_error()(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ServiceError, _on_service_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _on_unexpected)
