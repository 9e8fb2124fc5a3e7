"""Dependencies shared by the routes: the service context, the clock and the actor."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from tierdesk.service.actor import Actor
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Unauthenticated
from tierdesk.service.tickets import MAX_ROW_ID
from tierdesk.service.tokens import authenticate

_bearer = HTTPBearer(
    auto_error=False, description="An API token from `tierdesk token create`."
)


# The dependencies are coroutines, so that FastAPI runs them on
# the event loop instead of handing each to a worker thread.
async def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


async def get_now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


async def get_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        raise Unauthenticated(
            "unauthenticated",
            "missing API token; send 'Authorization: Bearer TOKEN'",
            field="Authorization",
        )
    context: ServiceContext = request.app.state.context
    token = credentials.credentials
    actor = context.tokens.get(token)
    if actor is None:
        # Only the database read goes to a worker thread.
        actor = await run_in_threadpool(authenticate, context.engine, token)
        context.tokens.put(token, actor)
    request.state.token_id = actor.token_id
    return actor


Context = Annotated[ServiceContext, Depends(get_context)]
Now = Annotated[datetime, Depends(get_now)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
# A numeric id in a path; larger values cannot name a row, so they are a 422.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
