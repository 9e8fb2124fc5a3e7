"""Changes to a ticket's priority, language or inquiry type.

The event model has no kind for a field change, so each change is recorded as
an internal_note event. Its `change` attribute names the field, and `from` and
`to` hold the values; no comment is stored with it.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.classify.predict import Prediction
from tierdesk.events import EventKind
from tierdesk.service.actor import Actor
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
from tierdesk.service.ticket_rows import decision_columns
from tierdesk.service.ticket_views import TicketView, load_view
from tierdesk.service.transactions import read_session, write_session
from tierdesk.store.schema import AccountRow, DecisionRow, TicketRow
from tierdesk.ticket import Ticket
from tierdesk.webhooks.publish import publish_events, routed_details

# Decisions made after an agent corrected the inquiry type carry this in place
# of a model digest.
CORRECTED = "agent-correction"


class TicketUpdate(InputModel):
    priority: str | None = Field(default=None, max_length=40)
    language: str | None = Field(default=None, max_length=20)
    inquiry_type: str | None = Field(default=None, max_length=64)


def update_ticket(
    context: ServiceContext,
    actor: Actor,
    ticket_id: str,
    changes: TicketUpdate,
    now: datetime,
) -> TicketView:
    """Apply field changes; a corrected inquiry type re-routes a triaged ticket."""
    require(actor, "ticket.update")
    with read_session(context.engine) as session:
        revision = load_active(context, session)
    policy = revision.policy
    if changes.priority is not None and changes.priority not in policy.priorities:
        raise InvalidInput(
            "invalid_field",
            f"unknown priority {changes.priority!r}; expected one of: "
            f"{', '.join(policy.priorities)}",
            field="priority",
        )
    if (
        changes.inquiry_type is not None
        and changes.inquiry_type not in policy.inquiry_types_by_id
    ):
        raise InvalidInput(
            "invalid_field",
            f"unknown inquiry type {changes.inquiry_type!r}; expected one of: "
            f"{', '.join(policy.inquiry_types_by_id)}",
            field="inquiry_type",
        )
    moved = False
    with write_session(context.engine) as session:
        ticket = find_ticket(session, actor, ticket_id, lock=True)
        if ticket.status == "closed":
            raise Conflict(
                "ticket_closed", f"ticket {ticket_id!r} is closed", field="ticket_id"
            )
        changed = []
        for name in ("priority", "language", "inquiry_type"):
            value = getattr(changes, name)
            if value is None or value == getattr(ticket, name):
                continue
            previous = getattr(ticket, name)
            setattr(ticket, name, value)
            changed.append(name)
            record_event(
                session,
                ticket,
                EventKind.INTERNAL_NOTE,
                actor,
                now,
                change=name,
                **{"from": previous, "to": value},
            )
        if "priority" in changed:
            ticket.priority_rank = policy.priorities.index(ticket.priority or "")
        if "inquiry_type" in changed:
            ticket.inquiry_type_source = "agent"
            ticket.confidence = 1.0
            if ticket.team is not None and ticket.team == policy.routing.triage_team:
                moved = _reroute(session, revision, ticket, actor, now)
        if changed:
            ticket.updated_at = now
            record_audit(
                session,
                actor,
                "ticket.update",
                "ticket",
                ticket_id,
                now,
                fields=changed,
            )
        team = ticket.team
    if moved and team is not None:
        assign_waiting(context, team, now)
    return load_view(context, actor, ticket_id, moved=moved)


def _reroute(
    session: Session,
    revision: PolicyRevision,
    ticket: TicketRow,
    actor: Actor,
    now: datetime,
) -> bool:
    """Route the ticket again with its corrected inquiry type; True if it moved."""
    account = None
    if ticket.account_external_id is not None:
        account = session.scalar(
            select(AccountRow).where(
                AccountRow.external_id == ticket.account_external_id
            )
        )
    decision = revision.router.decide(
        Ticket(
            id=ticket.external_id,
            subject=ticket.subject,
            body=ticket.body,
            channel=ticket.channel,
            language=ticket.language,
            priority=ticket.priority,
            account_id=ticket.account_external_id,
        ),
        dict(account.attributes) if account else {},
        Prediction(ticket.inquiry_type or "", 1.0),
    )

    # One corrected decision per ticket and policy, updated by later corrections.
    row = session.scalar(
        select(DecisionRow).where(
            DecisionRow.ticket_id == ticket.id,
            DecisionRow.policy_digest == revision.loaded.digest,
            DecisionRow.model_digest == CORRECTED,
        )
    )
    if row is None:
        row = DecisionRow(
            ticket_id=ticket.id,
            policy_digest=revision.loaded.digest,
            model_digest=CORRECTED,
        )
        session.add(row)
    for name, value in decision_columns(decision).items():
        setattr(row, name, value)
    row.policy_version = decision.policy_version
    row.decided_at = now
    session.flush()

    ticket.decision_id = row.id
    ticket.policy_version_id = revision.revision
    ticket.segment = decision.segment
    ticket.complexity = decision.complexity
    ticket.priority = decision.priority
    ticket.priority_rank = revision.policy.priorities.index(decision.priority)

    if decision.team == ticket.team:
        return False
    enter_queue(
        session,
        revision,
        ticket,
        decision.team,
        actor,
        now,
        rule=decision.rule,
        reason=decision.reason,
    )
    publish_events(
        session,
        revision,
        ticket,
        now,
        [("ticket.routed", routed_details(decision, ticket))],
    )
    return True
