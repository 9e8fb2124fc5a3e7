"""Rows of a new ticket: the ticket, its decision, its first events, its
idempotency key and the audit entry, written in one transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.events import EventKind
from tierdesk.route.decision import Decision
from tierdesk.service.actor import Actor
from tierdesk.service.audit import record_audit
from tierdesk.service.context import ServiceContext
from tierdesk.service.errors import unknown_reference
from tierdesk.service.history import record_event, start_history
from tierdesk.service.permissions import may_do_anywhere
from tierdesk.service.policy_cache import PolicyRevision
from tierdesk.service.queues import enter_queue, open_team_for
from tierdesk.service.requesters import upsert_requester
from tierdesk.service.ticket_views import TicketView, WrittenRow, assemble_view
from tierdesk.service.transactions import write_session
from tierdesk.store.access import IdempotencyKeyRow
from tierdesk.store.people import AgentRow, AgentTeamRow, RequesterRow
from tierdesk.store.schema import DecisionRow, TicketRow
from tierdesk.store.webhooks import WebhookSubscriptionRow
from tierdesk.ticket import Ticket
from tierdesk.webhooks.publish import (
    active_subscriptions,
    publish_events,
    routed_details,
)

if TYPE_CHECKING:
    from tierdesk.service.intake import NewTicket

# Called inside a new ticket's transaction with the stored ticket row.
RowHook = Callable[[Session, TicketRow], None]


@dataclass(frozen=True)
class NewTicketRows:
    """A stored new ticket: its view at commit, its team, and whether the team
    had an online agent then, without which assignment cannot succeed."""

    view: TicketView
    team: str
    staffed: bool


def team_has_online_agent(session: Session, team: str) -> bool:
    return (
        session.scalar(
            select(AgentRow.id)
            .join(AgentTeamRow, AgentTeamRow.agent_id == AgentRow.id)
            .where(AgentTeamRow.team == team, AgentRow.presence == "online")
            .limit(1)
        )
        is not None
    )


@dataclass(frozen=True)
class _Stored:
    # Held here because the session keeps only weak references to clean rows.
    ticket: TicketRow
    requester: RequesterRow | None
    decision: DecisionRow


@dataclass(frozen=True, slots=True)
class PendingTicket:
    """A routed ticket waiting to be stored, with the request that made it."""

    actor: Actor
    revision: PolicyRevision
    ticket: Ticket
    decision: Decision
    draft: NewTicket
    now: datetime
    source: str
    idempotency_key: str | None
    digest: str


def write_new_ticket(
    context: ServiceContext, pending: PendingTicket, on_write: RowHook | None = None
) -> NewTicketRows:
    """Store the ticket, its decision, events and idempotency key."""
    with write_session(context.engine) as session:
        return write_in_session(
            context, session, pending, active_subscriptions(session), on_write
        )


def write_in_session(
    context: ServiceContext,
    session: Session,
    pending: PendingTicket,
    subscriptions: Sequence[WebhookSubscriptionRow],
    on_write: RowHook | None = None,
) -> NewTicketRows:
    """Add a new ticket's rows to the caller's write transaction."""
    actor, revision, now = pending.actor, pending.revision, pending.now
    # Read before adding rows, because a read would make the session flush
    # pending rows early. The new rows then go in one flush.
    team = open_team_for(revision, pending.decision.team, now)
    staffed = team_has_online_agent(session, team)
    stored = _store(context, session, pending, subscriptions)
    row = stored.ticket
    if on_write is not None:
        on_write(session, row)
    if pending.idempotency_key is not None:
        session.add(
            IdempotencyKeyRow(
                **idempotency_values(pending), ticket_id=row.id, created_at=now
            )
        )
    assert row.team == team, "enter_queue puts the ticket in the open team"
    # Built from the rows in hand: a new ticket has no agent or bugs yet.
    view = assemble_view(
        row,
        actor,
        requester=stored.requester,
        agent=None,
        decision=stored.decision,
        version_label=revision.policy.version_label,
        bugs=[],
    )
    return NewTicketRows(view, team, staffed)


def idempotency_values(pending: PendingTicket) -> dict[str, Any]:
    """Return the key columns of the ticket's idempotency row."""
    return {
        "token_id": pending.actor.token_id or 0,
        "key": pending.idempotency_key,
        "request_digest": pending.digest,
    }


