"""Bug routes: read a bug, park tickets on it, change its state."""

from __future__ import annotations

from fastapi import APIRouter

from tierdesk.api.deps import Context, CurrentActor, Now
from tierdesk.api.json_body import StrictJsonRoute
from tierdesk.service.bugs import (
    BugGroupInput,
    BugStateInput,
    BugView,
    get_bug,
    park_on_bug,
    set_bug_state,
)

router = APIRouter(prefix="/bugs", tags=["bugs"], route_class=StrictJsonRoute)


@router.get("/{bug_id}", response_model=BugView)
def get_one_bug(bug_id: str, context: Context, actor: CurrentActor) -> BugView:
    return get_bug(context, actor, bug_id)


@router.post("/{bug_id}/tickets", response_model=BugView)
def post_bug_tickets(
    bug_id: str, data: BugGroupInput, context: Context, actor: CurrentActor, now: Now
) -> BugView:
    """Link the tickets to the bug and put them on hold, all or none."""
    return park_on_bug(context, actor, bug_id, data, now)


@router.patch("/{bug_id}", response_model=BugView)
def patch_bug(
    bug_id: str, data: BugStateInput, context: Context, actor: CurrentActor, now: Now
) -> BugView:
    """Set the bug's state; `fixed` reopens its tickets on hold."""
    return set_bug_state(context, actor, bug_id, data, now)
