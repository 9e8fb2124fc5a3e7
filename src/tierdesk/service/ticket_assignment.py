"""Assigning one ticket by hand: to a named agent, or back to the queue."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.events import EventKind
from tierdesk.policy.model import Policy
from tierdesk.service.actor import Actor
from tierdesk.service.assignment import assign_waiting, give_ticket, open_ticket_count
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict, unknown_reference
from tierdesk.service.fields import InputModel
from tierdesk.service.history import record_event
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.ticket_access import find_ticket
from tierdesk.service.ticket_views import TicketView, load_view
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.people import AgentRow, AgentTeamRow
from tierdesk.store.schema import TicketRow

_RESOLVED = ("solved", "closed")


class AssignmentInput(InputModel):
    """The agent to assign, or null to put the ticket back in its team's queue."""

    agent_id: str | None = Field(max_length=64)


def assign_ticket(
    context: ServiceContext,
    actor: Actor,
    ticket_id: str,
    data: AssignmentInput,
    now: datetime,
) -> TicketView:
    """Assign a ticket to an agent of its team, within capacity and level."""
    require(actor, "ticket.assign")
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    requeued_team = None
    with write_session(context.engine) as session:
        # Ticket first, then agent: the order every assignment takes locks in.
        ticket = find_ticket(session, actor, ticket_id, lock=True)
        if ticket.status in _RESOLVED:
            raise Conflict(
                "ticket_resolved",
                f"ticket {ticket_id!r} is {ticket.status}; reopen it first",
                field="status",
            )
        if data.agent_id is None:
            if ticket.agent_id is not None:
                ticket.agent_id = None
                ticket.assigned_at = None
                ticket.updated_at = now
                record_event(session, ticket, EventKind.AGENT_ASSIGNED, actor, now)
                record_audit(
                    session, actor, "ticket.unassign", "ticket", ticket_id, now
                )
                requeued_team = ticket.team
        else:
            agent = session.scalar(
                select(AgentRow)
                .where(AgentRow.external_id == data.agent_id)
                .with_for_update()
            )
            if agent is None:
                raise unknown_reference("agent", data.agent_id, "agent_id")
            if agent.id != ticket.agent_id:
                _check_agent(session, revision.policy, ticket, agent)
                give_ticket(session, ticket, agent, actor, now, mode="manual")
                record_audit(
                    session,
                    actor,
                    "ticket.assign",
                    "ticket",
                    ticket_id,
                    now,
                    agent=agent.external_id,
                )
    if requeued_team is not None:
        assign_waiting(context, requeued_team, now)
    return load_view(context, actor, ticket_id)


def _check_agent(
    session: Session, policy: Policy, ticket: TicketRow, agent: AgentRow
) -> None:
    member = session.scalar(
        select(AgentTeamRow.team).where(
            AgentTeamRow.agent_id == agent.id, AgentTeamRow.team == ticket.team
        )
    )
    if member is None:
        raise Conflict(
            "agent_not_in_team",
            f"agent {agent.external_id!r} is not in team {ticket.team!r}",
            field="agent_id",
        )
    segment = policy.segments_by_id.get(ticket.segment or "")
    if (
        segment is not None
        and segment.min_agent_level
        and agent.level < segment.min_agent_level
    ):
        raise Conflict(
            "agent_level_too_low",
            f"segment {segment.id!r} needs agent level {segment.min_agent_level} or "
            f"more; agent {agent.external_id!r} has {agent.level}",
            field="agent_id",
        )
    if open_ticket_count(session, agent.id) >= agent.capacity:
        raise Conflict(
            "agent_at_capacity",
            f"agent {agent.external_id!r} has {agent.capacity} open tickets, the "
            "capacity set for them",
            field="agent_id",
        )
