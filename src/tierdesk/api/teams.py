"""Team routes: the active policy's teams with their queues, and assignment runs."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from tierdesk.api.deps import Context, CurrentActor, Now
from tierdesk.api.json_body import StrictJsonRoute
from tierdesk.service.teams import TeamView, list_teams, run_assignment

router = APIRouter(prefix="/teams", tags=["teams"], route_class=StrictJsonRoute)


class AssignmentView(BaseModel):
    ticket_id: str
    agent_id: str


@router.get("", response_model=list[TeamView])
def get_teams(context: Context, actor: CurrentActor, now: Now) -> list[TeamView]:
    return list_teams(context, actor, now)


@router.post("/{team}/assign", response_model=list[AssignmentView])
def post_team_assign(
    team: str, context: Context, actor: CurrentActor, now: Now
) -> list[AssignmentView]:
    """Assign the team's waiting tickets now; returns what was assigned."""
    return [
        AssignmentView(ticket_id=a.ticket_id, agent_id=a.agent_id)
        for a in run_assignment(context, actor, team, now)
    ]
