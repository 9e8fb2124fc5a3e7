"""Tickets as the service returns them, masked for vendor roles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tierdesk.service.actor import SYSTEM, Actor
from tierdesk.service.context import ServiceContext
from tierdesk.service.masking import EMAIL_MASK, NAME_MASK, PHONE_MASK, mask_text
from tierdesk.service.ticket_access import find_ticket
from tierdesk.service.transactions import read_session
from tierdesk.store.escalation import BugRow, TicketBugRow
from tierdesk.store.people import AgentRow, RequesterRow
from tierdesk.store.policies import PolicyVersionRow
from tierdesk.store.schema import DecisionRow, TicketRow


class RequesterView(BaseModel):
    id: str
    email: str | None
    name: str | None
    phone: str | None
    account_id: str | None


class DecisionView(BaseModel):
    """The routing decision made when the ticket was created."""

    segment: str
    segment_rule: str
    inquiry_type: str
    confidence: float
    complexity: str
    complexity_source: str
    priority: str
    tier: str
    team: str
    team_kind: str
    sla_policy: str
    first_response_target_minutes: float
    resolution_target_minutes: float
    sla_time: str
    rule: str
    triage: bool
    tags: list[str]
    reason: str
    policy_version: str
    decided_at: datetime


class TicketView(BaseModel):
    id: str
    subject: str
    body: str
    status: str
    channel: str | None
    language: str | None
    priority: str | None
    account_id: str | None
    requester: RequesterView | None
    segment: str | None
    inquiry_type: str | None
    inquiry_type_source: str | None
    confidence: float | None
    complexity: str | None
    team: str | None
    tier: str | None
    agent_id: str | None
    reopen_count: int
    bugs: list[str]
    created_at: datetime | None
    updated_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    policy_revision: int | None
    policy_version: str | None
    decision: DecisionView | None


class WrittenRow:
    """Column values of a row this process has just written, read as attributes.

    Building an ORM instance costs about as much as writing its row in a batch,
    so views of new tickets are assembled from these instead.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:
        # Only called for names that were not written.
        raise AttributeError(name)


def requester_as_sent(view: TicketView, sent: Any) -> TicketView:
    """Return the view with the requester's id and only the fields of `sent`, the
    requester input of the request (None when it named the requester by id)."""
    if view.requester is None:
        return view
    echoed = RequesterView(
        id=view.requester.id,
        email=sent.email if sent else None,
        name=sent.name if sent else None,
        phone=sent.phone if sent else None,
        account_id=sent.account_id if sent else None,
    )
    return view.model_copy(update={"requester": echoed})


def requester_view(row: RequesterRow | WrittenRow, actor: Actor) -> RequesterView:
    if actor.masks_personal_data:
        return RequesterView(
            id=row.external_id,
            email=EMAIL_MASK if row.email else None,
            name=NAME_MASK if row.name else None,
            phone=PHONE_MASK if row.phone else None,
            account_id=row.account_external_id,
        )
    return RequesterView(
        id=row.external_id,
        email=row.email,
        name=row.name,
        phone=row.phone,
        account_id=row.account_external_id,
    )


def decision_view(row: DecisionRow | WrittenRow) -> DecisionView:
    return DecisionView.model_validate(row, from_attributes=True)


def ticket_view(session: Session, row: TicketRow, actor: Actor) -> TicketView:
    """Build the view of one ticket, masking personal data for vendor roles."""
    return ticket_views(session, [row], actor)[0]


def ticket_views(
    session: Session, rows: Sequence[TicketRow], actor: Actor
) -> list[TicketView]:
    """Build the views of tickets with one query per related table."""

    def by_id(model: Any, ids: set[int | None]) -> dict[int, Any]:
        present = sorted(i for i in ids if i is not None)
        if not present:
            return {}
        return {
            r.id: r for r in session.scalars(select(model).where(model.id.in_(present)))
        }

    requesters = by_id(RequesterRow, {row.requester_id for row in rows})
    agents = by_id(AgentRow, {row.agent_id for row in rows})
    decisions = by_id(DecisionRow, {row.decision_id for row in rows})
    revision_ids = sorted({r.policy_version_id for r in rows} - {None})
    labels: dict[int, str] = {}
    if revision_ids:
        # The label only: a revision row also stores the whole policy text.
        labels = dict(
            session.execute(
                select(PolicyVersionRow.id, PolicyVersionRow.version_label).where(
                    PolicyVersionRow.id.in_(revision_ids)
                )
            ).all()
        )
    bugs: dict[int, list[str]] = {}
    if rows:
        links = session.execute(
            select(TicketBugRow.ticket_id, BugRow.external_id)
            .join(BugRow, TicketBugRow.bug_id == BugRow.id)
            .where(TicketBugRow.ticket_id.in_([row.id for row in rows]))
            .order_by(BugRow.id)
        )
        for ticket_id, bug in links:
            bugs.setdefault(ticket_id, []).append(bug)
    views = []
    for row in rows:
        views.append(
            assemble_view(
                row,
                actor,
                requester=requesters.get(row.requester_id or 0),
                agent=agents.get(row.agent_id or 0),
                decision=decisions.get(row.decision_id or 0),
                version_label=labels.get(row.policy_version_id or 0),
                bugs=bugs.get(row.id, []),
            )
        )
    return views


def assemble_view(
    row: TicketRow | WrittenRow,
    actor: Actor,
    *,
    requester: RequesterRow | WrittenRow | None,
    agent: AgentRow | None,
    decision: DecisionRow | WrittenRow | None,
    version_label: str | None,
    bugs: list[str],
) -> TicketView:
    """Build a ticket's view from its rows, masking personal data for vendor roles."""
    subject, body = row.subject, row.body
    if actor.masks_personal_data:
        names = [requester.name] if requester and requester.name else []
        subject, body = mask_text(subject, names), mask_text(body, names)
    return TicketView(
        id=row.external_id,
        subject=subject,
        body=body,
        status=row.status,
        channel=row.channel,
        language=row.language,
        priority=row.priority,
        account_id=row.account_external_id,
        requester=requester_view(requester, actor) if requester else None,
        segment=row.segment,
        inquiry_type=row.inquiry_type,
        inquiry_type_source=row.inquiry_type_source,
        confidence=row.confidence,
        complexity=row.complexity,
        team=row.team,
        tier=row.tier,
        agent_id=agent.external_id if agent else None,
        reopen_count=row.reopen_count,
        bugs=bugs,
        created_at=row.created_at,
        updated_at=row.updated_at,
        solved_at=row.solved_at,
        closed_at=row.closed_at,
        policy_revision=row.policy_version_id,
        policy_version=version_label,
        decision=decision_view(decision) if decision else None,
    )


def requester_names(session: Session, row: TicketRow) -> list[str]:
    """Return the requester's name, for masking free text of the ticket."""
    if row.requester_id is None:
        return []
    requester = session.get(RequesterRow, row.requester_id)
    return [requester.name] if requester and requester.name else []


def load_view(
    context: ServiceContext, actor: Actor, ticket_id: str, *, moved: bool = False
) -> TicketView:
    """Read the ticket's view now, after any follow-up work such as assignment.

    With `moved`, the actor has just sent the ticket to another team, and the
    result is returned once although the ticket is outside their teams now.
    """
    with read_session(context.engine) as session:
        reader = SYSTEM if moved else actor
        row = find_ticket(session, reader, ticket_id)
        return ticket_view(session, row, actor)
