"""Assignment of queued tickets to agents, safe with many processes at once.

Tickets are locked before agents, and each agent row is locked before its open
tickets are counted, so two processes can neither give one ticket to two
agents nor push an agent over capacity. On PostgreSQL the locks are
`SELECT ... FOR UPDATE SKIP LOCKED`, so processes pass over each other's rows
instead of waiting. On SQLite the whole write transaction is serialised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tierdesk.assign import AgentLoad, WaitingTicket, rank_agents
from tierdesk.events import EventKind
from tierdesk.service.actor import SYSTEM, Actor
from tierdesk.service.context import ServiceContext
from tierdesk.service.history import record_event
from tierdesk.service.policies import load_active
from tierdesk.service.policy_cache import PolicyRevision
from tierdesk.service.queues import enter_queue, open_team_for
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.people import AgentRow, AgentTeamRow
from tierdesk.store.schema import TicketRow

logger = logging.getLogger(__name__)

UNRESOLVED = ("new", "open", "pending", "on_hold")
QUEUED = ("new", "open")
# Tickets locked and tried per transaction. The head of a queue may wait for a
# skilled or senior agent while tickets behind it can be assigned.
CANDIDATES = 20
# Assignments per call of `assign_waiting`, so one call cannot run unbounded.
MAX_PER_PASS = 500


@dataclass(frozen=True)
class Assignment:
    ticket_id: str
    agent_id: str
    team: str


def assign_waiting(
    context: ServiceContext,
    team: str,
    now: datetime,
    *,
    limit: int = MAX_PER_PASS,
    revision: PolicyRevision | None = None,
) -> list[Assignment]:
    """Assign waiting tickets of one team until no agent can take one.

    Each assignment is its own transaction. A team whose calendar is closed
    assigns nothing; its queue moves to an open fallback team if it names one.
    `revision` saves reading the active policy when the caller has just read it.
    """
    if revision is None:
        with read_session(context.engine) as session:
            revision = load_active(context, session)
    if team not in revision.policy.teams_by_id:
        logger.warning("team %s is not in the active policy; its queue waits", team)
        return []
    if open_team_for(revision, team, now) != team:
        move_to_fallback(context, revision, team, now)
        return []
    if not revision.is_open(team, now):
        return []
    done: list[Assignment] = []
    while len(done) < limit:
        with write_session(context.engine) as session:
            assignment = _assign_one(session, revision, team, now)
        if assignment is None:
            break
        logger.info(
            "assigned ticket %s to agent %s", assignment.ticket_id, assignment.agent_id
        )
        done.append(assignment)
    return done


def move_to_fallback(
    context: ServiceContext, revision: PolicyRevision, team: str, now: datetime
) -> int:
    """Move the unassigned queue of a closed team to its open fallback team."""
    with write_session(context.engine) as session:
        tickets = session.scalars(
            select(TicketRow)
            .where(
                TicketRow.team == team,
                TicketRow.agent_id.is_(None),
                TicketRow.status.in_(QUEUED),
            )
            .order_by(TicketRow.id)
            .with_for_update(skip_locked=True)
        ).all()
        for ticket in tickets:
            enter_queue(
                session, revision, ticket, team, SYSTEM, now, reason="team closed"
            )
    return len(tickets)


def _assign_one(
    session: Session, revision: PolicyRevision, team: str, now: datetime
) -> Assignment | None:
    tickets = session.scalars(
        select(TicketRow)
        .where(
            TicketRow.team == team,
            TicketRow.agent_id.is_(None),
            TicketRow.status.in_(QUEUED),
        )
        .order_by(TicketRow.priority_rank.desc(), TicketRow.queued_at, TicketRow.id)
        .limit(CANDIDATES)
        .with_for_update(skip_locked=True)
    ).all()
    if not tickets:
        return None
    agents = team_loads(session, team)
    settings = revision.policy.teams_by_id[team].assignment
    for ticket in tickets:
        waiting = _waiting(revision, ticket, now)
        ranked = rank_agents(
            settings.mode,
            waiting,
            agents,
            skills_timeout=settings.skills_timeout,
            now=now,
        )
        for candidate in ranked:
            agent = lock_agent_with_room(session, candidate.agent_id, skip_locked=True)
            if agent is not None and agent.presence == "online":
                # A sweep started before the ticket's last change must not date
                # the assignment before it, or the ticket's events go backwards.
                at = max(now, ticket.queued_at or now, ticket.updated_at or now)
                give_ticket(session, ticket, agent, SYSTEM, at, mode=settings.mode)
                return Assignment(ticket.external_id, agent.external_id, team)
    return None


def _waiting(
    revision: PolicyRevision, ticket: TicketRow, now: datetime
) -> WaitingTicket:
    segment = revision.policy.segments_by_id.get(ticket.segment or "")
    return WaitingTicket(
        inquiry_type=ticket.inquiry_type,
        language=ticket.language,
        queued_at=ticket.queued_at or now,
        min_level=segment.min_agent_level if segment else None,
    )


def team_loads(session: Session, team: str) -> list[AgentLoad]:
    """Return the team's agents with their open-ticket counts, without locking."""
    open_counts = (
        select(TicketRow.agent_id, func.count().label("open"))
        .where(TicketRow.status.in_(UNRESOLVED), TicketRow.agent_id.is_not(None))
        .group_by(TicketRow.agent_id)
        .subquery()
    )
    rows = session.execute(
        select(AgentRow, func.coalesce(open_counts.c.open, 0))
        .join(AgentTeamRow, AgentTeamRow.agent_id == AgentRow.id)
        .outerjoin(open_counts, open_counts.c.agent_id == AgentRow.id)
        .where(AgentTeamRow.team == team)
    ).all()
    return [
        AgentLoad(
            agent_id=agent.id,
            level=agent.level,
            capacity=agent.capacity,
            open_tickets=int(count),
            presence=agent.presence,
            skills=frozenset(agent.skills or ()),
            languages=frozenset(language.lower() for language in agent.languages or ()),
            turn=agent.turn,
        )
        for agent, count in rows
    ]


def open_ticket_count(session: Session, agent_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(TicketRow)
            .where(TicketRow.agent_id == agent_id, TicketRow.status.in_(UNRESOLVED))
        )
        or 0
    )


def lock_agent_with_room(
    session: Session, agent_id: int, *, skip_locked: bool
) -> AgentRow | None:
    """Lock the agent row and return it if the agent is below capacity.

    The count runs after the lock is granted, so it includes every assignment
    committed by the lock's previous holder.
    """
    agent = session.scalar(
        select(AgentRow)
        .where(AgentRow.id == agent_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )
    if agent is None:
        return None
    if open_ticket_count(session, agent.id) >= agent.capacity:
        return None
    return agent


def give_ticket(
    session: Session,
    ticket: TicketRow,
    agent: AgentRow,
    actor: Actor,
    now: datetime,
    **attributes: object,
) -> None:
    """Assign a locked ticket to a locked agent and record the events."""
    turn = session.scalar(select(func.max(AgentRow.turn))) or 0
    ticket.agent_id = agent.id
    ticket.assigned_at = now
    ticket.updated_at = now
    agent.turn = turn + 1
    agent.last_assigned_at = now
    record_event(session, ticket, EventKind.AGENT_ASSIGNED, actor, now, **attributes)
    if ticket.status == "new":
        ticket.status = "open"
        record_event(session, ticket, EventKind.STATUS_CHANGED, actor, now)
