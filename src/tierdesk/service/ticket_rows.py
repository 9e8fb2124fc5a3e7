"""Rows of a new ticket: the ticket, its decision, its first events, its
idempotency key and the audit entry, written in one transaction."""

from __future__ import annotations

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
from tierdesk.service.history import record_event
from tierdesk.service.policy_cache import PolicyRevision
from tierdesk.service.queues import enter_queue
from tierdesk.service.requesters import upsert_requester
from tierdesk.service.transactions import write_session
from tierdesk.store.access import IdempotencyKeyRow
from tierdesk.store.people import RequesterRow
from tierdesk.store.schema import DecisionRow, TicketRow
from tierdesk.ticket import Ticket

if TYPE_CHECKING:
    from tierdesk.service.intake import NewTicket


def write_new_ticket(
    context: ServiceContext,
    actor: Actor,
    revision: PolicyRevision,
    ticket: Ticket,
    decision: Decision,
    draft: NewTicket,
    now: datetime,
    source: str,
    idempotency_key: str | None,
    digest: str,
) -> str:
    """Store the ticket, its decision, events and idempotency key; return its team."""
    with write_session(context.engine) as session:
        row = _store(context, session, actor, revision, ticket, decision, draft, now)
        row.inquiry_type_source = source
        if idempotency_key is not None:
            session.add(
                IdempotencyKeyRow(
                    token_id=actor.token_id or 0,
                    key=idempotency_key,
                    request_digest=digest,
                    ticket_id=row.id,
                    created_at=now,
                )
            )
            session.flush()
        assert row.team is not None, "enter_queue gives every new ticket a team"
        return row.team


def _store(
    context: ServiceContext,
    session: Session,
    actor: Actor,
    revision: PolicyRevision,
    ticket: Ticket,
    decision: Decision,
    draft: NewTicket,
    now: datetime,
) -> TicketRow:
    requester_id = None
    if draft.requester is not None:
        requester_id = upsert_requester(session, draft.requester, now).id
    elif draft.requester_id is not None:
        requester_id = session.scalar(
            select(RequesterRow.id).where(
                RequesterRow.external_id == draft.requester_id
            )
        )
        if requester_id is None:
            raise unknown_reference("requester", draft.requester_id, "requester_id")

    policy = revision.policy
    row = TicketRow(
        external_id=ticket.id,
        account_external_id=ticket.account_id,
        subject=ticket.subject,
        body=ticket.body,
        channel=ticket.channel,
        language=ticket.language,
        priority=decision.priority,
        status="new",
        created_at=now,
        imported_at=now,
        requester_id=requester_id,
        segment=decision.segment,
        inquiry_type=decision.inquiry_type,
        confidence=decision.confidence,
        complexity=decision.complexity,
        priority_rank=policy.priorities.index(decision.priority),
        policy_version_id=revision.revision,
        updated_at=now,
        reopen_count=0,
        created_by=actor.name,
    )
    session.add(row)
    session.flush()

    # Decisions made on a stated inquiry type record "request" as their model.
    decision_row = DecisionRow(
        ticket_id=row.id,
        policy_version=decision.policy_version,
        policy_digest=revision.loaded.digest,
        model_digest=context.models.digest if draft.inquiry_type is None else "request",
        decided_at=now,
        **decision_columns(decision),
    )
    session.add(decision_row)
    session.flush()
    row.decision_id = decision_row.id

    record_event(
        session,
        row,
        EventKind.CREATED,
        actor,
        now,
        channel=row.channel,
        priority=row.priority,
        segment=decision.segment,
        inquiry_type=decision.inquiry_type,
        policy_version=decision.policy_version,
    )
    enter_queue(
        session,
        revision,
        row,
        decision.team,
        actor,
        now,
        rule=decision.rule,
        reason=decision.reason,
    )
    record_audit(session, actor, "ticket.create", "ticket", ticket.id, now)
    return row


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
