"""Putting a ticket in a team's queue, honouring the team's calendar."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tierdesk.events import EventKind
from tierdesk.service.actor import Actor
from tierdesk.service.history import record_event
from tierdesk.service.policy_cache import PolicyRevision
from tierdesk.store.schema import TicketRow


def open_team_for(revision: PolicyRevision, team_id: str, now: datetime) -> str:
    """Return the team that takes a ticket for `team_id` now.

    That is the team itself when its calendar is open or it names no fallback,
    so the ticket waits for it to open; else the fallback team when that is open.
    """
    if revision.is_open(team_id, now):
        return team_id
    fallback = revision.policy.teams_by_id[team_id].assignment.fallback_team
    if fallback is not None and revision.is_open(fallback, now):
        return fallback
    return team_id


def queue_placement(
    revision: PolicyRevision, team_id: str, now: datetime, attributes: dict[str, Any]
) -> tuple[str, str, dict[str, Any]]:
    """Return the team and tier that take a ticket for `team_id` now, and the
    attributes of its team_assigned event, which name a fallback when one is used."""
    target = open_team_for(revision, team_id, now)
    if target != team_id:
        attributes = {**attributes, "fallback_for": team_id}
    return target, revision.policy.teams_by_id[target].tier, attributes


def enter_queue(
    session: Session,
    revision: PolicyRevision,
    ticket: TicketRow,
    team_id: str,
    actor: Actor | str,
    now: datetime,
    **attributes: Any,
) -> None:
    """Move the ticket, unassigned, to the queue of `team_id` or of its open fallback.

    Records a team_assigned event; `attributes` say why the ticket moved.
    """
    target, tier, attributes = queue_placement(revision, team_id, now, attributes)
    ticket.team = target
    ticket.tier = tier
    ticket.agent_id = None
    ticket.assigned_at = None
    ticket.queued_at = now
    ticket.updated_at = now
    record_event(session, ticket, EventKind.TEAM_ASSIGNED, actor, now, **attributes)
