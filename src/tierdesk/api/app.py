"""The FastAPI application: routes under /api/v1, error handlers, body limit, logs."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    webhooks,
)
from tierdesk.api.errors import CatchUnexpected, install_error_handlers
from tierdesk.api.json_body import StrictJsonRoute
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

    api = APIRouter(prefix=PREFIX, route_class=StrictJsonRoute)
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
        webhooks,
    ):
        api.include_router(module.router)
    api.add_api_route("/health", _health, methods=["GET"], tags=["health"])
    app.include_router(api)

    # Starlette runs the middleware added last first, so RequestLog logs the
    # 500 that CatchUnexpected returns.
    app.add_middleware(CatchUnexpected)
    app.add_middleware(RequestLog)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(RejectNulInUrl)
    return app


def _health(request: Request) -> dict[str, str]:
    """Report whether this process reaches the database; needs no token."""
    context: ServiceContext = request.app.state.context
    with context.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}


class RequestLog:
    """Log each request and return its request id in `X-Request-ID`.

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware would add a task
    and a streamed copy of the response to every request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied_id = Headers(scope=scope).get("x-request-id")
        request_id = (supplied_id or uuid.uuid4().hex[:16])[:64]
        started = time.perf_counter()
        status = 500
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # The route template is logged instead of the path, because paths
            # carry ticket ids and rating tokens; query strings and bodies are
            # never logged.
            route = getattr(scope.get("route"), "path", "unmatched")
            state = scope.get("state") or {}
            logger.info(
                "%s %s %s %.1fms request=%s token=%s",
                scope["method"],
                route,
                status,
                (time.perf_counter() - started) * 1000,
                request_id,
                state.get("token_id"),
            )
