"""The FastAPI application: routes under /api/v1, error handlers, body limit, logs."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI, Request, Response
from sqlalchemy import text

import tierdesk
from tierdesk.api import (
    agents,
    bugs,
    csat,
    people,
    policy,
    reports,
    teams,
    ticket_work,
    tickets,
)
from tierdesk.api.errors import install_error_handlers
from tierdesk.api.limits import BodySizeLimit, RejectNulInUrl
from tierdesk.service.context import ServiceContext

logger = logging.getLogger(__name__)

PREFIX = "/api/v1"
DEFAULT_MAX_BODY_BYTES = 1_048_576


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(
    context: ServiceContext,
    *,
    clock: Callable[[], datetime] = utc_now,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """Build the application over a service context; `clock` gives every `now`."""
    app = FastAPI(
        title="tierdesk",
        version=tierdesk.__version__,
        summary="Tiered customer support: routing, tickets, assignment, escalation.",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.state.context = context
    app.state.clock = clock
    install_error_handlers(app)

    api = APIRouter(prefix=PREFIX)
    for module in (
        tickets,
        ticket_work,
        bugs,
        csat,
        teams,
        agents,
        people,
        policy,
        reports,
    ):
        api.include_router(module.router)
    api.add_api_route("/health", _health, methods=["GET"], tags=["health"])
    app.include_router(api)

    app.middleware("http")(_log_request)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(RejectNulInUrl)
    return app


def _health(request: Request) -> dict[str, str]:
    """Report whether this process reaches the database; needs no token."""
    context: ServiceContext = request.app.state.context
    with context.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}


async def _log_request(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    # The route template is logged instead of the path, because paths carry
    # ticket ids and rating tokens; query strings and bodies are never logged.
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
    started = time.perf_counter()
    response = await call_next(request)
    route = getattr(request.scope.get("route"), "path", "unmatched")
    logger.info(
        "%s %s %s %.1fms request=%s token=%s",
        request.method,
        route,
        response.status_code,
        (time.perf_counter() - started) * 1000,
        request_id[:64],
        getattr(request.state, "token_id", None),
    )
    response.headers["X-Request-ID"] = request_id[:64]
    return response
