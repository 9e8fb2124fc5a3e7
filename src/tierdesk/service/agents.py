"""Agents: level, capacity, skills, teams and presence."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, StrictInt
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tierdesk.service.actor import Actor, Role
from tierdesk.service.assignment import assign_waiting, open_ticket_count
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict, Forbidden, not_found, unknown_reference
from tierdesk.service.fields import InputModel
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.people import AgentRow, AgentTeamRow

logger = logging.getLogger(__name__)

Presence = Literal["online", "away", "offline"]
AgentId = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class AgentInput(InputModel):
    id: str = AgentId
    name: str = Field(min_length=1, max_length=200)
    level: StrictInt = Field(default=1, ge=1, le=10)
    capacity: StrictInt = Field(default=10, ge=0, le=1000)
    teams: list[str] = Field(min_length=1, max_length=50)
    skills: list[str] = Field(default_factory=list, max_length=200)
    languages: list[str] = Field(default_factory=list, max_length=50)
    presence: Presence = "offline"


class AgentUpdate(InputModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    level: StrictInt | None = Field(default=None, ge=1, le=10)
    capacity: StrictInt | None = Field(default=None, ge=0, le=1000)
    teams: list[str] | None = Field(default=None, min_length=1, max_length=50)
    skills: list[str] | None = Field(default=None, max_length=200)
    languages: list[str] | None = Field(default=None, max_length=50)


class AgentView(BaseModel):
    id: str
    name: str
    level: int
    capacity: int
    open_tickets: int
    presence: str
    teams: list[str]
    skills: list[str]
    languages: list[str]
    last_assigned_at: datetime | None


def _view(session: Session, row: AgentRow) -> AgentView:
    teams = session.scalars(
        select(AgentTeamRow.team)
        .where(AgentTeamRow.agent_id == row.id)
        .order_by(AgentTeamRow.team)
    ).all()
    return AgentView(
        id=row.external_id,
        name=row.name,
        level=row.level,
        capacity=row.capacity,
        open_tickets=open_ticket_count(session, row.id),
        presence=row.presence,
        teams=list(teams),
        skills=list(row.skills or []),
        languages=list(row.languages or []),
        last_assigned_at=row.last_assigned_at,
    )


def _check_references(
    context: ServiceContext, teams: list[str] | None, skills: list[str] | None
) -> None:
    with read_session(context.engine) as session:
        policy = load_active(context, session).policy
    for index, team in enumerate(teams or []):
        if team not in policy.teams_by_id:
            raise unknown_reference("team", team, f"teams[{index}]")
    for index, skill in enumerate(skills or []):
        if skill not in policy.inquiry_types_by_id:
            raise unknown_reference("inquiry type", skill, f"skills[{index}]")


def find_agent(
    session: Session, agent_id: str, *, lock: bool = False
) -> AgentRow | None:
    statement = select(AgentRow).where(AgentRow.external_id == agent_id)
    if lock:
        statement = statement.with_for_update()
    return session.scalar(statement)


def _visible(session: Session, actor: Actor, row: AgentRow) -> bool:
    if not actor.team_scoped:
        return True
    teams = set(
        session.scalars(
            select(AgentTeamRow.team).where(AgentTeamRow.agent_id == row.id)
        )
    )
    return bool(teams & actor.teams)


def create_agent(
    context: ServiceContext, actor: Actor, data: AgentInput, now: datetime
) -> AgentView:
    require(actor, "agent.write")
    _check_references(context, data.teams, data.skills)
    with write_session(context.engine) as session:
        if find_agent(session, data.id) is not None:
            raise Conflict("agent_exists", f"agent {data.id!r} exists", field="id")
        row = AgentRow(
            external_id=data.id,
            name=data.name,
            level=data.level,
            capacity=data.capacity,
            presence=data.presence,
            skills=sorted(set(data.skills)),
            languages=sorted({language.lower() for language in data.languages}),
            turn=0,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        for team in sorted(set(data.teams)):
            session.add(AgentTeamRow(agent_id=row.id, team=team))
        record_audit(session, actor, "agent.create", "agent", data.id, now)
        session.flush()
        view = _view(session, row)
    _assign_for(context, view, now)
    return view


def update_agent(
    context: ServiceContext,
    actor: Actor,
    agent_id: str,
    changes: AgentUpdate,
    now: datetime,
) -> AgentView:
    require(actor, "agent.write")
    _check_references(context, changes.teams, changes.skills)
    fields = sorted(
        name for name in changes.model_fields_set if getattr(changes, name) is not None
    )
    with write_session(context.engine) as session:
        row = find_agent(session, agent_id, lock=True)
        if row is None:
            raise not_found("agent", agent_id, "agent_id")
        for name in ("name", "level", "capacity"):
            if name in fields:
                setattr(row, name, getattr(changes, name))
        if "skills" in fields:
            row.skills = sorted(set(changes.skills or []))
        if "languages" in fields:
            row.languages = sorted(
                {language.lower() for language in changes.languages or []}
            )
        if "teams" in fields:
            session.execute(delete(AgentTeamRow).where(AgentTeamRow.agent_id == row.id))
            for team in sorted(set(changes.teams or [])):
                session.add(AgentTeamRow(agent_id=row.id, team=team))
        row.updated_at = now
        record_audit(
            session, actor, "agent.update", "agent", agent_id, now, fields=fields
        )
        session.flush()
        view = _view(session, row)
    _assign_for(context, view, now)
    return view


def set_presence(
    context: ServiceContext,
    actor: Actor,
    agent_id: str,
    presence: Presence,
    now: datetime,
) -> AgentView:
    """Set an agent's presence; agents may set only their own, admins anyone's."""
    require(actor, "agent.presence")
    with write_session(context.engine) as session:
        row = find_agent(session, agent_id, lock=True)
        if row is None or not _visible(session, actor, row):
            raise not_found("agent", agent_id, "agent_id")
        if actor.role != Role.ADMIN and actor.agent_id != row.id:
            raise Forbidden(
                "forbidden", "agents may set only their own presence", field="agent_id"
            )
        row.presence = presence
        row.updated_at = now
        record_audit(
            session, actor, "agent.presence", "agent", agent_id, now, presence=presence
        )
        view = _view(session, row)
    _assign_for(context, view, now)
    return view


def _assign_for(context: ServiceContext, view: AgentView, now: datetime) -> None:
    # An agent who comes online or gains capacity can take queued tickets now
    # rather than at the next sweep.
    if view.presence != "online" or view.open_tickets >= view.capacity:
        return
    for team in view.teams:
        assign_waiting(context, team, now)


def get_agent(context: ServiceContext, actor: Actor, agent_id: str) -> AgentView:
    require(actor, "agent.read")
    with read_session(context.engine) as session:
        row = find_agent(session, agent_id)
        if row is None or not _visible(session, actor, row):
            raise not_found("agent", agent_id, "agent_id")
        return _view(session, row)


def list_agents(
    context: ServiceContext, actor: Actor, *, team: str | None = None
) -> list[AgentView]:
    require(actor, "agent.read")
    with read_session(context.engine) as session:
        statement = select(AgentRow).order_by(AgentRow.external_id)
        if team is not None:
            statement = statement.join(AgentTeamRow).where(AgentTeamRow.team == team)
        rows = session.scalars(statement).unique().all()
        return [_view(session, row) for row in rows if _visible(session, actor, row)]
