"""Account and requester routes."""

from __future__ import annotations

from fastapi import APIRouter, Path, status

from tierdesk.api.deps import Context, CurrentActor, Now
from tierdesk.api.json_body import StrictJsonRoute
from tierdesk.service.accounts import (
    AccountInput,
    AccountView,
    get_account,
    put_account,
)
from tierdesk.service.requesters import (
    RequesterInput,
    RequesterUpdate,
    create_requester,
    get_requester,
    update_requester,
)
from tierdesk.service.ticket_views import RequesterView

router = APIRouter(tags=["accounts and requesters"], route_class=StrictJsonRoute)
AccountId = Path(min_length=1, max_length=200)


@router.put("/accounts/{account_id}", response_model=AccountView)
def put_one_account(
    data: AccountInput,
    context: Context,
    actor: CurrentActor,
    now: Now,
    account_id: str = AccountId,
) -> AccountView:
    """Create or replace an account; the response shows the segment it gets now."""
    return put_account(context, actor, account_id, data, now)


@router.get("/accounts/{account_id}", response_model=AccountView)
def get_one_account(
    context: Context, actor: CurrentActor, account_id: str = AccountId
) -> AccountView:
    return get_account(context, actor, account_id)


@router.post(
    "/requesters", status_code=status.HTTP_201_CREATED, response_model=RequesterView
)
def post_requester(
    data: RequesterInput, context: Context, actor: CurrentActor, now: Now
) -> RequesterView:
    return create_requester(context, actor, data, now)


@router.get("/requesters/{requester_id}", response_model=RequesterView)
def get_one_requester(
    requester_id: str, context: Context, actor: CurrentActor
) -> RequesterView:
    """Read a requester; vendor agents see name, e-mail address and phone masked."""
    return get_requester(context, actor, requester_id)


@router.patch("/requesters/{requester_id}", response_model=RequesterView)
def patch_requester(
    requester_id: str,
    changes: RequesterUpdate,
    context: Context,
    actor: CurrentActor,
    now: Now,
) -> RequesterView:
    return update_requester(context, actor, requester_id, changes, now)
