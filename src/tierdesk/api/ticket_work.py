"""Routes that work a ticket: comments, status, assignment, escalation, bugs, CSAT."""

from __future__ import annotations

from fastapi import APIRouter, status

from tierdesk.api.deps import Context, CurrentActor, Now
from tierdesk.api.json_body import StrictJsonRoute
from tierdesk.service.bugs import BugInput, BugView, link_bug
from tierdesk.service.comments import (
    CommentInput,
    CommentView,
    add_comment,
    list_comments,
)
from tierdesk.service.csat import CsatLink, issue_csat_link
from tierdesk.service.escalation import EscalationInput, escalate_ticket
from tierdesk.service.lifecycle import StatusInput, change_status
from tierdesk.service.ticket_assignment import AssignmentInput, assign_ticket
from tierdesk.service.ticket_views import TicketView

router = APIRouter(
    prefix="/tickets/{ticket_id}", tags=["ticket work"], route_class=StrictJsonRoute
)


@router.get("/comments", response_model=list[CommentView])
def get_comments(
    ticket_id: str, context: Context, actor: CurrentActor
) -> list[CommentView]:
    return list_comments(context, actor, ticket_id)


@router.post(
    "/comments", status_code=status.HTTP_201_CREATED, response_model=CommentView
)
def post_comment(
    ticket_id: str, data: CommentInput, context: Context, actor: CurrentActor, now: Now
) -> CommentView:
    """Add a public reply or an internal note, optionally setting the status."""
    return add_comment(context, actor, ticket_id, data, now)


@router.post("/status", response_model=TicketView)
def post_status(
    ticket_id: str, data: StatusInput, context: Context, actor: CurrentActor, now: Now
) -> TicketView:
    """Change the status; from `solved` back to a working status is a reopen."""
    return change_status(context, actor, ticket_id, data, now)


@router.post("/assign", response_model=TicketView)
def post_assign(
    ticket_id: str,
    data: AssignmentInput,
    context: Context,
    actor: CurrentActor,
    now: Now,
) -> TicketView:
    """Assign to an agent of the ticket's team, or with null back to the queue."""
    return assign_ticket(context, actor, ticket_id, data, now)


@router.post("/escalate", response_model=TicketView)
def post_escalate(
    ticket_id: str,
    data: EscalationInput,
    context: Context,
    actor: CurrentActor,
    now: Now,
) -> TicketView:
    """Move the ticket up its escalation path; its history stays with it."""
    return escalate_ticket(context, actor, ticket_id, data, now)


@router.post("/bugs", status_code=status.HTTP_201_CREATED, response_model=BugView)
def post_bug_link(
    ticket_id: str, data: BugInput, context: Context, actor: CurrentActor, now: Now
) -> BugView:
    return link_bug(context, actor, ticket_id, data, now)


@router.post("/csat-link", status_code=status.HTTP_201_CREATED, response_model=CsatLink)
def post_csat_link(
    ticket_id: str, context: Context, actor: CurrentActor, now: Now
) -> CsatLink:
    """Issue the rating link of a solved ticket; the token is shown only here."""
    return issue_csat_link(context, actor, ticket_id, now)
