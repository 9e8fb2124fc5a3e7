"""Teams as the active policy defines them, with their queues and agents now."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import func, select

from tierdesk.service.actor import Actor
from tierdesk.service.assignment import QUEUED, Assignment, assign_waiting
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import not_found
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.transactions import read_session
from tierdesk.store.people import AgentRow, AgentTeamRow
from tierdesk.store.schema import TicketRow


class TeamView(BaseModel):
    id: str
    name: str
    tier: str
    kind: str
    calendar: str | None
    open_now: bool
    assignment_mode: str
    fallback_team: str | None
    next_escalation_team: str | None
    waiting_tickets: int
    agents_online: int


def list_teams(context: ServiceContext, actor: Actor, now: datetime) -> list[TeamView]:
    require(actor, "team.read")
    with read_session(context.engine) as session:
        revision = load_active(context, session)
        waiting = dict(
            session.execute(
                select(TicketRow.team, func.count())
                .where(TicketRow.agent_id.is_(None), TicketRow.status.in_(QUEUED))
                .group_by(TicketRow.team)
            ).all()
        )
        online = dict(
            session.execute(
                select(AgentTeamRow.team, func.count())
                .join(AgentRow, AgentRow.id == AgentTeamRow.agent_id)
                .where(AgentRow.presence == "online")
                .group_by(AgentTeamRow.team)
            ).all()
        )
    policy = revision.policy
    return [
        TeamView(
            id=team.id,
            name=team.name,
            tier=team.tier,
            kind=team.kind,
            calendar=team.calendar,
            open_now=revision.is_open(team.id, now),
            assignment_mode=team.assignment.mode,
            fallback_team=team.assignment.fallback_team,
            next_escalation_team=policy.next_escalation_team.get(team.id),
            waiting_tickets=waiting.get(team.id, 0),
            agents_online=online.get(team.id, 0),
        )
        for team in policy.teams
    ]


def run_assignment(
    context: ServiceContext, actor: Actor, team: str, now: datetime
) -> list[Assignment]:
    """Assign the team's waiting tickets now instead of at the next sweep."""
    require(actor, "ticket.assign")
    with read_session(context.engine) as session:
        policy = load_active(context, session).policy
    if team not in policy.teams_by_id or not actor.sees_team(team):
        raise not_found("team", team, "team")
    return assign_waiting(context, team, now)
