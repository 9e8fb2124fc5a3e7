"""Agent routes: create, list, read, update, and set presence."""

from __future__ import annotations

from fastapi import APIRouter, status

from tierdesk.api.deps import Context, CurrentActor, Now
from tierdesk.api.json_body import StrictJsonRoute
from tierdesk.service.agents import (
    AgentInput,
    AgentUpdate,
    AgentView,
    Presence,
    create_agent,
    get_agent,
    list_agents,
    set_presence,
    update_agent,
)
from tierdesk.service.fields import InputModel

router = APIRouter(prefix="/agents", tags=["agents"], route_class=StrictJsonRoute)


class PresenceInput(InputModel):
    presence: Presence


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AgentView)
def post_agent(
    data: AgentInput, context: Context, actor: CurrentActor, now: Now
) -> AgentView:
    return create_agent(context, actor, data, now)


@router.get("", response_model=list[AgentView])
def get_agents(
    context: Context, actor: CurrentActor, team: str | None = None
) -> list[AgentView]:
    return list_agents(context, actor, team=team)


@router.get("/{agent_id}", response_model=AgentView)
def get_one_agent(agent_id: str, context: Context, actor: CurrentActor) -> AgentView:
    return get_agent(context, actor, agent_id)


@router.patch("/{agent_id}", response_model=AgentView)
def patch_agent(
    agent_id: str, changes: AgentUpdate, context: Context, actor: CurrentActor, now: Now
) -> AgentView:
    return update_agent(context, actor, agent_id, changes, now)


@router.put("/{agent_id}/presence", response_model=AgentView)
def put_presence(
    agent_id: str, data: PresenceInput, context: Context, actor: CurrentActor, now: Now
) -> AgentView:
    """Set presence; only `online` agents are assigned new tickets."""
    return set_presence(context, actor, agent_id, data.presence, now)
