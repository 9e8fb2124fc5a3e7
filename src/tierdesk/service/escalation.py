"""Escalation along the policy's escalation paths, by hand or by rule."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import Field
from sqlalchemy.orm import Session

from tierdesk.events import EventKind
from tierdesk.policy.escalation import EscalationTrigger
from tierdesk.service.actor import SYSTEM, Actor
from tierdesk.service.assignment import assign_waiting
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import Conflict, InvalidInput
from tierdesk.service.fields import InputModel
from tierdesk.service.history import record_event
from tierdesk.service.permissions import require
from tierdesk.service.policies import load_active
from tierdesk.service.policy_cache import PolicyRevision
from tierdesk.service.queues import enter_queue
from tierdesk.service.ticket_access import find_ticket
from tierdesk.service.ticket_views import TicketView, load_view
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.schema import TicketRow
from tierdesk.webhooks.publish import publish_events

logger = logging.getLogger(__name__)


class EscalationInput(InputModel):
    """The target of an escalation; by default the next team on the ticket's path."""

    to_team: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="", max_length=500)


def escalation_target(
    revision: PolicyRevision, team: str | None, to_team: str | None
) -> str:
    """Return the team to escalate to; raise when the paths do not allow it."""
    policy = revision.policy
    following = policy.next_escalation_team
    if team is None or team not in following:
        raise Conflict(
            "no_escalation_path",
            f"team {team!r} is at the top of its escalation path or on none",
            field="to_team" if to_team else "team",
        )
    if to_team is None:
        return following[team]
    # Any team above the current one on a path that contains both.
    for path in policy.escalation_paths:
        teams = path.teams
        if team in teams and to_team in teams[teams.index(team) + 1 :]:
            return to_team
    raise InvalidInput(
        "invalid_escalation",
        f"no escalation path leads from team {team!r} up to {to_team!r}",
        field="to_team",
    )


def escalate_locked(
    session: Session,
    revision: PolicyRevision,
    ticket: TicketRow,
    target: str,
    actor: Actor,
    now: datetime,
    **attributes: object,
) -> None:
    """Escalate a locked ticket to `target`, recording escalated and team_assigned."""
    origin = ticket.team
    ticket.team = target
    ticket.tier = revision.policy.teams_by_id[target].tier
    ticket.agent_id = None
    ticket.assigned_at = None
    ticket.updated_at = now
    record_event(
        session,
        ticket,
        EventKind.ESCALATED,
        actor,
        now,
        from_team=origin,
        to_team=target,
        **attributes,
    )
    enter_queue(session, revision, ticket, target, actor, now, reason="escalated")
    details = {"from_team": origin, "to_team": ticket.team, **attributes}
    publish_events(
        session,
        revision,
        ticket,
        now,
        [("ticket.escalated", details)],
        teams=[origin] if origin else [],
    )


def escalate_ticket(
    context: ServiceContext,
    actor: Actor,
    ticket_id: str,
    data: EscalationInput,
    now: datetime,
) -> TicketView:
    require(actor, "ticket.escalate")
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    with write_session(context.engine) as session:
        ticket = find_ticket(session, actor, ticket_id, lock=True)
        if ticket.status in ("solved", "closed"):
            raise Conflict(
                "ticket_resolved",
                f"ticket {ticket_id!r} is {ticket.status}; reopen it to escalate it",
                field="status",
            )
        target = escalation_target(revision, ticket.team, data.to_team)
        escalate_locked(
            session, revision, ticket, target, actor, now, reason=data.reason
        )
        record_audit(
            session, actor, "ticket.escalate", "ticket", ticket_id, now, to_team=target
        )
        team = ticket.team
    logger.info("escalated ticket %s to team %s", ticket_id, team)
    if team is not None:
        assign_waiting(context, team, now)
    return load_view(context, actor, ticket_id, moved=True)


def apply_escalation_rules(
    session: Session,
    revision: PolicyRevision,
    ticket: TicketRow,
    trigger: EscalationTrigger,
    now: datetime,
    *,
    reopens: int | None = None,
    score: int | None = None,
) -> str | None:
    """Escalate a locked ticket if a rule of the policy fires; return the rule id.

    A ticket at the top of its path, or on none, stays where it is and the
    rule is logged as having nowhere to go.
    """
    for rule in revision.policy.escalation_rules:
        if rule.trigger != trigger:
            continue
        fired = (
            trigger == "sla_at_risk"
            or (trigger == "reopened" and (reopens or 0) >= (rule.min_reopens or 0))
            or (
                trigger == "csat"
                and score is not None
                and score <= (rule.max_score or 0)
            )
        )
        if not fired:
            continue
        target = revision.policy.next_escalation_team.get(ticket.team or "")
        if target is None:
            logger.info(
                "escalation rule %s fired for ticket %s, but team %s has no next team",
                rule.id,
                ticket.external_id,
                ticket.team,
            )
            return None
        escalate_locked(session, revision, ticket, target, SYSTEM, now, rule=rule.id)
        logger.info(
            "escalation rule %s moved ticket %s to team %s",
            rule.id,
            ticket.external_id,
            target,
        )
        return rule.id
    return None