def _store(
    context: ServiceContext,
    session: Session,
    pending: PendingTicket,
    subscriptions: Sequence[WebhookSubscriptionRow],
) -> _Stored:
    actor, revision, now = pending.actor, pending.revision, pending.now
    ticket, decision, draft = pending.ticket, pending.decision, pending.draft
    requester = None
    if draft.requester is not None:
        requester = upsert_requester(
            session,
            draft.requester,
            now,
            update=may_do_anywhere(actor, "requester.write"),
        )
    elif draft.requester_id is not None:
        requester = session.scalar(
            select(RequesterRow).where(RequesterRow.external_id == draft.requester_id)
        )
        if requester is None:
            raise unknown_reference("requester", draft.requester_id, "requester_id")

    row = TicketRow(**ticket_values(pending, requester.id if requester else None))
    session.add(row)
    session.flush()
    start_history(session, row)

    decision_row = DecisionRow(ticket_id=row.id, **decision_values(context, pending))
    session.add(decision_row)
    session.flush()
    row.decision_id = decision_row.id

    record_event(
        session,
        row,
        EventKind.CREATED,
        actor,
        now,
        **created_attributes(ticket, decision),
    )
    enter_queue(
        session, revision, row, decision.team, actor, now, **queue_attributes(decision)
    )
    record_audit(session, actor, "ticket.create", "ticket", ticket.id, now)
    stored = _Stored(row, requester, decision_row)
    publish_events(
        session,
        revision,
        row,
        now,
        created_events(decision, row),
        subscriptions=subscriptions,
    )
    return stored


def created_events(
    decision: Decision, row: TicketRow | WrittenRow
) -> list[tuple[str, dict[str, Any]]]:
    """Return the webhook events of a new ticket, queued in its first team."""
    return [
        ("ticket.created", {"sla_policy": decision.sla_policy}),
        ("ticket.routed", routed_details(decision, row)),
    ]


def ticket_values(pending: PendingTicket, requester_id: int | None) -> dict[str, Any]:
    """Return the columns of a new ticket row before it enters a queue."""
    ticket, decision, now = pending.ticket, pending.decision, pending.now
    return {
        "external_id": ticket.id,
        "account_external_id": ticket.account_id,
        "subject": ticket.subject,
        "body": ticket.body,
        "channel": ticket.channel,
        "language": ticket.language,
        "priority": decision.priority,
        "status": "new",
        "created_at": now,
        "imported_at": now,
        "requester_id": requester_id,
        "segment": decision.segment,
        "inquiry_type": decision.inquiry_type,
        "confidence": decision.confidence,
        "complexity": decision.complexity,
        "priority_rank": pending.revision.policy.priorities.index(decision.priority),
        "policy_version_id": pending.revision.revision,
        "inquiry_type_source": pending.source,
        "updated_at": now,
        "reopen_count": 0,
        "created_by": pending.actor.name,
    }


def decision_values(context: ServiceContext, pending: PendingTicket) -> dict[str, Any]:
    """Return the columns of a new ticket's decision row, but its ticket id."""
    decision = pending.decision
    # Decisions made on a stated inquiry type record "request" as their model.
    stated = pending.draft.inquiry_type is not None
    return {
        "policy_version": decision.policy_version,
        "policy_digest": pending.revision.loaded.digest,
        "model_digest": "request" if stated else context.models.digest,
        "decided_at": pending.now,
        **decision_columns(decision),
    }


def queue_attributes(decision: Decision) -> dict[str, Any]:
    """Return the attributes of a new ticket's first team_assigned event."""
    return {"rule": decision.rule, "reason": decision.reason}


def created_attributes(ticket: Ticket, decision: Decision) -> dict[str, Any]:
    """Return the attributes of a new ticket's created event."""
    return {
        "channel": ticket.channel,
        "priority": decision.priority,
        "segment": decision.segment,
        "inquiry_type": decision.inquiry_type,
        "policy_version": decision.policy_version,
    }


def decision_columns(decision: Decision) -> dict[str, Any]:
    record = decision.as_record()
    names = (
        "segment",
        "segment_rule",
        "inquiry_type",
        "complexity",
        "complexity_source",
        "priority",
        "tier",
        "team",
        "team_kind",
        "sla_policy",
        "first_response_target_minutes",
        "resolution_target_minutes",
        "sla_time",
        "rule",
        "triage",
        "reason",
    )
    columns = {name: record[name] for name in names}
    columns["confidence"] = decision.confidence
    columns["tags"] = list(decision.tags)
    return columns
